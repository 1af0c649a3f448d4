"""Certificates and the independent checker: every item verifies, every tampered one is
refuted, and the checker imports nothing from symstab.

The expected values are derived by hand: f4 = (x² + y²)/20 + (1 − xy)² has its minima at
x = y = ±sqrt(19/20) (from ∂f/∂x = x/10 − 2y(1 − xy) = 0 on x = y), where the Hessian
is [[2, 9/5], [9/5, 2]], so λmax = 19/5 and η* = 10/19 (Chen et al. 2024, eq. (46)).
"""

from __future__ import annotations

import ast
import copy
import json
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp

import symstab_verify as V
from symstab import certificates as C
from symstab.certify.krawczyk import SympySystem, krawczyk
from symstab.loss import Loss

F4 = Loss.from_catalog("f4")


@pytest.fixture(scope="module")
def thresholds() -> list[dict]:
    items, skipped = C.threshold_items(F4)
    assert skipped == []
    return items


@pytest.fixture(scope="module")
def balls() -> list[dict]:
    return C.trapping_ball_items(F4, sp.Rational(1, 2))


def _status(item: dict) -> tuple[str, str]:
    (result,) = V.verify(C.bundle([item]))
    return result["status"], result["detail"]


def _regrid(item: dict, radius: Fraction, per: int = 4) -> dict:
    """The ball with another radius and the boxes of [c ± (r + δ)]² regridded, each box
    claiming the old global bounds (what a careless edit of the radius would give)."""
    out = copy.deepcopy(item)
    out["radius"] = str(radius)
    center = [Fraction(c) for c in item["center"]]
    half = radius + Fraction(item["delta"])
    width = 2 * half / per
    out["boxes"] = [{"box": [[str(c - half + k * width), str(c - half + (k + 1) * width)]
                             for c, k in zip(center, (i, j), strict=True)],
                     "mu": item["mu"], "L": item["L"]}
                    for i in range(per) for j in range(per)]
    return out


# ------------------------------------------------------------------ thresholds


def test_f4_thresholds_are_the_hand_derived_ones_and_verify(thresholds):
    assert len(thresholds) == 2
    for item in thresholds:
        assert item["lambda_max"] == "19/5" and item["eta_star"] == "10/19"
        field = item["point"]["field"]
        # α² = 19/20 and both coordinates equal α
        assert field["minpoly"] == ["1", "0", "-19/20"]
        assert item["point"]["coordinates"] == [["1", "0"], ["1", "0"]]
        assert _status(item)[0] == V.VERIFIED


def test_threshold_11_19_is_refuted(thresholds):
    item = copy.deepcopy(thresholds[0])
    item["eta_star"], item["lambda_max"] = "11/19", "38/11"
    status, detail = _status(item)
    assert status == V.REFUTED and "not an eigenvalue" in detail


def test_threshold_at_the_smaller_eigenvalue_is_refuted(thresholds):
    # 1/5 is an eigenvalue (det vanishes) but not the largest: a principal minor of
    # (1/5)I − H is negative
    item = copy.deepcopy(thresholds[0])
    item["eta_star"], item["lambda_max"] = "10", "1/5"
    status, detail = _status(item)
    assert status == V.REFUTED and "exceeds" in detail


def test_threshold_at_a_moved_point_is_refuted(thresholds):
    item = copy.deepcopy(thresholds[0])
    item["point"]["coordinates"][0] = ["1", "1/1000"]
    status, detail = _status(item)
    assert status == V.REFUTED and "∂f/∂x" in detail


def test_step_sizes_are_compared_with_the_threshold(thresholds):
    item = copy.deepcopy(thresholds[0])
    item["stable_at"], item["unstable_at"] = ["1/2"], ["11/19"]
    assert _status(item)[0] == V.VERIFIED
    item["stable_at"] = ["11/19"]
    assert _status(item)[0] == V.REFUTED


def test_a_wrong_isolating_interval_is_refuted(thresholds):
    item = copy.deepcopy(thresholds[0])
    item["point"]["field"]["interval"] = ["0", "1/2"]  # no root of α² − 19/20 there
    assert _status(item)[0] == V.REFUTED


# ------------------------------------------------------------------ trapping balls


def test_f4_balls_at_one_half_verify(balls):
    assert len(balls) == 2
    centres = sorted(float(Fraction(b["center"][0])) for b in balls)
    root = (19 / 20) ** 0.5
    assert centres == pytest.approx([-root, root], abs=1e-12)
    for item in balls:
        assert Fraction(item["eta"]) == Fraction(1, 2)
        assert _status(item)[0] == V.VERIFIED


def test_f4_ball_with_radius_doubled_is_refuted(balls):
    for item in balls:
        doubled = copy.deepcopy(item)
        doubled["radius"] = str(2 * Fraction(item["radius"]))
        status, detail = _status(doubled)
        assert status == V.REFUTED and "cover" in detail
        # with the boxes regridded over the larger cube, a Hessian bound or the trap fails
        assert _status(_regrid(item, 2 * Fraction(item["radius"])))[0] == V.REFUTED
        # the same regridding at the certified radius is still a proof
        assert _status(_regrid(item, Fraction(item["radius"])))[0] == V.VERIFIED


def test_ball_with_eta_past_the_threshold_is_refuted(balls):
    item = copy.deepcopy(balls[0])
    item["eta"] = "11/19"
    status, detail = _status(item)
    assert status == V.REFUTED and "η·L" in detail


def test_ball_with_a_box_removed_is_refuted(balls):
    for k in (0, 5, 15):
        item = copy.deepcopy(balls[0])
        del item["boxes"][k]
        status, detail = _status(item)
        assert status == V.REFUTED and "cover" in detail


def test_ball_with_a_bound_lowered_is_refuted(balls):
    # the box holding θ* cannot have λmax <= 3 there: λmax(θ*) = 19/5 by hand
    item = copy.deepcopy(balls[0])
    centre = [Fraction(c) for c in item["center"]]
    k = next(i for i, b in enumerate(item["boxes"])
             if all(Fraction(lo) <= c <= Fraction(hi)
                    for (lo, hi), c in zip(b["box"], centre, strict=True)))
    item["boxes"][k]["L"] = "3"
    status, detail = _status(item)
    assert status == V.REFUTED and f"box {k}" in detail
    # and λmin(θ*) = 1/5: a lower bound of 1/4 there is refuted as well
    item = copy.deepcopy(balls[0])
    item["boxes"][k]["mu"] = "1/4"
    assert _status(item)[0] == V.REFUTED


def test_ball_with_a_smaller_contraction_or_centre_error_is_refuted(balls):
    item = copy.deepcopy(balls[0])
    item["q"] = "99/100"  # below |1 − η·L|: L > 19/5 on the ball, so η·L > 19/10
    status, detail = _status(item)
    assert status == V.REFUTED and "is not in" in detail
    item = copy.deepcopy(balls[0])
    item["delta"] = "0"  # the dyadic centre is not exactly the irrational θ*
    assert _status(item)[0] == V.REFUTED


# ------------------------------------------------------------------ Krawczyk boxes


def test_krawczyk_boxes_verify_and_tampered_claims_are_refuted():
    system = SympySystem([sp.diff(F4.expr, p) for p in F4.params], F4.params)
    third = Fraction(1, 3)
    unique = krawczyk(system, [(Fraction(96, 100), Fraction(99, 100))] * 2)  # holds sqrt(.95)
    empty = krawczyk(system, [(Fraction(3), Fraction(4))] * 2)
    assert (unique.status, empty.status) == ("unique", "empty")
    items = [C.krawczyk_item(F4, unique), C.krawczyk_item(F4, empty)]
    assert [r["status"] for r in V.verify(C.bundle(items))] == [V.VERIFIED] * 2
    flipped = [dict(items[0], claim="empty"), dict(items[1], claim="unique")]
    assert [r["status"] for r in V.verify(C.bundle(flipped))] == [V.REFUTED] * 2
    # moved off the zero: no zero in the box, so 'unique' is refuted
    moved = dict(items[0], box=[[str(third), "1/2"], [str(third), "1/2"]])
    assert _status(moved)[0] == V.REFUTED


def test_krawczyk_for_a_period_two_orbit_of_gd():
    # at η = 1/2 the GD map of f4 has the 2-cycle through (a, a) and (b, b) with
    # a + b and ab from G(G(θ)) = θ; a box around the point (a, a) found by the
    # iteration below must be 'unique' for G² − id
    eta = sp.Rational(1, 2)
    x, y = F4.params
    g = [sp.diff(F4.expr, p) for p in F4.params]
    gmap = [p - eta * gi for p, gi in zip(F4.params, g, strict=True)]
    from symstab.certify.krawczyk import IteratedMapSystem

    system = IteratedMapSystem(gmap, F4.params, 2)
    # the symmetric 2-cycle: t -> t - (t/20 - t(1 - t²)) on the diagonal (hand-reduced)
    t = sp.Symbol("t")
    step = sp.expand(gmap[0].subs({x: t, y: t}))
    cycle = [r for r in sp.Poly(sp.expand(step.subs(t, step) - t), t).real_roots()
             if sp.simplify(step.subs(t, r) - r) != 0]
    assert cycle, "the diagonal map has a 2-cycle"
    a = float(max(cycle, key=float))
    box = [(Fraction(a) - Fraction(1, 1000), Fraction(a) + Fraction(1, 1000))] * 2
    root = krawczyk(system, box)
    assert root.status == "unique"
    item = C.krawczyk_item(F4, root, eta=eta, period=2)
    assert _status(item)[0] == V.VERIFIED
    assert _status(dict(item, system={"map": "gd", "eta": "1/2", "period": 1}))[0] \
        == V.REFUTED


# ------------------------------------------------------------------ files, CLI, imports


def test_evidence_is_not_a_proof_and_exit_codes(tmp_path, capsys, thresholds):
    ev = C.evidence_item("evidence/x", "statistical", "9 of 10 starts", n=10, confidence=0.99)
    good = tmp_path / "good.json"
    C.write_certificate(good, C.bundle([thresholds[0], ev]))
    assert V.main([str(good)]) == 0
    out = capsys.readouterr().out
    assert "not a proof" in out and "verified" in out
    bad = copy.deepcopy(thresholds[0])
    bad["eta_star"] = "11/19"
    refuted = tmp_path / "refuted.json"
    C.write_certificate(refuted, C.bundle([bad, ev]))
    assert V.main([str(refuted)]) == 1
    capsys.readouterr()


def test_the_checker_runs_as_a_program(tmp_path, thresholds):
    import subprocess
    import sys

    bad = copy.deepcopy(thresholds[0])
    bad["eta_star"] = "11/19"
    path = tmp_path / "c.json"
    C.write_certificate(path, C.bundle([thresholds[1], bad]))
    run = subprocess.run([sys.executable, "-m", "symstab_verify", str(path)],
                         capture_output=True, text=True, cwd=Path(V.__file__).parent,
                         timeout=120)
    assert run.returncode == 1 and run.stderr == ""
    assert run.stdout.splitlines()[-1] == "2 items (threshold: 1 refuted, 1 verified)"


@pytest.mark.parametrize("content", [
    "not json", json.dumps({"format": "other"}), json.dumps([1, 2]),
    json.dumps({"format": V.FORMAT, "version": 99, "items": []}),
    json.dumps({"format": V.FORMAT, "version": 1, "items": [{"id": "a", "kind": "magic"}]}),
])
def test_malformed_files_are_one_line_exit_2(tmp_path, capsys, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert V.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("text", ["x.__class__", "__import__('os')", "9**9**9**9",
                                  "eval(x)", "x**y", "lambda: 1", "(" * 3000 + "x" + ")" * 3000,
                                  "x" * 30000, "1.5*x"])
def test_hostile_loss_text_is_malformed(thresholds, tmp_path, capsys, text):
    item = copy.deepcopy(thresholds[0])
    item["loss"] = {"text": text, "params": ["x", "y"]}
    with pytest.raises(V.Malformed):
        V.verify(C.bundle([item]))


def test_the_checker_imports_nothing_from_symstab():
    roots = set()
    files = sorted(Path(V.__file__).parent.glob("*.py"))
    assert len(files) >= 5  # the package: __init__, core and the kind modules
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots.add((node.module or "").split(".")[0])
    assert "symstab" not in roots
    assert roots <= {"__future__", "json", "keyword", "math", "re", "sys", "fractions",
                     "itertools", "typing", "flint", "sympy", "symstab_verify"}


def test_analyze_writes_a_certificate_that_verifies(tmp_path, capsys):
    from symstab.cli import main

    path = tmp_path / "f4.json"
    assert main(["analyze", "f4", "--eta", "1/2", "--certificate", str(path)]) == 0
    capsys.readouterr()
    doc = json.loads(path.read_text())
    assert [i["stable_at"] for i in doc["items"]] == [["1/2"], ["1/2"]]
    assert [r["status"] for r in V.verify(doc)] == [V.VERIFIED] * 2


@pytest.mark.parametrize("args", [["f4", "--certificate", "/no/such/dir/f.json"],
                                  ["sin(x) + x**2", "--params", "x", "--certificate", "f.json"]])
def test_analyze_certificate_errors_are_one_line_exit_2(tmp_path, capsys, args):
    from symstab.cli import main

    assert main(["analyze", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "--certificate" in err


def test_claim_bundle_exports_only_what_it_can():
    records = [
        {"id": "chen.threshold.f4", "title": "t", "statement": "s", "verdict": "holds",
         "strength": "exact"},
        {"id": "some.claim", "title": "t", "statement": "s", "verdict": "holds",
         "strength": "certified"},
        {"id": "sampled.claim", "title": "t", "statement": "s", "verdict": "holds",
         "strength": "statistical", "n": 400, "confidence": 0.99, "summary": "400 starts"},
    ]
    doc = C.claim_certificates(records)
    kinds = {c["id"]: c["kind"] for c in doc["claims"]}
    assert kinds == {"chen.threshold.f4": "exported", "some.claim": "not exported",
                     "sampled.claim": "not a proof"}
    results = {r["id"]: r["status"] for r in V.verify(doc)}
    assert results == {"threshold/f4/min1": V.VERIFIED, "threshold/f4/min2": V.VERIFIED,
                       "critical/f4": V.VERIFIED, "evidence/sampled.claim": V.NOT_A_PROOF}


def test_proofs_check_writes_one_bundle(tmp_path, capsys):
    from proofs_check.cli import main

    path = tmp_path / "run.json"
    code = main(["--only", "chen.threshold.f4", "--jobs", "1", "--certificate", str(path)])
    assert code == 0
    capsys.readouterr()
    doc = json.loads(path.read_text())
    assert [c["kind"] for c in doc["claims"]] == ["exported"]
    assert all(r["status"] == V.VERIFIED for r in V.verify(doc))
