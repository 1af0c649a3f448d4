"""Small fully connected networks trained by full-batch GD: the converging fraction
against the step size (Crăciun & Ghoshdastidar 2024, Figs. 3–4, in reduced size), with
sharpness by Hessian-vector products and Lanczos.

Needs the ``nn`` extra (``pip install "symstab[nn]"``: JAX and scikit-learn).

>>> from symstab.nn import converging_fraction
>>> sweep = converging_fraction(depth=1, etas=[0.1, 1.0], n_inits=4, steps=300)  # doctest: +SKIP
"""

from .backend import DEFAULT_BACKEND, Backend, get_backend
from .data import Dataset, load_digits_subset
from .experiment import (
    CONVERGED,
    DIVERGED,
    STALLED,
    UNDETERMINED,
    Criterion,
    NetworkSweep,
    NetworkSweepPoint,
    Trajectories,
    constant_loss,
    converging_fraction,
    run_gd,
    sharpness,
)
from .lanczos import LanczosResult, lanczos_extreme
from .model import MLPSpec, flatten, init_params, loss_numpy, unflatten

__all__ = [
    "CONVERGED",
    "DEFAULT_BACKEND",
    "DIVERGED",
    "STALLED",
    "UNDETERMINED",
    "Backend",
    "Criterion",
    "Dataset",
    "LanczosResult",
    "MLPSpec",
    "NetworkSweep",
    "NetworkSweepPoint",
    "Trajectories",
    "constant_loss",
    "converging_fraction",
    "flatten",
    "get_backend",
    "init_params",
    "lanczos_extreme",
    "load_digits_subset",
    "loss_numpy",
    "run_gd",
    "sharpness",
    "unflatten",
]
