"""Basin maps and sweeps as labelled datasets and files (symstab.dynamics.datasets)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from symstab.cli import main
from symstab.dynamics.basins import basin_map
from symstab.dynamics.basins.result import BasinMap
from symstab.dynamics.datafiles import read_dataset, write_dataset
from symstab.dynamics.sweep import Sweep, sweep, uniform_box_sampler
from symstab.errors import InputError
from symstab.evidence import wilson_interval
from symstab.inputs import StepSize
from symstab.loss import load_loss

ARRAYS = ("labels", "stable", "steps", "points", "centers", "radii", "stability_open",
          "numerical")
SCALARS = ("loss_name", "region_labels", "max_steps", "divergence_bound", "region_monotone",
           "value_tol", "numerical_attractors")
LANDING = ("starts", "limits", "landed", "lambda_max", "error", "steps")


def assert_maps_equal(a: BasinMap, b: BasinMap) -> None:
    """Every field a user reads, compared one by one."""
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype, name
            np.testing.assert_array_equal(x, y, err_msg=name)
    for name in SCALARS:
        assert getattr(a, name) == getattr(b, name), name
    assert StepSize.of(a.eta) == b.eta
    assert (a.axes is None) == (b.axes is None)
    for u, v in zip(a.axes or (), b.axes or (), strict=True):
        np.testing.assert_array_equal(u, v)
    assert a.attractors() == b.attractors()
    assert [r.label for r in a.regions or ()] == [r.label for r in b.regions or ()]
    assert a.to_dict() == {**b.to_dict(), "seconds": a.seconds}
    assert (a.landing is None) == (b.landing is None)
    if a.landing is not None:
        for name in LANDING:
            np.testing.assert_array_equal(getattr(a.landing, name), getattr(b.landing, name))
        assert (a.landing.eta, a.landing.params, a.landing.tol, a.landing.max_steps) == (
            b.landing.eta, b.landing.params, b.landing.tol, b.landing.max_steps)


@pytest.fixture(scope="module")
def f4_map() -> tuple[object, BasinMap]:
    loss = load_loss("f4")
    return loss, basin_map(loss, "1/2", ((-2, 2, 21), (-1.5, 1.5, 13)), max_steps=3000)


@pytest.fixture(scope="module")
def xy_map() -> tuple[object, BasinMap]:
    loss = load_loss("xy")
    return loss, basin_map(loss, "3/4", ((-2, 2, 17), (-2, 2, 15)), max_steps=3000,
                           landing=True)


@pytest.fixture(scope="module")
def xy_sweep() -> tuple[object, Sweep]:
    loss = load_loss("xy")
    return loss, sweep(loss, ["1/2", "9/10", "3/2"], uniform_box_sampler([(-2, 2)] * 2, 1),
                       120, max_steps=3000, landing=True)


# ---------------------------------------------------------------------------------------
# In memory
# ---------------------------------------------------------------------------------------


def test_map_dataset_is_labelled_by_parameters_and_eta(f4_map) -> None:
    loss, bmap = f4_map
    ds = bmap.to_xarray(loss=loss, command="symstab basin f4")
    assert ds["labels"].dims == ("y", "x")
    np.testing.assert_array_equal(ds["x"].values, np.linspace(-2, 2, 21))
    np.testing.assert_array_equal(ds["y"].values, np.linspace(-1.5, 1.5, 13))
    assert float(ds["eta"]) == 0.5 and ds.attrs["eta"] == "1/2"
    assert ds.attrs["command"] == "symstab basin f4"
    assert ds.attrs["symstab_version"]
    # the labelled point (x, y) = (0.4, -0.5) is labels[iy, ix] with ix = 12, iy = 4
    assert int(ds["labels"].sel(x=0.4, y=-0.5, method="nearest")) == int(bmap.labels[4, 12])
    # f4's minima are ±(√19/(2√5))(1, 1) ≈ ±0.9747(1, 1): two balls around them
    centers = ds["centers"].values
    assert centers.shape == (2, 2)
    np.testing.assert_allclose(np.sort(centers[:, 0]), [-np.sqrt(19 / 20), np.sqrt(19 / 20)],
                               atol=1e-9)


def test_map_round_trip_in_memory(f4_map, xy_map) -> None:
    for loss, bmap in (f4_map, xy_map):
        assert_maps_equal(bmap, BasinMap.from_xarray(bmap.to_xarray(loss=loss)))


def test_tube_map_keeps_regions_evidence_and_landing(xy_map) -> None:
    loss, bmap = xy_map
    back = BasinMap.from_xarray(bmap.to_xarray(loss=loss))
    assert [a.kind for a in back.attractors()] == ["piece of minima", "piece of minima"]
    assert [r.to_dict() for r in back.regions] == [r.to_dict() for r in bmap.regions]
    assert back.landing is not None and back.landing.limits.shape[1] == 2


def test_point_list_map_round_trip() -> None:
    loss = load_loss("x^2")
    # GD on x² at η = 3/2 maps x to -2x: every start but 0 diverges, and 0 (a fixed
    # point with ηλ = 3 > 2, so without a certified region) stays undetermined
    pts = np.array([[-1.0], [0.0], [0.25], [2.0]])
    bmap = basin_map(loss, "3/2", pts, max_steps=200)
    ds = bmap.to_xarray(loss=loss)
    assert ds["labels"].dims == ("point",)
    np.testing.assert_array_equal(ds["x"].values, pts[:, 0])
    np.testing.assert_array_equal(ds["labels"].values, [-1, 0, -1, -1])
    assert_maps_equal(bmap, BasinMap.from_xarray(ds))


def test_sweep_dataset_and_round_trip(xy_sweep) -> None:
    loss, result = xy_sweep
    ds = result.to_xarray(loss=loss)
    np.testing.assert_array_equal(ds["eta"].values, [0.5, 0.9, 1.5])
    # the counts over the labels add up to n, and labels >= 1 to the converged count
    assert (ds["counts"].sum("label").values == 120).all()
    conv = ds["counts"].sel(label=ds["label"] >= 1).sum("label").values
    np.testing.assert_array_equal(conv, ds["n_converged"].values)
    np.testing.assert_allclose(ds["fraction"].values, conv / 120)
    assert Sweep.from_xarray(ds) == result


def test_numerical_sweep_round_trip() -> None:
    loss = load_loss("x^2")
    result = sweep(loss, ["1/2", "3/2"], uniform_box_sampler([(-3, 3)], 0), 50,
                   max_steps=100, criterion="numerical", exact=False)
    ds = result.to_xarray()
    assert list(ds["n_regions"].values) == [-1, -1]
    back = Sweep.from_xarray(ds)
    assert back == result
    assert back.points[0].n_regions is None


def test_from_xarray_refuses_the_other_kind(f4_map, xy_sweep) -> None:
    with pytest.raises(InputError):
        Sweep.from_xarray(f4_map[1].to_xarray())
    with pytest.raises(InputError):
        BasinMap.from_xarray(xy_sweep[1].to_xarray())


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_file_round_trips(tmp_path: Path, suffix: str, xy_map, xy_sweep) -> None:
    loss, bmap = xy_map
    write_dataset(bmap.to_xarray(loss=loss), tmp_path / f"m{suffix}")
    assert_maps_equal(bmap, BasinMap.from_xarray(read_dataset(tmp_path / f"m{suffix}")))
    loss, result = xy_sweep
    write_dataset(result.to_xarray(loss=loss), tmp_path / f"s{suffix}")
    assert Sweep.from_xarray(read_dataset(tmp_path / f"s{suffix}")) == result
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"m{suffix}", f"s{suffix}"]


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_three_parameter_map_round_trip(tmp_path: Path, suffix: str) -> None:
    loss = load_loss("(x^2 - 1)^2 + y^2 + z^2")
    bmap = basin_map(loss, "1/8", ((-1, 1, 5), (-1, 1, 4), (-1, 1, 3)), max_steps=2000)
    write_dataset(bmap.to_xarray(loss=loss), tmp_path / f"m{suffix}")
    ds = read_dataset(tmp_path / f"m{suffix}")
    assert ds["labels"].dims == ("z", "y", "x")
    assert dict(ds.sizes)["x"] == 5 and dict(ds.sizes)["z"] == 3
    # at η = 1/8 GD multiplies y and z by 3/4 and maps x to x(1 + (1 − x²)/2), which keeps
    # the sign of x: starts with x > 0 go to the minimum (1, 0, 0), x < 0 to (−1, 0, 0),
    # x = 0 stays on the plane x = 0 and ends at the saddle (label 0)
    attractors = {int(a["label"]): a["point"][0] for a in
                  json.loads(ds.attrs["attractors"])}
    labels = ds["labels"]
    assert (labels.sel(x=0.0) == 0).all()
    for x in (-1.0, -0.5, 0.5, 1.0):
        values = np.unique(labels.sel(x=x).values)
        assert values.size == 1 and np.sign(attractors[int(values[0])]) == np.sign(x)
    assert_maps_equal(bmap, BasinMap.from_xarray(ds))


def test_overwrite_replaces_and_bad_suffix_refused(tmp_path: Path, f4_map) -> None:
    loss, bmap = f4_map
    ds = bmap.to_xarray(loss=loss)
    for name in ("m.nc", "m.zarr"):
        write_dataset(ds.assign_attrs(command="first"), tmp_path / name)
        write_dataset(ds.assign_attrs(command="second"), tmp_path / name)
        assert read_dataset(tmp_path / name).attrs["command"] == "second"
    with pytest.raises(InputError, match=r"\.nc"):
        write_dataset(ds, tmp_path / "m.txt")
    # a directory that is not a Zarr store is never replaced
    (tmp_path / "notes.zarr").mkdir()
    (tmp_path / "notes.zarr" / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not a Zarr store"):
        write_dataset(ds, tmp_path / "notes.zarr")
    assert (tmp_path / "notes.zarr" / "keep.txt").read_text() == "mine"
    (tmp_path / "d.nc").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        write_dataset(ds, tmp_path / "d.nc")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.nc", "m.nc", "m.zarr",
                                                          "notes.zarr"]


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_failing_writer_leaves_no_partial_file(tmp_path: Path, suffix: str, monkeypatch,
                                               f4_map) -> None:
    loss, bmap = f4_map
    ds = bmap.to_xarray(loss=loss)
    target = tmp_path / f"m{suffix}"
    write_dataset(ds.assign_attrs(command="kept"), target)
    method = "to_netcdf" if suffix == ".nc" else "to_zarr"
    real = getattr(xr.Dataset, method)

    def half_then_fail(self, path, *args, **kwargs):
        real(self.isel(x=slice(0, 3)), path, *args, **kwargs)  # something is on disk
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, method, half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_dataset(ds, target)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary left
    back = read_dataset(target)
    assert back.attrs["command"] == "kept" and dict(back.sizes)["x"] == 21
    with pytest.raises(OSError):
        monkeypatch.setattr(xr.Dataset, method, half_then_fail)
        write_dataset(ds, tmp_path / f"new{suffix}")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


# ---------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------


def test_basin_out_and_show(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x2.zarr"
    args = ["basin", "x^2", "--eta", "3/2", "--grid=-1,1,5", "--max-steps", "100",
            "--out", str(out)]
    assert main(args) == 0
    capsys.readouterr()
    ds = read_dataset(out)
    assert "--eta 3/2" in ds.attrs["command"] and "--out" in ds.attrs["command"]
    assert ds.attrs["loss_expression"] == "x**2"
    png = tmp_path / "x2.png"
    assert main(["show", str(out), "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    # grid -1, -0.5, 0, 0.5, 1 at η = 3/2: x -> -2x diverges except from the fixed point
    # 0, which has no certified region (ηλ = 3 > 2) and stays undetermined
    assert "diverged          0.8000" in text
    assert "undetermined      0.2000" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sweep_out_and_show(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x2.nc"
    assert main(["sweep", "x^2", "--etas", "1/2,3/2", "-n", "50", "--box=-3,3",
                 "--max-steps", "100", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    text = capsys.readouterr().out
    # at η = 1/2 GD on x² reaches 0 in one step: 50 of 50 converge; the Wilson interval
    # of 50/50 at 95 % is [50/(50 + z²), 1] with z = 1.95996...
    low = 50 / (50 + 1.959963984540054 ** 2)
    assert abs(low - wilson_interval(50, 50)[0]) < 1e-12
    assert f"1/2    1.0000  [{low:.4f}, 1.0000]" in text
    assert "3/2    0.0000" in text
    assert main(["show", str(out), "--format", "json"]) == 0
    assert '"n_converged": 50' in capsys.readouterr().out


def test_show_refuses_what_is_not_a_result(tmp_path: Path, capsys) -> None:
    xr.Dataset({"a": ("i", [1, 2])}).to_netcdf(tmp_path / "other.nc", engine="h5netcdf")
    assert main(["show", str(tmp_path / "other.nc")]) == 2
    assert "not a symstab result" in capsys.readouterr().err
    assert main(["show", str(tmp_path / "missing.zarr")]) == 2


def test_missing_extra_is_one_line_and_exit_2(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "xarray", None)  # import xarray raises ImportError
    code = main(["basin", "x^2", "--eta", "1/2", "--grid=-1,1,5", "--out",
                 str(tmp_path / "m.nc")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "symstab[data]" in err and "--out" in err
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setitem(sys.modules, "zarr", None)
    monkeypatch.delitem(sys.modules, "xarray")
    assert main(["sweep", "x^2", "--etas", "1/2", "-n", "5", "--out",
                 str(tmp_path / "s.zarr")]) == 2
    assert "zarr" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------
# Resumable maps
# ---------------------------------------------------------------------------------------


class Stop(Exception):
    """Raised by the test hook to end a run after some tiles."""


def test_tiled_map_equals_the_plain_map(tmp_path: Path, f4_map, xy_map) -> None:
    from symstab.dynamics.resume import tiled_basin_map

    for (loss, plain), grid in ((f4_map, ((-2, 2, 21), (-1.5, 1.5, 13))),
                                (xy_map, ((-2, 2, 17), (-2, 2, 15)))):
        tiled, computed = tiled_basin_map(loss, plain.eta, grid, tmp_path / "m.nc",
                                          max_steps=3000, landing=plain.landing is not None,
                                          tile=40)
        assert computed == -(-grid[1][2] // (40 // grid[0][2]))  # ceil(rows / rows per tile)
        assert_maps_equal(plain, tiled)


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path: Path, f4_map) -> None:
    from symstab.dynamics.resume import tile_directory, tiled_basin_map

    loss, plain = f4_map
    grid = ((-2, 2, 21), (-1.5, 1.5, 13))
    out = tmp_path / "m.zarr"

    def stop_after_three(done: int) -> None:
        if done == 3:
            raise Stop

    # 13 rows of 21 points, 2 rows per tile: 7 tiles
    with pytest.raises(Stop):
        tiled_basin_map(loss, "1/2", grid, out, max_steps=3000, tile=42,
                        after_tile=stop_after_three)
    assert len(list(tile_directory(out).glob("tile-*.npz"))) == 3
    resumed, computed = tiled_basin_map(loss, "1/2", grid, out, resume=True, max_steps=3000,
                                        tile=42)
    assert computed == 4
    assert_maps_equal(plain, resumed)
    # without resume the finished tiles are discarded and all 7 computed again
    again, computed = tiled_basin_map(loss, "1/2", grid, out, max_steps=3000, tile=42)
    assert computed == 7
    assert_maps_equal(plain, again)
    # tiles of another run are refused
    with pytest.raises(InputError, match="another run"):
        tiled_basin_map(loss, "1/3", grid, out, resume=True, max_steps=3000, tile=42)


def test_cli_resume_after_ctrl_c(tmp_path: Path, capsys, monkeypatch) -> None:
    import symstab.dynamics.resume as resume

    real = resume.basin_map
    calls: list[int] = []

    def counted(loss, eta, pts, **kwargs):
        if len(pts):
            calls.append(len(pts))
            if interrupt and len(calls) == 3:
                raise KeyboardInterrupt
        return real(loss, eta, pts, **kwargs)

    monkeypatch.setattr(resume, "basin_map", counted)
    # --tile 21: one row of the 21-point grid per tile
    args = ["basin", "f4", "--eta", "1/2", "--grid=-2,2,21;-1.5,1.5,13", "--max-steps",
            "3000", "--tile", "21", "--out"]
    interrupt = True
    assert main([*args, str(tmp_path / "cut.nc")]) == 130
    assert not (tmp_path / "cut.nc").exists()
    assert calls == [21, 21, 21]
    calls.clear()
    interrupt = False
    assert main([*args, str(tmp_path / "cut.nc"), "--resume"]) == 0
    assert len(calls) == 13 - 2  # the two finished rows are not computed again
    calls.clear()
    assert main([*args, str(tmp_path / "whole.nc")]) == 0
    assert len(calls) == 13
    cut = BasinMap.from_xarray(read_dataset(tmp_path / "cut.nc"))
    whole = BasinMap.from_xarray(read_dataset(tmp_path / "whole.nc"))
    assert_maps_equal(whole, cut)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.nc", "whole.nc"]  # tiles gone
    capsys.readouterr()
    assert main(["basin", "f4", "--eta", "1/2", "--resume"]) == 2
    assert "--resume" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------
# A stack of maps over η
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_stack_of_maps_over_eta(tmp_path: Path, suffix: str, f4_map, capsys) -> None:
    loss, first = f4_map
    grid = ((-2, 2, 21), (-1.5, 1.5, 13))
    # f4's minima have λmax = 19/5, so η* = 10/19: at 3/4 no ball is certified
    others = [basin_map(loss, eta, grid, max_steps=3000, landing=eta == "1/10")
              for eta in ("1/10", "3/4")]
    maps = [first, *others]
    ds = BasinMap.stack_to_xarray(maps, loss=loss)
    assert ds["labels"].dims == ("eta", "y", "x")
    np.testing.assert_array_equal(ds["eta"].values, [0.5, 0.1, 0.75])
    np.testing.assert_array_equal(ds["n_ball"].values, [2, 2, 0])
    np.testing.assert_array_equal(ds["labels"].sel(eta=0.1).values, others[0].labels)
    write_dataset(ds, tmp_path / f"stack{suffix}")
    back = BasinMap.stack_from_xarray(read_dataset(tmp_path / f"stack{suffix}"))
    assert len(back) == 3
    for a, b in zip(maps, back, strict=True):
        assert_maps_equal(a, b)
    assert main(["show", str(tmp_path / f"stack{suffix}")]) == 0
    assert capsys.readouterr().out.count("f4 at η = ") == 3


def test_stack_keeps_each_maps_label_type(f4_map) -> None:
    import dataclasses

    _, first = f4_map
    wide = dataclasses.replace(first, labels=first.labels.astype(np.int16))  # > 126 labels
    back = BasinMap.stack_from_xarray(BasinMap.stack_to_xarray([first, wide]))
    assert [m.labels.dtype for m in back] == [np.int8, np.int16]
    np.testing.assert_array_equal(back[1].labels, first.labels)
