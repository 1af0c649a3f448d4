"""The ``linear-net`` certificate kind: the items of the seed networks verify, and each
altered in one number is refuted.

Expected values, by hand (Crăciun & Ghoshdastidar's setting, target W* = diag(2, 1)):

* ``linear-net:2x2x2``: widths 2, 2, 2, so r = 2 = min(m, n): filling; every 2 × 2 matrix
  is a product, the minimum is 0 at W_2 W_1 = W*, e.g. W_1 = I, W_2 = W*. The minima
  have dimension N − r(m + n − r) = 8 − 2·2 = 4. At the balanced point W_1 = W_2 =
  diag(√2, 1) the Hessian on M is JᵀJ with largest eigenvalue L·s_1^(2 − 2/L) = 2·2 = 4,
  so η_c = 2/4 = 1/2. Every minimum has λmax >= 4: with w = ∇(W_2W_1)_11,
  ‖w‖² = Σ_k (W_2)_1k² + (W_1)_k1² >= 2(W_2W_1)_11 = 4 and λmax >= ‖w‖² on the minima.
* ``linear-net:2x1x2``: r = 1 < 2: non-filling; the best rank-1 matrix is diag(2, 0),
  minimum ½·1² = 1/2; dimension 4 − 1·(2 + 2 − 1) = 1; η_c = 1/s_1 = 1/2.
* Depth 2: tr ∇²f = n‖W_2‖² + m‖W_1‖², so a stable minimum has ‖θ‖² <= 2·2/η = 4/η
  (filling: rank ∇²f <= mn = 4, λmax >= ‖θ‖²·2/4) and <= 2·4/(2η) = 4/η (2x1x2: N = 4).
* ``linear-net:1x2x2x1`` (W* = 1): the points W_1 = (1, 0)ᵀ, W_2 = [[1, 0], [0, t]],
  W_3 = (1, 0) are global minima for every t with one Hessian; on the minima of a
  width-1 chain of depth 3 λmax >= 3 (= L s_1^(2 − 2/L)), attained here, so the line is
  stable exactly for η <= 2/3: at η = 1/2 yes, at η = 3/4 no.
"""

from __future__ import annotations

import copy

import pytest
import sympy as sp

import symstab_verify as V
from symstab import certificates as C
from symstab.certificates_linear import linear_net_hint, linear_net_item, linear_net_items


def _check(item: dict) -> tuple[str, str]:
    (result,) = V.verify(C.bundle([item]))
    return result["status"], result["detail"]


@pytest.fixture(scope="module")
def filling() -> dict:
    return linear_net_item("linear-net:2x2x2")


@pytest.fixture(scope="module")
def bottleneck() -> dict:
    return linear_net_item("linear-net:2x1x2")


def test_the_seed_networks_verify_with_the_hand_values(filling, bottleneck):
    assert _check(filling)[0] == V.VERIFIED
    assert (filling["filling"], filling["minimum"]["value"], filling["dimension"],
            filling["critical_eta"]["value"], filling["stable_radius"]) == (True, "0", 4,
                                                                              "1/2", "4")
    assert _check(bottleneck)[0] == V.VERIFIED
    assert (bottleneck["filling"], bottleneck["minimum"]["value"], bottleneck["dimension"],
            bottleneck["critical_eta"]["value"], bottleneck["stable_radius"]) == (
        False, "1/2", 1, "1/2", "4")


def test_the_data_form_verifies_with_its_offset():
    item = linear_net_item("linear-net:2x2x2:data")
    assert _check(item)[0] == V.VERIFIED
    assert (item["offset"], item["minimum"]["value"]) == ("1/2", "1/2")


def _tampered(item: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(item)
    where = out
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = value
    return out


@pytest.mark.parametrize(("path", "value", "why"), [
    (("filling",), False, "filling"),
    (("minimum", "value"), "1/2", "minimum"),
    (("minimum", "point", 0), "2", "listed point"),
    (("dimension",), 5, "dimension"),
    (("critical_eta", "value"), "1", "eigenvalue"),
    (("critical_eta", "value"), "1/3", "not an eigenvalue"),
    (("stable_radius",), "3", "‖θ‖²"),
    (("target", 0, 0), "3", "loss text"),
    (("offset",), "1", "loss text"),
])
def test_a_filling_network_altered_in_one_number_is_refuted(filling, path, value, why):
    status, detail = _check(_tampered(filling, path, value))
    assert status == V.REFUTED and why in detail


def test_a_balanced_point_moved_off_the_minima_is_refuted(filling):
    # W_1 = diag(α, 1) -> diag(α, 2): the product is no longer W*
    item = _tampered(filling, ("critical_eta", "point", "coordinates", 3), ["2"])
    status, detail = _check(item)
    assert status == V.REFUTED and "not a global minimum" in detail


def test_the_critical_step_needs_the_minimum_for_its_lower_bound(filling):
    item = copy.deepcopy(filling)
    del item["minimum"], item["dimension"]
    status, detail = _check(item)
    assert status == V.REFUTED and "2W*_11" in detail


def test_non_singularity_from_one_point_twice_is_refuted(filling):
    # det(I − ηH(θ̄)) alone vanishes at η = 1/λ for each eigenvalue λ > 0 of H(θ̄)
    point = filling["nonsingular"][0]
    status, detail = _check(_tampered(filling, ("nonsingular",), [point, point]))
    assert status == V.REFUTED and "root" in detail


def test_the_bottleneck_minimum_of_the_filling_network_is_refuted(bottleneck):
    status, detail = _check(_tampered(bottleneck, ("minimum", "value"), "0"))
    assert status == V.REFUTED and "Eckart" in detail
    assert _check(_tampered(bottleneck, ("filling",), True))[0] == V.REFUTED


def test_the_unbounded_line_is_stable_exactly_up_to_two_thirds():
    item = linear_net_item("linear-net:1x2x2x1", sp.Rational(1, 2))
    status, detail = _check(item)
    assert status == V.VERIFIED and "unbounded line" in detail
    assert _check(_tampered(item, ("stable_line", "eta"), "2/3"))[0] == V.VERIFIED
    status, detail = _check(_tampered(item, ("stable_line", "eta"), "3/4"))
    assert status == V.REFUTED and "exceeds 8/3" in detail
    constant = [text.replace("t", "0") for text in item["stable_line"]["line"]]
    status, detail = _check(_tampered(item, ("stable_line", "line"), constant))
    assert status == V.REFUTED and "constant" in detail


def test_hints_build_the_same_item_once():
    hint = linear_net_hint("linear-net:2x1x2", partial="why")
    assert hint["partial"] == "why"
    assert linear_net_items(hint) == [linear_net_item("linear-net:2x1x2")]
    bad = dict(linear_net_item("linear-net:2x1x2"), widths=[2, 1])
    with pytest.raises(V.Malformed):
        V.verify(C.bundle([bad]))


def test_the_matrix_balancing_identity_verifies_and_a_wrong_factor_is_refuted():
    # D' − D = η²(‖RV‖² − ‖RᵀU‖²): from U' = U − ηRV, V' = V − ηRᵀU (R = UVᵀ − Y) the
    # cross terms −2η⟨U, RV⟩ and −2η⟨V, RᵀU⟩ are both −2η tr(UᵀRV) and cancel in D
    from proofs_check.certificate_data import extra_certificates

    hints = extra_certificates("balancing.identity")
    assert [h["id"] for h in hints] == ["identity/xy/balancing", "identity/mf2x2/balancing"]
    items = [C.identity_item(C._hint_loss(h), h["id"], h["checks"], symbols=h["symbols"])
             for h in hints]
    assert [r["status"] for r in V.verify(C.bundle(items))] == [V.VERIFIED] * 2
    wrong = copy.deepcopy(items[1])
    wrong["checks"][0]["rhs"] = wrong["checks"][0]["rhs"].replace("eta**2", "2*eta**2")
    assert _check(wrong)[0] == V.REFUTED
