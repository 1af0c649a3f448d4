"""Tests of the figure module (:mod:`symstab.plot`).

Small grids and few steps keep them fast. The colour mapping is checked on a quadratic
f = (x² + 3y²)/2, where GD is linear: x ↦ (1 − η)x, y ↦ (1 − 3η)y. At η = 1/2 both
factors have modulus 1/2, f falls by 4× every step, so every start is in U_η. At
η = 7/10 > 2/3 the y factor is −1.1: only the starts with y = 0 converge (stably).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from symstab import plot
from symstab.dynamics.basins import basin_map
from symstab.dynamics.trajectory import trajectory
from symstab.loss import Loss

X, Y = sp.symbols("x y", real=True)
QUAD = Loss.from_expr((X**2 + 3 * Y**2) / 2, (X, Y), name="quad")
GRID5 = ((-1.0, 1.0, 5), (-1.0, 1.0, 5))
F4 = Loss.from_catalog("f4")


def _plain_axes(fig: Figure) -> list:
    """The axes of a figure without colour bars."""
    return [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]


def _assert_saves(fig: Figure, path: Path) -> None:
    fig.savefig(path)
    assert path.exists() and path.stat().st_size > 1000


# -- colours -----------------------------------------------------------------------------


def test_class_colours_survive_greyscale() -> None:
    lum = [plot.relative_luminance(c) for c in plot.CLASS_COLORS]
    rest, unstable, stable = (
        lum[k] for k in (plot.CLASS_REST, plot.CLASS_UNSTABLE, plot.CLASS_STABLE)
    )
    assert unstable < stable < rest
    assert stable - unstable > 0.3 and rest - stable > 0.25
    # and in the usual RGB -> grey conversion (ITU-R 601 luma, as PIL's "L")
    luma = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in map(to_rgb, plot.CLASS_COLORS)]
    assert min(abs(a - b) for i, a in enumerate(luma) for b in luma[i + 1 :]) > 0.2


def test_basin_classes_on_handmade_labels() -> None:
    class Fake:
        labels = np.array([[-1, 0, 1], [2, 2, 1]])
        stable = np.array([[True, True, True], [False, True, False]])

    classes = plot.basin_classes(Fake())
    expected = np.array(
        [
            [plot.CLASS_REST, plot.CLASS_REST, plot.CLASS_STABLE],
            [plot.CLASS_UNSTABLE, plot.CLASS_STABLE, plot.CLASS_UNSTABLE],
        ]
    )
    np.testing.assert_array_equal(classes, expected)


def test_basin_figure_all_stable_at_half(tmp_path: Path) -> None:
    bm = basin_map(QUAD, sp.Rational(1, 2), GRID5, max_steps=500)
    fig = plot.basin_figure(bm)
    (ax,) = fig.axes
    img = np.asarray(ax.images[0].get_array())
    assert img.shape == (5, 5)
    assert np.all(img == plot.CLASS_STABLE)
    # the image's colour is cyan everywhere
    rgba = ax.images[0].to_rgba(img)
    np.testing.assert_allclose(
        rgba[..., :3],
        np.broadcast_to(to_rgb(plot.CLASS_COLORS[plot.CLASS_STABLE]), (5, 5, 3)),
        atol=1e-6,
    )
    assert "η = 1/2" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_legend() is not None
    _assert_saves(fig, tmp_path / "basin.png")


def test_basin_figure_only_axis_row_converges_past_two_thirds() -> None:
    # η = 7/10 > η* = 2/3: no region can be certified around the (now unstable) minimum,
    # so with the default regions the y = 0 row is "undetermined" (grey); with a given
    # ball around 0 the y = 0 row converges into it, stably (x ↦ 0.3x).
    bm = basin_map(QUAD, sp.Rational(7, 10), GRID5, max_steps=500)
    assert np.all(plot.basin_classes(bm) == plot.CLASS_REST)
    ball = (np.zeros((1, 2)), np.array([0.1]))
    bm = basin_map(QUAD, sp.Rational(7, 10), GRID5, regions=ball, max_steps=500)
    fig = plot.basin_figure(bm)
    img = np.asarray(fig.axes[0].images[0].get_array())
    ys = bm.ys
    assert ys is not None
    on_axis = np.isclose(ys, 0.0)
    assert on_axis.sum() == 1
    # image row i is y = ys[i] (origin="lower")
    assert np.all(img[on_axis] == plot.CLASS_STABLE)
    assert np.all(img[~on_axis] == plot.CLASS_REST)
    assert fig.axes[0].images[0].origin == "lower"


def test_basin_figure_into_given_axes() -> None:
    bm = basin_map(QUAD, sp.Rational(1, 2), GRID5, max_steps=500)
    fig = Figure()
    ax = fig.add_subplot()
    assert plot.basin_figure(bm, ax=ax, legend=False) is fig
    assert ax.get_legend() is None


# -- Chen Fig. 2 -------------------------------------------------------------------------


def test_eta_star() -> None:
    assert plot.eta_star("f4") == sp.Rational(10, 19)
    assert plot.eta_star("f3") == sp.Rational(1, 6)


def test_chen_fig2_one_row(tmp_path: Path) -> None:
    fig = plot.chen_fig2("f4", grid=24, max_steps=200)
    axes = _plain_axes(fig)
    assert len(axes) == 6
    assert len(fig.axes) == 7  # plus the landscape's colour bar
    land, *maps = axes
    assert "f4" in land.get_title() and "η*" in land.get_title()
    assert [len(ax.images) for ax in maps] == [1] * 5
    titles = [ax.get_title() for ax in maps]
    assert all(t.startswith("η = ") for t in titles)
    assert "0.98·η* = 49/95" in titles[-1] and "0.2·η* = 2/19" in titles[0]
    assert all(ax.get_xlabel() == "$x$" for ax in axes)
    assert land.get_ylabel() == "$y$" and maps[0].get_ylabel() == "$y$"
    assert len(fig.legends) == 1
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("U_\\eta" in t for t in texts) and "minimum" in texts
    _assert_saves(fig, tmp_path / "fig2.png")


def test_chen_fig2_data_and_rows() -> None:
    row = plot.chen_fig2_data("f4", etas=("1/10", "1/2"), grid=16, max_steps=200)
    assert row.etas == (sp.Rational(1, 10), sp.Rational(1, 2))
    assert row.fractions == (sp.Rational(19, 100), sp.Rational(19, 20))
    summary = row.summary()
    for s in summary:
        assert s["U"] + s["V_minus_U"] + s["diverged"] + s["undetermined"] == pytest.approx(1)
    # the stable set shrinks as η grows towards η*
    assert summary[0]["U"] > summary[1]["U"]
    fig = plot.chen_fig2_rows(data=[row, row])
    assert len(_plain_axes(fig)) == 2 * 3


def test_chen_fig2_rows_default_etas() -> None:
    fig = plot.chen_fig2_rows(("f1", "f4"), grid=12, max_steps=100)
    axes = _plain_axes(fig)
    assert len(axes) == 2 * 6
    assert "f1" in axes[0].get_title() and "f4" in axes[6].get_title()


# -- Chen Fig. 3 -------------------------------------------------------------------------


def _lines(ax, gid: str) -> list:
    return [ln for ln in ax.get_lines() if ln.get_gid() == gid]


def test_chen_fig3_red_part_ends_at_last_loss_increase(tmp_path: Path) -> None:
    starts = ((0.1, 2.5), (1.5, 2.0))
    fig = plot.chen_fig3("f4", "3/10", starts, steps=120)
    assert len(fig.axes) == 4
    for i, start in enumerate(starts):
        tr = trajectory(F4, "3/10", start, steps=120, dps=30, stop_at_region=False)
        c = tr.classification
        plane, curve = fig.axes[2 * i], fig.axes[2 * i + 1]
        assert "η = 3/10" in plane.get_title() and "η = 3/10" in curve.get_title()
        assert plane.get_xlabel() == "$x$" and plane.get_ylabel() == "$y$"
        assert curve.get_xlabel().startswith("step") and curve.get_ylabel()
        assert plane.get_legend() is not None and curve.get_legend() is not None
        red, black = _lines(plane, "unstable"), _lines(plane, "stable")
        red_c, black_c = _lines(curve, "unstable"), _lines(curve, "stable")
        n = len(tr.iterates)
        if c.loss_increases:
            last = max(c.loss_increases)
            assert len(red[0].get_xdata()) == last + 2 == len(red_c[0].get_xdata())
            # the red part ends at θ_{last+1}, where the black part starts
            x_end = (red[0].get_xdata()[-1], red[0].get_ydata()[-1])
            assert x_end == pytest.approx(tuple(float(v) for v in tr.iterates[last + 1]))
            assert (black[0].get_xdata()[0], black[0].get_ydata()[0]) == pytest.approx(x_end)
            assert len(black[0].get_xdata()) == n - last - 1
            assert red[0].get_color() != black[0].get_color()
        else:
            assert red == [] and red_c == []
            assert len(black[0].get_xdata()) == n == len(black_c[0].get_xdata())
        assert curve.get_yscale() == "log"
    # the documented default: (0.1, 2.5) unstable, (1.5, 2) stable at η = 3/10
    assert _lines(fig.axes[0], "unstable") and not _lines(fig.axes[2], "unstable")
    _assert_saves(fig, tmp_path / "fig3.png")


def test_unstable_prefix_counts() -> None:
    tr = trajectory(F4, "3/10", (0.1, 2.5), steps=80, dps=30, stop_at_region=False)
    assert plot.unstable_prefix(tr) == max(tr.classification.loss_increases) + 2
    tr = trajectory(QUAD, "1/2", (1, 1), steps=20, dps=30, stop_at_region=False)
    assert plot.unstable_prefix(tr) == 0


def test_chen_fig3_eta_scan(tmp_path: Path) -> None:
    fig, rows = plot.chen_fig3_eta_scan("f4", ("3/10", "1/2"), steps=120)
    assert len(fig.axes) == 1 and "η" in fig.axes[0].get_title()
    by = {(str(r.eta), r.start): r for r in rows}
    assert by[("3/10", (0.1, 2.5))].outcome == "converged"
    assert by[("3/10", (0.1, 2.5))].stable is False
    assert by[("3/10", (1.5, 2.0))].stable is True
    assert by[("3/10", (1.5, 2.0))].n_loss_increases == 0
    assert by[("1/2", (0.1, 2.5))].outcome == "diverged"
    assert by[("1/2", (1.5, 2.0))].outcome == "diverged"
    _assert_saves(fig, tmp_path / "scan.png")


def test_trajectory_figure(tmp_path: Path) -> None:
    tr = trajectory(F4, "1/2", (1.5, 2.0), steps=50, dps=30, stop_at_region=False)
    assert tr.classification.outcome == "diverged"
    fig = plot.trajectory_figure(tr, path=tmp_path / "traj.png")
    assert len(fig.axes) == 2
    plane, curve = fig.axes
    assert "η = 1/2" in plane.get_title() and "diverged" in plane.get_title()
    assert plane.get_xlabel() and curve.get_xlabel()
    assert plane.get_legend() is not None
    assert (tmp_path / "traj.png").stat().st_size > 1000


# -- η-sweeps (Crăciun & Ghoshdastidar Fig. 2) --------------------------------------------


def _by_gid(ax, gid: str) -> list:
    return [a for a in [*ax.get_lines(), *ax.collections] if a.get_gid() == gid]


def test_craciun_fig2_xy(tmp_path: Path) -> None:
    from symstab.dynamics.sweep import sweep, uniform_box_sampler

    res = sweep(
        Loss.from_catalog("xy"),
        ["1/10", "1/2", "9/10", "11/10"],
        uniform_box_sampler([(-3, 3)] * 2, 0),
        40,
        max_steps=400,
    )
    fig = plot.craciun_fig2(res, path=tmp_path / "xy.png")
    assert (tmp_path / "xy.png").stat().st_size > 1000
    (ax,) = fig.axes
    etas = [0.1, 0.5, 0.9, 1.1]
    (frac,) = _by_gid(ax, "fraction")
    np.testing.assert_allclose(frac.get_xdata(), etas)
    np.testing.assert_allclose(frac.get_ydata(), [p.fraction for p in res.points])
    assert frac.get_marker() not in (None, "", "None")
    (mws,) = _by_gid(ax, "mws")
    np.testing.assert_allclose(mws.get_xdata(), etas)
    # reference: M_WS(η) = {xy = 1, x² + y² <= 2/η}; on x = t, y = 1/t it is
    # t² ∈ [(c − √(c² − 4))/2, (c + √(c² − 4))/2] with c = 2/η, ds = √(1 + t⁻⁴) dt, two
    # mirror branches (mpmath.quad); empty for η > 1
    def mws_length(eta: float) -> float:
        c = 2 / mpmath.mpf(eta)
        lo = mpmath.sqrt((c - mpmath.sqrt(c * c - 4)) / 2)
        hi = mpmath.sqrt((c + mpmath.sqrt(c * c - 4)) / 2)
        return float(2 * mpmath.quad(lambda t: mpmath.sqrt(1 + t**-4), [lo, 1, hi]))

    lengths = [mws_length(e) for e in etas[:3]] + [0.0]
    np.testing.assert_allclose(mws.get_ydata(), np.array(lengths) / lengths[0], rtol=1e-12)
    assert f"{lengths[0]:.2f}" == "14.47" and "14.47" in mws.get_label()
    (band,) = _by_gid(ax, "band")
    verts = np.concatenate([p.vertices for p in band.get_paths()])
    assert verts[:, 1].min() >= 0.0 and verts[:, 1].max() <= 1.0
    assert verts[:, 1].max() == pytest.approx(max(p.ci_high for p in res.points))
    (crit,) = _by_gid(ax, "eta_critical")
    np.testing.assert_allclose(crit.get_xdata(), [1.0, 1.0])
    assert crit.get_linestyle() == "--"
    assert "1 (exact)" in crit.get_label()
    (cert,) = _by_gid(ax, "certified")
    np.testing.assert_allclose(cert.get_ydata(), [p.n_certified / 40 for p in res.points])
    # a certified label is a converged label; past the critical η = 1 there is none
    assert np.all(cert.get_ydata() <= frac.get_ydata()) and cert.get_ydata()[-1] == 0.0
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(labels) == 5 and any("Wilson" in t for t in labels)
    assert "N = 40" in ax.get_title() and "[-3, 3]²" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()


def _fake_sweep(mws: bool) -> Any:
    from symstab.dynamics.sweep import Sweep, SweepPoint
    from symstab.evidence import Value

    pts = tuple(
        SweepPoint(
            sp.Rational(k, 10),
            10,
            c,
            c / 10,
            max(0.0, c / 10 - 0.1),
            min(1.0, c / 10 + 0.1),
            0.95,
            {1: c, -1: 10 - c},
        )
        for k, c in ((1, 10), (4, 8), (6, 5), (8, 0))
    )
    return Sweep(
        loss_name="chain3",
        points=pts,
        sampler="uniform in [-2, 2] x [-2, 2] x [-2, 2] (numpy default_rng, seed 0)",
        criterion="numerical: ...",
        mws_length=((sp.Rational(1, 10), Value.of_numerical(2.0, 15)),) if mws else None,
        mws_length_normalised=((sp.Rational(1, 10), 1.0),) if mws else None,
        eta_critical=Value.of_exact(sp.Rational(2, 3)),
    )


def test_craciun_fig2_without_mws(tmp_path: Path) -> None:
    fig = plot.sweep_figure(_fake_sweep(mws=False), tmp_path / "chain3.png")
    assert (tmp_path / "chain3.png").stat().st_size > 1000
    (ax,) = fig.axes
    assert _by_gid(ax, "mws") == []
    assert len(_by_gid(ax, "fraction")) == 1 and len(_by_gid(ax, "band")) == 1
    (crit,) = _by_gid(ax, "eta_critical")
    np.testing.assert_allclose(crit.get_xdata(), [2 / 3, 2 / 3])
    assert "2/3" in crit.get_label()
    assert "[-2, 2]³" in ax.get_title() and "N = 10" in ax.get_title()


def test_craciun_fig2_without_critical_eta() -> None:
    import dataclasses

    res = dataclasses.replace(_fake_sweep(mws=True), eta_critical=None)
    (ax,) = plot.craciun_fig2(res).axes
    assert _by_gid(ax, "eta_critical") == []
    assert len(_by_gid(ax, "mws")) == 1
