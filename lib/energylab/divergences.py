r"""The two directions of KL: fitting one Gaussian ``q`` to a multimodal ``p`` (lecture 11 §4).

* **Forward** ``KL(p ‖ q) = E_p[log p − log q]`` punishes ``q ≈ 0`` where ``p > 0``: the best
  Gaussian **covers** every mode.  Its minimiser is moment matching, in closed form
  (:func:`forward_kl_fit`) -- what maximum likelihood does (a VAE's decoder is fitted this way).
* **Reverse** ``KL(q ‖ p) = E_q[log q − log p]`` punishes ``q > 0`` where ``p ≈ 0``: the best
  Gaussian **seeks one mode** and ignores the others (:func:`reverse_kl_fit`) -- what variational
  inference does, and what a GAN's sampler tends to (it minimises a Jensen–Shannon divergence,
  which behaves like the reverse KL: it drops modes).

With ``p(y) = e^{−E(y)} / Z``, ``KL(q ‖ p) = E_q[E(y)] − H[q] + log Z``: the reverse fit only
needs the energy, and minimises a **variational free energy** ``E_q[E] − H[q] ≥ −log Z``, the
same bound as the ELBO of a VAE (:mod:`energylab.models.vae`).

For pictures and tests, :func:`kl_on_grid` and :func:`js_on_grid` integrate numerically.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch

from ._checks import (check_callable, check_generator, check_like, check_positive_float, check_positive_int, check_tensor,
                      describe)
from .energies import GaussianMixtureEnergy

__all__ = ["GaussianFit", "forward_kl_fit", "reverse_kl_fit", "kl_on_grid", "js_on_grid"]


class GaussianFit(NamedTuple):
    """A Gaussian ``N(mean, cov)``: mean (D,), cov (D, D).  Lecture 11 §4."""

    mean: torch.Tensor
    cov: torch.Tensor

    def log_prob(self, y: torch.Tensor) -> torch.Tensor:
        """``log N(y; mean, cov)``: (N, D) -> (N,).  Lecture 11 §4."""
        check_like("y", check_tensor("y", y, ndim=2, last_dim=self.mean.shape[0]), self.mean, "the fit's mean")
        if y.shape[0] == 0:
            return y.new_zeros(0)
        return torch.distributions.MultivariateNormal(self.mean, self.cov, validate_args=False).log_prob(y)   # NaN out


def forward_kl_fit(mixture: GaussianMixtureEnergy) -> GaussianFit:
    r"""``argmin_q KL(p ‖ q)`` over Gaussians for the mixture ``p = Σ_k π_k N(μ_k, σ_k² I)``.

    Setting the gradient of ``−E_p[log q]`` to zero gives the mixture's own moments:

    ``μ = Σ_k π_k μ_k``,   ``Σ = Σ_k π_k [σ_k² I + (μ_k − μ)(μ_k − μ)ᵀ]``

    (within-component spread plus the spread of the centres -- the full covariance).  Lecture 11 §4.
    """
    if not isinstance(mixture, GaussianMixtureEnergy):
        raise TypeError(f"mixture: expected a GaussianMixtureEnergy, got {describe(mixture)}")
    means, stds, weights = mixture.means, mixture.stds, mixture.weights      # (K, D), (K,), (K,)
    mean = weights @ means                                                   # (D,)
    centred = means - mean                                                   # (K, D)
    between = torch.einsum("k,ki,kj->ij", weights, centred, centred)
    within = (weights * stds.square()).sum() * torch.eye(means.shape[1], dtype=means.dtype, device=means.device)
    return GaussianFit(mean, within + between)


def reverse_kl_fit(energy, mean: torch.Tensor, *, std: float = 1.0, n_steps: int = 500, lr: float = 0.05,
                   n_samples: int = 256, generator: torch.Generator | None = None) -> tuple[GaussianFit, torch.Tensor]:
    r"""``argmin_q KL(q ‖ p)`` over Gaussians ``q = N(μ, L Lᵀ)``, for ``p ∝ e^{−E}``, by optimisation.

    Minimises ``E_q[E(y)] − H[q]`` (``= KL(q ‖ p) − log Z``) with Adam (``lr``) for ``n_steps`` steps,
    each estimated with ``n_samples`` reparameterised draws ``y = μ + L ε`` and the exact entropy
    ``H[q] = D/2 log(2πe) + Σ_d log L_dd``.  ``energy(y)``: (N, D) -> (N,) (unnormalised is fine).
    Starts at ``N(mean, std² I)``; which mode it ends in depends on that start.
    Returns the fit and the per-step estimates of ``E_q[E] − H[q]`` (n_steps,).  Lecture 11 §4.
    """
    check_callable("energy", energy)
    check_tensor("mean", mean, ndim=1)
    check_positive_float("std", std)
    check_positive_int("n_steps", n_steps)
    check_positive_float("lr", lr)
    check_positive_int("n_samples", n_samples)
    check_generator("generator", generator, like=mean)
    D = mean.shape[0]
    loc = mean.detach().clone().requires_grad_(True)
    log_diag = torch.full((D,), math.log(std), dtype=mean.dtype, device=mean.device, requires_grad=True)
    lower = torch.zeros(D, D, dtype=mean.dtype, device=mean.device, requires_grad=True)
    optimizer = torch.optim.Adam([loc, log_diag, lower], lr=lr)
    losses = []
    for _ in range(n_steps):
        scale_tril = torch.tril(lower, -1) + torch.diag(torch.exp(log_diag))           # L, (D, D)
        eps = torch.randn(n_samples, D, generator=generator, dtype=mean.dtype, device=mean.device)
        y = loc + eps @ scale_tril.T                                                  # (S, D)
        entropy = 0.5 * D * math.log(2 * math.pi * math.e) + log_diag.sum()
        loss = energy(y).mean() - entropy
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    with torch.no_grad():
        scale_tril = torch.tril(lower, -1) + torch.diag(torch.exp(log_diag))
        return GaussianFit(loc.detach().clone(), scale_tril @ scale_tril.T), torch.stack(losses)


def _check_grid(log_p, log_q, cell):
    check_tensor("log_p", log_p)
    check_like("log_q", check_tensor("log_q", log_q), log_p, "log_p")
    if log_p.shape != log_q.shape:
        raise ValueError(f"log_q: expected the shape of log_p {tuple(log_p.shape)}, got {describe(log_q)}")
    return check_positive_float("cell", cell)


def kl_on_grid(log_p: torch.Tensor, log_q: torch.Tensor, cell: float) -> torch.Tensor:
    r"""``KL(p ‖ q) ≈ Σ_i p_i (log p_i − log q_i) ΔV`` from normalised log densities on a regular grid
    (any shape) with cell volume ``cell`` (ΔV); points where ``p = 0`` contribute 0.  Lecture 11 §4."""
    cell = _check_grid(log_p, log_q, cell)
    p = torch.exp(log_p)
    keep = (p > 0) | log_p.isnan()                                     # NaN in, NaN out
    return torch.where(keep, p * (log_p - log_q), torch.zeros_like(p)).sum() * cell


def js_on_grid(log_p: torch.Tensor, log_q: torch.Tensor, cell: float) -> torch.Tensor:
    r"""``JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m)``, ``m = (p + q) / 2``, on a grid (see :func:`kl_on_grid`).
    Lecture 11 §7."""
    _check_grid(log_p, log_q, cell)
    log_m = torch.logaddexp(log_p, log_q) - math.log(2)
    return 0.5 * kl_on_grid(log_p, log_m, cell) + 0.5 * kl_on_grid(log_q, log_m, cell)
