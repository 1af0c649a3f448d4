"""Signs of a two-variable power series near 0 from its Newton polygon, exactly.

Let ``g(x, y) = Σ c_ij x^i y^j`` be a real analytic function with ``g(0) = 0``, known
exactly through total degree ``D`` (coefficients in a real number field, with an exact
sign oracle). Its *Newton polygon* Γ is the lower-left boundary of the convex hull of
``{(i, j) : c_ij ≠ 0} + R²₊``. For a compact face F of Γ (an edge, or a vertex) and a
weight ``w = (w1, w2)`` of positive integers in the interior of F's normal cone, every
monomial of ``g`` off F has a larger weighted degree ``w1·i + w2·j`` than the monomials on
F, which share one degree ``d``. Along the curve ``x = σ t^w1, y = s t^w2`` (``t → 0+``)

    g = P_F(σ, s) t^d + o(t^d),          P_F = Σ_{(i, j) ∈ F} c_ij x^i y^j,

so a value ``P_F(σ, s) < 0`` with ``σ, s ≠ 0`` proves that ``g`` takes negative values
arbitrarily close to 0 (and likewise for positive values). With only the terms through
degree ``D`` known, a face is used only when ``d < min(w)·(D + 1)``: every unknown
monomial has ``i + j ≥ D + 1`` and so weighted degree ``≥ min(w)·(D + 1) > d``.

*Positivity.* P_F is quasi-homogeneous, ``P_F(λ^w1 x, λ^w2 y) = λ^d P_F(x, y)``, so its
sign on the torus ``(R∖0)²`` is its sign at the points ``(±1, s)``, ``s ≠ 0``: two
polynomials in one variable, whose signs on ``s > 0`` and ``s < 0`` are decided exactly
(square-free parts, Sturm sequences, and the sign of the leading coefficient).

*Strict minimum (sufficient condition).* Suppose Γ is *convenient* (it meets both axes,
at ``(0, b)`` and ``(a, 0)`` with ``a, b ≤ D``) and every compact face polynomial is
positive on the torus. Then 0 is a strict local minimum of ``g``. Proof: put
``u = −log|x|``, ``v = −log|y|``; near 0 both are large. The positive quadrant of
``(u, v)`` is covered by the cones spanned by consecutive normals of Γ (the normals
``(1, 0)``, ``w_1``, …, ``w_m``, ``(0, 1)``, in order); in the cone spanned by ``w_k``
and ``w_{k+1}`` write ``(u, v) = α w_k + β w_{k+1}`` with ``α, β ≥ 0``, and let ``V`` be
the vertex shared by the two faces. For a monomial ``m`` of ``g`` the ratio
``|x^m| / |x^V| = exp(−α⟨m − V, w_k⟩ − β⟨m − V, w_{k+1}⟩)``, with both pairings ≥ 0;
the first is 0 exactly on the face of ``w_k`` and the second exactly on the face of
``w_{k+1}``. If ``β`` is large, all monomials off the face ``F`` of ``w_k`` are
``o(|x^V|)`` uniformly, while ``P_F / |x^V|`` depends only on the signs and on ``α`` and
is a continuous positive function of ``α ∈ R`` with positive limits at ±∞ (the
coefficients of the end vertices), hence bounded below by a positive constant; so
``g > 0``. Symmetrically when ``α`` is large. Near 0, ``α + β`` is large, so one of the
two cases holds (in the two outer cones the weight on the axis direction is bounded
while the other coefficient is large). On the axes, ``g(0, y) = c y^b + …`` and
``g(x, 0) = c' x^a + …`` with ``c, c' > 0`` by the positivity of the end vertices.
The tail beyond any finite order is handled by the same bounds because ``g`` is
analytic. (The statement is the two-variable case of the classical Newton
nondegeneracy criterion.) A strict maximum is the same statement for ``−g``.

What this cannot decide (reported as such): a face polynomial that is ``≥ 0`` but
vanishes somewhere on the torus (then the sign is decided by terms beyond Γ, along a
curve tangent to its zero set), and a polygon that does not meet an axis through degree
``D``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

__all__ = ["NewtonVerdict", "TorusSigns", "newton_verdict", "signs_on_positive_axis"]

Sign = Callable[[Any], int]
Monomial = tuple[int, int]

_S = sp.Symbol("s")


@dataclass(frozen=True)
class TorusSigns:
    """Which signs a polynomial takes on a set (decided exactly).

    Attributes
    ----------
    negative
        It takes a negative value somewhere on the set.
    positive
        It takes a positive value somewhere on the set.
    zero
        It vanishes somewhere on the set.
    """

    negative: bool
    positive: bool
    zero: bool

    def __or__(self, other: TorusSigns) -> TorusSigns:
        return TorusSigns(self.negative or other.negative, self.positive or other.positive,
                          self.zero or other.zero)

    @property
    def strictly_positive(self) -> bool:
        """Positive everywhere on the set."""
        return self.positive and not self.negative and not self.zero

    @property
    def strictly_negative(self) -> bool:
        """Negative everywhere on the set."""
        return self.negative and not self.positive and not self.zero


@dataclass(frozen=True)
class NewtonVerdict:
    """What the Newton polygon of ``g`` proves about the sign of ``g`` near 0.

    Attributes
    ----------
    takes_negative, takes_positive
        ``g`` takes negative (positive) values at points arbitrarily close to 0 (proved
        along a curve ``x = σ t^w1, y = s t^w2``).
    strict_minimum, strict_maximum
        0 is proved to be a strict local minimum (maximum) of ``g``.
    vertices
        The vertices of the Newton polygon found through degree ``D``, left to right.
    reason
        One sentence: the evidence, or why nothing more is decided.
    """

    takes_negative: bool
    takes_positive: bool
    strict_minimum: bool
    strict_maximum: bool
    vertices: tuple[Monomial, ...]
    reason: str


# ---------------------------------------------------------------------- one variable


def _sturm_count_positive(p: sp.Poly, sign: Sign) -> int:
    """Distinct real roots in ``(0, ∞)`` of a square-free ``p`` with ``p(0) ≠ 0``."""
    if p.degree() <= 0:
        return 0
    seq = [p, p.diff()]
    while not seq[-1].is_zero and seq[-1].degree() > 0:
        seq.append(-seq[-2].rem(seq[-1]))
    seq = [q for q in seq if not q.is_zero]

    def variations(signs: list[int]) -> int:
        signs = [s for s in signs if s]
        return sum(1 for a, b in itertools.pairwise(signs) if a != b)

    at_zero = variations([sign(q.rep.TC()) for q in seq])
    at_infinity = variations([sign(q.rep.LC()) for q in seq])
    return at_zero - at_infinity


def signs_on_positive_axis(p: sp.Poly, sign: Sign) -> TorusSigns:
    """The signs a nonzero univariate polynomial takes on ``s > 0``, decided exactly.

    Parameters
    ----------
    p
        A nonzero ``sp.Poly`` in one variable over ``QQ`` or a real algebraic field.
    sign
        Exact sign (-1, 0, 1) of a coefficient.

    Returns
    -------
    TorusSigns
        Signs on the open half-line: the odd-multiplicity factors change sign at each of
        their positive roots (counted by Sturm sequences); otherwise the sign is that of
        the leading coefficient, and ``zero`` says whether any factor has a positive root.
    """
    if p.is_zero:
        raise ValueError("the zero polynomial has no sign")
    gen = p.gens[0]
    low = min(m[0] for m in p.monoms())
    if low:
        p = p.exquo(sp.Poly(gen**low, gen, domain=p.domain))  # s^low > 0 on s > 0
    _, factors = p.sqf_list()
    odd = sp.Poly(1, gen, domain=p.domain)
    every = sp.Poly(1, gen, domain=p.domain)
    for factor, multiplicity in factors:
        every = every * factor
        if multiplicity % 2:
            odd = odd * factor
    lead = sign(p.rep.LC())
    if _sturm_count_positive(odd, sign) > 0:
        return TorusSigns(True, True, True)
    return TorusSigns(lead < 0, lead > 0, _sturm_count_positive(every, sign) > 0)


def _face_signs(terms: Mapping[Monomial, Any], domain: Any, sign: Sign) -> TorusSigns:
    """Signs of a quasi-homogeneous ``Σ c x^i y^j`` on the torus, from ``(±1, s)``."""
    if len(terms) == 1:
        ((i, j), c), = terms.items()
        s = sign(c)
        if i % 2 or j % 2:
            return TorusSigns(True, True, False)
        return TorusSigns(s < 0, s > 0, False)
    result = TorusSigns(False, False, False)
    for sx in (1, -1):
        for sy in (1, -1):
            coeffs: dict[int, Any] = {}
            for (i, j), c in terms.items():
                flip = (sx if i % 2 else 1) * (sy if j % 2 else 1)
                coeffs[j] = coeffs.get(j, domain.zero) + (c if flip > 0 else -c)
            poly = sp.Poly.from_dict({(j,): c for j, c in coeffs.items()}, _S, domain=domain)
            result = result | signs_on_positive_axis(poly, sign)
    return result


# ---------------------------------------------------------------------- the polygon


@dataclass(frozen=True)
class _Face:
    weight: tuple[int, int]
    degree: int
    terms: dict[Monomial, Any]
    valid: bool


def _boundary(support: list[Monomial]) -> list[Monomial]:
    """Vertices of the Newton polygon, from the top-left one to the bottom-right one."""
    start = min(support)
    vertices = [start]
    current = start
    while True:
        below = [m for m in support if m[1] < current[1]]
        if not below:
            return vertices
        best = min(Fraction(m[1] - current[1], m[0] - current[0]) for m in below)
        on_line = [m for m in below
                   if Fraction(m[1] - current[1], m[0] - current[0]) == best]
        current = max(on_line)
        vertices.append(current)


def _faces(coeffs: Mapping[Monomial, Any], vertices: list[Monomial], order: int) -> list[_Face]:
    def face(weight: tuple[int, int]) -> _Face:
        degree = min(weight[0] * i + weight[1] * j for i, j in coeffs)
        terms = {m: c for m, c in coeffs.items() if weight[0] * m[0] + weight[1] * m[1] == degree}
        return _Face(weight, degree, terms, degree < min(weight) * (order + 1))

    normals = []
    for (i1, j1), (i2, j2) in itertools.pairwise(vertices):
        w1, w2 = j1 - j2, i2 - i1
        g = math.gcd(w1, w2)
        normals.append((w1 // g, w2 // g))
    faces = [face(w) for w in normals]
    # one interior weight per vertex: the sum of the normals on either side
    sides = [(1, 0), *normals, (0, 1)]
    for left, right in itertools.pairwise(sides):
        faces.append(face((left[0] + right[0], left[1] + right[1])))
    return faces


def newton_verdict(
    coeffs: Mapping[Monomial, Any],
    order: int,
    domain: Any,
    sign: Sign,
    show: Callable[[Mapping[Monomial, Any]], str] | None = None,
) -> NewtonVerdict:
    """Decide what the Newton polygon proves about the sign of ``g`` near 0.

    Parameters
    ----------
    coeffs
        ``{(i, j): c}``: every nonzero coefficient of ``g`` with ``i + j <= order`` (and no
        others); ``g(0) = 0``.
    order
        The total degree ``D`` through which the coefficients are known exactly.
    domain
        The SymPy domain of the coefficients (``QQ`` or a real algebraic field).
    sign
        Exact sign (-1, 0, 1) of a coefficient.
    show
        Renders a face polynomial for the reason text; default ``"a face polynomial"``.

    Returns
    -------
    NewtonVerdict
        See the module docstring for the argument behind each conclusion.
    """
    coeffs = {m: c for m, c in coeffs.items() if c and sum(m) <= order}
    if not coeffs:
        return NewtonVerdict(False, False, False, False, (),
                             f"the function vanishes through degree {order}")
    vertices = _boundary(sorted(coeffs))
    faces = _faces(coeffs, vertices, order)
    valid = [f for f in faces if f.valid]
    signs = [(_face_signs(f.terms, domain, sign), f) for f in valid]
    negative = any(s.negative for s, _ in signs)
    positive = any(s.positive for s, _ in signs)
    convenient = vertices[0][0] == 0 and vertices[-1][1] == 0
    all_valid = len(valid) == len(faces)
    text = ", ".join(f"({i}, {j})" for i, j in vertices)
    minimum = convenient and all_valid and all(s.strictly_positive for s, _ in signs)
    maximum = convenient and all_valid and all(s.strictly_negative for s, _ in signs)
    if minimum or maximum:
        word = "positive" if minimum else "negative"
        reason = (f"Newton polygon with vertices {text} meets both axes and every face "
                  f"polynomial is {word} off the axes")
    elif negative and positive:
        reason = f"faces of the Newton polygon (vertices {text}) take both signs"
    else:
        parts = []
        zero = next((f for s, f in signs if s.zero), None)
        if not convenient:
            axis = "x" if vertices[-1][1] else "y"
            parts.append(f"the Newton polygon (vertices {text}) does not meet the "
                         f"{axis}-axis through degree {order}")
        elif zero is not None:
            shown = show(zero.terms) if show else "a face polynomial"
            parts.append(f"the face polynomial {shown} of the Newton polygon (vertices {text}) "
                         "vanishes on curves through the point, where terms beyond the "
                         "polygon decide the sign")
        if negative or positive:
            found, missing = ("negative", "positive") if negative else ("positive", "negative")
            parts.append(f"it takes {found} values along some curves; no {missing} ones found")
        reason = "; ".join(parts)
    return NewtonVerdict(negative, positive, minimum, maximum, tuple(vertices), reason)
