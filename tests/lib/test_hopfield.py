"""Hopfield networks: energy descent, Hebbian recall, oscillation, capacity."""
import pytest
import torch

from energylab.models.hopfield import (
    HopfieldNetwork,
    async_update,
    capacity_curve,
    corrupt,
    hebbian_weights,
    hopfield_energy,
    random_patterns,
    recall,
    sync_update,
)
from energylab.samplers import enumerate_states


def random_symmetric(n, generator):
    noise = torch.randn(n, n, generator=generator, dtype=torch.float64)
    return ((noise + noise.T) / 2).fill_diagonal_(0.0)


def test_energy_is_minus_half_quadratic_form(generator):
    weights = random_symmetric(5, generator)
    states = enumerate_states(5, spins=True, dtype=torch.float64)
    brute = torch.tensor([-sum(s[i] * weights[i, j] * s[j] for i in range(5) for j in range(i + 1, 5)) for s in states])
    assert torch.allclose(hopfield_energy(states, weights), brute.double())


def test_asynchronous_updates_never_increase_energy(generator):
    weights = random_symmetric(40, generator)
    start = random_patterns(25, 40, generator=generator, dtype=torch.float64)
    final, energies = async_update(start, weights, n_sweeps=4, generator=generator, return_energies=True)
    assert energies.shape == (4 * 40 + 1, 25)
    assert torch.all(energies[1:] - energies[:-1] <= 1e-12)
    assert torch.all(energies[-1] < energies[0])
    # four sweeps of a random symmetric net usually reach a fixed point: check it is a local minimum
    settled = recall(final, weights, generator=generator)
    flips = settled[:, None, :] * (1 - 2 * torch.eye(40, dtype=torch.float64))  # every single flip
    e_flip = hopfield_energy(flips.reshape(-1, 40), weights).reshape(25, 40)
    assert torch.all(e_flip >= hopfield_energy(settled, weights)[:, None] - 1e-12)


def test_hebbian_storage_recalls_corrupted_patterns(generator):
    patterns = random_patterns(5, 100, generator=generator, dtype=torch.float64)
    net = HopfieldNetwork(100, dtype=torch.float64).store(patterns)
    assert torch.allclose(net.weights, net.weights.T) and torch.all(net.weights.diag() == 0)
    assert torch.equal(net.sync_update(patterns), patterns)  # stored patterns are fixed points
    noisy = corrupt(patterns, 0.15, generator=generator)
    assert (noisy != patterns).any()
    assert torch.equal(net.recall(noisy, generator=generator), patterns)


def test_synchronous_updates_can_oscillate_where_asynchronous_settle(generator):
    weights = torch.tensor([[0.0, -1.0], [-1.0, 0.0]], dtype=torch.float64)
    start = torch.tensor([[1.0, 1.0]], dtype=torch.float64)
    one, two = sync_update(start, weights), sync_update(start, weights, n_sweeps=2)
    assert torch.equal(one, -start) and torch.equal(two, start)  # a 2-cycle
    settled = recall(start, weights, generator=generator)
    assert settled[0, 0] == -settled[0, 1]  # an energy minimum


def test_mixture_states_are_spurious_minima(generator):
    patterns = random_patterns(3, 201, generator=generator, dtype=torch.float64)
    weights = hebbian_weights(patterns)
    mixture = torch.sign(patterns.sum(0, keepdim=True))
    settled = recall(mixture, weights, generator=generator)
    overlaps = (settled * patterns).mean(-1)
    assert torch.all(overlaps.abs() < 0.9)  # not one of the stored patterns ...
    assert torch.all(overlaps > 0.3)  # ... but a stable state close to all three


def test_capacity_curve_drops_between_low_and_high_load():
    g = torch.Generator().manual_seed(0)
    low, high = capacity_curve(100, [0.05, 0.3], n_trials=2, generator=g).tolist()
    assert low > 0.98
    assert high < 0.85


def test_clear_errors():
    with pytest.raises(ValueError, match="patterns"):
        hebbian_weights(torch.tensor([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="states"):
        hopfield_energy(torch.ones(2, 3), torch.zeros(4, 4))
    with pytest.raises(ValueError, match="weights"):
        sync_update(torch.ones(2, 3), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="flip_fraction"):
        corrupt(torch.ones(2, 3), 1.5)
    with pytest.raises(TypeError, match="generator"):
        async_update(torch.ones(2, 3), torch.zeros(3, 3), generator="seed")
