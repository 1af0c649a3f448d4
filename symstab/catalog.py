"""The catalog of named losses from the seed papers.

Each entry is data: a name, its parameters, how to build its expression, and
where it comes from. A new loss is added by adding an entry here, nothing else.
``deep-chain-D`` (any depth D >= 2) is the depth-D scalar linear network
½(1 - x1 x2 ... xD)². ``linear-net:d0xd1x...xdL`` is the matrix linear network
½‖W_L⋯W_1 − W*‖² with layer widths d0 (input) to dL (output) and the target W* of
:func:`default_target` (:class:`LinearNetSpec`); ``linear-net:d0x...xdL:data`` is the
same network on data, ½‖W_L⋯W_1 X − Y‖², with the whitened data of :func:`default_data`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

MAX_CHAIN_DEPTH = 12
#: Limits of ``linear-net:...``: widths, layers and parameters (small enough for exact work).
MAX_NET_WIDTH = 4
MAX_NET_DEPTH = 6
MAX_NET_PARAMS = 48


@dataclass(frozen=True)
class CatalogEntry:
    """A named loss.

    Attributes
    ----------
    name
        Catalog name (what the CLI accepts).
    param_names
        Parameter names, in order.
    build
        Builds the expression from the parameter symbols.
    source
        Paper, equation or figure the loss comes from.
    description
        One line for listings.
    """

    name: str
    param_names: tuple[str, ...]
    build: Callable[[tuple[sp.Symbol, ...]], sp.Expr]
    source: str
    description: str


_CHEN = "Chen, Peng, Li, Zhao, 'On the Unstable Convergence Regime of Gradient Descent', AAAI 2024"
_CRACIUN = (
    "Crăciun & Ghoshdastidar, 'On the Convergence of Gradient Descent for Large Learning Rates', "
    "2024"
)
_TAO = (
    "Tao & Wang, expository blog on large learning rates (after Wang, Chen, Zhao, Tao, ICLR 2022)"
)

_KONG = (
    "Kong & Tao, 'Stochasticity of Deterministic Gradient Descent: Large Learning Rate for "
    "Multiscale Objective Function', NeurIPS 2020 (the multiscale section of the Tao & Wang blog)"
)
#: ε of ``multiscale-1d`` and ``multiscale-2d``: amplitude and wavelength/2π of the small scale.
MULTISCALE_EPS = sp.Rational(1, 1000)

_half = sp.Rational(1, 2)


def _chain(symbols: tuple[sp.Symbol, ...]) -> sp.Expr:
    return _half * (1 - sp.Mul(*symbols)) ** 2


_ENTRIES: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        "f1",
        ("x", "y"),
        lambda s: s[0] ** 2 + s[1] ** 2 + s[0] ** 2 * s[1] + s[0] ** 3 + s[1] ** 3,
        f"{_CHEN}, eq. (43)",
        "x² + y² + x²y + x³ + y³; strict local minimum (0, 0), λmax = 2",
    ),
    CatalogEntry(
        "f2",
        ("x", "y"),
        lambda s: s[0] ** 2 + s[1] ** 2 + s[0] ** 2 * s[1] + s[0] ** 4 + s[1] ** 4,
        f"{_CHEN}, eq. (44)",
        "x² + y² + x²y + x⁴ + y⁴; unique global minimum (0, 0), λmax = 2",
    ),
    CatalogEntry(
        "f3",
        ("x", "y"),
        lambda s: s[0] ** 4 * s[1] ** 2 + s[0] ** 2 * s[1] ** 4 - 3 * s[0] ** 2 * s[1] ** 2 + 1,
        f"{_CHEN}, eq. (45)",
        "x⁴y² + x²y⁴ − 3x²y² + 1; minima (±1, ±1), λmax = 12; axes critical",
    ),
    CatalogEntry(
        "f4",
        ("x", "y"),
        lambda s: (1 - s[0] * s[1]) ** 2 + sp.Rational(1, 20) * (s[0] ** 2 + s[1] ** 2),
        f"{_CHEN}, eq. (46)",
        "(1 − xy)² + (x² + y²)/20; minima ±(√19/(2√5))(1, 1), λmax = 19/5",
    ),
    CatalogEntry(
        "xy",
        ("x", "y"),
        _chain,
        f"{_CRACIUN}, Example 1 and Figs. 1-2; {_TAO} (periodic orbits at h = 1.9)",
        "½(1 − xy)²; minima form the hyperbola xy = 1",
    ),
    CatalogEntry(
        "xy2",
        ("x", "y"),
        lambda s: (1 - s[0] * s[1]) ** 2,
        f"{_CHEN}, Conclusion (f = (1 − xy)², non-compact minima)",
        "(1 − xy)² without the ½; minima form the hyperbola xy = 1",
    ),
    CatalogEntry(
        "chain3",
        ("a", "b", "c"),
        _chain,
        f"{_CRACIUN}, depth-3 scalar linear network (Fig. 2)",
        "½(1 − abc)²; minima form the surface abc = 1",
    ),
    CatalogEntry(
        "multiscale-1d",
        ("x",),
        lambda s: s[0] ** 2 / 2 + MULTISCALE_EPS * sp.sin(s[0] / MULTISCALE_EPS),
        f"{_KONG}, f = f0 + f1 with a small-scale f1",
        "x²/2 + ε sin(x/ε), ε = 1/1000; f0 = x²/2, about 300 local minima in |x| < 1",
    ),
    CatalogEntry(
        "multiscale-2d",
        ("x", "y"),
        lambda s: ((s[0] ** 2 + s[0] * s[1] + s[1] ** 2) / 2
                   + MULTISCALE_EPS * sp.sin(s[0] / MULTISCALE_EPS)
                   * sp.sin(s[1] / MULTISCALE_EPS)),
        f"{_KONG}, f = f0 + f1 with a small-scale f1",
        "(x² + xy + y²)/2 + ε sin(x/ε) sin(y/ε), ε = 1/1000; f0 a quadratic well",
    ),
)

#: Other spellings accepted for catalog names.
ALIASES: dict[str, str] = {"(1-xy)^2": "xy2", "(1-x*y)^2": "xy2", "deep-chain-3": "chain3"}

_CHAIN_PATTERN = re.compile(r"deep-chain-(\d{1,3})")


def _deep_chain(depth: int) -> CatalogEntry:
    names = tuple(f"x{i}" for i in range(1, depth + 1))
    return CatalogEntry(
        f"deep-chain-{depth}",
        names,
        _chain,
        f"{_CRACIUN}, depth-{depth} scalar linear network with squared loss",
        f"½(1 − x1⋯x{depth})²; minima form the hypersurface x1⋯x{depth} = 1",
    )


def default_target(rows: int, cols: int) -> sp.Matrix:
    """The target W* of ``linear-net:...``: diag(k, k − 1, ..., 1) padded with zeros to
    ``rows × cols``, k = min(rows, cols): pairwise distinct positive singular values (the
    hypothesis of Crăciun & Ghoshdastidar's Prop. 1), and W* = 1 for width-1 chains."""
    k = min(rows, cols)
    return sp.Matrix(rows, cols, lambda i, j: k - i if i == j else 0)


def _householder(size: int) -> sp.Matrix:
    """I − 2vvᵀ/(vᵀv) for v = (1, ..., 1): a rational orthogonal matrix."""
    v = sp.ones(size, 1)
    return sp.eye(size) - 2 * v * v.T / size


def default_data(rows: int, cols: int) -> tuple[sp.Matrix, sp.Matrix]:
    """Whitened data (X, Y) for ``linear-net:...:data``: X is the first d0 = ``cols`` rows
    of the rational orthogonal matrix I − 2vvᵀ/(vᵀv) of size d0 + 1 (so XXᵀ = I, d0 + 1
    samples), and Y = W* X + e₁ hᵀ with h the remaining row (orthogonal to the rows of X)
    and W* = :func:`default_target`. Then ½‖WX − Y‖² = ½‖W − W*‖² + ½ exactly: the
    same minimisers and Hessians as the target form, the minimum raised by the noise."""
    h = _householder(cols + 1)
    x, last = h[:cols, :], h[cols:, :]
    noise = sp.zeros(rows, 1)
    noise[0, 0] = 1
    return x, default_target(rows, cols) * x + noise * last


@dataclass(frozen=True)
class LinearNetSpec:
    """A matrix linear network W_L⋯W_1 with a squared loss against a target.

    Attributes
    ----------
    widths
        d0 (input), d1, ..., dL (output); layer k is a d_k × d_(k−1) matrix.
    target
        W*, a d_L × d_0 matrix of rationals; with ``data``, W* = Y Xᵀ.
    data
        (X, Y) with XXᵀ = I (whitened inputs, one sample per column) for the data form
        ½‖W_L⋯W_1 X − Y‖² = ½‖W_L⋯W_1 − YXᵀ‖² + :attr:`offset`; None for the target form.
    """

    widths: tuple[int, ...]
    target: sp.Matrix
    data: tuple[sp.Matrix, sp.Matrix] | None = None

    @classmethod
    def on_data(cls, widths: tuple[int, ...], x: sp.Matrix, y: sp.Matrix) -> LinearNetSpec:
        """The data form on whitened (X, Y); ValueError unless XXᵀ = I and the shapes fit."""
        x, y = sp.Matrix(x), sp.Matrix(y)
        if x.rows != widths[0] or y.rows != widths[-1] or x.cols != y.cols:
            raise ValueError("X must be d0 × p and Y dL × p")
        if (x * x.T - sp.eye(x.rows)).applyfunc(sp.simplify) != sp.zeros(x.rows, x.rows):
            raise ValueError("the data must be whitened: X Xᵀ = I")
        return cls(tuple(widths), (y * x.T).applyfunc(sp.simplify), (x, y))

    @property
    def offset(self) -> sp.Expr:
        """½(‖Y‖² − ‖YXᵀ‖²): the data form minus the target form (0 without data)."""
        if self.data is None:
            return sp.Integer(0)
        y = self.data[1]
        return sp.simplify(_half * (sum(v**2 for v in y) - sum(v**2 for v in self.target)))

    @property
    def depth(self) -> int:
        """The number of layers L."""
        return len(self.widths) - 1

    @property
    def name(self) -> str:
        """``linear-net:d0x...xdL`` (with ``:data`` for the data form)."""
        return ("linear-net:" + "x".join(map(str, self.widths))
                + (":data" if self.data is not None else ""))

    def param_names(self) -> tuple[str, ...]:
        """``wK_IJ``: entry (I, J) of layer K, all 1-based, layer by layer, row-major."""
        return tuple(f"w{k}_{i}{j}" for k in range(1, self.depth + 1)
                     for i in range(1, self.widths[k] + 1)
                     for j in range(1, self.widths[k - 1] + 1))

    def weights(self, symbols: tuple[sp.Symbol, ...]) -> list[sp.Matrix]:
        """The layers W_1, ..., W_L filled with ``symbols`` in :meth:`param_names` order."""
        out, at = [], 0
        for k in range(1, self.depth + 1):
            rows, cols = self.widths[k], self.widths[k - 1]
            out.append(sp.Matrix(rows, cols, symbols[at:at + rows * cols]))
            at += rows * cols
        return out

    def product(self, symbols: tuple[sp.Symbol, ...]) -> sp.Matrix:
        """W_L⋯W_1."""
        layers = self.weights(symbols)
        prod = layers[0]
        for w in layers[1:]:
            prod = w * prod
        return prod

    def build(self, symbols: tuple[sp.Symbol, ...]) -> sp.Expr:
        """½‖W_L⋯W_1 − W*‖² or ½‖W_L⋯W_1 X − Y‖² (Frobenius), expanded."""
        if self.data is None:
            residual = self.product(symbols) - self.target
        else:
            x, y = self.data
            residual = self.product(symbols) * x - y
        return sp.expand(_half * sum(r**2 for r in residual))


_NET_PATTERN = re.compile(r"linear-net:(\d{1,2}(?:x\d{1,2}){2,12})(:data)?")


def linear_net(name: str) -> LinearNetSpec | None:
    """The :class:`LinearNetSpec` of ``linear-net:d0x...xdL`` (None for other names).

    Raises
    ------
    symstab.errors.InputError
        For widths, depth or parameter counts beyond the limits.
    """
    match = _NET_PATTERN.fullmatch(name.strip())
    if match is None:
        return None
    from symstab.errors import InputError

    widths = tuple(int(w) for w in match.group(1).split("x"))
    if not all(1 <= w <= MAX_NET_WIDTH for w in widths):
        raise InputError(f"layer widths must be between 1 and {MAX_NET_WIDTH}", name)
    if len(widths) - 1 > MAX_NET_DEPTH:
        raise InputError(f"at most {MAX_NET_DEPTH} layers", name)
    if sum(a * b for a, b in itertools.pairwise(widths)) > MAX_NET_PARAMS:
        raise InputError(f"at most {MAX_NET_PARAMS} parameters", name)
    if match.group(2):
        return LinearNetSpec.on_data(widths, *default_data(widths[-1], widths[0]))
    return LinearNetSpec(widths, default_target(widths[-1], widths[0]))


def _linear_net_entry(spec: LinearNetSpec) -> CatalogEntry:
    arrows = "→".join(map(str, spec.widths))
    formula = (f"½‖W{spec.depth}⋯W1 − W*‖², widths {arrows}, W* = "
               f"{sp.sstr(spec.target.tolist())}")
    if spec.data is not None:
        formula = (f"½‖W{spec.depth}⋯W1 X − Y‖² on {spec.data[0].cols} whitened samples "
                   f"(X Xᵀ = I), widths {arrows}; = ½‖W{spec.depth}⋯W1 − W*‖² + "
                   f"{sp.sstr(spec.offset)}, W* = Y Xᵀ = {sp.sstr(spec.target.tolist())}")
    return CatalogEntry(
        spec.name,
        spec.param_names(),
        spec.build,
        f"{_CRACIUN}, linear networks with a squared loss (Definition 4, Props. 1-2)",
        formula,
    )


def catalog_names() -> tuple[str, ...]:
    """The fixed catalog names (``deep-chain-D`` for any D >= 2 and
    ``linear-net:d0x...xdL`` are accepted besides these)."""
    return (*(e.name for e in _ENTRIES), "deep-chain-D", "linear-net:d0x...xdL",
            "linear-net:d0x...xdL:data")


def entries() -> tuple[CatalogEntry, ...]:
    """The fixed catalog entries."""
    return _ENTRIES


def lookup(name: str) -> CatalogEntry | None:
    """The catalog entry called ``name`` (or an alias of it), or ``None``.

    Raises
    ------
    symstab.errors.InputError
        For ``deep-chain-D`` with D outside ``2..MAX_CHAIN_DEPTH``.
    """
    key = ALIASES.get(name.replace(" ", ""), name.strip())
    for entry in _ENTRIES:
        if entry.name == key:
            return entry
    spec = linear_net(key)
    if spec is not None:
        return _linear_net_entry(spec)
    match = _CHAIN_PATTERN.fullmatch(key)
    if match:
        depth = int(match.group(1))
        if not 2 <= depth <= MAX_CHAIN_DEPTH:
            from symstab.errors import InputError

            raise InputError(f"chain depth must be between 2 and {MAX_CHAIN_DEPTH}", name)
        return _deep_chain(depth)
    return None
