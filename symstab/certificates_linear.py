"""Certificates of matrix linear networks: the ``linear-net`` item kind.

One item per network ½‖W_L⋯W_1 − W*‖² (``linear-net:...`` catalog names) carries the
widths, the target, the offset of the data form and the facts the checker re-derives
from them (see ``docs/certificates.md``): filling, the minimum on the rank-r matrices
with an exact point attaining it, the dimension of the minima near that point, two
points showing the GD map non-singular, a balanced minimum attaining the critical
λmax, the radius of the stable minima (depth 2) or an unbounded line of stable minima.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import sympy as sp

from symstab.catalog import LinearNetSpec, linear_net
from symstab.certificates_text import loss_block
from symstab.certificates_text import rational_text as _q
from symstab.errors import InputError
from symstab.exact.linear_net import network_facts
from symstab.exact.linear_net_stable import stable_minima_bound
from symstab.loss import Loss

__all__ = ["linear_net_hint", "linear_net_item", "linear_net_items"]


def _spec(name: str) -> LinearNetSpec:
    spec = linear_net(name)
    if spec is None:
        raise InputError(f"{name!r} is not a linear network", "certificate")
    return spec


def _balanced_point(spec: LinearNetSpec) -> dict[str, Any] | None:
    """The balanced minimum W_k = diag(s_i^(1/L)) (top-left blocks) of a diagonal target
    with non-increasing entries, as an algebraic point in α = s_1^(1/L); None when some
    s_i^(1/L), i > 1, is irrational (or the target is not of that form)."""
    target, depth, r = spec.target, spec.depth, min(spec.widths)
    diag = [target[i, i] for i in range(min(target.shape))]
    if any(target[i, j] != 0 for i in range(target.rows) for j in range(target.cols) if i != j) \
            or any(a < b for a, b in pairwise(diag)) or diag[0] <= 0:
        return None
    roots = [sp.root(s, depth) for s in diag[:r]]
    if not all(x.is_Rational for x in roots[1:]):
        return None
    alpha = roots[0]
    coords: list[list[str]] = []
    for k in range(1, depth + 1):
        for i in range(spec.widths[k]):
            for j in range(spec.widths[k - 1]):
                if i != j or i >= r:
                    coords.append(["0"])
                elif i == 0:
                    coords.append(["1", "0"])  # α
                else:
                    coords.append([_q(roots[i])])
    if alpha.is_Rational:
        field = {"minpoly": ["1", _q(-alpha)], "interval": [_q(alpha), _q(alpha)]}
        coords = [["0", _q(alpha)] if c == ["1", "0"] else c for c in coords]
    else:
        lo = sp.floor(alpha)
        field = {"minpoly": ["1"] + ["0"] * (depth - 1) + [_q(-diag[0])],
                 "interval": [_q(lo), _q(lo + 1)]}
    return {"field": field, "coordinates": coords}


def linear_net_item(name: str, eta: Any = None) -> dict[str, Any]:
    """The ``linear-net`` item of the network ``name`` (with ``eta``: the unbounded line
    of minima stable at η, for a network that has one).

    Raises
    ------
    InputError
        If ``name`` is not a linear network or its loss has no exact text form.
    """
    spec = _spec(name)
    loss = Loss.from_catalog(name)
    facts = network_facts(spec)
    item: dict[str, Any] = {
        "kind": "linear-net", "id": f"linear-net/{name}", "loss": loss_block(loss),
        "widths": list(spec.widths), "target": [[_q(v) for v in row]
                                                for row in spec.target.tolist()],
        "offset": _q(spec.offset), "filling": facts.filling}
    if all(sp.Rational(v) == v for v in facts.point):
        item.update(minimum={"value": _q(facts.min_on_rank_r),
                             "point": [_q(v) for v in facts.point]},
                    dimension=facts.dimension)
    if spec.depth == 2 or eta is None:
        item["nonsingular"] = [[_q(v) for v in facts.point],
                               [_q(sp.Rational(k % 5 + 1, 7)) for k in range(loss.n)]]
    balanced = _balanced_point(spec)
    if facts.eta_critical is not None and balanced is not None:
        item["critical_eta"] = {"value": _q(facts.eta_critical), "point": balanced,
                                "lower_bound": facts.notes[0]}
    bound = stable_minima_bound(spec, facts.filling)
    if bound.bounded:
        item["stable_radius"] = _q(bound.radius_sq_times_eta)
    elif bound.witness is not None and eta is not None:
        t = sp.Symbol("t", real=True)
        item["stable_line"] = {"line": [sp.sstr(x.subs(bound.witness.t, t))
                                        for x in bound.witness.point], "eta": _q(eta)}
        item["id"] += f"/stable-line-{_q(eta).replace('/', '_')}"
    return item


def linear_net_hint(name: str, eta: Any = None, partial: str = "") -> dict[str, Any]:
    """What a claim records to export :func:`linear_net_item` (``partial``: what of
    its verdict the item does not show)."""
    return {"kind": "linear-net", "name": name,
            "eta": None if eta is None else _q(sp.Rational(eta)),
            "partial": partial}


def linear_net_items(hint: Mapping[str, Any], cache: dict | None = None) -> list[dict]:
    """The items of a :func:`linear_net_hint`."""
    eta = hint.get("eta")
    return [linear_net_item(hint["name"], None if eta is None else sp.Rational(eta))]
