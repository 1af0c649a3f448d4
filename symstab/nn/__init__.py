"""Small fully connected networks trained by full-batch GD or mini-batch SGD: the
converging fraction against the step size (Crăciun & Ghoshdastidar 2024, Figs. 3–4, in
reduced size), with sharpness by Hessian-vector products and Lanczos, also recorded along
training (progressive sharpening, edge of stability).

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
from .sgd import BatchSchedule, run_sgd
from .sharpening import SharpnessTrace, sharpness_trace, sign_changes

__all__ = [
    "CONVERGED",
    "DEFAULT_BACKEND",
    "DIVERGED",
    "STALLED",
    "UNDETERMINED",
    "Backend",
    "BatchSchedule",
    "Criterion",
    "Dataset",
    "LanczosResult",
    "MLPSpec",
    "NetworkSweep",
    "NetworkSweepPoint",
    "SharpnessTrace",
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
    "run_sgd",
    "sharpness",
    "sharpness_trace",
    "sign_changes",
    "unflatten",
]
