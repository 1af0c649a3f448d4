"""The ``identity`` kind: exact identities and signs about the loss.

For each check, lhs − rhs (texts in the loss grammar; the names f, D_p, D_p_q and,
with the symbol ``eta``, G_p = p − eta·D_p are replaced by the checker's own
derivatives of the loss; ``lhs_at``/``rhs_at`` substitute the parameters) either
cancels to 0 as a rational function, or, at a rational ``point``, has the claimed
sign (exactly, or from an arb enclosure). A check's ``defs`` names further texts, each
with its own substitution (so one side can hold a function at two points); ``integrate``
([s, lo, hi]) integrates the rhs over s from lo to hi (SymPy) before comparing. The
item's ``statement`` says, for the reader, what the identities show; the checker checks
only the identities.
"""

from __future__ import annotations

from typing import Any

import flint
import sympy as sp

from .core import PREC, Malformed, Refuted, _q, arb_eval, parse_loss


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

    def read(text: Any, more: dict | None = None) -> sp.Expr:
        known = {**names, **(more or {})}
        e, syms = parse_loss({"text": text, "params": allowed + list(more or ())})
        return e.xreplace({s: known[str(s)] for s in syms if str(s) in known})

    def shifted(text: Any, at: Any, keys: list[str], more: dict | None = None) -> sp.Expr:
        if not isinstance(at, dict) or not set(at) <= set(keys):
            raise Malformed(f"a substitution must map {', '.join(keys)} to expressions")
        return read(text, more).xreplace({sp.Symbol(n, real=True): read(v)
                                          for n, v in at.items()})

    for k, c in enumerate(checks):
        if not isinstance(c, dict) or c.get("is") not in ("zero", "positive", "negative",
                                                           "nonzero", "nonnegative"):
            raise Malformed("each check needs 'lhs', 'rhs' and 'is'")
        defs = c.get("defs", {})  # new names: a text with its own substitution
        if not isinstance(defs, dict) or set(defs) & set(allowed) or not all(
                isinstance(d, dict) for d in defs.values()):
            raise Malformed("defs must map new names to {'text', 'at'}")
        more = {n: shifted(d.get("text"), d.get("at", {}), params + list(extra))
                for n, d in defs.items()}
        lhs, rhs = (shifted(c.get(side, "0"), c.get(f"{side}_at", {}), params, more)
                    for side in ("lhs", "rhs"))
        if "integrate" in c:  # the rhs integrated over [lo, hi] in one of the symbols
            var, lo, hi = c["integrate"] if isinstance(c["integrate"], list) and len(
                c["integrate"]) == 3 and c["integrate"][0] in extra else (None,) * 3
            if var is None:
                raise Malformed("integrate must be [symbol, lo, hi]")
            rhs = sp.integrate(rhs, (sp.Symbol(var, real=True), read(lo), read(hi)))
        value = lhs - rhs
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
              "nonzero": sign in (1, -1), "nonnegative": sign in (0, 1)}[c["is"]]
        if not ok:
            raise Refuted(f"check {k}: lhs − rhs at the point is not {c['is']}")
    return f"{len(checks)} exact check(s): {item.get('statement', '')}"
