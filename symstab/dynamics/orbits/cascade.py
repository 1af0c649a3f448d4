"""The bifurcation diagram and the period-doubling cascade of a 1-D map.

:func:`bifurcation_data` gives the bifurcation diagram (float64, ``numerical``);
:func:`period_doubling_etas` the period-doubling cascade of a 1-D map: the first two
doublings exactly (from :func:`~symstab.dynamics.orbits.eta_ranges.period_two_ranges`),
later ones by Newton in (x, η) on G^N(x) = x, (G^N)'(x) = −1 at high precision
(``numerical``, with the precision used and the difference to a second precision).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from symstab.dynamics.orbits.eta_ranges import period_two_ranges, positive_real_roots
from symstab.dynamics.orbits.maps import numpy_map
from symstab.errors import InputError
from symstab.exact.derivatives import ETA, gd_map
from symstab.loss import Loss

__all__ = [
    "FEIGENBAUM_DELTA", "PeriodDoubling", "bifurcation_data", "feigenbaum_ratios",
    "period_doubling_etas",
]

#: Feigenbaum's constant δ (for the sanity check of the cascade).
FEIGENBAUM_DELTA = 4.669201609102990


def bifurcation_data(loss: Loss, etas: Sequence[float], *, starts: Sequence[Sequence[float]]
                     | None = None, transient: int = 2000, keep: int = 64,
                     coordinate: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Attractor points against η (float64, numerical): the bifurcation diagram.

    Parameters
    ----------
    loss
        The loss (any dimension).
    etas
        Step sizes (floats).
    starts
        Initial points (default: one start, 0.3 in every coordinate).
    transient
        Steps discarded.
    keep
        Steps recorded after the transient.
    coordinate
        Which coordinate to record.

    Returns
    -------
    (eta_values, points)
        Flat arrays of equal length (one entry per recorded bounded iterate).
    """
    target = numpy_map(loss)
    n = loss.n
    etas_a = np.asarray(etas, float)
    x0 = np.asarray(starts if starts is not None else [[0.3] * n], float).reshape(-1, n)
    theta = np.repeat(x0, len(etas_a), axis=0)
    eta_col = np.tile(etas_a, len(x0))[:, None]
    out_eta, out_x = [], []
    with np.errstate(all="ignore"):
        for k in range(transient + keep):
            theta = np.asarray(target.step(theta, eta_col)).reshape(-1, n)
            theta[np.any(np.abs(theta) > 1e6, axis=1)] = np.nan
            if k >= transient:
                ok = np.all(np.isfinite(theta), axis=1)
                out_eta.append(eta_col[ok, 0])
                out_x.append(theta[ok, coordinate])
    return np.concatenate(out_eta), np.concatenate(out_x)


@dataclass(frozen=True)
class PeriodDoubling:
    """One period doubling of a 1-D map: the orbit of period ``period`` loses stability.

    Attributes
    ----------
    period
        Period of the orbit that loses stability (1, 2, 4, ...).
    eta
        The exact value (``exact``) or ``None``.
    decimal
        Decimal value.
    strength
        ``exact`` or ``numerical``.
    digits
        Working precision (numerical) in digits.
    agreement
        |difference| between the values at ``digits`` and at ``digits``/2 (numerical).
    """

    period: int
    eta: sp.Expr | None
    decimal: str
    strength: str
    digits: int
    agreement: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"period": self.period, "eta": None if self.eta is None else sp.sstr(self.eta),
                "decimal": self.decimal, "strength": self.strength, "digits": self.digits,
                "agreement": self.agreement}


def _doubling_newton(G: Any, dG: Any, N: int, x0: float, eta0: float, dps: int) -> tuple[
        Any, Any]:
    """Solve G^N(x) = x, (G^N)'(x) = −1 for (x, η) at ``dps`` digits (Newton, mpmath)."""
    with mpmath.workdps(dps):
        def F(x: Any, e: Any) -> list[Any]:
            cur, der = x, mpmath.mpf(1)
            for _ in range(N):
                der *= dG(cur, e)
                cur = G(cur, e)
            return [cur - x, der + 1]

        sol = mpmath.findroot(F, (mpmath.mpf(x0), mpmath.mpf(eta0)), tol=mpmath.mpf(10)
                              ** (-(dps - 5)), maxsteps=200)
        return sol[0], sol[1]


def period_doubling_etas(loss: Loss, count: int = 6, *, dps: int = 50) -> list[PeriodDoubling]:
    """The first ``count`` period doublings of a 1-D polynomial GD map against η.

    The fixed point x* and the period-2 orbit lose stability at exact η (from
    :func:`period_two_ranges` and the fixed points' multipliers); the doublings of the
    orbits of period 4, 8, ... are computed by Newton in (x, η) at ``dps`` digits,
    started from the Feigenbaum extrapolation and from a point of the attractor.

    Parameters
    ----------
    loss
        A 1-D polynomial loss with a fixed point that loses stability by a flip.
    count
        How many doublings (>= 2).
    dps
        Working precision of the numerical ones.

    Returns
    -------
    list of PeriodDoubling
    """
    if loss.n != 1:
        raise InputError("period doublings are computed for 1-D maps")
    x = loss.params[0]
    G = sp.expand(gd_map(loss, ETA)[0])
    dG = sp.diff(G, x)
    out: list[PeriodDoubling] = []
    # fixed points: G(x) = x; first flip: G'(x*) = -1 with x* a fixed point (exact, smallest)
    flips = []
    for g in sp.groebner([G - x, dG + 1], x, ETA, order="lex").exprs:
        if not g.has(x):
            flips += positive_real_roots(g)
    ranges = period_two_ranges(loss)
    if not flips or not ranges.stable:
        raise InputError("no period-doubling cascade found for this map")
    eta1 = min(flips, key=lambda r: float(sp.N(r)))
    first_stable = ranges.stable[0]
    eta2 = first_stable.hi
    out.append(PeriodDoubling(1, eta1, sp.sstr(sp.N(eta1, 20)), "exact", 20))
    out.append(PeriodDoubling(2, eta2, sp.sstr(sp.N(eta2, 20)), "exact", 20))
    Gf = sp.lambdify((x, ETA), G, "mpmath")
    dGf = sp.lambdify((x, ETA), dG, "mpmath")
    Gn = sp.lambdify((x, ETA), G, "math")
    crit = [c for c in sp.solve(dG, x) if c.is_real is not False]
    values = [float(sp.N(eta1)), float(sp.N(eta2))]
    for k in range(2, count):
        N = 2**k
        guess = values[-1] + (values[-1] - values[-2]) / FEIGENBAUM_DELTA
        e_probe = values[-1] + 0.5 * (guess - values[-1])  # the 2^k orbit is stable here
        results = []
        for digits in (dps // 2, dps):
            xs = None
            for c in crit or [sp.Rational(3, 10)]:
                cv = float(sp.N(c.subs(ETA, e_probe))) if c.has(ETA) else float(c)
                if not math.isfinite(cv):
                    continue
                xv = cv
                for _ in range(20000):
                    xv = Gn(xv, e_probe)
                if math.isfinite(xv):
                    xs = xv
                    break
            if xs is None:
                break
            try:
                _, e_sol = _doubling_newton(Gf, dGf, N, xs, guess, digits)
            except (ValueError, ZeroDivisionError):
                break
            results.append(e_sol)
        if len(results) < 2:
            break
        values.append(float(results[1]))
        with mpmath.workdps(dps):
            out.append(PeriodDoubling(N, None, mpmath.nstr(results[1], dps // 2), "numerical",
                                      dps, float(abs(results[1] - results[0]))))
    return out


def feigenbaum_ratios(doublings: Sequence[PeriodDoubling]) -> list[float]:
    """(η_k − η_{k−1}) / (η_{k+1} − η_k): should tend to Feigenbaum's δ ≈ 4.6692."""
    v = [float(sp.N(d.eta, 30)) if d.eta is not None else float(mpmath.mpf(d.decimal))
         for d in doublings]
    return [(v[i] - v[i - 1]) / (v[i + 1] - v[i]) for i in range(1, len(v) - 1)]
