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
    with pytest.raises(ValueError, match="states"):
        recall(torch.ones(3, 2, 4), torch.zeros(2, 4, 4))


def _async_update_plain(states, weights, n_sweeps, generator):
    """The textbook loop: every unit's field computed afresh, ``s_i <- sign(s . W_:i)``."""
    states = states.clone()
    for _ in range(n_sweeps):
        for i in torch.randperm(weights.shape[0], generator=generator).tolist():
            field = states @ weights[:, i]
            states[:, i] = torch.where(field > 0, 1.0, torch.where(field < 0, -1.0, states[:, i]))
    return states


@pytest.mark.parametrize("hebbian", [False, True])
def test_incremental_fields_give_the_textbook_updates(hebbian, generator):
    """async_update keeps the fields up to date instead of recomputing them: same states, draw for draw
    (random weights, and integer Hebbian weights with many exact ties)."""
    n = 30
    if hebbian:
        patterns = random_patterns(6, n, generator=generator, dtype=torch.float64)
        weights = (patterns.T @ patterns).fill_diagonal_(0.0)
    else:
        weights = random_symmetric(n, generator)
    start = random_patterns(12, n, generator=generator, dtype=torch.float64)
    seed = int(torch.randint(0, 2**31, (1,), generator=generator))
    fast = async_update(start, weights, n_sweeps=3, generator=torch.Generator().manual_seed(seed))
    plain = _async_update_plain(start, weights, 3, torch.Generator().manual_seed(seed))
    assert torch.equal(fast, plain)


def test_a_stack_of_networks_recalls_like_each_network_alone(generator):
    """recall on (K, B, N) states with (K, N, N) weights = recall of each network on its own with the
    same random orders (a network at its fixed point is unchanged by further sweeps)."""
    patterns = random_patterns(3 * 9, 40, generator=generator).reshape(3, 9, 40)
    weights = torch.stack([hebbian_weights(p) for p in patterns])
    start = corrupt(patterns, 0.2, generator=generator)
    together = recall(start, weights, generator=torch.Generator().manual_seed(5))
    for k in range(3):
        alone = recall(start[k], weights[k], generator=torch.Generator().manual_seed(5))
        assert torch.equal(together[k], alone)
    _, energies = async_update(start, weights, n_sweeps=2, generator=generator, return_energies=True)
    assert energies.shape == (2 * 40 + 1, 3, 9) and torch.all(energies[1:] <= energies[:-1] + 1e-6)


def test_capacity_curve_is_recall_of_each_network_with_hebbs_rule():
    """capacity_curve stores with N W (integer fields) and settles every network at once; recalling each
    (load, trial) network on its own with Hebb's W / N gives the same overlaps (same random orders:
    a network at its fixed point is unchanged by further sweeps)."""
    loads, n_trials = [0.1, 0.25], 3
    curve = capacity_curve(64, loads, n_trials=n_trials, generator=torch.Generator().manual_seed(3))
    g = torch.Generator().manual_seed(3)
    sets = [random_patterns(round(alpha * 64), 64, generator=g) for alpha in loads for _ in range(n_trials)]
    seed_state = g.get_state()
    by_hand = []
    for patterns in sets:
        g.set_state(seed_state)                                      # every network sees the same orders
        final = recall(patterns, hebbian_weights(patterns), n_sweeps=20, generator=g)
        by_hand.append((final * patterns).mean(-1).mean().item())
    torch.testing.assert_close(curve, torch.tensor(by_hand).reshape(2, n_trials).mean(1))
