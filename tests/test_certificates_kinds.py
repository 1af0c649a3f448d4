"""The certificate kinds beyond thresholds and balls: ``box-orbit``, ``krawczyk-cover``,
``critical-set`` and ``identity``; each verifies, and each altered in one place is
refuted. Tests also cover ``--certificate`` on ``trajectory``, ``basin`` and ``orbits``.

Expected values are derived by hand or by a second method:

* f4 = (x² + y²)/20 + (1 − xy)²: ∂f/∂x = x/10 − 2y(1 − xy), ∂f/∂y = y/10 − 2x(1 − xy).
  The zeros: x = y gives x(1/10 − 2 + 2x²) = 0, so x = 0 or x² = 19/20; x = −y gives
  x(1/10 + 2 + 2x²) = 0, so x = 0; subtracting the two equations, (x − y)(1/10 + 2(1 − xy))
  = 0 and xy = 21/20 is incompatible with the first equation. So three real critical
  points: (0, 0) and ±(α, α), α² = 19/20.
* On the diagonal of ½(1 − xy)², GD is g(x) = x − ηx(x² − 1): fixed points 0, ±1 with
  g'(0) = 1 + η and g'(±1) = 1 − 2η, both of modulus > 1 at η = 19/10; the period-2
  points are the symmetric orbit ±√(1 + 2/η) and, since η > 1, two mirror pairs: with
  the fixed points 3 + 2 + 4 = 9 zeros of g(g(x)) − x. Every periodic point lies in
  [−R, R], R = √(1 + 2/η) < 3/2.
* The entry step of an orbit into a trapping ball is found by a float64 loop.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import symstab_verify as V
from symstab import certificates as C
from symstab.loss import Loss

F4 = Loss.from_catalog("f4")
XY = Loss.from_catalog("xy")
DIAG = Loss.from_text("(x**2 - 1)**2/4", "x")
ETA = sp.Rational(3, 10)
START = (Fraction(1, 10), Fraction(5, 2))


def _results(items: list[dict]) -> dict[str, tuple[str, str]]:
    return {r["id"]: (r["status"], r["detail"]) for r in V.verify(C.bundle(items))}


def _last(items: list[dict]) -> tuple[str, str]:
    return _results(items)[items[-1]["id"]]


def _grad_f4(x: float, y: float) -> np.ndarray:
    return np.array([x / 10 - 2 * y * (1 - x * y), y / 10 - 2 * x * (1 - x * y)])


# ------------------------------------------------------------------ box-orbit


@pytest.fixture(scope="module")
def orbit() -> list[dict]:
    hint = C.point_orbit_hint(F4, ETA, START)
    return C.point_orbit_items(hint)


def test_the_orbit_enters_a_ball_at_the_float_loops_step(orbit):
    *balls, item = orbit
    assert item["kind"] == "box-orbit" and len(balls) == 2
    theta = np.array([float(x) for x in START])
    for k in range(1000):  # noqa: B007 (k is the entry step)
        inside = [b for b in balls if np.linalg.norm(
            theta - np.array([float(Fraction(c)) for c in b["center"]]))
            < float(Fraction(b["radius"]))]
        if inside:
            break
        theta = theta - float(ETA) * _grad_f4(*theta)
    assert item["steps"] == k
    assert all(status == V.VERIFIED for status, _ in _results(orbit).values())


def _with_signs(orbit: list[dict]) -> list[dict]:
    """The orbit with the loss-change signs of a float64 loop."""
    out = copy.deepcopy(orbit)
    theta = np.array([float(x) for x in START])

    def f(t: np.ndarray) -> float:
        return (t[0] ** 2 + t[1] ** 2) / 20 + (1 - t[0] * t[1]) ** 2

    signs = ""
    for _ in range(out[-1]["steps"]):
        new = theta - float(ETA) * _grad_f4(*theta)
        signs += "+" if f(new) > f(theta) else "-"
        theta = new
    out[-1]["signs"] = signs
    return out


def test_proved_loss_signs_verify_and_a_flipped_sign_is_refuted(orbit):
    signed = _with_signs(orbit)
    assert "+" in signed[-1]["signs"]  # Fig. 3's unstable start: the loss rises first
    assert _last(signed)[0] == V.VERIFIED
    k = signed[-1]["signs"].index("+")
    flipped = copy.deepcopy(signed)
    flipped[-1]["signs"] = signed[-1]["signs"][:k] + "-" + signed[-1]["signs"][k + 1:]
    status, detail = _last(flipped)
    assert status == V.REFUTED and f"step {k}" in detail


def test_an_orbit_stopped_one_step_early_is_refuted(orbit):
    early = copy.deepcopy(orbit)
    early[-1]["steps"] -= 1
    status, detail = _last(early)
    assert status == V.REFUTED and "none of the listed balls" in detail


def test_an_orbit_into_a_refuted_ball_is_refuted(orbit):
    bad = copy.deepcopy(orbit)
    for b in bad[:-1]:
        b["radius"] = str(2 * Fraction(b["radius"]))
    results = _results(bad)
    assert results[bad[0]["id"]][0] == V.REFUTED
    assert results[bad[-1]["id"]] == (V.REFUTED, f"the ball {bad[-1]['balls'][0]} is not "
                                                 "verified")


def test_an_orbit_at_another_step_size_is_refuted(orbit):
    other = copy.deepcopy(orbit)
    other[-1]["eta"] = "1/4"
    status, detail = _last(other)
    assert status == V.REFUTED and "another loss or step size" in detail


def test_a_wider_start_box_is_refuted(orbit):
    wide = copy.deepcopy(orbit)
    wide[-1]["box"] = [["0", "1/5"], ["12/5", "13/5"]]
    assert _last(wide)[0] == V.REFUTED


def test_an_orbit_naming_a_missing_ball_is_malformed(orbit):
    with pytest.raises(V.Malformed):
        V.verify(C.bundle([orbit[-1]]))


# ------------------------------------------------------------------ krawczyk-cover


@pytest.fixture(scope="module")
def covers() -> dict[int, dict]:
    domain = [(Fraction(-3, 2), Fraction(3, 2))]
    return {p: C.krawczyk_cover_item(DIAG, sp.Rational(19, 10), p, domain) for p in (1, 2)}


def test_the_diagonal_census_counts_the_hand_derived_zeros(covers):
    assert covers[1]["count"] == 3 and covers[2]["count"] == 9
    for item in covers.values():
        assert all(b.get("unstable") for b in item["boxes"] if b["claim"] == "unique")
        status, detail = _last([item])
        assert status == V.VERIFIED and f"exactly {item['count']} zeros" in detail


def test_a_cover_with_a_box_removed_is_refuted(covers):
    item = copy.deepcopy(covers[2])
    del item["boxes"][len(item["boxes"]) // 2]
    assert _last([item]) == (V.REFUTED, "the boxes do not cover the domain")


def test_a_cover_with_a_flipped_box_or_count_is_refuted(covers):
    item = copy.deepcopy(covers[2])
    k = next(i for i, b in enumerate(item["boxes"]) if b["claim"] == "empty")
    item["boxes"][k]["claim"] = "unique"
    item["count"] += 1
    status, detail = _last([item])
    assert status == V.REFUTED and detail.startswith(f"box {k}:")
    item = copy.deepcopy(covers[1])
    item["count"] = 2
    assert _last([item])[0] == V.REFUTED


def test_a_cover_of_a_larger_domain_is_refuted(covers):
    item = copy.deepcopy(covers[1])
    item["domain"] = [["-2", "3/2"]]
    assert _last([item]) == (V.REFUTED, "the boxes do not cover the domain")


def test_an_attracting_fixed_point_is_not_certified_unstable():
    # at η = 1/2, g'(±1) = 1 − 2η = 0: the minima ±1 attract
    item = C.krawczyk_cover_item(DIAG, sp.Rational(1, 2), 1,
                                 [(Fraction(-3, 2), Fraction(3, 2))])
    assert item["count"] == 3
    unique = [b for b in item["boxes"] if b["claim"] == "unique"]
    assert sum(bool(b.get("unstable")) for b in unique) == 1  # only 0: g'(0) = 3/2
    for b in unique:
        b["unstable"] = True
    status, detail = _last([item])
    assert status == V.REFUTED and "unstable" in detail


# ------------------------------------------------------------------ critical-set


@pytest.fixture(scope="module")
def critical() -> dict:
    return C.critical_set_item(F4)


def test_f4_has_the_three_hand_derived_critical_points(critical):
    assert len(critical["points"]) == 3
    fields = sorted(tuple(p["field"]["minpoly"]) for p in critical["points"])
    # (0, 0) and ±(α, α) with 20α² = 19
    assert [len(m) for m in fields] == [2, 3, 3]
    assert _last([critical])[0] == V.VERIFIED


def test_f1_critical_count_matches_numpy_roots():
    item = C.critical_set_item(Loss.from_catalog("f1"))
    last = Loss.from_text(item["groebner"][-1], item["order"][-1])
    u = sp.Poly(last.expr, last.params[0])
    roots = np.roots([float(c) for c in u.all_coeffs()])
    assert len(item["points"]) == int(np.sum(np.abs(roots.imag) < 1e-9))
    assert _last([item])[0] == V.VERIFIED


def test_a_critical_set_missing_a_point_is_refuted(critical):
    item = copy.deepcopy(critical)
    del item["points"][0]
    assert _last([item]) == (V.REFUTED, "2 points listed, but ∇f has 3 real zeros")


def test_a_repeated_point_is_refuted(critical):
    item = copy.deepcopy(critical)
    item["points"][1] = copy.deepcopy(item["points"][0])
    assert _last([item])[0] == V.REFUTED


def test_a_wrong_basis_or_point_is_refuted(critical):
    item = copy.deepcopy(critical)
    item["groebner"][-1] = item["groebner"][-1].replace("399", "398")
    assert _last([item]) == (V.REFUTED, "the listed basis is not the lex Gröbner basis of ∇f")
    item = copy.deepcopy(critical)
    point = next(p for p in item["points"] if len(p["field"]["minpoly"]) == 3)
    point["field"]["minpoly"] = ["1", "0", "-1"]
    point["field"]["interval"] = ["1/2", "3/2"] if point["field"]["interval"][0][0] != "-" \
        else ["-3/2", "-1/2"]
    status, detail = _last([item])
    assert status == V.REFUTED and "∂f/∂" in detail


# ------------------------------------------------------------------ identity


def test_identities_verify_and_altered_ones_are_refuted():
    good = C.identity_item(XY, "rescale", [{"lhs": "f", "rhs": "f", "is": "zero",
                                            "lhs_at": {"x": "c*x", "y": "y/c"}}],
                           symbols=["c"])
    assert _last([good])[0] == V.VERIFIED
    bad = copy.deepcopy(good)
    bad["checks"][0]["lhs_at"] = {"x": "c*x", "y": "c*y"}
    assert _last([bad]) == (V.REFUTED, "check 0: lhs − rhs does not simplify to 0")
    # det ∇²f(0, 0) = 0·0 − (−1)² = −1 by hand
    det = {"lhs": "D_x_x*D_y_y - D_x_y**2", "rhs": "-1", "is": "zero",
           "point": {"x": "0", "y": "0"}}
    assert _last([C.identity_item(XY, "det", [det])])[0] == V.VERIFIED
    assert _last([C.identity_item(XY, "det", [{**det, "is": "positive"}])])[0] == V.REFUTED


def test_the_gd_map_name_needs_the_symbol_eta():
    check = {"lhs": "G_x", "rhs": "x - eta*D_x", "is": "zero"}
    assert _last([C.identity_item(XY, "g", [check], symbols=["eta"])])[0] == V.VERIFIED
    with pytest.raises(V.Malformed):
        V.verify(C.bundle([C.identity_item(XY, "g", [check])]))


@pytest.mark.parametrize("check", [
    {"lhs": "f", "rhs": "0", "is": "positive"},                       # a sign needs a point
    {"lhs": "__import__", "rhs": "0", "is": "zero"},                 # not a name it knows
    {"lhs": "f", "rhs": "0", "is": "zero", "lhs_at": {"z": "1"}},    # not a parameter
    {"lhs": "f", "rhs": "0", "is": "zero", "point": {"x": "0.5"}},   # not a rational
])
def test_malformed_identities_are_malformed(check):
    with pytest.raises(V.Malformed):
        V.verify(C.bundle([C.identity_item(XY, "m", [check])]))


# ------------------------------------------------------------------ bundles and commands


def test_hinted_claims_are_exported_only_with_a_verdict():
    hint = C.identity_hint(XY, "identity/xy/h", [{"lhs": "D_x_x", "rhs": "y**2",
                                                   "is": "zero"}], partial="half of it")
    records = [{"id": "a", "verdict": "holds", "strength": "exact",
                "data": {"certificate": [hint]}},
               {"id": "b", "verdict": "inconclusive", "strength": "exact",
                "data": {"certificate": [hint]}}]
    doc = C.claim_certificates(records)
    kinds = {c["id"]: (c["kind"], c.get("note")) for c in doc["claims"]}
    assert kinds["a"] == ("partly exported", "half of it")
    assert kinds["b"][0] == "not exported"
    assert [r["status"] for r in V.verify(doc)] == [V.VERIFIED]


def test_trajectory_certificate_verifies(tmp_path, capsys):
    from symstab.cli import main

    path = tmp_path / "t.json"
    assert main(["trajectory", "f4", "--eta", "3/10", "--from", "1/10,5/2",
                 "--format", "json", "--certificate", str(path)]) == 0
    steps = json.loads(capsys.readouterr().out)["steps_taken"]
    doc = json.loads(path.read_text())
    assert doc["items"][-1]["kind"] == "box-orbit" and doc["items"][-1]["steps"] == steps
    assert all(r["status"] == V.VERIFIED for r in V.verify(doc))


def test_basin_certificate_holds_its_balls_and_the_sample(tmp_path, capsys):
    from symstab.cli import main

    path = tmp_path / "b.json"
    assert main(["basin", "f4", "--eta", "1/2", "--grid", "-2,2,8;-2,2,8",
                 "--certificate", str(path)]) == 0
    capsys.readouterr()
    statuses = sorted((r["kind"], r["status"]) for r in V.verify_file(str(path)))
    assert statuses == [("evidence", V.NOT_A_PROOF), ("trapping-ball", V.VERIFIED),
                        ("trapping-ball", V.VERIFIED)]


def test_orbits_certificate_has_a_box_per_certified_orbit(tmp_path, capsys):
    from symstab.cli import main

    path = tmp_path / "o.json"
    assert main(["orbits", "xy", "--eta", "19/10", "--period", "2", "--starts", "40",
                 "--format", "json", "--certificate", str(path)]) == 0
    found = json.loads(capsys.readouterr().out)["periods"]["2"]["orbits"]
    certified = [o for o in found if o["status"] == "certified"]
    results = V.verify_file(str(path))
    assert len(results) == len(certified) > 0
    assert all(r["status"] == V.VERIFIED and r["kind"] == "krawczyk" for r in results)


@pytest.mark.parametrize("command", [
    ["trajectory", "f4", "--eta", "1/2", "--from", "1,1"],
    ["basin", "f4", "--eta", "1/2", "--grid", "-2,2,4;-2,2,4"],
    ["orbits", "xy", "--eta", "19/10"],
])
def test_certificate_path_is_checked_before_any_work(command, capsys):
    from symstab.cli import main

    assert main([*command, "--certificate", "/no/such/dir/c.json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "--certificate" in err


def test_a_nearly_tight_hessian_bound_verifies_by_bisection():
    """f2 at η = 3/5: on the box [−453/4096, 0] × [0, 453/4096] λmax is attained at the
    corner (−453/4096, 453/4096), where by hand H = [[12x² + 2y + 2, 2x], [2x, 12y² + 2]]
    has λmax ≈ 2.50467, within 6e-5 of the exported bound: the checker must bisect deep."""
    balls = C.trapping_ball_items(Loss.from_catalog("f2"), sp.Rational(3, 5), subdivisions=4)
    assert [s for s, _ in _results(balls).values()] == [V.VERIFIED]
    box = next(b for b in balls[0]["boxes"]
               if b["box"] == [["-453/4096", "0"], ["0", "453/4096"]])
    t = Fraction(453, 4096)
    a, c, b = 12 * t * t + 2 * t + 2, 12 * t * t + 2, -2 * t
    corner = float((a + c) / 2) + np.hypot(float((a - c) / 2), float(b))
    assert 0 < float(Fraction(box["L"])) - corner < 1e-4
    lowered = copy.deepcopy(balls[0])
    box = next(b for b in lowered["boxes"] if b["box"] == box["box"])
    box["L"] = str(Fraction(int(corner * 10**6) - 1, 10**6))  # just below the corner's λmax
    status, detail = _results([lowered])[lowered["id"]]
    assert status == V.REFUTED and "spectrum" in detail


def test_every_identity_of_the_claims_verifies_and_names_a_seed_claim():
    from proofs_check.certificate_data import CLAIM_IDS, extra_certificates
    from proofs_check.seeds import seed_claims

    ids = {c.id for c in seed_claims()}
    assert set(CLAIM_IDS) <= ids
    records = [{"id": cid, "verdict": "holds", "strength": "exact",
                "data": {"certificate": extra_certificates(cid)}} for cid in CLAIM_IDS]
    doc = C.claim_certificates(records)
    assert all(c["kind"] in ("exported", "partly exported") for c in doc["claims"])
    assert {r["status"] for r in V.verify(doc)} == {V.VERIFIED}


def test_an_orbit_may_claim_only_some_signs(orbit):
    signed = _with_signs(orbit)[-1]
    k = signed["signs"].index("+")
    only = {**copy.deepcopy(signed), "balls": [], "steps": k + 1,
            "signs": "?" * k + "+"}
    assert _last([only])[0] == V.VERIFIED
    assert _last([{**only, "signs": "?" * k + "-"}])[0] == V.REFUTED
    with pytest.raises(V.Malformed):  # claims nothing
        V.verify(C.bundle([{**only, "signs": "?" * (k + 1)}]))
