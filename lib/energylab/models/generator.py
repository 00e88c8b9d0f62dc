r"""Contrastive examples from a generator network (Lecture 6, homework 4).

Conventions: an energy ``E_W(Y, X)`` is low where the completion ``Y`` fits the input
``X``; inference is ``argmin_Y E_W(Y, X)``; the Gibbs distribution would be
``p(Y | X) ∝ exp(-β E_W(Y, X))`` (we never need its normaliser here).

Learning needs contrastive completions ``Ŷ`` whose energy we pull up.  When ``Y`` is an
image, no dynamic programme can find the "most offending" ``Ŷ``, so a **generator**
``G_θ(X)`` learns to propose them, in competition with the energy:

.. math::

    \min_W \max_θ \; L(W, θ) = \log\big(1 + e^{E_W(Y, X) - E_W(G_θ(X), X)}\big)
                            = \operatorname{softplus}\big(E_W(Y, X) - E_W(G_θ(X), X)\big)

* ``W`` lowers ``L``: pushes ``E_W(Y, X)`` down and ``E_W(G_θ(X), X)`` up;
* ``θ`` raises ``L``: moves ``G_θ(X)`` to where the energy is low (fools the energy).

**The gradient-flip trick** lets one optimiser that *minimises* ``L`` do both: feed the
energy ``Ŷ = (2 G_θ(X)).detach() − G_θ(X)``.  Its value is ``2G − G = G``, but only the
``−G`` term carries gradient, so ``∂L/∂θ`` arrives with its sign flipped and the
minimiser's step on θ is an ascent step on ``L``.  ``W`` sees the ordinary gradient.

The energy is any module called as ``energy(y, x)`` -> (N,); the lecture and homework use
:class:`energylab.models.MLPEnergy` (an MLP on ``[X, Y]``), the generator network is
:class:`GeneratorMLP`.  In signatures the generator network is called ``proposer`` (it proposes
completions): ``generator`` always means a ``torch.Generator``, the source of randomness.

After training, completions can be refined by gradient descent on the energy,
``Y ← Y − η ∇_Y E_W(Y, X)``, started from ``G_θ(X)`` or from noise
(:func:`energy_descent`).

The log loss itself, ``softplus(E(Y) − E(Ŷ))`` (stable for any energy gap), is
:func:`energylab.losses.log_loss`; gradient descent is
:func:`energylab.inference.gradient_descent`.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .._checks import (check_callable, check_generator, check_input, check_like, check_positive_float, check_positive_int,
                       check_rows, check_tensor, describe)
from ..inference import Descent, gradient_descent
from ..losses import contrastive_loss, log_loss
from ..train import History, fit
from .mlp import check_widths, mlp

__all__ = [
    "flip_gradient",
    "GeneratorMLP",
    "generator_pair_loss",
    "train_generator_pair",
    "energy_descent",
]


def flip_gradient(y: torch.Tensor) -> torch.Tensor:
    """``(2 y).detach() − y``: the value of ``y``, the gradient of ``−y``.  Lecture 6 §4, homework 4.

    Anything upstream of ``y`` (the generator's θ) receives the negated gradient, so a
    minimiser of the loss maximises it in θ.  Tensors computed from the result
    downstream (the energy's W) get their ordinary gradient.
    """
    check_tensor("y", y)
    return (2 * y).detach() - y


class GeneratorMLP(nn.Module):
    """The generator network ``G_θ(X)`` (or ``G_θ(X, Z)`` when ``noise_dim > 0``): proposes completions
    in [0, 1] (:func:`energylab.models.mlp` with a sigmoid).  Lecture 6 §8, homework 4.

    ``forward(x, noise=None)``: ``x`` (N, x_dim), ``noise`` (N, noise_dim) ->
    ``sigmoid(MLP([X, Z]))`` of shape (N, y_dim); ``x`` has the parameters' dtype and device, the
    noise their device (any floating dtype: a draw of ``torch.randn``, taken at x's dtype).  With ``noise_dim = 0`` the generator is a
    deterministic function of ``X`` -- one proposal per input, as in the lecture.
    """

    def __init__(self, x_dim: int, y_dim: int, hidden: Sequence[int] = (128, 128), noise_dim: int = 0):
        super().__init__()
        self.x_dim = check_positive_int("x_dim", x_dim)
        self.y_dim = check_positive_int("y_dim", y_dim)
        self.noise_dim = check_positive_int("noise_dim", noise_dim, minimum=0)
        self.net = mlp(x_dim + noise_dim, check_widths("hidden", hidden, allow_empty=False), y_dim)

    def sample_noise(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """Standard normal ``Z`` of shape (N, noise_dim) on the device/dtype of ``x`` (None if noise_dim = 0).
        Lecture 6 §9."""
        check_input("x", x, self, ndim=2, last_dim=self.x_dim)
        if self.noise_dim == 0:
            return None
        check_generator("generator", generator, like=x)
        return torch.randn(x.shape[0], self.noise_dim, generator=generator, device=x.device, dtype=x.dtype)

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        check_input("x", x, self, ndim=2, last_dim=self.x_dim)
        if self.noise_dim > 0:
            if noise is None:
                raise ValueError(f"noise: this generator needs noise of shape ({x.shape[0]}, {self.noise_dim}), got None")
            check_tensor("noise", noise, ndim=2, last_dim=self.noise_dim)
            if noise.device != x.device or not noise.is_floating_point():
                raise TypeError(f"noise: expected floating-point noise on {x.device} like x, got {describe(noise)}")
            if noise.shape[0] != x.shape[0]:
                raise ValueError(f"noise: expected {x.shape[0]} rows like x, got {describe(noise)}")
            # a random draw, not data: torch.randn's float32 default is taken at x's dtype
            x = torch.cat([x, noise.to(x.dtype)], dim=-1)
        return torch.sigmoid(self.net(x))


def _check_pair_args(energy, proposer, x, y, *, min_rows: int = 0) -> None:
    """The energy, the proposer and the batch ``x`` (N, x_dim), ``y`` (N, y_dim) of the generator pair."""
    check_callable("energy", energy)
    if not isinstance(proposer, GeneratorMLP):
        raise TypeError(f"proposer: expected a GeneratorMLP, got {describe(proposer)}")
    check_input("x", x, proposer, ndim=2, last_dim=proposer.x_dim)
    if x.shape[0] < min_rows:
        raise ValueError(f"x: expected at least {min_rows} row(s), got {describe(x)}")
    check_rows({"x": proposer.x_dim, "y": proposer.y_dim}, x=x, y=y)
    check_like("y", y, x, "x")


def generator_pair_loss(energy: nn.Module, proposer: GeneratorMLP, x: torch.Tensor, y: torch.Tensor, *,
                        energy_penalty: float = 0.0, data_noise: float = 0.0, mismatch: float = 0.0,
                        generator: torch.Generator | None = None) -> dict:
    """One mini-batch of the min-max game, ready for a single optimiser.  Lecture 6 §8, homework 4.

    ``loss = softplus(E_W(Y, X) − E_W(flip(G_θ(X)), X)) + α · mean(E_W(Y, X)² + E_W(Ŷ, X)²)``
    ``       + μ · softplus(E_W(Y, X) − E_W(Y', X))``

    The optional penalty (``α = energy_penalty``) keeps the energies near zero (no runaway);
    it reads ``Ŷ`` detached, so it acts on W only.  ``data_noise`` (a std) adds Gaussian
    noise to both ``Y`` and ``Ŷ`` before the energy sees them ("instance noise"), so the
    energy cannot tell real from generated by trivial details such as exact zeros.
    ``mismatch`` (``μ``, default 0: off) adds a second contrastive example that costs nothing: ``Y'``,
    the *real* completion of another input of the batch (row r gets row r − 1's, ``y.roll(1, 0)``, with
    its instance noise;
    :func:`energylab.train.batches` shuffles the rows every epoch).  The generator's proposals
    teach the energy what a real completion looks like; a mismatched real one teaches which
    completion fits *this* X (Lecture 6 §10).  It acts on W only.
    Returns a dict: ``loss`` (to minimise) and, for the history, the mean energies of the true (``e_true``), generated
    (``e_generated``), uniformly random (``e_random``, not trained on) and, with ``mismatch > 0``,
    mismatched (``e_mismatched``) completions.
    """
    _check_pair_args(energy, proposer, x, y)
    for name, value in (("energy_penalty", energy_penalty), ("data_noise", data_noise), ("mismatch", mismatch)):
        check_positive_float(name, value, allow_zero=True)
    y_hat = proposer(x, proposer.sample_noise(x, generator))                       # (N, y_dim)
    if data_noise > 0:
        y = y + data_noise * torch.randn(y.shape, generator=generator, device=y.device, dtype=y.dtype)
        y_hat = y_hat + data_noise * torch.randn(y.shape, generator=generator, device=y.device, dtype=y.dtype)
    e_true = energy(y, x)                                                # (N,)
    e_gen = energy(flip_gradient(y_hat), x)                              # value E(G), θ-gradient flipped
    loss = log_loss(e_true, e_gen)                                       # softplus(E(Y) − E(Ŷ)), mean
    if energy_penalty > 0:                                               # on W only: Ŷ detached
        loss = loss + energy_penalty * contrastive_loss(e_true, energy(y_hat.detach(), x)).penalty
    logs = {}
    if mismatch > 0:                                                     # real completions of other inputs
        e_mismatched = energy(y.roll(1, 0), x)       # with its instance noise: no tell
        loss = loss + mismatch * log_loss(e_true, e_mismatched)
        logs["e_mismatched"] = e_mismatched.detach().mean()
    with torch.no_grad():
        noise = torch.rand(y.shape, generator=generator, device=y.device, dtype=y.dtype)
        e_random = energy(noise, x).mean()
    return {"loss": loss, "e_true": e_true.detach().mean(), "e_generated": e_gen.detach().mean(),
            "e_random": e_random, **logs}


def train_generator_pair(energy: nn.Module, proposer: GeneratorMLP, x: torch.Tensor, y: torch.Tensor, *,
                         epochs: int = 100, lr: float = 1e-3, lr_ratio: float = 1.0, energy_penalty: float = 0.0,
                         data_noise: float = 0.0, mismatch: float = 0.0, betas: tuple[float, float] = (0.5, 0.999),
                         batch_size: int | None = 128, generator: torch.Generator | None = None,
                         progress: bool = True, callback=None) -> History:
    """Train ``energy`` (W) and ``proposer`` (θ) together with ONE Adam optimiser.  Lecture 6 §8, homework 4.

    The energy's parameters use learning rate ``lr``, the generator's ``lr * lr_ratio``
    (the learning-rate ratio is the usual knob when one player runs away); Adam's
    ``betas`` default to (0.5, 0.999), less momentum, as usual for such games.  Each step
    minimises :func:`generator_pair_loss` (``energy_penalty``, ``data_noise``, ``mismatch`` are
    passed on); thanks to :func:`flip_gradient` that is a descent step in W and an ascent step
    in θ.  Returns the per-epoch :class:`History` with ``loss``, ``e_true``, ``e_generated``,
    ``e_random`` (and ``e_mismatched`` with ``mismatch > 0``).
    """
    if not isinstance(energy, nn.Module):
        raise TypeError(f"energy: expected an nn.Module energy(y, x) with parameters to train, got {describe(energy)}")
    _check_pair_args(energy, proposer, x, y, min_rows=1)
    check_positive_float("lr", lr)
    check_positive_float("lr_ratio", lr_ratio)
    if not (isinstance(betas, tuple) and len(betas) == 2
            and all(isinstance(b, (int, float)) and not isinstance(b, bool) and 0 <= b < 1 for b in betas)):
        raise ValueError(f"betas: expected a pair of numbers in [0, 1), e.g. (0.5, 0.999), got {describe(betas)}")
    check_positive_float("energy_penalty", energy_penalty, allow_zero=True)
    check_positive_float("data_noise", data_noise, allow_zero=True)
    check_positive_float("mismatch", mismatch, allow_zero=True)
    check_generator("generator", generator, like=x)
    optimizer = torch.optim.Adam([
        {"params": energy.parameters(), "lr": lr},
        {"params": proposer.parameters(), "lr": lr * lr_ratio},
    ], lr=lr, betas=betas)
    pair = nn.ModuleDict({"energy": energy, "proposer": proposer})

    def loss_fn(model, xb, yb):
        return generator_pair_loss(model["energy"], model["proposer"], xb, yb,
                                   energy_penalty=energy_penalty, data_noise=data_noise, mismatch=mismatch,
                                   generator=generator)

    return fit(pair, loss_fn, (x, y), epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer,
               generator=generator, progress=progress, callback=callback)


def energy_descent(energy: nn.Module, y0: torch.Tensor, x: torch.Tensor, *, n_steps: int = 30,
                   step_size: float = 0.01, bounds: tuple | None = (0.0, 1.0)) -> Descent:
    """Refine completions: ``Y ← clamp(Y − η ∇_Y E_W(Y, X))`` for ``n_steps`` steps of size
    ``step_size`` (η), from ``y0``.  Lecture 6 §9, homework 4.

    Row ``n`` of ``y0`` (N, y_dim) descends ``E_W(·, x[n])``; stack several starts per input
    as extra rows (repeat ``x``).  ``bounds`` keeps pixels in range (None: unconstrained).
    A thin wrapper of :func:`energylab.inference.gradient_descent`; returns its
    :class:`~energylab.inference.Descent` (final ``y``, ``energies``, ``trajectory``).
    """
    check_callable("energy", energy)
    check_tensor("y0", y0, ndim=2)
    check_tensor("x", x, ndim=2)
    if y0.shape[0] == 0:
        raise ValueError(f"y0: expected at least one start, got {describe(y0)}")
    if isinstance(energy, nn.Module):                 # the dtype/device rule against the energy's parameters
        check_input("y0", y0, energy)
        check_input("x", x, energy)
    if x.shape[0] != y0.shape[0]:
        raise ValueError(f"x: expected {y0.shape[0]} rows like y0, got {describe(x)}")
    return gradient_descent(lambda y: energy(y, x), y0, n_steps=n_steps, step_size=step_size, bounds=bounds)
