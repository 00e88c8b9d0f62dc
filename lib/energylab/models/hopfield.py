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
                       check_probability, check_tensor, describe)

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
    check_tensor("weights", weights, ndim=(2, 3))
    if weights.shape[-1] != weights.shape[-2]:
        raise ValueError(f"weights: expected a square matrix (N, N) or a stack of them (K, N, N), got {describe(weights)}")
    return weights


def _check_states(states: torch.Tensor, weights: torch.Tensor, *, spins: bool = False) -> torch.Tensor:
    """(B, N) states for one network (N, N), or (K, B, N) for a stack of K networks (K, N, N), with
    the dtype and device of ``weights``; with ``spins`` (the updates, whose result is discrete, so
    a NaN would vanish) the values must be ±1 and ``weights`` finite."""
    if weights.dim() == 2:
        check_tensor("states", states, ndim=2, last_dim=weights.shape[0])
    else:
        check_tensor("states", states, ndim=3, last_dim=weights.shape[-1])
        if states.shape[0] != weights.shape[0]:
            raise ValueError(f"states: expected ({weights.shape[0]}, B, {weights.shape[-1]}) for "
                             f"{weights.shape[0]} networks, got {describe(states)}")
    check_like("states", states, weights, "weights")
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
    """``sign(field)``, or ``current`` where the field is exactly 0 (the synchronous update)."""
    return torch.where(field > 0, 1.0, torch.where(field < 0, -1.0, current)).to(current.dtype)


class _Fields:
    """Spins and their local fields ``h = s W`` for R rows of states, row r belonging to network
    ``owner[r]`` of a stack of weights (K, N, N).

    Unit i of row r flips when its field points the other way, ``s_i h_i < 0`` (a tie, ``h_i = 0``,
    keeps it).  Then every field of that row changes by ``-2 s_i W_i:`` of the row's own network;
    only the rows that flipped are touched, so a sweep near a fixed point costs about ``R N``
    instead of the ``R N²`` of recomputing every field."""

    def __init__(self, rows, weights, owner):
        self.weights, self.owner = weights, owner                                    # (K, N, N), (R,)
        self.spins = rows.clone()                                                    # (R, N)
        self.fields = torch.empty_like(self.spins)
        for k in range(weights.shape[0]):
            mine = owner == k
            self.fields[mine] = rows[mine] @ weights[k]

    @classmethod
    def of(cls, states, weights):
        """(B, N) states of one network (N, N), or (K, B, N) of a stack (K, N, N)."""
        if weights.dim() == 2:
            states, weights = states[None], weights[None]
        k, b, n = states.shape
        return cls(states.reshape(k * b, n), weights, torch.arange(k, device=states.device).repeat_interleave(b))


    def sweep(self, order, energies=None) -> torch.Tensor:
        """Update the units one at a time in ``order``; returns the number of flips of each row (R,)."""
        flips = torch.zeros(self.spins.shape[0], dtype=torch.long, device=self.spins.device)
        for i in order:
            rows = torch.nonzero(self.spins[:, i] * self.fields[:, i] < 0).squeeze(1)   # rows where unit i flips
            if rows.numel():
                step = -2 * self.spins[rows, i]                                      # the change of s_i
                self.fields[rows] += step[:, None] * self.weights[self.owner[rows], i]
                self.spins[rows, i] = -self.spins[rows, i]
                flips[rows] += 1
            if energies is not None:
                energies.append(-0.5 * (self.spins * self.fields).sum(-1))
        return flips

    def settle(self, n_sweeps, generator) -> torch.Tensor:
        """At most ``n_sweeps`` sweeps in random orders; a network leaves the loop after a sweep in which
        none of its rows flipped (its fixed point: more sweeps would not change it).  Returns (R, N)."""
        final = self.spins.clone()
        rows = torch.arange(final.shape[0], device=final.device)                     # original index of each row
        for _ in range(n_sweeps):
            flips = self.sweep(_random_order(self.spins.shape[1], generator, self.spins))
            final[rows] = self.spins
            moving = torch.zeros(self.weights.shape[0], dtype=torch.long, device=flips.device).index_add_(
                0, self.owner, flips)[self.owner] > 0                                # rows whose network still moves
            if not moving.any():
                break
            rows, self.owner = rows[moving], self.owner[moving]
            self.spins, self.fields = self.spins[moving], self.fields[moving]
        return final


def _random_order(n, generator, like):
    return torch.randperm(n, generator=generator, device=generator.device if generator is not None else like.device).tolist()


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

    ``states`` (B, N) with ``weights`` (N, N), or K networks at once: (K, B, N) with (K, N, N).
    Returns the new states; with ``return_energies=True`` also the energy after every
    single-unit update, shape (n_sweeps * N + 1, B) (or (…, K, B)), starting with the initial
    energy -- a non-increasing sequence for every chain.  The fields are kept up to date as
    units flip (see ``_Fields``), not recomputed.
    """
    _check_weights(weights)
    _check_states(states, weights, spins=True)
    check_positive_int("n_sweeps", n_sweeps)
    check_generator("generator", generator, like=states)
    net = _Fields.of(states, weights)
    energies = [hopfield_energy(states, weights).reshape(-1)] if return_energies else None
    for _ in range(n_sweeps):
        net.sweep(_random_order(weights.shape[-1], generator, states), energies)
    if return_energies:
        return net.spins.reshape(states.shape), torch.stack(energies).reshape(-1, *states.shape[:-1])
    return net.spins.reshape(states.shape)


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
    """At most ``n_sweeps`` asynchronous sweeps, stopping early at a fixed point (a sweep in
    which no unit changes).  Shapes as in :func:`async_update`.  Lecture 7 §1–4."""
    _check_states(states, _check_weights(weights), spins=True)
    check_positive_int("n_sweeps", n_sweeps)
    check_generator("generator", generator, like=states)
    return _Fields.of(states, weights).settle(n_sweeps, generator).reshape(states.shape)


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
    averaged over the patterns of each set, then over ``n_trials`` independent pattern sets.
    All ``len(loads) * n_trials`` networks are recalled together (one Python loop over units).
    Lecture 7 §4.
    """
    check_positive_int("n_units", n_units)
    check_positive_int("n_trials", n_trials)
    check_positive_int("n_sweeps", n_sweeps)
    check_probability("flip_fraction", flip_fraction)
    if hasattr(loads, "tolist"):                                     # a tensor or a numpy array of loads
        loads = loads.tolist()
    if not isinstance(loads, (tuple, list, range)) or not loads:
        raise TypeError(f"loads: expected a non-empty sequence of loads P / N, got {describe(loads)}")
    sizes = []
    for alpha in loads:
        check_positive_float("loads", alpha)
        sizes.append(max(1, round(alpha * n_units)))
    # every (load, trial) is its own network; all of them settle together, one row per pattern
    patterns = [random_patterns(p, n_units, generator=generator) for p in sizes for _ in range(n_trials)]
    # Hebb's rule times N: the same dynamics (only the signs of the fields matter) with integer
    # fields that float32 holds exactly, so ties stay ties
    weights = torch.stack([(xi.T @ xi).fill_diagonal_(0.0) for xi in patterns])        # (K, N, N)
    owner = torch.cat([torch.full((len(xi),), k) for k, xi in enumerate(patterns)])
    stored = torch.cat(patterns)                                                        # (R, N)
    start = corrupt(stored, flip_fraction, generator=generator) if flip_fraction else stored
    final = _Fields(start, weights, owner).settle(n_sweeps, generator)
    overlap = (final * stored).mean(-1)                                                 # (R,)
    per_network = torch.zeros(len(patterns)).index_add_(0, owner, overlap) / torch.tensor([len(p) for p in patterns])
    return per_network.reshape(len(sizes), n_trials).mean(1)


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
