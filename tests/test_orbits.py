"""Periodic orbits of GD maps, against values derived by hand.

1-D map of f(x) = x⁴/4 − x²/2: G(x) = x − η(x³ − x) = (1 + η)x − ηx³ (the same map as GD
on ½(1 − xy)² restricted to the diagonal x = y, whose diagonal loss is (1 − x²)²/4).
For a period-2 orbit {p, q} put s = p + q, t = pq:
  (G(p) − G(q))/(p − q) = −1  ⇔  η(s² − t) = 2 + η,
  G(p) + G(q) = p + q         ⇔  s(1 − s² + 3t) = 0.
Branch s = 0: t = −(2 + η)/η, p = −q = √(1 + 2/η), real for all η > 0; multiplier
G'(p)² with G'(p) = 1 + η − 3ηp² = −5 − 2η, so |m| > 1: never stable.
Branch s² = 1 + 3/η, t = 1/η: discriminant s² − 4t = 1 − 1/η > 0 ⇔ η > 1; multiplier
m = (1+η)² − 3η(1+η)(s² − 2t) + 9η²t² = 9 − 2(1 + η)², and |m| < 1 ⇔ 4 < (1+η)² < 5
⇔ 1 < η < √5 − 1. The fixed point x = 1 has G'(1) = 1 − 2η = −1 at η = 1.
2-D map of ½(1 − xy)²: with u = x − y, v = x + y, r = 1 − xy: u' = u(1 − ηr),
v' = v(1 + ηr). Transverse multiplier of the diagonal 2-cycle: (1 − η + ηp²)(1 − η + ηq²)
= 3 − 2η. Anti-diagonal (a, −a): a' = a(1 − η(1 + a²)), 2-cycle a² = 2/η − 1.
"""

import itertools
import json

import mpmath
import numpy as np
import pytest
import sympy as sp

from symstab.cli import main
from symstab.dynamics.orbits import (
    basin_fractions,
    diagonal_loss,
    diagonal_orbits_exhaustive,
    escape_radius,
    find_orbits,
    period_doubling_etas,
    period_two_exact,
    period_two_ranges,
)
from symstab.errors import InputError
from symstab.exact.derivatives import ETA
from symstab.exact.signs import compare
from symstab.loss import Loss

QUARTIC = Loss.from_text("x**4/4 - x**2/2")
XY = Loss.from_catalog("xy")


def _interval_is(iv, lo, hi):
    return compare(iv.lo, lo) == 0 and (
        (hi is sp.oo and iv.hi is sp.oo) or (hi is not sp.oo and compare(iv.hi, hi) == 0))


def test_quartic_period_two_ranges_by_hand():
    ranges = period_two_ranges(QUARTIC)
    assert len(ranges.exists) == 1 and _interval_is(ranges.exists[0], 0, sp.oo)
    assert len(ranges.stable) == 1 and _interval_is(ranges.stable[0], 1, sp.sqrt(5) - 1)
    symmetric = [b for b in ranges.branches if b.s == 0]
    mirror = [b for b in ranges.branches if b.s != 0]
    assert len(symmetric) == 1 and len(mirror) == 2
    assert sp.simplify(symmetric[0].t + (2 + ETA) / ETA) == 0
    assert sp.expand(symmetric[0].multiplier - (5 + 2 * ETA) ** 2) == 0
    for b in mirror:
        assert sp.simplify(b.t - 1 / ETA) == 0
        assert sp.expand(b.multiplier - (9 - 2 * (1 + ETA) ** 2)) == 0
        assert len(b.exists) == 1 and _interval_is(b.exists[0], 1, sp.oo)
    assert not symmetric[0].stable


def test_diagonal_of_xy_is_the_quartic_map():
    diag = diagonal_loss(XY)
    x = diag.params[0]
    assert sp.expand(diag.expr - (1 - x**2) ** 2 / 4) == 0
    ranges = period_two_ranges(diag)
    assert _interval_is(ranges.stable[0], 1, sp.sqrt(5) - 1)
    with pytest.raises(InputError):
        diagonal_loss(Loss.from_text("x**2 + 2*y**2"))


def test_quartic_exact_orbits_at_eta_11_10():
    eta = sp.Rational(11, 10)
    result = period_two_exact(QUARTIC, eta)
    # hand: symmetric ±√(1 + 20/11) (unstable); mirror pair p, q = (s ± √(1/11))/2 with
    # s = ±√(41/11) (stable: m = 9 − 2·2.1² = 0.18)
    assert len(result.orbits) == 3
    stable = [o for o in result.orbits if o.stability == "stable"]
    assert len(stable) == 2
    s = float(sp.sqrt(sp.Rational(41, 11)))
    d = float(sp.sqrt(sp.Rational(1, 11)))
    expected = sorted([(s + d) / 2, (s - d) / 2, -(s + d) / 2, -(s - d) / 2])
    got = sorted(float(sp.N(o.points[k][0], 30)) for o in stable for k in (0, 1))
    assert np.allclose(got, expected, atol=1e-14)
    sym = next(o for o in result.orbits if o.stability == "unstable")
    assert abs(abs(float(sp.N(sym.points[0][0]))) - (1 + 20 / 11) ** 0.5) < 1e-14
    assert abs(float(sym.trace) - (5 + 2.2) ** 2) < 1e-12


def test_xy_exact_period_two_at_19_10():
    result = period_two_exact(XY, sp.Rational(19, 10))
    assert len(result.orbits) == 4 and all(o.stability == "unstable" for o in result.orbits)
    firsts = sorted(tuple(round(float(sp.N(c)), 12) for c in pt)
                    for o in result.orbits for pt in o.points)
    r19 = 19**0.5
    hand = sorted([(a, a) for a in (39 / 19) ** 0.5 * np.array([1, -1])]
                  + [(v, v) for v in (5 / r19, 2 / r19, -5 / r19, -2 / r19)]
                  + [(1 / r19, -1 / r19), (-1 / r19, 1 / r19)])
    assert np.allclose(np.array(firsts), np.array(hand), atol=1e-11)
    mirror = [o for o in result.orbits if abs(float(sp.N(o.points[0][0])) -
                                              float(sp.N(o.points[0][1]))) < 1e-12
              and abs(abs(float(sp.N(o.points[0][0]))) - (39 / 19) ** 0.5) > 1e-6]
    eta = 1.9
    long_m, trans_m = 9 - 2 * (1 + eta) ** 2, 3 - 2 * eta
    for o in mirror:
        assert abs(float(o.trace) - (long_m + trans_m)) < 1e-12
        assert abs(float(o.det) - long_m * trans_m) < 1e-12
    assert all(c["fixed_points_only"] for c in result.components)


def test_find_orbits_agrees_with_exact_and_certifies():
    orbits = find_orbits(XY, "1.9", 2, starts=60)
    assert len(orbits) == 4
    assert all(o.status == "certified" and o.stability == "unstable" for o in orbits)
    # η = 1.1: the diagonal mirror pair is stable in 2-D (m = 0.18, transverse 0.8)
    stable = [o for o in find_orbits(XY, "11/10", 2, starts=60) if o.stability == "stable"]
    assert len(stable) == 2 and all(o.status == "certified" for o in stable)
    s, d = (41 / 11) ** 0.5, (1 / 11) ** 0.5
    # each is the diagonal cycle {(p, p), (q, q)} or its mirror, p, q = (s ± d)/2
    mirrored = []
    for o in stable:
        pts = o.float_points()
        assert pts.shape == (2, 2) and np.allclose(pts[:, 0], pts[:, 1], atol=1e-12)
        assert np.allclose(sorted(np.abs(pts[:, 0])), [(s - d) / 2, (s + d) / 2], atol=1e-12)
        assert np.all(pts[:, 0] > 0) or np.all(pts[:, 0] < 0)
        mirrored.append(bool(pts[0, 0] > 0))
    assert sorted(mirrored) == [False, True]
    dets = [float(o.det[0]) for o in stable]
    assert np.allclose(dets, (9 - 2 * 2.1**2) * (3 - 2.2), atol=1e-10)


def _sturm_count(poly: sp.Poly, a: sp.Rational, b: sp.Rational) -> int:
    """Distinct real roots of ``poly`` in (a, b] by Sturm's theorem (sign changes)."""
    chain = sp.sturm(poly)

    def changes(t):
        signs = [sp.sign(p.eval(t)) for p in chain]
        signs = [v for v in signs if v != 0]
        return sum(1 for u, v in itertools.pairwise(signs) if u != v)

    return changes(a) - changes(b)


def test_period_three_excludes_lower_periods():
    orbits = find_orbits(QUARTIC, "1.9", 3, starts=40)
    # reference: points of least period 3 of G(x) = (1 + η)x − ηx³ at η = 19/10 are the
    # real roots of (G³(x) − x)/(G(x) − x) (degree 24; G(x) = x has only the roots
    # 0, ±1, which are not roots of the quotient). All real roots lie in |x| <= 2 (for
    # |x| > √(1 + 2/η) ≈ 1.43 the orbit escapes), so a Sturm count on (−2, 2] gives them.
    xs = sp.Symbol("x")
    eta = sp.Rational(19, 10)

    def g(t):
        return sp.expand((1 + eta) * t - eta * t**3)

    quotient, rest = sp.div(sp.Poly(g(g(g(xs))) - xs, xs), sp.Poly(g(xs) - xs, xs))
    assert rest.is_zero and quotient.degree() == 24
    assert all(quotient.eval(r) != 0 for r in (0, 1, -1))
    n_points = _sturm_count(quotient, sp.Integer(-2), sp.Integer(2))
    assert n_points % 3 == 0
    assert len(orbits) == n_points // 3 == 4
    seen = set()
    for o in orbits:
        pts = o.float_points()
        assert len(pts) == 3 and np.ptp(pts[:, 0]) > 1e-6
        assert o.status == "certified"
        for p in pts[:, 0]:  # each point is a root of the quotient
            assert abs(float(quotient.eval(sp.Float(p, 30)))) < 1e-6 * float(
                sum(abs(c) for c in quotient.all_coeffs()))
            seen.add(round(float(p), 9))
    assert len(seen) == n_points  # the orbits are disjoint and cover every root


def _doubling_by_findroot(n: int, probe) -> "mpmath.mpf":
    """η at which the period-n cycle of G(x) = (1 + η)x − ηx³ has multiplier −1."""
    def g(x, e):
        return (1 + e) * x - e * x**3

    x = mpmath.mpf("0.3")
    for _ in range(5000):
        x = g(x, probe)

    def system(x, e):
        y, slope = x, mpmath.mpf(1)
        for _ in range(n):
            slope *= 1 + e - 3 * e * y**2
            y = g(y, e)
        return [y - x, slope + 1]

    _, eta = mpmath.findroot(system, (x, probe))
    return eta


def test_period_doublings_first_exact_then_numerical():
    d = period_doubling_etas(QUARTIC, 4, dps=30)
    assert d[0].eta == 1 and compare(d[1].eta, sp.sqrt(5) - 1) == 0
    assert d[2].strength == "numerical" and d[2].agreement < 1e-10
    # reference: the 2^k-cycle flips where G^N(x) = x and (G^N)'(x) = −1 (N = 4, 8),
    # solved for (x, η) by mpmath.findroot from a point of the attracting cycle at an η
    # just below the flip (1.28 and 1.297: found by iterating G there)
    with mpmath.workdps(30):
        for doubling, n, probe in ((d[2], 4, "1.28"), (d[3], 8, "1.297")):
            want = _doubling_by_findroot(n, mpmath.mpf(probe))
            assert doubling.period == n
            got = mpmath.mpf(doubling.decimal)
            digits = len(doubling.decimal.replace(".", "").lstrip("0"))
            assert abs(got - want) <= mpmath.mpf(10) ** (1 - digits), (n, got, want)


def test_basins_at_stable_eta_find_the_period_two_orbits():
    orbits = [o for o in find_orbits(XY, "11/10", 2, starts=40) if o.stability == "stable"]
    est = basin_fractions(XY, "11/10", n=2000, transient=2000, orbits=orbits)
    labelled = sum(v for k, v in est.fractions.items() if k.startswith("period 2 #"))
    # reference: the same seed-0 starts (default_rng(0).random, box [−3, 3]²) through a
    # NumPy GD loop on ½(1 − xy)²; an end point on the stable diagonal 2-cycle
    # ±(p, p), ±(q, q) with p, q = (s ± d)/2, s² = 1 + 3/η, d² = 1 − 1/η (module docstring)
    eta = 1.1
    start = -3 + 6 * np.random.default_rng(0).random((2000, 2))
    x, y = start[:, 0].copy(), start[:, 1].copy()
    with np.errstate(all="ignore"):
        for _ in range(2000):
            r = x * y - 1
            x, y = x - eta * r * y, y - eta * r * x
    s, d = (1 + 3 / eta) ** 0.5, (1 - 1 / eta) ** 0.5
    cycle = [sign * v for v in ((s + d) / 2, (s - d) / 2) for sign in (1, -1)]
    on_cycle = np.zeros(2000, bool)
    for c in cycle:
        on_cycle |= (np.abs(x - c) < 1e-6) & (np.abs(y - c) < 1e-6)
    assert labelled == pytest.approx(on_cycle.sum() / 2000, abs=1e-12)
    assert 0.2 < on_cycle.sum() / 2000 < 0.3  # the reference itself: 512 of 2000
    assert abs(sum(est.fractions.values()) - 1) < 1e-12


def test_basins_at_h19_diverged_fraction_matches_a_plain_loop():
    # at h = 1.9 most starts diverge (and leave the stepped set early): the diverged and
    # bounded end points must be those of a plain NumPy loop over every start
    est = basin_fractions(XY, "19/10", n=3000, transient=400)
    start = -3 + 6 * np.random.default_rng(0).random((3000, 2))
    x, y = start[:, 0].copy(), start[:, 1].copy()
    with np.errstate(all="ignore"):
        for _ in range(400):
            r = x * y - 1
            x, y = x - 1.9 * r * y, y - 1.9 * r * x
            big = (np.abs(x) > 1e8) | (np.abs(y) > 1e8)
            x[big], y[big] = np.nan, np.nan
    diverged = ~(np.isfinite(x) & np.isfinite(y))
    assert est.fractions["diverged"] == pytest.approx(diverged.mean(), abs=1e-12)
    assert 0.5 < diverged.mean() < 1  # the reference itself
    bounded = ~diverged
    ends = np.stack([x[bounded], y[bounded]], axis=1)
    on_diag = np.mean(np.all(np.abs(ends - ends[:, :1]) < 1e-9, axis=1))
    assert est.on_diagonal == pytest.approx(on_diag, abs=1e-12)


def _diag_map(eta):
    diag = diagonal_loss(XY)
    x = diag.params[0]
    return x, sp.expand(x - eta * sp.diff(diag.expr, x))


def test_escape_bound_of_the_diagonal_map_exactly():
    # hand: g(x)/x = 1 + η − ηx² < −1 iff x² > 1 + 2/η, so |g(x)| > |x| beyond R
    eta, u = sp.symbols("eta u", positive=True)
    x, g = _diag_map(eta)
    assert sp.expand(g - (x - eta * x * (x**2 - 1))) == 0  # derived, not hand-written
    P = sp.expand(g**2 - x**2)
    assert sp.expand(P - eta**2 * x**2 * (x**2 - 1) * (x**2 - 1 - 2 / eta)) == 0
    # on x² = 1 + 2/η + u (u > 0): P/x² = η u (2 + η u) > 0 for every η > 0
    beyond = sp.factor(sp.expand((P / x**2).subs(x**2, 1 + 2 / eta + u)))
    assert sp.expand(beyond - eta * u * (2 + eta * u)) == 0 and beyond.is_positive
    for e in (sp.Rational(19, 10), sp.Rational(11, 10), sp.Rational(1, 3)):
        R = escape_radius(g.subs(eta, e), x)
        assert compare(R, sp.sqrt(1 + 2 / e)) == 0
        assert sp.expand(g.subs(eta, e).subs(x, R) + R) == 0  # g(R) = −R: 2-cycle on ∂I
    with pytest.raises(InputError):
        escape_radius(x / 2, x)  # contracting linear map: no escape bound


def _check_orbit_chain(census, eta):
    _x, g = _diag_map(eta)
    gf = sp.lambdify(_x, g)
    for o in census.orbits:
        pts = [float(v) for v in o.points]
        assert len(pts) == o.period and pts[0] == min(pts)
        for a, b in zip(pts, pts[1:] + pts[:1], strict=True):
            assert abs(gf(a) - b) < 1e-12
        for (lo, hi), v in zip(o.enclosures, pts, strict=True):
            assert float(hi) - float(lo) < 1e-15  # tight certified enclosures
            assert abs(v - (float(lo) + float(hi)) / 2) < 1e-13  # points: 15 digits


def test_diagonal_census_eta_11_10_finds_the_stable_mirror_pair():
    eta = sp.Rational(11, 10)
    census = diagonal_orbits_exhaustive(XY, eta, 4)
    assert census.complete and not census.notes
    assert census.counts() == {1: 3, 2: 3, 3: 0, 4: 0}
    assert census.attracting_periods() == (2,)
    s, d = (41 / 11) ** 0.5, (1 / 11) ** 0.5
    att = census.attracting()
    got = sorted(float(v) for o in att for v in o.points)
    assert np.allclose(got, sorted([(s + d) / 2, (s - d) / 2, -(s + d) / 2, -(s - d) / 2]),
                       atol=1e-13)
    for o in att:  # hand: m = 9 − 2(1 + η)² = 0.18, transverse 3 − 2η = 0.8
        assert float(o.multiplier[0]) <= 0.18 <= float(o.multiplier[1])
        assert float(o.transverse[0]) <= 0.8 <= float(o.transverse[1])
    sym = next(o for o in census.orbits if o.period == 2 and o not in att)
    assert float(sym.multiplier[0]) <= (5 + 2.2) ** 2 <= float(sym.multiplier[1])
    assert float(sym.transverse[0]) <= 9 <= float(sym.transverse[1])  # (3)² = 9
    assert compare(census.escape_radius, sp.sqrt(1 + 2 / eta)) == 0
    _check_orbit_chain(census, eta)


def test_diagonal_census_eta_19_10_none_attracting_up_to_period_4():
    eta = sp.Rational(19, 10)
    census = diagonal_orbits_exhaustive(XY, eta, 4)
    assert census.complete
    # every zero of g^p − x is isolated: Sturm counts of the expanded polynomial agree
    x, g = _diag_map(eta)
    cur = x
    for p in range(1, 5):
        cur = sp.expand(g.subs(x, cur))
        assert census.roots[p] == sp.Poly(cur - x, x).count_roots()
    assert census.roots == {1: 3, 2: 9, 3: 15, 4: 49}
    assert census.counts() == {1: 3, 2: 3, 3: 4, 4: 10}
    assert census.attracting() == () and census.attracting_periods() == ()
    assert all(o.stability == "unstable" and o.diagonal_stability == "unstable"
               for o in census.orbits)
    two = [o for o in census.orbits if o.period == 2]
    mirror = [o for o in two if float(o.multiplier[1]) < 0]
    assert len(mirror) == 2
    for o in mirror:  # hand: 9 − 2(2.9)² = −7.82, transverse 3 − 3.8 = −0.8
        assert float(o.multiplier[0]) <= -7.82 <= float(o.multiplier[1])
        assert float(o.transverse[0]) <= -0.8 <= float(o.transverse[1])
    _check_orbit_chain(census, eta)
    data = census.to_dict()
    assert data["complete"] and data["counts"] == {"1": 3, "2": 3, "3": 4, "4": 10}
    # the 1-D loss gives the same diagonal orbits, without a transverse multiplier
    one_d = diagonal_orbits_exhaustive(QUARTIC, eta, 3)
    assert one_d.counts() == {1: 3, 2: 3, 3: 4} and one_d.transverse_expr is None
    assert all(o.transverse is None for o in one_d.orbits)


def test_diagonal_census_reports_what_it_could_not_decide():
    census = diagonal_orbits_exhaustive(XY, "1.9", 3, max_boxes=60)
    assert not census.complete and census.unknown[3]
    assert any("budget exhausted" in n for n in census.notes)
    assert "NOT all" in census.summary()
    assert census.counts()[1] == 3  # what was decided is still reported


def test_diagonal_census_bad_inputs():
    with pytest.raises(InputError):
        diagonal_orbits_exhaustive(Loss.from_text("x**2 + 2*y**2"), "1/2", 2)
    with pytest.raises(InputError):
        diagonal_orbits_exhaustive(XY, "1.9", 0)
    with pytest.raises(InputError):
        diagonal_orbits_exhaustive(XY, "1.9", True)


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_keys(capsys):
    code, out, err = _run(capsys, "orbits", "xy", "--eta", "1.9", "--period", "2",
                          "--starts", "40", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"loss", "eta", "periods"}
    entry = data["periods"]["2"]
    assert set(entry) == {"orbits", "exact"}
    assert set(entry["orbits"][0]) == {"period", "status", "stability", "points", "multipliers",
                                       "box", "trace", "det", "reason"}
    assert {o["stability"] for o in entry["exact"]["orbits"]} == {"unstable"}


@pytest.mark.parametrize("eta", ["0", "-1", "abc", "nan", "1/0", "x"])
def test_cli_bad_eta_exit_2(capsys, eta):
    code, _out, err = _run(capsys, "orbits", "xy", "--eta", eta)
    assert code == 2 and err.count("\n") == 1 and err.startswith("symstab: error:")


@pytest.mark.parametrize("args", [["--period", "0"], ["--period", "two"],
                                  ["--box", "1,0;0,1"], ["--box", "0,1"],
                                  ["--starts", "0"], ["--plot", "out.txt"]])
def test_cli_bad_options_exit_2(capsys, args):
    code, _out, err = _run(capsys, "orbits", "xy", "--eta", "1.9", *args)
    assert code == 2 and err.count("\n") == 1


def test_cli_plot(tmp_path, capsys):
    path = tmp_path / "orbits.png"
    code, _out, err = _run(capsys, "orbits", "xy", "--eta", "1.9", "--period", "2",
                          "--starts", "30", "--plot", str(path))
    assert code == 0, err
    assert path.stat().st_size > 1000


def test_blog_claims_verdicts():
    from proofs_check.core import Verdict
    from proofs_check.orbits import seed_claims

    claims = {c.id: c for c in seed_claims()}
    for cid in ("orbits.diag-xy.period2-exists", "orbits.diag-xy.period2-stable",
                "taowang.blog.h19-orbits.xy"):
        result = claims[cid].check()
        assert result.verdict == claims[cid].expected, result.explain()
    assert claims["taowang.blog.h19-orbits.xy"].expected == Verdict.FAILS
    assert "fails" in claims["taowang.blog.h19-orbits.xy"].source.note.lower()


@pytest.mark.slow
def test_blog_claims_full_budget():
    from proofs_check.core import Budget
    from proofs_check.orbits import seed_claims

    for claim in seed_claims():
        result = claim.check(Budget.full())
        assert not result.unexpected, result.explain()
