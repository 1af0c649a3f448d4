"""Catalog entries and the Loss type."""

import pytest
import sympy as sp

from symstab.errors import InputError
from symstab.loss import Loss, load_loss

x, y = sp.symbols("x y", real=True)


def test_chen_losses_match_the_paper():
    # Chen et al. (2024), eqs. (43)-(46), typed in by hand
    expected = {
        "f1": x**2 + y**2 + x**2 * y + x**3 + y**3,
        "f2": x**2 + y**2 + x**2 * y + x**4 + y**4,
        "f3": x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1,
        "f4": (1 - x * y) ** 2 + sp.Rational(1, 20) * (x**2 + y**2),
    }
    for name, expr in expected.items():
        loss = Loss.from_catalog(name)
        assert sp.expand(loss.expr - expr) == 0
        assert loss.params == (x, y)
        assert "eq. (4" in loss.source


def test_linear_network_losses():
    a, b, c = sp.symbols("a b c", real=True)
    assert Loss.from_catalog("xy").expr == sp.Rational(1, 2) * (1 - x * y) ** 2
    assert Loss.from_catalog("(1-xy)^2").expr == (1 - x * y) ** 2
    assert Loss.from_catalog("chain3").expr == sp.Rational(1, 2) * (1 - a * b * c) ** 2
    chain5 = Loss.from_catalog("deep-chain-5")
    assert chain5.n == 5
    assert chain5.expr == sp.Rational(1, 2) * (1 - sp.Mul(*chain5.params)) ** 2


def test_bad_catalog_names():
    with pytest.raises(InputError, match="between 2 and 12"):
        Loss.from_catalog("deep-chain-1")
    with pytest.raises(InputError, match="unknown catalog loss"):
        Loss.from_catalog("f9")


def test_load_loss_prefers_catalog_then_text():
    assert load_loss("f4").name == "f4"
    assert load_loss("x**2/2").expr == x**2 / 2
    with pytest.raises(InputError):
        load_loss("   ")


def test_from_expr_makes_symbols_real_and_rejects_constants():
    z = sp.Symbol("z")
    loss = Loss.from_expr(z**2)
    assert loss.params[0].is_real
    with pytest.raises(InputError, match="constant"):
        Loss.from_expr(sp.Integer(3) + 0 * x, (x,))


def test_text_round_trip_of_catalog():
    for name in ["f1", "f2", "f3", "f4", "xy", "xy2", "chain3"]:
        loss = Loss.from_catalog(name)
        again = Loss.from_text(loss.to_text(), [p.name for p in loss.params])
        assert again.expr == loss.expr
