"""The high-precision recheck of a basin map.

:func:`recheck` reruns a few sampled starting points with the mpmath target at high
precision and reports every float64 label or stability flag it contradicts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symstab.dynamics.basins.kernel import as_compiled
from symstab.dynamics.basins.labels import DEGENERATE_TOL
from symstab.dynamics.basins.result import BasinMap
from symstab.inputs import StepSize
from symstab.intervals import to_fraction

__all__ = ["recheck"]


def _mp_region_test(bmap: BasinMap, ctx: Any) -> Any:
    """``label_of(theta) -> (int, bool)``: the first region containing ``theta`` (0 if
    none) and whether a monotone region contains it."""
    objects = bmap.regions
    if objects:

        def label_of(theta: tuple) -> tuple[int, bool]:
            label, mono = 0, False
            for region in objects:
                if region.contains(theta):
                    label = label or int(region.label)
                    mono = mono or bool(getattr(region, "monotone", True))
            return label, mono

        return label_of
    # plain arrays: the float64 balls, with the distance evaluated at high precision
    centers = [tuple(ctx.mpf(float(c)) for c in row) for row in bmap.centers]
    r2 = [ctx.mpf(float(r)) ** 2 for r in bmap.radii]
    names = bmap.region_labels or tuple(range(1, len(centers) + 1))
    monos = bmap.region_monotone or (True,) * len(centers)

    def label_of_arrays(theta: tuple) -> tuple[int, bool]:
        label, mono = 0, False
        for c, rr, name, mo in zip(centers, r2, names, monos, strict=True):
            if ctx.fsum((t - ci) ** 2 for t, ci in zip(theta, c, strict=True)) <= rr:
                label = label or name
                mono = mono or mo
        return label, mono

    return label_of_arrays


def _mp_piece_test(bmap: BasinMap, ctx: Any) -> Any:
    """``piece_of(theta, f) -> int``: the numerical criterion: the label of the degenerate
    minimum near ``theta``, or of the piece of minima whose tube cell holds ``theta`` when
    f − f* <= the map's ``value_tol``, else 0."""
    pieces = [r for r in bmap.regions or () if hasattr(r, "cells")]
    tol = float(bmap.value_tol)
    near = [(a.label, [ctx.mpf(c) for c in a.point],
             DEGENERATE_TOL * max(1.0, max(abs(c) for c in a.point)))
            for a in bmap.numerical_attractors]

    def piece_of(theta: tuple, f: Any) -> int:
        for label, point, radius in near:
            if max(abs(t - c) for t, c in zip(theta, point, strict=True)) <= radius:
                return int(label)
        for region in pieces:
            if not f - ctx.mpf(float(region.f_star)) <= tol:
                return 0
            point = [to_fraction(t) for t in theta]
            if any(q is None for q in point):
                return 0
            cell = region.grid.cell_of(point)
            if cell is not None and region.grid.flat(cell) in region.cells:
                return int(region.label)
        return 0

    return piece_of


def _mp_trajectory(
    target: Any, ctx: Any, theta: tuple, eta: Any, label_of: Any, piece_of: Any,
    max_steps: int, bound2: Any,
) -> tuple[int, bool, int, bool]:
    """``(label, stable, steps, stability open)`` of one start, by the kernel's rule, in
    mpmath."""
    ok = True
    fprev = ctx.inf
    k = 0
    pending = 0
    while True:
        f = target.value(theta)
        if not f < fprev:
            ok = False
        fprev = f
        label, mono = label_of(theta)
        pending = pending or label
        if pending and (mono or not ok):
            return pending, ok, k, False
        if k >= max_steps:
            if not pending:  # the numerical criterion, at the state after the last step
                after = target.step(theta, eta)
                piece = piece_of(after, target.value(after))
                if piece:
                    return piece, ok and bool(target.value(after) < f), k, False
            return pending, ok and not pending, k, bool(pending)
        theta = target.step(theta, eta)
        k += 1
        s2 = ctx.fsum(t * t for t in theta)
        if not (ctx.isfinite(s2) and s2 <= bound2):
            f = target.value(theta)
            return pending or -1, ok and bool(f < fprev), k, False


def recheck(
    bmap: BasinMap, loss: Any, n: int = 20, dps: int = 50, seed: int = 0
) -> list[dict[str, Any]]:
    """Rerun ``n`` randomly sampled starting points at ``dps`` digits; report disagreements.

    Each sampled point is rerun with the mpmath target of ``loss`` by the same rule as
    the float64 kernel, with the same regions (:meth:`CertifiedRegion.contains` when the
    map holds region objects; otherwise the float64 balls with the distance evaluated
    at high precision). The step size is ``bmap.eta`` read by
    :meth:`symstab.inputs.StepSize.of` (exact; a float as the decimal it spells).

    Returns
    -------
    list of dict
        One entry per point whose float64 label, stable flag or open-stability flag the
        rerun contradicts: ``index`` (into ``labels.ravel()``), ``point``,
        ``label``/``stable``/``steps``/``open`` (float64) and
        ``label_mp``/``stable_mp``/``steps_mp``/``open_mp``. Empty if all agree.
    """
    eta = StepSize.of(bmap.eta).exact
    compiled = as_compiled(loss)
    target = compiled.mpmath(dps)
    ctx = target.ctx
    size = bmap.size
    if size == 0:
        return []
    rng = np.random.default_rng(seed)
    picks = rng.choice(size, size=min(int(n), size), replace=False)
    label_of = _mp_region_test(bmap, ctx)
    piece_of = _mp_piece_test(bmap, ctx)
    bound2 = ctx.mpf(bmap.divergence_bound) ** 2
    labels = bmap.labels.ravel()
    stable = bmap.stable.ravel()
    steps = bmap.steps.ravel()
    opened = (
        bmap.stability_open.ravel()
        if bmap.stability_open is not None
        else np.zeros(size, dtype=np.bool_)
    )
    out: list[dict[str, Any]] = []
    for idx in sorted(int(i) for i in picks):
        start = tuple(ctx.mpf(float(x)) for x in bmap.points[idx])
        lab, ok, k, op = _mp_trajectory(target, ctx, start, eta, label_of, piece_of,
                                        bmap.max_steps, bound2)
        if lab != int(labels[idx]) or ok != bool(stable[idx]) or op != bool(opened[idx]):
            out.append(
                {
                    "index": idx,
                    "point": [float(x) for x in bmap.points[idx]],
                    "label": int(labels[idx]),
                    "stable": bool(stable[idx]),
                    "steps": int(steps[idx]),
                    "open": bool(opened[idx]),
                    "label_mp": lab,
                    "stable_mp": ok,
                    "steps_mp": k,
                    "open_mp": op,
                }
            )
    return out
