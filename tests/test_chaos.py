"""Lyapunov exponents of the GD map (:mod:`symstab.dynamics.lyapunov`).

Expected values are derived by hand, never read off the code:

* f(x) = 4x³/3 − 3x²/2 at η = 1: G(x) = x − (4x² − 3x) = 4x(1 − x), the logistic map at
  r = 4, conjugate to the tent map by x = sin²(πu/2); its exponent is ln 2 for almost
  every start in (0, 1).
* f = ½θᵀAθ (constant Hessian A): DG = I − ηA for every θ, so the exponents are
  log|1 − ηλ_i| over the eigenvalues λ_i of A, sorted decreasingly.
* f4 = (1 − xy)² + (x² + y²)/20 at its minimum t(1, 1), t² = 19/20: H = [[2, 9/5], [9/5, 2]]
  (eigenvalues 19/5 and 1/5); at η = 3/10 the exponents of a converging orbit are
  log|1 − 57/50| = log(7/50) and log(47/50).
* f = x²/2 − x⁴/4 (f' = x − x³): G(x) = (1 − η)x + ηx³ has the 2-cycle ±p with
  p² = (η − 2)/η for η > 2, G'(±p) = 1 − η + 3ηp² = 2η − 5; at η = 11/5 the cycle is
  attracting with exponent log|2η − 5| = log(3/5).
* f = x²/2: G(x) = (1 − η)x; at η = 2 it is x ↦ −x (exponent 0, period 2), at η = 3
  x ↦ −2x diverges.
"""

import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from symstab.cli import main
from symstab.codegen import compile_loss
from symstab.dynamics.lyapunov import VERDICTS, lyapunov_run, lyapunov_spectrum
from symstab.errors import InputError
from symstab.loss import Loss

R = sp.Rational
x, y = sp.symbols("x y", real=True)


def _loss(expr, params, name):
    return Loss.from_expr(expr, params, name=name)


def test_logistic_conjugate_gd_map_has_exponent_ln2():
    loss = _loss(R(4, 3) * x**3 - R(3, 2) * x**2, (x,), "logistic")
    target = compile_loss(loss.expr, loss.params).mpmath(30)
    for x0 in ("0.3", "0.77", "0.123"):  # the GD map is the logistic map (hand-derived)
        (x1,) = target.step([x0], 1)
        v = Fraction(x0)
        got = Fraction(*map(int, mpmath.libmp.to_rational(x1._mpf_)))  # exact, no float()
        assert abs(got - 4 * v * (1 - v)) < Fraction(1, 10**28)
    r = lyapunov_spectrum(loss, 1, ["0.3"], steps=3000)
    assert r.verdict == "chaotic"
    assert r.period is None and r.strength == "numerical"
    # Reference: with x = sin²(πu/2) the map is the tent map T (|T'| = 2), and
    # G'(x_i) h'(u_i) = 2 h'(u_{i+1}) with h'(u) = (π/2) sin(πu) = π √(x(1 − x)). The sum
    # telescopes along the computed orbit: over the counted steps k = 600..2999
    # (transient = steps/5), λ = ln 2 + [log √(x₃₀₀₀(1 − x₃₀₀₀)) − log √(x₆₀₀(1 − x₆₀₀))]/2400,
    # up to rounding at 30 digits. x₆₀₀ and x₃₀₀₀ are the ends of runs of 600 and 3000 steps.
    x600 = lyapunov_run(loss, 1, ["0.3"], steps=600, transient=0, dps=30).final[0]
    x3000 = lyapunov_run(loss, 1, ["0.3"], steps=3000, dps=30).final[0]
    with mpmath.workdps(40):
        def w(v):
            v = mpmath.mpf(v)
            return mpmath.log(mpmath.sqrt(v * (1 - v)))

        want = mpmath.log(2) + (w(x3000) - w(x600)) / 2400
    assert abs(r.largest - float(want)) < 1e-14
    assert abs(r.largest - math.log(2)) < 1e-3  # the finite-orbit bias is ~4e-5 here


def test_diagonal_quadratic_exponents_are_exact():
    loss = _loss(R(3, 2) * x**2 + R(1, 4) * y**2, (x, y), "q")  # A = diag(3, 1/2)
    r = lyapunov_spectrum(loss, R(1, 2), ["1", "1"], steps=400)
    expected = sorted([math.log(abs(1 - 0.5 * 3)), math.log(abs(1 - 0.5 * 0.5))], reverse=True)
    assert r.exponents == pytest.approx(expected, abs=1e-14)
    assert r.verdict == "periodic" and r.period == 1


def test_qr_method_against_eigenvalues_of_a_rotated_quadratic():
    # A = [[2, 1], [1, 2]]: eigenvalues 3 and 1 along (1, 1) and (1, -1).
    loss = _loss(x**2 + x * y + y**2, (x, y), "rot")
    eta = R(3, 5)
    r = lyapunov_spectrum(loss, eta, ["1", "0"], steps=500)
    lam = sorted([math.log(abs(1 - 0.6 * 3)), math.log(abs(1 - 0.6 * 1))], reverse=True)
    assert r.exponents == pytest.approx(lam, abs=1e-12)
    assert max(r.errors) < 1e-10


def test_f4_converging_orbit_has_the_minimum_exponents():
    f4 = Loss.from_catalog("f4")
    r = lyapunov_spectrum(f4, R(3, 10), [R(3, 2), 2], steps=2000)
    assert r.exponents == pytest.approx([math.log(47 / 50), math.log(7 / 50)], abs=1e-10)
    assert r.verdict == "periodic" and r.period == 1
    # The unstable start of Chen et al.'s Fig. 3 ends at the same minimum.
    r2 = lyapunov_spectrum(f4, R(3, 10), [R(1, 10), R(5, 2)], steps=2000)
    assert r2.exponents == pytest.approx(r.exponents, abs=1e-10)


def test_attracting_two_cycle_of_a_quartic():
    loss = _loss(x**2 / 2 - x**4 / 4, (x,), "flip")
    eta = R(11, 5)
    p = math.sqrt((2.2 - 2) / 2.2)
    r = lyapunov_spectrum(loss, eta, ["0.3"], steps=2000)
    assert r.verdict == "periodic" and r.period == 2
    assert r.largest == pytest.approx(math.log(abs(2 * 2.2 - 5)), abs=1e-10)
    run = lyapunov_run(loss, eta, ["0.3"], steps=2000, dps=30)
    assert abs(abs(float(run.final[0])) - p) < 1e-12


def test_neutral_cycle_is_not_called_periodic_or_chaotic():
    loss = _loss(x**2 / 2, (x,), "half-square")
    r = lyapunov_spectrum(loss, 2, ["1/3"], steps=200)
    assert r.largest == 0.0  # log|1 - 2| = 0 exactly
    assert r.period == 2
    assert r.verdict == "undetermined"


def test_diverging_orbit():
    loss = _loss(x**2 / 2, (x,), "half-square")
    r = lyapunov_spectrum(loss, 3, ["1"], steps=200)
    assert r.verdict == "diverged" and r.diverged_at is not None
    assert all(math.isnan(v) for v in r.exponents)
    json.dumps(r.to_dict())


def _diagonal_cubic_exponents(eta: float) -> tuple[float, float, float]:
    """Mean log|1 + η − 3ηx²| and log|1 − η + ηx²| along orbits of (1 + η)x − ηx³.

    Returns the two means and the standard error of the first over 50 orbits.
    """
    xs = np.linspace(0.2, 0.9, 50)
    with np.errstate(all="ignore"):
        for _ in range(2000):
            xs = (1 + eta) * xs - eta * xs**3
        along, across = np.zeros_like(xs), np.zeros_like(xs)
        for _ in range(40000):
            along += np.log(np.abs(1 + eta - 3 * eta * xs**2))
            across += np.log(np.abs(1 - eta + eta * xs**2))
            xs = (1 + eta) * xs - eta * xs**3
    along, across = along / 40000, across / 40000
    assert np.all(np.isfinite(along))
    return float(along.mean()), float(across.mean()), float(along.std() / np.sqrt(50))


def test_xy_chaos_and_period_two_at_large_steps():
    xy = Loss.from_catalog("xy")
    chaotic = lyapunov_spectrum(xy, R(19, 10), ["0.7", "0.6"], steps=2000)
    assert chaotic.verdict == "chaotic"
    assert chaotic.largest > 3 * chaotic.errors[0]
    # Reference: with u = x − y, r = 1 − xy, u' = u(1 − ηr); on the diagonal r = 1 − x² and
    # 1 − ηr = 1 − η + ηx² has |·| < 1 on average (exponent below), so the orbit lands on
    # x = y, where GD is G(x) = (1 + η)x − ηx³. The exponents are then the averages of
    # log|G'(x)| = log|1 + η − 3ηx²| (along) and log|1 − η + ηx²| (across) over the
    # attractor, estimated by a NumPy loop: 50 orbits × 40000 steps.
    along, across, spread = _diagonal_cubic_exponents(1.9)
    assert abs(chaotic.exponents[0] - along) <= 3 * chaotic.errors[0] + 3 * spread
    assert abs(chaotic.exponents[1] - across) <= 3 * chaotic.errors[1] + 3 * spread
    periodic = lyapunov_spectrum(xy, R(6, 5), ["0.63", "0.43"], steps=1500)
    assert periodic.verdict == "periodic" and periodic.period == 2
    # second method: exponents of a 2-cycle = (1/2) log|eig(DG(p2) DG(p1))|
    target = compile_loss(xy.expr, xy.params).mpmath(30)
    run = lyapunov_run(xy, R(6, 5), ["0.63", "0.43"], steps=1500, dps=30)
    p1 = run.final
    p2 = target.step(p1, R(6, 5))
    J = [np.eye(2) - 1.2 * np.array(target.hessian(p), dtype=float) for p in (p1, p2)]
    mu = np.abs(np.linalg.eigvals(J[1] @ J[0]))
    expected = sorted(0.5 * np.log(mu), reverse=True)
    assert periodic.exponents == pytest.approx(expected, abs=1e-8)


def test_to_dict_keys_and_verdicts():
    loss = _loss(x**2 / 2, (x,), "half-square")
    d = lyapunov_spectrum(loss, R(1, 2), ["1"], steps=100).to_dict()
    assert {"verdict", "exponents", "errors", "exponents_check", "margin", "period", "dps",
            "dps_check", "steps", "transient", "strength", "evidence"} <= set(d)
    assert d["verdict"] in VERDICTS and d["strength"] == "numerical"


@pytest.mark.parametrize("kwargs", [{"steps": 1}, {"steps": 100, "transient": 100},
                                    {"dps": 5}, {"blocks": 1}])
def test_bad_arguments_raise_input_error(kwargs):
    loss = _loss(x**2 / 2, (x,), "half-square")
    with pytest.raises(InputError):
        lyapunov_spectrum(loss, R(1, 2), ["1"], **kwargs)


def test_bad_eta_and_start():
    loss = _loss(x**2 / 2, (x,), "half-square")
    with pytest.raises(InputError):
        lyapunov_spectrum(loss, "-1", ["1"])
    with pytest.raises(InputError):
        lyapunov_spectrum(loss, "1/2", ["1", "2"])
    with pytest.raises(InputError):
        lyapunov_spectrum(loss, "1/2", ["__import__('os')"])


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json(capsys):
    code, out, err = _run(capsys, "lyapunov", "xy", "--eta", "19/10", "--from", "0.7,0.6",
                          "--steps", "1000", "--format", "json")
    assert code == 0, err
    d = json.loads(out)
    assert d["verdict"] == "chaotic"
    assert {"exponents", "errors", "dps", "dps_check", "steps", "evidence"} <= set(d)


def test_cli_table(capsys, tmp_path):
    # f4 at eta = 3/10 from (1.5, 2) converges to a minimum: exponents log|1 - eta*lambda|
    # = log(47/50) and log(7/50) with lambda = 1/5, 19/5 (Chen et al.), verdict periodic
    png = tmp_path / "lyap.png"
    code, out, _ = _run(capsys, "lyapunov", "f4", "--eta", "0.3", "--from", "1.5,2",
                        "--steps", "1000", "--plot", str(png))
    assert code == 0 and "verdict: periodic" in out
    assert png.stat().st_size > 10_000
    code, _, err = _run(capsys, "lyapunov", "f4", "--eta", "0.3", "--from", "1.5,2",
                        "--plot", str(tmp_path / "no" / "such" / "dir.png"))
    assert code == 2 and err.count("\n") == 1


@pytest.mark.parametrize("args", [
    ["--eta", "0", "--from", "0.7,0.6"],
    ["--eta", "abc", "--from", "0.7,0.6"],
    ["--eta", "1", "--from", "0.7"],
    ["--eta", "1", "--from", "0.7,zz"],
    ["--eta", "1", "--from", "0.7,0.6", "--dps", "3"],
    ["--eta", "1", "--from", "0.7,0.6", "--steps", "2"],
])
def test_cli_bad_input_exit_2(capsys, args):
    code, _, err = _run(capsys, "lyapunov", "xy", *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("symstab: error:")
