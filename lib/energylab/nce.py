r"""Noise-contrastive estimation (Gutmann & Hyvärinen, 2010) -- Lecture 4 §7.

Learn an energy *and its normaliser* by telling data from noise.  The model's log-density is

.. math::  \log p_\theta(y) = -E_\theta(y) - c ,

with ``c`` a learned number (an estimate of ``log Z``).  Draw ``ν`` noise points per data point
from a density ``q`` we can evaluate, and train the logistic classifier whose logit is the
log-ratio ``G(y) = log p_θ(y) − log ν q(y)``:

.. math::

    L = \mathbb{E}_{\text{data}}\, \operatorname{softplus}(-G(y))
        + \nu\, \mathbb{E}_{q}\, \operatorname{softplus}(G(\tilde y)) .

The best classifier of data against noise has ``G = log p_data − log ν q``, so at the optimum
``p_θ = p_data`` -- and since ``c`` is free, ``c = log Z_θ``: the model comes out normalised.
The negatives are *noise*, never model samples: no sampler is needed, but the noise must cover
the data (where ``q ≈ 0`` on data the classification is trivial and nothing is learned).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_input, check_like, check_tensor, describe

__all__ = ["nce_loss", "SelfNormalisedEnergy"]


def nce_loss(log_p_data: torch.Tensor, log_q_data: torch.Tensor, log_p_noise: torch.Tensor,
             log_q_noise: torch.Tensor) -> torch.Tensor:
    r"""The NCE loss from model and noise log-densities at data (N,) and noise points (M,).
    Lecture 4 §7.

    ``ν = M / N``; ``L = mean_data softplus(−G) + ν mean_noise softplus(G)`` with
    ``G = log p_θ − log q − log ν`` (the module docstring).
    """
    for name, value in (("log_p_data", log_p_data), ("log_q_data", log_q_data),
                        ("log_p_noise", log_p_noise), ("log_q_noise", log_q_noise)):
        check_like(name, check_tensor(name, value, ndim=1), log_p_data, "log_p_data")
    for name, value in (("log_p_data", log_p_data), ("log_p_noise", log_p_noise)):
        if value.shape[0] == 0:
            raise ValueError(f"{name}: expected at least one point, got {describe(value)}")
    for name, value, like, owner in (("log_q_data", log_q_data, log_p_data, "log_p_data"),
                                     ("log_q_noise", log_q_noise, log_p_noise, "log_p_noise")):
        if value.shape != like.shape:
            raise ValueError(f"{name}: expected the shape of {owner} {tuple(like.shape)}, got {describe(value)}")
    nu = log_p_noise.shape[0] / log_p_data.shape[0]
    log_nu = torch.log(torch.tensor(nu, dtype=log_p_data.dtype, device=log_p_data.device))
    g_data = log_p_data - log_q_data - log_nu
    g_noise = log_p_noise - log_q_noise - log_nu
    return F.softplus(-g_data).mean() + nu * F.softplus(g_noise).mean()


class SelfNormalisedEnergy(nn.Module):
    """An energy with a learned log-normaliser ``c``: ``log p(y) = −E(y) − c``.  Lecture 4 §7.

    ``energy`` is any module ``(N, D) -> (N,)``; calling this module returns the energy, and
    :meth:`log_prob` the (approximately) normalised log-density that NCE trains.
    """

    def __init__(self, energy: nn.Module):
        super().__init__()
        if not isinstance(energy, nn.Module):
            raise TypeError(f"energy: expected an nn.Module, got {describe(energy)}")
        self.energy = energy
        self.log_z = nn.Parameter(torch.zeros(()))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.energy(check_input("y", y, self.energy))

    def log_prob(self, y: torch.Tensor) -> torch.Tensor:
        """``−E(y) − c``: the model's log-density once NCE has fitted ``c``.  Lecture 4 §7."""
        return -self(y) - self.log_z
