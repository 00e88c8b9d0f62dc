r"""Annealed importance sampling (Neal, 2001), the model-independent parts.

AIS estimates ``Z_B`` of a hard model from a base model with known ``Z_A``
through intermediate distributions ``p_k ∝ p_A^{1-beta_k} p_B^{beta_k}``,
``0 = beta_0 < ... < beta_K = 1``. One run draws ``x_0 ~ p_A`` and then moves
with a Markov step that leaves ``p_k`` invariant, accumulating

.. math::

    \log w = \sum_{k=1}^{K} \big[\log p^*_k(x_{k-1}) - \log p^*_{k-1}(x_{k-1})\big],

and ``E[w] = Z_B / Z_A``. Many independent runs give ``log Z_B ≈ log Z_A +
log mean(w)``; the spread of ``w`` says how much to trust it. The model-specific
loop (for the RBM) lives in :mod:`energylab.models.rbm`.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch

from .._checks import check_positive_int, check_tensor

__all__ = ["AISResult", "beta_schedule", "summarize_ais"]


class AISResult(NamedTuple):
    """An AIS estimate of ``log Z``.

    ``log_z`` is ``log Z_A + log mean(w)``; ``log_z_low``/``log_z_high`` are
    ``log(mean(w) -/+ 3 std(w)/sqrt(M))`` (the band of Salakhutdinov & Murray, 2008;
    the lower end is ``-inf`` when the band reaches zero); ``log_weights`` are the
    M per-run ``log w``.
    """

    log_z: float
    log_z_low: float
    log_z_high: float
    log_weights: torch.Tensor


def beta_schedule(n_betas: int, *, dtype=torch.float64, device=None) -> torch.Tensor:
    """Inverse temperatures from 0 to 1, shape (n_betas + 1,), denser near 1.

    Salakhutdinov & Murray (2008) use 500 steps on [0, 0.5], 4000 on [0.5, 0.9]
    and 10000 on [0.9, 1]; we keep those proportions for any ``n_betas`` >= 3.
    """
    check_positive_int("n_betas", n_betas, minimum=3)
    n1 = max(1, round(n_betas * 500 / 14500))
    n2 = max(1, round(n_betas * 4000 / 14500))
    n3 = n_betas - n1 - n2
    pieces = [
        torch.linspace(0.0, 0.5, n1 + 1, dtype=dtype, device=device)[:-1],
        torch.linspace(0.5, 0.9, n2 + 1, dtype=dtype, device=device)[:-1],
        torch.linspace(0.9, 1.0, n3 + 1, dtype=dtype, device=device),
    ]
    return torch.cat(pieces)


def summarize_ais(log_weights: torch.Tensor, log_z_base: float) -> AISResult:
    """Turn per-run ``log w`` (M,) into the estimate and its 3-sigma band (log space)."""
    check_tensor("log_weights", log_weights, ndim=1)
    m = log_weights.shape[0]
    shift = log_weights.max()
    w = (log_weights - shift).exp()  # rescaled weights, max = 1
    mean = w.mean()
    half_band = 3 * w.std(correction=1) / math.sqrt(m) if m > 1 else torch.zeros_like(mean)
    base = float(log_z_base) + shift.item()
    low = mean - half_band
    return AISResult(
        log_z=base + mean.log().item(),
        log_z_low=base + low.log().item() if low > 0 else -math.inf,
        log_z_high=base + (mean + half_band).log().item(),
        log_weights=log_weights,
    )
