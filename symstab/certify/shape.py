"""Parallelepipeds through the GD map: first-order Taylor models in the style of Lohner.

A box that encloses the image of a cell loses the cell's shape: after a few steps near a
curve of minima the image is a thin arc along the curve, and the smallest axis-aligned box
around it is as wide as the arc is long. A :class:`Shape` keeps the image as

    S = {c + A u + Q r : c ∈ 𝐜, u ∈ [−1, 1]ⁿ, r ∈ 𝐫},

with ``c`` a ball vector (usually exact), ``A`` an exact n × n matrix (the linearised image
of the cell), ``Q`` an exact invertible matrix (an orthonormal frame, up to rounding),
``qinv`` an interval matrix containing Q⁻¹ and ``𝐫`` an interval vector (the remainder,
in the frame Q). Everything is a python-flint ``arb`` ball (outward rounded).

One step (:func:`shape_step`), for a box B containing S and 𝐜 (convex), with an exact
point c̃ ∈ 𝐜 (its midpoint): for θ ∈ S write θ = c + A u + Q r, d = θ − c̃. By the mean
value theorem for the vector map G, G(θ) = G(c̃) + J̄ d with J̄ = ∫₀¹ DG(c̃ + t d) dt, and
every entry of J̄ lies in the interval matrix 𝐉 = I − ηH(B) (the segment lies in B, and an
average of values in an interval lies in it). Then

    G(θ) ∈ G(c̃) + 𝐉(𝐜 − c̃) + (𝐉A) u + (𝐉Q) r.

Split the interval matrix 𝐉A = A' + 𝐄 with A' = mid(𝐉A) exact and 𝐄 = 𝐉A − A'. Let Q' be
an exact matrix close to an orthonormal frame of A' (QR of A' with its columns ordered
by decreasing length, Lohner's choice: the first axis follows the longest direction of
the image) and 𝐐' an enclosure of Q'⁻¹ (arb matrix inverse). With c' = mid(G(c̃)):

    G(θ) ∈ c' + A' u + Q' 𝐫',  𝐫' = 𝐐'(G(c̃) − c' + 𝐉(𝐜 − c̃) + 𝐄[−1, 1]ⁿ) + (𝐐'𝐉Q) 𝐫,

because each term is the image of the matching term above under Q'Q'⁻¹ = I, and every
interval product encloses the products of its members. The product 𝐐'𝐉Q is formed
*before* it meets 𝐫: in a frame that follows the dynamics it is nearly triangular, so
the remainder does not grow by wrapping (an axis-aligned remainder would, by the
row sums of |𝐉|, at every step). By induction Gᵏ(cell) ⊆ Sₖ for every k, starting from
S₀ = {c + diag(ρ) u} ⊇ the cell (c, ρ the midpoint and radius of its ball enclosure).

:meth:`Shape.hull` is an axis-aligned box containing S (interval evaluation of the
formula); :meth:`Shape.halves` splits S into two shapes whose union contains it (u₁ in
[−1, 0] or [0, 1] for the longest column of A).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Shape", "shape_step"]


@dataclass
class Shape:
    """The set {c + A u + Q r : c ∈ 𝐜, u ∈ [−1, 1]ⁿ, r ∈ 𝐫} (module docstring).

    Attributes
    ----------
    c
        The centre, a list of n arb balls (exact after a step).
    a
        The exact n × n matrix A (rows of arb balls with zero radius).
    q
        The exact frame Q (rows of arb balls with zero radius).
    qinv
        An interval matrix containing Q⁻¹ (rows of arb balls).
    r
        The remainder in the frame Q (n arb balls).
    """

    c: list[Any]
    a: list[list[Any]]
    q: list[list[Any]]
    qinv: list[list[Any]]
    r: list[Any]

    @classmethod
    def of_box(cls, box: Sequence[Any]) -> Shape:
        """The shape {mid + diag(rad) u} of a box of balls (it contains the box)."""
        arb = type(box[0])
        n = len(box)
        c = [arb(x.mid()) for x in box]
        a = [[arb(x.rad()) if i == j else arb(0) for j in range(n)]
             for i, x in enumerate(box)]
        eye = [[arb(1 if i == j else 0) for j in range(n)] for i in range(n)]
        return cls(c, a, eye, [row[:] for row in eye], [arb(0)] * n)

    @property
    def n(self) -> int:
        """Dimension."""
        return len(self.c)

    def unit(self) -> Any:
        """The interval [−1, 1] as an arb ball."""
        return type(self.c[0])(0, 1)

    def hull(self) -> list[Any]:
        """An axis-aligned box containing the shape (one arb ball per coordinate)."""
        unit, n = self.unit(), self.n
        out = []
        for i in range(n):
            acc = self.c[i]
            for j in range(n):
                acc = acc + self.a[i][j] * unit + self.q[i][j] * self.r[j]
            out.append(acc)
        return out

    def frame_box(self) -> list[Any]:
        """An interval vector containing Q⁻¹(θ − c) for every θ of the shape and the
        matching c ∈ 𝐜: (𝐐A)[−1, 1]ⁿ + 𝐫, with 𝐐 ∋ Q⁻¹."""
        unit, n = self.unit(), self.n
        out = []
        for i in range(n):
            acc = self.r[i]
            for j in range(n):
                qa = sum((self.qinv[i][k] * self.a[k][j] for k in range(1, n)),
                         self.qinv[i][0] * self.a[0][j])
                acc = acc + qa * unit
            out.append(acc)
        return out

    def halves(self) -> tuple[Shape, Shape]:
        """Two shapes whose union contains this one: the longest column of A halved and
        the centre moved by ± half of it (the new centres are balls; nothing is lost)."""
        n = self.n
        lengths = [sum(float(self.a[i][j].mid()) ** 2 for i in range(n)) for j in range(n)]
        j = max(range(n), key=lengths.__getitem__)
        half = [self.a[i][j] / 2 for i in range(n)]
        a = [[half[i] if k == j else self.a[i][k] for k in range(n)] for i in range(n)]
        lower = Shape([x - h for x, h in zip(self.c, half, strict=True)], a, self.q,
                      self.qinv, self.r)
        upper = Shape([x + h for x, h in zip(self.c, half, strict=True)], a, self.q,
                      self.qinv, self.r)
        return lower, upper


def shape_step(shape: Shape, hess: Sequence[Sequence[Any]], g_center: Sequence[Any],
               eta: Any) -> Shape | None:
    """The shape S' ⊇ G(S) of the module docstring.

    Parameters
    ----------
    shape
        S, with an exact centre c̃ = mid(𝐜) used as the expansion point.
    hess
        H(B), an interval enclosure of the Hessian over a box B containing S and 𝐜.
    g_center
        An enclosure of G(c̃) (c̃ the exact midpoint of ``shape.c``).
    eta
        The step size as an arb ball.

    Returns
    -------
    Shape or None
        None if some enclosure is not finite (the shape is then given up).
    """
    arb = type(shape.c[0])
    n = shape.n
    unit = arb(0, 1)
    jac = [[(1 if i == j else 0) - eta * hess[i][j] for j in range(n)] for i in range(n)]
    offset = [x - arb(x.mid()) for x in shape.c]
    ja = [[sum((jac[i][k] * shape.a[k][j] for k in range(1, n)), jac[i][0] * shape.a[0][j])
           for j in range(n)] for i in range(n)]
    a_new = [[arb(x.mid()) for x in row] for row in ja]
    if not all(x.is_finite() for row in ja for x in row):
        return None
    q_new, qinv = _frame(a_new, arb)
    if q_new is None:
        return None
    c_new = [arb(x.mid()) for x in g_center]
    rest = []
    for i in range(n):
        acc = g_center[i] - c_new[i]
        for j in range(n):
            acc = acc + jac[i][j] * offset[j] + (ja[i][j] - a_new[i][j]) * unit
        rest.append(acc)
    jq = [[sum((jac[i][k] * shape.q[k][j] for k in range(1, n)), jac[i][0] * shape.q[0][j])
           for j in range(n)] for i in range(n)]
    r_new = []
    for i in range(n):
        acc = arb(0)
        for k in range(n):
            acc = acc + qinv[i][k] * rest[k]
        for j in range(n):
            m = sum((qinv[i][k] * jq[k][j] for k in range(1, n)), qinv[i][0] * jq[0][j])
            acc = acc + m * shape.r[j]
        r_new.append(acc)
    if not all(x.is_finite() for x in r_new):
        return None
    return Shape(c_new, a_new, q_new, qinv, r_new)


def _frame(a: list[list[Any]], arb: Any) -> tuple[Any, Any]:
    """An exact frame Q (orthonormal up to rounding; first column along the longest
    column of ``a``) and an interval enclosure of Q⁻¹; (None, None) if Q is singular."""
    n = len(a)
    mat = np.array([[float(x.mid()) for x in row] for row in a], dtype=np.float64)
    if not np.isfinite(mat).all():
        return None, None
    norms = np.sqrt((mat * mat).sum(axis=0))
    if n == 2:
        j = int(norms[1] > norms[0])
        length = float(norms[j])
        u, v = ((mat[0, j] / length, mat[1, j] / length) if length > 0 else (1.0, 0.0))
        q_arb = [[arb(u), arb(-v)], [arb(v), arb(u)]]
        det = q_arb[0][0] * q_arb[1][1] - q_arb[0][1] * q_arb[1][0]
        if det.contains(0):
            return None, None
        qinv = [[q_arb[1][1] / det, -q_arb[0][1] / det],
                [-q_arb[1][0] / det, q_arb[0][0] / det]]
    else:
        import flint

        order = np.argsort(-norms, kind="stable")
        q, _ = np.linalg.qr(mat[:, order])
        if not np.isfinite(q).all():
            return None, None
        q_arb = [[arb(float(q[i, j])) for j in range(n)] for i in range(n)]
        try:
            inv = flint.arb_mat(q_arb).inv()
        except ZeroDivisionError:
            return None, None
        qinv = [[inv[i, j] for j in range(n)] for i in range(n)]
    if not all(x.is_finite() for row in qinv for x in row):
        return None, None
    return q_arb, qinv
