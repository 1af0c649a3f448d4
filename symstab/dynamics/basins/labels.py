"""Attractor labels and their evidence, shared by every engine that labels starts.

See :mod:`symstab.dynamics.attractors` for the labels and what each evidence means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symstab.certify.tube import TubeRegion

__all__ = ["DEGENERATE_TOL", "EVIDENCE", "Attractor", "attractors_of", "label_evidence"]

#: The numerical criterion at a degenerate minimum p: after the step budget the iterate
#: lies within ``DEGENERATE_TOL · max(1, ‖p‖∞)`` of p (max-norm). GD approaches such a
#: minimum sublinearly (like k^(-1/2) for a quartic), so a value tolerance would not do.
DEGENERATE_TOL = 1e-2

EVIDENCE = ("certified region", "numerical criterion", "diverged", "undetermined")


@dataclass(frozen=True)
class Attractor:
    """One attractor of the GD map at a step size.

    Attributes
    ----------
    label
        Its label (k >= 1).
    kind
        ``"minimum"`` (an isolated minimum) or ``"piece of minima"`` (a compact piece of
        a manifold of minima).
    point
        A point of it (float coordinates, for display).
    monotone
        Whether descent is certified inside its region.
    """

    label: int
    kind: str
    point: tuple[float, ...]
    monotone: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"label": self.label, "kind": self.kind, "point": list(self.point),
                "monotone": self.monotone}


def attractors_of(regions: Sequence[Any]) -> tuple[Attractor, ...]:
    """The attractors whose certified regions are ``regions`` (one per label)."""
    seen: dict[int, Attractor] = {}
    for r in regions:
        label = int(r.label)
        if label in seen:
            continue
        if isinstance(r, TubeRegion):
            seen[label] = Attractor(label, "piece of minima", tuple(r.point))
        else:
            point = tuple(float(c) for c in r.center)
            seen[label] = Attractor(label, "minimum", point, bool(getattr(r, "monotone", True)))
    return tuple(seen[k] for k in sorted(seen))


def label_evidence(labels: np.ndarray, numerical: np.ndarray | None,
                   attractors: Sequence[Attractor] = ()) -> list[dict[str, Any]]:
    """Per label: its attractor, how many points carry it and on what evidence.

    Returns one dict per label that occurs, ``{"label", "attractor", "count",
    "evidence": {name: count}}`` with the names of :data:`EVIDENCE`.
    """
    flat = np.asarray(labels).ravel()
    num = (np.zeros(flat.shape, dtype=bool) if numerical is None
           else np.asarray(numerical).ravel())
    kinds = {a.label: a for a in attractors}
    out = []
    for value in np.unique(flat):
        k = int(value)
        mask = flat == value
        count = int(mask.sum())
        if k >= 1:
            n_num = int(np.count_nonzero(num & mask))
            evidence = {"certified region": count - n_num, "numerical criterion": n_num}
        else:
            evidence = {"diverged" if k < 0 else "undetermined": count}
        attractor = kinds.get(k)
        out.append({"label": k, "attractor": attractor.to_dict() if attractor else None,
                    "count": count, "evidence": evidence})
    return out
