r"""Mixture density networks (Bishop, 1994) -- Lecture 2, homework 1.

A network maps an input ``x`` to the parameters of a Gaussian mixture over the
answer ``y`` (``D`` dimensions, ``K`` components):

.. math::

    p(y \mid x) = \sum_{k=1}^{K} \alpha_k(x)\,
                  \prod_{d=1}^{D} \mathcal{N}\big(y_d;\ \mu_{kd}(x),\ \sigma_{kd}(x)^2\big)

The three heads read the raw network output ``z``:

* mixing coefficients: ``alpha = softmax(z_alpha)`` (positive, sum to one);
* widths: ``sigma = exp(z_sigma) + sigma_min`` (positive, never below the floor);
* centres: ``mu = z_mu`` (identity).

In energy language the MDN's energy is ``E(y, x) = -log p(y | x)`` (called as
``mdn.energy(y, x)``, the answer first, like every energy of the library); it is already
normalised, so learning is plain maximum likelihood (the NLL below), and inference means
finding the **modes** of ``p(y | x)`` -- the most likely answers -- rather than its mean,
which can sit between branches where no data lives.

Everything is computed in log space: ``log alpha`` by ``log_softmax``,
``log sigma`` by ``logaddexp``, and the mixture by ``logsumexp``.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from .._checks import (
    check_generator,
    check_like,
    check_positive_float,
    check_positive_int,
    check_tensor,
    describe,
)
from .mlp import check_widths, mlp

__all__ = [
    "MixtureParams",
    "mdn_heads",
    "mixture_log_prob",
    "mdn_nll",
    "sample_mixture",
    "mixture_mean",
    "mixture_modes",
    "Modes",
    "MixtureDensityNetwork",
]

LOG_2PI = math.log(2 * math.pi)


class MixtureParams(NamedTuple):
    """Parameters of a batch of diagonal Gaussian mixtures (Lecture 2 §1, homework 1).

    Shapes: ``log_alpha`` (B, K), ``mu`` (B, K, D), ``log_sigma`` (B, K, D).
    """

    log_alpha: torch.Tensor
    mu: torch.Tensor
    log_sigma: torch.Tensor

    @property
    def alpha(self) -> torch.Tensor:
        """Mixing coefficients, (B, K)."""
        return self.log_alpha.exp()

    @property
    def sigma(self) -> torch.Tensor:
        """Component widths, (B, K, D)."""
        return self.log_sigma.exp()

    def select(self, rows) -> "MixtureParams":
        """The mixtures for a subset of the batch (an index, slice or mask)."""
        n = self.log_alpha.shape[0]
        if isinstance(rows, bool) or not isinstance(rows, (int, slice, torch.Tensor)) or (
                isinstance(rows, torch.Tensor) and (rows.is_floating_point() or rows.is_complex() or rows.dim() != 1)):
            raise TypeError(f"rows: expected an int, a slice, or a 1-D integer or boolean tensor, got {describe(rows)}")
        if isinstance(rows, int):
            if not -n <= rows < n:
                raise ValueError(f"rows: expected an index in [-{n}, {n - 1}], got {rows}")
            rows = slice(rows, rows + 1) if rows != -1 else slice(rows, None)
        return MixtureParams(self.log_alpha[rows], self.mu[rows], self.log_sigma[rows])


def check_params(name: str, params) -> MixtureParams:
    """Check that ``params`` is a consistent :class:`MixtureParams`.  Library only (argument checks)."""
    if not isinstance(params, MixtureParams):
        raise TypeError(f"{name}: expected MixtureParams, got {describe(params)}")
    log_alpha, mu, log_sigma = params
    check_tensor(f"{name}.log_alpha", log_alpha, ndim=2)
    check_tensor(f"{name}.mu", mu, ndim=3)
    check_tensor(f"{name}.log_sigma", log_sigma, ndim=3)
    if mu.shape[:2] != log_alpha.shape or log_sigma.shape != mu.shape:
        raise ValueError(
            f"{name}: expected log_alpha (B, K), mu and log_sigma (B, K, D); got "
            f"{tuple(log_alpha.shape)}, {tuple(mu.shape)}, {tuple(log_sigma.shape)}"
        )
    for field, value in (("mu", mu), ("log_sigma", log_sigma)):
        check_like(f"{name}.{field}", value, log_alpha, f"{name}.log_alpha")
    total = torch.logsumexp(log_alpha.detach(), -1)                   # 0 when the weights sum to 1 (NaN passes)
    if (total.abs() > 1e-3 * max(1, log_alpha.shape[-1])).any():
        raise ValueError(f"{name}.log_alpha: expected log mixing weights (logsumexp over components = 0), got "
                         f"logsumexp up to {float(total.abs().max()):.3g}; normalise with log_softmax")
    return params


def mdn_heads(raw: torch.Tensor, n_components: int, out_features: int, sigma_min: float = 1e-3) -> MixtureParams:
    """Split a raw network output into mixture parameters (Lecture 2 §1, homework 1).

    ``raw`` has shape (B, K + 2 K D), laid out as [alpha logits | mu | sigma logits]:

    * ``log alpha = log_softmax(z_alpha)``
    * ``mu = z_mu``
    * ``log sigma = log(exp(z_sigma) + sigma_min) = logaddexp(z_sigma, log sigma_min)``
    """
    K = check_positive_int("n_components", n_components)
    D = check_positive_int("out_features", out_features)
    sigma_min = check_positive_float("sigma_min", sigma_min)
    check_tensor("raw", raw, ndim=2, last_dim=K + 2 * K * D)
    B = raw.shape[0]
    z_alpha, z_mu, z_sigma = raw.split([K, K * D, K * D], dim=-1)
    log_alpha = torch.log_softmax(z_alpha, dim=-1)
    mu = z_mu.reshape(B, K, D)
    floor = torch.full_like(z_sigma, math.log(sigma_min))
    log_sigma = torch.logaddexp(z_sigma, floor).reshape(B, K, D)
    return MixtureParams(log_alpha, mu, log_sigma)


def component_log_prob(params: MixtureParams, y: torch.Tensor) -> torch.Tensor:
    """``log alpha_k + log N(y; mu_k, diag sigma_k^2)`` for every component (Lecture 2 §2).

    ``y`` has shape (B, D) or (S, B, D) (S points per mixture); the result has
    shape (B, K) or (S, B, K).
    """
    log_alpha, mu, log_sigma = params
    z = (y.unsqueeze(-2) - mu) / log_sigma.exp()                      # (..., B, K, D)
    log_normal = -0.5 * z.pow(2) - log_sigma - 0.5 * LOG_2PI           # (..., B, K, D)
    return log_alpha + log_normal.sum(-1)                              # (..., B, K)


def _check_targets(params: MixtureParams, y: torch.Tensor) -> None:
    B, _, D = params.mu.shape
    check_like("y", check_tensor("y", y, ndim=(2, 3), last_dim=D), params.mu, "params.mu")
    if y.shape[-2] != B:
        raise ValueError(f"y: expected batch size {B} (from params) in dimension -2, got {describe(y)}")


def mixture_log_prob(params: MixtureParams, y: torch.Tensor) -> torch.Tensor:
    """``log p(y | x) = logsumexp_k [log alpha_k + log N(y; mu_k, sigma_k)]`` (Lecture 2 §2).

    ``y``: (B, D) or (S, B, D); returns (B,) or (S, B).
    """
    check_params("params", params)
    _check_targets(params, y)
    return torch.logsumexp(component_log_prob(params, y), dim=-1)


def mdn_nll(params: MixtureParams, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Negative log-likelihood ``-log p(y | x)``, computed in log space (Lecture 2 §2, homework 1).

    The naive ``-log sum_k alpha_k N(...)`` underflows to ``-log 0 = inf`` as
    soon as ``y`` is a few dozen widths from every centre (or in high ``D``);
    ``logsumexp`` keeps it finite.  ``reduction``: ``'mean'``, ``'sum'`` or ``'none'``.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction: expected 'mean', 'sum' or 'none', got {reduction!r}")
    nll = -mixture_log_prob(params, y)
    if reduction == "mean":
        return nll.mean()
    if reduction == "sum":
        return nll.sum()
    return nll


def sample_mixture(params: MixtureParams, n_samples: int = 1, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw ``n_samples`` answers per input: pick ``k ~ alpha``, then ``y = mu_k + sigma_k * eps``
    (Lecture 2 §3, homework 1).

    Returns shape (n_samples, B, D).
    """
    check_params("params", params)
    n = check_positive_int("n_samples", n_samples)
    check_generator("generator", generator, like=params.mu)
    if bool(params.log_alpha.isnan().any()):
        raise ValueError("params.log_alpha: expected no NaN (a component index cannot be drawn from NaN weights)")
    log_alpha, mu, log_sigma = params
    B, K, D = mu.shape
    k = torch.multinomial(log_alpha.exp(), n, replacement=True, generator=generator).T      # (n, B)
    rows = torch.arange(B, device=mu.device).expand(n, B)
    eps = torch.randn(n, B, D, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu[rows, k] + log_sigma[rows, k].exp() * eps


def mixture_mean(params: MixtureParams) -> torch.Tensor:
    """``E[y | x] = sum_k alpha_k mu_k`` -- what a least-squares network predicts. (B, D)  Lecture 2 §3."""
    check_params("params", params)
    return (params.alpha.unsqueeze(-1) * params.mu).sum(-2)


class Modes(NamedTuple):
    """Distinct modes of each mixture, most probable first (Lecture 2 §3).

    ``location`` (B, K, D), ``log_prob`` (B, K) and ``valid`` (B, K): row ``b``
    has ``valid[b].sum()`` distinct modes; invalid slots are duplicates (their
    ``log_prob`` is ``-inf``).
    """

    location: torch.Tensor
    log_prob: torch.Tensor
    valid: torch.Tensor

    def as_list(self) -> list[torch.Tensor]:
        """The valid modes of each mixture as a list of (M_b, D) tensors."""
        return [loc[ok] for loc, ok in zip(self.location, self.valid)]


def mixture_modes(params: MixtureParams, *, n_steps: int = 200, tol: float = 1e-7,
                  merge_radius: float | None = None) -> Modes:
    """Find the modes of ``p(y | x)`` numerically and merge duplicates (Lecture 2 §3, homework 1).

    Starting from every centre ``mu_k``, iterate the Gaussian-mixture mean-shift
    fixed point (Carreira-Perpinan, 2000), which never decreases ``p(y | x)``:

    .. math::

        y \\leftarrow \\frac{\\sum_k r_k(y)\\, \\mu_k / \\sigma_k^2}{\\sum_k r_k(y) / \\sigma_k^2},
        \\qquad r_k(y) = \\frac{\\alpha_k \\mathcal{N}(y; \\mu_k, \\sigma_k)}{p(y \\mid x)}

    (per output dimension, for diagonal components).  Starts that converge to
    the same point (closer than ``merge_radius``, by default a tenth of the
    smallest width) are merged, keeping one.  Modes come out sorted by
    ``log p(y | x)``, highest first.
    """
    check_params("params", params)
    check_positive_int("n_steps", n_steps)
    check_positive_float("tol", tol)
    log_alpha, mu, log_sigma = params
    B, K, D = mu.shape
    precision = torch.exp(-2 * log_sigma)                               # (B, K, D)
    y = mu.detach().permute(1, 0, 2).clone()                            # (S=K starts, B, D)
    with torch.no_grad():
        for _ in range(n_steps):
            r = torch.softmax(component_log_prob(params, y), dim=-1)     # (S, B, K)
            weight = r.unsqueeze(-1) * precision                        # (S, B, K, D)
            y_new = (weight * mu).sum(-2) / weight.sum(-2)
            shift = (y_new - y).abs().max()
            y = y_new
            if shift < tol:
                break
        log_p = torch.logsumexp(component_log_prob(params, y), dim=-1)  # (S, B)
    location, log_p = y.permute(1, 0, 2), log_p.T                       # (B, K, D), (B, K)
    order = log_p.argsort(dim=-1, descending=True)
    location = location.gather(1, order.unsqueeze(-1).expand(B, K, D))
    log_p = log_p.gather(1, order)
    radius = merge_radius if merge_radius is not None else 0.1 * log_sigma.exp().amin(dim=(1, 2), keepdim=True)
    radius = torch.as_tensor(radius, dtype=mu.dtype, device=mu.device).reshape(-1, 1, 1)
    distance = torch.cdist(location, location)                          # (B, K, K)
    earlier = torch.ones(K, K, dtype=torch.bool, device=mu.device).tril(-1)
    duplicate = ((distance < radius) & earlier).any(-1)                 # close to a better start
    log_p = log_p.masked_fill(duplicate, float("-inf"))
    return Modes(location, log_p, ~duplicate)


class MixtureDensityNetwork(nn.Module):
    """An MLP whose output parameterises a Gaussian mixture over ``y`` given ``x``.  Lecture 2 §1–5.

    Every method that scores an answer takes it first and the input second, like an energy:
    ``nll(y, x)``, ``log_prob(y, x)``, ``energy(y, x)``, ``density_grid(y_grid, x)``.

    >>> mdn = MixtureDensityNetwork(in_features=1, out_features=1, n_components=3)
    >>> params = mdn(torch.zeros(5, 1))       # MixtureParams with K=3 components
    >>> loss = mdn.nll(torch.ones(5, 1), torch.zeros(5, 1))      # -log p(y=1 | x=0), mean
    """

    def __init__(self, in_features: int, out_features: int, n_components: int,
                 hidden: tuple[int, ...] = (64, 64), sigma_min: float = 1e-3,
                 activation: type[nn.Module] = nn.Tanh):
        super().__init__()
        self.in_features = check_positive_int("in_features", in_features)
        self.out_features = check_positive_int("out_features", out_features)
        self.n_components = check_positive_int("n_components", n_components)
        self.sigma_min = check_positive_float("sigma_min", sigma_min)
        n_raw = n_components + 2 * n_components * out_features       # [alpha logits | mu | sigma logits]
        self.net = mlp(in_features, check_widths("hidden", hidden), n_raw, activation=activation)

    def forward(self, x: torch.Tensor) -> MixtureParams:
        check_like("x", check_tensor("x", x, ndim=2, last_dim=self.in_features), next(self.parameters()),
                   "the model's parameters")
        return mdn_heads(self.net(x), self.n_components, self.out_features, self.sigma_min)

    def nll(self, y: torch.Tensor, x: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        """``-log p(y | x)``: the training loss.  Lecture 2 §3."""
        return mdn_nll(self(x), y, reduction)

    def log_prob(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``log p(y | x)`` for y of shape (B, D) or (S, B, D).  Lecture 2 §3."""
        return mixture_log_prob(self(x), y)

    def energy(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``E(y, x) = -log p(y | x)`` (an already-normalised energy).  Lecture 2 §1."""
        return -self.log_prob(y, x)

    @torch.no_grad()
    def sample(self, x: torch.Tensor, n_samples: int = 1, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draws from ``p(y | x)``: shape (n_samples, B, D).  Lecture 2 §3."""
        return sample_mixture(self(x), n_samples, generator=generator)

    @torch.no_grad()
    def modes(self, x: torch.Tensor, **kwargs) -> Modes:
        """The distinct modes of ``p(y | x)``, most probable first (see :func:`mixture_modes`).  Lecture 2 §3–4."""
        params = self(x)
        if x.shape[0] == 0:
            raise ValueError(f"x: expected at least one row to find modes for, got {describe(x)}")
        return mixture_modes(params, **kwargs)

    @torch.no_grad()
    def density_grid(self, y_grid: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``p(y | x)`` for every grid point ``y`` (G, D) and every ``x`` (B, in): shape (G, B).

        Used for heat maps of the conditional density.  Lecture 2 §3–4.
        """
        params = self(x)
        check_like("y_grid", check_tensor("y_grid", y_grid, ndim=2, last_dim=self.out_features), params.mu,
                   "the model's parameters")
        y = y_grid.unsqueeze(1).expand(-1, x.shape[0], -1)                # (G, B, D)
        return mixture_log_prob(params, y).exp()
