"""Certificates: interval-arithmetic proofs about the GD map.

One module per certificate, and one for the regions they produce:

:mod:`~symstab.certify.region`
    :class:`CertifiedRegion`, a ball in the basin of a minimum (the result type), and
    :func:`region_arrays` for float64 kernels.
:mod:`~symstab.certify.hessian_ball`
    :func:`certify_region`: a trapping ball on which the Hessian's spectrum lies in
    [mu, L] with mu > 0 and L < 2/η (contraction, monotone descent).
:mod:`~symstab.certify.lyapunov`
    :func:`certify_lyapunov_region`: a larger ball around a Hessian ball, by a Lyapunov
    annulus for G∘G (convergence without monotone descent).
:mod:`~symstab.certify.minima`
    :func:`certified_regions` and :func:`lyapunov_regions`: the regions of every stable
    minimum of a polynomial loss.
:mod:`~symstab.certify.krawczyk`
    The interval Krawczyk test for F(x) = 0 on a box and root isolation by bisection.
:mod:`~symstab.certify.measure`
    :func:`certified_measure`: certified lower bounds on the fraction of a window from
    which GD converges (and converges stably), by cells propagated through G in interval
    arithmetic into certified regions (:mod:`~symstab.certify.propagate`, the boxes;
    :mod:`~symstab.certify.shape`, first-order Taylor models that stay thin along a
    manifold of minima; :mod:`~symstab.certify.tube_entry`, their entry into a tube;
    :mod:`~symstab.certify.cells`, the cells and the proved cells as regions);
    :func:`certified_labels`: the region a single exact start is proved to enter.
:mod:`~symstab.certify.manifold`
    :func:`certify_manifold_regions`: PL tubes around the pieces of a manifold of
    minima (:mod:`~symstab.certify.tube`, the region type).
"""

from symstab.certify.hessian_ball import certify_region, explain_no_region
from symstab.certify.krawczyk import (
    IsolationResult,
    IteratedMapSystem,
    Root,
    SympySystem,
    isolate_roots,
    krawczyk,
)
from symstab.certify.lyapunov import certify_lyapunov_region
from symstab.certify.manifold import certify_manifold_regions
from symstab.certify.measure import CertifiedMeasure, certified_labels, certified_measure
from symstab.certify.minima import certified_regions, lyapunov_regions
from symstab.certify.region import CertifiedRegion, region_arrays

__all__ = [
    "CertifiedMeasure",
    "CertifiedRegion",
    "IsolationResult",
    "IteratedMapSystem",
    "Root",
    "SympySystem",
    "certified_labels",
    "certified_measure",
    "certified_regions",
    "certify_lyapunov_region",
    "certify_manifold_regions",
    "certify_region",
    "explain_no_region",
    "isolate_roots",
    "krawczyk",
    "lyapunov_regions",
    "region_arrays",
]
