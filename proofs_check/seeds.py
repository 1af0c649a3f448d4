"""Every checkable statement of the seed papers, on the seeds' own examples and others,
plus deliberately false variants that must fail with a counterexample.

:func:`seed_claims` is what ``proofs-check`` runs with no argument. Claims whose
expected verdict is ``fails`` (a printed erratum, a false variant) do not fail the run
when they fail; they do if they hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache

import sympy as sp

from symstab.loss import Loss

from . import (
    ahn,
    balancing,
    blog_facts,
    chen,
    chen_lemma,
    chen_mechanism,
    chen_sets,
    chen_theorem3_proof,
    craciun,
    descent,
    eos,
    gradient_norm,
    kongtao,
    linear_nets,
    networks,
    networks_sgd,
    orbits,
    taowang,
)
from .core import Claim, Source, Verdict
from .properties import converges_from, descent_inequality, forward_invariant, threshold_equals

__all__ = ["false_variants", "seed_claim", "seed_claims"]

R = sp.Rational
CHEN = "Chen et al. 2024"
BOX2 = ((-2, 2), (-2, 2))


def _loss(name: str) -> Loss:
    return Loss.from_catalog(name)


def _quadratic() -> Loss:
    """x²/2 + 3y²/2: L = 3, so the descent-lemma regime is h <= 2/3."""
    return replace(Loss.from_text("x**2/2 + 3*y**2/2"), name="q13")


def _chen() -> list[Claim]:
    thresholds = {"f1": 1, "f2": 1, "f3": R(1, 6), "f4": R(10, 19)}
    eqs = {"f1": "eq. (43)", "f2": "eq. (44)", "f3": "eq. (45)", "f4": "eq. (46)"}
    out = [threshold_equals(_loss(n), v, id=f"chen.threshold.{n}",
                            source=Source(CHEN, f"{eqs[n]}: maximal learning rate"))
           for n, v in thresholds.items()]
    out += [chen.threshold_is_sharp(_loss(n)) for n in thresholds]
    lemma1_etas = {"f1": R(9, 10), "f2": R(9, 10), "f3": R(3, 20), "f4": R(1, 2)}
    for n, eta in lemma1_etas.items():
        out.append(descent_inequality(_loss(n), eta, invariance=False,
                                      id=f"chen.lemma1.{n}",
                                      source=Source(CHEN, "Lemma 1, eq. (8)")))
        out.append(forward_invariant(_loss(n), eta, id=f"chen.theorem2.{n}"))
    out.append(chen.u_eta_open(_loss("f1"), R(1, 2), ((-1, 1), (-1, 1)),
                               id="chen.theorem3.f1"))
    out.append(chen.u_eta_open(_loss("f4"), R(1, 2), ((0, 2), (0, 2)), id="chen.theorem3.f4"))
    out.append(chen_theorem3_proof.epsilon_construction(
        _loss("f1"), R(4, 5), ((-R(3, 2), R(3, 2)),) * 2, id="chen.theorem3-epsilon.f1"))
    out.append(chen_theorem3_proof.m1_as_printed(
        _loss("f1"), R(4, 5), ((-R(3, 2), R(3, 2)),) * 2, id="chen.theorem3-m1-printed.f1"))
    out.append(chen.u_eta_printed_open(_loss("f4"), R(1, 2), id="chen.eq30-printed.f4"))
    out.append(chen.converging_measure(_loss("f4"), R(1, 2), BOX2, at_least=R(1, 2),
                                       id="chen.converging-measure.f4"))
    fig3 = Source(CHEN, "Fig. 3 (caption: both trajectories converge)")
    out.append(converges_from(_loss("f4"), R(3, 10), point=(R(1, 10), R(5, 2)),
                              id="chen.fig3.unstable-start", source=fig3))
    out.append(converges_from(_loss("f4"), R(3, 10), point=(R(3, 2), 2),
                              id="chen.fig3.stable-start", source=fig3))
    return out + _chen_rest(thresholds, lemma1_etas)


#: The windows of Chen's Fig. 2 (squares around the minima).
CHEN_WINDOWS = {"f1": ((-R(3, 2), R(3, 2)),) * 2, "f2": ((-R(3, 2), R(3, 2)),) * 2,
                "f3": BOX2, "f4": BOX2}
#: The step sizes of Chen's Fig. 3 checks (η* = 10/19 for f4).
CHEN_FIG3_ETAS = (R(1, 5), R(1, 4), R(3, 10), R(7, 20), R(2, 5), R(9, 20))
F2_TREND_NOTE = ("the paper: 'the same behavior is observed for f2'; measured, the share of "
                 "V_η ∖ U_η of f2 peaks near 0.8η* and falls by 0.98η* (V_η of f2 lies well "
                 "inside the window, so this is the whole measure)")


def _chen_rest(thresholds: dict[str, sp.Expr], lemma1_etas: dict[str, sp.Expr]) -> list[Claim]:
    f4 = _loss("f4")
    out = [chen_mechanism.unstable_mechanism(f4, CHEN_FIG3_ETAS, chen_mechanism.FIG3_STARTS,
                                             id="chen.mechanism.f4"),
           chen_mechanism.fig3_labels(f4, CHEN_FIG3_ETAS, id="chen.fig3.labels")]
    out += [chen_lemma.lemma1_all_alpha(_loss(n), eta) for n, eta in lemma1_etas.items()]
    fractions = (R(3, 5), R(49, 50))
    for n, box in CHEN_WINDOWS.items():
        out.append(chen_sets.open_on_grid(_loss(n), fractions, box, which="U",
                                          id=f"chen.theorem3-grid.{n}"))
        out.append(chen_sets.open_on_grid(_loss(n), fractions, box, which="V",
                                          id=f"chen.v-open-grid.{n}"))
    for n, box in CHEN_WINDOWS.items():
        src = None if n != "f2" else Source(
            CHEN, "Numerical Experiments, on Fig. 2: 'as LR increases ... the set of "
                  "initializations leading to unstable convergence expands. The same "
                  "behavior is observed for f2'", F2_TREND_NOTE)
        out.append(chen_sets.unstable_measure_trend(
            _loss(n), box, id=f"chen.fig2-unstable-grows.{n}", source=src,
            expected=Verdict.FAILS if n == "f2" else Verdict.HOLDS))
    for n, box in CHEN_WINDOWS.items():
        etas = tuple(f * thresholds[n] for f in (R(4, 5), R(49, 50)))
        starts = chen_mechanism.sampled_unstable_starts(_loss(n), box)
        out.append(chen_mechanism.unstable_mechanism(_loss(n), etas, starts,
                                                     id=f"chen.mechanism-sampled.{n}"))
    out.append(chen_sets.unstable_components([(_loss(n), b) for n, b in CHEN_WINDOWS.items()],
                                             id="chen.fig2-components"))
    f3 = _loss("f3")
    out += [chen_lemma.f3_axes_printed(f3, id="chen.f3-axes.printed"),
            chen_lemma.f3_axes_corrected(f3, id="chen.f3-axes.corrected")]
    return out


def _chen_false(wrong: Source) -> list[Claim]:
    f4 = _loss("f4")
    return [
        chen_mechanism.unstable_mechanism(f4, (R(3, 10),), chen_mechanism.FIG3_STARTS,
                                          contiguous=True, id="false.mechanism.f4-contiguous",
                                          source=wrong),
        chen_lemma.lemma1_all_alpha(f4, R(1, 2), alpha_max=1,
                                    id="false.lemma1-all-alpha.f4-twice-eta", source=wrong),
        chen_sets.open_on_grid(f4, (R(3, 5),), BOX2, radius=R(1, 20),
                               id="false.open-uniform-radius.f4", source=wrong),
        chen_sets.unstable_measure_trend(f4, BOX2, grows=False,
                                         id="false.fig2-unstable-shrinks.f4", source=wrong),
        chen_sets.unstable_components([(f4, BOX2)], disconnected=False,
                                      id="false.fig2-components.f4-connected", source=wrong),
        chen_lemma.f3_axes_corrected(_loss("f3"), strict_minima=True,
                                     id="false.f3-axes.strict-minima", source=wrong),
    ]


def _craciun() -> list[Claim]:
    xy, chain3 = _loss("xy"), _loss("chain3")
    return [
        craciun.critical_eta_equals(xy, 1, id="craciun.critical-eta.xy"),
        craciun.critical_eta_equals(chain3, R(2, 3), id="craciun.critical-eta.chain3"),
        craciun.minima_manifold_smooth(xy, id="craciun.smooth-manifold.xy"),
        craciun.minima_manifold_smooth(chain3, id="craciun.smooth-manifold.chain3"),
        craciun.stable_minima_bounded(xy, R(2, 5), id="craciun.stable-bounded.xy"),
        craciun.stable_minima_bounded(chain3, R(1, 2), id="craciun.stable-bounded.chain3"),
        craciun.converging_fraction_positive(xy, R(2, 5), BOX2, id="craciun.positive-fraction.xy"),
        craciun.converging_measure(xy, R(2, 5), BOX2, at_least=R(1, 2),
                                   id="craciun.converging-measure.xy"),
        craciun.measure_zero_convergence(xy, R(11, 10), BOX2, id="ahn.measure-zero.xy"),
        craciun.measure_zero_convergence(chain3, R(4, 5), ((-2, 2),) * 3,
                                         id="ahn.measure-zero.chain3"),
        craciun.measure_zero_convergence(_loss("f4"), R(11, 19), BOX2,
                                         id="ahn.measure-zero.f4"),
        gradient_norm.gradient_norm_transition(xy, R(9, 10), R(11, 10), ((-2, 2),) * 2),
        gradient_norm.gradient_norm_transition(_loss("linear-net:2x2x2"), R(9, 20), R(11, 20),
                                               ((-1.5, 1.5),) * 8),
    ]


def _linear_nets() -> list[Claim]:
    filling, bottleneck = "linear-net:2x2x2", "linear-net:2x1x2"
    box = ((-1.5, 1.5),) * 8
    return [
        linear_nets.architecture_is(filling, True),
        linear_nets.architecture_is(bottleneck, False),
        linear_nets.rank_r_minimum(filling, 0),
        linear_nets.rank_r_minimum(bottleneck, R(1, 2)),
        linear_nets.minima_dimension(filling, 4),
        linear_nets.minima_dimension(bottleneck, 1),
        linear_nets.gd_map_nonsingular(filling),
        linear_nets.gd_map_nonsingular(bottleneck),
        linear_nets.critical_eta_is(filling, R(1, 2)),
        linear_nets.critical_eta_is(bottleneck, R(1, 2)),
        linear_nets.converging_fraction_positive(filling, R(2, 5), box),
        linear_nets.converging_fraction_positive(bottleneck, R(2, 5), box[:4]),
        linear_nets.measure_zero_convergence(filling, R(11, 20), box),
        linear_nets.measure_zero_convergence(bottleneck, R(11, 20), box[:4]),
        linear_nets.rank_r_minimum(f"{filling}:data", R(1, 2)),
        linear_nets.critical_eta_is(f"{filling}:data", R(1, 2)),
        linear_nets.stable_minima_bounded(filling, R(2, 5)),
        linear_nets.stable_minima_bounded(bottleneck, R(2, 5)),
        _as_erratum(linear_nets.stable_minima_bounded("linear-net:1x2x2x1", R(1, 2)),
                    "the abstract states boundedness for linear networks without a width "
                    "condition; with two consecutive hidden layers wider than the rank bound "
                    "an exact line of stable minima is unbounded"),
    ]


def _taowang() -> list[Claim]:
    quadratic = _quadratic()
    start = (R(1, 2), R(3, 2))
    return [
        taowang.descent_regime(quadratic, R(1, 2), id="taowang.descent-regime.q13"),
        taowang.modified_equation_order(_loss("f4"), start, id="taowang.modified-equation.f4"),
        taowang.modified_equation_order(_loss("xy"), start, id="taowang.modified-equation.xy"),
    ]


def false_variants() -> list[Claim]:
    """Deliberately false variants of seed claims (expected verdict ``fails``)."""
    wrong = Source("false variant", "deliberately wrong, must fail")
    quadratic = _quadratic()
    claims = [
        *_chen_false(wrong),
        threshold_equals(_loss("f4"), R(11, 19), id="false.threshold.f4-11_19", source=wrong),
        descent_inequality(_loss("f4"), R(1, 2), constant="1 - eta*M/4",
                           id="false.descent.f4-quarter-constant", source=wrong),
        converges_from(_loss("xy"), R(11, 10), box=BOX2, id="false.converges-everywhere.xy",
                       source=wrong),
        taowang.descent_regime(quadratic, R(7, 10), id="false.descent-regime.q13-h-7_10",
                               source=wrong),
        *(replace(c, source=wrong) for c in (
            linear_nets.architecture_is("linear-net:2x1x2", True,
                                        id="false.architecture.2x1x2-filling"),
            linear_nets.rank_r_minimum("linear-net:2x1x2", 0,
                                       id="false.prop1.non-filling-minimum-equals-filling"),
            linear_nets.critical_eta_is("linear-net:2x2x2", 1, id="false.critical-eta.2x2x2-1"),
            gradient_norm.gradient_norm_transition(_loss("xy"), R(7, 10), R(9, 10),
                                                   ((-2, 2),) * 2,
                                                   id="false.gradient-norm.xy-below-0.9"),
        )),
    ]
    return [_as_false(c) for c in claims]


def _as_erratum(claim: Claim, note: str) -> Claim:
    """A seed statement that fails as stated (expected verdict ``fails``), with why."""
    return replace(claim, expected=Verdict.FAILS, tags=(*claim.tags, "erratum"),
                   source=replace(claim.source, note=note))


def _as_false(claim: Claim) -> Claim:
    return replace(claim, expected=Verdict.FAILS, tags=(*claim.tags, "false-variant"))


_GROUPS: tuple[Callable[[], list[Claim]], ...] = (
    _chen, _craciun, _linear_nets, _taowang, eos.seed_claims, orbits.seed_claims,
    networks.seed_claims, networks_sgd.seed_claims, networks.eos_claims, false_variants,
    descent.seed_claims, balancing.seed_claims, ahn.seed_claims, kongtao.seed_claims,
    blog_facts.seed_claims,
)


@cache
def _all() -> tuple[Claim, ...]:
    claims = tuple(c for group in _GROUPS for c in group())
    ids = [c.id for c in claims]
    assert len(ids) == len(set(ids)), "duplicate seed claim ids"
    return claims


def seed_claims() -> list[Claim]:
    """Every seed claim (and the false variants), in a stable order."""
    return list(_all())


def seed_claim(claim_id: str) -> Claim:
    """The seed claim with this id (KeyError if there is none)."""
    for c in _all():
        if c.id == claim_id:
            return c
    raise KeyError(claim_id)
