r"""Generative adversarial networks (lecture 11 §5–§6, homework 6).

A **sampler network** ``G_θ`` turns noise ``z ~ N(0, I)`` into samples ``x̂ = G_θ(z)``
(the GAN papers call it the *generator*; in this library ``generator`` always means a
``torch.Generator``).  A **discriminator** with logit ``ℓ_W(x)`` and ``D_W(x) = sigmoid(ℓ_W(x))``
tells data from samples.  The game's value (Goodfellow et al. 2014):

.. math::

    V(W, θ) = \mathbb E_{x \sim p_{data}}\big[\log D_W(x)\big]
            + \mathbb E_{z}\big[\log\big(1 - D_W(G_θ(z))\big)\big],
    \qquad \min_θ \max_W V .

* the discriminator minimises ``−V = mean softplus(−ℓ(x)) + mean softplus(ℓ(x̂))``
  (:func:`discriminator_loss`; written with softplus, exact for any logit);
* the sampler minimises ``log(1 − D(x̂)) = −softplus(ℓ(x̂))`` (``kind="minimax"``, whose gradient
  vanishes while ``D`` rejects the samples confidently), or in practice the **non-saturating**
  ``−log D(x̂) = softplus(−ℓ(x̂))`` (:func:`sampler_loss`).

For a fixed sampler the best discriminator is ``D*(x) = p_data / (p_data + p_G)``, i.e.
``ℓ*(x) = log p_data(x) − log p_G(x)`` (:func:`optimal_discriminator_logit`), and then
``V = 2 JSD(p_data ‖ p_G) − log 4``: the sampler minimises a Jensen–Shannon divergence.

**The discriminator as an energy** (lecture 11 §6).  Read ``E_W(x) = −ℓ_W(x)`` (low = "looks
like data").  At the optimum ``E*(x) = log p_G(x) − log p_data(x)``, so
``p_data(x) ∝ p_G(x) e^{−E*(x)}``: the discriminator is the energy that corrects the sampler.
Its loss ``softplus(E(x)) + softplus(−E(x̂))`` pushes the energy of data down and pulls the
energy of samples up -- the pointwise cousin of lecture 6's pair loss
``softplus(E(Y) − E(Ŷ))`` (an energy and a generator network trained as a pair) and of JEM's
energy (lecture 12), where samples come from Langevin dynamics instead of a network.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .._checks import (check_generator, check_input, check_like, check_positive_float, check_positive_int,
                       check_same_shape, check_tensor, describe)
from ..train import History, fit
from ..samplers.langevin import frozen       # parameters' requires_grad off inside a block
from .mlp import mlp                         # the library's one MLP builder (Linear + SiLU)

__all__ = [
    "SamplerNet",
    "Discriminator",
    "discriminator_loss",
    "sampler_loss",
    "gan_value",
    "optimal_discriminator_logit",
    "gan_losses",
    "train_gan",
]

SAMPLER_LOSSES = ("non_saturating", "minimax")


class SamplerNet(nn.Module):
    """``G_θ(z)``: noise (N, noise_dim) -> samples (N, x_dim), an MLP.

    ``output="identity"`` for real-valued data, ``"sigmoid"`` for pixels in [0, 1]; ``generator``
    draws the initial weights (see :func:`~energylab.models.mlp.mlp`).  Lecture 11 §5, §7.
    """

    def __init__(self, noise_dim: int, x_dim: int, hidden: Sequence[int] = (64, 64), *, output: str = "identity",
                 generator: torch.Generator | None = None):
        super().__init__()
        self.noise_dim = check_positive_int("noise_dim", noise_dim)
        self.x_dim = check_positive_int("x_dim", x_dim)
        if output not in ("identity", "sigmoid"):
            raise ValueError(f"output: expected 'identity' or 'sigmoid', got {output!r}")
        self.output = output
        self.net = mlp(noise_dim, hidden, x_dim, generator=generator)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_input("z", z, self, ndim=2, last_dim=self.noise_dim)
        out = self.net(z)
        return torch.sigmoid(out) if self.output == "sigmoid" else out

    def sample_noise(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """``z ~ N(0, I)`` of shape (n, noise_dim), on the device and dtype of the parameters.  Lecture 11 §7."""
        check_positive_int("n", n)
        p = next(self.parameters())
        check_generator("generator", generator, like=p)
        return torch.randn(n, self.noise_dim, generator=generator, dtype=p.dtype, device=p.device)

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` samples ``G_θ(z)``.  Lecture 11 §5, §7."""
        return self(self.sample_noise(n, generator=generator))


class Discriminator(nn.Module):
    """``ℓ_W(x)``: the logit of ``D_W(x) = P(x is data)``, (N, x_dim) -> (N,); an MLP.  Lecture 11 §5, §7."""

    def __init__(self, x_dim: int, hidden: Sequence[int] = (64, 64), *, generator: torch.Generator | None = None):
        super().__init__()
        self.x_dim = check_positive_int("x_dim", x_dim)
        self.net = mlp(x_dim, hidden, 1, generator=generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input("x", x, self, ndim=2, last_dim=self.x_dim)
        return self.net(x)[:, 0]

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        """``E_W(x) = −ℓ_W(x)``: low where the discriminator believes in the data.  Lecture 11 §7."""
        return -self(x)


def _weighted_mean(values: torch.Tensor, weights: torch.Tensor | None, name: str) -> torch.Tensor:
    if weights is None:
        return values.mean()
    check_tensor(name, weights, ndim=1)
    if weights.shape != values.shape:
        raise ValueError(f"{name}: expected shape {tuple(values.shape)}, got {describe(weights)}")
    return (weights * values).sum() / weights.sum()


def gan_value(real_logits: torch.Tensor, fake_logits: torch.Tensor, *, real_weights: torch.Tensor | None = None,
              fake_weights: torch.Tensor | None = None) -> torch.Tensor:
    r"""``V = E_data[log D] + E_G[log(1 − D)]`` from logits, with ``log D = logsigmoid(ℓ)``,
    ``log(1 − D) = logsigmoid(−ℓ)``.  Optional weights turn the means into weighted sums
    (e.g. densities × cell size on a quadrature grid).  Lecture 11 §7."""
    check_tensor("real_logits", real_logits, ndim=1)
    check_like("fake_logits", check_tensor("fake_logits", fake_logits, ndim=1), real_logits, "real_logits")
    return (_weighted_mean(F.logsigmoid(real_logits), real_weights, "real_weights")
            + _weighted_mean(F.logsigmoid(-fake_logits), fake_weights, "fake_weights"))


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """``−V = mean softplus(−ℓ(x)) + mean softplus(ℓ(x̂))``: the log loss of telling data (label 1)
    from samples (label 0); a scalar.  Lecture 11 §7, homework 6 Part 6."""
    return -gan_value(real_logits, fake_logits)


def sampler_loss(fake_logits: torch.Tensor, kind: str = "non_saturating") -> torch.Tensor:
    """What the sampler minimises, from the discriminator's logits on its samples; a scalar.

    ``"non_saturating"``: ``mean −log D(x̂) = mean softplus(−ℓ)`` -- strong gradients while the
    samples are rejected; ``"minimax"``: ``mean log(1 − D(x̂)) = −mean softplus(ℓ)`` -- the game's
    own objective, nearly flat (gradient ``−D(x̂) ≈ 0``) when ``D`` rejects the samples.
    Lecture 11 §7, homework 6 Part 6.
    """
    check_tensor("fake_logits", fake_logits, ndim=1)
    if kind == "non_saturating":
        return F.softplus(-fake_logits).mean()
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    raise ValueError(f"kind: expected one of {SAMPLER_LOSSES}, got {kind!r}")


def optimal_discriminator_logit(log_p_data: torch.Tensor, log_p_model: torch.Tensor) -> torch.Tensor:
    """``ℓ*(x) = log p_data(x) − log p_G(x)``, the logit of ``D* = p_data / (p_data + p_G)``.  Lecture 11 §7."""
    check_tensor("log_p_data", log_p_data)
    check_same_shape("log_p_model", log_p_model, log_p_data, "log_p_data")
    return log_p_data - log_p_model


def _check_players(sampler, discriminator) -> None:
    if not isinstance(sampler, SamplerNet):
        raise TypeError(f"sampler: expected a SamplerNet, got {describe(sampler)}")
    if not isinstance(discriminator, Discriminator):
        raise TypeError(f"discriminator: expected a Discriminator, got {describe(discriminator)}")


def gan_losses(sampler: SamplerNet, discriminator: Discriminator, x: torch.Tensor, *, kind: str = "non_saturating",
               generator: torch.Generator | None = None) -> dict:
    """One mini-batch of the game for ONE optimiser over both networks (a simultaneous step).

    ``loss = discriminator_loss(ℓ(x), ℓ(x̂.detach())) + sampler_loss(ℓ_frozen(x̂))``: the first term
    reaches only W (the samples are detached), the second only θ (the discriminator's parameters
    are frozen while it is computed), so each player descends its own loss.
    Returns ``loss`` and, for the history, ``d_loss``, ``g_loss``, ``d_real`` and ``d_fake``
    (the mean ``D`` on data and on samples).  Lecture 11 §7.
    """
    _check_players(sampler, discriminator)
    check_tensor("x", x, ndim=2, last_dim=discriminator.x_dim)
    if x.shape[0] == 0:
        raise ValueError(f"x: expected at least one row, got {describe(x)}")
    fake = sampler(sampler.sample_noise(x.shape[0], generator=generator))        # (N, x_dim)
    real_logits, fake_logits = discriminator(x), discriminator(fake.detach())
    d_loss = discriminator_loss(real_logits, fake_logits)
    with frozen(discriminator):
        g_loss = sampler_loss(discriminator(fake), kind)
    return {"loss": d_loss + g_loss, "d_loss": d_loss.detach(), "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits).detach().mean(), "d_fake": torch.sigmoid(fake_logits).detach().mean()}


def train_gan(sampler: SamplerNet, discriminator: Discriminator, x: torch.Tensor, *, epochs: int = 100,
              lr: float = 1e-3, lr_ratio: float = 1.0, betas: tuple[float, float] = (0.5, 0.999),
              batch_size: int | None = 128, kind: str = "non_saturating", generator: torch.Generator | None = None,
              progress: bool = True, callback=None) -> History:
    """Train the sampler (θ) and the discriminator (W) with one Adam optimiser and :func:`gan_losses`.

    The discriminator's learning rate is ``lr``, the sampler's ``lr * lr_ratio``; Adam's ``betas``
    default to (0.5, 0.999) as usual for games.  Returns the per-epoch
    :class:`~energylab.train.History` (``loss``, ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``).  Lecture 11 §5, §7.
    """
    _check_players(sampler, discriminator)
    check_tensor("x", x, ndim=2)
    if x.shape[0] == 0:
        raise ValueError(f"x: expected at least one row to train on, got {describe(x)}")
    check_positive_float("lr", lr)
    check_positive_float("lr_ratio", lr_ratio)
    if not (isinstance(betas, tuple) and len(betas) == 2 and all(
            isinstance(b, (int, float)) and not isinstance(b, bool) and 0 <= b < 1 for b in betas)):
        raise ValueError(f"betas: expected Adam's (beta1, beta2), each in [0, 1), got {describe(betas)}")
    check_generator("generator", generator, like=x)
    if kind not in SAMPLER_LOSSES:
        raise ValueError(f"kind: expected one of {SAMPLER_LOSSES}, got {kind!r}")
    optimizer = torch.optim.Adam([
        {"params": discriminator.parameters(), "lr": lr},
        {"params": sampler.parameters(), "lr": lr * lr_ratio},
    ], lr=lr, betas=betas)
    pair = nn.ModuleDict({"sampler": sampler, "discriminator": discriminator})

    def loss_fn(model, xb):
        return gan_losses(model["sampler"], model["discriminator"], xb, kind=kind, generator=generator)

    return fit(pair, loss_fn, (x,), epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer,
               generator=generator, progress=progress, callback=callback)
