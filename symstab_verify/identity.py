"""The ``identity`` kind: exact identities and signs about the loss.

For each check, lhs − rhs (texts in the loss grammar; the names f, D_p, D_p_q and,
with the symbol ``eta``, G_p = p − eta·D_p are replaced by the checker's own
derivatives of the loss; ``lhs_at``/``rhs_at`` substitute the parameters) either
cancels to 0 as a rational function, or, at a rational ``point``, has the claimed
sign (exactly, or from an arb enclosure). The item's ``statement`` says, for the
reader, what the identities show; the checker checks only the identities.
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

    def read(text: Any) -> sp.Expr:
        e, syms = parse_loss({"text": text, "params": allowed})
        return e.xreplace({s: names[str(s)] for s in syms if str(s) in names})

    for k, c in enumerate(checks):
        if not isinstance(c, dict) or c.get("is") not in ("zero", "positive", "negative",
                                                           "nonzero", "nonnegative"):
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
              "nonzero": sign in (1, -1), "nonnegative": sign in (0, 1)}[c["is"]]
        if not ok:
            raise Refuted(f"check {k}: lhs − rhs at the point is not {c['is']}")
    return f"{len(checks)} exact check(s): {item.get('statement', '')}"
