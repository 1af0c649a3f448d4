"""The data of the network experiment: a fixed, deterministic subset of scikit-learn's
8×8 digits.

Choices (stated once, used everywhere):

* **subset**: ``n`` images drawn without replacement from the 1797 digits by
  ``numpy.random.default_rng(seed).choice`` and sorted by index, so the subset depends
  only on ``(n, seed)``;
* **inputs**: pixel values divided by 16, i.e. in ``[0, 1]`` (the analogue of MNIST's
  ``ToTensor`` scaling; no centring), 64 features;
* **targets**: one-hot vectors in ``R^10`` (``targets="onehot"``), or a scalar
  ``+1`` for digits 0–4 and ``-1`` for 5–9 (``targets="binary"``).

The data set ships with scikit-learn: nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from symstab.errors import InputError

__all__ = ["Dataset", "load_digits_subset"]

N_DIGITS = 1797


@dataclass(frozen=True)
class Dataset:
    """A small supervised data set (float64, full batch).

    Attributes
    ----------
    X
        Inputs, shape ``(n, d_in)``.
    Y
        Targets, shape ``(n, d_out)``.
    labels
        Digit classes, shape ``(n,)``.
    indices
        Indices of the samples in ``sklearn.datasets.load_digits()``.
    description
        One line: how the subset was made.
    """

    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray
    indices: np.ndarray
    description: str

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.X.shape[0])


def load_digits_subset(n: int = 256, seed: int = 0,
                       targets: Literal["onehot", "binary"] = "onehot") -> Dataset:
    """A deterministic subset of scikit-learn's 8×8 digits.

    Parameters
    ----------
    n
        Number of samples, ``1 <= n <= 1797``.
    seed
        Seed of the subset choice.
    targets
        ``"onehot"`` (10 outputs) or ``"binary"`` (1 output, ``+1`` for 0–4, ``-1`` else).

    Returns
    -------
    Dataset
        Inputs in ``[0, 1]`` (pixels / 16), float64.

    Raises
    ------
    InputError
        On ``n`` out of range or an unknown ``targets``.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= N_DIGITS:
        raise InputError(f"n must be an integer in [1, {N_DIGITS}], got {n!r}", "n")
    if targets not in ("onehot", "binary"):
        raise InputError(f"targets must be 'onehot' or 'binary', got {targets!r}", "targets")
    pixels, classes = _digits()
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(classes), size=int(n), replace=False))
    X = np.ascontiguousarray(pixels[idx] / 16.0, dtype=np.float64)
    labels = classes[idx].astype(np.int64)
    if targets == "onehot":
        Y = np.eye(10, dtype=np.float64)[labels]
    else:
        Y = np.where(labels < 5, 1.0, -1.0)[:, None]
    desc = (f"sklearn digits, {n} samples (default_rng({seed}).choice, sorted), "
            f"inputs pixels/16 in [0, 1], {targets} targets")
    return Dataset(X=X, Y=Y, labels=labels, indices=idx, description=desc)


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """``(pixels (1797, 64), classes (1797,))`` of ``sklearn.datasets.load_digits()``.

    Read from the CSV file scikit-learn ships (64 pixel columns, then the class), found
    without importing scikit-learn, whose import costs seconds; through
    ``load_digits`` if the file is not where it is expected."""
    spec = importlib.util.find_spec("sklearn")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            with gzip.open(path, "rt") as fh:
                table = np.loadtxt(fh, delimiter=",")
            if table.shape == (N_DIGITS, 65):
                return table[:, :64], table[:, 64].astype(np.int64)
    from sklearn.datasets import load_digits

    digits = load_digits()
    return np.asarray(digits.data, np.float64), np.asarray(digits.target, np.int64)
