"""η-sweeps: the fraction of initialisations from which GD converges, against the step size.

For a fixed sample of starting points θ₀ (drawn once: the *same* points for every η,
i.e. common random numbers), :func:`sweep` runs float64 GD θ_{k+1} = θ_k − η∇f(θ_k) at
each step size η and counts the starting points that converge. Each count ``k`` out of
``n`` is reported as a fraction with a Wilson score interval
(:func:`symstab.evidence.wilson_interval`); the strength of these fractions is
``statistical`` (a sample of ``n`` points at a stated confidence), whatever the
per-point criterion.

What "converged" means (``criterion``):

``"attractors"`` (the default for polynomial losses)
    The classifier of the basin maps (:class:`symstab.dynamics.attractors.AttractorMapper`):
    a trajectory converges to attractor k when it enters its certified region (a ball
    around an isolated minimum, or a tube around a piece of a manifold of minima,
    certified over the bounding box of the starting points), and, for manifolds of
    minima, by the numerical criterion when after ``max_steps`` it sits in a tube cell
    with f − f* <= ``value_tol``. Each :class:`SweepPoint` counts how many of its
    converging points a certified region decided and how many the numerical criterion.
``"certified"``
    The same without the numerical criterion: only certified regions count.
``"numerical: ..."``
    A separate float64 check, for losses without certified regions (and as a
    cross-check): a trajectory is declared converged when at some step
    ``|∇f(θ)| < grad_tol`` and ``f(θ) − f* < value_tol`` (``f*`` the lowest loss value
    on the minima found by :func:`symstab.exact.analysis.analyze`, else 0). This is a
    floating-point observation, never a certificate.

Per point the labels follow :mod:`symstab.dynamics.attractors`: ``-1`` diverged
(non-finite or ``|θ| > divergence_bound``), ``0`` undetermined after ``max_steps``,
``k >= 1`` converged to attractor k (``1`` for the numerical criterion).

For losses whose minima form curves, the sweep also reports the length of the weakly
stable part M_WS(η) = {θ on the curve : λmax(θ) <= 2/η} from
:func:`symstab.exact.analysis.analyze`, normalised by its value at the first η, as in
Crăciun & Ghoshdastidar (Fig. 2). Past the exact critical step size ``eta_critical`` no
minimum is even weakly stable, and GD converges only from a null set of starting points.

Tiles and scale-out: the work is split into tiles, one η × a chunk of the points each.
Given a :class:`dask.distributed.Client`, one task per tile runs on the cluster; given a
:class:`~symstab.dynamics.resume.TileStore`, each finished tile is stored as it
completes and a resumed run computes only the missing ones. The kernels are
deterministic per point, so every way of running gives the same result.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from symstab.dynamics.attractors import EXACT_BUDGET, AttractorMapper
from symstab.dynamics.basins.inputs import VALUE_TOL
from symstab.dynamics.landing import landing as run_landing
from symstab.dynamics.samplers import BoxSampler, GridSampler, grid_sampler, uniform_box_sampler
from symstab.errors import BudgetExceeded, InputError
from symstab.evidence import Strength, Value, wilson_interval
from symstab.inputs import StepSize

__all__ = [
    "BoxSampler",
    "GridSampler",
    "Sweep",
    "SweepPoint",
    "grid_sampler",
    "numerical_kernel",
    "run_chunk",
    "sweep",
    "sweep_tile",
    "uniform_box_sampler",
]

#: Default gradient tolerance of the numerical convergence criterion (the value tolerance
#: is the basin maps' VALUE_TOL).
GRAD_TOL = 1e-10


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepPoint:
    """The outcome at one step size.

    Attributes
    ----------
    eta
        The step size (exact SymPy number).
    n
        Number of starting points.
    n_converged
        Starting points whose trajectory converged (label >= 1).
    fraction
        ``n_converged / n``.
    ci_low, ci_high
        Wilson score interval of the fraction at ``confidence``.
    confidence
        Confidence level of the interval.
    counts
        ``{label: number of points}`` (``-1`` diverged, ``0`` undetermined, ``k >= 1``
        converged), every label that occurs.
    n_regions
        Certified regions used at this η (``None`` for the numerical criterion).
    n_certified
        Converging points decided by a certified region (``None`` for the numerical
        criterion); the rest of ``n_converged`` rest on the numerical criterion.
    landing
        The summary of :meth:`symstab.dynamics.landing.Landing.to_dict` for the
        converging points, if asked for.
    """

    eta: sp.Expr
    n: int
    n_converged: int
    fraction: float
    ci_low: float
    ci_high: float
    confidence: float
    counts: dict[int, int] = field(hash=False)
    n_regions: int | None = None
    n_certified: int | None = None
    landing: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def certified_fraction(self) -> float | None:
        """``n_certified / n`` (``None`` for the numerical criterion)."""
        return None if self.n_certified is None else self.n_certified / self.n

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "eta": sp.sstr(self.eta),
            "eta_decimal": float(self.eta),
            "n": self.n,
            "n_converged": self.n_converged,
            "fraction": self.fraction,
            "ci": [self.ci_low, self.ci_high],
            "confidence": self.confidence,
            "counts": {str(k): v for k, v in sorted(self.counts.items())},
            "n_regions": self.n_regions,
            "n_certified": self.n_certified,
            "certified_fraction": self.certified_fraction,
            "landing": self.landing,
        }


@dataclass(frozen=True)
class Sweep:
    """Fraction of converging initialisations against the step size.

    Attributes
    ----------
    loss_name
        Name of the loss.
    points
        One :class:`SweepPoint` per η, in the order given.
    sampler
        Description of how the starting points were drawn (the same for every η).
    criterion
        ``"certified region"`` or ``"numerical: ..."`` (see the module docstring).
    strength
        Strength of the fractions: always ``statistical``.
    max_steps, divergence_bound
        The stopping rule of each trajectory.
    mws_length
        For minima forming curves: ``((eta, length), ...)`` with the length of
        M_WS(η) (a numerical :class:`~symstab.evidence.Value`; ``None`` where M_WS(η)
        has no arcs, i.e. is empty or finitely many points); ``None`` otherwise.
    mws_length_normalised
        The same lengths divided by the length at the first η (``0.0`` where M_WS(η)
        has no arcs; ``None`` if the first length is not positive).
    eta_critical
        Exact critical step size from :func:`~symstab.exact.analysis.analyze`
        (a :class:`~symstab.evidence.Value`), or ``None``.
    seconds
        Wall time of the GD runs (excluding the exact analysis).
    """

    loss_name: str
    points: tuple[SweepPoint, ...]
    sampler: str
    criterion: str
    strength: Strength = Strength.STATISTICAL
    max_steps: int = 5000
    divergence_bound: float = 1e8
    mws_length: tuple[tuple[sp.Expr, Value | None], ...] | None = None
    mws_length_normalised: tuple[tuple[sp.Expr, float | None], ...] | None = None
    eta_critical: Value | None = None
    seconds: float = field(default=0.0, compare=False)

    @property
    def etas(self) -> tuple[sp.Expr, ...]:
        """The step sizes."""
        return tuple(p.eta for p in self.points)

    @property
    def fractions(self) -> np.ndarray:
        """The converging fractions, one per η."""
        return np.array([p.fraction for p in self.points])

    def to_xarray(self, *, loss: Any = None, command: str | None = None) -> Any:
        """The sweep as a labelled :class:`xarray.Dataset` over η (needs the ``data``
        extra); see :mod:`symstab.dynamics.datasets`.

        Parameters
        ----------
        loss
            The loss (records its expression and parameter names).
        command
            The command line that produced the sweep.
        """
        from symstab.dynamics.datasets import sweep_dataset

        return sweep_dataset(self, loss=loss, command=command)

    @classmethod
    def from_xarray(cls, ds: Any) -> Sweep:
        """The sweep stored in a dataset made by :meth:`to_xarray`."""
        from symstab.dynamics.datasets import sweep_fields

        fields, points = sweep_fields(ds)
        return cls(points=tuple(SweepPoint(**p) for p in points), **fields)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys."""
        n = self.points[0].n if self.points else 0
        conf = self.points[0].confidence if self.points else None
        return {
            "loss": self.loss_name,
            "sampler": self.sampler,
            "criterion": self.criterion,
            "strength": str(self.strength),
            "n": n,
            "confidence": conf,
            "interval": "Wilson score",
            "max_steps": self.max_steps,
            "divergence_bound": self.divergence_bound,
            "points": [p.to_dict() for p in self.points],
            "mws_length": (
                [
                    {"eta": sp.sstr(e), "length": v.to_dict() if v is not None else None}
                    for e, v in self.mws_length
                ]
                if self.mws_length is not None
                else None
            ),
            "mws_length_normalised": (
                [{"eta": sp.sstr(e), "value": v} for e, v in self.mws_length_normalised]
                if self.mws_length_normalised is not None
                else None
            ),
            "eta_critical": self.eta_critical.to_dict() if self.eta_critical else None,
            "seconds": self.seconds,
        }


# --------------------------------------------------------------------------------------
# The numerical-criterion kernel
# --------------------------------------------------------------------------------------

_kernels: dict[int, Any] = {}


_NUMERICAL_TEMPLATE = '''
@numba.njit(cache=_CACHE, fastmath=False, error_model="numpy", nogil=True)
def kernel(
    points, lo, hi, eta, max_steps, bound, f_star, value_tol, grad_tol, labels_out,
    steps_out
):
    bound2 = bound * bound
    g2tol = grad_tol * grad_tol
    th = np.empty(dim)
    g = np.empty(dim)
    for p in range(lo, hi):
        for i in range(dim):
            th[i] = points[p, i]
        label = 0
        s = 0
        while True:
            f = value_grad_into(th, g)
            g2 = 0.0
            t2 = 0.0
            for i in range(dim):
                g2 += g[i] * g[i]
                t2 += th[i] * th[i]
            if (f - f_star < value_tol) and (g2 < g2tol):
                label = 1
                break
            if not (t2 <= bound2) or not math.isfinite(f) or not math.isfinite(g2):
                label = -1
                break
            if s >= max_steps:
                break
            for i in range(dim):
                th[i] = th[i] - eta * g[i]
            s += 1
        labels_out[p] = label
        steps_out[p] = s

'''

#: Points per task of the numerical-criterion kernel.
_NUMERICAL_CHUNK = 1024


def _make_numerical_kernel(target: Any) -> Any:
    from symstab.codegen.threads import run_chunks

    chunk_kernel = target.kernel_module(_NUMERICAL_TEMPLATE, "criterion",
                                        {"dim": target.n})["kernel"]

    def kernel(points: np.ndarray, eta: float, max_steps: int, bound: float,
               f_star: float, value_tol: float, grad_tol: float, labels_out: np.ndarray,
               steps_out: np.ndarray) -> None:
        npts = points.shape[0]
        if points.ndim != 2 or points.shape[1] != target.n:
            raise ValueError("points must have the loss' dimension")

        def run(_c: int, lo: int) -> None:
            chunk_kernel(points, lo, min(lo + _NUMERICAL_CHUNK, npts), eta, max_steps,
                         bound, f_star, value_tol, grad_tol, labels_out, steps_out)

        run_chunks(run, range(0, npts, _NUMERICAL_CHUNK))

    return kernel


def numerical_kernel(loss: Any) -> Any:
    """The parallel kernel of the numerical convergence criterion (cached per loss).

    Returns ``kernel(points, eta, max_steps, bound, f_star, value_tol, grad_tol,
    labels_out, steps_out)``: for every row of ``points`` ((N, n) float64) GD runs until
    ``f − f* < value_tol`` and ``|∇f| < grad_tol`` at an iterate (label 1), the iterate
    is non-finite or ``|θ| > bound`` (label -1), or ``max_steps`` steps were taken
    (label 0). Built from the loss' generated ``value_grad_into`` numba kernel.

    Parameters
    ----------
    loss
        A :class:`~symstab.loss.Loss` (or a :class:`~symstab.codegen.CompiledLoss`).
    """
    from symstab.dynamics.basins.kernel import cached_kernel

    return cached_kernel(_kernels, loss, _make_numerical_kernel)


# --------------------------------------------------------------------------------------
# One task: one η, one chunk of points
# --------------------------------------------------------------------------------------


def run_chunk(
    loss: Any,
    eta: Any,
    points: np.ndarray,
    regions: tuple[Any, ...] | None,
    max_steps: int,
    bound: float,
    numerical: tuple[float, float, float] | None,
    value_tol: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Labels of the GD trajectories from ``points`` at step ``eta`` (one sweep task).

    Module-level so that Dask workers can import it; pure and deterministic per point.

    Parameters
    ----------
    loss
        The loss.
    eta
        Step size (a :class:`~symstab.inputs.StepSize` or any spelling of it).
    points
        ``(N, n)`` float64 starting points.
    regions
        The certified regions of the attractors (as for
        :func:`~symstab.dynamics.basins.basin_map`), else ``None``.
    max_steps, bound
        Stopping rule.
    numerical
        ``(f_star, value_tol, grad_tol)`` for the separate numerical criterion, else
        ``None``.
    value_tol
        The basin maps' numerical criterion at pieces of minima (with ``regions``).

    Returns
    -------
    (labels, numerical)
        ``int16`` labels and a bool array: the label rests on a numerical criterion.
    """
    pts = np.ascontiguousarray(points, dtype=np.float64)
    npts = pts.shape[0]
    if npts == 0:
        return np.zeros(0, dtype=np.int16), np.zeros(0, dtype=bool)
    if numerical is not None:
        f_star, vtol, gtol = numerical
        labels = np.zeros(npts, dtype=np.int16)
        steps = np.zeros(npts, dtype=np.int64)
        kernel = numerical_kernel(loss)
        kernel(pts, StepSize.of(eta).as_float, int(max_steps), float(bound), f_star, vtol,
               gtol, labels, steps)
        return labels, labels >= 1
    if regions is None:
        raise InputError("run_chunk needs regions or a numerical criterion")
    mapper = AttractorMapper(loss, StepSize.of(eta), tuple(regions), None, int(max_steps),
                             float(bound), float(value_tol))
    bm = mapper.map(pts)
    numeric = bm.numerical if bm.numerical is not None else np.zeros(npts, dtype=bool)
    return bm.labels.astype(np.int16).ravel(), numeric.ravel()


def sweep_tile(loss: Any, max_steps: int, bound: float,
               numerical: tuple[float, float, float] | None, value_tol: float, eta: Any,
               regions: tuple[Any, ...] | None, points: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`run_chunk` as one tile of a sweep: ``{"labels": ..., "numerical": ...}``."""
    labels, numeric = run_chunk(loss, eta, points, regions, max_steps, bound, numerical,
                                value_tol)
    return {"labels": labels, "numerical": numeric}


# --------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------


def _lowest_minimum(loss: Any) -> float | None:
    """The lowest loss value on the minima found by the exact analysis (within
    :data:`~symstab.dynamics.attractors.EXACT_BUDGET` seconds), or None if unknown."""
    from symstab.exact.analysis import analyze

    if not getattr(loss, "is_polynomial", False):
        return None
    try:
        analysis = analyze(loss, time_limit=EXACT_BUDGET)
    except (BudgetExceeded, InputError, NotImplementedError):
        return None
    values = [float(c.loss_value) for c in analysis.components
              if "minima" in c.kind and c.loss_value is not None]
    values += [float(p.loss_value.expr) for p in analysis.minima
               if p.loss_value.expr is not None]
    return min(values) if values else None


def _mws(loss: Any, etas: Sequence[sp.Expr]) -> tuple[
    tuple[tuple[sp.Expr, Value | None], ...] | None,
    tuple[tuple[sp.Expr, float | None], ...] | None,
    Value | None,
]:
    """M_WS lengths (and normalised), and the critical η, from the exact analysis."""
    from symstab.exact.analysis import analyze

    lengths: list[tuple[sp.Expr, Value | None]] = []
    raw: list[float | None] = []
    eta_critical: Value | None = None
    curves = True
    for eta in etas:
        try:
            a = analyze(loss, eta, time_limit=EXACT_BUDGET)
        except BudgetExceeded:
            return None, None, None
        eta_critical = a.eta_critical
        comps = [c for c in a.components if "minima" in c.kind]
        if not comps or any(c.component.dimension != 1 or c.weakly_stable is None
                            for c in comps):
            curves = False
            continue
        total = 0.0
        value: Value | None = None
        if len(comps) == 1:
            value = comps[0].weakly_stable.length
        for c in comps:
            ws = c.weakly_stable
            if ws.length is not None:
                total += float(ws.length.decimal)
            elif ws.intervals:  # arcs without a length: unknown
                total = math.nan
        if len(comps) > 1 and math.isfinite(total):
            value = Value.of_numerical(total, 15, "sum of the M_WS(η) lengths of all curves")
        lengths.append((eta, value))
        raw.append(total if math.isfinite(total) else None)
    if not curves:
        # the critical η is independent of the η asked for
        return None, None, eta_critical
    first = raw[0] if raw else None
    normalised = tuple(
        (e, (r / first) if (r is not None and first) else None)
        for (e, _), r in zip(lengths, raw, strict=True)
    )
    return tuple(lengths), normalised, eta_critical


def sweep(
    loss: Any,
    etas: Sequence[Any],
    sampler: Callable[[int], np.ndarray] | Sequence[tuple[float, float]],
    n: int,
    *,
    max_steps: int = 5000,
    client: Any = None,
    chunk: int = 8192,
    show_progress: bool = False,
    seed: int = 0,
    confidence: float = 0.95,
    criterion: str = "auto",
    divergence_bound: float = 1e8,
    value_tol: float = VALUE_TOL,
    grad_tol: float = GRAD_TOL,
    exact: bool = True,
    landing: bool = False,
    manifold_options: dict[str, Any] | None = None,
    tiles: Any = None,
) -> Sweep:
    """Fraction of starting points from which GD converges, for each step size.

    Parameters
    ----------
    loss
        A :class:`~symstab.loss.Loss`.
    etas
        Step sizes, each any spelling of :meth:`symstab.inputs.StepSize.of`: SymPy
        numbers, ints, Fractions, text (``"p/q"``, decimals) or floats (taken as their
        shortest decimal, e.g. ``0.3`` -> 3/10).
    sampler
        ``sampler(n) -> (n, d)`` array of starting points (called once; the same points
        serve every η), e.g. :func:`uniform_box_sampler`; or a box
        ``[(lo, hi), ...]``, sampled with ``uniform_box_sampler(box, seed)``.
    n
        Number of starting points.
    max_steps
        GD steps after which an undecided trajectory counts as not converged (label 0).
    client
        A :class:`dask.distributed.Client`: one task per (η, chunk of points) runs on
        the cluster. ``None`` (default): everything runs locally.
    chunk
        Points per task.
    show_progress
        Show a :mod:`rich.progress` bar (over tasks).
    seed
        Seed used when ``sampler`` is a box.
    confidence
        Confidence level of the Wilson intervals.
    criterion
        ``"auto"`` (``"attractors"``, or ``"numerical"`` when no certified regions can be
        computed: a loss that is not a polynomial, or an exact analysis beyond
        :data:`~symstab.dynamics.attractors.EXACT_BUDGET` seconds),
        ``"attractors"``, ``"certified"`` or ``"numerical"`` (see the module docstring).
    divergence_bound
        ``|θ|`` above which a trajectory counts as diverged.
    value_tol, grad_tol
        Tolerances of the numerical criteria (``f − f* < value_tol``, and
        ``|∇f| < grad_tol`` for ``"numerical"``).
    exact
        Compute the exact critical η and the M_WS lengths with
        :func:`~symstab.exact.analysis.analyze` (polynomial losses).
    landing
        Also report, per η, where the converging orbits land
        (:func:`symstab.dynamics.landing.landing`: the histogram of ηλmax(θ∞)/2).
    manifold_options
        Options of the tube certificate around a manifold of minima
        (:func:`~symstab.certify.manifold.certify_manifold_regions`).
    tiles
        A :class:`symstab.dynamics.resume.TileStore`: every tile (one η and ``chunk``
        points) is stored there as it finishes, and tiles it already holds from an
        interrupted run of the same sweep (``resume=True``) are read instead of
        computed; the result is the same.

    Returns
    -------
    Sweep
    """
    step_sizes = [StepSize.of(e) for e in etas]
    etas_exact = [step.exact for step in step_sizes]
    if not step_sizes:
        raise InputError("no step sizes given", "etas")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n must be an integer >= 1, got {n!r}", "n")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int | np.integer):
        raise InputError(f"max_steps must be an integer >= 0, got {max_steps!r}", "max_steps")
    if not 0 <= max_steps <= 2**31 - 1:
        raise InputError(f"max_steps must be in [0, 2^31 - 1], got {max_steps}", "max_steps")
    if isinstance(chunk, bool) or not isinstance(chunk, int | np.integer) or chunk < 1:
        raise InputError(f"chunk must be an integer >= 1, got {chunk!r}", "chunk")
    bound = float(divergence_bound)
    if not (math.isfinite(bound) and bound > 0):
        raise InputError(f"divergence bound must be positive, got {divergence_bound!r}")
    if criterion not in ("auto", "attractors", "certified", "numerical"):
        raise InputError(f"unknown criterion {criterion!r}", "criterion")
    if not callable(sampler):
        sampler = uniform_box_sampler(sampler, seed)
    description = getattr(sampler, "description", None) or repr(sampler)
    dim = len(loss.params)
    pts = np.ascontiguousarray(np.asarray(sampler(int(n)), dtype=np.float64))
    if pts.shape != (int(n), dim):
        raise InputError(f"sampler returned shape {pts.shape}, expected ({n}, {dim})", "sampler")
    if not np.all(np.isfinite(pts)):
        raise InputError("sampler returned non-finite points", "sampler")

    # -- which criterion ---------------------------------------------------------------
    numerical: tuple[float, float, float] | None = None
    region_args: list[tuple[Any, ...] | None] = [None] * len(step_sizes)
    n_regions: list[int | None] = [None] * len(step_sizes)
    tube_tol = float(value_tol) if criterion in ("auto", "attractors") else 0.0
    fallback = ""
    if criterion in ("auto", "attractors", "certified"):
        window = tuple(zip(pts.min(axis=0).tolist(), pts.max(axis=0).tolist(), strict=True))
        pieces = False
        for j, step in enumerate(step_sizes):
            mapper = AttractorMapper.for_window(loss, step, window,
                                                manifold_options=manifold_options)
            if mapper.exact_failed and criterion == "auto":
                fallback = mapper.exact_failed
                break
            region_args[j] = mapper.regions
            n_regions[j] = len(mapper.attractors)
            pieces = pieces or bool(mapper.pieces)
        criterion_text = "certified region" + (
            f", or numerical at a piece of minima (f - f* <= {value_tol:g} after "
            f"{max_steps} steps)" if tube_tol and pieces else "")
    if criterion == "numerical" or fallback:
        region_args = [None] * len(step_sizes)
        n_regions = [None] * len(step_sizes)
        f_star = None if fallback else _lowest_minimum(loss)
        vtol = float(value_tol) if f_star is not None else math.inf
        numerical = (0.0 if f_star is None else float(f_star), vtol, float(grad_tol))
        criterion_text = (
            f"numerical: |grad f| < {grad_tol:g} and f - f* < {value_tol:g} "
            f"(f* = {f_star:g}) at some iterate within {max_steps} steps"
            if f_star is not None else
            f"numerical: |grad f| < {grad_tol:g} at some iterate within {max_steps} steps "
            "(the lowest minimum is unknown)")
        if fallback:
            criterion_text += f"; no certified regions: {fallback}"

    # -- the tasks: one tile = one η and a chunk of the points --------------------------
    edges = [*range(0, int(n), int(chunk)), int(n)]
    slices = list(itertools.pairwise(edges))
    tasks = [(j, a, b) for j in range(len(etas_exact)) for a, b in slices]
    labels = np.zeros((len(etas_exact), int(n)), dtype=np.int16)
    numeric = np.zeros((len(etas_exact), int(n)), dtype=bool)
    if tiles is not None:
        from symstab.dynamics.resume import run_key

        tiles.open(run_key(["sweep", sp.srepr(getattr(loss, "expr", None)),
                            [str(p) for p in loss.params], [sp.srepr(e) for e in etas_exact],
                            int(max_steps), bound, criterion_text, numerical, tube_tol,
                            int(chunk)], pts), len(tasks))
    t0 = time.perf_counter()
    progress = None
    advance = None
    if show_progress:
        from rich.progress import Progress

        progress = Progress(transient=True)
        progress.start()
        bar = progress.add_task(f"sweep {getattr(loss, 'name', '')}",
                                total=len(tiles.missing()) if tiles is not None else len(tasks))

        def advance(count: int) -> None:
            progress.update(bar, advance=count)

    def keep(k: int, arrays: dict[str, np.ndarray]) -> None:
        j, a, b = tasks[k]
        labels[j, a:b], numeric[j, a:b] = arrays["labels"], arrays["numerical"]

    from symstab.dynamics.resume import run_tiles

    try:
        run_tiles(tiles, [(step_sizes[j], region_args[j], pts[a:b]) for j, a, b in tasks],
                  sweep_tile, (loss, int(max_steps), bound, numerical, tube_tol), keep,
                  client=client, progress=advance)
    finally:
        if progress is not None:
            progress.stop()
    seconds = time.perf_counter() - t0

    # -- assemble ----------------------------------------------------------------------
    results = []
    for j, eta in enumerate(etas_exact):
        values, cnts = np.unique(labels[j], return_counts=True)
        counts = {int(v): int(c) for v, c in zip(values, cnts, strict=True)}
        k = int(sum(c for v, c in counts.items() if v >= 1))
        low, high = wilson_interval(k, int(n), confidence)
        certified = None if numerical else k - int(np.count_nonzero(numeric[j] & (labels[j] >= 1)))
        landed = None
        if landing:
            landed = run_landing(loss, step_sizes[j], pts[labels[j] >= 1]).to_dict()
        results.append(SweepPoint(eta, int(n), k, k / int(n), low, high, float(confidence),
                                  counts, n_regions[j], certified, landed))
    mws = mws_norm = None
    eta_critical = None
    if exact and getattr(loss, "is_polynomial", False) and not fallback:
        mws, mws_norm, eta_critical = _mws(loss, etas_exact)
    return Sweep(
        loss_name=str(getattr(loss, "name", "loss")),
        points=tuple(results),
        sampler=str(description),
        criterion=criterion_text,
        strength=Strength.STATISTICAL,
        max_steps=int(max_steps),
        divergence_bound=bound,
        mws_length=mws,
        mws_length_normalised=mws_norm,
        eta_critical=eta_critical,
        seconds=seconds,
    )

