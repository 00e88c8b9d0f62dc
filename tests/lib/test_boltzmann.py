"""Boltzmann machines with hidden units against exact enumeration."""
import pytest
import torch

from energylab.models.boltzmann import BoltzmannMachine, boltzmann_gradient, train_boltzmann
from energylab.samplers import enumerate_states, tv_bound, tv_distance


def make_bm(n_visible, n_hidden, generator, scale=1.0):
    bm = BoltzmannMachine(n_visible, n_hidden, weight_scale=scale, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        bm.b.normal_(0.0, 0.5, generator=generator)
    return bm


def test_energy_conditionals_and_partition_function_by_brute_force(generator):
    bm = make_bm(3, 2, generator)
    states = bm.all_states()
    W, b = bm.W.detach(), bm.b.detach()
    brute = torch.stack([-sum(s[i] * W[i, j] * s[j] for i in range(5) for j in range(i + 1, 5)) - s @ b for s in states])
    assert torch.allclose(bm.energy(states), brute)
    assert torch.allclose(bm.log_partition(), torch.logsumexp(-brute, 0))
    assert torch.allclose(bm.exact_visible_log_probs().exp().sum(), torch.ones((), dtype=torch.float64))
    # p(s_i = 1 | rest) from the energies of the two completions
    for i in range(5):
        on, off = states.clone(), states.clone()
        on[:, i], off[:, i] = 1.0, 0.0
        expected = torch.sigmoid(bm.energy(off) - bm.energy(on))
        assert torch.allclose(bm.unit_probs(states, i), expected)


def test_sequential_gibbs_reaches_the_exact_joint_distribution(generator):
    bm = make_bm(3, 3, generator)
    chains = 20000
    samples = bm.gibbs(bm.random_states(chains, generator=generator), 30, generator=generator)
    log_p = bm.exact_log_probs().detach()
    assert tv_distance(samples, log_p) < tv_bound(log_p, chains)


def test_clamped_gibbs_samples_the_exact_posterior(generator):
    bm = make_bm(2, 3, generator)
    v = torch.tensor([1.0, 0.0], dtype=torch.float64)
    chains = 20000
    samples = bm.gibbs(bm.clamp(v.expand(chains, 2), generator=generator), 30, clamp_visible=True, generator=generator)
    assert torch.all(samples[:, :2] == v)
    joint = bm.exact_log_probs().detach().reshape(4, 8)
    log_post = joint[2] - torch.logsumexp(joint[2], 0)  # v = (1, 0) is visible state number 2
    assert tv_distance(samples[:, 2:], log_post) < tv_bound(log_post, chains)


def test_exact_gradient_equals_autograd_of_exact_log_likelihood(generator):
    bm = make_bm(3, 2, generator)
    data = enumerate_states(3, dtype=torch.float64)[[0, 3, 5, 6, 6]]
    bm.log_likelihood(data).backward()
    grad = bm.exact_gradient(data)
    # E uses -1/2 s^T W s: each coupling appears as W_ij and W_ji, so d/dw_ij = 2 dL/dW_ij
    assert torch.allclose(grad.W, 2 * bm.W.grad.fill_diagonal_(0.0))
    assert torch.allclose(grad.b, bm.b.grad)


def test_clamped_and_free_phase_estimate_the_exact_gradient(generator):
    bm = make_bm(3, 2, generator, scale=0.5)
    data = enumerate_states(3, dtype=torch.float64)[[0, 3, 5, 6]].repeat(2500, 1)
    chains = bm.random_states(10000, generator=generator)
    grad, chains = boltzmann_gradient(bm, data, chains, n_sweeps=30, generator=generator)
    exact = bm.exact_gradient(data)
    # each entry is a difference of two means of 0/1 products over 10^4 samples: sd < 0.01
    assert torch.allclose(grad.W, exact.W, atol=0.04)
    assert torch.allclose(grad.b, exact.b, atol=0.04)


def test_clamped_free_learning_raises_the_exact_log_likelihood():
    g = torch.Generator().manual_seed(0)
    data = torch.tensor([[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1]], dtype=torch.float64).repeat(10, 1)
    bm = BoltzmannMachine(4, 2, weight_scale=0.5, generator=g, dtype=torch.float64)
    start = bm.log_likelihood(data).item()  # about -4 log 2
    train_boltzmann(bm, data, epochs=20, lr=0.3, batch_size=30, n_sweeps=2, n_chains=100, generator=g)
    end = bm.log_likelihood(data).item()  # the optimum is -log 3 = -1.10
    assert start < -2.8 and end > -2.2


def test_clear_errors(generator):
    with pytest.raises(ValueError, match="n_hidden"):
        BoltzmannMachine(3, -1)
    bm = BoltzmannMachine(3, 2)
    with pytest.raises(ValueError, match="states"):
        bm.energy(torch.zeros(4, 3))
    with pytest.raises(ValueError, match="visible"):
        bm.clamp(torch.zeros(4, 5))
    with pytest.raises(TypeError, match="generator"):
        bm.gibbs(torch.zeros(4, 5), generator=1)


def test_training_continues_from_returned_chains_exactly():
    """Two calls, the second given the first's chains, are the same run as one call of both lengths."""
    data = torch.tensor([[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1]], dtype=torch.float64).repeat(4, 1)
    runs = []
    for split in (False, True):
        g = torch.Generator().manual_seed(3)
        bm = BoltzmannMachine(4, 2, weight_scale=0.5, generator=g, dtype=torch.float64)
        if split:
            chains = train_boltzmann(bm, data, epochs=2, lr=0.3, batch_size=6, n_chains=20, generator=g)
            chains = train_boltzmann(bm, data, epochs=3, lr=0.3, batch_size=6, chains=chains, generator=g)
        else:
            chains = train_boltzmann(bm, data, epochs=5, lr=0.3, batch_size=6, n_chains=20, generator=g)
        runs.append((bm.W.detach().clone(), bm.b.detach().clone(), chains))
    for a, b in zip(*runs):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    with pytest.raises(ValueError, match="chains"):
        train_boltzmann(bm, data, epochs=1, chains=torch.zeros(5, 3, dtype=torch.float64))
