r"""Diagnostics for samplers and energy-based models.

* :func:`energy_distance` -- how far samples are from exact draws of a known density
  (Székely & Rizzo 2013):

  .. math::

      D^2(P, Q) = 2\,\mathbb{E}\|X - Y\| - \mathbb{E}\|X - X'\| - \mathbb{E}\|Y - Y'\|,
      \qquad X, X' \sim P,\ Y, Y' \sim Q,

  zero if and only if ``P = Q``.  By default the means run over *all* pairs (the
  V-statistic): it is the energy distance between the two empirical distributions, never
  negative, and for two samples of the same law its mean is the small positive "null level"
  ``E||X − X'|| (1/n + 1/m)``.  ``unbiased=True`` leaves out the ``i = j``
  pairs inside each sample (U-statistics): an unbiased estimate of ``D²``, which is why it
  can come out slightly *negative* when the laws agree.

* :func:`effective_sample_size` and :func:`r_hat` -- the multi-chain diagnostics of Gelman et
  al. (*Bayesian Data Analysis*, 3rd ed., §11.4–11.5) as used by Stan.  Each of the ``M``
  chains of length ``T`` is split in half (``2M`` chains of ``n = T // 2`` draws), so a chain
  that is still drifting disagrees with itself.  With ``W`` the mean within-chain variance and
  ``B / n`` the variance of the chain means,

  .. math::

      \widehat{\mathrm{var}}^+ = \frac{n-1}{n} W + \frac{B}{n}, \qquad
      \hat R = \sqrt{\widehat{\mathrm{var}}^+ / W}, \qquad
      \hat\rho_t = 1 - \frac{W - \overline{\gamma_t}}{\widehat{\mathrm{var}}^+}, \qquad
      \mathrm{ESS} = \frac{2 M n}{1 + 2 \sum_{t \ge 1} \hat\rho_t},

  (``γ_t`` the autocovariance at lag t averaged over the chains; the sum is truncated by
  Geyer's initial positive and monotone sequences of pairs ``ρ_{2k} + ρ_{2k+1}``).  Chains that
  sit in different places make ``B`` large: ``R̂`` rises above 1 and the ESS falls, even when
  every chain on its own looks well mixed.  Rule of thumb: trust a run when ``R̂ < 1.01``.

* :func:`auroc` -- area under the ROC curve of a score separating two groups, e.g. in- vs
  out-of-distribution inputs scored by their negative energy:

  .. math::

      \mathrm{AUROC} = P(s^+ > s^-) + \tfrac12 P(s^+ = s^-).
"""
from __future__ import annotations

import math

import torch

from ._checks import check_tensor, describe

__all__ = ["energy_distance", "effective_sample_size", "r_hat", "auroc"]


def _mean_pairwise_distance(a: torch.Tensor, b: torch.Tensor, *, same: bool, unbiased: bool) -> torch.Tensor:
    d = torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")   # (n, m), exact
    if not (same and unbiased):
        return d.mean()
    n = a.shape[0]
    return d.sum() / (n * (n - 1))                               # leave out the zero diagonal


def energy_distance(x: torch.Tensor, y: torch.Tensor, *, unbiased: bool = False) -> torch.Tensor:
    """Squared energy distance between samples ``x`` (n, d) and ``y`` (m, d); a 0-dim tensor.
    The V-statistic (>= 0) by default, the unbiased U-statistic with ``unbiased=True``.
    Lecture 12 §1."""
    check_tensor("x", x, ndim=2)
    check_tensor("y", y, ndim=2, last_dim=x.shape[1])
    if x.shape[0] < 2 or y.shape[0] < 2:
        name, small = ("x", x) if x.shape[0] < 2 else ("y", y)
        raise ValueError(f"{name}: expected at least 2 points, got {describe(small)}")
    y = y.to(x.dtype)
    return (2 * _mean_pairwise_distance(x, y, same=False, unbiased=unbiased)
            - _mean_pairwise_distance(x, x, same=True, unbiased=unbiased)
            - _mean_pairwise_distance(y, y, same=True, unbiased=unbiased))


def _split_chains(chain: torch.Tensor, name: str = "chain") -> torch.Tensor:
    """(T, M) or (T, M, D) -> (n, 2M, D) in float64: each chain cut into its two halves."""
    check_tensor(name, chain, ndim=(2, 3))
    if chain.shape[0] < 4:
        raise ValueError(f"{name}: expected at least 4 time steps, got {describe(chain)}")
    chain = chain.to(torch.float64)
    chain = chain.unsqueeze(-1) if chain.dim() == 2 else chain
    n = chain.shape[0] // 2
    return torch.cat([chain[:n], chain[-n:]], dim=1)             # (n, 2M, D)


def _variances(chains: torch.Tensor):
    """W (mean within-chain variance) and var+ for split chains (n, C, D); each (D,)."""
    n, C, _ = chains.shape
    within = chains.var(dim=0).mean(dim=0)                       # W, (D,)
    between = chains.mean(dim=0).var(dim=0) if C > 1 else torch.zeros_like(within)   # B / n
    return within, (n - 1) / n * within + between


def _autocovariance(chains: torch.Tensor) -> torch.Tensor:
    """Biased autocovariance at lags 0..n-1 of each chain, averaged over the chains: (n, D)."""
    n = chains.shape[0]
    centred = chains - chains.mean(dim=0, keepdim=True)
    f = torch.fft.rfft(centred, n=2 * n, dim=0)                  # zero padding: no wrap-around
    return (torch.fft.irfft(f * f.conj(), n=2 * n, dim=0)[:n] / n).mean(dim=1)


def effective_sample_size(chain: torch.Tensor) -> torch.Tensor:
    """Multi-chain (split) ESS of ``chain`` (T, M) or (T, M, D): T steps, M chains, D coordinates
    (see the module docstring).  Returns one ESS per coordinate, shape () or (D,), at most
    about ``M T`` for independent draws.  Chains stuck in different places give a small ESS.
    Lecture 12 §1."""
    chains = _split_chains(chain)                                # (n, C, D)
    squeeze = chain.dim() == 2
    n, C, _ = chains.shape
    within, var_plus = _variances(chains)
    rho = 1 - (within - _autocovariance(chains)) / var_plus.clamp_min(torch.finfo(torch.float64).tiny)
    rho[0] = 1.0
    pairs = rho[: 2 * (n // 2)].reshape(n // 2, 2, -1).sum(dim=1)   # (K, D): rho_2k + rho_2k+1
    positive = torch.cumprod((pairs > 0).to(rho.dtype), dim=0)      # Geyer: stop at the first pair <= 0
    monotone = torch.cummin(pairs, dim=0).values                     # ... and never let a pair grow
    tau = -1.0 + 2.0 * (monotone * positive).sum(dim=0)              # 1 + 2 sum_{t>=1} rho_t
    ess = (C * n / tau.clamp_min(1.0 / math.log10(C * n))).to(chain.dtype)
    return ess[0] if squeeze else ess


def r_hat(chain: torch.Tensor) -> torch.Tensor:
    """Split ``R̂ = sqrt(var+ / W)`` of ``chain`` (T, M) or (T, M, D) (see the module docstring):
    1 when all (half-)chains agree, above 1 when they sit in different places or still drift.
    Shape () or (D,).  Lecture 12 §1."""
    within, var_plus = _variances(_split_chains(chain))
    squeeze = chain.dim() == 2
    value = (var_plus / within.clamp_min(torch.finfo(torch.float64).tiny)).sqrt().to(chain.dtype)
    return value[0] if squeeze else value


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
