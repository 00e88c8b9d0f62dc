r"""Closed-form energies for teaching: surfaces whose minima, normalisers and free
energies we know exactly, so the pictures and the tests have a ground truth.

Every energy is an ``nn.Module`` called as ``energy(y)`` (unconditional, ``E(y)``) or
``energy(y, x)`` (conditional, ``E(x, y)``): ``y`` has shape (N, D), ``x`` (N, D_x), and
the result has shape (N,).  Low energy = good; ``p_β(y) ∝ exp(-β E(y))``.

* :class:`GaussianMixtureEnergy` -- ``E(y) = -log Σ_k π_k N(y; μ_k, σ_k² I)``, ``Z_1 = 1``;
* :class:`RingEnergy` -- ``E(y) = (|y| - r)² / (2σ²)``, the free energy of a latent angle;
* :class:`BishopInverseEnergy` -- ``E(x, y) = (x - f(y))² / (2σ²)`` with
  ``f(y) = y + 0.3 sin(2π y)``: for some ``x`` several ``y`` have zero energy.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ._checks import check_like, check_positive_float, check_tensor, describe

__all__ = ["GaussianMixtureEnergy", "RingEnergy", "BishopInverseEnergy"]


def _check_y(y, dim: int) -> torch.Tensor:
    return check_tensor("y", y, ndim=2, last_dim=dim)


class GaussianMixtureEnergy(nn.Module):
    r"""``E(y) = -log Σ_k π_k N(y; μ_k, σ_k² I)`` (isotropic components).  Lecture 3 §2, §4, Lecture 12 §1.

    ``means`` (K, D); ``stds`` a number or (K,); ``weights`` (K,) summing to 1
    (default equal).  At β = 1 the Gibbs distribution is the mixture itself, so the
    exact normaliser is ``Z_1 = 1`` (``log_normaliser() == 0``).  For a single
    component the normaliser is known at every β.
    """

    def __init__(self, means: torch.Tensor, stds: float | torch.Tensor = 0.3, weights: torch.Tensor | None = None):
        super().__init__()
        check_tensor("means", means, ndim=2)
        if means.shape[0] == 0:
            raise ValueError(f"means: expected at least one component, got {describe(means)}")
        if isinstance(stds, bool) or not isinstance(stds, (int, float, torch.Tensor)):
            raise TypeError(f"stds: expected a number or a ({means.shape[0]},) tensor, got {describe(stds)}")
        K = means.shape[0]
        stds = torch.as_tensor(stds, dtype=means.dtype, device=means.device).expand(K).clone()
        if (stds <= 0).any():
            raise ValueError(f"stds: expected positive widths, got {stds.tolist()}")
        if weights is None:
            weights = torch.full((K,), 1.0 / K, dtype=means.dtype, device=means.device)
        check_tensor("weights", weights, ndim=1)
        if weights.shape[0] != K or (weights < 0).any() or abs(float(weights.sum()) - 1) > 1e-5:
            raise ValueError(f"weights: expected {K} non-negative numbers summing to 1, got {describe(weights)}")
        self.register_buffer("means", means)
        self.register_buffer("stds", stds)
        self.register_buffer("weights", weights)

    def log_components(self, y: torch.Tensor) -> torch.Tensor:
        """``log π_k + log N(y; μ_k, σ_k² I)``, shape (N, K).
        Library only: the per-component terms of forward."""
        y = check_like("y", _check_y(y, self.means.shape[1]), self.means, "the means")
        D = self.means.shape[1]
        sq = (y[:, None, :] - self.means).square().sum(-1)                  # (N, K)
        return (self.weights.log() - sq / (2 * self.stds ** 2)
                - D * torch.log(self.stds) - 0.5 * D * math.log(2 * math.pi))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        y = check_like("y", _check_y(y, self.means.shape[1]), self.means, "the means")
        return -torch.logsumexp(self.log_components(y), dim=-1)

    def log_normaliser(self, beta: float = 1.0) -> float:
        r"""Exact ``log Z_β = log ∫ e^{-β E(y)} dy``: 0 at β = 1; for one component
        ``β log π - β D/2 log(2πσ²) + D/2 log(2πσ²/β)``.  Lecture 3 §4."""
        beta = check_positive_float("beta", beta)
        if beta == 1.0:
            return 0.0
        if self.means.shape[0] != 1:
            raise ValueError(f"beta: the exact normaliser of a mixture is known only at beta=1, got {beta} "
                             f"(use energylab.gibbs.log_partition on a grid)")
        D, var, w = self.means.shape[1], float(self.stds[0]) ** 2, float(self.weights[0])
        return beta * math.log(w) - beta * D / 2 * math.log(2 * math.pi * var) + D / 2 * math.log(2 * math.pi * var / beta)

    def modes(self) -> torch.Tensor:
        """The component centres (K, D): the minima of E when components are well separated.
        Library only: the centres the inference tests compare with."""
        return self.means


class RingEnergy(nn.Module):
    r"""A ring of radius ``r`` and width ``σ`` in the plane:  Lecture 3 §4–5.

    ``E(y) = min_z E(y, z) = (|y| - r)² / (2σ²)``  with the latent angle ``z`` and
    ``E(y, z) = |y - r (cos z, sin z)|² / (2σ²)``.

    Exact normaliser (polar coordinates, ``s² = σ²/β``):
    ``Z_β = 2π [s² e^{-r²/(2s²)} + r s √(π/2) (1 + erf(r / (s√2)))]``.
    Exact marginal free energy over ``z ∈ [0, 2π)``:
    ``F_β(y) = (|y|² + r²)/(2σ²) - 1/β log(2π I₀(β r |y| / σ²))``.
    """

    def __init__(self, radius: float = 1.0, width: float = 0.1):
        super().__init__()
        self.radius = check_positive_float("radius", radius)
        self.width = check_positive_float("width", width)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        y = _check_y(y, 2)
        return (y.norm(dim=-1) - self.radius).square() / (2 * self.width ** 2)

    def latent_energy(self, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``E(y, z)`` for every point and every angle: y (N, 2), z (M,) -> (N, M).  Lecture 3 §5."""
        y = _check_y(y, 2)
        check_like("z", check_tensor("z", z, ndim=1), y, "y")
        centres = self.radius * torch.stack([torch.cos(z), torch.sin(z)], dim=-1)   # (M, 2)
        return (y[:, None, :] - centres).square().sum(-1) / (2 * self.width ** 2)

    def free_energy(self, y: torch.Tensor, beta: float = math.inf) -> torch.Tensor:
        """Exact free energy of the latent angle; ``beta=inf`` gives ``min_z`` = ``forward``.
        Lecture 3 §5."""
        if beta == math.inf:
            return self.forward(y)
        beta = check_positive_float("beta", beta)
        y = _check_y(y, 2)
        rho, r, var = y.norm(dim=-1), self.radius, self.width ** 2
        arg = beta * r * rho / var
        log_i0 = torch.log(torch.special.i0e(arg)) + arg                     # log I0, stable
        return (rho.square() + r * r) / (2 * var) - (math.log(2 * math.pi) + log_i0) / beta

    def log_normaliser(self, beta: float = 1.0) -> float:
        """Exact ``log Z_β = log ∫ e^{-β E(y)} dy`` over the plane.  Lecture 3 §4."""
        beta = check_positive_float("beta", beta)
        s2, r = self.width ** 2 / beta, self.radius
        s = math.sqrt(s2)
        z = 2 * math.pi * (s2 * math.exp(-r * r / (2 * s2)) + r * s * math.sqrt(math.pi / 2) * (1 + math.erf(r / (s * math.sqrt(2)))))
        return math.log(z)


class BishopInverseEnergy(nn.Module):
    r"""The energy of Bishop's inverse problem (see :func:`energylab.data.bishop_inverse`):
    Lecture 3 §1–2, §4, §6.

    ``E(x, y) = (x - f(y))² / (2σ²)``,  ``f(y) = y + 0.3 sin(2π y)``.

    The forward map ``f`` is a function, its inverse is not: for ``x`` near 0.5 three
    answers ``y`` have zero energy, and inference must find all of them.
    """

    def __init__(self, noise: float = 0.05):
        super().__init__()
        self.noise = check_positive_float("noise", noise)

    @staticmethod
    def forward_map(y: torch.Tensor) -> torch.Tensor:
        """``f(y) = y + 0.3 sin(2π y)``.
        Library only: the forward map itself, for tests and exercises (Lecture 3 §1)."""
        check_tensor("y", y)
        return y + 0.3 * torch.sin(2 * math.pi * y)

    def forward(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        y = _check_y(y, 1)
        x = check_like("x", check_tensor("x", x, ndim=2, last_dim=1), y, "y")
        if x.shape[0] not in (1, y.shape[0]):
            raise ValueError(f"x: expected shape (1, 1) or ({y.shape[0]}, 1), got {describe(x)}")
        return (x - self.forward_map(y))[:, 0].square() / (2 * self.noise ** 2)
