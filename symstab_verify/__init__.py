"""symstab-verify: check a symstab certificate file without trusting symstab.

Usage: ``symstab-verify FILE`` (or :func:`verify_file` / :func:`verify`). Each item of the
file is answered with ``verified``, ``refuted`` (with the inequality or identity that
could not be established) or ``not a proof`` (statistical or numerical evidence, recorded
but never counted as a proof). Exit code 0 when every proof item is verified, 1 when one
is refuted, 2 when the file is malformed (one line on stderr, no traceback). The format
is described in ``docs/certificates.md``.

What this package trusts, and nothing else
------------------------------------------
* Python itself: ``json``, ``fractions.Fraction``, integer arithmetic (``math.isqrt``).
* SymPy: parsing the loss text with ``sympy.parsing.sympy_parser.parse_expr`` *after* this
  package's own whitelist check (characters, names, exponent size; no builtins reachable),
  symbolic differentiation, expansion, cancellation of rational functions (with square
  roots as generators), polynomial division and gcd, characteristic polynomials, ranks
  and eigenvalues of rational matrices, lex Gröbner bases (``sympy.groebner``) and real
  root counting over Q.
* python-flint's ``arb`` ball arithmetic (outward rounded) for every interval enclosure.
* Textbook theorems, named where a kind uses them: Weyl's inequality, Krawczyk's
  theorem, Cauchy–Schwarz, the real-rootedness of a symmetric matrix's characteristic
  polynomial, Eckart–Young–Mirsky and the submersion theorem.

It imports nothing from ``symstab``; floats never decide anything (they only choose the
preconditioner Y of the Krawczyk test, where any Y gives a valid test). Every number in
a certificate is an exact rational; an algebraic number is a root of a rational
polynomial isolated by a rational interval, and a point θ* is a tuple of polynomials in
one such root α.

The kinds (one module each, its docstring says what is checked)
----------------------------------------------------------------
threshold (:mod:`.threshold`), trapping-ball (:mod:`.ball`), krawczyk and krawczyk-cover
(:mod:`.krawczyk`), box-orbit (:mod:`.orbit`), critical-set (:mod:`.critical`), identity
(:mod:`.identity`), linear-net (:mod:`.network`). ``evidence`` items are always ``not a
proof``. Items are checked in file order, except ``box-orbit`` items, which are checked
after the items they rest on.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .ball import MAX_SPLIT_DEPTH, check_ball
from .core import FORMAT, NOT_A_PROOF, REFUTED, VERIFIED, VERSION, Malformed, Refuted, parse_loss
from .critical import check_critical_set
from .identity import check_identity
from .krawczyk import check_cover, check_krawczyk
from .network import check_network
from .orbit import check_box_orbit
from .threshold import check_threshold

__all__ = ["FORMAT", "MAX_SPLIT_DEPTH", "NOT_A_PROOF", "REFUTED", "VERIFIED", "VERSION",
           "Malformed", "verify", "verify_file"]

CHECKS = {"threshold": check_threshold, "trapping-ball": check_ball,
          "krawczyk": check_krawczyk, "krawczyk-cover": check_cover,
          "critical-set": check_critical_set, "identity": check_identity,
          "box-orbit": check_box_orbit, "linear-net": check_network}
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
