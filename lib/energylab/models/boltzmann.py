r"""Boltzmann machines with hidden units (Ackley, Hinton & Sejnowski, 1985).

``n = n_visible + n_hidden`` binary units ``s = (v, h)`` in {0, 1}, visible first,
symmetric couplings ``W`` (zero diagonal) and biases ``b``:

.. math::

    E(s) = -\tfrac12 s^\top W s - b^\top s, \qquad
    p(s) = \frac{e^{-E(s)}}{Z}, \qquad Z = \sum_s e^{-E(s)}

(low energy = likely, temperature 1). The model of the data is the marginal
``p(v) = sum_h p(v, h)``, i.e. ``-log p(v) = F(v) + log Z`` with the free energy
``F(v) = -log sum_h exp(-E(v, h))``.

**Sampling** is sequential Gibbs: each unit in turn from
``p(s_i = 1 | s_{-i}) = sigma(sum_j W_ij s_j + b_i)``
(:func:`energylab.samplers.sequential_gibbs_sweep`).

**Learning** maximises ``mean log p(v)``; its gradient is the difference of two
correlations:

.. math::

    \frac{\partial \log p(v)}{\partial W_{ij}} =
    \langle s_i s_j \rangle_{\text{clamped}} - \langle s_i s_j \rangle_{\text{free}},

the *clamped* phase with ``v`` fixed to the data and ``h ~ p(h | v)``, the
*free* phase with everything sampled from ``p(s)``. Both averages come from
Gibbs chains here, and from exact enumeration in :meth:`exact_gradient`
(tiny models only: ``Z`` has ``2**n`` terms).
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from .._checks import (check_binary, check_bool, check_device, check_dtype, check_generator, check_index, check_like,
                       check_positive_float, check_positive_int, check_tensor, describe)
from ..gibbs import gibbs_log_probabilities
from ..samplers.exact import enumerate_states, state_index
from ..samplers.gibbs_sampling import _sequential_sweep, sample_bernoulli
from ..train.loop import batches

__all__ = ["BoltzmannMachine", "BMGradient", "boltzmann_gradient", "train_boltzmann"]


class BMGradient(NamedTuple):
    """Ascent direction for ``mean log p(v)``: ``W`` (n, n) and ``b`` (n,).
    Lecture 7 §5 (what the gradient estimators return)."""

    W: torch.Tensor
    b: torch.Tensor


def _correlations(states: torch.Tensor) -> BMGradient:
    """``<s s^T>`` (zero diagonal) and ``<s>`` over the rows of ``states``."""
    corr = states.T @ states / states.shape[0]
    return BMGradient(corr.fill_diagonal_(0.0), states.mean(0))


class BoltzmannMachine(nn.Module):
    """A fully connected Boltzmann machine; see the module docstring for the equations.  Lecture 7 §5–6."""

    def __init__(
        self,
        n_visible: int,
        n_hidden: int = 0,
        *,
        weight_scale: float = 0.1,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ):
        super().__init__()
        check_positive_int("n_visible", n_visible)
        check_positive_int("n_hidden", n_hidden, minimum=0)
        check_positive_float("weight_scale", weight_scale, allow_zero=True)
        check_generator("generator", generator)
        dtype, device = check_dtype("dtype", dtype), check_device("device", device)
        self.n_visible, self.n_hidden = n_visible, n_hidden
        n = n_visible + n_hidden
        noise = torch.randn(n, n, generator=generator, dtype=dtype, device=device) * weight_scale
        weights = (noise + noise.T) / 2
        self.W = nn.Parameter(weights.fill_diagonal_(0.0))
        self.b = nn.Parameter(torch.zeros(n, dtype=dtype, device=device))

    @property
    def n_units(self) -> int:
        """The number of units n = n_visible + n_hidden.  Lecture 7 §5."""
        return self.n_visible + self.n_hidden

    def _check_states(self, states, name="states") -> torch.Tensor:
        return check_like(name, check_tensor(name, states, ndim=2, last_dim=self.n_units), self.W,
                          "the model's parameters")

    def _check_visible(self, visible, name="visible") -> torch.Tensor:
        """(B, n_visible) 0/1 states like the model's parameters (they index the exact table)."""
        check_like(name, check_tensor(name, visible, ndim=2, last_dim=self.n_visible), self.W, "the model's parameters")
        return check_binary(name, visible)

    def energy(self, states: torch.Tensor) -> torch.Tensor:
        """``E(s) = -1/2 s^T W s - b^T s`` for (B, n) states; returns (B,).  Lecture 7 §5."""
        self._check_states(states)
        return -0.5 * ((states @ self.W) * states).sum(-1) - states @ self.b

    def unit_probs(self, states: torch.Tensor, i: int) -> torch.Tensor:
        """``p(s_i = 1 | s_{-i}) = sigma(sum_j W_ij s_j + b_i)``, shape (B,).
        Library only: one unit's conditional, for the tests of the sampler."""
        self._check_states(states)
        check_index("i", i, self.n_units, what="a unit index")
        return torch.sigmoid(states @ self.W[:, i] + self.b[i])

    def random_states(self, n_chains: int, *, generator=None) -> torch.Tensor:
        """(n_chains, n) uniformly random {0, 1} states: a starting point for chains.  Lecture 7 §5."""
        check_positive_int("n_chains", n_chains)
        probs = torch.full((n_chains, self.n_units), 0.5, dtype=self.W.dtype, device=self.W.device)
        return sample_bernoulli(probs, generator=generator)

    @torch.no_grad()
    def gibbs(
        self,
        states: torch.Tensor,
        n_sweeps: int = 1,
        *,
        clamp_visible: bool = False,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """``n_sweeps`` sequential Gibbs sweeps of all chains (B, n); with
        ``clamp_visible`` only the hidden units move (the clamped phase).  Lecture 7 §5."""
        self._check_states(states)
        check_binary("states", states)
        check_positive_int("n_sweeps", n_sweeps, minimum=0)
        check_bool("clamp_visible", clamp_visible)
        check_generator("generator", generator, like=states)
        units = range(self.n_visible if clamp_visible else 0, self.n_units)   # clamped: the hidden units only
        for _ in range(n_sweeps):
            states = _sequential_sweep(states, self.W, self.b, units, generator=generator)
        return states

    def clamp(self, visible: torch.Tensor, *, generator=None) -> torch.Tensor:
        """States with the visible part set to ``visible`` (B, n_visible) and random hidden units.
        Library only: the clamped phase of boltzmann_gradient (Lecture 7 §5)."""
        check_tensor("visible", visible, ndim=2, last_dim=self.n_visible)
        hidden = sample_bernoulli(torch.full((visible.shape[0], self.n_hidden), 0.5,
                                             dtype=visible.dtype, device=visible.device), generator=generator)
        return torch.cat([visible, hidden], dim=1)

    # ----- exact answers for tiny models -------------------------------------------
    def all_states(self) -> torch.Tensor:
        """Every joint state, (2**n, n), in :func:`energylab.samplers.enumerate_states` order.
        Lecture 7 §5 (exact answers for tiny models)."""
        return enumerate_states(self.n_units, dtype=self.W.dtype, device=self.W.device)

    def log_partition(self) -> torch.Tensor:
        """Exact ``log Z = logsumexp_s(-E(s))`` by enumerating all ``2**n`` states.  Lecture 7 §6."""
        return torch.logsumexp(-self.energy(self.all_states()), 0)

    def exact_log_probs(self) -> torch.Tensor:
        """Exact ``log p(s)`` of every joint state, (2**n,).  Lecture 7 §5."""
        return gibbs_log_probabilities(self.energy(self.all_states()))

    def exact_visible_log_probs(self) -> torch.Tensor:
        """Exact ``log p(v)`` of every visible state, (2**n_visible,): hidden units summed out.
        Lecture 7 §5."""
        joint = self.exact_log_probs().reshape(2**self.n_visible, 2**self.n_hidden)
        return torch.logsumexp(joint, 1)

    def log_likelihood(self, visible: torch.Tensor) -> torch.Tensor:
        """Exact mean ``log p(v)`` over the rows of ``visible`` (B, n_visible).  Lecture 7 §5."""
        self._check_visible(visible)
        return self.exact_visible_log_probs()[state_index(visible)].mean()

    @torch.no_grad()
    def exact_gradient(self, visible: torch.Tensor) -> BMGradient:
        """``<s s^T>_clamped - <s s^T>_free`` computed by enumeration (tiny models).
        Library only: the exact gradient the tests compare boltzmann_gradient with (Lecture 7 §5)."""
        self._check_visible(visible)
        states = self.all_states()  # (2**n, n)
        joint = self.exact_log_probs().exp()  # (2**n,)
        # clamped distribution: q(v, h) = (fraction of data equal to v) * p(h | v)
        table = joint.reshape(2**self.n_visible, 2**self.n_hidden)
        cond = table / table.sum(1, keepdim=True)  # p(h | v)
        index = state_index(visible)
        data_freq = torch.bincount(index, minlength=2**self.n_visible).to(joint) / visible.shape[0]
        clamped_weights = data_freq[:, None] * cond
        pos = _weighted_correlations(states, clamped_weights.reshape(-1))
        neg = _weighted_correlations(states, joint)
        return BMGradient(pos.W - neg.W, pos.b - neg.b)


def _weighted_correlations(states: torch.Tensor, weights: torch.Tensor) -> BMGradient:
    corr = (states * weights[:, None]).T @ states
    return BMGradient(corr.fill_diagonal_(0.0), weights @ states)


@torch.no_grad()
def boltzmann_gradient(
    bm: BoltzmannMachine,
    visible: torch.Tensor,
    free_chains: torch.Tensor,
    *,
    n_sweeps: int = 5,
    generator: torch.Generator | None = None,
) -> tuple[BMGradient, torch.Tensor]:
    """Monte Carlo estimate of the log-likelihood gradient.
    Library only: the Monte Carlo estimator inside train_boltzmann (Lecture 7 §5), public for tests and other loops.

    Clamped phase: ``visible`` (B, n_visible) with random hidden units, ``n_sweeps``
    sweeps of the hidden units only. Free phase: the persistent ``free_chains``
    (C, n) run ``n_sweeps`` more sweeps of all units. Returns the gradient
    (clamped minus free correlations) and the updated free chains.
    """
    if not isinstance(bm, BoltzmannMachine):
        raise TypeError(f"bm: expected a BoltzmannMachine, got {describe(bm)}")
    bm._check_visible(visible)                                         # 0/1, like the model (Gibbs needs 0/1 states)
    check_binary("free_chains", bm._check_states(free_chains, "free_chains"))
    check_positive_int("n_sweeps", n_sweeps)
    clamped = bm.gibbs(bm.clamp(visible, generator=generator), n_sweeps, clamp_visible=True, generator=generator)
    free_chains = bm.gibbs(free_chains, n_sweeps, generator=generator)
    pos, neg = _correlations(clamped), _correlations(free_chains)
    return BMGradient(pos.W - neg.W, pos.b - neg.b), free_chains


@torch.no_grad()
def train_boltzmann(
    bm: BoltzmannMachine,
    data: torch.Tensor,
    *,
    epochs: int = 10,
    lr: float = 0.1,
    batch_size: int = 10,
    n_sweeps: int = 5,
    n_chains: int = 100,
    chains: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    callback=None,
) -> torch.Tensor:
    """Stochastic gradient ascent on ``mean log p(v)`` with :func:`boltzmann_gradient`
    (persistent free-phase chains: ``n_chains`` random states, or ``chains`` (C, n) returned by an
    earlier call, to continue with a smaller ``lr``). ``callback(epoch, bm)`` runs after each epoch.
    Returns the free chains.  Lecture 7 §5."""
    if not isinstance(bm, BoltzmannMachine):
        raise TypeError(f"bm: expected a BoltzmannMachine, got {describe(bm)}")
    bm._check_visible(data, "data")
    if data.shape[0] == 0:
        raise ValueError(f"data: expected at least one row, got {describe(data)}")
    check_positive_int("epochs", epochs)
    check_positive_float("lr", lr)
    check_positive_int("batch_size", batch_size)
    if chains is None:
        chains = bm.random_states(n_chains, generator=generator)
    else:
        bm._check_states(chains, "chains")
    for epoch in range(epochs):
        for (batch,) in batches((data,), batch_size, generator=generator):
            grad, chains = boltzmann_gradient(bm, batch, chains, n_sweeps=n_sweeps, generator=generator)
            bm.W.add_(grad.W, alpha=lr)
            bm.b.add_(grad.b, alpha=lr)
        if callback is not None:
            callback(epoch, bm)
    return chains
