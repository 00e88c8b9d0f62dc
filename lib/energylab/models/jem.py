r"""JEM: your classifier is secretly an energy-based model (Grathwohl et al., 2020).

A classifier with logits :math:`f(x) \in \mathbb{R}^K` defines, at temperature 1
(energy low = likely, :math:`p \propto e^{-E}`),

.. math::

    E(x, y) = -f(x)[y], \qquad
    E(x) = -\log \sum_y e^{f(x)[y]} \quad (\text{free energy: } y \text{ marginalised}),

so that :math:`p(y \mid x) = \mathrm{softmax}(f(x))[y]` is the ordinary classifier and
:math:`p(x) \propto e^{-E(x)}` is a density over inputs that the logits' overall shift
(which softmax ignores) controls.

**Offers**: energy ``E(x, y)``, free energy ``E(x)``, inference ``argmin_y E(x, y)`` (the
usual argmax of the logits), learning by :func:`jem_loss`:

.. math::

    L = \underbrace{-\log p(y \mid x)}_{\text{cross-entropy}}
        + \lambda_{gen}\big(\overline{E(x)} - \overline{E(\hat x)}\big)
        + \lambda_{reg}\big(\overline{E(x)^2} + \overline{E(\hat x)^2}\big),

where :math:`\hat x` are SGLD samples (from a replay buffer) with the parameters frozen.
The middle term pushes the energy down on data and up on samples: its gradient is the
maximum-likelihood gradient of :math:`\log p(x)` with :math:`\hat x \sim p`.  The last term
keeps energies near zero so they cannot drift off to huge magnitudes (a sign of divergence).
"""
from __future__ import annotations


import torch
from torch import nn
from torch.nn import functional as F

from .._checks import check_positive_float, check_positive_int, check_tensor, describe
from .mlp import mlp

__all__ = ["JEM", "jem_loss", "digits_classifier"]


class JEM(nn.Module):
    """Wrap a classifier ``net`` (x (n, ...) -> logits (n, K)) as an energy-based model."""

    def __init__(self, net: nn.Module):
        super().__init__()
        if not isinstance(net, nn.Module):
            raise TypeError(f"net: expected an nn.Module returning logits, got {describe(net)}")
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logits f(x), shape (n, K)."""
        return self.logits(x)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor("x", x)
        out = self.net(x)
        if out.dim() != 2 or out.shape[0] != x.shape[0]:
            raise ValueError(f"net: expected logits of shape (n, K) with n={x.shape[0]}, got {describe(out)}")
        return out

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        """Free energy E(x) = -logsumexp_y f(x)[y], shape (n,)."""
        return -torch.logsumexp(self.logits(x), dim=-1)

    def joint_energy(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """E(x, y) = -f(x)[y] for integer labels y of shape (n,); returns (n,)."""
        logits = self.logits(x)
        _check_labels(y, logits)
        return -logits.gather(1, y.view(-1, 1)).squeeze(1)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """argmin_y E(x, y) = argmax_y f(x)[y], shape (n,)."""
        return self.logits(x).argmax(dim=-1)


def _check_labels(y, logits):
    if not isinstance(y, torch.Tensor) or y.dtype not in (torch.int64, torch.int32) or y.shape != logits.shape[:1]:
        raise ValueError(f"y: expected integer labels of shape ({logits.shape[0]},), got {describe(y)}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= logits.shape[1]):
        raise ValueError(f"y: expected labels in 0..{logits.shape[1] - 1}, got values {int(y.min())}..{int(y.max())}")


def jem_loss(model: JEM, x: torch.Tensor, y: torch.Tensor, x_sampled: torch.Tensor | None, *,
             gen_weight: float = 1.0, reg_weight: float = 0.1) -> dict[str, torch.Tensor]:
    """JEM's loss on a labelled batch ``(x, y)`` and SGLD samples ``x_sampled`` (n', ...).

    Returns a dict: ``loss`` (to minimise), ``ce``, ``gen`` = mean E(x) - mean E(x_sampled),
    ``reg``, ``e_data`` and ``e_sample`` (mean energies, for monitoring).  With
    ``x_sampled=None`` it is the plain classifier's cross-entropy.
    """
    check_positive_float("gen_weight", gen_weight, allow_zero=True)
    check_positive_float("reg_weight", reg_weight, allow_zero=True)
    logits = model.logits(x)                                           # (n, K)
    _check_labels(y, logits)
    ce = F.cross_entropy(logits, y.long())
    out = {"loss": ce, "ce": ce.detach()}
    if x_sampled is None:
        return out
    check_tensor("x_sampled", x_sampled)
    if x_sampled.shape[1:] != x.shape[1:]:
        raise ValueError(f"x_sampled: expected points of shape {tuple(x.shape[1:])}, got {describe(x_sampled)}")
    e_data = -torch.logsumexp(logits, dim=-1)                          # (n,)
    e_sample = model.energy(x_sampled.detach())                        # (n',)
    gen = e_data.mean() - e_sample.mean()
    reg = (e_data ** 2).mean() + (e_sample ** 2).mean()
    out.update(loss=ce + gen_weight * gen + reg_weight * reg, gen=gen.detach(), reg=reg.detach(),
               e_data=e_data.mean().detach(), e_sample=e_sample.mean().detach())
    return out


def digits_classifier(n_inputs: int = 64, n_classes: int = 10, hidden: int = 128, *,
                      generator: torch.Generator | None = None) -> nn.Sequential:
    """A small MLP for the 8×8 digits: 64 -> hidden -> hidden -> 10, SiLU activations.

    Smooth activations give smooth input gradients for SGLD (ReLU's are piecewise
    constant).  Weights are drawn with ``generator`` (PyTorch's default uniform
    ``±1/sqrt(fan_in)`` initialisation), so two calls with equally seeded generators agree.
    """
    check_positive_int("n_inputs", n_inputs)
    check_positive_int("n_classes", n_classes)
    check_positive_int("hidden", hidden)
    net = mlp(n_inputs, (hidden, hidden), n_classes, generator=generator)
    return net
