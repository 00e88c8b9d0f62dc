r"""JEM: your classifier is secretly an energy-based model (Grathwohl et al., 2020) -- Lecture 12 §3,
homework 5.

A classifier with logits :math:`f(x) \in \mathbb{R}^K` defines, at temperature 1
(energy low = likely, :math:`p \propto e^{-E}`),

.. math::

    E(y, x) = -f(x)[y], \qquad
    F(x) = -\log \sum_y e^{f(x)[y]} \quad (\text{free energy: the label } y \text{ marginalised}),

so that :math:`p(y \mid x) = \mathrm{softmax}(f(x))[y]` is the ordinary classifier and
:math:`p(x) \propto e^{-F(x)}` is a density over inputs that the logits' overall shift
(which softmax ignores) controls.

**Offers**: energy ``energy(y, x)`` (the label first, like every energy of the library), free
energy ``free_energy(x)``, inference ``argmin_y E(y, x)`` (the usual argmax of the logits),
learning by :func:`jem_loss`:

.. math::

    L = \underbrace{-\log p(y \mid x)}_{\text{cross-entropy}}
        + \lambda_{c}\big(\overline{F(x)} - \overline{F(\hat x)}\big)
        + \alpha\big(\overline{F(x)^2} + \overline{F(\hat x)^2}\big),

where :math:`\hat x` are SGLD samples (from a replay buffer) with the parameters frozen; the last
two terms are :func:`energylab.losses.contrastive_loss`.  The middle term pushes the free energy
down on data and up on samples: its gradient is the maximum-likelihood gradient of
:math:`\log p(x)` with :math:`\hat x \sim p`.  The last term keeps energies near zero so they
cannot drift off to huge magnitudes (a sign of divergence).
"""
from __future__ import annotations


import torch
from torch import nn
from torch.nn import functional as F

from .._checks import check_input, check_positive_float, check_positive_int, check_tensor, describe, run_network
from ..losses import contrastive_loss
from .mlp import mlp

__all__ = ["JEM", "jem_loss", "digits_classifier"]


class JEM(nn.Module):
    """Wrap a classifier ``net`` (x (n, ...) -> logits (n, K)) as an energy-based model.  Lecture 12 §3."""

    def __init__(self, net: nn.Module):
        super().__init__()
        if not isinstance(net, nn.Module):
            raise TypeError(f"net: expected an nn.Module returning logits, got {describe(net)}")
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logits f(x), shape (n, K)."""
        return self.logits(x)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The classifier's logits f(x), shape (n, K), checked.  Lecture 12 §3."""
        check_input("x", x, self)
        out = run_network("x", self.net, x)
        if out.dim() != 2 or out.shape[0] != x.shape[0]:
            raise ValueError(f"x: expected inputs (n, ...) that net maps to logits (n, K) with n={x.shape[0]}, "
                             f"got logits {describe(out)}")
        return out

    def free_energy(self, x: torch.Tensor) -> torch.Tensor:
        """Free energy F(x) = -logsumexp_y f(x)[y] (the label marginalised), shape (n,): the energy
        SGLD samples from.  Lecture 12 §3."""
        return -torch.logsumexp(self.logits(x), dim=-1)

    def energy(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """E(y, x) = -f(x)[y] for integer labels y of shape (n,); returns (n,).  Lecture 12 §3."""
        logits = self.logits(x)
        _check_labels(y, logits)
        return -logits.gather(1, y.view(-1, 1)).squeeze(1)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """argmin_y E(y, x) = argmax_y f(x)[y], shape (n,).  Lecture 12 §3."""
        logits = self.logits(x)
        if bool(logits.isnan().any()):
            raise ValueError("x: its logits hold NaN, so the predicted class (an index) would be meaningless")
        return logits.argmax(dim=-1)


def _check_labels(y, logits):
    if not isinstance(y, torch.Tensor) or y.dtype not in (torch.int64, torch.int32) or y.shape != logits.shape[:1]:
        raise ValueError(f"y: expected integer labels of shape ({logits.shape[0]},), got {describe(y)}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= logits.shape[1]):
        raise ValueError(f"y: expected labels in 0..{logits.shape[1] - 1}, got values {int(y.min())}..{int(y.max())}")


def jem_loss(model: JEM, x: torch.Tensor, y: torch.Tensor, x_sampled: torch.Tensor | None, *,
             contrast_weight: float = 1.0, energy_penalty: float = 0.1) -> dict[str, torch.Tensor]:
    """JEM's loss on a labelled batch ``(x, y)`` and SGLD samples ``x_sampled`` (n', ...).  Lecture 12 §3.

    ``loss = cross-entropy + contrast_weight · contrast + energy_penalty · penalty`` with the
    two terms of :func:`energylab.losses.contrastive_loss` on the free energies of ``x`` and
    ``x_sampled``.  Returns a dict: ``loss`` (to minimise), ``ce``, ``contrast``, ``penalty``,
    ``e_data`` and ``e_sample`` (mean free energies, for monitoring).  With ``x_sampled=None``
    it is the plain classifier's cross-entropy.
    """
    if not isinstance(model, JEM):
        raise TypeError(f"model: expected a JEM, got {describe(model)}")
    check_positive_float("contrast_weight", contrast_weight, allow_zero=True)
    check_positive_float("energy_penalty", energy_penalty, allow_zero=True)
    logits = model.logits(x)                                           # (n, K)
    _check_labels(y, logits)
    ce = F.cross_entropy(logits, y.long())
    out = {"loss": ce, "ce": ce.detach()}
    if x_sampled is None:
        return out
    check_input("x_sampled", x_sampled, model)
    if x_sampled.shape[1:] != x.shape[1:]:
        raise ValueError(f"x_sampled: expected points of shape {tuple(x.shape[1:])}, got {describe(x_sampled)}")
    e_data = -torch.logsumexp(logits, dim=-1)                          # F(x), (n,)
    e_sample = model.free_energy(x_sampled.detach())                   # F(x̂), (n',)
    terms = contrastive_loss(e_data, e_sample)
    out.update(loss=ce + contrast_weight * terms.contrast + energy_penalty * terms.penalty,
               contrast=terms.contrast.detach(), penalty=terms.penalty.detach(),
               e_data=e_data.mean().detach(), e_sample=e_sample.mean().detach())
    return out


def digits_classifier(n_inputs: int = 64, n_classes: int = 10, hidden: int = 128, *,
                      generator: torch.Generator | None = None) -> nn.Sequential:
    """A small MLP for the 8×8 digits: 64 -> hidden -> hidden -> 10, SiLU activations
    (:func:`energylab.models.mlp`).  Lecture 12 §3, homework 5.

    Smooth activations give smooth input gradients for SGLD (ReLU's are piecewise
    constant).  Weights are drawn with ``generator`` (PyTorch's default uniform
    ``±1/sqrt(fan_in)`` initialisation), so two calls with equally seeded generators agree.
    """
    check_positive_int("n_inputs", n_inputs)
    check_positive_int("n_classes", n_classes)
    check_positive_int("hidden", hidden)
    net = mlp(n_inputs, (hidden, hidden), n_classes, generator=generator)
    return net
