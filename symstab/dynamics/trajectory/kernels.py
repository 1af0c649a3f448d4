"""The high-precision engine of a trajectory: generated mpfr or libmp kernels.

Engine
------
:func:`symstab.dynamics.trajectory.trajectory` calls one generated kernel per step on
``gmpy2.mpfr`` numbers (:func:`symstab.codegen.mpfr_target.mpfr_value_step_kernel`: the loss at
the loss precision and the GD step at ``dps``, printed from the same CSE blocks as the
libmp code of :meth:`symstab.codegen.MpmathTarget.value_step_kernel`, with one correctly
rounded MPFR operation where libmp rounds once). For polynomial losses (integer powers
with fewer than 1000 exact bits) this is bit-identical to the mpmath target's
``value``/``step``, so it computes the same orbit, losses and classification as the
generic engine :func:`symstab.dynamics.trajectory.engine.run` (used for float64 in
:func:`symstab.dynamics.trajectory.shadowing`); with ``exp``, ``tanh``, ``erf``, …
single operations may differ from libmp by one ulp (MPFR rounds correctly, libmp nearly
always), see :mod:`symstab.codegen.mpfr_target`. If an MPFR result leaves MPFR's exponent range
(libmp's is unbounded) the run is redone on raw libmp tuples, which is also the engine
for a function without an MPFR printer. Numbers become ``mpf`` only where they are
returned or tested against a region.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp
from mpmath import libmp

from symstab.codegen import compile_loss
from symstab.dynamics.highprec import to_mpf
from symstab.dynamics.trajectory.engine import (
    SCREEN,
    Arith,
    Run,
    as_fraction,
    classify,
    cycle_ok,
    persist,
    settled,
)
from symstab.dynamics.trajectory.results import num_str
from symstab.errors import InputError
from symstab.inputs import exact_number
from symstab.loss import Loss

__all__ = ["mp_arith", "run_fast"]


def _loss_dps(dps: int) -> int:
    """Precision of the loss values of a run at ``dps`` digits."""
    return dps + dps // 2 + 10


def mp_arith(
    loss: Loss, eta: sp.Expr, dps: int, divergence_bound: Any, period_tol: Any
) -> tuple[Arith, Any]:
    """The mpmath arithmetic of a run at ``dps`` digits, and its mpmath context.

    Parameters
    ----------
    loss
        The loss.
    eta
        The exact step size, rounded once to the working precision.
    dps
        Working precision in decimal digits (losses at ``dps + dps//2 + 10``).
    divergence_bound
        The orbit diverged when ‖θ‖₂ exceeds this (an exact number).
    period_tol
        Tolerance of the period test, or None for 10^(−⌊dps/2⌋).

    Raises
    ------
    InputError
        If ``period_tol`` or ``divergence_bound`` is not a positive number.
    """
    compiled = compile_loss(loss.expr, loss.params)
    target = compiled.mpmath(dps)
    # losses at higher precision, so that f(θ_{k+1}) >= f(θ_k) is decided reliably for the
    # computed (binary, exact) iterates whenever ‖θ_{k+1} − θ_k‖ > 10^(−dps/2)
    value_target = compiled.mpmath(_loss_dps(dps))
    ctx = target.ctx
    eta_mp = to_mpf(ctx, eta)
    if period_tol is None:
        tol = ctx.mpf(10) ** (-(dps // 2))
        tol_text = f"1e-{dps // 2}"
    else:
        tol = to_mpf(ctx, exact_number(period_tol, "period_tol"))
        if not tol > 0:
            raise InputError("period_tol must be > 0", "period_tol")
        tol_text = num_str(tol, 6)
    bound = to_mpf(ctx, exact_number(divergence_bound, "divergence_bound"))
    if not bound > 0:
        raise InputError("divergence_bound must be > 0", "divergence_bound")
    ar = Arith(
        step=lambda th: target.step(th, eta_mp),
        value=value_target.value,
        finite=ctx.isfinite,
        tol=tol,
        bound2=bound * bound,
        tol_text=tol_text,
        screen=max(SCREEN, 4 * float(tol)),
        cycle_eps=Fraction(1, 10 ** (dps // 2)),
    )
    return ar, ctx


# -- the fast mpmath engine (mpfr, or raw libmp tuples) -----------------------------------


@dataclass
class _MpFast:
    """What :func:`_run_mp` needs for one run: a generated kernel on a native number type
    (``gmpy2.mpfr`` or raw libmp tuples) and the few operations of the bookkeeping.

    ``kernel(*θ, eta)`` returns ``(f(θ), *G(θ))``: the loss at :func:`_loss_dps` digits
    and the GD step at the working precision, rounded where the separate
    ``value``/``step`` of :func:`mp_arith` round (see :mod:`symstab.codegen.mpfr_target` for when
    mpfr and libmp agree bit for bit). Every test below decides exactly what the mpf
    engine :func:`run` decides on the same numbers.
    """

    backend: str  # "mpfr" or "libmp"
    kernel: Callable[..., tuple]
    recover: Callable[[tuple], tuple]  # (f, None) when the kernel raised (libmp only)
    step: Callable[[tuple, Any], tuple]  # the GD step alone (after ``recover``)
    eta: Any
    from_raw: Callable[[tuple], Any]  # raw working-precision mpf -> native
    point: Callable[[tuple], tuple[Any, ...]]  # native θ -> mpf of the working context
    loss_mpf: Callable[[Any], Any]  # native f -> mpf of the loss context
    check: Callable[[tuple, Any], int]  # 0 fine, 1 not finite, 2 beyond the bound
    cell: Callable[[Any], Any]  # integer cell of θ_0 at the scale 2^e >= 2·tol
    close: Callable[[tuple, tuple], bool]  # _close: ‖a − b‖∞ (rounded) <= tol
    ge: Callable[[Any, Any], bool]  # exact a >= b of two losses
    dist: Callable[[tuple, tuple], Fraction]  # exact value of the rounded ‖a − b‖∞
    tol_q: Fraction
    cycle_eps: Fraction
    tol_text: str
    out_of_range: Callable[[], bool] = field(default=lambda: False)


def _mp_fast(loss: Loss, eta: sp.Expr, dps: int, ar: Arith, backend: str = "auto") -> _MpFast:
    """The fast engine of one run: mpfr (``"mpfr"``, the default ``"auto"``) unless the
    loss has a function without an MPFR printer, else raw libmp (``"libmp"``)."""
    compiled = compile_loss(loss.expr, loss.params)
    target = compiled.mpmath(dps)
    value_target = compiled.mpmath(_loss_dps(dps))
    tol, bound2 = ar.tol._mpf_, ar.bound2._mpf_
    p, q = libmp.to_rational(bound2)
    b2 = Fraction(int(p), int(q))
    n = loss.n
    # n·4^norm_exp <= bound², so max_i |θ_i| < 2^norm_exp is within the bound
    norm_exp = (b2.numerator.bit_length() - b2.denominator.bit_length()) // 2 + 2
    while n * Fraction(4) ** norm_exp > b2:
        norm_exp -= 1
    common = {
        "tol_q": as_fraction(ar.tol), "cycle_eps": ar.cycle_eps, "tol_text": ar.tol_text,
    }  # fmt: skip
    eta_raw = to_mpf(target.ctx, eta)._mpf_
    cell_exp = tol[2] + tol[3] + 1  # tol < 2^(exp + bc) <= 2^cell_exp / 2
    mk, mk_value = target.ctx.make_mpf, value_target.ctx.make_mpf
    if backend in ("auto", "mpfr"):
        try:
            from symstab.codegen.mpfr_target import mpfr_value_step_kernel
        except ImportError:  # pragma: no cover - gmpy2 is a dependency
            if backend == "mpfr":
                raise
        else:
            try:
                factory = mpfr_value_step_kernel(target, compiled, value_target.dps)
            except NotImplementedError:
                if backend == "mpfr":
                    raise
            else:
                return _mpfr_fast(factory, eta_raw, tol, bound2, b2, n, cell_exp, mk, mk_value,
                                  common)  # fmt: skip
    if backend not in ("auto", "mpfr", "libmp"):
        raise ValueError(f"unknown backend {backend!r}")
    return _libmp_fast(target, value_target, compiled, eta_raw, tol, bound2, norm_exp, cell_exp,
                       mk, mk_value, common)  # fmt: skip


def _libmp_fast(
    target: Any,
    value_target: Any,
    compiled: Any,
    eta: tuple,
    tol: tuple,
    bound2: tuple,
    norm_exp: int,
    cell_exp: int,
    mk: Callable[[tuple], Any],
    mk_value: Callable[[tuple], Any],
    common: dict[str, Any],
) -> _MpFast:
    """The raw libmp engine: finiteness from the mantissa bit count, the norm bound
    screened by the binary exponents (the rounded sum of squares is computed only when
    max |θ_i| may reach the bound)."""
    prec = target.prec
    mpf_add, mpf_mul, mpf_le = libmp.mpf_add, libmp.mpf_mul, libmp.mpf_le
    mpf_sub, mpf_abs, mpf_cmp = libmp.mpf_sub, libmp.mpf_abs, libmp.mpf_cmp
    value, step = value_target._value, target._step

    def check(theta: tuple, f: tuple) -> int:
        # a raw mpf is inf or nan iff its bit count is negative
        finite = f[3] >= 0
        top = -(1 << 62)  # max_i (exp + bc) of θ_i, and |θ_i| < 2^(exp + bc)
        for t in theta:
            if t[3] < 0:
                finite = False
            elif t[2] + t[3] > top:
                top = t[2] + t[3]
        if not finite:
            return 1
        if top > norm_exp:
            s = libmp.fzero
            for t in theta:
                s = mpf_add(s, mpf_mul(t, t, prec, "n"), prec, "n")
            if not mpf_le(s, bound2):
                return 2
        return 0

    def cell(x: tuple) -> int:
        sign, man, exp, _ = x
        shift = exp - cell_exp
        m = -man if sign else man
        return m << shift if shift >= 0 else m >> -shift

    def close(a: tuple, b: tuple) -> bool:
        # exactly _close on mpf: |x − y| rounded at the working precision, then <= tol
        return all(
            mpf_le(mpf_abs(mpf_sub(x, y, prec, "n")), tol) for x, y in zip(a, b, strict=True)
        )

    def dist(a: tuple, b: tuple) -> Fraction:
        return max(
            as_fraction(mk(mpf_abs(mpf_sub(x, y, prec, "n")))) for x, y in zip(a, b, strict=True)
        )

    return _MpFast(
        backend="libmp",
        kernel=target.value_step_kernel(compiled, value_target.dps),
        recover=lambda th: (value(*th), None),
        step=lambda th, e: step(*th, e),
        eta=eta,
        from_raw=lambda raw: raw,
        point=lambda th: tuple(map(mk, th)),
        loss_mpf=mk_value,
        check=check,
        cell=cell,
        close=close,
        ge=lambda a, b: mpf_cmp(a, b) >= 0,
        dist=dist,
        **common,
    )


def _mpfr_fast(
    factory: Any,
    eta: tuple,
    tol: tuple,
    bound2: tuple,
    b2: Fraction,
    n: int,
    cell_exp: int,
    mk: Callable[[tuple], Any],
    mk_value: Callable[[tuple], Any],
    common: dict[str, Any],
) -> _MpFast:
    """The mpfr engine: the kernel of :func:`symstab.codegen.mpfr_target.mpfr_value_step_kernel`
    with fresh contexts. The norm bound is screened in float64 (a float sum of squares
    below bound²·(1 − 10⁻⁹ − n·10⁻¹⁵) is within the bound exactly; otherwise, or for a
    non-finite value, the exact test runs, rounded at the working precision as in
    libmp); the other tests run in a private context at the working precision."""
    import gmpy2

    from symstab.codegen.mpfr_target import context, from_raw, to_raw

    bound = factory.bind()
    prec = factory.prec
    w = context(prec)  # bookkeeping; the kernel's own contexts keep only its flags
    sub, add, mul, absolute = w.sub, w.add, w.mul, w.abs
    is_finite = gmpy2.is_finite
    tol_n, bound2_n = from_raw(tol, prec), from_raw(bound2, prec)
    neg_tol_n = from_raw(libmp.mpf_neg(tol), prec)
    b2f = float(b2)
    screen = b2f * (1 - 1e-9 - n * 1e-15) if b2f > 1e-280 and n < 10**5 else 0.0
    zero = gmpy2.mpfr(0)
    eta_n = from_raw(eta, prec)

    def check(theta: tuple, f: Any) -> int:
        s = 0.0
        for t in theta:
            x = float(t)
            s += x * x
        if s < screen and is_finite(f):
            return 0
        if not (is_finite(f) and all(map(is_finite, theta))):
            return 1
        acc = zero
        for t in theta:
            acc = add(acc, mul(t, t))
        return 0 if acc <= bound2_n else 2

    def cell(x: Any) -> Any:
        man, exp = x.as_mantissa_exp()
        shift = exp - cell_exp
        return man << shift if shift >= 0 else man >> -shift

    def close(a: tuple, b: tuple) -> bool:
        return all(neg_tol_n <= sub(x, y) <= tol_n for x, y in zip(a, b, strict=True))

    def dist(a: tuple, b: tuple) -> Fraction:
        return max(
            Fraction(*map(int, absolute(sub(x, y)).as_integer_ratio()))
            for x, y in zip(a, b, strict=True)
        )

    return _MpFast(
        backend="mpfr",
        kernel=bound.kernel,
        recover=lambda th: bound.kernel(*th, eta_n),
        step=lambda th, e: bound.kernel(*th, e)[1:],
        eta=eta_n,
        from_raw=bound.from_raw,
        point=lambda th: tuple(mk(to_raw(t)) for t in th),
        loss_mpf=lambda f: mk_value(to_raw(f)),
        check=check,
        cell=cell,
        close=close,
        ge=operator.ge,
        dist=dist,
        out_of_range=bound.out_of_range,
        **common,
    )


def _run_mp(
    fx: _MpFast,
    theta_raw: tuple[tuple, ...],
    *,
    steps: int,
    regions: tuple[Any, ...],
    region_note: str,
    period_max: int,
    record: bool,
    stop_at_region: bool,
    bound_text: str,
) -> Run:
    """:func:`run` with the fused kernel on native numbers: the same rules and results.

    The per-step work is the kernel call plus cheap tests (``fx.check``, ``fx.ge``) and
    the period test screened by the cell ⌊θ_0 / 2^e⌋ with 2^e >= 2·tol (|x − y| <= tol
    implies cells at most 1 apart), so the exact comparisons run only for candidate
    periods. Iterates and losses become mpf only where they are returned or tested
    against a region.
    """
    kernel, eta, check, cell_of, close, ge = fx.kernel, fx.eta, fx.check, fx.cell, fx.close, fx.ge
    point, dist = fx.point, fx.dist

    def is_cycle(p: int) -> bool:
        pts = list(recent)[-p:]  # θ_{k-p+1} .. θ_k
        return cycle_ok(pts, dist(pts[-1], recent[-1 - p]), dist, fx.tol_q, fx.cycle_eps)

    iterates: list[tuple[Any, ...]] = []
    losses: list[Any] = []
    recent: deque[tuple[Any, ...]] = deque(maxlen=period_max + 1)
    cells: deque[Any] = deque()  # cells of θ_{k-1}, ..., θ_{k-min(period_max, k)}
    in_window: dict[Any, int] = {}  # cell -> how often it occurs in ``cells``
    runs = [0] * (period_max + 1)
    any_runs = False
    increases: list[int] = []
    entered: int | None = None
    entered_region: Any = None
    f_prev: Any = None
    regions_ok = True
    k = 0
    outcome = "undetermined"
    period: int | None = None
    orbit: tuple[tuple[Any, ...], ...] | None = None
    diverged_at: int | None = None
    settle_from: int | None = None
    persist_text = ""
    why = ""
    theta = tuple(map(fx.from_raw, theta_raw))
    try:
        out = kernel(*theta, eta)
    except (ArithmeticError, ValueError):  # e.g. at a diverged point: step lazily
        out = fx.recover(theta)
    while True:
        f = out[0]
        if record:
            iterates.append(point(theta))
            losses.append(fx.loss_mpf(f))
        status = check(theta, f)
        if status:
            diverged_at = k
            if status == 1:
                outcome, why = "diverged", f"f(θ_{k}) or θ_{k} is not finite"
            else:
                outcome, why = "diverged", f"‖θ_{k}‖₂ exceeded {bound_text}"
            break
        # loss increase on step k-1
        if f_prev is not None and entered is None and ge(f, f_prev):
            increases.append(k - 1)
        f_prev = f
        # region entry
        if entered is None and regions and regions_ok:
            try:
                pt = point(theta)
                for r in regions:
                    if r.contains(pt):
                        entered, entered_region = k, r
                        break
            except NotImplementedError:
                regions_ok = False
                region_note = "certified regions could not be tested (contains not implemented)"
            if entered is not None and stop_at_region:
                outcome = "converged"
                break
        # fixed points and cycles
        cell = cell_of(theta[0])
        recent.append(theta)
        hit = 0
        if any_runs or cell in in_window or cell - 1 in in_window or cell + 1 in in_window:
            any_runs = False
            matched = False  # θ_k ≈ θ_{k−q} for some q < p: the p points are not distinct
            for p in range(1, min(period_max, k) + 1):
                if -1 <= cell - cells[-p] <= 1 and close(theta, recent[-1 - p]):
                    runs[p] += 1
                    any_runs = True
                    if (
                        not hit
                        and runs[p] >= persist(p)
                        and (p == 1 or (entered is None and not matched and is_cycle(p)))
                    ):
                        hit = p
                    matched = True
                else:
                    runs[p] = 0
        if hit:
            outcome, period, settle_from, orbit, persist_text = settled(
                hit, runs, recent, k, point)
            break
        cells.append(cell)
        in_window[cell] = in_window.get(cell, 0) + 1
        if len(cells) > period_max:
            old = cells.popleft()
            if in_window[old] == 1:
                del in_window[old]
            else:
                in_window[old] -= 1
        if k >= steps:
            break
        theta = out[1:] if out[1] is not None else fx.step(theta, eta)
        try:
            out = kernel(*theta, eta)
        except (ArithmeticError, ValueError):
            out = fx.recover(theta)
        k += 1

    if not record:
        iterates.append(point(theta))
        losses.append(fx.loss_mpf(f))
    cls = classify(
        outcome, k=k, steps=steps, period_max=period_max, increases=increases,
        entered=entered, entered_region=entered_region, settle_from=settle_from,
        region_note=region_note, tol_text=fx.tol_text, persist_text=persist_text,
        period=period, orbit=orbit, diverged_at=diverged_at, why=why,
    )  # fmt: skip
    return Run(iterates, losses, cls, k)


def run_fast(
    loss: Loss, eta: sp.Expr, dps: int, ar: Arith, theta_raw: tuple[tuple, ...], **kw: Any
) -> Run:
    """:func:`_run_mp` on mpfr, rerun on libmp if an MPFR result left MPFR's exponent
    range (where libmp, with unbounded exponents, stays finite and nonzero)."""
    fx = _mp_fast(loss, eta, dps, ar)
    run = _run_mp(fx, theta_raw, **kw)
    if fx.out_of_range():
        run = _run_mp(_mp_fast(loss, eta, dps, ar, backend="libmp"), theta_raw, **kw)
    return run
