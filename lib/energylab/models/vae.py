r"""Variational autoencoders (lecture 11 §2–§4, homework 6).

A latent-variable model ``p_θ(x, z) = p(z) p_θ(x | z)`` with ``p(z) = N(0, I)`` is an
energy-based model with the **energy** (lecture 11 §2)

.. math::

    E_θ(x, z) = -\log p_θ(x \mid z) - \log p(z), \qquad
    F_θ(x) = -\log \int e^{-E_θ(x, z)}\,dz = -\log p_θ(x)

(β = 1; ``F`` is the free energy of ``x`` with ``z`` marginalised).  The integral is
intractable for a neural decoder, so a Gaussian **encoder**
``q_φ(z | x) = N(μ_φ(x), diag σ²_φ(x))`` stands in for the posterior and gives the
evidence lower bound (ELBO) -- note the **minus** sign:

.. math::

    \log p_θ(x) \;\ge\; \mathrm{ELBO}(x)
        = \mathbb E_{q}\big[\log p_θ(x \mid z)\big] - \mathrm{KL}\big(q_φ(z \mid x)\,\|\,p(z)\big)
        = \log p_θ(x) - \mathrm{KL}\big(q_φ(z \mid x)\,\|\,p_θ(z \mid x)\big).

``-ELBO`` is the **variational free energy** ``E_q[E_θ(x, z)] - H[q] ≥ F_θ(x)``; the gap is
the KL from ``q`` to the exact posterior.  The expectation is estimated with
**reparameterised** draws ``z = μ + σ ⊙ ε``, ``ε ~ N(0, I)``, so that gradients reach μ and σ.
The importance-weighted bound (IWAE, Burda et al. 2016) tightens it with K draws:

.. math::

    \mathcal L_K(x) = \mathbb E\Big[\log \frac1K \sum_{k=1}^K
        \frac{p_θ(x, z_k)}{q_φ(z_k \mid x)}\Big],\qquad
    \mathcal L_1 = \mathrm{ELBO} \le \mathcal L_K \le \mathcal L_{K+1} \to \log p_θ(x).

**Offers**: energy ``E(x, z)`` (:meth:`VAE.energy`), a bound on the free energy
(:meth:`VAE.variational_free_energy`), approximate inference ``q(z | x)`` (the encoder),
learning by maximising the ELBO (:func:`train_vae`), sampling and latent traversals.

Shapes: ``x`` (N, x_dim); latents (N, latent_dim), or (K, N, latent_dim) for K draws per row.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .._checks import (check_bool, check_generator, check_input, check_like, check_positive_float, check_positive_int,
                       check_same_shape, check_tensor, describe)
from ..train import History, fit
from .mlp import mlp                         # the library's one MLP builder (Linear + SiLU)

__all__ = [
    "GaussianParams",
    "GaussianEncoder",
    "BernoulliDecoder",
    "GaussianDecoder",
    "VAE",
    "reparameterize",
    "sample_latent",
    "gaussian_kl",
    "log_normal",
    "elbo",
    "iwae_bound",
    "train_vae",
    "latent_traversal",
    "latent_grid",
]

_LOG_2PI = math.log(2 * math.pi)


class GaussianParams(NamedTuple):
    """A diagonal Gaussian ``N(mean, diag exp(log_var))``; both (..., D).  Lecture 11 §2."""

    mean: torch.Tensor
    log_var: torch.Tensor


# --------------------------------------------------------------------------- the Gaussian pieces
def _check_gaussian(q) -> GaussianParams:
    if not isinstance(q, tuple) or len(q) != 2:
        raise TypeError(f"q: expected a (mean, log_var) pair of tensors, got {describe(q)}")
    mean, log_var = q
    check_tensor("q.mean", mean)
    check_tensor("q.log_var", log_var)
    if mean.shape != log_var.shape:
        raise ValueError(f"q.log_var: expected the shape of q.mean {tuple(mean.shape)}, got {describe(log_var)}")
    return GaussianParams(mean, log_var)


def reparameterize(mean: torch.Tensor, log_var: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    r"""``z = μ + σ ⊙ ε`` with ``σ = exp(log_var / 2)`` (lecture 11 §3).

    ``noise`` is ε ~ N(0, I), broadcast against ``mean`` (e.g. (K, N, D) against (N, D)).
    The draw is a differentiable function of μ and log σ², so ``∇_μ E_q[f(z)]`` is
    estimated by ``∇_μ f(z)`` -- the reparameterisation trick.  Lecture 11 §3.
    """
    check_tensor("mean", mean)
    check_same_shape("log_var", log_var, mean, "mean")
    check_like("noise", check_tensor("noise", noise), mean, "mean")
    if noise.shape[max(0, noise.dim() - mean.dim()):] != mean.shape:
        raise ValueError(f"noise: expected shape (..., {', '.join(map(str, mean.shape))}) to broadcast against mean, "
                         f"got {describe(noise)}")
    return mean + torch.exp(0.5 * log_var) * noise


def sample_latent(q, n_samples: int = 1, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """``n_samples`` reparameterised draws from ``q = (mean, log_var)`` (N, D): returns (K, N, D).

    The noise is drawn as ``torch.randn((K, N, D), generator=generator)`` on the device and
    dtype of the mean, so a seeded generator makes the draws (and their gradients) repeatable.
    Lecture 11 §3, homework 6 Part 1.
    """
    mean, log_var = _check_gaussian(q)
    check_positive_int("n_samples", n_samples)
    check_generator("generator", generator, like=mean)
    noise = torch.randn((n_samples, *mean.shape), generator=generator, dtype=mean.dtype, device=mean.device)
    return reparameterize(mean, log_var, noise)


def gaussian_kl(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    r"""``KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_d (μ_d² + σ_d² − 1 − log σ_d²)``, one per row: (..., D) -> (...).

    Computed from ``log σ²`` directly (never ``log(exp(·))``), so it stays finite where
    σ² under- or overflows.  Lecture 11 §2, homework 6 Part 2.
    """
    check_tensor("mean", mean)
    check_same_shape("log_var", log_var, mean, "mean")
    return 0.5 * (mean.square() + torch.exp(log_var) - 1.0 - log_var).sum(-1)


def log_normal(z: torch.Tensor, mean: torch.Tensor | float = 0.0, log_var: torch.Tensor | float = 0.0) -> torch.Tensor:
    r"""``log N(z; μ, diag σ²) = −½ Σ_d [(z_d − μ_d)² / σ_d² + log σ_d² + log 2π]``: (..., D) -> (...).
    Lecture 11 §2."""
    check_tensor("z", z)
    log_var = torch.as_tensor(log_var, dtype=z.dtype, device=z.device)
    return -0.5 * ((z - mean).square() * torch.exp(-log_var) + log_var + _LOG_2PI).sum(-1)


# --------------------------------------------------------------------------- encoder and decoders
class GaussianEncoder(nn.Module):
    """``q_φ(z | x) = N(μ_φ(x), diag exp(log_var_φ(x)))``: one MLP with 2·latent_dim outputs.

    ``hidden=()`` makes it linear (``μ = W x + c``), which is exact for a linear-Gaussian model;
    ``generator`` draws the initial weights (see :func:`~energylab.models.mlp.mlp`).
    ``forward(x)`` (N, x_dim) -> :class:`GaussianParams` (each (N, latent_dim)).  Lecture 11 §1–§2, §5–§6.
    """

    def __init__(self, x_dim: int, latent_dim: int, hidden: Sequence[int] = (128,), *,
                 generator: torch.Generator | None = None):
        super().__init__()
        self.x_dim = check_positive_int("x_dim", x_dim)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.net = mlp(x_dim, hidden, 2 * latent_dim, generator=generator)

    def forward(self, x: torch.Tensor) -> GaussianParams:
        check_input("x", x, self, ndim=2, last_dim=self.x_dim)
        mean, log_var = self.net(x).chunk(2, dim=-1)
        return GaussianParams(mean, log_var)


class BernoulliDecoder(nn.Module):
    r"""``p_θ(x | z) = Π_i Bernoulli(x_i; sigmoid(ℓ_i(z)))`` for binary pixels; ``forward(z)`` -> logits ℓ.

    ``log p(x | z) = Σ_i [x_i ℓ_i − softplus(ℓ_i)]`` -- written with softplus, so it is exact
    for logits of any size (``log sigmoid(ℓ)`` would give ``log 0`` at ℓ = −1e4 in float32).
    Lecture 11 §1, §6; homework 6 Part 3.
    """

    def __init__(self, latent_dim: int, x_dim: int, hidden: Sequence[int] = (128,), *,
                 generator: torch.Generator | None = None):
        super().__init__()
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.x_dim = check_positive_int("x_dim", x_dim)
        self.net = mlp(latent_dim, hidden, x_dim, generator=generator)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_input("z", z, self, last_dim=self.latent_dim)
        return self.net(z)

    def log_prob(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``log p_θ(x | z)``: x (N, x_dim), z (..., N, latent_dim) -> (..., N).  Lecture 11 §1, §6."""
        check_input("x", x, self, ndim=2, last_dim=self.x_dim)
        logits = _rows_like(x, self(z))
        return (x * logits - F.softplus(logits)).sum(-1)

    def mean(self, z: torch.Tensor) -> torch.Tensor:
        """The pixel probabilities ``sigmoid(ℓ(z))``.  Lecture 11 §1, §6."""
        return torch.sigmoid(self(z))

    def sample(self, z: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Binary images drawn from ``p_θ(x | z)`` (a NaN probability gives a NaN pixel).  Lecture 11 §6
        (``VAE.sample(mean=False)``)."""
        p = self.mean(z)
        check_generator("generator", generator, like=p)
        return torch.bernoulli(p.nan_to_num(0.0), generator=generator) + p * 0     # + 0 (NaN where p is)


class GaussianDecoder(nn.Module):
    r"""``p_θ(x | z) = N(x; m_θ(z), diag σ²)`` for real-valued data; ``forward(z)`` -> the mean m.

    ``sigma``: a fixed noise std (a number), or None to learn one ``log σ`` per dimension
    (initialised at σ = 1).  ``hidden=()`` makes the mean linear, ``m = A z + b`` -- the
    linear-Gaussian model (probabilistic PCA) whose ``log p(x)`` is known exactly.  Lecture 11 §2, §5.
    """

    def __init__(self, latent_dim: int, x_dim: int, hidden: Sequence[int] = (128,), *,
                 sigma: float | None = None, generator: torch.Generator | None = None):
        super().__init__()
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.x_dim = check_positive_int("x_dim", x_dim)
        self.net = mlp(latent_dim, hidden, x_dim, generator=generator)
        # learned: one log σ per dimension; fixed: a Python float (exact in any dtype)
        self.log_sigma = nn.Parameter(torch.zeros(x_dim)) if sigma is None else math.log(
            check_positive_float("sigma", sigma))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_input("z", z, self, last_dim=self.latent_dim)
        return self.net(z)

    def log_prob(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``log p_θ(x | z)``: x (N, x_dim), z (..., N, latent_dim) -> (..., N).  Lecture 11 §2, §5."""
        check_input("x", x, self, ndim=2, last_dim=self.x_dim)
        return log_normal(x, _rows_like(x, self(z)), 2 * self.log_sigma)

    def mean(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder mean ``m_θ(z)``.  Lecture 11 §5."""
        return self(z)

    def sample(self, z: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """``m_θ(z) + σ ε``.  Lecture 11 §5 (``VAE.sample(mean=False)``)."""
        m = self(z)
        check_generator("generator", generator, like=m)
        sigma = torch.exp(torch.as_tensor(self.log_sigma, dtype=m.dtype, device=m.device))
        return m + sigma * torch.randn(m.shape, generator=generator, dtype=m.dtype, device=m.device)


# --------------------------------------------------------------------------- the bounds
def _rows_like(x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The decoder output ``out`` (..., N, x_dim) for the N rows of ``x``, or a clear error."""
    if out.dim() < 2 or out.shape[-2] != x.shape[0]:
        raise ValueError(f"x: expected {out.shape[-2] if out.dim() >= 2 else 1} rows like z, got {describe(x)}")
    return out


def _check_vae_part(name: str, module) -> None:
    if not isinstance(module, nn.Module) or not isinstance(getattr(module, "latent_dim", None), int):
        raise TypeError(f"{name}: expected a module with an int latent_dim (GaussianEncoder, BernoulliDecoder, "
                        f"GaussianDecoder), got {describe(module)}")


def _check_vae(vae) -> "VAE":
    if not isinstance(vae, VAE):
        raise TypeError(f"vae: expected an energylab.models.VAE, got {describe(vae)}")
    return vae


def _check_decoder(decoder):
    if not callable(getattr(decoder, "log_prob", None)):
        raise TypeError(f"decoder: expected a module with log_prob(x, z), got {describe(decoder)}")


def _check_x_q(x, q) -> GaussianParams:
    check_tensor("x", x, ndim=2)
    q = _check_gaussian(q)
    if q.mean.dim() != 2 or q.mean.shape[0] != x.shape[0]:
        raise ValueError(f"q.mean: expected shape ({x.shape[0]}, latent_dim) to match x, got {describe(q.mean)}")
    return q


def elbo(decoder, x: torch.Tensor, q, *, n_samples: int = 1, kl: str = "analytic",
         generator: torch.Generator | None = None, return_terms: bool = False):
    r"""The ELBO of each row of ``x`` under ``q = (mean, log_var)`` (N, D): returns (N,).

    ``ELBO = (1/K) Σ_k log p_θ(x | z_k) − KL``,  ``z_k = μ + σ ε_k`` (K = ``n_samples``), with

    * ``kl="analytic"``: the closed form :func:`gaussian_kl` (lower variance);
    * ``kl="mc"``: the same draws, ``(1/K) Σ_k [log q(z_k | x) − log p(z_k)]`` (works for any q, p).

    ``return_terms=True`` returns ``(elbo, reconstruction, kl)``, each (N,).  Lecture 11 §2, §6; homework 6 Part 4.
    """
    _check_decoder(decoder)
    q = _check_x_q(x, q)
    if kl not in ("analytic", "mc"):
        raise ValueError(f"kl: expected 'analytic' or 'mc', got {kl!r}")
    z = sample_latent(q, n_samples, generator=generator)                    # (K, N, D)
    reconstruction = decoder.log_prob(x, z).mean(0)                         # (N,)
    if kl == "analytic":
        divergence = gaussian_kl(q.mean, q.log_var)
    else:
        divergence = (log_normal(z, q.mean, q.log_var) - log_normal(z)).mean(0)
    bound = reconstruction - divergence
    return (bound, reconstruction, divergence) if return_terms else bound


def iwae_bound(decoder, x: torch.Tensor, q, n_samples: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""The importance-weighted bound ``log (1/K) Σ_k p_θ(x, z_k) / q(z_k | x)`` per row: (N,).

    Log weights ``log w_k = log p_θ(x | z_k) + log p(z_k) − log q(z_k | x)`` are combined with
    ``logsumexp`` (they are often −1000 or less: ``exp`` would underflow to 0).  ``K = 1`` is
    the ELBO with the Monte-Carlo KL; the bound grows with K towards ``log p_θ(x)``.
    Lecture 11 §2, §6; homework 6 Part 5.
    """
    _check_decoder(decoder)
    q = _check_x_q(x, q)
    z = sample_latent(q, n_samples, generator=generator)                    # (K, N, D)
    log_w = decoder.log_prob(x, z) + log_normal(z) - log_normal(z, q.mean, q.log_var)   # (K, N)
    return torch.logsumexp(log_w, dim=0) - math.log(n_samples)


# --------------------------------------------------------------------------- the model
class VAE(nn.Module):
    """An encoder ``q_φ(z | x)`` and a decoder ``p_θ(x | z)`` with the prior ``p(z) = N(0, I)``.  Lecture 11 §2, §5–§6."""

    def __init__(self, encoder: GaussianEncoder, decoder: nn.Module):
        super().__init__()
        _check_vae_part("encoder", encoder)
        _check_decoder(decoder)
        _check_vae_part("decoder", decoder)
        if encoder.latent_dim != decoder.latent_dim:
            raise ValueError(f"decoder: expected latent_dim {encoder.latent_dim} like the encoder, "
                             f"got {decoder.latent_dim}")
        self.encoder, self.decoder = encoder, decoder
        self.latent_dim = encoder.latent_dim

    def energy(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``E(x, z) = −log p_θ(x | z) − log p(z)``: x (N, x_dim), z (..., N, latent_dim) -> (..., N).  Lecture 11 §2."""
        return -self.decoder.log_prob(x, z) - log_normal(z)

    def elbo(self, x: torch.Tensor, *, n_samples: int = 1, kl: str = "analytic",
             generator: torch.Generator | None = None, return_terms: bool = False):
        """:func:`elbo` with ``q = encoder(x)``.  Lecture 11 §6."""
        return elbo(self.decoder, x, self.encoder(x), n_samples=n_samples, kl=kl, generator=generator,
                    return_terms=return_terms)

    def variational_free_energy(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """``−ELBO = E_q[E(x, z)] − H[q] ≥ F(x) = −log p_θ(x)``, per row.  Library only: the energy view of
        lecture 11 §2 as one call (the lecture writes ``-elbo``); tested against the exact free energy."""
        return -self.elbo(x, **kwargs)

    def iwae_bound(self, x: torch.Tensor, n_samples: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """:func:`iwae_bound` with ``q = encoder(x)``.  Lecture 11 §6."""
        return iwae_bound(self.decoder, x, self.encoder(x), n_samples, generator=generator)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The decoder mean at the encoder mean: ``mean_θ(μ_φ(x))``.  Lecture 11 §6."""
        return self.decoder.mean(self.encoder(x).mean)

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None, mean: bool = True) -> torch.Tensor:
        """``n`` samples: ``z ~ N(0, I)``, then the decoder mean (``mean=True``) or a draw of ``p_θ(x | z)``.
        Lecture 11 §5–§6."""
        check_positive_int("n", n)
        check_bool("mean", mean)
        p = next(self.parameters())
        check_generator("generator", generator, like=p)
        z = torch.randn(n, self.latent_dim, generator=generator, dtype=p.dtype, device=p.device)
        return self.decoder.mean(z) if mean else self.decoder.sample(z, generator=generator)


def train_vae(vae: VAE, x: torch.Tensor, *, epochs: int = 50, lr: float = 1e-3, batch_size: int | None = 128,
              n_samples: int = 1, kl: str = "analytic", generator: torch.Generator | None = None,
              progress: bool = True, callback=None) -> History:
    """Maximise the mean ELBO over ``x`` with Adam (:func:`energylab.train.fit`).

    Each mini-batch minimises ``−mean ELBO`` with ``n_samples`` reparameterised draws per row.
    Returns the per-epoch :class:`~energylab.train.History`: ``loss`` (= −ELBO),
    ``reconstruction`` (``E_q log p(x | z)``) and ``kl``.  Lecture 11 §5–§6.
    """
    _check_vae(vae)
    check_tensor("x", x, ndim=2)
    if x.shape[0] == 0:
        raise ValueError(f"x: expected at least one row to train on, got {describe(x)}")
    check_generator("generator", generator, like=x)

    def loss_fn(model, xb):
        bound, reconstruction, divergence = model.elbo(xb, n_samples=n_samples, kl=kl, generator=generator,
                                                       return_terms=True)
        return {"loss": -bound.mean(), "reconstruction": reconstruction.detach().mean(),
                "kl": divergence.detach().mean()}

    return fit(vae, loss_fn, (x,), epochs=epochs, lr=lr, batch_size=batch_size, generator=generator,
               progress=progress, callback=callback)


# --------------------------------------------------------------------------- looking at the latent space
@torch.no_grad()
def latent_traversal(vae: VAE, z: torch.Tensor, dim: int, values: torch.Tensor) -> torch.Tensor:
    """Decoder means along one latent axis: ``z`` (latent_dim,) with coordinate ``dim`` set to each
    of ``values`` (M,) -> (M, x_dim).  Lecture 11 §6."""
    _check_vae(vae)
    check_tensor("z", z, ndim=1, last_dim=vae.latent_dim)
    check_tensor("values", values, ndim=1)
    if isinstance(dim, bool) or not isinstance(dim, int) or not 0 <= dim < vae.latent_dim:
        raise ValueError(f"dim: expected an int in [0, {vae.latent_dim}), got {describe(dim)}")
    zs = z.expand(values.shape[0], -1).clone()
    zs[:, dim] = values.to(z.dtype)
    return vae.decoder.mean(zs)


@torch.no_grad()
def latent_grid(vae: VAE, n: int = 15, *, span: float = 0.95) -> torch.Tensor:
    """For a 2-D latent: decoder means on an n × n grid of prior quantiles (``span`` of the
    probability mass per axis, mapped through the normal inverse CDF) -> (n, n, x_dim).
    Row i has ``z_2`` decreasing from the top, column j has ``z_1`` increasing (an image's layout).
    Lecture 11 §6."""
    if _check_vae(vae).latent_dim != 2:
        raise ValueError(f"vae: latent_grid needs a 2-D latent space, got latent_dim={vae.latent_dim}")
    check_positive_int("n", n, minimum=2)
    if isinstance(span, bool) or not isinstance(span, (int, float)) or not 0 < span < 1:
        raise ValueError(f"span: expected a number in (0, 1), got {describe(span)}")
    p = next(vae.parameters())
    probs = torch.linspace(0.5 - span / 2, 0.5 + span / 2, n, dtype=p.dtype, device=p.device)
    axis = math.sqrt(2) * torch.erfinv(2 * probs - 1)                         # normal quantiles
    z1, z2 = torch.meshgrid(axis, axis.flip(0), indexing="xy")               # (n, n) each
    return vae.decoder.mean(torch.stack([z1, z2], dim=-1))
