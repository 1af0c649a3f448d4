"""StepSize and Point: every spelling gives the exact value written by hand; bad ones fail."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from symstab.errors import InputError
from symstab.inputs import Point, StepSize, bounded_int

HALF = sp.Rational(1, 2)


@pytest.mark.parametrize(
    "spelling",
    ["1/2", "0.5", "5e-1", 0.5, Fraction(1, 2), HALF, mpmath.mpf(0.5), np.float64(0.5)],
)
def test_step_size_spellings_of_one_half(spelling) -> None:
    eta = StepSize.of(spelling)
    assert eta.exact == HALF
    assert eta.fraction == Fraction(1, 2)
    assert eta.as_float == 0.5
    assert eta.bounds() == (Fraction(1, 2), Fraction(1, 2))
    assert StepSize.of(eta) is eta


def test_float_is_the_decimal_it_spells_and_mpf_its_binary_value() -> None:
    assert StepSize.of(0.1).exact == sp.Rational(1, 10)
    assert StepSize.of(np.int64(2)).exact == 2
    # mpf(0.1) is the binary double nearest 1/10: 3602879701896397 / 2^55
    assert StepSize.of(mpmath.mpf(0.1)).exact == sp.Rational(3602879701896397, 2**55)


def test_irrational_step_size_is_enclosed() -> None:
    eta = StepSize.of("sqrt(2)/3")
    assert eta.exact == sp.sqrt(2) / 3
    assert not eta.is_rational and eta.fraction is None
    lo, hi = eta.bounds(30)
    # (lo, hi) brackets sqrt(2)/3: 9 lo^2 <= 2 <= 9 hi^2, exactly
    assert 9 * lo * lo <= 2 <= 9 * hi * hi
    assert hi - lo < Fraction(1, 10**25)
    assert abs(eta.as_float - 0.47140452079103168) < 1e-16


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "step size must be positive"),
        (-1, "step size must be positive"),
        (Fraction(-1, 2), "step size must be positive"),
        ("x", "step size must be a number"),
        (float("nan"), "step size must be a number"),
        (mpmath.mpf("inf"), "step size must be a number"),
        (True, "step size must be a number, not a boolean"),
        ([0.5], "step size must be text or a number"),
        ("__import__('os')", "unknown function '__import__'"),
    ],
)
def test_bad_step_sizes(value, message) -> None:
    with pytest.raises(InputError) as info:
        StepSize.of(value)
    assert message in str(info.value)
    assert info.value.where.split(",")[0] == "eta"


def test_point_spellings() -> None:
    p = Point.of(["1/3", 0.25, Fraction(1, 5), 2, sp.sqrt(2)], n=5)
    assert p.coords == (sp.Rational(1, 3), sp.Rational(1, 4), sp.Rational(1, 5), 2, sp.sqrt(2))
    assert p.floats[:4] == (1 / 3, 0.25, 0.2, 2.0)
    assert Point.of(p) is p
    assert list(Point.of(np.array([0.5, -1.0]))) == [HALF, -1]
    assert len(p) == 5 and p[0] == sp.Rational(1, 3)


@pytest.mark.parametrize(
    "value", ["1,2", 3, [1, "x"], [1, float("inf")], [1, "1/0"], np.zeros((2, 2)), [1, 2, 3]]
)
def test_bad_points(value) -> None:
    with pytest.raises(InputError) as info:
        Point.of(value, n=2)
    assert info.value.where.split(",")[0] == "theta0"


def test_bounded_int() -> None:
    assert bounded_int(np.int64(5), "steps", 1, 10) == 5
    for bad in (0, 11, 2.0, True, "3"):
        with pytest.raises(InputError):
            bounded_int(bad, "steps", 1, 10)
