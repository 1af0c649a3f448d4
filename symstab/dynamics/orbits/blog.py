"""The Tao & Wang blog's statement that GD on (1 − xy)²/2 at h = 1.9 converges to orbits
of period 2, 3 and 4 (:func:`blog_orbit_check`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symstab.dynamics.orbits.maps import CERTIFIED, STABLE
from symstab.dynamics.orbits.orbit_basins import BasinEstimate, basin_fractions
from symstab.dynamics.orbits.search import PeriodicOrbit, find_orbits
from symstab.inputs import StepSize, StepSizeLike
from symstab.loss import Loss

__all__ = ["BlogCheck", "blog_orbit_check"]


@dataclass(frozen=True)
class BlogCheck:
    """The blog's h = 1.9 statement checked on one normalisation of the loss.

    Attributes
    ----------
    loss_name, eta
        Which loss (``xy`` = ½(1 − xy)², ``xy2`` = (1 − xy)²) and step size.
    orbits
        ``{period: orbits found}`` for the periods the blog names.
    basins
        Basin estimate on the box.
    attracting_periods
        Periods p (of those looked for) with a certified stable orbit.
    holds
        Whether GD converges to (attracting) orbits of period 2, 3 and 4 from a
        positive fraction of the box (certified stable orbits *and* basin fraction > 0).
    summary
        One paragraph.
    """

    loss_name: str
    eta: sp.Expr
    orbits: dict[int, tuple[PeriodicOrbit, ...]]
    basins: BasinEstimate
    attracting_periods: tuple[int, ...]
    holds: bool
    summary: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"loss": self.loss_name, "eta": sp.sstr(self.eta), "holds": self.holds,
                "attracting_periods": list(self.attracting_periods),
                "orbits": {str(p): [o.to_dict() for o in os_]
                           for p, os_ in self.orbits.items()},
                "basins": self.basins.to_dict(), "summary": self.summary}


def blog_orbit_check(loss: Loss, eta: StepSizeLike = "1.9", *, periods: Sequence[int] = (2, 3, 4),
                     starts: int = 200, n: int = 20000, transient: int = 5000,
                     box: Sequence[tuple[float, float]] = ((-3.0, 3.0), (-3.0, 3.0)),
                     seed: int = 0, dps: int = 40) -> BlogCheck:
    """Check "GD with h = 1.9 converges to three orbits with period 2, 3 and 4".

    Orbits of each period are searched (:func:`find_orbits`) and certified; the
    statement holds if every named period has a certified *stable* orbit whose basin
    has positive estimated fraction on ``box``.

    Parameters
    ----------
    loss
        The loss (the blog: ½(1 − xy)², catalog ``xy``; also ``xy2``).
    eta
        Step size (default 19/10).
    periods
        Periods named by the statement.
    starts
        Newton starts per period.
    n, transient, box, seed
        Basin sampling.
    dps
        Precision of refinement and certification.

    Returns
    -------
    BlogCheck
    """
    step = StepSize.of(eta)
    eta = step.exact
    found = {p: tuple(find_orbits(loss, step, p, box=box, starts=starts, seed=seed, dps=dps))
             for p in periods}
    stable_orbits = [o for p in periods for o in found[p] if o.stability == STABLE]
    basins = basin_fractions(loss, step, box=box, n=n, transient=transient, seed=seed,
                             orbits=stable_orbits)
    attracting = tuple(p for p in periods if any(o.stability == STABLE and
                                                 o.status == CERTIFIED for o in found[p]))
    hit = {p: sum(v for k, v in basins.fractions.items() if k.startswith(f"period {p} #"))
           for p in periods}
    holds = all(p in attracting and hit[p] > 0 for p in periods)
    counts = ", ".join(
        f"period {p}: {len(found[p])} orbit(s), "
        f"{sum(o.status == CERTIFIED for o in found[p])} certified, "
        f"{sum(o.stability == STABLE for o in found[p])} stable" for p in periods)
    fr = ", ".join(f"{k} {v:.4f}" for k, v in sorted(basins.fractions.items()))
    extra = ""
    if basins.lyapunov is not None:
        extra = (f"; bounded non-periodic end points have largest Lyapunov exponent "
                 f"≈ {basins.lyapunov:.3f} (float64, numerical)")
    if basins.on_diagonal is not None:
        extra += f"; {basins.on_diagonal:.3f} of the bounded end points lie on x = y"
    summary = (f"{loss.name} at η = {sp.sstr(eta)}: {counts}. Basins on {list(box)} "
               f"({basins.n} starts, {basins.transient} steps): {fr}{extra}.")
    return BlogCheck(loss.name, eta, found, basins, attracting, holds, summary)
