r"""Exact oracles for small discrete models: list every state, normalise
``p(x) = exp(-beta E(x)) / Z`` by brute force (with
:func:`energylab.gibbs.gibbs_log_probabilities` over the listed states), and measure how far a sampler's
empirical distribution is from it (total-variation distance).

These are the answer keys for every sampler in the course: with ``n`` binary
units there are ``2**n`` states, so this only works for ``n`` up to about 20 --
which is exactly why the other samplers exist.
"""
from __future__ import annotations

import math

import torch

from .._checks import check_bool, check_device, check_dtype, check_positive_float, check_positive_int, check_tensor, describe

__all__ = [
    "MAX_ENUMERATED_UNITS",
    "enumerate_states",
    "state_index",
    "empirical_distribution",
    "tv_distance",
    "tv_bound",
]

#: Enumerating more than 2**MAX_ENUMERATED_UNITS states is refused (memory/time).
MAX_ENUMERATED_UNITS = 24


def enumerate_states(
    n_units: int,
    *,
    spins: bool = False,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """All ``2**n_units`` binary states, shape (2**n_units, n_units).  Lecture 7 §5, homework 2.

    Row ``k`` is the binary expansion of ``k`` with the *first* unit as the most
    significant bit, so ``state_index(enumerate_states(n)) == arange(2**n)``.
    Values are {0, 1}, or {-1, +1} with ``spins=True``.
    """
    check_positive_int("n_units", n_units)
    if n_units > MAX_ENUMERATED_UNITS:
        raise ValueError(
            f"n_units: expected at most {MAX_ENUMERATED_UNITS} units to enumerate "
            f"(2**n states), got {n_units}"
        )
    check_bool("spins", spins)
    dtype, device = check_dtype("dtype", dtype, floating=False), check_device("device", device)
    codes = torch.arange(2**n_units, device=device)
    shifts = torch.arange(n_units - 1, -1, -1, device=device)
    states = ((codes[:, None] >> shifts) & 1).to(dtype)
    return 2 * states - 1 if spins else states


def _check_states(name: str, states) -> torch.Tensor:
    check_tensor(name, states, ndim=2, floating=False)
    if not bool(((states == 0) | (states == 1) | (states == -1)).all()):
        raise ValueError(f"{name}: expected 0/1 (or ±1) states, got values {states.unique()[:6].tolist()}")
    return states


def state_index(states: torch.Tensor) -> torch.Tensor:
    """The row number of each state in :func:`enumerate_states`, shape (B,).
    Lecture 7 §5 (through BoltzmannMachine.log_likelihood).

    Accepts {0, 1} or {-1, +1} values (anything > 0 counts as "on").
    """
    _check_states("states", states)
    n_units = states.shape[-1]
    weights = 2 ** torch.arange(n_units - 1, -1, -1, device=states.device)
    return ((states > 0).long() * weights).sum(-1)


def empirical_distribution(samples: torch.Tensor, n_states: int | None = None) -> torch.Tensor:
    """Fraction of ``samples`` (B, n) in each state of :func:`enumerate_states`, shape (2**n,).
    Lecture 7 §5."""
    _check_states("samples", samples)
    n_states = 2 ** samples.shape[-1] if n_states is None else check_positive_int("n_states", n_states)
    counts = torch.bincount(state_index(samples), minlength=n_states)
    dtype = samples.dtype if samples.is_floating_point() else torch.float64
    return counts.to(dtype) / samples.shape[0]


def tv_distance(samples: torch.Tensor, log_probs: torch.Tensor) -> float:
    r"""Total-variation distance ``1/2 sum_x |p_hat(x) - p(x)|`` between the empirical
    distribution of ``samples`` (B, n) and the exact ``p = exp(log_probs)`` over the
    ``2**n`` states of :func:`enumerate_states`.  Lecture 7 §5, homework 2."""
    check_tensor("log_probs", log_probs, ndim=1)
    check_tensor("samples", samples, ndim=2, floating=False)
    if samples.dim() != 2 or 2 ** samples.shape[-1] != log_probs.shape[0]:
        raise ValueError(
            f"samples: expected (B, n) with 2**n == len(log_probs) = {log_probs.shape[0]}, "
            f"got {describe(samples)}"
        )
    p_hat = empirical_distribution(samples).to(log_probs)
    return 0.5 * (p_hat - log_probs.exp()).abs().sum().item()


def tv_bound(log_probs: torch.Tensor, n_samples: int, delta: float = 1e-3) -> float:
    r"""A level that the TV distance of ``n_samples`` *independent* exact samples
    exceeds with probability at most ``delta``.  Lecture 7 §5, homework 2.

    Two pieces, both standard:

    * the mean: ``E[TV] <= 1/2 sum_x sqrt(p(x) (1 - p(x)) / n)`` (Jensen on each
      ``E|p_hat(x) - p(x)|`` with the binomial variance);
    * the fluctuation: changing one sample moves TV by at most ``1/n``, so
      McDiarmid's inequality gives ``P(TV - E[TV] >= t) <= exp(-2 n t^2)``, i.e.
      ``t = sqrt(log(1/delta) / (2n))``.

    A correct sampler whose chains have mixed stays below this; a sampler aimed
    at the wrong distribution drifts above it as ``n`` grows.
    """
    check_tensor("log_probs", log_probs, ndim=1)
    if log_probs.shape[0] & (log_probs.shape[0] - 1):
        raise ValueError(f"log_probs: expected 2**n entries (one per state), got {describe(log_probs)}")
    check_positive_int("n_samples", n_samples)
    check_positive_float("delta", delta)
    if delta >= 1:
        raise ValueError(f"delta: expected a probability in (0, 1), got {delta!r}")
    p = log_probs.exp()
    mean_part = 0.5 * torch.sqrt(p * (1 - p) / n_samples).sum().item()
    return mean_part + math.sqrt(math.log(1 / delta) / (2 * n_samples))
