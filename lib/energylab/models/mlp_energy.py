r"""Generic neural energies.

* :class:`MLPEnergy` -- ``E_W(y)`` (unconditional) or ``E_W(x, y)`` (conditional), a
  multilayer perceptron on ``[x, y]`` with one scalar output.  It offers an **energy**;
  inference is :func:`energylab.inference.find_minima`; learning is any loss of
  :mod:`energylab.losses`.  A flexible architecture: trained with the energy loss alone
  it collapses (flat, low everywhere).
* :class:`KMeansEnergy` -- ``E(y) = min_k |y - w_k|²``, the free energy of a one-hot
  latent ``z`` choosing one of K prototypes.  Its capacity is limited: only K points
  can have zero energy, so pushing down on data shapes it **without negatives**.

Both are called as ``energy(y)`` or ``energy(y, x)``: y (N, D), x (N, D_x) -> (N,).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from .._checks import (check_beta, check_bool, check_generator, check_input, check_positive_float, check_positive_int,
                       describe)
from ..gibbs import free_energy
from .mlp import check_widths, mlp

__all__ = ["MLPEnergy", "KMeansEnergy"]


class MLPEnergy(nn.Module):
    """``E_W(x, y) = MLP([x, y])`` -> one number per row.
    Lecture 3 §3, Lecture 4 §2–4, Lecture 6 §8, Lecture 12 §2, homework 4.

    ``y_dim``: size of y; ``x_dim``: size of x (0 for an unconditional energy
    ``E_W(y)``); ``hidden``: the width of each hidden layer (SiLU) -- an int, used for
    ``depth`` layers (default 2), or a tuple of widths, one per layer (e.g. ``(128, 128)``;
    then ``depth`` may be left out); ``nonnegative=True`` passes the output through
    softplus so that ``E >= 0`` (as the square-square and simple losses assume).
    """

    def __init__(self, y_dim: int, x_dim: int = 0, hidden: int | Sequence[int] = 64, depth: int | None = None, *,
                 nonnegative: bool = False):
        super().__init__()
        self.y_dim = check_positive_int("y_dim", y_dim)
        self.x_dim = check_positive_int("x_dim", x_dim, minimum=0)
        if isinstance(hidden, int):
            widths = (check_positive_int("hidden", hidden),) * check_positive_int("depth", 2 if depth is None else depth)
        else:
            widths = check_widths("hidden", hidden, allow_empty=False)
            if depth is not None and depth != len(widths):
                raise ValueError(f"depth: expected None or len(hidden) = {len(widths)}, got {describe(depth)}")
        self.net = mlp(self.x_dim + self.y_dim, widths, 1)
        self.nonnegative = check_bool("nonnegative", nonnegative)

    def forward(self, y: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        check_input("y", y, self, ndim=2, last_dim=self.y_dim)
        if self.x_dim == 0:
            if x is not None:
                raise ValueError(f"x: this energy is unconditional (x_dim=0), got {describe(x)}")
            inputs = y
        else:
            if x is None:
                raise ValueError(f"x: this energy is conditional (x_dim={self.x_dim}), got None")
            check_input("x", x, self, ndim=2, last_dim=self.x_dim)
            if x.shape[0] != y.shape[0]:
                x = _broadcast_rows("x", x, y.shape[0])
            inputs = torch.cat([x, y], dim=-1)                              # (N, D_x + D)
        out = self.net(inputs)[:, 0]                                        # (N,)
        return nn.functional.softplus(out) if self.nonnegative else out


def _broadcast_rows(name: str, x: torch.Tensor, n: int) -> torch.Tensor:
    if x.shape[0] != 1:
        raise ValueError(f"{name}: expected 1 or {n} rows to match y, got {describe(x)}")
    return x.expand(n, -1)


class KMeansEnergy(nn.Module):
    r"""K-means as an energy with a discrete latent ``z ∈ {1..K}``:  Lecture 4 §4–5.

    ``E(y, z) = |y - w_z|²``,  ``F_∞(y) = min_z E(y, z)`` (K-means),
    ``F_β(y) = -1/β log Σ_z e^{-β |y - w_z|²}`` (soft K-means, β < ∞).

    ``beta=math.inf`` by default.  Training with the energy loss alone (push down on
    data, nothing else) moves the prototypes ``w`` onto the data.
    """

    def __init__(self, n_prototypes: int, dim: int = 2, *, scale: float = 1.0, beta: float = math.inf,
                 generator: torch.Generator | None = None):
        super().__init__()
        check_positive_int("n_prototypes", n_prototypes)
        check_positive_int("dim", dim)
        check_generator("generator", generator)
        scale, self.beta = check_positive_float("scale", scale), check_beta("beta", beta)
        self.prototypes = nn.Parameter(scale * torch.randn(n_prototypes, dim, generator=generator))

    def latent_energy(self, y: torch.Tensor) -> torch.Tensor:
        """``E(y, z) = |y - w_z|²`` for every prototype: (N, D) -> (N, K).  Lecture 4 §4–5."""
        check_input("y", y, self, ndim=2, last_dim=self.prototypes.shape[1])
        return (y[:, None, :] - self.prototypes).square().sum(-1)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return free_energy(self.latent_energy(y), self.beta)
