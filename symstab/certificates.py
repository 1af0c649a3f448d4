"""Certificates a sceptic can check: symstab's exact and certified results as JSON.

A certificate file (format ``symstab-certificate``, version :data:`VERSION`, described in
``docs/certificates.md``) lists *items*; each carries the loss as text in the parser's
grammar, every number as an exact rational (an algebraic number as a rational polynomial
with an isolating rational interval) and the finite data its proof needs. The
independent checker ``symstab_verify`` (console script ``symstab-verify``) re-checks every
item without importing symstab.

Item kinds and their builders:

* ``threshold`` (:func:`threshold_items`): a strict minimum θ*, its exact λmax and
  η* = 2/λmax;
* ``trapping-ball`` (:func:`trapping_ball_item`, :func:`trapping_ball_items`): a
  certified Hessian ball of :mod:`symstab.certify.hessian_ball` with every sub-box of
  its proof and the sub-box's Hessian bounds;
* ``krawczyk`` (:func:`krawczyk_item`, :func:`orbit_items`): a box with the claim
  ``unique`` or ``empty``;
* ``krawczyk-cover`` (:func:`krawczyk_cover_item`): a census, boxes tiling a domain,
  each ``unique`` or ``empty``, with the number of zeros;
* ``box-orbit`` (:func:`box_orbit_items`, :func:`point_orbit_items`): a box carried
  through G into a trapping ball, with the proved signs of the loss changes;
* ``critical-set`` (:func:`critical_set_item`): the lex Gröbner basis of ∇f and every
  real critical point;
* ``identity`` (:func:`identity_item`): exact identities and signs about the loss;
* ``evidence`` (:func:`evidence_item`): statistical or numerical evidence, recorded as
  not a proof.

A claim asks for items by recording *hints* in its evidence ``data["certificate"]``
(:func:`box_orbit_hint`, :func:`balls_hint`, :func:`point_orbit_hint`,
:func:`census_hint`, :func:`identity_hint`); :func:`claim_certificates` turns them (and
the exporters of :data:`EXPORTED`) into the bundle of a ``proofs-check`` run;
:func:`write_certificate` writes a file atomically.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from itertools import product
from typing import Any

import sympy as sp
from mpmath import libmp

from symstab.certificates_text import loss_block
from symstab.certificates_text import rational_text as _q
from symstab.errors import InputError
from symstab.loss import Loss

__all__ = [
    "FORMAT",
    "VERSION",
    "balls_hint",
    "box_orbit_hint",
    "bundle",
    "census_hint",
    "certificate_path",
    "claim_certificates",
    "critical_set_item",
    "evidence_item",
    "identity_hint",
    "identity_item",
    "krawczyk_cover_item",
    "krawczyk_item",
    "loss_block",
    "orbit_items",
    "point_block",
    "point_orbit_hint",
    "threshold_items",
    "trapping_ball_item",
    "trapping_ball_items",
    "write_certificate",
]

FORMAT = "symstab-certificate"
VERSION = 1


# --------------------------------------------------------------------------------------
# Numbers, the loss, algebraic points
# --------------------------------------------------------------------------------------


def point_block(point: Any) -> dict[str, Any]:
    """An :class:`~symstab.exact.algebraic.AlgebraicPoint` θ* = (p_1(α), ..., p_n(α)):
    the minimal polynomial of α, an isolating interval of α and the coordinates'
    coefficients (highest degree first)."""
    from symstab.exact.algebraic import isolate_real_roots

    m = point.minpoly
    if m.degree() == 1:
        a, b = (sp.Rational(c) for c in m.all_coeffs())
        root = -b / a
        interval = [_q(root), _q(root)]
    else:
        lo, hi = isolate_real_roots(m)[point.root_index]
        interval = [_q(lo), _q(hi)]
    return {"field": {"minpoly": [_q(sp.Rational(c)) for c in m.all_coeffs()],
                      "interval": interval},
            "coordinates": [[_q(sp.Rational(c)) for c in p.all_coeffs()]
                            for p in point.coords]}


def _minima(loss: Loss) -> tuple[Any, ...]:
    from symstab.certify.minima import minima_of

    if not loss.is_polynomial:
        raise InputError("certificates of minima need a polynomial loss", "certificate")
    return minima_of(loss)[1]


# --------------------------------------------------------------------------------------
# Item builders
# --------------------------------------------------------------------------------------


def threshold_items(loss: Loss, *, stable_at: Sequence[Any] = (),
                    unstable_at: Sequence[Any] = ()) -> tuple[list[dict], list[str]]:
    """One ``threshold`` item per strict minimum: the point, λmax, η* = 2/λmax.

    Parameters
    ----------
    loss
        A polynomial loss with rational coefficients.
    stable_at, unstable_at
        Rational step sizes recorded as η < η* (resp. η > η*) for every minimum for which
        that holds (the checker compares them with η* exactly).

    Returns
    -------
    items : list of dict
        The items (minima with an irrational λmax are left out).
    skipped : list of str
        Why a minimum has no item.
    """
    block = loss_block(loss)
    items, skipped = [], []
    for m in _minima(loss):
        if m.kind != "minimum":
            continue
        lam = m.spectrum.lambda_max.value
        if not (lam.is_Rational and lam > 0):
            skipped.append(f"minimum {m.label}: λmax = {sp.sstr(lam)} is irrational "
                           "(only rational thresholds are exported)")
            continue
        star = 2 / lam
        item: dict[str, Any] = {
            "kind": "threshold", "id": f"threshold/{block['name']}/min{m.label}",
            "loss": block, "point": point_block(m.point),
            "lambda_max": _q(lam), "eta_star": _q(star)}
        for key, etas in (("stable_at", stable_at), ("unstable_at", unstable_at)):
            chosen = [sp.Rational(e) for e in etas]
            chosen = [e for e in chosen if (e < star if key == "stable_at" else e > star)]
            if chosen:
                item[key] = [_q(e) for e in chosen]
        items.append(item)
    return items, skipped


def _method_numbers(method: str) -> tuple[int, int]:
    """(dps, subdivisions) from the ``method`` text of a Hessian ball."""
    dps = re.search(r"dps=(\d+)", method)
    subs = re.search(r"over (\d+)\^\d+ sub-boxes", method)
    if dps is None or subs is None:
        raise InputError("the region is not a Hessian ball of symstab.certify.hessian_ball",
                         "certificate")
    return int(dps.group(1)), int(subs.group(1))


def trapping_ball_item(loss: Loss, region: Any, point: Any) -> dict[str, Any]:
    """A ``trapping-ball`` item for a Hessian ball (``region.monotone``) around ``point``.

    The sub-boxes of [c ± (r + δ)]ⁿ and their Hessian bounds are recomputed exactly as
    :mod:`symstab.certify.hessian_ball` computes them (same dps and subdivisions).

    Parameters
    ----------
    loss
        The loss (polynomial, rational coefficients).
    region
        A :class:`~symstab.certify.region.CertifiedRegion` with ``monotone`` True and a
        rational step size.
    point
        Its minimum θ*, an :class:`~symstab.exact.algebraic.AlgebraicPoint`.

    Raises
    ------
    InputError
        For a non-monotone region, an irrational η, or bounds that no longer certify.
    """
    from symstab.certify.spectral import interval_spectrum_bounds
    from symstab.codegen import compile_loss
    from symstab.intervals import dyadic, mpf_fraction

    if not getattr(region, "monotone", False):
        raise InputError("only Hessian balls (monotone regions) are exported", "certificate")
    eta = sp.S(region.eta)
    if not eta.is_Rational:
        raise InputError(f"η = {sp.sstr(eta)} is not rational", "certificate")
    dps, subdivisions = _method_numbers(region.method)
    center = [mpf_fraction(c._mpf_) for c in region.center]
    r = mpf_fraction(region.radius._mpf_)
    delta = mpf_fraction(region.center_error._mpf_)
    q = mpf_fraction(region.contraction._mpf_)
    target = compile_loss(loss.expr, loss.params).interval(dps)
    half = r + delta
    width = 2 * half / subdivisions
    boxes = []
    for index in product(range(subdivisions), repeat=len(center)):
        box = []
        for c, k in zip(center, index, strict=True):
            lo = c - half + k * width
            box.append((lo, lo + width))
        bounds = interval_spectrum_bounds(target.hessian(box))
        if bounds is None:
            raise InputError("the Hessian could not be enclosed on a sub-box", "certificate")
        mu_k = dyadic(bounds[0], 64, libmp.round_floor)
        big_k = dyadic(bounds[1], 64, libmp.round_ceiling)
        boxes.append({"box": [[_q(lo), _q(hi)] for lo, hi in box],
                      "mu": _q(mu_k), "L": _q(big_k)})
    block = loss_block(loss)
    return {
        "kind": "trapping-ball",
        "id": f"ball/{block['name']}/eta={sp.sstr(eta)}/min{region.label}",
        "loss": block, "eta": _q(eta), "point": point_block(point),
        "center": [_q(c) for c in center], "delta": _q(delta), "radius": _q(r),
        "q": _q(q), "mu": _q(mpf_fraction(region.mu._mpf_)),
        "L": _q(mpf_fraction(region.L._mpf_)), "dps": dps, "boxes": boxes,
    }


def trapping_ball_items(loss: Loss, eta: Any, *, subdivisions: int = 4,
                        regions: Iterable[Any] | None = None) -> list[dict[str, Any]]:
    """``trapping-ball`` items for the Hessian balls of every stable strict minimum.

    Parameters
    ----------
    loss
        A polynomial loss with rational coefficients.
    eta
        A rational step size (any spelling of :meth:`symstab.inputs.StepSize.of`).
    subdivisions
        As for :func:`~symstab.certify.minima.certified_regions`.
    regions
        The regions, if already certified (default: certified here).
    """
    from symstab.certify.minima import certified_regions

    if regions is None:
        regions = certified_regions(loss, eta, subdivisions=subdivisions)
    points = {m.label: m.point for m in _minima(loss) if m.label is not None}
    return [trapping_ball_item(loss, r, points[r.label]) for r in regions
            if getattr(r, "monotone", False) and r.label in points]


def krawczyk_item(loss: Loss, root: Any, *, eta: Any = None, period: int = 1,
                  id: str | None = None) -> dict[str, Any]:
    """A ``krawczyk`` item from a :class:`~symstab.certify.krawczyk.Root`.

    Parameters
    ----------
    loss
        The loss.
    root
        A root of status ``unique`` or ``empty``; its tested box is exported.
    eta, period
        ``None``: the system is ∇f = 0 (critical points). Otherwise the system is
        G^period(θ) − θ = 0 for the GD map G(θ) = θ − η∇f(θ), η rational.
    id
        The item id (default from the loss, system and box).
    """
    if root.status not in ("unique", "empty"):
        raise InputError(f"a Krawczyk box of status {root.status!r} proves nothing",
                         "certificate")
    block = loss_block(loss)
    if eta is None:
        system: dict[str, Any] = {"map": "gradient"}
    else:
        eta = sp.Rational(eta)
        system = {"map": "gd", "eta": _q(eta), "period": int(period)}
    box = [[_q(lo), _q(hi)] for lo, hi in root.box]
    name = id or (f"krawczyk/{block['name']}/{system['map']}"
                  + (f"/eta={sp.sstr(eta)}/p={period}" if eta is not None else "")
                  + "/" + ",".join(f"[{float(lo):.6g},{float(hi):.6g}]" for lo, hi in root.box))
    return {"kind": "krawczyk", "id": name, "loss": block, "system": system, "box": box,
            "claim": root.status}


def box_orbit_hint(loss: Loss, eta: Any, box: Sequence[tuple[Any, Any]], steps: int, *,
                   signs: Sequence[int] | None = None, dps: int = 60,
                   subdivisions: int = 4, into_ball: bool = True) -> dict[str, Any]:
    """What a claim records (in its evidence ``data["certificate"]``) so that a
    ``box-orbit`` item can be exported: every start in ``box`` enters a certified Hessian
    ball of ``certified_regions(loss, eta, subdivisions)`` after ``steps`` GD steps, and
    ``signs`` (one ±1 per step, 0 for no claim; optional) are the proved signs of
    f(θ_{k+1}) − f(θ_k). ``into_ball=False``: only the signs are claimed.

    Returns
    -------
    dict
        JSON-ready (exact rationals as text); :func:`claim_certificates` turns it into
        the item and the ``trapping-ball`` items it refers to.
    """
    hint: dict[str, Any] = {
        "kind": "box-orbit", "loss": _loss_text(loss),
        "eta": _q(sp.Rational(eta)), "box": [[_q(lo), _q(hi)] for lo, hi in box],
        "steps": int(steps), "prec": max(256, int(dps * 3.33) + 64),
        "subdivisions": int(subdivisions)}
    if signs is not None:
        if any(s not in (1, -1, 0) for s in signs) or len(signs) != steps:
            raise InputError("a box orbit needs one sign per step", "certificate")
        hint["signs"] = "".join("+" if s > 0 else "-" if s < 0 else "?" for s in signs)
    if not into_ball:
        hint["into_ball"] = False
    return hint


def _loss_text(loss: Loss) -> dict[str, Any]:
    return {"text": sp.sstr(loss.expr), "params": [p.name for p in loss.params],
            "name": loss.name}


def _hint_loss(hint: Mapping[str, Any]) -> Loss:
    loss = Loss.from_text(hint["loss"]["text"], list(hint["loss"]["params"]))
    return replace(loss, name=hint["loss"]["name"])


def balls_hint(loss: Loss, eta: Any, subdivisions: int = 4) -> dict[str, Any]:
    """What a claim records to export the ``trapping-ball`` items of every minimum at η
    (as :func:`~symstab.certify.minima.certified_regions` certifies them)."""
    return {"kind": "balls", "loss": _loss_text(loss), "eta": _q(sp.Rational(eta)),
            "subdivisions": int(subdivisions)}


def point_orbit_hint(loss: Loss, eta: Any, point: Sequence[Any],
                     subdivisions: int = 4) -> dict[str, Any]:
    """What a claim records to export a ``box-orbit`` item for the GD orbit of one exact
    rational start (its entry into a ball is found in arb when the bundle is written)."""
    return {"kind": "point-orbit", "loss": _loss_text(loss), "eta": _q(sp.Rational(eta)),
            "point": [_q(sp.Rational(x)) for x in point], "subdivisions": int(subdivisions)}


def _balls(hint: Mapping[str, Any], cache: dict | None) -> list[dict]:
    """The ``trapping-ball`` items of a hint's loss, η and subdivisions (cached)."""
    key = (hint["loss"]["text"], tuple(hint["loss"]["params"]), hint["eta"],
           hint["subdivisions"])
    cache = {} if cache is None else cache
    if key not in cache:
        cache[key] = trapping_ball_items(_hint_loss(hint), sp.Rational(hint["eta"]),
                                         subdivisions=hint["subdivisions"])
        for b in cache[key]:
            b["id"] += f"/s={hint['subdivisions']}"
    if not cache[key]:
        raise InputError(f"no Hessian ball at η = {hint['eta']}", "certificate")
    return cache[key]


def box_orbit_items(hint: Mapping[str, Any], cache: dict | None = None) -> list[dict]:
    """The ``box-orbit`` item of a hint (:func:`box_orbit_hint`) and the ``trapping-ball``
    items it may enter (``cache``: keyed by loss, η and subdivisions)."""
    found = _balls(hint, cache) if hint.get("into_ball", True) else []
    block = loss_block(_hint_loss(hint))
    box = ",".join(f"[{float(Fraction(lo)):.8g},{float(Fraction(hi)):.8g}]"
                   for lo, hi in hint["box"])
    item = {"kind": "box-orbit",
            "id": f"orbit/{block['name']}/eta={hint['eta']}/{box}/steps={hint['steps']}",
            "loss": block, "eta": hint["eta"], "box": hint["box"], "steps": hint["steps"],
            "prec": hint["prec"], "balls": [b["id"] for b in found]}
    if "signs" in hint:
        item["signs"] = hint["signs"]
    return [*found, item]


def point_orbit_items(hint: Mapping[str, Any], cache: dict | None = None) -> list[dict]:
    """The items of a :func:`point_orbit_hint`: the orbit enclosed by
    :func:`~symstab.certify.loss_steps.certified_loss_steps` until it enters a ball."""
    from symstab.certify.loss_steps import certified_loss_steps
    from symstab.certify.minima import certified_regions

    loss, eta = _hint_loss(hint), sp.Rational(hint["eta"])
    point = [Fraction(x) for x in hint["point"]]
    regions = certified_regions(loss, eta, subdivisions=hint["subdivisions"])
    for dps in (60, 180, 480):
        r = certified_loss_steps(loss, eta, point, regions, max_steps=20000, dps=dps)
        if r.reason != "wide":
            break
    if r.entered is None:
        raise InputError("the orbit was not enclosed into a ball", "certificate")
    return box_orbit_items(box_orbit_hint(loss, eta, [(x, x) for x in point], r.entered,
                                          dps=dps, subdivisions=hint["subdivisions"]), cache)


def census_hint(loss: Loss, eta: Any, max_period: int, domain: tuple[Any, Any], *,
                partial: str = "") -> dict[str, Any]:
    """What a claim records to export, for p = 1..max_period, the ``krawczyk-cover`` of
    the zeros of g^p(x) − x on ``domain`` (g the GD map of the 1-D ``loss``, e.g. a
    diagonal map :func:`~symstab.dynamics.orbits.maps.diagonal_loss`). ``partial``: what
    of the claim's verdict the covers do not show (the claim is then listed as
    ``partly exported`` with this note)."""
    return {"kind": "census", "loss": _loss_text(loss), "eta": _q(sp.Rational(eta)),
            "max_period": int(max_period), "domain": [_q(domain[0]), _q(domain[1])],
            "partial": partial}


def krawczyk_cover_item(loss: Loss, eta: Any, period: int, domain: Sequence[tuple[Any, Any]],
                        *, dps: int = 30, fine: Fraction = Fraction(1, 2**24),
                        max_boxes: int = 50_000) -> dict[str, Any]:
    """A ``krawczyk-cover`` item: ``domain`` cut into boxes, each proved ``empty`` or
    ``unique`` for F = G^p − id by :func:`symstab.certify.krawczyk.krawczyk` (boxes are
    bisected slightly off centre, so that a rational zero is not put on an edge; for a
    1-D map each unique box whose |(G^p)'| > 1 is proved is marked ``unstable``, and a
    unique box where it is not proved is bisected down to width ``fine``).

    Raises
    ------
    InputError
        If a box stays undecided at width 2⁻⁶⁰ or the budget runs out.
    """
    from symstab.certify.krawczyk import IteratedMapSystem, arb_box, krawczyk
    from symstab.dynamics.orbits.maps import map_exprs

    eta = sp.Rational(eta)
    system = IteratedMapSystem(list(map_exprs(loss, eta)), list(loss.params), period, dps)
    start = tuple((Fraction(_q(lo)), Fraction(_q(hi))) for lo, hi in domain)
    leaves, stack = [], [start]
    while stack:
        box = stack.pop()
        if len(leaves) + len(stack) > max_boxes:
            raise InputError("the Krawczyk cover needs too many boxes", "certificate")
        status = krawczyk(system, box).status
        widths = [hi - lo for lo, hi in box]
        k = max(range(len(box)), key=lambda i: widths[i])
        unstable = False
        if status == "unique" and system.n == 1:
            with system.workprec():
                unstable = bool(abs(system.orbit_jacobian(arb_box(box, dps))[0][0]) > 1)
        if status == "empty" or (status == "unique" and (unstable or system.n > 1
                                                         or widths[k] <= fine)):
            entry: dict[str, Any] = {"box": [[_q(lo), _q(hi)] for lo, hi in box],
                                     "claim": status}
            if unstable:
                entry["unstable"] = True
            leaves.append(entry)
            continue
        if widths[k] < Fraction(1, 2**60):
            raise InputError("a box of the cover stays undecided", "certificate")
        lo, hi = box[k]
        cut = lo + (hi - lo) * Fraction(1021, 2048)
        for half in ((lo, cut), (cut, hi)):
            stack.append(tuple(half if i == k else side for i, side in enumerate(box)))
    block = loss_block(loss)
    count = sum(b["claim"] == "unique" for b in leaves)
    return {"kind": "krawczyk-cover",
            "id": f"cover/{block['name']}/eta={sp.sstr(eta)}/p={period}",
            "loss": block, "system": {"map": "gd", "eta": _q(eta), "period": int(period)},
            "domain": [[_q(lo), _q(hi)] for lo, hi in start], "boxes": leaves, "count": count}


def census_items(hint: Mapping[str, Any], cache: dict | None = None) -> list[dict]:
    """The items of a :func:`census_hint`: one cover per period."""
    loss = _hint_loss(hint)
    domain = [tuple(Fraction(x) for x in hint["domain"])] * loss.n
    return [krawczyk_cover_item(loss, hint["eta"], p, domain)
            for p in range(1, hint["max_period"] + 1)]


def critical_set_item(loss: Loss) -> dict[str, Any]:
    """A ``critical-set`` item: the lex Gröbner basis of ∇f and every real critical
    point, each with its last coordinate as the algebraic number α.

    Raises
    ------
    InputError
        If the loss is not a polynomial with rational coefficients, or the basis is not in
        shape position (x_i − q_i(x_n) for i < n, then u(x_n)).
    """
    if not loss.is_polynomial:
        raise InputError("a critical set needs a polynomial loss", "certificate")
    grad = [sp.diff(loss.expr, s) for s in loss.params]
    for xs in (list(loss.params), list(reversed(loss.params))):
        basis = sp.groebner(grad, *xs, order="lex")
        polys = [sp.Poly(e, *xs, domain=sp.QQ).monic() for e in basis.exprs]
        *lin, u = polys
        last = xs[-1]
        if len(lin) == len(xs) - 1 and u.as_expr().free_symbols <= {last} and all(
                (b.as_expr() - s).free_symbols <= {last} for s, b in zip(xs, lin, strict=False)):
            break
    else:
        raise InputError("the lex basis of ∇f is not in shape position in either variable "
                         "order", "certificate")
    t = sp.Dummy("t")
    uni = sp.Poly(u.as_expr().xreplace({last: t}), t, domain=sp.QQ)
    factors = [f for f, _ in uni.factor_list()[1]]
    points = []
    for (lo, hi), _mult in uni.sqf_part().intervals():
        lo, hi = sp.Rational(lo), sp.Rational(hi)
        if lo == hi:
            m = next(f for f in factors if f.eval(lo) == 0)
        else:  # a narrow interval with a sign change of its factor, apart from the others
            m = next(f for f in factors if f.count_roots(lo, hi) == 1
                     and f.eval(lo) != 0 and f.eval(hi) != 0)
            lo, hi = (sp.Rational(v) for v in m.refine_root(lo, hi, eps=sp.Rational(1, 2**30)))
            if m.eval(lo) * m.eval(hi) >= 0:
                raise InputError("a root could not be isolated by a sign change", "certificate")
        coords = []
        for s, b in zip(xs, lin, strict=False):
            q = sp.Poly((s - b.as_expr()).xreplace({last: t}), t, domain=sp.QQ).rem(m)
            coords.append([_q(sp.Rational(c)) for c in q.all_coeffs()])
        coords.append(["1", "0"])
        points.append({"field": {"minpoly": [_q(sp.Rational(c)) for c in m.all_coeffs()],
                                 "interval": [_q(lo), _q(hi)]},
                       "coordinates": coords})
    block = loss_block(loss)
    return {"kind": "critical-set", "id": f"critical/{block['name']}", "loss": block,
            "order": [p.name for p in xs],
            "groebner": [sp.sstr(sp.expand(p.as_expr())) for p in polys], "points": points}


def orbit_items(loss: Loss, eta: Any, orbits: Iterable[Any], *,
                dps: int = 40) -> tuple[list[dict[str, Any]], list[str]]:
    """``krawczyk`` items (claim ``unique``, F = G^p − id) for the certified periodic orbits
    of :func:`symstab.dynamics.orbits.find_orbits`.

    An orbit's box is printed in decimals; the Krawczyk test is rerun on a box of relative
    half-width 10^-(dps − 5), 10^-(dps/2) or 10^-12 around its midpoint (read back as an
    exact rational). Returns the items and a note per orbit left out.
    """
    from symstab.certify.krawczyk import IteratedMapSystem, krawczyk
    from symstab.dynamics.orbits.maps import map_exprs

    eta = sp.Rational(eta)
    items, skipped = [], []
    for k, orbit in enumerate(orbits, 1):
        if orbit.status != "certified" or orbit.box is None:
            continue
        system = IteratedMapSystem(list(map_exprs(loss, eta)), list(loss.params),
                                   orbit.period, dps)
        mid = [(Fraction(lo) + Fraction(hi)) / 2 for lo, hi in orbit.box]
        for digits in (dps - 5, dps // 2, 12):
            r = Fraction(1, 10**digits)
            root = krawczyk(system, [(c - r * max(1, abs(c)), c + r * max(1, abs(c)))
                                     for c in mid])
            if root.status == "unique":
                items.append(krawczyk_item(loss, root, eta=eta, period=orbit.period))
                break
        else:
            skipped.append(f"orbit #{k} of period {orbit.period}: its printed box is not "
                           "a Krawczyk box")
    return items, skipped


def certificate_path(path: str) -> Any:
    """The ``--certificate`` target, checked before any work (``InputError`` if it is a
    directory or its directory does not exist)."""
    from pathlib import Path

    target = Path(path)
    if target.is_dir() or not target.parent.resolve().is_dir():
        raise InputError(f"cannot write {path!r} (a directory, or no such directory)",
                         "--certificate")
    return target


def identity_item(loss: Loss, id: str, checks: Sequence[Mapping[str, Any]], *,
                  symbols: Sequence[str] = (), statement: str = "") -> dict[str, Any]:
    """An ``identity`` item: exact identities (and signs at rational points) about the
    loss, in the loss grammar with the names f, D_p, D_p_q and G_p (see
    docs/certificates.md); ``statement`` says what they show."""
    return {"kind": "identity", "id": id, "loss": loss_block(loss), "symbols": list(symbols),
            "checks": [dict(c) for c in checks], "statement": statement}


def identity_hint(loss: Loss, id: str, checks: Sequence[Mapping[str, Any]], *,
                  symbols: Sequence[str] = (), statement: str = "",
                  partial: str = "") -> dict[str, Any]:
    """What a claim records to export an :func:`identity_item` (``partial``: what of
    its verdict the identities do not show)."""
    return {"kind": "identity", "loss": _loss_text(loss), "id": id,
            "checks": [dict(c) for c in checks], "symbols": list(symbols),
            "statement": statement, "partial": partial}


def evidence_item(id: str, strength: str, summary: str, **data: Any) -> dict[str, Any]:
    """An ``evidence`` item: statistical or numerical evidence, never a proof.

    ``data`` holds what reproduces it (samples ``n``, ``confidence``, ``seed``,
    ``digits``...); values must be JSON-serialisable.
    """
    return {"kind": "evidence", "id": id, "strength": strength, "summary": summary,
            "not_a_proof": True, **{k: v for k, v in data.items() if v is not None}}


# --------------------------------------------------------------------------------------
# Files and bundles
# --------------------------------------------------------------------------------------


def bundle(items: Iterable[Mapping[str, Any]], *, claims: Sequence[Mapping] | None = None,
           notes: Sequence[str] = ()) -> dict[str, Any]:
    """A certificate document: the items (duplicates by id dropped), optional claims."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("symstab")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ours = "unknown"
    seen: dict[str, Mapping[str, Any]] = {}
    for item in items:
        seen.setdefault(item["id"], item)
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                           "created_by": f"symstab {ours}", "items": list(seen.values())}
    if claims is not None:
        doc["claims"] = list(claims)
    if notes:
        doc["notes"] = list(notes)
    return doc


def write_certificate(path: Any, doc: Mapping[str, Any]) -> None:
    """Write a certificate document as JSON, atomically."""
    from symstab.storage import write_atomic

    write_atomic(path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


_ETA_IN_TITLE = re.compile(r"η = (\d+(?:/\d+)?)\)?$")
#: Claim-id prefixes with an exporter, and the verdicts whose evidence it exports.
EXPORTED = {"chen.threshold-sharp.": ("holds",), "chen.threshold.": ("holds",),
            "chen.theorem2.": ("holds",), "chen.lemma1.": ("holds",),
            "chen.eq30-printed.": ("fails",)}


def _claim_items(record: Mapping[str, Any], subdivisions: int) -> tuple[list[dict], str]:
    """The items behind one exportable claim, and a note ('' if none)."""
    from symstab.catalog import lookup

    cid = record["id"]
    prefix = next((p for p in EXPORTED if cid.startswith(p)), None)
    if prefix is None:
        return [], "no certificate export for this claim"
    if record.get("verdict") not in EXPORTED[prefix]:
        return [], f"verdict {record.get('verdict')}"
    name = cid[len(prefix):].split(".")[0]
    if lookup(name) is None:
        return [], f"{name!r} is not a catalog loss"
    loss = Loss.from_catalog(name)
    if prefix == "chen.threshold.":
        items, skipped = threshold_items(loss)
        try:  # the data showing that the critical points (so the minima) are all listed
            items.append(critical_set_item(loss))
        except InputError as exc:
            skipped.append(f"completeness of the critical set not exported: {exc.problem}")
        return items, "; ".join(skipped)
    if prefix in ("chen.theorem2.", "chen.lemma1.", "chen.eq30-printed."):
        match = _ETA_IN_TITLE.search(record.get("title", ""))
        if match is None:
            return [], "step size not found in the claim's title"
        return trapping_ball_items(loss, sp.Rational(match.group(1)),
                                   subdivisions=subdivisions), ""
    # η* is sharp: a ball at (1 − 1/100)η*, instability at (1 + 1/100)η*
    margin = sp.Rational(1, 100)
    thresholds, skipped = threshold_items(loss)
    items: list[dict] = []
    for t in thresholds:
        star = sp.Rational(t["eta_star"])
        more, _ = threshold_items(loss, stable_at=[(1 - margin) * star],
                                  unstable_at=[(1 + margin) * star])
        items += [m for m in more if m["id"] == t["id"]]
        items += [b for b in trapping_ball_items(loss, (1 - margin) * star,
                                                 subdivisions=subdivisions)
                  if b["id"].endswith("/" + t["id"].rsplit("/", 1)[1])]
    for it in items:
        if it["kind"] == "threshold":
            it["id"] += "/sharp"
    return items, "; ".join(skipped)


#: Item kinds a claim can ask for in its evidence ``data["certificate"]``.
HINTED = {
    "box-orbit": box_orbit_items, "point-orbit": point_orbit_items, "census": census_items,
    "balls": lambda hint, cache: list(_balls(hint, cache)),
    "thresholds": lambda hint, cache: threshold_items(_hint_loss(hint))[0],
    "identity": lambda hint, cache: [identity_item(
        _hint_loss(hint), hint["id"], hint["checks"], symbols=hint["symbols"],
        statement=hint["statement"])]}


def _more(kind: str) -> Any:
    """The item builders of the exporters kept in their own modules."""
    from symstab.certificates_linear import linear_net_items
    return {"linear-net": linear_net_items}[kind]


def _hinted_items(record: Mapping[str, Any], balls: dict) -> tuple[list[dict], str] | None:
    """The items a claim recorded in its evidence ``data["certificate"]`` (None if none),
    for a claim that holds or fails."""
    hints = (record.get("data") or {}).get("certificate")
    if not hints or record.get("verdict") not in ("holds", "fails"):
        return None
    items: list[dict] = []
    for hint in hints:
        items += (HINTED.get(hint["kind"]) or _more(hint["kind"]))(hint, balls)
    return items, "; ".join(h["partial"] for h in hints if h.get("partial"))


def claim_certificates(records: Iterable[Mapping[str, Any]], *,
                       subdivisions: int = 4) -> dict[str, Any]:
    """The certificate bundle of a ``proofs-check`` run.

    Parameters
    ----------
    records
        One mapping per checked claim: ``id``, ``title``, ``statement``, ``verdict``
        (text), ``strength`` (text) and, for statistical or numerical evidence, ``n``,
        ``confidence``, ``digits``, ``summary``.
    subdivisions
        Sub-boxes per coordinate of the trapping balls (the claims' budget uses the same
        number to certify them).

    Returns
    -------
    dict
        The document: the items behind every exportable claim with the verdict its
        evidence supports (:data:`EXPORTED`: thresholds of ``chen.threshold.*``,
        thresholds and balls of ``chen.threshold-sharp.*``, balls of
        ``chen.theorem2.*``, ``chen.lemma1.*`` and of the known-false
        ``chen.eq30-printed.*``), an ``evidence`` item (not a proof) for each statistical
        or numerical verdict, and per claim its export status (``exported``,
        ``not a proof`` or ``not exported`` with the reason).
    """
    items: list[dict] = []
    claims = []
    balls: dict = {}
    for rec in records:
        entry: dict[str, Any] = {k: rec.get(k) for k in ("id", "statement", "verdict",
                                                         "strength")}
        strength = str(rec.get("strength"))
        if strength in ("statistical", "numerical"):
            ev = evidence_item(f"evidence/{rec['id']}", strength, str(rec.get("summary", "")),
                               n=rec.get("n"), confidence=rec.get("confidence"),
                               digits=rec.get("digits"))
            items.append(ev)
            entry.update(kind="not a proof", items=[ev["id"]])
        else:
            try:
                found, note = _claim_items(rec, subdivisions)
                if not found:
                    found, note = _hinted_items(rec, balls) or ([], note)
            except InputError as exc:
                found, note = [], str(exc)
            if found:
                items += found
                partial = any(h.get("partial") for h in
                              (rec.get("data") or {}).get("certificate") or ())
                entry.update(kind="partly exported" if partial else "exported",
                             items=[i["id"] for i in found])
                if note:
                    entry["note"] = note
            else:
                entry.update(kind="not exported", reason=note)
        claims.append(entry)
    return bundle(items, claims=claims)
