"""Periodic orbits of period p: Newton search, Krawczyk certificates, interval stability.

:func:`find_orbits` (``certified`` / ``numerical``) — period p > 2: Newton on
G^p(θ) − θ from many starts (float64, vectorised), refined with mpmath, deduplicated by
orbit, orbits of a lower period dividing p excluded; then each is *certified* by the
Krawczyk test on G^p(θ) − θ in a small box (:mod:`symstab.certify.krawczyk`,
:func:`certify_orbit`), the minimal period by G^k(X) ∩ X = ∅ for every proper divisor k
of p, and the stability by interval enclosures of D(G^p) over the box (1-D: |m| vs 1;
2-D: trace/determinant and the Jury conditions; n > 2: ∞-norm < 1 proves stability,
otherwise ``unknown``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symstab.certify.krawczyk import (
    UNIQUE,
    IteratedMapSystem,
    Root,
    arb_box,
    box_fractions,
    krawczyk,
    refine,
)
from symstab.codegen import compile_loss
from symstab.dynamics.orbits.maps import (
    CERTIFIED,
    STABLE,
    UNKNOWN,
    UNSTABLE,
    divisors,
    map_exprs,
    numpy_map,
)
from symstab.errors import InputError
from symstab.inputs import StepSize, StepSizeLike
from symstab.intervals import mpf_fraction
from symstab.loss import Loss

__all__ = ["PeriodicOrbit", "certify_orbit", "find_orbits", "frac_text"]


@dataclass(frozen=True)
class PeriodicOrbit:
    """A periodic orbit of the GD map found numerically and (if possible) certified.

    Attributes
    ----------
    period
        Minimal period p.
    points
        The p points of the orbit (decimal strings, ``digits`` digits).
    status
        ``certified`` (Krawczyk: exactly one zero of G^p − id in ``box``, and G^k(box) ∩
        box = ∅ for every proper divisor k of p, so the period is exactly p) or
        ``unknown`` (numerical only).
    stability
        ``stable`` / ``unstable`` from interval enclosures of D(G^p) over the box when
        certified, else ``unknown``.
    multipliers
        Eigenvalues of D(G^p) (float, numerical), sorted by modulus.
    box
        The certified box around ``points[0]`` (``(lo, hi)`` decimal strings), if any.
    trace, det
        Enclosures of tr and det of D(G^p) over the box (decimal strings), if certified.
    reason
        Why the status / stability is what it is.
    """

    period: int
    points: tuple[tuple[str, ...], ...]
    status: str
    stability: str
    multipliers: tuple[complex, ...]
    box: tuple[tuple[str, str], ...] | None = None
    trace: tuple[str, str] | None = None
    det: tuple[str, str] | None = None
    reason: str = ""

    def float_points(self) -> np.ndarray:
        """The points as a float array of shape (p, n)."""
        return np.array([[float(c) for c in pt] for pt in self.points])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        return {
            "period": self.period, "status": self.status, "stability": self.stability,
            "points": [list(p) for p in self.points],
            "multipliers": [[float(np.real(m)), float(np.imag(m))] for m in self.multipliers],
            "box": None if self.box is None else [list(s) for s in self.box],
            "trace": None if self.trace is None else list(self.trace),
            "det": None if self.det is None else list(self.det),
            "reason": self.reason,
        }


def _newton_batch(target: Any, eta: float, starts: np.ndarray, period: int,
                  iterations: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Damped Newton on G^p(θ) − θ for many starts at once (float64)."""
    n = starts.shape[1]
    theta = starts.copy()
    eye = np.eye(n)
    res = np.full(len(theta), np.inf)
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            cur = theta
            jac = np.broadcast_to(eye, (len(theta), n, n)).copy()
            for _ in range(period):
                h = np.asarray(target.hessian(cur)).reshape(len(theta), n, n)
                jac = np.einsum("bij,bjk->bik", eye - eta * h, jac)
                cur = np.asarray(target.step(cur, eta)).reshape(len(theta), n)
            f = cur - theta
            res = np.linalg.norm(f, axis=1)
            a = jac - eye
            ok = np.isfinite(res) & np.all(np.isfinite(a), axis=(1, 2))
            delta = np.zeros_like(theta)
            if ok.any():
                try:
                    delta[ok] = np.linalg.solve(a[ok], -f[ok][..., None])[..., 0]
                except np.linalg.LinAlgError:
                    delta[ok] = np.array([np.linalg.lstsq(ai, -fi, rcond=None)[0]
                                          for ai, fi in zip(a[ok], f[ok], strict=True)])
            norm = np.linalg.norm(delta, axis=1, keepdims=True)
            delta = np.where(norm > 1.0, delta / np.maximum(norm, 1e-300), delta)
            theta = np.where(ok[:, None], theta + delta, np.nan)
            theta[np.abs(theta) > 1e6] = np.nan
    return theta, res


def _mp_refine(mp_target: Any, eta: sp.Expr, theta: Sequence[float], period: int,
               dps: int) -> tuple[list[Any], float] | None:
    """Newton on G^p(θ) − θ in mpmath at ``dps`` digits; returns (θ, residual) or None."""
    with mpmath.workdps(dps + 10):
        eta_mp = mpmath.mpf(sp.Rational(eta).p) / sp.Rational(eta).q if eta.is_Rational \
            else mpmath.mpf(str(sp.N(eta, dps + 10)))
        th = [mpmath.mpf(float(v)) for v in theta]
        n = len(th)
        res = mpmath.inf
        for _ in range(40):
            cur = th
            jac = mpmath.eye(n)
            for _ in range(period):
                h = mp_target.hessian(cur)
                dg = mpmath.eye(n) - eta_mp * mpmath.matrix([[h[i][j] for j in range(n)]
                                                             for i in range(n)])
                jac = dg * jac
                cur = list(mp_target.step(cur, eta_mp))
            f = mpmath.matrix([cur[i] - th[i] for i in range(n)])
            res = mpmath.norm(f)
            if not mpmath.isfinite(res):
                return None
            try:
                delta = mpmath.lu_solve(jac - mpmath.eye(n), -f)
            except ZeroDivisionError:
                return None
            th = [th[i] + delta[i] for i in range(n)]
            if mpmath.norm(delta) < mpmath.mpf(10) ** (-(dps + 5)):
                break
        return th, float(res)


def _orbit_points(step: Any, theta: np.ndarray, eta: float, period: int) -> np.ndarray:
    pts = [theta]
    for _ in range(period - 1):
        pts.append(np.asarray(step(pts[-1][None, :], eta)).reshape(-1))
    return np.array(pts)


def _stability_from_matrix(mat: list[list[Any]]) -> tuple[str, Any, Any]:
    """Certified stability of an interval matrix (1-D, 2-D Jury, else ∞-norm)."""
    import flint

    n = len(mat)
    one = flint.arb(1)
    if n == 1:
        m = mat[0][0]
        if abs(m) < one:
            return STABLE, m, m
        if abs(m) > one:
            return UNSTABLE, m, m
        return UNKNOWN, m, m
    if n == 2:
        tr = mat[0][0] + mat[1][1]
        det = mat[0][0] * mat[1][1] - mat[0][1] * mat[1][0]
        if abs(det) < one and abs(tr) < one + det:
            return STABLE, tr, det
        if abs(det) > one or abs(tr) > one + det:
            return UNSTABLE, tr, det
        return UNKNOWN, tr, det
    norm = max(sum((abs(e) for e in row), flint.arb(0)) for row in mat)
    tr = sum((mat[i][i] for i in range(n)), flint.arb(0))
    if norm < one:
        return STABLE, tr, None
    return UNKNOWN, tr, None


def _arb_text(x: Any, digits: int) -> tuple[str, str]:
    lo, hi = box_fractions([x])[0]
    return (mpmath.nstr(mpmath.mpf(lo.numerator) / lo.denominator, digits),
            mpmath.nstr(mpmath.mpf(hi.numerator) / hi.denominator, digits))


def certify_orbit(loss: Loss, eta: StepSizeLike, point: Sequence[Any], period: int, *,
                  dps: int = 40, radii: Sequence[float] = (1e-20, 1e-12, 1e-8),
                  system: IteratedMapSystem | None = None) -> tuple[Root, str, Any, Any, str]:
    """Certify a period-``period`` point of the GD map near ``point`` by Krawczyk.

    Parameters
    ----------
    loss, eta
        The loss and the exact step size.
    point
        An approximate periodic point (floats or mpf).
    period
        The period p to certify (minimal: lower divisors are excluded).
    dps
        Working precision of the interval arithmetic.
    radii
        Box half-widths tried, in order.
    system
        A prebuilt :class:`IteratedMapSystem` (to reuse compiled code).

    Returns
    -------
    tuple
        ``(root, stability, trace_or_multiplier, det, reason)``; ``root.status`` is
        ``unique`` when certified.
    """
    step = StepSize.of(eta)
    system = system or IteratedMapSystem(map_exprs(loss, step.exact), loss.params, period, dps)
    last: Root | None = None
    for r in radii:
        with mpmath.workdps(dps + 10):
            sides = []
            for c in point:
                cm = mpmath.mpf(c)
                rad = mpmath.mpf(r) * (1 + abs(cm))
                sides.append((mpf_fraction((cm - rad)._mpf_), mpf_fraction((cm + rad)._mpf_)))
        root = krawczyk(system, sides)
        last = root
        if root.status != UNIQUE:
            continue
        root = refine(system, root, iterations=8)
        with system.workprec():
            X = arb_box(root.box, dps)
            for k in divisors(period):
                img = system.image(X, k)
                if all(a.overlaps(b) for a, b in zip(img, X, strict=True)):
                    return (root, UNKNOWN, None, None,
                            f"cannot exclude period {k} (G^{k}(X) meets X)")
            E = arb_box(root.enclosure or root.box, dps)
            mat = system.orbit_jacobian(E)
            stability, tr, det = _stability_from_matrix(mat)
        return root, stability, tr, det, "Krawczyk K(X) ⊂ int X; lower periods excluded"
    assert last is not None
    return last, UNKNOWN, None, None, f"Krawczyk test {last.status}: {last.reason}"


def find_orbits(loss: Loss, eta: StepSizeLike, period: int, *,
                box: Sequence[tuple[float, float]] | None = None, starts: int = 400,
                seed: int = 0, dps: int = 40, digits: int = 15,
                transient: int = 2000, certify: bool = True) -> list[PeriodicOrbit]:
    """Periodic orbits of minimal period ``period`` of GD on ``loss`` at step size ``eta``.

    Candidates come from damped Newton on G^p(θ) − θ, started at ``starts`` uniform
    points of ``box`` and at the end points of ``starts`` GD trajectories after
    ``transient`` steps (which finds the attracting orbits); they are refined at ``dps``
    digits, deduplicated by orbit, and orbits of a lower period dividing p are dropped.
    Each orbit is then certified (see :func:`certify_orbit`). Points with a multiplier
    equal to 1 (to 1e-6) lie on a continuum of periodic points (e.g. the minima xy = 1
    are fixed points) and are not listed: Krawczyk cannot isolate them.

    Parameters
    ----------
    loss
        Any loss :mod:`symstab.codegen` supports.
    eta
        Step size (exact; text such as ``"1.9"`` means 19/10).
    period
        The minimal period p >= 1.
    box
        Sampling box, ``(lo, hi)`` per parameter; default ``[-3, 3]`` each.
    starts
        Number of random Newton starts (and of trajectory starts).
    seed
        Random seed.
    dps
        Digits of the mpmath refinement and of the interval arithmetic.
    digits
        Digits of the reported decimals.
    transient
        GD steps before a trajectory end point is used as a start.
    certify
        Run the Krawczyk certificate (else every orbit is ``unknown``).

    Returns
    -------
    list of PeriodicOrbit
        Sorted: stable first, then by the first point.

    Raises
    ------
    InputError
        For a bad period, box or number of starts.
    """
    step = StepSize.of(eta)
    eta = step.exact
    if isinstance(period, bool) or not isinstance(period, int) or not 1 <= period <= 64:
        raise InputError("period must be an integer from 1 to 64", "--period")
    if not 1 <= starts <= 100_000:
        raise InputError("starts must be between 1 and 100000", "--starts")
    n = loss.n
    if box is None:
        box = tuple((-3.0, 3.0) for _ in range(n))
    if len(box) != n or any(not lo < hi for lo, hi in box):
        raise InputError(f"box needs {n} sides (lo, hi) with lo < hi", "--box")
    target = numpy_map(loss)
    eta_f = step.as_float
    rng = np.random.default_rng(seed)
    lo = np.array([b[0] for b in box], float)
    hi = np.array([b[1] for b in box], float)
    random_starts = lo + (hi - lo) * rng.random((starts, n))
    traj = lo + (hi - lo) * rng.random((starts, n))
    with np.errstate(all="ignore"):
        for _ in range(transient):
            traj = np.asarray(target.step(traj, eta_f)).reshape(starts, n)
            traj[~np.all(np.isfinite(traj), axis=1) | np.any(np.abs(traj) > 1e6, axis=1)] = np.nan
    traj = traj[np.all(np.isfinite(traj), axis=1)]
    all_starts = np.vstack([random_starts, traj]) if len(traj) else random_starts
    cand, res = _newton_batch(target, eta_f, all_starts, period)
    good = cand[np.isfinite(res) & (res < 1e-9) & np.all(np.isfinite(cand), axis=1)]
    mp_target = compile_loss(loss.expr, loss.params).mpmath(dps + 10)
    orbits: list[PeriodicOrbit] = []
    keys: list[np.ndarray] = []
    system = IteratedMapSystem(map_exprs(loss, eta), loss.params, period, dps) if certify \
        else None
    # collapse near-duplicates in float first (cheap)
    if len(good):
        rounded = np.unique(np.round(good, 7), axis=0, return_index=True)[1]
        good = good[np.sort(rounded)]
    for theta in good:
        pts = _orbit_points(target.step, theta, eta_f, period)
        if any(np.allclose(pts, k[np.roll(np.arange(period), -j)], atol=1e-6)
               for k in keys for j in range(period)):
            continue
        scale = 1 + np.abs(theta).max()
        if any(np.linalg.norm(pts[k % period] - theta) < 1e-6 * scale
               for k in divisors(period)):
            continue  # a lower period
        refined = _mp_refine(mp_target, eta, theta, period, dps)
        if refined is None:
            continue
        th_mp, resid = refined
        with mpmath.workdps(dps + 10):
            mp_pts = [th_mp]
            for _ in range(period - 1):
                mp_pts.append(list(mp_target.step(mp_pts[-1], mpmath.mpf(eta_f)
                                                  if not eta.is_Rational else
                                                  mpmath.mpf(int(eta.p)) / int(eta.q))))
            text = tuple(tuple(mpmath.nstr(c, digits) for c in pt) for pt in mp_pts)
        pts_f = np.array([[float(c) for c in pt] for pt in mp_pts])
        if any(np.allclose(pts_f, k[np.roll(np.arange(period), -j)], atol=1e-8)
               for k in keys for j in range(period)):
            continue
        if any(np.linalg.norm(pts_f[k % period] - pts_f[0]) < 1e-10 * scale
               for k in divisors(period)):
            continue
        keys.append(pts_f)
        jac = np.eye(n)
        for pt in pts_f:
            h = np.asarray(target.hessian(pt[None, :])).reshape(n, n)
            jac = (np.eye(n) - eta_f * h) @ jac
        mults = tuple(sorted(np.linalg.eigvals(jac), key=lambda z: -abs(z)))
        if any(abs(m - 1) < 1e-6 for m in mults):
            continue  # on a curve of periodic points (e.g. the minima xy = 1): not isolated
        if certify and system is not None:
            root, stability, tr, det, reason = certify_orbit(loss, step, th_mp, period,
                                                             dps=dps, system=system)
            if root.status == UNIQUE:
                orbits.append(PeriodicOrbit(
                    period, text, CERTIFIED, stability, mults,
                    box=tuple((a, b) for a, b in
                              (frac_text(lo_, digits + 5, hi_) for lo_, hi_ in root.box)),
                    trace=None if tr is None else _arb_text(tr, digits),
                    det=None if det is None else _arb_text(det, digits),
                    reason=reason))
                continue
            orbits.append(PeriodicOrbit(period, text, UNKNOWN, UNKNOWN, mults, reason=reason))
        else:
            orbits.append(PeriodicOrbit(period, text, UNKNOWN, UNKNOWN, mults,
                                        reason=f"numerical (residual {resid:.1e} at {dps} "
                                               "digits), not certified"))
    order = {STABLE: 0, UNKNOWN: 1, UNSTABLE: 2}
    orbits.sort(key=lambda o: (order.get(o.stability, 1), o.float_points()[0].tolist()))
    return orbits


def frac_text(lo: Fraction, digits: int, hi: Fraction) -> tuple[str, str]:
    """``lo`` and ``hi`` as decimal strings of ``digits`` digits (rounded to nearest)."""
    with mpmath.workdps(digits + 5):
        return (mpmath.nstr(mpmath.mpf(lo.numerator) / lo.denominator, digits),
                mpmath.nstr(mpmath.mpf(hi.numerator) / hi.denominator, digits))
