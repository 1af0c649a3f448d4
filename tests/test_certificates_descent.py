"""The identity items behind the descent claims: the 2 × 2 quadratic identities, Taylor's
formula with integral remainder (Chen eq. (9)) and the witnesses of the false descent
variants verify; each altered in one number is refuted.

Hand-derived examples:

* f = ½(x² + 3y²): A = diag(1, 3), L = 3 with eigenvector (0, 1). At θ = (0, 1),
  ∇f = (0, 3), f = 3/2; with h = 2/3 one step lands at (0, −1), f = 3/2 again, while
  f − h(1 − Lh/4)‖∇f‖² = 3/2 − (2/3)(1/2)·9 = −3/2: the "quarter" lemma fails, and the
  true one holds with equality (3/2 − (2/3)·0·9 = 3/2).
* Along (0, 1), GD multiplies the offset by 1 − 3h: by −2 at h = 1 (|·| > 1, the
  gradient grows), by −1/2 at h = 1/2, by 1/2 at h = 1/6 (no sign change).
* f = x⁴ − x at θ = (1/10, 0): ∇f = (−249/250, 0), ∇²f = diag(3/25, 0), so
  λmax(∇²f(θ)) = 3/25. With h = 1/2 the step lands at x = 1/10 + 249/500 = 299/500 in
  [−1, 1]; f there is (299/500)⁴ − 299/500 > f(θ) − h(1 − 3h/50)(249/250)², checked
  below in fractions. With h = 1 it lands at 1097/1000, outside [−1, 1].
"""

from __future__ import annotations

import copy
from fractions import Fraction
from types import SimpleNamespace

import pytest

import symstab_verify as V
from proofs_check.certificate_data import _q2_identities, descent_witness_hint
from symstab import certificates as C
from symstab.loss import Loss

DIAG13 = SimpleNamespace(A=((Fraction(1), Fraction(0)), (Fraction(0), Fraction(3))),
                         star=(Fraction(0), Fraction(0)), L=Fraction(3),
                         top=lambda: (Fraction(0), Fraction(1)))


def _item(hint: dict) -> dict:
    return C.identity_item(C._hint_loss(hint), hint["id"], hint["checks"],
                           symbols=hint["symbols"], statement=hint["statement"])


def _status(item: dict) -> str:
    (result,) = V.verify(C.bundle([item]))
    return result["status"]


def _with(item: dict, check: int, key: str, value) -> dict:
    out = copy.deepcopy(item)
    if key in ("lhs", "rhs"):
        out["checks"][check][key] = value
    else:
        for c in out["checks"]:
            if "point" in c:
                c["point"][key] = value
    return out


def test_the_quadratic_identities_verify_and_a_wrong_coefficient_is_refuted():
    item = _item(_q2_identities())
    assert _status(item) == V.VERIFIED
    last = len(item["checks"]) - 1
    assert _status(_with(item, last, "rhs", item["checks"][last]["rhs"].replace(
        ")/2", ")/4"))) == V.REFUTED
    assert _status(_with(item, 2, "rhs", "(1 - eta*a)*(x - p) + eta*b*(y - q)")) == V.REFUTED


def test_the_quarter_constant_witness():
    item = _item(descent_witness_hint("quarter", DIAG13, Fraction(2, 3),
                                      (Fraction(0), Fraction(1))))
    assert _status(item) == V.VERIFIED
    true_constant = _with(item, len(item["checks"]) - 1, "rhs",
                          "f - eta*(1 - L*eta/2)*(D_x**2 + D_y**2)")
    assert _status(true_constant) == V.REFUTED  # equality, not a violation
    assert _status(_with(item, 0, "L", "1")) == V.REFUTED  # 1 is the smaller eigenvalue


@pytest.mark.parametrize(("kind", "eta", "status"), [
    ("diverge", Fraction(1), V.VERIFIED), ("diverge", Fraction(1, 2), V.REFUTED),
    ("monotone", Fraction(1, 6), V.VERIFIED), ("monotone", Fraction(1, 2), V.REFUTED)])
def test_the_top_direction_witnesses(kind, eta, status):
    assert _status(_item(descent_witness_hint(kind, DIAG13, eta))) == status


def test_a_wrong_eigenvector_is_refuted():
    item = _item(descent_witness_hint("diverge", DIAG13, Fraction(1)))
    assert _status(_with(item, 0, "v1", "1")) == V.REFUTED


def test_the_local_sharpness_witness():
    loss = Loss.from_text("x**4 - x", "x,y")
    x, h, lam = Fraction(1, 10), Fraction(1, 2), Fraction(3, 25)
    g = 4 * x**3 - 1
    new = x - h * g
    assert (g, new) == (Fraction(-249, 250), Fraction(299, 500))
    assert new**4 - new > x**4 - x - h * (1 - lam * h / 2) * g**2  # the violation
    item = _item(descent_witness_hint("local", None, h, (x, Fraction(0)), loss=loss, L=lam))
    assert _status(item) == V.VERIFIED
    assert _status(_with(item, 0, "L", "1/100")) == V.REFUTED  # below λmax(∇²f(θ))
    assert _status(_with(item, 0, "eta", "1")) == V.REFUTED  # the step leaves [−1, 1]²


@pytest.mark.parametrize("name", ["f1", "f4"])
def test_taylors_formula_with_integral_remainder(name):
    # φ(s) = f(θ − sηg) with g = ∇f(θ) frozen: φ(1) = φ(0) + φ'(0) + ∫₀¹(1 − s)φ''(s) ds
    # (integration by parts), φ'(0) = −η‖g‖², φ''(s) = η²gᵀ∇²f(θ − sηg)g
    from proofs_check.certificate_data import extra_certificates

    (hint,) = extra_certificates(f"chen.taylor-remainder.{name}")
    item = _item(hint)
    assert _status(item) == V.VERIFIED
    assert _status(_with(item, 0, "rhs", item["checks"][0]["rhs"].replace(
        "(1 - s)", "(1 - s/2)"))) == V.REFUTED
    wider = copy.deepcopy(item)
    wider["checks"][0]["integrate"] = ["s", "0", "2"]
    assert _status(wider) == V.REFUTED
    frozen_at_shift = copy.deepcopy(item)  # ∇f taken at the shifted point: not eq. (9)
    frozen_at_shift["checks"][0]["defs"]["Q"]["at"].pop("u")
    frozen_at_shift["checks"][0]["defs"]["Q"]["text"] = (
        "D_x_x*D_x**2 + 2*D_x_y*D_x*D_y + D_y_y*D_y**2")
    assert _status(frozen_at_shift) == V.REFUTED


def test_the_log_perturbed_smoothness_bound():
    # d²/dt² log(1 + t²) = (2(1 + t²) − 4t²)/(1 + t²)² = 2(1 − t²)/(1 + t²)², and
    # 2 − that = (2 + 4t² + 2t⁴ − 2 + 2t²)/(1 + t²)² = 2t²(3 + t²)/(1 + t²)² >= 0
    from proofs_check.certificate_data import extra_certificates

    (hint,) = extra_certificates("descent.convergence.log-perturbed")
    item = _item(hint)
    assert _status(item) == V.VERIFIED
    assert _status(_with(item, 3, "rhs", "2*t**2*(2 + t**2)/(1 + t**2)**2")) == V.REFUTED
    assert _status(_with(item, 1, "rhs", item["checks"][1]["rhs"].replace("m +", "-m +"))
                   ) == V.REFUTED
