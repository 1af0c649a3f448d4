"""Which length of M_WS(η) is Crăciun & Ghoshdastidar's "37.4"?

Their Fig. 2 normalises the length of the weakly stable minima of ½(1 − xy)²,
M_WS(η) = {xy = 1, λmax = x² + y² <= 2/η}, by its value at η = 0.1, "which is 37.4".
The Euclidean arc length of that set (both branches) is 14.47. This module evaluates
the plausible readings of "the length of M_WS(0.1)" side by side, by mpmath quadrature
of exact integrands between exact endpoints (numerical, to ``dps`` digits), and solves
for the window and the threshold that would give a requested value.

On a branch x > 0 of xy = 1, M_WS(η) is x ∈ [a, b] with a², b² = c/2 ∓ √(c²/4 − 1),
c = 2/η (the roots of x⁴ − c x² + 1); the other branch is its mirror image.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath as mp

__all__ = ["LengthReading", "length_readings", "threshold_for_length", "window_for_length"]


@dataclass(frozen=True)
class LengthReading:
    """One reading of "the length of M_WS(η)" and its value.

    Attributes
    ----------
    name
        Short name.
    description
        What is measured, in one sentence.
    value
        The length (mpmath number, ``dps`` digits).
    """

    name: str
    description: str
    value: mp.mpf


def _ends(c: mp.mpf) -> tuple[mp.mpf, mp.mpf]:
    s = mp.sqrt(c**2 / 4 - 1)
    return mp.sqrt(c / 2 - s), mp.sqrt(c / 2 + s)


def _arc(a: mp.mpf, b: mp.mpf, integrand=lambda x: mp.sqrt(1 + x**-4)) -> mp.mpf:
    """∫_a^b integrand dx, split at 1 (where the hyperbola bends)."""
    points = [a, 1, b] if a < 1 < b else [a, b]
    return mp.quad(integrand, points)


def _euclidean(c: mp.mpf) -> mp.mpf:
    """Arc length of {xy = 1, x² + y² <= c}, both branches."""
    return 2 * _arc(*_ends(c))


def length_readings(eta: object = "0.1", dps: int = 30) -> list[LengthReading]:
    """The readings of the length of M_WS(η) for ½(1 − xy)² (see the module docstring).

    Parameters
    ----------
    eta
        The step size (a decimal or fraction string, or a number).
    dps
        Working precision in decimal digits.
    """
    with mp.workdps(dps):
        eta = mp.mpf(mp.mpmathify(eta))
        c = 2 / eta
        a, b = _ends(c)
        return [
            LengthReading("euclidean", "arc length of {xy = 1, x² + y² <= 2/η}, both "
                          "branches (symstab's reading)", _euclidean(c)),
            LengthReading("one branch", "the same, one branch only", _euclidean(c) / 2),
            LengthReading("no ½", "loss (1 − xy)² without the ½: λmax = 2(x² + y²)",
                          _euclidean(c / 2)),
            LengthReading("4/η", "threshold λmax <= 4/η instead of 2/η", _euclidean(2 * c)),
            LengthReading("xy = ±1", "both hyperbolas xy = 1 and xy = −1 (four arcs)",
                          2 * _euclidean(c)),
            LengthReading("taxicab", "∫ |dx| + |dy| along both branches",
                          2 * ((b - a) + (1 / a - 1 / b))),
            LengthReading("log-coordinates", "range of t along x = eᵗ, y = e⁻ᵗ, both "
                          "branches", 2 * mp.log(b / a)),
            LengthReading("∫ √λmax ds", "arc length weighted by √λmax",
                          2 * _arc(a, b, lambda x: mp.sqrt(x**2 + x**-2)
                                   * mp.sqrt(1 + x**-4))),
            LengthReading("M in [−10, 10]²", "all of xy = 1 inside the square [−10, 10]² "
                          "(no stability condition)", 2 * _arc(mp.mpf(1) / 10, mp.mpf(10))),
            LengthReading("M in the disc r = 10", "all of xy = 1 inside the disc "
                          "x² + y² <= 100", _euclidean(mp.mpf(100))),
        ]


def threshold_for_length(length: object = "37.4", dps: int = 30) -> mp.mpf:
    """The c with Euclidean length of {xy = 1, x² + y² <= c} equal to ``length``
    (so η = 2/c would give it); found by mpmath.findroot."""
    with mp.workdps(dps):
        target = mp.mpf(mp.mpmathify(length))
        return mp.findroot(lambda c: _euclidean(c) - target, 4 + target**2 / 12)


def window_for_length(length: object = "37.4", dps: int = 30) -> mp.mpf:
    """The w with the length of xy = 1 inside [−w, w]² equal to ``length``."""
    with mp.workdps(dps):
        target = mp.mpf(mp.mpmathify(length))
        return mp.findroot(lambda w: 2 * _arc(1 / w, w) - target, 1 + target / 4)
