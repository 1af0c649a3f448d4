"""Claims about periodic orbits of GD: the diagonal map of ½(1 − xy)² and the Tao & Wang
blog's "h = 1.9 gives orbits of period 2, 3 and 4".

The diagonal x = y is invariant under GD on ½(1 − xy)², and there GD is the cubic map
G(x) = x − ηx(x² − 1). By hand (s = p + q, t = pq for an orbit {p, q}): the orbit
equations give either s = 0, p² = 1 + 2/η (a symmetric orbit, real for every η > 0, with
multiplier (−5 − 2η)² > 1: never stable), or s² = 1 + 3/η, t = 1/η (a mirror pair, real
iff s² − 4t = 1 − 1/η > 0, i.e. η > 1) with multiplier 9 − 2(1 + η)², in (−1, 1) iff
1 < η < √5 − 1. The claims below check these η-ranges exactly with
:func:`symstab.dynamics.orbits.period_two_ranges`.

At h = 1.9 the blog's statement fails for ½(1 − xy)² — the loss the blog names — and
for (1 − xy)²: every real period-2 orbit is unstable (exact and complete), every period-3
and period-4 orbit found is certified unstable, and no start in [−3, 3]² is seen to
converge to a periodic orbit (bounded trajectories end on the diagonal, in a chaotic
attractor of the cubic map; the rest diverge).

On the diagonal the search is exhaustive (:func:`diagonal_orbits_exhaustive`). Escape
bound, by hand: g(x)/x = 1 + η − ηx², and for x² > 1 + 2/η this is < −1, so
|g(x)| > |x|; more precisely g(x)² − x² = η²x²(x² − 1)(x² − 1 − 2/η) > 0 for
|x| > R = √(1 + 2/η), and a sequence with |x_k| increasing and bounded would converge in
modulus to some L > R with g(±L)² = L², impossible. So every bounded diagonal orbit lies
in [−R, R] (R = √741/19 ≈ 1.4327 at η = 19/10), where the zeros of g^p(x) − x are
isolated by Krawczyk. At η = 19/10 the diagonal carries 3 fixed points and 3, 4 and 10
orbits of minimal period 2, 3 and 4 (20 and 46 of period 5 and 6), all certified
unstable along the diagonal (|(g^p)'| >= 2.8, 7.82, 21.9, 24.8, 84.3, 48.2).
"""

from __future__ import annotations

import sympy as sp

from symstab.certificates import census_hint
from symstab.dynamics.orbits import (
    FEIGENBAUM_DELTA,
    blog_orbit_check,
    diagonal_loss,
    diagonal_orbits_exhaustive,
    feigenbaum_ratios,
    period_doubling_etas,
    period_two_exact,
    period_two_ranges,
)
from symstab.evidence import Strength
from symstab.exact.signs import compare
from symstab.loss import Loss

from .core import Budget, Claim, Counterexample, Evidence, Outcome, Source, Verdict

__all__ = ["blog_h19_claim", "seed_claims"]

BLOG = "Tao & Wang (blog)"
BLOG_WHERE = "'Periodic orbits' (figure caption: h = 1.9, periods 2, 3 and 4)"
_SQRT5_MINUS_1 = sp.sqrt(5) - 1
_PARTIAL = ("the covers certify the diagonal census of periods 1-4 (every zero of "
            "g^p(x) − x in the search interval ⊃ [−R, R], R the escape radius, and its "
            "instability along the diagonal); the exact period-2 analysis of the whole "
            "plane and the transverse multipliers are not exported")


def _same_intervals(found: tuple, expected: list[tuple[sp.Expr, sp.Expr]]) -> bool:
    if len(found) != len(expected):
        return False
    for iv, (lo, hi) in zip(found, expected, strict=True):
        if compare(iv.lo, lo) != 0:
            return False
        if (iv.hi is sp.oo) != (hi is sp.oo):
            return False
        if hi is not sp.oo and compare(iv.hi, hi) != 0:
            return False
    return True


def _diag() -> Loss:
    return diagonal_loss(Loss.from_catalog("xy"))


def _period_two_exists() -> Claim:
    def run(budget: Budget) -> Outcome:
        ranges = period_two_ranges(_diag())
        per_branch = [tuple(str(i) for i in b.exists) for b in ranges.branches]
        mirror = [b for b in ranges.branches if b.s != 0]
        ok = (_same_intervals(ranges.exists, [(sp.Integer(0), sp.oo)]) and len(mirror) == 2
              and all(_same_intervals(b.exists, [(sp.Integer(1), sp.oo)]) for b in mirror))
        ev = Evidence(Strength.EXACT,
                      f"branches (s, t) = {[(sp.sstr(b.s), sp.sstr(b.t)) for b in ranges.branches]}"
                      f" exist on {per_branch}; union {[str(i) for i in ranges.exists]}",
                      data=ranges.to_dict())
        return (Verdict.HOLDS if ok else Verdict.FAILS), ev, None

    return Claim(
        id="orbits.diag-xy.period2-exists",
        title="diagonal map of ½(1 − xy)²: a period-2 orbit for all η > 0, a mirror pair "
              "for η > 1",
        statement=("On the invariant diagonal x = y, GD on ½(1 − xy)² is x ↦ x − ηx(x² − 1). "
                   "It has the real period-2 orbit {±√(1 + 2/η)} for every η > 0, and two "
                   "more (mirror images, p + q = ±√(1 + 3/η), pq = 1/η) exactly for η > 1."),
        latex=r"\{p,q\}:\ p+q=0,\ p^2=1+\tfrac{2}{\eta}\ (\eta>0);\quad "
              r"(p+q)^2=1+\tfrac{3}{\eta},\ pq=\tfrac1\eta\ (\eta>1)",
        source=Source(BLOG, "periodic orbits of (1 − xy)²/2, restricted to x = y",
                      "derived by hand in proofs_check/orbits.py; checked exactly"),
        run=run,
        tags=("xy", "orbits", "exact"),
    )


def _period_two_stable() -> Claim:
    def run(budget: Budget) -> Outcome:
        ranges = period_two_ranges(_diag())
        ok = _same_intervals(ranges.stable, [(sp.Integer(1), _SQRT5_MINUS_1)])
        ev = Evidence(Strength.EXACT,
                      f"multipliers {[sp.sstr(sp.factor(b.multiplier)) for b in ranges.branches]};"
                      f" stable for η in {[str(i) for i in ranges.stable]}",
                      data=ranges.to_dict())
        return (Verdict.HOLDS if ok else Verdict.FAILS), ev, None

    return Claim(
        id="orbits.diag-xy.period2-stable",
        title="diagonal map of ½(1 − xy)²: a stable period-2 orbit exactly for 1 < η < √5 − 1",
        statement=("The period-2 orbits of x ↦ x − ηx(x² − 1) have multipliers (5 + 2η)² "
                   "(symmetric orbit) and 9 − 2(1 + η)² (mirror pair); a period-2 orbit is "
                   "stable exactly for 1 < η < √5 − 1."),
        latex=r"|9-2(1+\eta)^2|<1 \iff 1<\eta<\sqrt5-1",
        source=Source(BLOG, "periodic orbits of (1 − xy)²/2, restricted to x = y",
                      "derived by hand in proofs_check/orbits.py; checked exactly"),
        run=run,
        tags=("xy", "orbits", "exact"),
    )


def _feigenbaum() -> Claim:
    def run(budget: Budget) -> Outcome:
        doublings = period_doubling_etas(_diag(), 6, dps=max(40, budget.dps))
        ratios = feigenbaum_ratios(doublings)
        exact_ok = (len(doublings) >= 2 and doublings[0].eta == 1
                    and compare(doublings[1].eta, _SQRT5_MINUS_1) == 0)
        close = bool(ratios) and abs(ratios[-1] - FEIGENBAUM_DELTA) < 0.05
        ev = Evidence(Strength.NUMERICAL,
                      f"doublings at η = {[d.decimal for d in doublings]} (first two exact: "
                      f"1 and √5 − 1); ratios {[round(r, 4) for r in ratios]} → δ ≈ 4.6692",
                      digits=max(40, budget.dps),
                      data={"doublings": [d.to_dict() for d in doublings], "ratios": ratios})
        return (Verdict.HOLDS if exact_ok and close else Verdict.FAILS), ev, None

    return Claim(
        id="orbits.diag-xy.feigenbaum",
        title="diagonal map of ½(1 − xy)²: period doublings at η = 1, √5 − 1, ... with "
              "Feigenbaum ratio ≈ 4.669",
        statement=("The fixed point x = 1 loses stability at η = 1 (G'(1) = 1 − 2η = −1), the "
                   "period-2 orbit at η = √5 − 1, and the ratios of successive doubling "
                   "intervals approach Feigenbaum's δ = 4.6692..."),
        latex=r"\eta_1=1,\ \eta_2=\sqrt5-1,\ \frac{\eta_k-\eta_{k-1}}{\eta_{k+1}-\eta_k}\to\delta",
        source=Source(BLOG, "periodic orbits of (1 − xy)²/2 (sanity check of the cascade)"),
        run=run,
        tags=("xy", "orbits", "numerical"),
    )


def blog_h19_claim(name: str, *, expected: Verdict = Verdict.FAILS,
                   note: str = "") -> Claim:
    """The blog's h = 1.9 statement on the catalog loss ``name`` (``xy`` or ``xy2``).

    Holds if each of the periods 2, 3, 4 has a certified stable orbit reached from a
    positive fraction of [−3, 3]²; fails if some named period has no stable orbit at all
    (decided exactly and completely for period 2 by :func:`period_two_exact`); otherwise
    inconclusive. The evidence also lists every orbit of period <= 4 (6 with the full
    budget) on the invariant diagonal x = y (:func:`diagonal_orbits_exhaustive`:
    exhaustive, Krawczyk-certified, stability along and across the diagonal); if its
    period-2 orbits disagree with the exact ones the verdict is inconclusive.
    """
    loss = Loss.from_catalog(name)
    eta = sp.Rational(19, 10)

    def run(budget: Budget) -> Outcome:
        exact2 = period_two_exact(loss, eta, time_limit=budget.time_limit)
        stable2 = [o for o in exact2.orbits if o.stability == "stable"]
        full = budget.samples >= 4000
        # every periodic orbit of period <= 4 (6 with the full budget) on the invariant
        # diagonal x = y, isolated exhaustively by Krawczyk and classified by interval
        # enclosures of both multipliers (along and across the diagonal)
        census = diagonal_orbits_exhaustive(loss, eta, 6 if full else 4,
                                            dps=max(30, budget.dps))
        check = blog_orbit_check(loss, eta, starts=200 if full else 60,
                                 n=max(2000, budget.samples * 10),
                                 transient=5000 if full else 3000, dps=max(40, budget.dps))
        data = {"period2_exact": exact2.to_dict(), "diagonal_census": census.to_dict(),
                "check": check.to_dict(),
                "certificate": [census_hint(diagonal_loss(loss), eta, min(census.max_period, 4),
                                            census.search_box, partial=_PARTIAL)]}
        # cross-check: the census's diagonal period-2 orbits against the exact ones
        exact_diag = [o for o in exact2.orbits
                      if all(pt[0] == pt[1] for pt in o.decimals)]
        census2 = [o for o in census.orbits if o.period == 2]
        agree = (len(exact_diag) == len(census2) and
                 sum(o.stability == "stable" for o in exact_diag)
                 == sum(o.stability == "stable" for o in census2))
        att = census.attracting()
        diag_text = (f"on the diagonal x = y (exhaustive, certified: "
                     f"{'complete' if census.complete else 'INCOMPLETE'}) "
                     f"{sum(census.counts().values())} orbits of period <= "
                     f"{census.max_period} ({census.counts()}), "
                     + ("none attracting" if not att else
                        f"attracting ones of period(s) {list(census.attracting_periods())}"))
        summary = (f"exact: {len(exact2.orbits)} real period-2 orbit(s) in the whole plane, "
                   f"{len(stable2)} stable. Diagonal census: {census.summary()}. "
                   f"Search: {check.summary}")
        ev = Evidence(Strength.CERTIFIED, summary, n=check.basins.n, confidence=0.99,
                      data=data)
        if check.holds:
            return Verdict.HOLDS, ev, None
        if not agree:
            ev = Evidence(Strength.CERTIFIED, "the diagonal census disagrees with the exact "
                          "period-2 orbits: " + summary, n=check.basins.n, confidence=0.99,
                          data=data)
            return Verdict.INCONCLUSIVE, ev, None
        if not stable2:
            return Verdict.FAILS, ev, Counterexample(
                f"no attracting period-2 orbit exists at h = 1.9 (all {len(exact2.orbits)} "
                f"real period-2 orbits are unstable, exact); {diag_text}; off the diagonal "
                "no attracting orbit of period 3 or 4 was found (Newton search, not "
                "exhaustive: all found are certified unstable); sampled starts end "
                f"{check.basins.fractions}", eta="19/10")
        return Verdict.INCONCLUSIVE, ev, None

    f_text = "(1 − xy)²/2" if name == "xy" else "(1 − xy)²"
    return Claim(
        id=f"taowang.blog.h19-orbits.{name}",
        title=f"GD on {f_text} with h = 1.9 converges to orbits of period 2, 3 and 4",
        statement=(f"GD with h = 1.9 on f(x, y) = {f_text} converges to three orbits with "
                   "period 2, 3 and 4 respectively (depending on initial condition)."),
        latex=r"x_{k+1} = x_k - 1.9\,\nabla f(x_k) \text{ has attracting orbits of period 2, 3, 4}",
        source=Source(BLOG, BLOG_WHERE, note),
        run=run,
        tags=(name, "orbits", "seed", "blog"),
        expected=expected,
    )


_XY_NOTE = (
    "Fails for the loss the blog names, (1 − xy)²/2, so 'expected' is set to fails: at "
    "h = 1.9 no minimum is stable (λmax = x² + y² >= 2 on xy = 1 needs h < 1), all four real "
    "period-2 orbits are unstable (exact, complete), every orbit of period <= 4 on the "
    "invariant diagonal x = y (3, 3, 4, 10 orbits of period 1-4; exhaustive, Krawczyk) "
    "and every period-3/4 orbit found off it are certified unstable, about 94% of "
    "[−3, 3]² diverges and the rest ends on the diagonal "
    "x = y in a chaotic attractor of x ↦ x − 1.9x(x² − 1) (Lyapunov exponent ≈ 0.88). "
    "On the diagonal map attracting period-2 orbits exist only for 1 < h < √5 − 1 and "
    "period 4 just above; the blog's figure must use another loss, scaling or h."
)
_XY2_NOTE = (
    "The other normalisation, (1 − xy)² (Hessian twice as large, i.e. ½(1 − xy)² at "
    "h = 3.8): every sampled start diverges, every real period-2 orbit is unstable, and "
    "every orbit of period <= 4 on the diagonal (3, 3, 8, 18 of period 1-4: the full "
    "3-shift) is certified unstable, so the statement fails here as well."
)


def seed_claims() -> list[Claim]:
    """The periodic-orbit claims: exact period-2 ranges of the diagonal map of ½(1 − xy)²,
    the period-doubling cascade, and the blog's h = 1.9 statement for both
    normalisations (expected: fails, see the source notes)."""
    return [
        _period_two_exists(),
        _period_two_stable(),
        _feigenbaum(),
        blog_h19_claim("xy", note=_XY_NOTE),
        blog_h19_claim("xy2", note=_XY2_NOTE),
    ]
