r"""Hopfield networks (Hopfield, 1982): an energy over binary spins with
memories stored as its local minima.

States are spins ``s_i`` in {-1, +1}; the symmetric weights have zero diagonal.

.. math::

    E(s) = -\tfrac12 \sum_{i,j} s_i W_{ij} s_j = -\sum_{i<j} s_i W_{ij} s_j

(low energy = stable). An **asynchronous** update sets one unit to the sign of
its local field, ``s_i <- sign(sum_j W_ij s_j)``; this can only lower ``E`` or
leave it unchanged (the change is ``-2 |h_i|`` when ``s_i`` flips), so the
network slides into a local minimum. A **synchronous** update sets all units at
once and may oscillate between two states instead. Ties (field exactly 0) keep
the current value. This is the zero-temperature (``beta -> inf``) limit of
Gibbs sampling in a Boltzmann machine.

**Hebbian storage** of P patterns ``xi^mu``: ``W = (1/N) sum_mu xi^mu xi^mu^T``,
diagonal set to zero. Patterns are recalled reliably while ``P/N`` is below
about 0.14 (Amit, Gutfreund & Sompolinsky, 1985); beyond that, and already
before it, there are **spurious** minima (e.g. mixtures ``sign(xi^1 + xi^2 + xi^3)``).
"""
from __future__ import annotations

import torch

from .._checks import (check_device, check_dtype, check_generator, check_like, check_positive_float, check_positive_int,
                       check_tensor, describe)

__all__ = [
    "hebbian_weights",
    "hopfield_energy",
    "async_update",
    "sync_update",
    "recall",
    "corrupt",
    "random_patterns",
    "capacity_curve",
    "HopfieldNetwork",
]


def _check_weights(weights: torch.Tensor) -> torch.Tensor:
    check_tensor("weights", weights, ndim=2)
    if weights.shape[0] != weights.shape[1]:
        raise ValueError(f"weights: expected a square matrix, got {describe(weights)}")
    return weights


def _check_states(states: torch.Tensor, weights: torch.Tensor, *, spins: bool = False) -> torch.Tensor:
    """(B, N) states with the dtype and device of ``weights``; with ``spins`` (the updates, whose
    result is discrete, so a NaN would vanish) the values must be ±1 and ``weights`` finite."""
    check_like("states", check_tensor("states", states, ndim=2, last_dim=weights.shape[0]), weights, "weights")
    if spins:
        if not torch.all(states.abs() == 1):
            raise ValueError(f"states: expected spins in {{-1, +1}} (map 0/1 bits with 2 * bits - 1), "
                             f"got values {states.unique()[:6].tolist()}")
        if not torch.all(weights.isfinite()):
            raise ValueError(f"weights: expected finite entries (the updates read only their signs), got "
                             f"{int((~weights.isfinite()).sum())} non-finite")
    return states


def hebbian_weights(patterns: torch.Tensor) -> torch.Tensor:
    """Hebb's rule: ``W = patterns^T patterns / N`` with zero diagonal.  Lecture 7 §1.

    ``patterns``: (P, N) spins in {-1, +1}. Returns (N, N).
    """
    check_tensor("patterns", patterns, ndim=2)
    if not torch.all(patterns.abs() == 1):
        raise ValueError("patterns: expected spins in {-1, +1}")
    n = patterns.shape[1]
    weights = patterns.T @ patterns / n
    return weights.fill_diagonal_(0.0)


def hopfield_energy(states: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """``E(s) = -1/2 s^T W s`` for each row of ``states`` (B, N); returns (B,).  Lecture 7 §2."""
    _check_weights(weights)
    _check_states(states, weights)
    return -0.5 * ((states @ weights) * states).sum(-1)


def _sign_keep_ties(field: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
    return torch.where(field > 0, 1.0, torch.where(field < 0, -1.0, current)).to(current.dtype)


def async_update(
    states: torch.Tensor,
    weights: torch.Tensor,
    *,
    n_sweeps: int = 1,
    generator: torch.Generator | None = None,
    return_energies: bool = False,
):
    """Asynchronous updates: ``n_sweeps`` passes over the units in a random order
    (one order per sweep, drawn from ``generator``, shared by the batch).  Lecture 7 §2.

    Returns the new states (B, N); with ``return_energies=True`` also the energy
    after every single-unit update, shape (n_sweeps * N + 1, B), starting with
    the initial energy -- a non-increasing sequence for every chain.
    """
    _check_weights(weights)
    _check_states(states, weights, spins=True)
    check_positive_int("n_sweeps", n_sweeps)
    check_generator("generator", generator, like=states)
    n = weights.shape[0]
    states = states.clone()
    energies = [hopfield_energy(states, weights)] if return_energies else None
    for _ in range(n_sweeps):
        order = torch.randperm(n, generator=generator, device=generator.device if generator is not None else None)
        for i in order.tolist():
            field = states @ weights[:, i]  # (B,)
            states[:, i] = _sign_keep_ties(field, states[:, i])
            if return_energies:
                energies.append(hopfield_energy(states, weights))
    if return_energies:
        return states, torch.stack(energies)
    return states


def sync_update(states: torch.Tensor, weights: torch.Tensor, *, n_sweeps: int = 1) -> torch.Tensor:
    """Synchronous updates: every unit at once, ``s <- sign(W s)``, ``n_sweeps`` times (each a sweep
    of all units in parallel).  Lecture 7 §2."""
    _check_weights(weights)
    _check_states(states, weights, spins=True)
    check_positive_int("n_sweeps", n_sweeps)
    for _ in range(n_sweeps):
        states = _sign_keep_ties(states @ weights, states)
    return states


def recall(
    states: torch.Tensor,
    weights: torch.Tensor,
    *,
    n_sweeps: int = 50,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """At most ``n_sweeps`` asynchronous sweeps, stopping early at a fixed point (no unit changes).
    Lecture 7 §1–4."""
    check_positive_int("n_sweeps", n_sweeps)
    for _ in range(n_sweeps):
        new = async_update(states, weights, generator=generator)
        if torch.equal(new, states):
            break
        states = new
    return states


def corrupt(patterns: torch.Tensor, flip_fraction: float, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Flip each spin of ``patterns`` independently with probability ``flip_fraction``.  Lecture 7 §1–2."""
    check_tensor("patterns", patterns)
    check_positive_float("flip_fraction", flip_fraction, allow_zero=True)
    if flip_fraction > 1:
        raise ValueError(f"flip_fraction: expected a number in [0, 1], got {flip_fraction!r}")
    check_generator("generator", generator, patterns)
    flips = torch.rand(patterns.shape, generator=generator, dtype=patterns.dtype, device=patterns.device)
    return torch.where(flips < flip_fraction, -patterns, patterns)


def random_patterns(n_patterns: int, n_units: int, *, generator=None, dtype=torch.float32, device=None) -> torch.Tensor:
    """(P, N) independent random spins, each +1 or -1 with probability 1/2.
    Library only: the random patterns of capacity_curve (Lecture 7 §4)."""
    check_positive_int("n_patterns", n_patterns)
    check_positive_int("n_units", n_units)
    check_generator("generator", generator)
    dtype, device = check_dtype("dtype", dtype), check_device("device", device)
    bits = torch.randint(0, 2, (n_patterns, n_units), generator=generator, device=device)
    return (2 * bits - 1).to(dtype)


def capacity_curve(
    n_units: int,
    loads,
    *,
    n_trials: int = 5,
    flip_fraction: float = 0.0,
    n_sweeps: int = 20,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The capacity experiment: for each load ``alpha = P / N``, store P random
    patterns by Hebb's rule, start from each (optionally corrupted) pattern, run
    :func:`recall`, and measure the mean overlap ``m = s . xi / N`` with the
    stored pattern (1 = perfect recall). Returns (len(loads),) mean overlaps,
    averaged over patterns and ``n_trials`` independent pattern sets.
    Lecture 7 §4.
    """
    check_positive_int("n_units", n_units)
    check_positive_int("n_trials", n_trials)
    overlaps = []
    for alpha in loads:
        check_positive_float("loads", float(alpha))
        n_patterns = max(1, round(alpha * n_units))
        total = 0.0
        for _ in range(n_trials):
            patterns = random_patterns(n_patterns, n_units, generator=generator)
            weights = hebbian_weights(patterns)
            start = corrupt(patterns, flip_fraction, generator=generator) if flip_fraction else patterns
            final = recall(start, weights, n_sweeps=n_sweeps, generator=generator)
            total += (final * patterns).mean(-1).mean().item()
        overlaps.append(total / n_trials)
    return torch.tensor(overlaps)


class HopfieldNetwork:
    """A small object around the functions above: ``store`` patterns, ``recall`` them.  Lecture 7 §1–3.

    >>> net = HopfieldNetwork(100)
    >>> net.store(patterns)            # (P, 100) spins
    >>> net.recall(noisy, generator=g)  # (B, 100) -> (B, 100)
    """

    def __init__(self, n_units: int, *, dtype=torch.float32, device=None):
        check_positive_int("n_units", n_units)
        dtype, device = check_dtype("dtype", dtype), check_device("device", device)
        self.weights = torch.zeros(n_units, n_units, dtype=dtype, device=device)

    @property
    def n_units(self) -> int:
        """The number of units N.  Lecture 7 §1."""
        return self.weights.shape[0]

    def store(self, patterns: torch.Tensor) -> "HopfieldNetwork":
        """Set the weights by Hebb's rule from ``patterns`` (P, N).  Lecture 7 §1, §3."""
        check_like("patterns", check_tensor("patterns", patterns, ndim=2, last_dim=self.n_units), self.weights,
                   "the network's weights")
        self.weights = hebbian_weights(patterns)
        return self

    def energy(self, states: torch.Tensor) -> torch.Tensor:
        """``E(s) = -1/2 s^T W s`` for (B, N) states (hopfield_energy).  Lecture 7 §2–3."""
        return hopfield_energy(states, self.weights)

    def async_update(self, states, **kwargs):
        """async_update with the stored weights.  Library only (Lecture 7 §2 calls the function)."""
        return async_update(states, self.weights, **kwargs)

    def sync_update(self, states, **kwargs):
        """sync_update with the stored weights.  Library only (Lecture 7 §2 calls the function)."""
        return sync_update(states, self.weights, **kwargs)

    def recall(self, states, **kwargs):
        """recall with the stored weights: settle into a fixed point.  Lecture 7 §1, §3."""
        return recall(states, self.weights, **kwargs)
