"""The shared core of the checker: reading exact numbers, boxes and the loss text,
arb evaluation of SymPy expressions, algebraic points θ* = (p_1(α), ..., p_n(α)) and exact
rational linear algebra. Every kind module builds on these and on nothing else."""

from __future__ import annotations

import keyword
import math
import re
from fractions import Fraction
from itertools import pairwise, product
from typing import Any

import flint
import sympy as sp
from flint import arb
from sympy.parsing.sympy_parser import auto_number, convert_xor, parse_expr

FORMAT = "symstab-certificate"
VERSION = 1
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


def largest_eigenvalue(point: Point, hess: list[list[sp.Expr]], lam: Fraction, name: str,
                       attained: bool = True) -> None:
    """No eigenvalue of the symmetric matrix ``hess`` (entries in Q(α)) exceeds ``lam``,
    and with ``attained`` lam is one; raises Refuted otherwise. The characteristic
    polynomial c(y) = det(yI − (lam·I − hess)) = Σ c_k y^(n−k) is real-rooted (a symmetric
    matrix), so its roots are all >= 0 iff (−1)^k c_k >= 0 for every k (then c(−y) has no
    root y > 0); lam is an eigenvalue iff c_n = 0."""
    n, lam_e, y = len(hess), sp.Rational(lam.numerator, lam.denominator), sp.Dummy("y")
    shifted = sp.Matrix(n, n, lambda i, j: (lam_e if i == j else 0) - hess[i][j])
    coeffs = shifted.charpoly(y).all_coeffs()
    if attained and not point.element(coeffs[-1]).is_zero:
        raise Refuted(f"det({lam}·I − {name}) ≠ 0: {lam} is not an eigenvalue")
    for k, c in enumerate(coeffs):
        if (-1) ** k * point.sign(point.element(c)) < 0:
            raise Refuted(f"coefficient {k} of det(yI − ({lam}·I − {name})) has the wrong "
                          f"sign: an eigenvalue exceeds {lam}")


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
