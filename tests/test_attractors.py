"""One classifier for every engine: the mapper, per-label evidence, the trajectory."""

from __future__ import annotations

import json

import numpy as np

from symstab.certify.tube import TubeRegion
from symstab.dynamics.attractors import EVIDENCE, AttractorMapper, label_evidence
from symstab.dynamics.basins import basin_map
from symstab.dynamics.sweep import grid_sampler, sweep
from symstab.dynamics.trajectory import trajectory
from symstab.loss import Loss


def test_mapper_labels_single_points_by_hand() -> None:
    loss = Loss.from_catalog("xy")
    mapper = AttractorMapper.for_window(loss, "2/5", ((-2, 2), (-2, 2)))
    # the two branches of xy = 1 are the two pieces of minima
    assert [a.kind for a in mapper.attractors] == ["piece of minima"] * 2
    signs = sorted(np.sign(a.point[0]) for a in mapper.attractors)
    assert signs == [-1.0, 1.0]
    # (1, 1) is a minimum on the positive branch; (0, 0) is a critical point (GD stays
    # there); from (100, 100) the first step has length 0.4 * 9999 * 100 * sqrt(2)
    on_branch = next(a.label for a in mapper.attractors if a.point[0] > 0)
    assert mapper((1.0, 1.0)) == (on_branch, "certified region")
    assert mapper((0.0, 0.0)) == (0, "undetermined")
    assert mapper((100.0, 100.0)) == (-1, "diverged")


def test_label_evidence_counts() -> None:
    labels = np.array([[1, 1, 2], [0, -1, 1]])
    numerical = np.array([[True, False, False], [False, False, False]])
    rows = {r["label"]: r for r in label_evidence(labels, numerical)}
    assert rows[1]["count"] == 3 and rows[1]["evidence"] == {
        "certified region": 2, "numerical criterion": 1}
    assert rows[2]["evidence"] == {"certified region": 1, "numerical criterion": 0}
    assert rows[0]["evidence"] == {"undetermined": 1}
    assert rows[-1]["evidence"] == {"diverged": 1}
    assert set(EVIDENCE) >= {k for r in rows.values() for k in r["evidence"]}


def test_basin_map_json_names_each_attractor() -> None:
    loss = Loss.from_catalog("xy")
    bm = basin_map(loss, "2/5", ((-2, 2, 60), (-2, 2, 60)))
    data = json.loads(json.dumps(bm.to_dict()))
    rows = {r["label"]: r for r in data["labels"]}
    assert sum(r["count"] for r in rows.values()) == 3600
    for k in (1, 2):
        assert rows[k]["attractor"]["kind"] == "piece of minima"
        assert rows[k]["count"] == data["counts"][str(k)]
        assert rows[k]["evidence"]["certified region"] == data["certified_counts"][str(k)]


def test_sweep_and_basin_map_give_the_same_labels() -> None:
    # the sweep labels its points with the basin maps' classifier: on the same grid the
    # counts are equal
    loss = Loss.from_catalog("xy")
    grid = ((-2, 2, 30), (-2, 2, 30))
    bm = basin_map(loss, "3/5", grid, max_steps=3000)
    s = sweep(loss, ["3/5"], grid_sampler([(-2, 2), (-2, 2)], 30), 900, max_steps=3000)
    p = s.points[0]
    assert p.counts == bm.counts()
    assert p.n_certified == sum(bm.certified_counts().values())


def test_trajectory_uses_the_same_regions() -> None:
    loss = Loss.from_catalog("xy")
    mapper = AttractorMapper.for_window(loss, "2/5", ((-2, 2), (-2, 2)))
    start = (1.5, 0.3)
    label, evidence = mapper(start)
    tr = trajectory(loss, "2/5", start, regions=mapper.regions)
    c = tr.classification
    assert (c.outcome, c.label, str(c.strength)) == ("converged", label, "certified")
    assert evidence == "certified region" and "piece" in c.evidence
    # the iterate that entered really lies in a tube (exact membership test)
    entered = tr.iterates[c.entered_region_at]
    assert any(isinstance(r, TubeRegion) and r.contains(entered) for r in mapper.regions)
    # without regions given, the trajectory certifies the tubes around its start itself
    default = trajectory(loss, "2/5", start).classification
    assert default.outcome == "converged" and str(default.strength) == "certified"


def test_degenerate_minimum_is_reached_numerically_never_certified() -> None:
    # x⁴ + y² at η = 1/2: y -> (1 - 2η) y = 0 in one step, x -> x - 2x³, which shrinks
    # |x| for 0 < x² < 1 and swaps x = ±1 (a period-2 orbit): every start of the grid
    # with |x| < 1 approaches the degenerate minimum 0 (like k^(-1/2)), the two edge
    # columns x = ±1 never do
    loss = Loss.from_text("x^4 + y^2", "x,y")
    bm = basin_map(loss, "1/2", ((-1, 1, 60), (-1, 1, 60)))
    xs = bm.points[:, 0].reshape(bm.labels.shape)
    inside = np.abs(xs) < 1
    assert np.all(bm.labels[inside] == 1) and np.all(bm.labels[~inside] == 0)
    assert np.all(bm.numerical[inside]) and bm.certified_fraction() == 0.0
    (row,) = [r for r in bm.to_dict()["labels"] if r["label"] == 1]
    assert row["attractor"]["kind"] == "degenerate minimum"
    assert row["evidence"] == {"certified region": 0, "numerical criterion": 60 * 58}
    c = trajectory(loss, "1/2", (0.5, 0.5)).classification
    assert (c.outcome, c.label, str(c.strength)) == ("converged", 1, "numerical")
    assert "degenerate minimum 1" in c.evidence
