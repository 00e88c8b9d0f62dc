r"""Denoising and masked autoencoders as energies (Vincent et al., 2008; LeCun's NYU lectures) --
Lecture 4 §7.

An autoencoder ``r`` is trained to **restore** a corrupted answer: ``ỹ = corrupt(y)``, loss
``|r(ỹ) − y|²``.  Corruption plays the role of negatives: the corrupted points lie *off* the
data, and the network learns to map them back onto it.  Its energy is the reconstruction error

.. math::

    E(y) = \lVert y - r(y) \rVert^2 \quad\text{(denoising)}, \qquad
    E(y) = \sum_d \big(y_d - r_d(y \text{ with } y_d \text{ masked})\big)^2 \quad\text{(masked)} .

Two corruptions:

* ``"gaussian"`` -- ``ỹ = y + σ ε``.  For small σ the optimal restorer moves a point up the
  data's log-density, ``r(y) − y ≈ σ² ∇ log p(y)`` (Alain & Bengio, 2014): the energy is low
  where the score vanishes -- on the data, but also at minima and saddles of the density;
* ``"mask"`` -- each coordinate is hidden with probability ``mask_prob`` (replaced by 0, with a
  0/1 indicator appended so the network knows).  Restoring a hidden coordinate from the others
  with the squared error is least squares: it predicts the **conditional mean** (Lecture 1).

The network sees ``[ỹ, mask]`` (2D inputs) in both cases (mask all zeros for ``"gaussian"``).
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .._checks import check_generator, check_input, check_positive_float, check_positive_int, check_same_shape, check_tensor, describe
from .mlp import check_widths, mlp

__all__ = ["DenoisingAutoencoder"]


class DenoisingAutoencoder(nn.Module):
    """A restorer ``r([ỹ, mask])`` (an MLP, SiLU) trained to undo a corruption.  Lecture 4 §7.

    ``dim`` D of the answers; ``hidden`` widths (``()`` makes ``r`` affine, as in the tests'
    closed forms); ``corruption`` ``"gaussian"`` (noise ``noise_std``) or ``"mask"``
    (``mask_prob``).  ``model(y_tilde, mask)`` restores; :meth:`energy` scores clean answers.
    """

    def __init__(self, dim: int, hidden: Sequence[int] = (64, 64), *, corruption: str = "gaussian",
                 noise_std: float = 0.2, mask_prob: float = 0.5):
        super().__init__()
        self.dim = check_positive_int("dim", dim)
        if corruption not in ("gaussian", "mask"):
            raise ValueError(f"corruption: expected 'gaussian' or 'mask', got {describe(corruption)}")
        self.corruption = corruption
        self.noise_std = check_positive_float("noise_std", noise_std)
        self.mask_prob = check_positive_float("mask_prob", mask_prob)
        if not 0 < self.mask_prob < 1:
            raise ValueError(f"mask_prob: expected a probability in (0, 1), got {mask_prob!r}")
        self.net = mlp(2 * dim, check_widths("hidden", hidden), dim, activation=nn.SiLU)

    def forward(self, y_tilde: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        check_input("y_tilde", y_tilde, self, ndim=2, last_dim=self.dim)
        mask = torch.zeros_like(y_tilde) if mask is None else check_same_shape("mask", mask, y_tilde, "y_tilde")
        return self.net(torch.cat([y_tilde * (1 - mask), mask], dim=-1))

    def corrupt(self, y: torch.Tensor, *, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(ỹ, mask)``: Gaussian noise, or hidden coordinates (mask 1 = hidden; at least one
        coordinate of each row stays visible).  Lecture 4 §7."""
        check_tensor("y", y, ndim=2, last_dim=self.dim)
        check_generator("generator", generator, like=y)
        if self.corruption == "gaussian":
            noise = torch.randn(y.shape, generator=generator, dtype=y.dtype, device=y.device)
            return y + self.noise_std * noise, torch.zeros_like(y)
        hide = torch.rand(y.shape, generator=generator, dtype=y.dtype, device=y.device) < self.mask_prob
        all_hidden = hide.all(-1, keepdim=True)
        keep = torch.randint(self.dim, (y.shape[0], 1), generator=generator, device=y.device)
        hide = hide & ~(all_hidden & (torch.arange(self.dim, device=y.device) == keep))   # un-hide one
        return y, hide.to(y.dtype)

    def loss(self, y: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """``mean |r(ỹ) − y|²`` over the batch (masked: over the hidden coordinates only).  Lecture 4 §7."""
        check_input("y", y, self, ndim=2, last_dim=self.dim)
        y_tilde, mask = self.corrupt(y, generator=generator)
        error = (self(y_tilde, mask) - y).square()                        # (N, D)
        if self.corruption == "mask":
            error = error * mask
        return error.sum(-1).mean()

    def energy(self, y: torch.Tensor) -> torch.Tensor:
        """Reconstruction error of clean answers (see the module docstring): (N, D) -> (N,).  Lecture 4 §7."""
        check_input("y", y, self, ndim=2, last_dim=self.dim)
        if self.corruption == "gaussian":
            return (self(y) - y).square().sum(-1)
        eye = torch.eye(self.dim, dtype=y.dtype, device=y.device)         # hide one coordinate at a time
        errors = [(self(y, eye[d].expand_as(y))[:, d] - y[:, d]).square() for d in range(self.dim)]
        return torch.stack(errors, -1).sum(-1)
