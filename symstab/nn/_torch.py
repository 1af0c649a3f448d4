"""PyTorch backend (CPU, float64, eager): GD steps on batched parameter tensors with
``torch.autograd.grad`` of the summed losses (the networks are independent, so this is
each network's own gradient); Hessian-vector products by double backward.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .backend import GDChunk, SGDChunk, check_batch, check_batches
from .model import Params

__all__ = ["TorchBackend", "make_backend"]

DTYPE = torch.float64


def _forward(params: list[torch.Tensor], X: torch.Tensor, activation: str) -> torch.Tensor:
    h = X
    n_layers = len(params) // 2
    for layer in range(n_layers):
        W, b = params[2 * layer], params[2 * layer + 1]
        h = torch.matmul(h, W) + b.unsqueeze(-2)
        if layer < n_layers - 1 and activation == "gelu":
            h = torch.nn.functional.gelu(h)
    return h


def _losses(params: list[torch.Tensor], X: torch.Tensor, Y: torch.Tensor,
            activation: str) -> torch.Tensor:
    r = _forward(params, X, activation) - Y
    return (r * r).sum(dim=(-2, -1)) / X.shape[-2]


def _tensors(params: Params, grad: bool = True) -> list[torch.Tensor]:
    out = []
    for W, b in params:
        for a in (W, b):
            out.append(torch.tensor(np.asarray(a), dtype=DTYPE, requires_grad=grad))
    return out


def _params(ts: list[torch.Tensor]) -> Params:
    arrs = [t.detach().numpy().copy() for t in ts]
    return tuple((arrs[i], arrs[i + 1]) for i in range(0, len(arrs), 2))


def _grad_norm(gs: tuple[torch.Tensor, ...]) -> torch.Tensor:
    return torch.sqrt(sum((g * g).flatten(1).sum(dim=1) for g in gs))


class TorchBackend:
    """The PyTorch implementation of :class:`~symstab.nn.backend.Backend`."""

    name = "torch"

    def gd(self, params: Params, X: np.ndarray, Y: np.ndarray, etas: np.ndarray,
           active: np.ndarray, steps: int, bound: float, activation: str) -> GDChunk:
        """See :meth:`symstab.nn.backend.Backend.gd`."""
        K = check_batch(params, etas)
        ps = _tensors(params)
        Xt, Yt = torch.as_tensor(X, dtype=DTYPE), torch.as_tensor(Y, dtype=DTYPE)
        eta = torch.as_tensor(etas, dtype=DTYPE)
        act = torch.as_tensor(np.asarray(active, dtype=bool))
        Ls = np.empty((steps, K))
        Gs = np.empty((steps, K))
        for k in range(steps):
            L = _losses(ps, Xt, Yt, activation)
            gs = torch.autograd.grad(L.sum(), ps)
            with torch.no_grad():
                act = act & torch.isfinite(L) & (bound >= L)
                for p, g in zip(ps, gs, strict=True):
                    shape = (-1,) + (1,) * (p.ndim - 1)
                    p.copy_(torch.where(act.view(shape), p - eta.view(shape) * g, p))
                Ls[k] = L.numpy()
                Gs[k] = _grad_norm(gs).numpy()
        return GDChunk(_params(ps), Ls, Gs, act.numpy().copy())

    def sgd(self, params: Params, X: np.ndarray, Y: np.ndarray, batches: np.ndarray,
            etas: np.ndarray, active: np.ndarray, bound: float, activation: str,
            full: bool = False) -> SGDChunk:
        """See :meth:`symstab.nn.backend.Backend.sgd`."""
        K = check_batch(params, etas)
        check_batches(batches, K, X.shape[0])
        ps = _tensors(params)
        Xt, Yt = torch.as_tensor(X, dtype=DTYPE), torch.as_tensor(Y, dtype=DTYPE)
        idx = torch.as_tensor(np.asarray(batches, dtype=np.int64))
        eta = torch.as_tensor(etas, dtype=DTYPE)
        act = torch.as_tensor(np.asarray(active, dtype=bool))
        steps = idx.shape[0]
        Lbs = np.empty((steps, K))
        Ls = np.full((steps, K), np.nan)
        Gs = np.full((steps, K), np.nan)
        for k in range(steps):
            Lb = _losses(ps, Xt[idx[k]], Yt[idx[k]], activation)
            gs = torch.autograd.grad(Lb.sum(), ps)
            ok = act & torch.isfinite(Lb) & (bound >= Lb)
            if full:
                L = _losses(ps, Xt, Yt, activation)
                gf = torch.autograd.grad(L.sum(), ps)
                ok = ok & torch.isfinite(L) & (bound >= L)
                Ls[k] = L.detach().numpy()
                Gs[k] = _grad_norm(gf).numpy()
            with torch.no_grad():
                act = ok
                for p, g in zip(ps, gs, strict=True):
                    shape = (-1,) + (1,) * (p.ndim - 1)
                    p.copy_(torch.where(act.view(shape), p - eta.view(shape) * g, p))
                Lbs[k] = Lb.detach().numpy()
        return SGDChunk(_params(ps), Lbs, Ls, Gs, act.numpy().copy())

    def loss_grad_norm(self, params: Params, X: np.ndarray, Y: np.ndarray,
                       activation: str) -> tuple[np.ndarray, np.ndarray]:
        """See :meth:`symstab.nn.backend.Backend.loss_grad_norm`."""
        ps = _tensors(params)
        L = _losses(ps, torch.as_tensor(X, dtype=DTYPE), torch.as_tensor(Y, dtype=DTYPE),
                    activation)
        gs = torch.autograd.grad(L.sum(), ps)
        return L.detach().numpy().copy(), _grad_norm(gs).numpy().copy()

    def gradient(self, params: Params, X: np.ndarray, Y: np.ndarray,
                 activation: str) -> np.ndarray:
        """See :meth:`symstab.nn.backend.Backend.gradient`."""
        ps = _tensors(tuple((W[:1], b[:1]) for W, b in params))
        L = _losses(ps, torch.as_tensor(X, dtype=DTYPE), torch.as_tensor(Y, dtype=DTYPE),
                    activation)
        gs = torch.autograd.grad(L.sum(), ps)
        return torch.cat([g[0].flatten() for g in gs]).numpy().copy()

    def hvp(self, params: Params, X: np.ndarray, Y: np.ndarray,
            activation: str) -> Callable[[np.ndarray], np.ndarray]:
        """See :meth:`symstab.nn.backend.Backend.hvp`."""
        ps = _tensors(tuple((W[0], b[0]) for W, b in params))
        Xt, Yt = torch.as_tensor(X, dtype=DTYPE), torch.as_tensor(Y, dtype=DTYPE)
        L = _losses(ps, Xt, Yt, activation)
        gs = torch.autograd.grad(L, ps, create_graph=True)
        sizes = [p.numel() for p in ps]

        def matvec(v: np.ndarray) -> np.ndarray:
            vt = torch.split(torch.as_tensor(v, dtype=DTYPE), sizes)
            dot = sum((g * u.view_as(g)).sum() for g, u in zip(gs, vt, strict=True))
            hv = torch.autograd.grad(dot, ps, retain_graph=True)
            return torch.cat([h.flatten() for h in hv]).numpy().copy()

        return matvec

    def hvp_batch(self, params: Params, X: np.ndarray, Y: np.ndarray,
                  activation: str) -> Callable[[np.ndarray], np.ndarray]:
        """See :meth:`symstab.nn.backend.Backend.hvp_batch`."""
        K = int(params[0][0].shape[0])
        ops = [self.hvp(tuple((W[k:k + 1], b[k:k + 1]) for W, b in params), X, Y, activation)
               for k in range(K)]

        def matvec(V: np.ndarray) -> np.ndarray:
            return np.stack([op(v) for op, v in zip(ops, V, strict=True)])

        return matvec


def make_backend() -> TorchBackend:
    """The PyTorch backend."""
    return TorchBackend()
