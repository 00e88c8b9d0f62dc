r"""Gibbs *sampling* (the sampler; the Gibbs *distribution* is :mod:`energylab.gibbs`): the helpers
shared by the Boltzmann machine and the RBM (Lecture 7 §5, Lecture 8 §4).

For binary units ``s_i`` in {0, 1} with energy ``E(s) = -1/2 s^T W s - b^T s``
(``W`` symmetric, zero diagonal) and ``p(s) ∝ exp(-beta E(s))``, each unit's
conditional given all the others is a coin flip:

.. math::

    p(s_i = 1 \mid s_{-i}) = \sigma\big(\beta\,(\textstyle\sum_j W_{ij} s_j + b_i)\big).

*Sequential* Gibbs resamples the units one after the other (each sees the
fresh values of the previous ones); *block* Gibbs resamples a whole layer at
once, which is exact only when the units of the layer do not interact (RBM).
"""
from __future__ import annotations

import torch

from .._checks import check_binary, check_generator, check_like, check_positive_float, check_tensor, describe

__all__ = ["sample_bernoulli", "sequential_gibbs_sweep"]


def sample_bernoulli(probs: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw 0/1 samples with ``P(1) = probs`` (same shape and dtype as ``probs``).  Lecture 7 §5, Lecture 8 §4.

    Implemented as ``uniform < probs`` with uniforms from ``generator`` -- the
    same recipe as scikit-learn's BernoulliRBM, so its randomness can be replayed.
    A NaN probability gives a NaN sample (NaN in, NaN out; ``uniform < NaN`` alone would read 0).
    """
    check_tensor("probs", probs)
    check_generator("generator", generator, probs)
    uniform = torch.rand(probs.shape, generator=generator, dtype=probs.dtype, device=probs.device)
    return uniform.lt_(probs).add_(probs * 0)  # 1.0 where uniform < probs, else 0.0; + 0 (NaN where probs is)


def sequential_gibbs_sweep(
    states: torch.Tensor,
    weights: torch.Tensor,
    bias: torch.Tensor,
    *,
    update: torch.Tensor | None = None,
    beta: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""One sweep of sequential Gibbs sampling over all chains at once.  Lecture 7 §5.

    Args:
        states: (B, n) current {0, 1} states of B independent chains.
        weights: (n, n) symmetric couplings with zero diagonal.
        bias: (n,) biases.
        update: optional (n,) bool mask of the units to resample (the others stay
            clamped, e.g. the visible units in the clamped phase). Default: all.
        beta: inverse temperature.

    Returns a new (B, n) tensor; units are visited in index order.
    """
    check_binary("states", check_tensor("states", states, ndim=2))
    n = states.shape[-1]
    for name, value, shape in (("weights", weights, (n, n)), ("bias", bias, (n,))):
        check_like(name, check_tensor(name, value), states, "states")
        if value.shape != shape:
            raise ValueError(f"{name}: expected shape {shape} for {n} units like states, got {describe(value)}")
    if not (torch.allclose(weights, weights.T) and bool((weights.diagonal() == 0).all())):
        raise ValueError("weights: expected symmetric couplings with a zero diagonal (a Boltzmann machine's W)")
    if update is not None and (not isinstance(update, torch.Tensor) or update.dtype != torch.bool
                               or update.shape != (n,) or update.device != states.device):
        raise TypeError(f"update: expected None or a bool mask of shape ({n},) on {states.device}, got {describe(update)}")
    check_positive_float("beta", beta, allow_zero=True)
    check_generator("generator", generator, like=states)
    units = range(n) if update is None else torch.nonzero(update).flatten().tolist()
    return _sequential_sweep(states, weights, bias, units, beta, generator)


def _sequential_sweep(states, weights, bias, units, beta=1.0, generator=None) -> torch.Tensor:
    """The sweep of :func:`sequential_gibbs_sweep` over ``units`` (indices), unchecked: the inner loop of
    :meth:`energylab.models.BoltzmannMachine.gibbs`, which checks its arguments once."""
    states = states.clone()
    for i in units:  # a loop over units (time), vectorised over chains
        field = states @ weights[:, i] + bias[i]  # (B,)
        states[:, i] = sample_bernoulli(torch.sigmoid(beta * field), generator=generator)
    return states
