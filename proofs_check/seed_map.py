"""Every checkable statement of the seed papers, mapped to the claims that check it.

The seed documents (the papers, abstracts, slides and blog the project was built from)
are read statement by statement: each theorem, lemma, proposition, definition with
content, equation that asserts something, example, figure and each claim of an
abstract, summary, slide or blog section is one :class:`SeedStatement`. A statement made
in several places (an abstract and a summary, or two seeds) is one row whose ``where``
cites every place. ``claims`` holds :mod:`fnmatch` patterns of the seed claim ids that
check the statement; ``note`` says what the claims leave out, or, when ``claims`` is
empty, where such a check belongs.

>>> from proofs_check import seed_claims
>>> rows = coverage(c.id for c in seed_claims())
>>> all(ids for s, ids in rows if s.claims)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

__all__ = ["SEED_FILES", "SEED_STATEMENTS", "SeedStatement", "coverage", "uncovered"]

CHEN = "chen-et-al-2024-unstable-convergence-regime.txt"
CRACIUN = "craciun-ghoshdastidar-2024-large-learning-rates-summary.txt"
CRACIUN_ABS = "craciun-ghoshdastidar-2024-abstract.txt"
BLOG = "tao-wang-blog-large-learning-rates.txt"
AHN = "ahn-zhang-sra-2022-unstable-convergence-slides.txt"

#: The seed documents (file names in the project's seed folder).
SEED_FILES: tuple[str, ...] = (CHEN, CRACIUN, CRACIUN_ABS, BLOG, AHN)


@dataclass(frozen=True)
class SeedStatement:
    """One checkable statement of a seed document.

    Attributes
    ----------
    paper
        File name of the seed document (one of :data:`SEED_FILES`); for a statement made
        in several seeds, the one where it is stated most fully.
    where
        Section, equation, figure or slide, and the other places that state the same.
    statement
        The statement in one sentence.
    claims
        :mod:`fnmatch` patterns (case-sensitive) of the seed claim ids that check it.
    note
        What the claims leave out; with no claims, where a check belongs.
    """

    paper: str
    where: str
    statement: str
    claims: tuple[str, ...]
    note: str = ""


def _s(paper: str, where: str, statement: str, claims: tuple[str, ...] = (),
       note: str = "") -> SeedStatement:
    return SeedStatement(paper, where, statement, claims, note)


_DESCENT = "proofs_check/descent.py"
_CHEN = "proofs_check/chen.py"
_KONGTAO = "proofs_check/kongtao.py"
_BALANCING = "proofs_check/balancing.py"
_AHN = "proofs_check/ahn.py"
_NETWORKS = "proofs_check/networks*.py"

SEED_STATEMENTS: tuple[SeedStatement, ...] = (
    # ---------------------------------------------------------------- Chen et al. 2024
    _s(CHEN, "Introduction, eqs. (3)–(4); also " + AHN + " 'Motivation', eq. (1) and "
       "'(Stable Regime)'; " + BLOG + " 'The nice classical regime' (proof)",
       "For an L-smooth f one GD step lowers f by at least η(1 − Lη/2)‖∇f‖², so the loss "
       "decreases at every step when η < 2/L.",
       ("descent.lemma.*", "false.descent.lemma.*", "taowang.descent-regime.*",
        "false.descent-regime.*"),
       "exact on Hypothesis-drawn quadratics, certified on drawn polynomials on a box"),
    _s(CHEN, "Introduction (after eq. (4)); also " + AHN + " 'Motivation'; " + BLOG +
       " 'Welcome to the zoo' (nonconvergence)",
       "For a convex quadratic, η < 2/L is also necessary: with η > 2/L GD diverges.",
       ("descent.regime.large-h",)),
    _s(CHEN, "Introduction (citing Xing et al. 2018; Wu, Ma & E 2018)",
       "In network training the descent becomes unstable once the sharpness exceeds 2/η, "
       "with growing oscillations along the top curvature direction but without full "
       "divergence.",
       note=f"belongs with the oscillation checks of {_AHN} or in {_NETWORKS}"),
    _s(CHEN, "Related Work (Cohen et al. 2021); also " + CRACIUN_ABS + " (sharpness "
       "'progressively approaches' 2/(learning rate))",
       "During full-batch GD training of a network the sharpness rises progressively "
       "before it stabilises near 2/η (progressive sharpening).",
       ("craciun.nn.progressive-sharpening.*", "false.nn.sharpness-below-1-over-eta.*"),
       "per-run numerical on width-32 GELU networks on 8×8 digits (docs/network.md)"),
    _s(CHEN, "Related Work (Lewkowycz et al. 2020, catapult phase)",
       "Above the sharpness threshold the loss can stay bounded (a catapult phase) "
       "instead of diverging.",
       note=f"belongs in {_AHN} or {_NETWORKS}"),
    _s(CHEN, "Related Work (Wang et al. 2021, matrix factorisation)",
       "GD on matrix factorisation with a large learning rate first oscillates, then "
       "decreases the loss monotonically.",
       note=f"matrix factorisation belongs in {_BALANCING}"),
    _s(CHEN, "Theorem 1 (Theorem 1 of Ahn, Zhang & Sra 2022), eq. (5)",
       "If the GD map pulls null sets back to null sets and at every stationary point "
       "1/η is not a Hessian eigenvalue and λmax > 2/η or λmin < 0, GD converges to a "
       "stationary point only from a null set of starts.",
       ("ahn.measure-zero.*",)),
    _s(CHEN, "eq. (6); also " + CRACIUN + " Remark 1 (stability of fixed points from "
       "linearisation)",
       "GD can converge to a minimum θ* only if 0 < λmax(θ*) < 2/η (η* = 2/λmax is the "
       "maximal learning rate): below it θ* attracts, above it θ* is an unstable fixed "
       "point.",
       ("chen.threshold-sharp.*",)),
    _s(CHEN, "Theorem 2, eq. (7); Abstract and contributions (forward-invariance)",
       "Around a strict local minimum θ* with η < 2/λmax(θ*) there is an open set U ∋ θ* "
       "that GD maps into itself, with f(θ − η∇f) − f(θ) ≤ −Cη‖∇f‖² on U for some C > 0.",
       ("chen.theorem2.*", "false.descent.*"),
       "checked on f1–f4"),
    _s(CHEN, "Lemma 1, eqs. (8) and (22)",
       "On a ball around θ*, f(θ − α∇f) − f(θ) ≤ −Cα‖∇f‖² for every α in [0, η], with "
       "C = 1 − ηM/2.",
       ("chen.lemma1.*", "chen.lemma1-all-alpha.*", "false.lemma1-all-alpha.*"),
       "certified for every α in [0, η] (the segment stays in the convex trapping ball)"),
    _s(CHEN, "proof of Lemma 1, eq. (9)",
       "Taylor's formula with integral remainder: f(θ − α∇f) = f − α‖∇f‖² + "
       "α²∫₀¹(1 − x)∇fᵀ∇²f(θ − xα∇f)∇f dx.",
       ("chen.taylor-remainder.*",),
       "exact on f1 and f4, as polynomials in θ and α"),
    _s(CHEN, "proof of Lemma 1, eqs. (10)–(21)",
       "g(s), the largest Hessian eigenvalue over the ball of radius s around θ*, is "
       "continuous and nondecreasing from g(0) = λmax(θ*) ≥ 0, so for any M with "
       "η < 2/M < 2/λmax(θ*) some ball has g ≤ M.",
       ("chen.lemma1.*",),
       "the claims certify a ball with sup λmax ≤ M; continuity of g is not checked "
       "on its own"),
    _s(CHEN, "proof of Theorem 2, eqs. (23)–(29)",
       "U = {‖θ − θ*‖ < t', f(θ) < f*}, with f* the minimum of f on the sphere of radius "
       "t', is an open forward-invariant set containing θ*.",
       note="chen.theorem2.* certify a trapping ball instead of this sublevel set; the "
       f"construction belongs in {_CHEN}"),
    _s(CHEN, "eqs. (30)–(31)",
       "The stable starts U_η (convergence with the loss falling at every step) and the "
       "converging starts V_η satisfy θ* ∈ U_η ⊂ V_η.",
       note="definitional; the sets are computed by chen.theorem3.* and "
       "chen.converging-measure.*, the inclusion is not a claim of its own"),
    _s(CHEN, "eq. (30) as printed",
       "U_η printed with f(θ_k) < f(θ_{k+1}) (the loss rising at every step) is an open "
       "set.",
       ("chen.eq30-printed.*",),
       "an erratum: the printed inequality is reversed"),
    _s(CHEN, "Lemma 2, eqs. (32)–(35)",
       "GD started in U converges to θ* with the loss falling at every step (so U ⊂ U_η), "
       "since Cη Σ‖∇f(θ_k)‖² ≤ f(θ₀) − f(θ*).",
       ("chen.theorem3.*",),
       "used inside the Theorem 3 claims (their stable starts end in a certified "
       "trapping region)"),
    _s(CHEN, "Theorem 3; contributions; Fig. 1 (cyan open set); Numerical Experiments "
       "('existence and inevitability of the stable convergence area')",
       "The set U_η of stable initialisations is open.",
       ("chen.theorem3.*", "chen.theorem3-grid.*", "false.open-uniform-radius.*"),
       "certified around sampled stable starts on f1–f4 at η = η*·(3/5, 49/50)"),
    _s(CHEN, "proof of Theorem 3, eqs. (36)–(42)",
       "Trajectories from starts within ε stay within ε(1 + ηM₂)^i of each other for "
       "i ≤ K, so a small ball around a stable start is stable.",
       ("chen.theorem3-epsilon.*",),
       "f1 at η = 4/5: the constants of eq. (36) certified in arb, the ε of eq. (42) "
       "proved to work from a spread of stable starts (1 to 11 steps to a trapping ball)"),
    _s(CHEN, "proof of Theorem 3, eqs. (36) and (40)",
       "M₁, printed as the maximum of |f| near the trajectory, bounds the directional "
       "derivatives in eq. (40).",
       ("chen.theorem3-m1-printed.*",),
       "an erratum: eq. (40) needs M₁ to bound ‖∇f‖; on f1 ‖∇f‖ exceeds the printed M₁ "
       "at a point of a unit ball"),
    _s(CHEN, "remark after the proof of Theorem 3",
       "The set V_η of converging initialisations is open.",
       ("chen.v-open-grid.*",),
       "certified around sampled converging starts on f1–f4"),
    _s(CHEN, "Abstract; contributions; remarks after Theorems 2 and 3; Fig. 1; Numerical "
       "Experiments ('after passing through the unstable convergence stage')",
       "A trajectory converging to θ* from outside U_η has loss oscillations for "
       "finitely many steps, then enters U_η and descends monotonically; which regime "
       "occurs depends on the initialisation.",
       ("chen.mechanism.*", "chen.mechanism-sampled.*", "false.mechanism.*"),
       "the rises are certified in arb up to the entry into a certified ball"),
    _s(CHEN, "eq. (43) and Numerical Experiments",
       "f1 = x² + y² + x²y + x³ + y³ has a strict local minimum at (0, 0) with λmax = 2, "
       "so the maximal learning rate is 1.",
       ("chen.threshold.f1", "chen.threshold-sharp.f1")),
    _s(CHEN, "eq. (44) and Numerical Experiments",
       "f2 = x² + y² + x²y + x⁴ + y⁴ has the unique global minimum (0, 0) with λmax = 2, "
       "so the maximal learning rate is 1.",
       ("chen.threshold.f2", "chen.threshold-sharp.f2"),
       "the claims find (0, 0) as the only strict minimum in the exact critical set"),
    _s(CHEN, "eq. (45) and Numerical Experiments",
       "f3 = x⁴y² + x²y⁴ − 3x²y² + 1 has four global minima (±1, ±1), each with "
       "λmax = 12, so the maximal learning rate is 1/6.",
       ("chen.threshold.f3", "chen.threshold-sharp.f3")),
    _s(CHEN, "Numerical Experiments (after eq. (46))",
       "Every point on the x- or y-axis is a stationary point of f3 but not a minimum.",
       ("chen.f3-axes.*", "false.f3-axes.*"),
       "fails as printed: the axis points with |t| > √3 are non-strict local minima"),
    _s(CHEN, "eq. (46) and Numerical Experiments",
       "f4 = (1 − xy)² + (x² + y²)/20 has two global minima ±(√19/(2√5), √19/(2√5)), "
       "each with λmax = 19/5, so the maximal learning rate is 10/19.",
       ("chen.threshold.f4", "chen.threshold-sharp.f4", "false.threshold.f4-*")),
    _s(CHEN, "Numerical Experiments (first row of Fig. 2)",
       "With a small learning rate every start in the plotted window converges with a "
       "monotonically decreasing loss.",
       ("chen.fig2-unstable-grows.*",),
       "f2 already has about 0.2% unstable starts at 0.2η*"),
    _s(CHEN, "Numerical Experiments (Fig. 2, f1 and 'the same behaviour' for f2; f3 and "
       "f4: 'an analogous trend')",
       "As η grows towards η*, unstable convergence appears and the set V_η \\ U_η of "
       "unstable initialisations expands.",
       ("chen.fig2-unstable-grows.*", "false.fig2-unstable-shrinks.*"),
       "holds for f1, f3, f4; fails for f2 between 0.8η* and 0.98η* (statistical)"),
    _s(CHEN, "Numerical Experiments (Fig. 2: 'irregular and even disconnected'; "
       "'progressively intricate')",
       "The sets of unstable initialisations are irregular, even disconnected, and grow "
       "more intricate as η increases.",
       ("chen.fig2-components", "false.fig2-components.*"),
       "component counts on a grid (numerical)"),
    _s(CHEN, "Fig. 2 (caption)",
       "For f1–f4 and five learning rates up to η*, the panels show U_η (cyan) and V_η "
       "(cyan and blue) around the minima.",
       ("chen.converging-measure.*",),
       "the claim bounds the measure of V_η for f4 at η = 1/2; the panels are "
       "reproduced by docs/figures/make_figures.py"),
    _s(CHEN, "Fig. 3 (caption) and Numerical Experiments",
       "GD on f4 converges from both (0.1, 2.5) and (1.5, 2).",
       ("chen.fig3.*",),
       "the figure's η is not printed; checked at η = 3/10"),
    _s(CHEN, "Fig. 3 (caption) and Numerical Experiments",
       "The start (0.1, 2.5) is unstable (the loss rises at first, then the oscillations "
       "die out) and (1.5, 2) is stable (the loss falls at every step).",
       ("chen.fig3.labels", "chen.mechanism.f4"),
       "certified at η = 1/5, 1/4, 3/10; the figure's η is not printed"),
    _s(CHEN, "Extension",
       "The results extend to a compact set of global minima.",
       note="the details are in supplementary material that is not a seed"),
    # ---------------------------------------------------------------- Ahn, Zhang & Sra
    _s(AHN, "'Unstable convergence' (Cohen et al. 2021); also " + CHEN + " Abstract and "
       "Introduction",
       "GD can violate η < 2/L (the sharpness exceeds 2/η) while the loss still "
       "decreases, non-monotonically, in the long run (unstable convergence).",
       ("ahn.unstable-convergence.*", "chen.fig3.unstable-start")),
    _s(AHN, "'Is this true for nonconvex deep learning optimization?'",
       "Full-batch GD on 5,000 CIFAR-10 examples with a two-hidden-layer width-200 ReLU "
       "network and cross-entropy leaves the stable regime yet decreases the loss in the "
       "long run.",
       ("ahn.nn.unstable-convergence.*", "false.nn.stable-regime.*"),
       "on a GELU network and 256 8×8 digits with MSE instead of CIFAR-10 with "
       "cross-entropy; λmax sits just above 2/η and rarely crosses it"),
    _s(AHN, "'Illustration of our main results' (sharpness row); also " + CHEN +
       " Conclusion; " + CRACIUN_ABS + " ('stabilizes around 2/(learning rate)')",
       "Under unstable convergence the sharpness λmax(∇²f(θ_t)) oscillates near 2/η "
       "while the loss keeps decreasing.",
       ("ahn.unstable-convergence.*", "false.ahn.sharpness-near-2-over-eta.*"),
       f"checked on ½(1 − xy)²; the oscillation checks belong in {_AHN}"),
    _s(AHN, "'Illustration of our main results' (loss row)",
       "Under unstable convergence the relative progress RP(θ_t) oscillates near 0.",
       ("ahn.unstable-convergence.*",)),
    _s(AHN, "'Illustration of our main results' (iterates row)",
       "Under unstable convergence the directional smoothness L(θ_t; η∇f(θ_t)) "
       "oscillates near 2/η.",
       ("ahn.oscillation.*",),
       "it stays within 10% of 2/η but crosses it about once per run on these toy "
       "losses, while the sharpness crosses 5–25 times"),
    _s(AHN, "'What is this work about?'",
       "These features contrast with stable convergence (where RP ≤ −(1 − Lη/2) < 0) "
       "and identify unstable convergence in practice.",
       ("ahn.oscillation.*", "false.ahn.monotone-loss.*", "descent.lemma.*")),
    # ---------------------------------------------------------- Crăciun & Ghoshdastidar
    _s(CRACIUN, "TL;DR; Abstract ('a sharp transition ... asymptotic value of the "
       "gradient norm')",
       "The asymptotic gradient norm of GD jumps from 0 to a positive value as η crosses "
       "a critical learning rate.",
       ("craciun.gradient-norm.*", "false.gradient-norm.*")),
    _s(CRACIUN, "TL;DR; Abstract; also " + CRACIUN_ABS + " ('if the step-size is too "
       "big ... measure zero')",
       "For linear networks with a squared loss and η above the critical value, GD "
       "converges to a critical point only from a null set of initialisations.",
       ("craciun.measure-zero.*", "ahn.measure-zero.xy", "ahn.measure-zero.chain3",
        "false.converges-everywhere.*")),
    _s(CRACIUN, "TL;DR ('broader losses under mild analytic conditions'); Abstract "
       "('without ... Lipschitz continuity for the gradient')",
       "The measure-zero convergence above the critical η extends to more general losses "
       "without a Lipschitz gradient.",
       ("ahn.measure-zero.f4",),
       "checked on Chen's f4, which is not a network loss"),
    _s(CRACIUN, "TL;DR; Proposition 2 (geometry of M); also " + CRACIUN_ABS,
       "The global minima of a linear network with a squared loss form a smooth "
       "manifold.",
       ("craciun.smooth-manifold.*", "craciun.prop2.*")),
    _s(CRACIUN, "TL;DR; also " + CRACIUN_ABS,
       "The gradient-descent map of a linear network with a squared loss is non-singular.",
       ("craciun.nonsingular.*",)),
    _s(CRACIUN, "TL;DR ('the Hessian spectrum along the minima entails instability of "
       "all minima for large rates')",
       "Past the critical η = 2 / inf λmax over the minima, no minimum is linearly "
       "stable.",
       ("craciun.critical-eta.*", "false.critical-eta.*")),
    _s(CRACIUN_ABS, "Abstract ('the stable minima form a bounded subset'; the first "
       "proposed reason for EoS and a necessary condition for the second)",
       "The minima that are stable at a given η form a bounded subset of parameter "
       "space.",
       ("craciun.stable-bounded.*",),
       "fails as stated for linear-net:1x2x2x1 (an erratum claim)"),
    _s(CRACIUN, "Definition 4 (filling and non-filling architectures)",
       "A linear architecture is filling when its end-to-end matrices can have full "
       "rank, non-filling when a narrow layer caps the rank.",
       ("craciun.architecture.*", "false.architecture.*")),
    _s(CRACIUN, "Proposition 1 (after Trager et al. 2020), 'Key Result'",
       "With distinct positive singular values of W₀*, l restricted to the rank-r "
       "matrices has a unique global minimum, equal to that of l when filling and "
       "different when non-filling.",
       ("craciun.prop1.*", "false.prop1.*")),
    _s(CRACIUN, "Remark 2 (the Hessian determines the linearisation DG(θ))",
       "The Jacobian of the GD map is DG(θ) = I − ηH_L(θ).",
       ("craciun.nonsingular.*",),
       "the claims use det(I − η∇²f); the identity is not a claim of its own"),
    _s(CRACIUN, "Example 1; Fig. 1(a)",
       "For ½(1 − xy)² at η = 0.4 the weakly stable minima M_WS are a non-empty bounded "
       "part of the hyperbola and GD converges to points of M_WS.",
       ("craciun.positive-fraction.xy", "craciun.converging-measure.xy",
        "craciun.stable-bounded.xy"),
       "where the limits land is shown by docs/figures.md ('Where GD lands'), not a claim"),
    _s(CRACIUN, "Example 1; Fig. 1(b)",
       "For ½(1 − xy)² at η = 1.1, M_WS is empty and GD trajectories do not converge.",
       ("craciun.critical-eta.xy", "ahn.measure-zero.xy", "false.converges-everywhere.xy")),
    _s(CRACIUN, "Fig. 2 (caption)",
       "For ½(1 − xy)² the length of M_WS at η = 0.1 is 37.4.",
       note="no reading of the length gives 37.4 (symstab.exact.mws_lengths, "
       "table in docs/figures.md, python docs/figures/mws_lengths_table.py)"),
    _s(CRACIUN, "Fig. 2 (caption)",
       "The normalised length of M_WS decreases with η on [0.1, 1] and vanishes at the "
       "critical η = 1.",
       ("craciun.critical-eta.xy",),
       "the claim gives the vanishing point; the decrease is plotted by "
       "docs/figures/make_figures.py, not a claim"),
    _s(CRACIUN, "Fig. 2 (caption: trapping-region ratio as a proxy for the size of M_WS)",
       "The fraction of initialisations that converge is positive below the critical η "
       "and shrinks with η to zero at it.",
       ("craciun.positive-fraction.*", "craciun.converging-measure.*",
        "ahn.measure-zero.xy"),
       "positive below and null above are claims; the shrinking against η is plotted by "
       "docs/figures/make_figures.py, not a claim"),
    _s(CRACIUN, "Fig. 3 (caption); TL;DR and Abstract ('experiments with non-linear "
       "networks')",
       "For GELU networks of several depths with an MSE loss trained by GD on MNIST, the "
       "share of converging trajectories is zero for η > 1.",
       ("craciun.nn.no-convergence.*", "craciun.nn.converges-below.*"),
       "on scikit-learn's 8×8 digits instead of MNIST (docs/network.md)"),
    _s(CRACIUN, "Fig. 4 (caption)",
       "With SGD on MNIST the trapping region (share of 100 initialisations that "
       "converge) shrinks as η grows, for each number of hidden layers.",
       ("craciun.nn.sgd.*", "false.nn.sgd-*"),
       "on 8×8 digits, depth 1, batch 32 (docs/network.md)"),
    # ---------------------------------------------------------------- Tao & Wang blog
    _s(BLOG, "'The nice classical regime' (smoothness)",
       "x² is 2-smooth, while x⁴ is not L-smooth on ℝ for any L.",
       ("taowang.smoothness.x2", "taowang.smoothness.x4", "false.smoothness.*")),
    _s(BLOG, "'The nice classical regime', Thm.; also " + CHEN + " Abstract ('converges "
       "stably towards the minimum when the learning rate is below 2/L')",
       "If f is L-smooth with a minimum and h < 2/L, GD converges to a stationary point, "
       "since Σ‖∇f(x_k)‖² ≤ (f(x₀) − f*)/(h(1 − Lh/2)).",
       ("descent.convergence.*", "false.descent.convergence.*")),
    _s(BLOG, "'The nice classical regime' and 'ODE beyond gradient flow?' (plots for "
       "x²/2)",
       "For f = x²/2, h < 1/L moves x_k monotonically, 1/L < h < 2/L makes x_k oscillate "
       "while f(x_k) still decreases, and h > 2/L blows up.",
       ("descent.regime.*", "false.descent.regime.*")),
    _s(BLOG, "'Nice part of the nice regime, and gradient flow'",
       "GD is the forward Euler discretisation of gradient flow and follows it to O(h) "
       "for small h.",
       ("taowang.modified-equation.*",)),
    _s(BLOG, "'Backward error analysis, a.k.a. modified equation'; 'Discussions' (Li, Tai "
       "& E 2019; Kong & Tao 2020); 'An implicit bias of large LR' (modified potential)",
       "GD follows the flow of the modified potential f + (h/4)‖∇f‖² to O(h²), "
       "x(kh) ≈ x_k.",
       ("taowang.modified-equation.*",)),
    _s(BLOG, "'Discussions' (and its four plots)",
       "The modified flow approximates GD for larger h than gradient flow but stops "
       "working for h in (1/L, 2/L).",
       ("taowang.modified-order.*", "false.taowang.modified-order.*"),
       "the observed order drops below 1.75 past h = 1/5 on ½(1 − xy)²; on x²/2 it stays 2"),
    _s(BLOG, "'Discussions'",
       "For large h, higher-order modified equations do not help and can approximate GD "
       "worse.",
       note="the modified-equation error against h belongs in proofs_check/taowang.py"),
    _s(BLOG, "'Welcome to the zoo' (nonconvergence)",
       "For losses other than quadratics, GD with a large h need not blow up: it can end "
       "at fixed points, periodic orbits or strange attractors.",
       ("taowang.chaos.*", "orbits.diag-xy.*")),
    _s(BLOG, "'Periodic orbits'; 'An implicit bias of large LR' (quartic objective, only "
       "local Lipschitzness)",
       "f(x, y) = (1 − xy)²/2 is neither L-smooth for any L nor convex.",
       ("taowang.smoothness.xy", "taowang.nonconvex.xy", "false.convex.*")),
    _s(BLOG, "'Periodic orbits'",
       "GD on (1 − xy)²/2 has periodic orbits of various periods and then does not "
       "converge to a minimiser.",
       ("orbits.diag-xy.*",),
       "exact and numerical on the invariant diagonal x = y"),
    _s(BLOG, "'Periodic orbits' (figure caption)",
       "GD with h = 1.9 on (1 − xy)²/2 converges to orbits of period 2, 3 and 4, "
       "depending on the start.",
       ("taowang.blog.h19-orbits.*",),
       "fails as stated: at h = 1.9 every such orbit is unstable"),
    _s(BLOG, "'Strange attractor' (figures from Kong & Tao 2020)",
       "GD with a large learning rate can converge to a chaotic (strange) attractor.",
       ("taowang.chaos.*",),
       f"checked on (1 − xy)²/2 at h = 1.9; Kong & Tao's multiscale example belongs in "
       f"{_KONGTAO}"),
    _s(BLOG, "'An alternative mechanism for escapes from local min'",
       "On a multiscale f = f₀ + f₁ with many spurious local minima, large-h GD escapes "
       "them without noise, while small-h GD stops at a local minimum near its start.",
       ("kongtao.capture.*", "kongtao.escape.*", "false.kongtao.capture-*",
        "false.kongtao.escape-*")),
    _s(BLOG, "'An alternative mechanism for escapes from local min' (scales)",
       "With a microscale ε, ∇f₁ is Ω(1/ε)-Lipschitz, so small learning rates are "
       "h = o(ε), while h independent of ε (h ≫ 1/L) is large enough to ignore f₁.",
       ("kongtao.capture.*", "kongtao.escape.*"),
       "at ε = 1/1000: h = 1/2000 (h·L < 1) captures, h = 1/20 escapes"),
    _s(BLOG, "'An alternative mechanism for escapes from local min'; TL;DR of that "
       "section",
       "For such h, −h∇f₁ acts like noise: GD converges to a chaotic attractor whose "
       "statistics are close to the Gibbs distribution Z⁻¹exp(−f₀/T), which depends on "
       "f₀ only and favours small values exponentially.",
       ("kongtao.gibbs.*", "false.kongtao.gibbs-*"),
       "T = hσ²/2 (Kong & Tao), KS distance with DKW bounds on θ_300 of independent "
       "starts; that this is the long-run law is not certified"),
    _s(BLOG, "'An alternative mechanism for escapes from local min' (network example)",
       "A small network regressing multiscale data has a multiscale loss, and a weight's "
       "GD iterates fill blobs of a chaotic attractor instead of converging.",
       note=f"belongs in {_NETWORKS} or {_KONGTAO}"),
    _s(BLOG, "'An implicit bias of large LR' (homogeneity)",
       "If (X, Y) minimises ½‖A − XYᵀ‖², so does (cX, Y/c) for every c ≠ 0, also with a "
       "ReLU or leaky-ReLU activation.",
       ("taowang.rescaling.*", "false.rescaling.*"),
       "exact for the scalar factorisation ½(1 − xy)²; the activations are not checked"),
    _s(BLOG, "'An implicit bias of large LR'",
       "Every local minimiser of ½‖A − XYᵀ‖² is a global minimiser.",
       ("taowang.local-minima-global.*", "false.local-minima-global.*"),
       "exact for the scalar factorisation ½(1 − xy)²; matrix factorisations not checked"),
    _s(BLOG, "'An implicit bias of large LR' (Hessian at a minimiser)",
       "At a minimiser, balanced norms ‖X‖ ≈ ‖Y‖ mean a flat landscape and unbalanced "
       "norms a sharp one.",
       ("taowang.balanced-flattest.*", "false.flattest.*"),
       "exact on ½(1 − xy)²: λmax = x² + 1/x² on xy = 1, smallest at x = y"),
    _s(BLOG, "'An implicit bias of large LR' (Popular Conjecture 2, visualisation); TL;DR",
       "With a large enough h GD converges to more balanced (flatter) minimisers, the "
       "more so the larger h, without a regulariser, even from near an unbalanced one.",
       ("taowang.balancing.*", "false.taowang.balancing-*", "balancing.identity",
        "balancing.monotone-imbalance.*", "false.balancing.*"),
       "on ½(1 − xy)² and 2×1 factors; monotone imbalance fails for 2×1 factors"),
    _s(BLOG, "'An implicit bias of large LR', result 1)",
       "If GD converges, its limit satisfies a bound on |X∞ − Y∞| that decreases with h.",
       ("taowang.balancing-bound.*", "balancing.limit-bound.*"),
       "the seed paraphrases Wang et al.'s bound; the checked form |D∞| ≤ √(4/h² − 4σ²) "
       "is derived from linear stability at the limit (one-column factors)"),
    _s(BLOG, "'An implicit bias of large LR', result 2)",
       "GD with a large h (in the balancing regime) converges.",
       ("taowang.balancing.*",),
       "checked on ½(1 − xy)² from unbalanced starts for h·L up to 5/2"),
    _s(BLOG, "'An implicit bias of large LR' ('how large is large?')",
       "Balancing is pronounced for h in (2/L, 4/L), L the spectral radius of the Hessian "
       "at the start, and a larger h can stop GD converging.",
       ("false.taowang.balancing-monotone-to-4_L.*", "balancing.limit-bound.*"),
       "monotone balancing on all of (2/L, 4/L] fails on ½(1 − xy)² (a false variant)"),
)


def coverage(claim_ids: Iterable[str]) -> list[tuple[SeedStatement, list[str]]]:
    """The claim ids matching each seed statement.

    Parameters
    ----------
    claim_ids
        Claim ids, e.g. ``[c.id for c in seed_claims()]``.

    Returns
    -------
    list of (SeedStatement, list of str)
        One entry per statement of :data:`SEED_STATEMENTS`, in order, with the ids that
        match any of its patterns, in the order of ``claim_ids``.
    """
    ids = list(claim_ids)
    return [(s, [i for i in ids if any(fnmatchcase(i, p) for p in s.claims)])
            for s in SEED_STATEMENTS]


def uncovered(claim_ids: Iterable[str]) -> list[str]:
    """The claim ids that no seed statement's patterns match.

    Parameters
    ----------
    claim_ids
        Claim ids, e.g. ``[c.id for c in seed_claims()]``.

    Returns
    -------
    list of str
        The ids, in the order given.
    """
    return [i for i in claim_ids
            if not any(fnmatchcase(i, p) for s in SEED_STATEMENTS for p in s.claims)]
