"""Lyapunov annuli for G∘G: certified basins much larger than the Hessian balls near η*.

Near η* = 2/λmax(θ*) the Hessian ball of
:func:`~symstab.certify.hessian_ball.certify_region`
shrinks to nothing (its Hessian bound L must stay below 2/η, which exceeds λmax(θ*) by
little) and its contraction factor tends to 1, so float64 trajectories take very long to
enter it. This module proves that a much larger ball B(c, R) around the same centre lies
in the basin of θ*, by a Lyapunov function for the *double* step G² = G∘G
(G(θ) = θ − η∇f(θ)).

The certificate (:func:`certify_lyapunov_region`)
-------------------------------------------------
Let B_in = B(c, ρ) be a certified Hessian ball (c dyadic, G(B_in) ⊂ B_in, every orbit
starting in B_in converges to θ*), V(θ) = ‖θ − c‖² and g = V∘G² − V. If interval
arithmetic proves g <= −m < 0 on the closed annulus A = {ρ <= ‖θ − c‖ <= R}, then every
orbit from B(c, R) converges to θ*: for θ in A, V(G²θ) <= V(θ) − m < R², so G²θ is again
in B(c, R), and the even iterates stay in A for at most R²/m double steps before they
enter B_in, which is invariant and contracts to θ*. (The odd iterates may leave B(c, R);
the conclusion needs only the even ones. Neither the centre error ‖c − θ*‖ nor θ* itself
enters the argument beyond the inner certificate.) The loss need *not* decrease along the
way: such a region certifies the limit, not monotone descent
(``CertifiedRegion.monotone`` is False).

1. Coordinates. θ = c + Q z with Q an *exactly* orthogonal rational matrix (the Cayley
   transform (I − A)(I + A)⁻¹ of a rational skew-symmetric A, rounded from the float
   eigenvectors of H(c)), so V = ‖z‖² and the boxes are aligned with the eigenvectors of
   the Hessian at the minimum, where g is nearly a diagonal quadratic form.
2. g(z) = Σᵢ dᵢ (2(Qz)ᵢ + dᵢ) with d = G²(θ) − θ = −η(∇f(θ) + ∇f(G(θ))) is built in
   SymPy from the loss (no derivative is written by hand) and compiled with
   :func:`symstab.codegen.compile_loss` to python-flint ``arb`` (value, gradient and
   Hessian enclosures, outward rounded).
3. On a box X with midpoint m and half-widths h (Taylor with Lagrange remainder;
   X convex), for z in X and e = z − m:
   g(z) <= g(m)⁺ + Σᵢ max_{|eᵢ|<=hᵢ} (aᵢeᵢ + bᵢeᵢ²) + Σ_{i<j} max|H_ij(X)| hᵢhⱼ, with
   aᵢ ranging over the enclosure of ∂ᵢg(m) and bᵢ = sup H_ii(X)/2. The one-variable
   maxima are exact (vertex or endpoint of a parabola), all in exact rational arithmetic
   from the arb midpoints and radii. This second-order form is needed because g
   vanishes to second order at θ* with a Hessian whose eigenvalues differ by the factor
   ~ (1 − (1 − ηλmin)⁴)/(4(2 − ηλmax)): a first-order (mean-value) form would need
   boxes thousands of times smaller than the distance to c.
4. Adaptive search: boxes of [−R₀, R₀]ⁿ (R₀ = ``max_radius``) are processed in the order
   of their distance to c (a priority queue); a box inside B_in is skipped, a box whose
   bound is < 0 is verified, any other box is bisected in every coordinate, unless it is
   already narrower than 2^−``rel_bits`` times its distance to c (or ρ): then, like a box
   whose midpoint has g >= 0 certainly, it caps the radius at its distance to c. The
   radius R is the largest dyadic strictly below the final cap; every box meeting the
   closed ball B(c, R) outside B_in has been verified. A budget ``max_boxes`` bounds the
   work; on exhaustion the cap is the distance of the nearest unprocessed box.

Flip bifurcations: when the period-doubling at η* is *subcritical*, an unstable period-2
orbit at distance ~√(η* − η) bounds the basin and R stays below it (correctly); when it
is *supercritical* (f4: the critical eigenvector (1, 1) spans the invariant diagonal,
on which the normal form of G² at η* is u ↦ u − 2(α² + β)u³ with α² + β ≈ 8.4 > 0) no
period-2 orbit exists for η < η* near θ*, and R is limited only by the global geometry.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import sympy as sp
from mpmath import libmp

from symstab.certify.region import CertifiedRegion
from symstab.codegen import IntervalTarget, compile_loss
from symstab.errors import InputError
from symstab.exact import derivatives as d
from symstab.inputs import StepSize, StepSizeLike
from symstab.intervals import arb_mid_rad, dyadic, fraction_mpf, mpf_fraction
from symstab.loss import Loss

__all__ = [
    "DEFAULT_MAX_BOXES",
    "LyapunovSetup",
    "certify_lyapunov_region",
    "lyapunov_function",
]

#: Default budget of box evaluations per minimum.
DEFAULT_MAX_BOXES = 30_000

Box = tuple[tuple[Fraction, Fraction], ...]


# --------------------------------------------------------------------------------------
# Exact rational orthogonal coordinates
# --------------------------------------------------------------------------------------


def _solve(a: list[list[Fraction]], b: list[list[Fraction]]) -> list[list[Fraction]] | None:
    """A⁻¹B by exact Gauss-Jordan elimination (``None`` if A is singular)."""
    n = len(a)
    m = [row[:] + brow[:] for row, brow in zip(a, b, strict=True)]
    for k in range(n):
        piv = next((i for i in range(k, n) if m[i][k] != 0), None)
        if piv is None:
            return None
        m[k], m[piv] = m[piv], m[k]
        p = m[k][k]
        m[k] = [x / p for x in m[k]]
        for i in range(n):
            if i != k and m[i][k] != 0:
                f = m[i][k]
                m[i] = [x - f * y for x, y in zip(m[i], m[k], strict=True)]
    return [row[n:] for row in m]


def _rational_rotation(hessian: np.ndarray) -> list[list[Fraction]]:
    """An exactly orthogonal rational Q whose columns approximate eigenvectors of H.

    The Cayley transform Q = (I − A)(I + A)⁻¹ of a skew-symmetric rational A (rounded to
    2^−40 from the float eigenvectors) is orthogonal exactly. Falls back to the identity
    when the float eigenvectors are not usable (never affects rigour, only tightness).
    """
    n = hessian.shape[0]
    eye = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    if n == 1 or not np.all(np.isfinite(hessian)):
        return eye
    _, vecs = np.linalg.eigh((hessian + hessian.T) / 2)
    # positive diagonal (columns flipped), det +1 (flip the column with the smallest
    # diagonal entry if needed): keeps I + V well conditioned in the usual cases
    vecs = vecs * np.where(np.diag(vecs) < 0, -1.0, 1.0)
    if np.linalg.det(vecs) < 0:
        k = int(np.argmin(np.abs(np.diag(vecs))))
        vecs[:, k] = -vecs[:, k]
    ident = np.eye(n)
    if np.linalg.cond(ident + vecs) > 1e8:
        return eye
    a_float = np.linalg.solve((ident + vecs).T, (ident - vecs).T).T  # (I − V)(I + V)⁻¹
    scale = 2**40
    a = [[Fraction(round(float(a_float[i, j]) * scale), scale) for j in range(n)] for i in range(n)]
    a = [[(a[i][j] - a[j][i]) / 2 for j in range(n)] for i in range(n)]  # exactly skew
    plus = [[eye[i][j] + a[i][j] for j in range(n)] for i in range(n)]
    minus = [[eye[i][j] - a[i][j] for j in range(n)] for i in range(n)]
    # Q = (I − A)(I + A)⁻¹ = (I + A)⁻¹(I − A): the two factors commute
    q = _solve(plus, minus)
    if q is None:
        return eye
    for i in range(n):
        for j in range(n):
            dot = sum((q[k][i] * q[k][j] for k in range(n)), Fraction(0))
            if dot != (1 if i == j else 0):  # cannot happen; keep the certificate honest
                return eye
    return q


# --------------------------------------------------------------------------------------
# g = V∘G² − V in rotated coordinates
# --------------------------------------------------------------------------------------


class LyapunovSetup:
    """g(z) = ‖G²(c + Qz) − c‖² − ‖z‖² for one centre, step size and rotation.

    Attributes
    ----------
    symbols
        The coordinates z (SymPy symbols).
    expr
        g as a SymPy expression in ``symbols``.
    rotation
        Q (exact rationals, orthogonal), θ = c + Q z.
    center
        c (exact dyadic rationals).
    target
        The compiled ``arb`` target of g (value, gradient, Hessian on boxes).
    """

    def __init__(
        self,
        loss: Loss,
        eta: StepSizeLike,
        center: Sequence[Fraction],
        rotation: Sequence[Sequence[Fraction]],
        dps: int,
    ) -> None:
        n = loss.n
        eta = StepSize.of(eta)
        self.center = tuple(center)
        self.rotation = tuple(tuple(row) for row in rotation)
        self.symbols = tuple(sp.Symbol(f"z{i}", real=True) for i in range(n))
        self.expr = lyapunov_function(loss, eta, self.center, self.rotation, self.symbols)
        self.target: IntervalTarget = compile_loss(self.expr, self.symbols).interval(dps)


def lyapunov_function(
    loss: Loss,
    eta: StepSizeLike,
    center: Sequence[Fraction],
    rotation: Sequence[Sequence[Fraction]],
    symbols: Sequence[sp.Symbol],
) -> sp.Expr:
    """V(G²(θ)) − V(θ) with V = ‖θ − c‖², θ = c + Q z, as a SymPy expression in z.

    Parameters
    ----------
    loss
        The loss f (any loss :func:`~symstab.codegen.compile_loss` supports).
    eta
        The step size, in any spelling :meth:`~symstab.inputs.StepSize.of` accepts.
    center
        c, exact rationals.
    rotation
        Q, an orthogonal matrix of exact rationals (rows).
    symbols
        The symbols z.

    Returns
    -------
    sympy.Expr
        Σᵢ dᵢ (2(Qz)ᵢ + dᵢ) with d = −η(∇f(θ) + ∇f(G(θ))) = G²(θ) − θ, which equals
        ‖G²(θ) − c‖² − ‖θ − c‖² (no cancellation of the two large squares).
    """
    eta_exact = StepSize.of(eta).exact
    n = loss.n
    params = tuple(loss.params)
    grad = d.gradient(loss)
    off = [
        sp.Add(*[_rat(rotation[i][j]) * symbols[j]
                 for j in range(n)])
        for i in range(n)
    ]  # fmt: skip
    theta = [_rat(c) + off[i] for i, c in enumerate(center)]
    g_theta = [gi.xreplace(dict(zip(params, theta, strict=True))) for gi in grad]
    g1 = [theta[i] - eta_exact * g_theta[i] for i in range(n)]
    g_g1 = [gi.xreplace(dict(zip(params, g1, strict=True))) for gi in grad]
    dd = [-eta_exact * (g_theta[i] + g_g1[i]) for i in range(n)]
    return sp.Add(*[dd[i] * (2 * off[i] + dd[i]) for i in range(n)])


def _rat(x: Fraction) -> sp.Rational:
    return sp.Rational(int(x.numerator), int(x.denominator))


def _quad_max(a: Fraction, b: Fraction, h: Fraction) -> Fraction:
    """max of a e + b e² over |e| <= h (exact)."""
    edge = abs(a) * h + b * h * h
    if b >= 0:
        return edge
    vertex = -a / (2 * b)
    if abs(vertex) <= h:
        return -a * a / (4 * b)
    return edge


def _upper_bound(target: IntervalTarget, box: Box) -> tuple[Fraction | None, Fraction | None]:
    """``(upper bound of g over box, lower bound of g(midpoint))`` (``None``: unbounded)."""
    n = len(box)
    mid = [(lo + hi) / 2 for lo, hi in box]
    half = [(hi - lo) / 2 for lo, hi in box]
    v = arb_mid_rad(target.value(mid))
    if v is None:
        return None, None
    g_lo = v[0] - v[1]
    total = v[0] + v[1]
    grads = target.gradient(mid)
    hess = target.hessian(box)
    for i in range(n):
        gi = arb_mid_rad(grads[i])
        hi_ = arb_mid_rad(hess[i][i])
        if gi is None or hi_ is None:
            return None, g_lo
        b = (hi_[0] + hi_[1]) / 2
        total += max(_quad_max(gi[0] - gi[1], b, half[i]), _quad_max(gi[0] + gi[1], b, half[i]))
        for j in range(i + 1, n):
            hij = arb_mid_rad(hess[i][j])
            if hij is None:
                return None, g_lo
            total += (abs(hij[0]) + hij[1]) * half[i] * half[j]
    return total, g_lo


def _dist2(box: Box) -> tuple[Fraction, Fraction]:
    """Squared min and max distance of the box to the origin (exact)."""
    dmin = dmax = Fraction(0)
    for lo, hi in box:
        if lo > 0:
            near = lo
        elif hi < 0:
            near = -hi
        else:
            near = Fraction(0)
        far = max(abs(lo), abs(hi))
        dmin += near * near
        dmax += far * far
    return dmin, dmax


def _sqrt_down_dyadic(x: Fraction, bits: int = 60) -> Fraction:
    """A dyadic number strictly below sqrt(x) (x > 0), within 2^−bits."""
    scale = 4**bits
    return Fraction(math.isqrt(x.numerator * scale // x.denominator) - 1, 2**bits)


def _search(
    target: IntervalTarget, rho: Fraction, r0: Fraction, max_boxes: int, rel_bits: int, n: int
) -> tuple[Fraction, Fraction | None, int, str]:
    """``(cap², worst bound, evaluations, what limited)``: g < 0 is proved on every box
    meeting {ρ <= |z|, |z|² < cap²}; worst is the largest verified upper bound."""
    rho2 = rho * rho
    limit2 = r0 * r0
    reason = "max_radius"
    heap: list[tuple[Fraction, int, Box]] = [(Fraction(0), 0, tuple((-r0, r0) for _ in range(n)))]
    counter = 1
    evaluations = 0
    worst: Fraction | None = None
    shrink = Fraction(1, 4**rel_bits)
    while heap:
        d2, _, box = heapq.heappop(heap)
        if d2 >= limit2:
            break
        dmin2, dmax2 = _dist2(box)
        if dmax2 <= rho2:
            continue  # inside the inner (Hessian) ball
        if evaluations >= max_boxes:
            limit2, reason = d2, "box budget"
            break
        evaluations += 1
        upper, g_mid = _upper_bound(target, box)
        if upper is not None and upper < 0:
            worst = upper if worst is None or upper > worst else worst
            continue
        if g_mid is not None and g_mid >= 0:
            # V∘G² >= V at the midpoint: no Lyapunov decrease there
            m2 = sum((((lo + hi) / 2) ** 2 for lo, hi in box), Fraction(0))
            if rho2 < m2 < limit2:  # (inside B_in it is no obstruction)
                limit2, reason = m2, "V∘G² >= V at a point"
        width2 = max((hi - lo) ** 2 for lo, hi in box)
        if width2 > max(dmin2, rho2) * shrink:
            for choice in range(2**n):
                child = tuple(
                    (lo, (lo + hi) / 2) if (choice >> i) & 1 == 0 else ((lo + hi) / 2, hi)
                    for i, (lo, hi) in enumerate(box)
                )
                c2 = _dist2(child)[0]
                if c2 < limit2:
                    heapq.heappush(heap, (c2, counter, child))
                    counter += 1
        elif dmin2 < limit2:
            limit2, reason = dmin2, "unverified box at the minimum width"
    return limit2, worst, evaluations, reason


def certify_lyapunov_region(
    loss: Loss,
    inner: CertifiedRegion,
    *,
    max_radius: float = 2.0,
    max_boxes: int = DEFAULT_MAX_BOXES,
    rel_bits: int = 8,
    dps: int = 30,
) -> CertifiedRegion | None:
    """A ball B(c, R) ⊃ ``inner`` in the basin of its minimum, by a Lyapunov annulus for G².

    Parameters
    ----------
    loss
        The loss.
    inner
        A certified (monotone) Hessian ball of
        :func:`~symstab.certify.hessian_ball.certify_region` for ``loss`` at ``inner.eta``;
        its centre is kept.
    max_radius
        Largest radius tried (R < max_radius).
    max_boxes
        Budget of box evaluations (about 60 µs each for a 2-parameter quartic).
    rel_bits
        A box narrower than 2^−rel_bits times its distance to the centre is not split
        further: the resolution of R.
    dps
        Decimal digits of the ``arb`` evaluation.

    Returns
    -------
    CertifiedRegion or None
        The region (``monotone=False``, ``inner_radius`` = ρ, ``decrease`` = m > 0 with
        V∘G² − V <= −m on the annulus; ``mu``, ``L``, ``contraction`` are the inner
        ball's) when R > ρ; ``None`` when nothing beyond the inner ball is certified.

    Raises
    ------
    InputError
        On bad parameters or a non-monotone ``inner`` region.
    """
    if not inner.monotone:
        raise InputError("the inner region must be a (monotone) Hessian ball", "inner")
    if len(inner.center) != loss.n:
        raise InputError("the region's dimension differs from the loss'", "inner")
    if not (isinstance(max_radius, int | float) and math.isfinite(max_radius) and max_radius > 0):
        raise InputError(f"max_radius must be a positive number, got {max_radius!r}")
    for name, value in (("max_boxes", max_boxes), ("rel_bits", rel_bits), ("dps", dps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(f"{name} must be a positive integer, got {value!r}")
    eta = StepSize.of(inner.eta)
    n = loss.n
    center = [
        Fraction(int(q.numerator), int(q.denominator))
        for q in (mpf_fraction(c._mpf_) for c in inner.center)
    ]
    rho = mpf_fraction(inner.radius._mpf_)
    rho = Fraction(int(rho.numerator), int(rho.denominator))
    r0 = dyadic(Fraction(max_radius), 53, libmp.round_floor)
    if r0 <= rho:
        return None
    loss_target = compile_loss(loss.expr, tuple(loss.params)).interval(dps)
    hess = loss_target.hessian(list(center))
    h_float = np.array([[float(x.mid()) for x in row] for row in hess])
    rotation = _rational_rotation(h_float)
    setup = LyapunovSetup(loss, eta, center, rotation, dps)
    limit2, worst, evaluations, reason = _search(setup.target, rho, r0, max_boxes, rel_bits, n)
    if limit2 <= rho * rho or worst is None:
        return None
    radius = _sqrt_down_dyadic(limit2)
    radius = dyadic(radius, 53, libmp.round_floor)
    if radius <= rho:
        return None
    rotated = any(rotation[i][j] != (i == j) for i in range(n) for j in range(n))
    method = (
        f"Lyapunov annulus for G∘G: V = ‖θ − c‖², V∘G² − V <= {float(worst):.3g} < 0 proved on "
        f"{float(rho):.6g} <= ‖θ − c‖ <= R by arb (dps={dps}) second-order Taylor bounds on "
        f"{evaluations} adaptive boxes"
        + (" in Hessian-eigenvector coordinates (exact rational rotation)" if rotated else "")
        + f"; R limited by {reason}; inner region: {inner.method}"
    )
    return CertifiedRegion(
        label=inner.label,
        center=inner.center,
        radius=fraction_mpf(radius),
        eta=inner.eta,
        mu=inner.mu,
        L=inner.L,
        contraction=inner.contraction,
        center_error=inner.center_error,
        method=method,
        monotone=False,
        inner_radius=inner.radius,
        decrease=fraction_mpf(-worst, 64, libmp.round_floor),
    )
