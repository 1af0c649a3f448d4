"""Readings of the length of M_WS(0.1) for ½(1 − xy)² (Crăciun & Ghoshdastidar, Fig. 2)."""

from __future__ import annotations

import math

import numpy as np

from symstab.exact.mws_lengths import length_readings, threshold_for_length, window_for_length


def _polyline(lo: float, hi: float, n: int = 400_001) -> float:
    x = np.geomspace(lo, hi, n)
    return float(np.sum(np.hypot(np.diff(x), np.diff(1 / x))))


def test_readings_against_closed_forms_and_polylines() -> None:
    r = {x.name: float(x.value) for x in length_readings("0.1")}
    # ends: x² = 10 ∓ √99, a·b = 1, so b − a = √(20 − 2)
    a, b = math.sqrt(10 - math.sqrt(99)), math.sqrt(10 + math.sqrt(99))
    assert abs(r["euclidean"] - 2 * _polyline(a, b)) < 1e-6
    assert abs(r["one branch"] - r["euclidean"] / 2) < 1e-12
    assert abs(r["taxicab"] - 4 * math.sqrt(18)) < 1e-12
    assert abs(r["log-coordinates"] - 2 * math.log(10 + math.sqrt(99))) < 1e-12
    assert abs(r["M in [−10, 10]²"] - 2 * _polyline(0.1, 10)) < 1e-6
    # no ½: x² + y² <= 10, ends x² = 5 ∓ √24
    a2, b2 = math.sqrt(5 - math.sqrt(24)), math.sqrt(5 + math.sqrt(24))
    assert abs(r["no ½"] - 2 * _polyline(a2, b2)) < 1e-6
    # none of the readings is the paper's 37.4
    assert all(abs(v - 37.4) > 0.5 for v in r.values())


def test_threshold_and_window_that_give_37_4() -> None:
    c = float(threshold_for_length("37.4"))
    s = math.sqrt(c * c / 4 - 1)
    assert abs(2 * _polyline(math.sqrt(c / 2 - s), math.sqrt(c / 2 + s)) - 37.4) < 1e-6
    w = float(window_for_length("37.4"))
    assert abs(2 * _polyline(1 / w, w) - 37.4) < 1e-6
    assert 103 < c < 105 and 10 < w < 10.5
