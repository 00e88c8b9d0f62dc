"""Exact oracles, Gibbs helpers and AIS bookkeeping in energylab.samplers."""
import math

import pytest
import torch

from energylab.gibbs import gibbs_log_probabilities as exact_log_probs
from energylab.samplers import (
    beta_schedule,
    empirical_distribution,
    enumerate_states,
    sample_bernoulli,
    sequential_gibbs_sweep,
    state_index,
    summarize_ais,
    tv_bound,
    tv_distance,
)


def random_bm(n, generator, scale=1.0):
    noise = torch.randn(n, n, generator=generator, dtype=torch.float64) * scale
    weights = ((noise + noise.T) / 2).fill_diagonal_(0.0)
    bias = torch.randn(n, generator=generator, dtype=torch.float64) * 0.5
    return weights, bias


def bm_energy(states, weights, bias):
    return -0.5 * ((states @ weights) * states).sum(-1) - states @ bias


def test_enumerate_states_order_and_index():
    states = enumerate_states(4)
    assert states.shape == (16, 4)
    assert torch.equal(states[5], torch.tensor([0.0, 1.0, 0.0, 1.0]))  # 5 = 0101, first unit = MSB
    assert torch.equal(state_index(states), torch.arange(16))
    spins = enumerate_states(3, spins=True, dtype=torch.float64)
    assert set(spins.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(state_index(spins), torch.arange(8))
    assert len({tuple(row) for row in states.tolist()}) == 16  # all distinct


def test_empirical_and_tv_distance():
    samples = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    assert torch.allclose(empirical_distribution(samples), torch.tensor([0.5, 0.25, 0.0, 0.25]))
    uniform = torch.full((4,), 0.25, dtype=torch.float64).log()
    assert tv_distance(samples, uniform) == pytest.approx(0.5 * (0.25 + 0 + 0.25 + 0))


def test_tv_bound_holds_for_exact_samples_and_fails_for_wrong_ones(generator):
    # iid draws from p stay under the bound; iid draws from a different q do not.
    weights, bias = random_bm(6, generator)
    states = enumerate_states(6, dtype=torch.float64)
    log_p = exact_log_probs(bm_energy(states, weights, bias))
    n = 20000
    bound = tv_bound(log_p, n)
    assert bound < 0.06
    for _ in range(5):
        draws = states[torch.multinomial(log_p.exp(), n, replacement=True, generator=generator)]
        assert tv_distance(draws, log_p) < bound
    log_q = exact_log_probs(bm_energy(states, weights, bias), beta=0.7)
    wrong = states[torch.multinomial(log_q.exp(), n, replacement=True, generator=generator)]
    assert tv_distance(wrong, log_p) > bound


def test_sequential_gibbs_reaches_exact_distribution(generator):
    """20000 independent chains, 30 sweeps each: their final states are (nearly)
    iid exact samples, so the TV distance must stay under tv_bound."""
    n, chains = 6, 20000
    weights, bias = random_bm(n, generator)
    log_p = exact_log_probs(bm_energy(enumerate_states(n, dtype=torch.float64), weights, bias))
    states = sample_bernoulli(torch.full((chains, n), 0.5, dtype=torch.float64), generator=generator)
    for _ in range(30):
        states = sequential_gibbs_sweep(states, weights, bias, generator=generator)
    assert tv_distance(states, log_p) < tv_bound(log_p, chains)
    # the same sampler aimed at the wrong temperature is caught by the same bound
    hot = sample_bernoulli(torch.full((chains, n), 0.5, dtype=torch.float64), generator=generator)
    for _ in range(30):
        hot = sequential_gibbs_sweep(hot, weights, bias, beta=0.7, generator=generator)
    assert tv_distance(hot, log_p) > tv_bound(log_p, chains)


def test_sweep_with_mask_leaves_clamped_units_alone(generator):
    weights, bias = random_bm(5, generator)
    start = sample_bernoulli(torch.full((100, 5), 0.5, dtype=torch.float64), generator=generator)
    mask = torch.tensor([False, True, False, True, True])
    out = sequential_gibbs_sweep(start, weights, bias, update=mask, generator=generator)
    assert torch.equal(out[:, ~mask], start[:, ~mask])
    assert not torch.equal(out[:, mask], start[:, mask])


def test_sample_bernoulli_is_reproducible_and_has_the_right_mean(generator):
    probs = torch.linspace(0.0, 1.0, 5, dtype=torch.float64).expand(40000, 5)
    a = sample_bernoulli(probs, generator=torch.Generator().manual_seed(3))
    b = sample_bernoulli(probs, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and a.dtype == probs.dtype
    assert torch.allclose(a.mean(0), probs[0], atol=0.01)


def test_beta_schedule_and_ais_summary():
    betas = beta_schedule(100)
    assert betas.shape == (101,) and betas[0] == 0 and betas[-1] == 1
    assert torch.all(betas[1:] > betas[:-1])
    assert (betas > 0.9).sum() > (betas < 0.5).sum()  # denser near beta = 1
    result = summarize_ais(torch.full((10,), 2.0, dtype=torch.float64), log_z_base=1.5)
    assert result.log_z == pytest.approx(3.5) and result.log_z_low == pytest.approx(3.5)
    spread = summarize_ais(torch.tensor([0.0, math.log(3.0)], dtype=torch.float64), 0.0)
    assert spread.log_z == pytest.approx(math.log(2.0))
    assert spread.log_z_low < spread.log_z < spread.log_z_high


def test_clear_errors():
    with pytest.raises(ValueError, match="n_units"):
        enumerate_states(40)
    with pytest.raises(ValueError, match="n_units"):
        enumerate_states(0)
    with pytest.raises(ValueError, match="samples"):
        tv_distance(torch.zeros(5, 3), torch.zeros(4))
    with pytest.raises(ValueError, match="weights"):
        sequential_gibbs_sweep(torch.zeros(2, 3), torch.zeros(4, 4), torch.zeros(3))
    with pytest.raises(TypeError, match="generator"):
        sequential_gibbs_sweep(torch.zeros(2, 3), torch.zeros(3, 3), torch.zeros(3), generator=3)
    with pytest.raises(ValueError, match="n_betas"):
        beta_schedule(1)
