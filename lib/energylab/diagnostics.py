r"""Diagnostics for samplers and energy-based models.

* :func:`energy_distance` -- how far samples are from exact draws of a known density
  (Székely & Rizzo 2013):

  .. math::

      D^2(P, Q) = 2\,\mathbb{E}\|X - Y\| - \mathbb{E}\|X - X'\| - \mathbb{E}\|Y - Y'\|,
      \qquad X, X' \sim P,\ Y, Y' \sim Q,

  zero if and only if ``P = Q``.  The within-sample means leave out the ``i = j`` pairs
  (unbiased U-statistics), so two samples of the same law give values near zero (either sign).

* :func:`effective_sample_size` -- how many independent draws a correlated chain is worth:

  .. math::

      \mathrm{ESS} = \frac{M\,T}{1 + 2 \sum_{t \ge 1} \hat\rho_t},

  for ``M`` chains of length ``T``, with the autocorrelations :math:`\hat\rho_t` pooled over the
  chains and the sum truncated by Geyer's initial positive sequence (pairs
  :math:`\hat\rho_{2k} + \hat\rho_{2k+1}` summed while positive).

* :func:`auroc` -- area under the ROC curve of a score separating two groups, e.g. in- vs
  out-of-distribution inputs scored by their negative energy:

  .. math::

      \mathrm{AUROC} = P(s^+ > s^-) + \tfrac12 P(s^+ = s^-).
"""
from __future__ import annotations

import torch

from ._checks import check_tensor, describe

__all__ = ["energy_distance", "effective_sample_size", "auroc"]


def _mean_pairwise_distance(a: torch.Tensor, b: torch.Tensor, *, same: bool) -> torch.Tensor:
    d = torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")   # (n, m), exact
    if not same:
        return d.mean()
    n = a.shape[0]
    return d.sum() / (n * (n - 1))                               # diagonal is zero


def energy_distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared energy distance between samples ``x`` (n, d) and ``y`` (m, d); a 0-dim tensor.
    Lecture 12 §1."""
    check_tensor("x", x, ndim=2)
    check_tensor("y", y, ndim=2, last_dim=x.shape[1])
    if x.shape[0] < 2 or y.shape[0] < 2:
        name, small = ("x", x) if x.shape[0] < 2 else ("y", y)
        raise ValueError(f"{name}: expected at least 2 points, got {describe(small)}")
    y = y.to(x.dtype)
    return (2 * _mean_pairwise_distance(x, y, same=False)
            - _mean_pairwise_distance(x, x, same=True) - _mean_pairwise_distance(y, y, same=True))


def _autocorrelation(chain: torch.Tensor) -> torch.Tensor:
    """Autocorrelation at lags 0..T-1 pooled over chains; chain (T, M, D) -> (T, D)."""
    T = chain.shape[0]
    centred = chain - chain.mean(dim=0, keepdim=True)
    n_fft = 2 * T                                                # zero padding: no wrap-around
    f = torch.fft.rfft(centred, n=n_fft, dim=0)
    acov = torch.fft.irfft(f * f.conj(), n=n_fft, dim=0)[:T] / T  # (T, M, D) biased autocovariance
    acov = acov.mean(dim=1)                                       # pooled over chains
    return acov / acov[:1].clamp_min(torch.finfo(chain.dtype).tiny)


def effective_sample_size(chain: torch.Tensor) -> torch.Tensor:
    """ESS of a chain of shape (T, M) or (T, M, D): T steps, M chains, D coordinates.  Lecture 12 §1.

    Returns one ESS per coordinate, shape () or (D,).  Each chain is centred at its own
    mean, so chains stuck in different modes are not penalised -- look at the chains too.
    """
    check_tensor("chain", chain, ndim=(2, 3))
    if chain.shape[0] < 4:
        raise ValueError(f"chain: expected at least 4 time steps, got {describe(chain)}")
    squeeze = chain.dim() == 2
    chain = chain.unsqueeze(-1) if squeeze else chain
    T, M, _ = chain.shape
    rho = _autocorrelation(chain.to(torch.float64))              # (T, D)
    n_pairs = T // 2
    pairs = rho[: 2 * n_pairs].reshape(n_pairs, 2, -1).sum(dim=1)   # (n_pairs, D): rho_2k + rho_2k+1
    positive = torch.cumprod((pairs > 0).to(rho.dtype), dim=0)      # 1 until the first non-positive pair
    tau = -1.0 + 2.0 * (pairs * positive).sum(dim=0)                # 1 + 2 sum_{t>=1} rho_t
    ess = (M * T) / tau.clamp_min(1.0 / T)
    ess = ess.to(chain.dtype)
    return ess[0] if squeeze else ess


def auroc(positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """P(score of a random ``positive`` > score of a random ``negative``), ties count one half.
    Lecture 12 §3, homework 5.

    Both are 1-D tensors of scores; returns a 0-dim tensor in [0, 1].
    """
    check_tensor("positive", positive, ndim=1)
    check_tensor("negative", negative, ndim=1)
    if positive.numel() == 0 or negative.numel() == 0:
        name, empty = ("positive", positive) if positive.numel() == 0 else ("negative", negative)
        raise ValueError(f"{name}: expected at least one score, got {describe(empty)}")
    for name, scores in (("positive", positive), ("negative", negative)):
        if bool(scores.isnan().any()):
            raise ValueError(f"{name}: expected no NaN scores (AUROC ranks them; a NaN would be lost)")
    neg_sorted = negative.to(positive.dtype).sort().values
    below = torch.searchsorted(neg_sorted, positive, right=False)        # negatives < s
    below_or_equal = torch.searchsorted(neg_sorted, positive, right=True)  # negatives <= s
    wins = below.to(torch.float64) + 0.5 * (below_or_equal - below).to(torch.float64)
    return (wins.sum() / (positive.numel() * negative.numel())).to(positive.dtype)
