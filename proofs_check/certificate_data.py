"""Certificate data for claims whose verdict rests on a few exact identities.

:func:`extra_certificates` gives, by claim id, the hints (``symstab.certificates``) that
``proofs-check --certificate`` turns into ``identity`` and ``threshold`` items. Each
identity is re-derived by ``symstab-verify`` from the loss text (the names f, D_p, D_p_q,
G_p stand for the loss, its derivatives and the GD map); the ``statement`` says how the
claim follows from it. A claim's own check is not touched: these are attached only when
the bundle is written, to claims with the verdict they support.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symstab.certificates import identity_hint
from symstab.certificates_linear import linear_net_hint
from symstab.loss import Loss

__all__ = ["CLAIM_IDS", "descent_witness_hint", "extra_certificates"]


def _zero(lhs: str, rhs: str = "0", **at: dict[str, str]) -> dict:
    return {"lhs": lhs, "rhs": rhs, "is": "zero", **at}


def _sign(lhs: str, rhs: str, sign: str, point: dict[str, str], **at: dict[str, str]) -> dict:
    return {"lhs": lhs, "rhs": rhs, "is": sign, "point": point, **at}


_HESS_DET = "D_x_x*D_y_y - D_x_y**2"
_ON_XY1 = {"x": "t", "y": "1/t"}


def _xy_minima() -> dict:
    """½(1 − xy)²: minima, critical points and λmax along xy = 1."""
    return identity_hint(
        Loss.from_catalog("xy"), "identity/xy/minima", [
            _zero("f", "(1 - x*y)**2/2"),
            _zero("D_x", "-(1 - x*y)*y"), _zero("D_y", "-(1 - x*y)*x"),
            _sign(_HESS_DET, "0", "negative", {"x": "0", "y": "0"}),
            _zero("f", lhs_at=_ON_XY1), _zero(_HESS_DET, lhs_at=_ON_XY1),
            _zero("D_x_x + D_y_y", "2 + (t - 1/t)**2", lhs_at=_ON_XY1)],
        symbols=["t"],
        statement="f = ½(1 − xy)² >= 0 vanishes exactly on xy = 1, the points (t, 1/t); "
                  "∇f = −(1 − xy)(y, x) also vanishes only at (0, 0), a saddle (det ∇²f < 0); "
                  "so every local minimiser is global. On xy = 1, det ∇²f = 0 and "
                  "tr ∇²f = 2 + (t − 1/t)², so λmax = 2 + (t − 1/t)² >= 2 with equality "
                  "exactly at (±1, ±1): inf λmax = 2 (critical η = 1), and λmax <= 2/η "
                  "bounds t² + 1/t² (a bounded set)")


def _xy_sharper_unbalanced() -> dict:
    return identity_hint(
        Loss.from_catalog("xy"), "identity/xy/unbalanced-sharper", [
            _sign("D_x_x + D_y_y", "D_x_x + D_y_y", "positive", {"t": "2"},
                  lhs_at=_ON_XY1, rhs_at={"x": "1", "y": "1"}),
            _zero(_HESS_DET, lhs_at=_ON_XY1)],
        symbols=["t"],
        statement="on xy = 1 (det ∇²f = 0, so λmax = tr ∇²f) λmax at (2, 1/2) exceeds "
                  "λmax at (1, 1): the unbalanced minimum is not the flattest")


def _f1_local_not_global() -> dict:
    return identity_hint(
        Loss.from_catalog("f1"), "identity/f1/local-not-global", [
            _sign("D_x", "0", "zero", {"x": "0", "y": "0"}),
            _sign("D_y", "0", "zero", {"x": "0", "y": "0"}),
            _sign("D_x_x", "0", "positive", {"x": "0", "y": "0"}),
            _sign(_HESS_DET, "0", "positive", {"x": "0", "y": "0"}),
            _sign("f", "f", "negative", {"x": "-10", "y": "0"}, rhs_at={"x": "0", "y": "0"})],
        statement="(0, 0) is a strict local minimum of f1 (∇f = 0, ∇²f positive definite) "
                  "but f1(−10, 0) < f1(0, 0): it is not a global minimiser")


def _xy_nonconvex() -> dict:
    return identity_hint(
        Loss.from_catalog("xy"), "identity/xy/nonconvex",
        [_sign(_HESS_DET, "0", "negative", {"x": "0", "y": "0"})],
        statement="det ∇²f(0, 0) < 0: the Hessian is indefinite there, so f is not convex")


def _xy_rescaling(same: bool) -> dict:
    if same:
        return identity_hint(
            Loss.from_catalog("xy"), "identity/xy/rescale-both",
            [_sign("f", "f", "nonzero", {"x": "1", "y": "1", "c": "2"},
                   lhs_at={"x": "c*x", "y": "c*y"})],
            symbols=["c"], statement="f(2, 2) ≠ f(1, 1): (x, y) ↦ (cx, cy) changes f")
    return identity_hint(
        Loss.from_catalog("xy"), "identity/xy/rescale",
        [_zero("f", "f", lhs_at={"x": "c*x", "y": "y/c"})],
        symbols=["c"], statement="f(cx, y/c) = f(x, y) identically (c ≠ 0)")


def _smooth(text: str, checks: list[dict], statement: str) -> dict:
    loss = Loss.from_text(text, "x")
    return identity_hint(loss, f"identity/{text}/hessian", checks, statement=statement)


def _xy_unbounded_hessian() -> dict:
    return identity_hint(
        Loss.from_catalog("xy"), "identity/xy/hessian", [_zero("D_x_x", "y**2")],
        statement="∂²f/∂x² = y² is unbounded, so ∇f is not Lipschitz on ℝ²")


def _balancing_xy() -> dict:
    return identity_hint(
        Loss.from_catalog("xy"), "identity/xy/balancing",
        [_zero("x**2 - y**2", "(1 - eta**2*(1 - x*y)**2)*(x**2 - y**2)",
               lhs_at={"x": "G_x", "y": "G_y"})],
        symbols=["eta"],
        statement="one GD step maps x² − y² to (1 − η²(1 − xy)²)(x² − y²)")


def _balancing_matrix() -> dict:
    """½‖Y − UVᵀ‖² with 2 × 2 factors and a symbolic 2 × 2 target (12 parameters)."""
    import sympy as sp

    def mat(c: str) -> sp.Matrix:
        return sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"{c}{i}{j}", real=True))

    u, v, y, eta = mat("u"), mat("v"), mat("y"), sp.Symbol("eta")
    fro = lambda m: sum(e**2 for e in m)  # noqa: E731
    res = u * v.T - y
    names = [str(s) for s in (*u, *v, *y)]
    loss = Loss.from_text(sp.sstr(sp.expand(fro(res) / 2)), names)
    imbalance = sp.sstr(fro(u) - fro(v))
    step = {str(s): f"G_{s}" for s in (*u, *v)}
    return identity_hint(
        loss, "identity/mf2x2/balancing",
        [_zero(imbalance, sp.sstr(fro(u) - fro(v) + eta**2 * (fro(res * v) - fro(res.T * u))),
               lhs_at=step)],
        symbols=["eta"],
        statement="for f = ½‖Y − UVᵀ‖² (U, V, Y 2 × 2, Y symbolic) one GD step on U, V "
                  "maps D = ‖U‖² − ‖V‖² to D + η²(‖RV‖² − ‖RᵀU‖²), R = UVᵀ − Y")


def _f3_axes() -> dict:
    return identity_hint(
        Loss.from_catalog("f3"), "identity/f3/axes", [
            _zero("f", "1 + x**2*y**2*(y**2 - 3) + x**4*y**2"),
            _zero("f", "f", rhs_at={"x": "y", "y": "x"}),
            _zero("D_x", lhs_at={"x": "0"}), _zero("D_y", lhs_at={"x": "0"})],
        statement="f3 is symmetric in x and y, ∇f3 = 0 on the axis x = 0, f3 = 1 along it, "
                  "and f3 − 1 = x²y²(y² − 3) + x⁴y²",
        partial="the identities are exported; the local classification of the axis points "
                "(min for |t| > √3, max for |t| < √3, neither at √3, never strict) is read "
                "off the last one by hand")


def _xy_smooth() -> dict:
    return identity_hint(
        Loss.from_catalog("xy"), "identity/xy/smooth-minima",
        [_zero("f", "(1 - x*y)**2/2"), _zero("f", lhs_at=_ON_XY1)],
        symbols=["t"],
        statement="f = ½(1 − xy)² vanishes exactly on xy = 1 (the points (t, 1/t)), a level "
                  "set of h = xy whose gradient (y, x) does not vanish on it: a smooth curve")


def _diagonal_period_two() -> dict:
    loss = Loss.from_text("(x**2 - 1)**2/4", "x")
    return identity_hint(
        loss, "identity/diag-xy/period-2", [
            _zero("G_x", "x + eta*x*(x - 1)*(x + 1)*(eta*x**2 - eta - 2)"
                         "*(eta**2*x**4 - eta**2*x**2 - eta*x**2 + 1)", lhs_at={"x": "G_x"}),
            _zero("G_x", "-G_x", lhs_at={"x": "-x"}),
            _zero("(eta**2 + eta)**2 - 4*eta**2", "eta**2*(eta - 1)*(eta + 3)")],
        symbols=["eta"],
        statement="on the diagonal GD is g(x) = x − ηx(x² − 1) (GD on (x² − 1)²/4), g is odd, "
                  "and g(g(x)) − x = ηx(x − 1)(x + 1)(ηx² − η − 2)(η²x⁴ − (η² + η)x² + 1): "
                  "besides the fixed points, the symmetric orbit {±√(1 + 2/η)} (real for "
                  "every η > 0) and the roots of a quadratic in x² with positive root sum "
                  "and product and discriminant η²(η − 1)(η + 3), real exactly for η > 1")


def _xy_diagonal_map() -> dict:
    return identity_hint(
        Loss.from_catalog("xy"), "identity/xy/diagonal-map",
        [_zero("G_x", "x - eta*x*(x**2 - 1)", lhs_at={"y": "x"}),
         _zero("G_y", "x - eta*x*(x**2 - 1)", lhs_at={"y": "x"})],
        symbols=["eta"],
        statement="GD on ½(1 − xy)² maps (x, x) to (g(x), g(x)), g(x) = x − ηx(x² − 1): the "
                  "diagonal is invariant")


def _q13_descent(h: str, holds: bool) -> dict:
    loss = Loss.from_text("x**2/2 + 3*y**2/2", "x,y")
    identity = _zero("f", "f - eta*(D_x**2*(1 - eta*D_x_x/2) + D_y**2*(1 - eta*D_y_y/2))",
                     lhs_at={"x": "G_x", "y": "G_y"})
    if holds:
        return identity_hint(
            loss, "identity/q13/descent", [
                identity, _zero("D_x_y"),
                _sign("1 - eta*D_x_x/2", "0", "positive", {"eta": h}),
                _sign("1 - eta*D_y_y/2", "0", "positive", {"eta": h})],
            symbols=["eta"],
            statement=f"f(θ − η∇f) − f(θ) = −η[(∂ₓf)²(1 − η∂ₓₓf/2) + (∂ᵧf)²(1 − η∂ᵧᵧf/2)] "
                      f"with constant ∂ₓₓf = 1, ∂ᵧᵧf = 3, and both factors are > 0 at "
                      f"η = {h}: no step raises f")
    return identity_hint(
        loss, "identity/q13/rise", [
            _sign("f", "f", "positive", {"eta": h, "x": "0", "y": "1"},
                  lhs_at={"x": "G_x", "y": "G_y"})],
        symbols=["eta"], statement=f"at η = {h} one step from (0, 1) raises f")


def _diagonal_multipliers() -> dict:
    # g acts on each coordinate of GD on (x² − 1)²/4 + (y² − 1)²/4, so one expression
    # holds the product g'(p)g'(q) over a period-2 orbit {p, q}
    loss = Loss.from_text("(x**2 - 1)**2/4 + (y**2 - 1)**2/4", "x,y")
    p, q = ("(sqrt(1 + 3/eta) + sqrt(1 - 1/eta))/2", "(sqrt(1 + 3/eta) - sqrt(1 - 1/eta))/2")
    r = "sqrt(1 + 2/eta)"
    mult = "(1 - eta*D_x_x)*(1 - eta*D_y_y)"
    return identity_hint(
        loss, "identity/diag-xy/period-2-multipliers", [
            _zero("G_x", q, lhs_at={"x": p}), _zero("G_y", p, lhs_at={"y": q}),
            _zero(mult, "9 - 2*(1 + eta)**2", lhs_at={"x": p, "y": q}),
            _zero("G_x", "-x", lhs_at={"x": r}, rhs_at={"x": r}),
            _zero(mult, "(5 + 2*eta)**2", lhs_at={"x": r, "y": f"-{r}"})],
        symbols=["eta"],
        statement="g(x) = x − ηx(x² − 1) maps p = (√(1 + 3/η) + √(1 − 1/η))/2 to q = "
                  "(√(1 + 3/η) − √(1 − 1/η))/2 and back (a mirror pair, real for η >= 1) with "
                  "multiplier g'(p)g'(q) = 9 − 2(1 + η)², in (−1, 1) iff 1 < η < √5 − 1; "
                  "it maps √(1 + 2/η) to its negative with multiplier (5 + 2η)² > 1 (never "
                  "stable)")


def _chain3_minima() -> dict:
    """(1 − abc)²/2: minima abc = 1, rank-one Hessian there, λmax = tr >= 3 (AM–GM)."""
    on = {"a": "s", "b": "t", "c": "1/(s*t)"}
    cube = {"a": "sqrt(u**3)", "b": "sqrt(v**3)", "c": "1/sqrt(u**3*v**3)"}
    trace = "D_a_a + D_b_b + D_c_c"
    minors = "D_a_a*D_b_b - D_a_b**2 + D_a_a*D_c_c - D_a_c**2 + D_b_b*D_c_c - D_b_c**2"
    det = ("D_a_a*(D_b_b*D_c_c - D_b_c**2) - D_a_b*(D_a_b*D_c_c - D_b_c*D_a_c)"
           " + D_a_c*(D_a_b*D_b_c - D_b_b*D_a_c)")
    return identity_hint(
        Loss.from_catalog("chain3"), "identity/chain3/minima", [
            _zero("f", "(1 - a*b*c)**2/2"), _zero("f", lhs_at=on),
            _zero(minors, lhs_at=on), _zero(det, lhs_at=on),
            _zero(trace, "1/s**2 + 1/t**2 + s**2*t**2", lhs_at=on),
            _zero(trace, "3 + (1/u + 1/v + u*v)*((1/u - 1/v)**2 + (1/v - u*v)**2"
                         " + (u*v - 1/u)**2)/2", lhs_at=cube)],
        symbols=["s", "t", "u", "v"],
        statement="f = ½(1 − abc)² vanishes exactly on abc = 1, the points (s, t, 1/(st)), "
                  "a level set of abc whose gradient (bc, ac, ab) does not vanish there (a "
                  "smooth manifold); there the Hessian has two zero eigenvalues (its 2×2 "
                  "minors sum and its determinant vanish), so λmax = tr = 1/s² + 1/t² + "
                  "s²t²; with u = (s²)^(1/3), v = (t²)^(1/3) > 0 the last identity gives "
                  "λmax >= 3, with equality iff s² = t² = 1: inf λmax = 3, critical η = 2/3, "
                  "and λmax <= 2/η bounds 1/s², 1/t² and s²t², so the stable minima are "
                  "bounded")


def _taylor(name: str) -> dict:
    """Chen eq. (9) on a two-parameter loss: the remainder as an integral over s."""
    shift = {"x": "x - s*eta*D_x", "y": "y - s*eta*D_y", "u": "D_x", "v": "D_y"}
    return identity_hint(
        Loss.from_catalog(name), f"identity/{name}/taylor-remainder", [
            {"lhs": "f", "lhs_at": {"x": "G_x", "y": "G_y"}, "is": "zero",
             "rhs": "f - eta*(D_x**2 + D_y**2) + eta**2*(1 - s)*Q",
             "defs": {"Q": {"text": "D_x_x*u**2 + 2*D_x_y*u*v + D_y_y*v**2", "at": shift}},
             "integrate": ["s", "0", "1"]}],
        symbols=["eta", "s", "u", "v"],
        statement="f(θ − η∇f) = f(θ) − η‖∇f‖² + η²∫₀¹(1 − s)∇fᵀ∇²f(θ − sη∇f)∇f ds for "
                  "every θ and η (Q is the quadratic form of the Hessian at θ − sη∇f(θ) "
                  "applied to ∇f(θ))")


def _thresholds(name: str) -> dict:
    loss = Loss.from_catalog(name)
    return {"kind": "thresholds", "loss": {"text": str(loss.expr), "params":
                                           [p.name for p in loss.params], "name": loss.name}}


_BY_ID: dict[str, Callable[[], list[dict]]] = {
    "taowang.local-minima-global.xy": lambda: [_xy_minima()],
    "taowang.balanced-flattest.xy": lambda: [_xy_minima()],
    "craciun.critical-eta.xy": lambda: [_xy_minima()],
    "craciun.stable-bounded.xy": lambda: [_xy_minima()],
    "false.flattest.xy-unbalanced": lambda: [_xy_sharper_unbalanced()],
    "false.local-minima-global.f1": lambda: [_f1_local_not_global()],
    "taowang.nonconvex.xy": lambda: [_xy_nonconvex()],
    "false.convex.xy": lambda: [_xy_nonconvex()],
    "taowang.rescaling.xy": lambda: [_xy_rescaling(False)],
    "false.rescaling.xy-same-factor": lambda: [_xy_rescaling(True)],
    "taowang.smoothness.x2": lambda: [_smooth("x**2", [_zero("D_x_x", "2")],
                                              "f'' = 2 everywhere: f' is 2-Lipschitz")],
    "taowang.smoothness.x4": lambda: [_smooth("x**4", [_zero("D_x_x", "12*x**2")],
                                              "f'' = 12x² is unbounded: f' is not Lipschitz")],
    "false.smoothness.x4-12": lambda: [_smooth(
        "x**4", [_sign("D_x_x", "12", "positive", {"x": "2"})],
        "f''(2) = 48 > 12: f' is not 12-Lipschitz near x = 2")],
    "taowang.smoothness.xy": lambda: [_xy_unbounded_hessian()],
    "balancing.identity": lambda: [_balancing_xy(), _balancing_matrix()],
    "chen.f3-axes.printed": lambda: [_f3_axes()],
    "chen.f3-axes.corrected": lambda: [_f3_axes()],
    "false.f3-axes.strict-minima": lambda: [_f3_axes()],
    "false.threshold.f4-11_19": lambda: [_thresholds("f4")],
    "chen.taylor-remainder.f1": lambda: [_taylor("f1")],
    "chen.taylor-remainder.f4": lambda: [_taylor("f4")],
    "craciun.smooth-manifold.xy": lambda: [_xy_smooth()],
    "craciun.critical-eta.chain3": lambda: [_chain3_minima()],
    "craciun.smooth-manifold.chain3": lambda: [_chain3_minima()],
    "craciun.stable-bounded.chain3": lambda: [_chain3_minima()],
    "taowang.descent-regime.q13": lambda: [_q13_descent("1/2", True)],
    "false.descent-regime.q13-h-7_10": lambda: [_q13_descent("7/10", False)],
    "orbits.diag-xy.period2-exists": lambda: [_xy_diagonal_map(), _diagonal_period_two()],
    "orbits.diag-xy.period2-stable": lambda: [_xy_diagonal_map(), _diagonal_multipliers()],
}


# ---------------------------------------------------------------- descent on quadratics
# ½(θ − θ*)ᵀA(θ − θ*) in 2-D with A = [[a, b], [b, c]] and θ* = (p, q) all symbolic: the
# identities hold for every 2 × 2 quadratic (the drawn family); witnesses bind numbers.
_Q2 = "(a*(x - p)**2 + 2*b*(x - p)*(y - q) + c*(y - q)**2)/2"
_Q2_PARAMS = "x,y,a,b,c,p,q"
_TWO_BY_TWO = ("proved for every 2 × 2 quadratic (the family the claim draws from); "
               "quadratics in higher dimensions are not covered")


def _q2_identities() -> dict:
    return identity_hint(
        Loss.from_text(_Q2, _Q2_PARAMS), "identity/quadratic-2x2/gd", [
            _zero("D_x", "a*(x - p) + b*(y - q)"), _zero("D_y", "b*(x - p) + c*(y - q)"),
            _zero("G_x - p", "(1 - eta*a)*(x - p) - eta*b*(y - q)"),
            _zero("G_y - q", "-eta*b*(x - p) + (1 - eta*c)*(y - q)"),
            _zero("f", "f - eta*(1 - L*eta/2)*(D_x**2 + D_y**2) - eta**2*((L - a)*D_x**2"
                       " - 2*b*D_x*D_y + (L - c)*D_y**2)/2", lhs_at={"x": "G_x", "y": "G_y"})],
        symbols=["eta", "L"],
        statement="for f = ½(θ − θ*)ᵀA(θ − θ*), A = [[a, b], [b, c]]: ∇f = A(θ − θ*), one GD "
                  "step maps θ − θ* to (I − ηA)(θ − θ*) (so each eigen-coordinate is "
                  "multiplied by 1 − ηλᵢ), and f(θ − η∇f) = f(θ) − η(1 − Lη/2)‖∇f‖² − "
                  "(η²/2)∇fᵀ(LI − A)∇f <= f(θ) − η(1 − Lη/2)‖∇f‖² whenever LI − A ⪰ 0, for "
                  "every η (the descent lemma); summed over the steps, Σ_(k<N)‖∇f(θ_k)‖² <= "
                  "(f(θ0) − f(θ_N))/(η(1 − Lη/2)) for η < 2/L, and f >= 0 = inf f for A ⪰ 0",
        partial=_TWO_BY_TWO)


def _log_perturbed() -> dict:
    """½(θ − θ*)ᵀA(θ − θ*) + b·log(1 + (wᵀθ)²) with A = [[a, m], [m, c]], all symbolic."""
    u = "(w1*x + w2*y)"
    curv = f"2*(1 - {u}**2)/(1 + {u}**2)**2"  # φ''(wᵀθ), φ(t) = log(1 + t²)
    return identity_hint(
        Loss.from_text(f"(a*(x - p)**2 + 2*m*(x - p)*(y - q) + c*(y - q)**2)/2 "
                       f"+ b*log(1 + {u}**2)", "x,y,a,m,c,p,q,b,w1,w2"),
        "identity/log-perturbed-2x2/hessian", [
            _zero("D_x_x", f"a + b*w1**2*{curv}"), _zero("D_x_y", f"m + b*w1*w2*{curv}"),
            _zero("D_y_y", f"c + b*w2**2*{curv}"),
            _zero("2 - 2*(1 - t**2)/(1 + t**2)**2", "2*t**2*(3 + t**2)/(1 + t**2)**2")],
        symbols=["t"],
        statement="for f = ½(θ − θ*)ᵀA(θ − θ*) + b·log(1 + (wᵀθ)²): ∇²f = A + b·φ''(wᵀθ)wwᵀ "
                  "with φ''(t) = 2(1 − t²)/(1 + t²)² <= 2 (the last identity), so for b > 0 "
                  "and ‖w‖ = 1, ∇²f ⪯ A + 2b·wwᵀ ⪯ (λmax(A) + 2b)I = L·I: f is L-smooth, "
                  "and f >= 0 for A ⪰ 0",
        partial="the Hessian and the smoothness constant L = λmax(A) + 2b are proved for "
                "every such loss in 2-D; the descent lemma for an L-smooth loss (Taylor's "
                "formula, exported for chen.taylor-remainder.*) and its telescoped sum are "
                "the argument of the statement, and the drawn orbits are a sample")


def _top_pair(data: Any) -> dict[str, str]:
    """The numbers of a drawn quadratic: A, θ*, L = λmax and its eigenvector."""
    from proofs_check.descent_data import fraction_text

    (a, b), (_, c) = data.A
    return {"a": fraction_text(a), "b": fraction_text(b), "c": fraction_text(c),
            "p": fraction_text(data.star[0]), "q": fraction_text(data.star[1]),
            "L": fraction_text(data.L), "v1": fraction_text(data.top()[0]),
            "v2": fraction_text(data.top()[1])}


def descent_witness_hint(kind: str, data: Any, eta: Any, point: Any = None,
                         loss: Loss | None = None, L: Any = None) -> dict:
    """The identity hint behind a counterexample of :mod:`proofs_check.descent`.

    ``kind``: ``"quarter"`` (the lemma with 1 − Lh/4 fails at ``point``), ``"diverge"``
    (|1 − hL| > 1 along the top eigenvector), ``"monotone"`` (1 − hL > 0 there: no
    oscillation) for a drawn quadratic ``data``; ``"local"`` (the lemma with L >=
    λmax(∇²f(θ)) fails at ``point`` of the polynomial ``loss``, θ and its step in
    [−1, 1]²).
    """
    from proofs_check.descent_data import fraction_text as t

    h = t(eta)
    if kind == "local":
        at = {"x": t(point[0]), "y": t(point[1]), "eta": h, "L": t(L)}
        inside = [_sign(f"1 {s} {v}", "0", "nonnegative", at) for s in "+-"
                  for v in ("x", "y", "G_x", "G_y")]
        return identity_hint(
            loss, f"identity/descent-witness/local/{at['x']},{at['y']}/eta={h}", [
                _sign("f", "f - eta*(1 - L*eta/2)*(D_x**2 + D_y**2)", "positive", at,
                      lhs_at={"x": "G_x", "y": "G_y"}),
                _sign("L - D_x_x", "0", "nonnegative", at),
                _sign("L - D_y_y", "0", "nonnegative", at),
                _sign("(L - D_x_x)*(L - D_y_y) - D_x_y**2", "0", "nonnegative", at),
                *inside], symbols=["eta", "L"],
            statement=f"at θ = ({at['x']}, {at['y']}) with L = {at['L']} >= λmax(∇²f(θ)) "
                      f"(LI − ∇²f(θ) ⪰ 0) and η = {h} (θ and θ − η∇f(θ) in [−1, 1]²), "
                      "f(θ − η∇f) > f(θ) − η(1 − Lη/2)‖∇f‖²; the right side grows with L, so "
                      "the inequality fails for L = λmax(∇²f(θ)) too")
    nums = {**_top_pair(data), "eta": h}
    pair = [_sign("(a - L)*v1 + b*v2", "0", "zero", nums),
            _sign("b*v1 + (c - L)*v2", "0", "zero", nums),
            _sign("v1**2 + v2**2", "0", "positive", nums),
            _sign("(L - a)*(L - c) - b**2", "0", "zero", nums),
            _sign("2*L - a - c", "0", "nonnegative", nums)]
    loss2 = Loss.from_text(_Q2, _Q2_PARAMS)
    if kind == "quarter":
        at = {**nums, "x": t(point[0]), "y": t(point[1])}
        return identity_hint(
            loss2, f"identity/descent-witness/quarter/{nums['L']}/eta={h}", [
                *pair, _sign("f", "f - eta*(1 - L*eta/4)*(D_x**2 + D_y**2)", "positive", at,
                             lhs_at={"x": "G_x", "y": "G_y"})],
            symbols=["eta", "L", "v1", "v2"],
            statement=f"for A = [[{nums['a']}, {nums['b']}], [{nums['b']}, {nums['c']}]] "
                      f"L = {nums['L']} is λmax (an eigenvalue, with the other one "
                      f"tr A − L <= L), and at θ = ({at['x']}, {at['y']}), η = {h}: "
                      "f(θ − η∇f) > f(θ) − η(1 − Lη/4)‖∇f‖²")
    along = _zero("G_x", "p + s*v1 - eta*s*(a*v1 + b*v2)", lhs_at={"x": "p + s*v1",
                                                                   "y": "q + s*v2"})
    sign = (_sign("(1 - eta*L)**2 - 1", "0", "positive", nums) if kind == "diverge" else
            _sign("1 - eta*L", "0", "positive", nums))
    return identity_hint(
        loss2, f"identity/descent-witness/{kind}/{nums['L']}/eta={h}", [
            *pair, along, _zero("G_y", "q + s*v2 - eta*s*(b*v1 + c*v2)",
                                lhs_at={"x": "p + s*v1", "y": "q + s*v2"}), sign],
        symbols=["eta", "L", "v1", "v2", "s"],
        statement=f"for A = [[{nums['a']}, {nums['b']}], [{nums['b']}, {nums['c']}]] "
                  f"(θ* = ({nums['p']}, {nums['q']})), v = ({nums['v1']}, {nums['v2']}) is "
                  f"an eigenvector of the largest eigenvalue L = {nums['L']}, and GD maps "
                  "θ* + sv to θ* + (1 − ηL)sv: from θ0 = θ* + v, θ_k = θ* + (1 − ηL)^k v and "
                  "∇f(θ_k) = L(1 − ηL)^k v; at η = " + h
                  + (" |1 − ηL| > 1, so ‖∇f(θ_k)‖ grows: it does not tend to 0"
                     if kind == "diverge" else
                     " 1 − ηL > 0, so the top coordinate keeps its sign: no oscillation"))


_NET_CLAIMS = ("architecture", "prop1", "prop2", "nonsingular", "critical-eta",
               "stable-bounded")
for _slug, _name, _kinds in (("2x2x2", "linear-net:2x2x2", _NET_CLAIMS),
                             ("2x1x2", "linear-net:2x1x2", _NET_CLAIMS),
                             ("2x2x2-data", "linear-net:2x2x2:data", ("prop1", "critical-eta"))):
    for _kind in _kinds:
        _tail = ".2_5" if _kind == "stable-bounded" else ""
        _BY_ID[f"craciun.{_kind}.linear-net-{_slug}{_tail}"] = (
            lambda name=_name: [linear_net_hint(name)])
_BY_ID.update({
    "descent.lemma.quadratics": lambda: [_q2_identities()],
    "descent.convergence.quadratics": lambda: [_q2_identities()],
    "descent.convergence.log-perturbed": lambda: [_log_perturbed()],
    "descent.regime.small-h": lambda: [_q2_identities()],
    "descent.regime.medium-h": lambda: [_q2_identities()],
    "descent.regime.large-h": lambda: [_q2_identities()],
    "craciun.stable-bounded.linear-net-1x2x2x1.1_2": lambda: [
        linear_net_hint("linear-net:1x2x2x1", "1/2")],
    "false.architecture.2x1x2-filling": lambda: [linear_net_hint("linear-net:2x1x2")],
    "false.prop1.non-filling-minimum-equals-filling": lambda: [
        linear_net_hint("linear-net:2x1x2")],
    "false.critical-eta.2x2x2-1": lambda: [linear_net_hint("linear-net:2x2x2")]})

#: The claims with certificate data here.
CLAIM_IDS = tuple(_BY_ID)


def extra_certificates(claim_id: str) -> list[dict]:
    """The identity (or threshold) hints behind a claim, or an empty list."""
    make = _BY_ID.get(claim_id)
    return make() if make is not None else []
