"""symstab-verify: check a symstab certificate file without trusting symstab.

Usage: ``symstab-verify FILE`` (or :func:`verify_file` / :func:`verify`). Each item of the
file is answered with ``verified``, ``refuted`` (with the inequality or identity that
could not be established) or ``not a proof`` (statistical or numerical evidence, recorded
but never counted as a proof). Exit code 0 when every proof item is verified, 1 when one
is refuted, 2 when the file is malformed (one line on stderr, no traceback). The format
is described in ``docs/certificates.md``.

What this module trusts, and nothing else
-----------------------------------------
* Python itself: ``json``, ``fractions.Fraction``, integer arithmetic (``math.isqrt``).
* SymPy: parsing the loss text with ``sympy.parsing.sympy_parser.parse_expr`` *after* this
  module's own whitelist check (characters, names, exponent size; no builtins reachable),
  symbolic differentiation, expansion, cancellation of rational functions (with square
  roots as generators), polynomial division, lex Gröbner bases (``sympy.groebner``) and
  real root counting over Q.
* python-flint's ``arb`` ball arithmetic (outward rounded) for every interval enclosure.

It imports nothing from ``symstab``; floats never decide anything (they only choose the
preconditioner Y of the Krawczyk test, where any Y gives a valid test). Every number in
a certificate is an exact rational; an algebraic number is a root of a rational
polynomial isolated by a rational interval, and a point θ* is a tuple of polynomials in
one such root α.

The checks
----------
threshold
    α lies in its interval (sign change, one root there); ∇f(θ*) ≡ 0 mod minpoly(α)
    (exact); the leading principal minors of H(θ*) are > 0 (H positive definite, so θ*
    is a strict minimum); with λ* = 2/η*: det(λ*I − H(θ*)) ≡ 0 and every principal minor
    of λ*I − H(θ*) is >= 0 (so λ* is an eigenvalue and no eigenvalue exceeds it: λmax =
    λ*). Signs of nonzero elements of Q(α) are read off arb enclosures. Step sizes listed
    as ``stable_at`` / ``unstable_at`` are compared with η* exactly.
trapping-ball
    θ* as above is a critical point (so a fixed point of G(θ) = θ − η∇f); ‖c − θ*‖ <= δ;
    the listed boxes cover X = [c ± (r + δ)]ⁿ; on each box every symmetric matrix in the
    arb enclosure [M − R, M + R] of the Hessian has its spectrum in the box's claimed
    [mu_k, L_k] (exact LDLᵀ of M − (mu_k + ρ)I and (L_k − ρ)I − M with ρ >= ‖R‖_F, by
    Weyl's inequality; a box that is too wide for this is bisected, at most
    ``MAX_SPLIT_DEPTH`` times and into at most ``SPLIT_BUDGET`` sub-boxes, and the bound
    is refuted at once if it fails at a sub-box's exact midpoint); then with
    mu = min mu_k, L = max L_k: mu > 0, ηL < 2, q >= max(|1 − η mu|, |1 − ηL|), q < 1
    and q(r + δ) + δ <= r. Together: G maps the closed ball B(c, r) into itself as a
    contraction (factor q) towards θ*, and on B f(G(θ)) <= f(θ) − η(1 − ηL/2)‖∇f(θ)‖²
    (Taylor; the segment [θ, G(θ)] lies in B).
krawczyk
    F = ∇f, or F = G^p(θ) − θ for the GD map; with X the box, m its midpoint, J(X) the
    arb Jacobian enclosure and Y ≈ J(m)⁻¹: ``unique`` needs K(X) = m − Y F(m) + (I −
    Y J(X))(X − m) inside the open box; ``empty`` needs 0 ∉ F_i(X) for some i or
    K(X) ∩ X = ∅.
krawczyk-cover
    A census: the listed boxes cover the domain (exactly, as for trapping balls); each is
    checked as a ``krawczyk`` item (a ``unique`` box of a 1-D map may also claim
    ``unstable``: |(G^p)'(X)| > 1); the ``unique`` boxes are pairwise disjoint and their
    number is ``count``. So F has exactly ``count`` zeros in the domain.
box-orbit
    The box X_0 is carried through G for ``steps`` steps in arb: X_{k+1} = (X_k − η∇f(X_k))
    ∩ (G(m) + (I − ηH(X_k))(X_k − m)), m the midpoint, so G^k(X_0) ⊆ X_k. With ``signs``,
    each step's loss change h = f∘G − f is enclosed by h(m) + ∇h(X_k)(X_k − m), ∇h =
    (I − ηH)∇f(G) − ∇f, and must have the listed sign on all of X_k. Finally X_K lies in
    one of the listed ``trapping-ball`` items (farthest corner, exact), which must be in
    the file, verified, for the same loss text and η.
critical-set
    SymPy's lex Gröbner basis of ∇f (in the item's variable ``order``) equals the listed
    one (as monic polynomials) and is in shape position, x_i − q_i(x_n) and u(x_n); each
    listed point (last coordinate α) is a critical point as for ``threshold``; the
    isolating intervals are pairwise disjoint, and the number of points equals the
    number of distinct real roots of u (Sturm, ``count_roots``). So the real critical
    points are exactly the listed ones.
identity
    For each check, lhs − rhs (texts in the loss grammar; the names f, D_p, D_p_q and,
    with the symbol ``eta``, G_p = p − eta·D_p are replaced by the checker's own
    derivatives of the loss; ``lhs_at``/``rhs_at`` substitute the parameters) either
    cancels to 0 as a rational function, or, at a rational ``point``, has the claimed
    sign (exactly, or from an arb enclosure). The item's ``statement`` says, for the
    reader, what the identities show; the checker checks only the identities.
evidence
    Always ``not a proof``.

Items are checked in file order, except ``box-orbit`` items, which are checked after the
items they rest on.
"""

from __future__ import annotations

import json
import keyword
import math
import re
import sys
from fractions import Fraction
from itertools import combinations, pairwise, product
from typing import Any

import flint
import sympy as sp
from flint import arb
from sympy.parsing.sympy_parser import auto_number, convert_xor, parse_expr

__all__ = ["FORMAT", "MAX_SPLIT_DEPTH", "VERSION", "Malformed", "verify", "verify_file"]

FORMAT = "symstab-certificate"
VERSION = 1
#: Bisections of a box whose Hessian enclosure is too wide for its claimed bounds.
MAX_SPLIT_DEPTH = 14
#: Sub-boxes (all depths) the Weyl test may use on one box of a trapping ball.
SPLIT_BUDGET = 2000
PREC = 256  # bits of the arb evaluations
VERIFIED, REFUTED, NOT_A_PROOF = "verified", "refuted", "not a proof"

_FUNCS = {"exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
          "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh, "atan": sp.atan, "sqrt": sp.sqrt}
_GLOBALS = {"__builtins__": {}, "Integer": sp.Integer, "Symbol": sp.Symbol}
_CHARS = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_ +-*/^()")


class Malformed(ValueError):
    """The certificate file is not in the documented format."""


class Refuted(Exception):
    """A step of a proof does not hold (the message names the failing inequality)."""


# ------------------------------------------------------------------ reading the file


def _q(text: Any) -> Fraction:
    if not isinstance(text, str) or not re.fullmatch(r"-?\d{1,4000}(/\d{1,4000})?", text):
        raise Malformed(f"not an exact rational: {text!r}")
    value = Fraction(text)
    return value


def _qs(items: Any, n: int | None = None) -> list[Fraction]:
    if not isinstance(items, list) or (n is not None and len(items) != n):
        raise Malformed(f"expected a list of {n or 'some'} rationals")
    return [_q(x) for x in items]


def _box(sides: Any, n: int) -> list[tuple[Fraction, Fraction]]:
    if not isinstance(sides, list) or len(sides) != n:
        raise Malformed(f"a box needs {n} sides")
    box = [tuple(_qs(s, 2)) for s in sides]
    if any(lo > hi for lo, hi in box):
        raise Malformed("a box side has lo > hi")
    return box  # type: ignore[return-value]


def parse_loss(block: Any) -> tuple[sp.Expr, list[sp.Symbol]]:
    """The loss of a certificate: whitelist check of the text, then SymPy's parser."""
    if not isinstance(block, dict) or not isinstance(block.get("text"), str):
        raise Malformed("loss needs 'text' and 'params'")
    text, names = block["text"], block.get("params")
    if not isinstance(names, list) or not names or len(set(names)) != len(names):
        raise Malformed("loss params must be a list of distinct names")
    for name in names:
        if (not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", name)
                or keyword.iskeyword(name) or name in _FUNCS or name in _GLOBALS):
            raise Malformed(f"bad parameter name {name!r}")
    if len(text) > 20000 or not set(text) <= _CHARS or "__" in text:
        raise Malformed("loss text has characters outside the whitelist")
    for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
        if name not in names and name not in _FUNCS:
            raise Malformed(f"loss text uses the unknown name {name!r}")
    powers = text.replace("^", "**")
    for at in (m.end() for m in re.finditer(r"\*\*", powers)):
        ex = re.match(r"\s*(?:\(\s*-?\s*(\d{1,4})\s*\)|(\d{1,4}))\s*", powers[at:])
        if (ex is None or int(ex.group(1) or ex.group(2)) > 1000
                or powers[at + ex.end():].startswith("**")):
            raise Malformed("an exponent must be an integer literal of at most 1000")
    symbols = {name: sp.Symbol(name, real=True) for name in names}
    try:
        expr = parse_expr(text, local_dict={**symbols, **_FUNCS}, global_dict=dict(_GLOBALS),
                          transformations=(auto_number, convert_xor), evaluate=True)
    except Exception as exc:  # any parser error is a malformed file
        raise Malformed(f"loss text does not parse: {type(exc).__name__}") from None
    if not isinstance(expr, sp.Expr) or not expr.free_symbols <= set(symbols.values()):
        raise Malformed("loss text is not an expression in its parameters")
    return expr, [symbols[name] for name in names]


# ------------------------------------------------------------------ arb evaluation


def _arb(x: Fraction) -> arb:
    return arb(x.numerator) / x.denominator if x.denominator != 1 else arb(x.numerator)


def _frac(x: arb) -> Fraction:
    man, exp = (int(v) for v in x.man_exp())
    return Fraction(man) * Fraction(2) ** exp


def _interval(lo: Fraction, hi: Fraction) -> arb:
    return arb.union(_arb(lo), _arb(hi))


def _ipow(x: arb, k: int) -> arb:
    """x**k from the endpoints (so that even powers are >= 0)."""
    if k == 1:
        return x
    lo, hi = x.lower(), x.upper()

    def pw(a: arb) -> arb:
        out = arb(1)
        for _ in range(k):
            out = out * a
        return out

    if k % 2 == 0 and lo <= 0 <= hi:
        return arb.union(arb(0), pw(arb.union(-lo, hi).upper()))
    return arb.union(pw(lo), pw(hi))


def arb_eval(e: sp.Expr, env: dict[sp.Symbol, arb]) -> arb:
    """An enclosure of ``e`` with the symbols replaced by balls."""
    if e.is_Symbol:
        return env[e]
    if e.is_Integer:
        return arb(int(e))
    if e.is_Rational:
        return arb(int(e.p)) / int(e.q)
    if e.is_Add or e.is_Mul:
        parts = [arb_eval(a, env) for a in e.args]
        out = parts[0]
        for p in parts[1:]:
            out = out + p if e.is_Add else out * p
        return out
    if e.is_Pow:
        base, ex = e.args
        if ex.is_Integer:
            k = int(ex)
            if k == 0:
                return arb(1)
            v = _ipow(arb_eval(base, env), abs(k))
            return v if k > 0 else 1 / v
        if ex == sp.Rational(1, 2):
            return arb_eval(base, env).sqrt()
        return (arb_eval(ex, env) * arb_eval(base, env).log()).exp()
    if e == sp.pi:
        return arb.pi()
    if e == sp.E:
        return arb(1).exp()
    name = type(e).__name__
    if name in _FUNCS and len(e.args) == 1:
        return getattr(arb_eval(e.args[0], env), name if name != "atan" else "atan")()
    raise Malformed(f"cannot evaluate {name} in interval arithmetic")


# ------------------------------------------------------------------ algebraic points

T = sp.Symbol("alpha_")


class Point:
    """θ* = (p_1(α), ..., p_n(α)) with α the root of ``minpoly`` in ``interval``."""

    def __init__(self, block: Any, n: int) -> None:
        if not isinstance(block, dict) or not isinstance(block.get("field"), dict):
            raise Malformed("a point needs 'field' and 'coordinates'")
        coeffs = _qs(block["field"].get("minpoly"))
        self.lo, self.hi = _qs(block["field"].get("interval"), 2)
        if len(coeffs) < 2 or coeffs[0] == 0:
            raise Malformed("minpoly needs degree >= 1")
        self.m = sp.Poly([sp.Rational(c.numerator, c.denominator) for c in coeffs], T,
                         domain=sp.QQ)
        coords = block.get("coordinates")
        if not isinstance(coords, list) or len(coords) != n:
            raise Malformed(f"a point needs {n} coordinates")
        self.coords = [sp.Poly([sp.Rational(c.numerator, c.denominator) for c in _qs(p)]
                               or [0], T, domain=sp.QQ) for p in coords]

    def _value(self, x: Fraction) -> Fraction:
        return Fraction(str(self.m.eval(sp.Rational(x.numerator, x.denominator))))

    def check_root(self) -> None:
        """α exists: the interval holds exactly one root of minpoly (a sign change)."""
        lo, hi = self.lo, self.hi
        if lo == hi:
            if self._value(lo) != 0:
                raise Refuted(f"minpoly({lo}) ≠ 0")
            return
        a, b = self._value(lo), self._value(hi)
        if not a * b < 0:
            raise Refuted(f"minpoly has no sign change on [{lo}, {hi}]")
        if self.m.count_roots(sp.Rational(lo.numerator, lo.denominator),
                              sp.Rational(hi.numerator, hi.denominator)) != 1:
            raise Refuted(f"[{lo}, {hi}] holds more than one root of minpoly")

    def alpha(self, bits: int) -> arb:
        """A ball around α of width about 2^-bits (bisection with exact signs)."""
        lo, hi = self.lo, self.hi
        if lo == hi:
            return _arb(lo)
        s_lo = self._value(lo) > 0
        while hi - lo > Fraction(1, 2 ** bits) * max(1, abs(lo)):
            mid = (lo + hi) / 2
            v = self._value(mid)
            if v == 0:
                return _arb(mid)
            if (v > 0) == s_lo:
                lo = mid
            else:
                hi = mid
        return _interval(lo, hi)

    def reduce(self, expr: sp.Expr, symbols: list[sp.Symbol]) -> sp.Poly:
        """The polynomial ``expr`` at θ*, as an element of Q[α]/(minpoly)."""
        sub = {s: c.as_expr() for s, c in zip(symbols, self.coords, strict=True)}
        return sp.Poly(sp.expand(expr.xreplace(sub)), T, domain=sp.QQ).rem(self.m)

    def element(self, expr: sp.Expr) -> sp.Poly:
        """A polynomial expression in α, reduced mod minpoly."""
        return sp.Poly(sp.expand(expr), T, domain=sp.QQ).rem(self.m)

    def sign(self, elem: sp.Poly) -> int:
        """The sign of an element of Q(α): 0 if it reduces to 0, else from enclosures."""
        if elem.is_zero:
            return 0
        for bits in (PREC, 4 * PREC, 16 * PREC):
            with flint.ctx.workprec(bits + 64):
                a = self.alpha(bits)
                v = arb(0)
                for c in elem.all_coeffs():
                    v = v * a + arb(int(c.p)) / int(c.q)
                if v > 0:
                    return 1
                if v < 0:
                    return -1
        raise Refuted(f"the sign of {elem.as_expr()} at α was not decided")

    def enclosure(self, bits: int = PREC) -> list[arb]:
        """Balls around the coordinates of θ* (at the current arb precision)."""
        a = self.alpha(bits)
        out = []
        for p in self.coords:
            v = arb(0)
            for c in p.all_coeffs():
                v = v * a + arb(int(c.p)) / int(c.q)
            out.append(v)
        return out


def _polynomial(expr: sp.Expr, symbols: list[sp.Symbol]) -> None:
    try:
        sp.Poly(expr, *symbols, domain=sp.QQ)
    except (sp.PolynomialError, sp.polys.polyerrors.CoercionFailed):
        raise Malformed("an exact point needs a polynomial loss with rational "
                        "coefficients") from None


def _critical(point: Point, expr: sp.Expr, symbols: list[sp.Symbol]) -> None:
    point.check_root()
    for s in symbols:
        if not point.reduce(sp.diff(expr, s), symbols).is_zero:
            raise Refuted(f"∂f/∂{s}(θ*) ≠ 0 (it does not reduce to 0 mod minpoly)")


def _det(rows: list[list[sp.Expr]]) -> sp.Expr:
    return sp.Matrix(rows).det(method="berkowitz") if rows else sp.Integer(1)


# ------------------------------------------------------------------ exact linear algebra


def _pos_def(mat: list[list[Fraction]]) -> bool:
    """Whether a symmetric rational matrix is positive definite (exact LDLᵀ pivots > 0)."""
    a = [row[:] for row in mat]
    n = len(a)
    for k in range(n):
        if a[k][k] <= 0:
            return False
        for i in range(k + 1, n):
            f = a[i][k] / a[k][k]
            for j in range(k, n):
                a[i][j] -= f * a[k][j]
    return True


def _sqrt_up(x: Fraction) -> Fraction:
    """A rational >= sqrt(x) (x >= 0), within a relative 2^-60."""
    scale = 2 ** 120
    r = math.isqrt(x.numerator * scale * scale // x.denominator) + 1
    return Fraction(r, scale)


# ------------------------------------------------------------------ the checks


def check_threshold(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """θ* is a strict minimum with 2/λmax = η* (see the module docstring)."""
    n = len(symbols)
    _polynomial(expr, symbols)
    point = Point(item.get("point"), n)
    eta_star = _q(item.get("eta_star"))
    if eta_star <= 0:
        raise Refuted("η* <= 0")
    lam = 2 / eta_star
    if "lambda_max" in item and _q(item["lambda_max"]) != lam:
        raise Refuted(f"λmax = {item['lambda_max']} ≠ 2/η* = {lam}")
    _critical(point, expr, symbols)
    hess = [[point.reduce(sp.diff(expr, a, b), symbols).as_expr() for b in symbols]
            for a in symbols]
    for k in range(1, n + 1):
        minor = point.element(_det([row[:k] for row in hess[:k]]))
        if point.sign(minor) <= 0:
            raise Refuted(f"leading principal minor {k} of H(θ*) is not > 0")
    lam_e = sp.Rational(lam.numerator, lam.denominator)
    shifted = [[(lam_e if i == j else 0) - hess[i][j] for j in range(n)] for i in range(n)]
    if not point.element(_det(shifted)).is_zero:
        raise Refuted(f"det({lam}·I − H(θ*)) ≠ 0: 2/η* is not an eigenvalue")
    for k in range(1, n + 1):
        for idx in combinations(range(n), k):
            minor = point.element(_det([[shifted[i][j] for j in idx] for i in idx]))
            if point.sign(minor) < 0:
                raise Refuted(f"principal minor {idx} of {lam}·I − H(θ*) is < 0: "
                              "an eigenvalue exceeds 2/η*")
    for key, want in (("stable_at", -1), ("unstable_at", 1)):
        for eta in _qs(item.get(key, [])):
            if (eta > eta_star) - (eta < eta_star) != want:
                raise Refuted(f"η = {eta} is not {'<' if want < 0 else '>'} η* = {eta_star}")
    return f"strict minimum, λmax = {lam}, η* = {eta_star}"


def _box_bounds_hold(hess: list[list[sp.Expr]], symbols: list[sp.Symbol],
                     box: list[tuple[Fraction, Fraction]], mu: Fraction, big: Fraction,
                     depth: int, budget: list[int]) -> bool:
    """Whether the spectrum of H lies in [mu, big] on the box (Weyl test, bisected where
    it is too coarse; False as soon as it fails at an exact midpoint or ``budget[0]``
    sub-boxes are spent)."""
    n = len(symbols)
    budget[0] -= 1
    env = {s: _interval(lo, hi) for s, (lo, hi) in zip(symbols, box, strict=True)}
    mid = [[Fraction(0)] * n for _ in range(n)]
    rad2 = Fraction(0)
    finite = True
    for i in range(n):
        for j in range(i, n):
            v = arb_eval(hess[i][j], env)
            if not v.is_finite():
                finite = False
                break
            mid[i][j] = mid[j][i] = _frac(v.mid())
            rad2 += _frac(v.rad()) ** 2 * (1 if i == j else 2)
        if not finite:
            break
    if finite:
        rho = _sqrt_up(rad2)
        low = [[mid[i][j] - (mu + rho if i == j else 0) for j in range(n)] for i in range(n)]
        high = [[(big - rho if i == j else 0) - mid[i][j] for j in range(n)] for i in range(n)]
        if _pos_def(low) and _pos_def(high):
            return True
    if depth <= 0 or budget[0] <= 0:
        return False
    at = {s: sp.Rational((lo + hi).numerator, 2 * (lo + hi).denominator)
          for s, (lo, hi) in zip(symbols, box, strict=True)}
    exact = [[Fraction(str(h.xreplace(at))) for h in row] for row in hess]
    if not (_pos_def([[exact[i][j] - (mu if i == j else 0) for j in range(n)] for i in range(n)])
            and _pos_def([[(big if i == j else 0) - exact[i][j] for j in range(n)]
                          for i in range(n)])):
        return False  # the bound fails (or is attained) at the midpoint itself
    halves = [((lo, (lo + hi) / 2), ((lo + hi) / 2, hi)) for lo, hi in box]
    return all(_box_bounds_hold(hess, symbols, list(sub), mu, big, depth - 1, budget)
               for sub in product(*halves))


def _covered(cube: list[tuple[Fraction, Fraction]],
             boxes: list[list[tuple[Fraction, Fraction]]]) -> bool:
    """Whether the union of the closed boxes contains the cube (exact, by grid cells)."""
    cuts = []
    for k, (lo, hi) in enumerate(cube):
        pts = {lo, hi} | {v for b in boxes for v in b[k] if lo < v < hi}
        cuts.append(sorted(pts))
    cells = product(*[list(pairwise(c)) for c in cuts])
    return all(any(all(blo <= lo and hi <= bhi for (lo, hi), (blo, bhi)
                       in zip(cell, b, strict=True)) for b in boxes) for cell in cells)


def check_ball(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """The trapping-ball proof of the module docstring."""
    n = len(symbols)
    _polynomial(expr, symbols)
    point = Point(item.get("point"), n)
    eta, r, delta, q = (_q(item.get(k)) for k in ("eta", "radius", "delta", "q"))
    center = _qs(item.get("center"), n)
    raw = item.get("boxes")
    if not isinstance(raw, list) or not raw:
        raise Malformed("a trapping ball needs a list of boxes")
    boxes = []
    for b in raw:
        if not isinstance(b, dict):
            raise Malformed("each box is an object with 'box', 'mu', 'L'")
        boxes.append((_box(b.get("box"), n), _q(b.get("mu")), _q(b.get("L"))))
    if eta <= 0 or r <= 0 or delta < 0:
        raise Refuted("η > 0, r > 0 and δ >= 0 are required")
    _critical(point, expr, symbols)
    with flint.ctx.workprec(PREC):
        theta = point.enclosure()
        dist2 = sum(((_arb(c) - t) ** 2 for c, t in zip(center, theta, strict=True)), arb(0))
        if not dist2 <= _arb(delta * delta):
            raise Refuted(f"‖c − θ*‖ <= δ = {delta} not shown")
    cube = [(c - r - delta, c + r + delta) for c in center]
    if not _covered(cube, [b for b, _, _ in boxes]):
        raise Refuted("the boxes do not cover X = [c ± (r + δ)]^n")
    hess = [[sp.diff(expr, a, b) for b in symbols] for a in symbols]
    with flint.ctx.workprec(PREC):
        for k, (box, mu_k, big_k) in enumerate(boxes):
            if not _box_bounds_hold(hess, symbols, box, mu_k, big_k, MAX_SPLIT_DEPTH,
                                    [SPLIT_BUDGET]):
                raise Refuted(f"box {k}: spectrum ⊂ [{mu_k}, {big_k}] not shown "
                              "(Hessian enclosure, Weyl bound, exact LDLᵀ)")
    mu = min(b[1] for b in boxes)
    big = max(b[2] for b in boxes)
    if not mu > 0:
        raise Refuted(f"mu = min mu_k = {mu} is not > 0")
    if not eta * big < 2:
        raise Refuted(f"η·L = {eta * big} is not < 2")
    need = max(abs(1 - eta * mu), abs(1 - eta * big))
    if not (need <= q < 1):
        raise Refuted(f"q = {q} is not in [max(|1 − η mu|, |1 − η L|), 1) = [{need}, 1)")
    if not q * (r + delta) + delta <= r:
        raise Refuted(f"trap inequality q(r + δ) + δ <= r fails: "
                      f"{float(q * (r + delta) + delta):.17g} > {float(r):.17g}")
    return (f"G maps B(c, {float(r):.6g}) into itself, contraction q = {float(q):.6g}, "
            f"descent f(G(θ)) <= f(θ) − Cη‖∇f(θ)‖² with C = 1 − ηL/2 = "
            f"{float(1 - eta * big / 2):.6g}, {len(boxes)} boxes")


def _solve_float(a: list[list[float]]) -> list[list[float]] | None:
    """A float inverse by Gauss-Jordan (only a preconditioner: any matrix is sound)."""
    n = len(a)
    m = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(a)]
    for k in range(n):
        p = max(range(k, n), key=lambda i: abs(m[i][k]))
        if m[p][k] == 0:
            return None
        m[k], m[p] = m[p], m[k]
        piv = m[k][k]
        m[k] = [v / piv for v in m[k]]
        for i in range(n):
            if i != k:
                f = m[i][k]
                m[i] = [vi - f * vk for vi, vk in zip(m[i], m[k], strict=True)]
    return [row[n:] for row in m]


def check_krawczyk(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """The Krawczyk test of the module docstring."""
    n = len(symbols)
    system = item.get("system")
    if not isinstance(system, dict) or system.get("map") not in ("gradient", "gd"):
        raise Malformed("system must be {'map': 'gradient'} or {'map': 'gd', ...}")
    grad = [sp.diff(expr, s) for s in symbols]
    if system["map"] == "gradient":
        fmap, period = grad, 1
    else:
        eta = _q(system.get("eta"))
        period = system.get("period", 1)
        if not isinstance(period, int) or not 1 <= period <= 64:
            raise Malformed("period must be an integer in 1..64")
        fmap = [s - sp.Rational(eta.numerator, eta.denominator) * g
                for s, g in zip(symbols, grad, strict=True)]
    jac = [[sp.diff(f, s) for s in symbols] for f in fmap]
    box = _box(item.get("box"), n)
    claim = item.get("claim")
    if claim not in ("unique", "empty"):
        raise Malformed("claim must be 'unique' or 'empty'")

    def f_and_j(x: list[arb]) -> tuple[list[arb], list[list[arb]]]:
        if system["map"] == "gradient":
            env = dict(zip(symbols, x, strict=True))
            return ([arb_eval(f, env) for f in fmap],
                    [[arb_eval(e, env) for e in row] for row in jac])
        cur = list(x)
        prod = [[arb(int(i == j)) for j in range(n)] for i in range(n)]
        for _ in range(period):
            env = dict(zip(symbols, cur, strict=True))
            dg = [[arb_eval(e, env) for e in row] for row in jac]
            prod = [[sum((dg[i][t] * prod[t][j] for t in range(n)), arb(0)) for j in range(n)]
                    for i in range(n)]
            cur = [arb_eval(f, env) for f in fmap]
        return ([c - xi for c, xi in zip(cur, x, strict=True)],
                [[prod[i][j] - int(i == j) for j in range(n)] for i in range(n)])

    with flint.ctx.workprec(PREC):
        X = [_interval(lo, hi) for lo, hi in box]
        fx, jx = f_and_j(X)
        if claim == "empty":
            for i, v in enumerate(fx):
                if v.is_finite() and not v.contains(0):
                    return f"no zero: 0 ∉ F_{i + 1}(X)"
        mids = [_arb((lo + hi) / 2) for lo, hi in box]
        fm, jm = f_and_j(mids)
        y = _solve_float([[float(e.mid()) for e in row] for row in jm])
        finite = all(e.is_finite() for row in jx for e in row) and all(v.is_finite()
                                                                         for v in fm)
        if y is None or not finite:
            raise Refuted("the Krawczyk operator is not defined on X")
        Y = [[arb(v) for v in row] for row in y]
        K = []
        for i in range(n):
            k = mids[i] - sum((Y[i][j] * fm[j] for j in range(n)), arb(0))
            for j in range(n):
                c = int(i == j) - sum((Y[i][t] * jx[t][j] for t in range(n)), arb(0))
                k += c * (X[j] - mids[j])
            K.append(k)
        if claim == "empty":
            if any(k.is_finite() and (k > X[i] or k < X[i]) for i, k in enumerate(K)):
                return "no zero: K(X) ∩ X = ∅"
            raise Refuted("neither 0 ∉ F(X) nor K(X) ∩ X = ∅")
        for i, (lo, hi) in enumerate(box):
            if not (K[i].is_finite() and K[i] > _arb(lo) and K[i] < _arb(hi)):
                raise Refuted(f"K(X)_{i + 1} ⊄ ({lo}, {hi}): K(X) ⊂ int X not shown")
        if item.get("unstable") is True:  # 1-D map: |(G^p)'| > 1 on X, so at its zero
            if n != 1 or system["map"] != "gd":
                raise Malformed("'unstable' is for a 1-D GD map")
            if not abs(jx[0][0] + 1) > 1:
                raise Refuted("|(G^p)'(X)| > 1 not shown: the orbit may not be unstable")
            return "exactly one zero in the box, unstable: K(X) ⊂ int X, |(G^p)'(X)| > 1"
    return "exactly one zero in the box: K(X) ⊂ int X"


def check_cover(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """A census: boxes covering a domain, each ``unique`` or ``empty`` (module docstring)."""
    n = len(symbols)
    domain = _box(item.get("domain"), n)
    raw = item.get("boxes")
    if not isinstance(raw, list) or not raw or not all(isinstance(b, dict) for b in raw):
        raise Malformed("a cover needs a list of boxes")
    boxes = [_box(b.get("box"), n) for b in raw]
    if not _covered(domain, boxes):
        raise Refuted("the boxes do not cover the domain")
    for k, b in enumerate(raw):
        try:
            check_krawczyk({**b, "system": item.get("system")}, expr, symbols)
        except Refuted as exc:
            raise Refuted(f"box {k}: {exc}") from None
    unique = [box for box, b in zip(boxes, raw, strict=True) if b.get("claim") == "unique"]
    for a, b in combinations(unique, 2):
        if all(alo <= bhi and blo <= ahi for (alo, ahi), (blo, bhi) in zip(a, b, strict=True)):
            raise Refuted("two unique boxes meet: their zeros may coincide")
    count = item.get("count")
    if count != len(unique):
        raise Refuted(f"count {count!r} ≠ {len(unique)} unique boxes")
    unstable = sum(b.get("unstable") is True for b in raw if b.get("claim") == "unique")
    return (f"F has exactly {count} zeros in the domain ({len(raw)} boxes)"
            + (f", {unstable} of them unstable" if unstable else ""))


# ------------------------------------------------------------------ boxes along GD orbits


def _meet(a: arb, b: arb) -> arb:
    """The intersection of two enclosures of the same set (one of them if they miss)."""
    return a.intersection(b) if a.overlaps(b) else a


def _inside_ball(box: list[tuple[Fraction, Fraction]], ball: dict) -> bool:
    """Whether the closed box lies in the closed ball B(c, r) of a trapping-ball item
    (exact: the farthest corner, coordinate by coordinate)."""
    center, r = _qs(ball.get("center"), len(box)), _q(ball.get("radius"))
    far = sum(max((lo - c) ** 2, (hi - c) ** 2) for (lo, hi), c in zip(box, center, strict=True))
    return far <= r * r


def check_box_orbit(item: dict, expr: sp.Expr, symbols: list[sp.Symbol],
                    done: dict[str, tuple[dict, str]]) -> str:
    """A box carried through G in arb (see the module docstring, ``box-orbit``)."""
    n = len(symbols)
    eta = _q(item.get("eta"))
    box = _box(item.get("box"), n)
    steps, signs, prec = item.get("steps"), item.get("signs", ""), item.get("prec", PREC)
    if not isinstance(steps, int) or not 0 <= steps <= 100000:
        raise Malformed("steps must be an integer in 0..100000")
    if not isinstance(signs, str) or not set(signs) <= {"+", "-", "?"} \
            or len(signs) not in (0, steps):
        raise Malformed("signs must be '' or one '+', '-' or '?' (no claim) per step")
    if not isinstance(prec, int) or not PREC <= prec <= 8192:
        raise Malformed(f"prec must be an integer in {PREC}..8192")
    balls = item.get("balls")
    if not isinstance(balls, list) or not all(isinstance(b, str) for b in balls) \
            or not (balls or set(signs) - {"?"}):
        raise Malformed("balls must list trapping-ball ids (or be [] for an orbit that "
                        "only claims signs)")
    targets = []
    for bid in balls:
        ball, status = done.get(bid, (None, None))
        if ball is None or ball.get("kind") != "trapping-ball":
            raise Malformed(f"{bid!r} is not a trapping-ball item of this file")
        if status != VERIFIED:
            raise Refuted(f"the ball {bid} is not verified")
        if ball.get("loss", {}).get("text") != item["loss"]["text"] \
                or ball["loss"].get("params") != item["loss"]["params"] \
                or _q(ball.get("eta")) != eta:
            raise Refuted(f"the ball {bid} is for another loss or step size")
        targets.append(ball)
    grad = [sp.diff(expr, s) for s in symbols]
    hess = [[sp.diff(g, s) for s in symbols] for g in grad]

    def at(exprs: list[sp.Expr], x: list[arb]) -> list[arb]:
        env = dict(zip(symbols, x, strict=True))
        return [arb_eval(e, env) for e in exprs]

    with flint.ctx.workprec(prec):
        h = _arb(eta)
        X = [_interval(lo, hi) for lo, hi in box]
        for k in range(steps):
            m = [x.mid() for x in X]
            gm, gx = at(grad, m), at(grad, X)
            hx = [at(row, X) for row in hess]
            dg = [[int(i == j) - h * hx[i][j] for j in range(n)] for i in range(n)]
            gmap_m = [mi - h * g for mi, g in zip(m, gm, strict=True)]
            d = [x - mi for x, mi in zip(X, m, strict=True)]
            new = [_meet(X[i] - h * gx[i],
                         gmap_m[i] + sum((dg[i][j] * d[j] for j in range(n)), arb(0)))
                   for i in range(n)]
            if not all(v.is_finite() and v.rad() < 2**32 for v in new):
                raise Refuted(f"step {k}: the enclosure of G(X_{k}) is too wide")
            if signs and signs[k] != "?":  # h = f∘G − f ⊆ h(m) + ∇h(X)(X − m), ∇h = DGᵀ∇f(G) − ∇f
                gnew = at(grad, new)
                change = at([expr], gmap_m)[0] - at([expr], m)[0]
                for j in range(n):
                    dh = sum((dg[i][j] * gnew[i] for i in range(n)), arb(0)) - gx[j]
                    change += dh * d[j]
                if not (change > 0 if signs[k] == "+" else change < 0):
                    raise Refuted(f"step {k}: f(θ_{k + 1}) − f(θ_{k}) "
                                  f"{'> 0' if signs[k] == '+' else '< 0'} not shown")
            X = new
        final = [(_frac(x.lower()), _frac(x.upper())) for x in X]
    proved = (f"{signs.count('+')} proved rises and {signs.count('-')} proved falls of the "
              "loss" + (f" ({signs.count('?')} steps without a claim)" if "?" in signs else ""))
    if not targets:
        return f"every start in the box: {proved} in {steps} steps"
    inside = [b["id"] for b in targets if _inside_ball(final, b)]
    if not inside:
        raise Refuted(f"after {steps} steps the box is in none of the listed balls")
    return (f"every start in the box enters {inside[0]} at step {steps}"
            + (f" with {proved}" if signs else ""))


# ------------------------------------------------------------------ complete critical sets


def check_critical_set(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """The real critical points are exactly the listed ones (module docstring)."""
    n = len(symbols)
    _polynomial(expr, symbols)
    listed = item.get("groebner")
    if not isinstance(listed, list) or not listed:
        raise Malformed("a critical set needs its lex Gröbner basis")
    params = [str(s) for s in symbols]
    order = item.get("order", params)
    if not isinstance(order, list) or sorted(order) != sorted(params):
        raise Malformed("order must list the parameters")
    grad = [sp.diff(expr, s) for s in symbols]
    symbols = [symbols[params.index(name)] for name in order]  # x_1 > ... > x_n in lex
    mine = sp.groebner(grad, *symbols, order="lex")
    basis = [sp.Poly(e, *symbols, domain=sp.QQ).monic() for e in mine.exprs]
    theirs = [sp.Poly(parse_loss({"text": t, "params": params})[0], *symbols,
                      domain=sp.QQ).monic() for t in listed]
    if basis != theirs:
        raise Refuted("the listed basis is not the lex Gröbner basis of ∇f")
    # shape position: x_i − q_i(x_n) for i < n, then u(x_n)
    last = symbols[-1]
    *lin, u = basis
    if len(lin) != n - 1 or not u.as_expr().free_symbols <= {last} or not all(
            (b.as_expr() - s).free_symbols <= {last} for s, b in zip(symbols, lin, strict=False)):
        raise Refuted("the basis is not in shape position (x_i − q_i(x_n), u(x_n))")
    roots = sp.Poly(u.as_expr(), last).sqf_part().count_roots()
    points = item.get("points")
    if not isinstance(points, list):
        raise Malformed("a critical set needs a list of points")
    alphas = []
    for block in points:
        point = Point(block, n)  # coordinates in the lex order
        if point.coords[-1] != sp.Poly([1, 0], T, domain=sp.QQ):
            raise Malformed(f"the last coordinate of a point must be α (= {last})")
        _critical(point, expr, symbols)
        alphas.append((point.lo, point.hi))
    for (a, b), (c, d) in combinations(alphas, 2):
        if not (b < c or d < a):
            raise Refuted("two points' isolating intervals meet: they may coincide")
    if len(points) != roots:
        raise Refuted(f"{len(points)} points listed, but ∇f has {roots} real zeros")
    return f"∇f has exactly {roots} real zeros, all listed (shape-position lex basis)"

# ------------------------------------------------------------------ exact identities


def _derived(expr: sp.Expr, symbols: list[sp.Symbol], eta: sp.Symbol | None) -> dict:
    """The names an identity may use for the loss: f, D_p = ∂f/∂p, D_p_q = ∂²f/∂p∂q and,
    with a symbol ``eta``, G_p = p − eta·∂f/∂p (the GD map)."""
    names: dict[str, sp.Expr] = {"f": expr}
    for a in symbols:
        names[f"D_{a}"] = sp.diff(expr, a)
        for b in symbols:
            names[f"D_{a}_{b}"] = sp.diff(expr, a, b)
        if eta is not None:
            names[f"G_{a}"] = a - eta * names[f"D_{a}"]
    return names


def check_identity(item: dict, expr: sp.Expr, symbols: list[sp.Symbol]) -> str:
    """Exact identities and signs about the loss (module docstring, ``identity``)."""
    params = [str(s) for s in symbols]
    extra = item.get("symbols", [])
    if not isinstance(extra, list) or set(extra) & set(params) or "f" in extra:
        raise Malformed("symbols must be new names")
    eta = sp.Symbol("eta", real=True) if "eta" in extra else None
    names = _derived(expr, symbols, eta)
    allowed = params + list(extra) + list(names)
    checks = item.get("checks")
    if not isinstance(checks, list) or not checks:
        raise Malformed("an identity needs a list of checks")

    def read(text: Any) -> sp.Expr:
        e, syms = parse_loss({"text": text, "params": allowed})
        return e.xreplace({s: names[str(s)] for s in syms if str(s) in names})

    for k, c in enumerate(checks):
        if not isinstance(c, dict) or c.get("is") not in ("zero", "positive", "negative",
                                                           "nonzero"):
            raise Malformed("each check needs 'lhs', 'rhs' and 'is'")
        sides = []
        for side in ("lhs", "rhs"):
            at = c.get(f"{side}_at", {})
            if not isinstance(at, dict) or not set(at) <= set(params):
                raise Malformed(f"{side}_at must map parameters to expressions")
            sub = {s: read(at[str(s)]) for s in symbols if str(s) in at}
            sides.append(read(c.get(side, "0")).xreplace(sub))
        value = sides[0] - sides[1]
        point = c.get("point")
        if point is None:
            if c["is"] != "zero":
                raise Malformed("a sign needs a 'point'")
            if sp.cancel(sp.together(sp.expand(value))) != 0:
                raise Refuted(f"check {k}: lhs − rhs does not simplify to 0")
            continue
        if not isinstance(point, dict):
            raise Malformed("point must map names to rationals")
        env = {sp.Symbol(n, real=True): sp.Rational(_q(v).numerator, _q(v).denominator)
               for n, v in point.items()}
        value = value.xreplace(env)
        if value.free_symbols:
            raise Malformed(f"check {k}: the point leaves {value.free_symbols} free")
        if value.is_Rational:
            sign = int(bool(value > 0)) - int(bool(value < 0))
        else:
            with flint.ctx.workprec(PREC):
                v = arb_eval(value, {})
            sign = 1 if v > 0 else -1 if v < 0 else None
        ok = {"zero": sign == 0, "positive": sign == 1, "negative": sign == -1,
              "nonzero": sign in (1, -1)}[c["is"]]
        if not ok:
            raise Refuted(f"check {k}: lhs − rhs at the point is not {c['is']}")
    return f"{len(checks)} exact check(s): {item.get('statement', '')}"

CHECKS = {"threshold": check_threshold, "trapping-ball": check_ball,
          "krawczyk": check_krawczyk, "krawczyk-cover": check_cover,
          "critical-set": check_critical_set, "identity": check_identity,
          "box-orbit": check_box_orbit}
#: Kinds whose check reads the verdicts of other items of the file.
DEPENDENT = ("box-orbit",)


def verify(data: Any) -> list[dict[str, str]]:
    """Check every item of a parsed certificate.

    Parameters
    ----------
    data
        The JSON document (a dict).

    Returns
    -------
    list of dict
        Per item: ``id``, ``kind``, ``status`` (``verified``, ``refuted``, ``not a proof``)
        and ``detail`` (what was shown, or the failing step).

    Raises
    ------
    Malformed
        If the document is not a certificate of this format and version.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Malformed(f"not a {FORMAT} file")
    if data.get("version") != VERSION:
        raise Malformed(f"version {data.get('version')!r} is not {VERSION}")
    items = data.get("items")
    if not isinstance(items, list):
        raise Malformed("'items' must be a list")
    results: dict[int, dict[str, str]] = {}
    done: dict[str, tuple[dict, str]] = {}
    # items that rest on other items (DEPENDENT) are checked after all the others
    for k, item in sorted(enumerate(items), key=lambda ki: _kind(ki[1]) in DEPENDENT):
        kind = _kind(item)
        if kind == "evidence":
            status, detail = NOT_A_PROOF, str(item.get("strength", "")) + " evidence"
        else:
            status, detail = _check_one(item, kind, done)
        done[item["id"]] = (item, status)
        results[k] = {"id": item["id"], "kind": kind, "status": status, "detail": detail}
    return [results[k] for k in range(len(items))]


def _kind(item: Any) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise Malformed("each item needs an 'id'")
    kind = item.get("kind")
    if kind != "evidence" and kind not in CHECKS:
        raise Malformed(f"item {item['id']!r}: unknown kind {kind!r}")
    return kind


def _check_one(item: dict, kind: str, done: dict[str, tuple[dict, str]]) -> tuple[str, str]:
    expr, symbols = parse_loss(item.get("loss"))
    try:
        if kind in DEPENDENT:
            return VERIFIED, CHECKS[kind](item, expr, symbols, done)
        return VERIFIED, CHECKS[kind](item, expr, symbols)
    except Refuted as exc:
        return REFUTED, str(exc)
    except Malformed:
        raise
    except Exception as exc:  # bad data that got past the format checks
        raise Malformed(f"item {item['id']!r} cannot be checked: "
                        f"{type(exc).__name__}: {exc}") from None


def verify_file(path: str) -> list[dict[str, str]]:
    """:func:`verify` on a file (``Malformed`` if it is not readable JSON)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise Malformed(f"cannot read {path}: {type(exc).__name__}") from None
    return verify(data)


def main(argv: list[str] | None = None) -> int:
    """``symstab-verify FILE``: print one line per item and a summary; return the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: symstab-verify FILE", file=sys.stderr)
        return 2
    try:
        results = verify_file(args[0])
    except Malformed as exc:
        print(f"symstab-verify: malformed certificate: {exc}", file=sys.stderr)
        return 2
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        print(f"{r['status']:11s} {r['kind']:13s} {r['id']}: {r['detail']}")
        counts.setdefault(r["kind"], {}).setdefault(r["status"], 0)
        counts[r["kind"]][r["status"]] += 1
    summary = "; ".join(f"{kind}: " + ", ".join(f"{v} {s}" for s, v in sorted(c.items()))
                        for kind, c in sorted(counts.items()))
    print(f"{len(results)} items ({summary or 'none'})")
    return 1 if any(r["status"] == REFUTED for r in results) else 0


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
