"""Mixture density networks against torch.distributions, closed forms and brute force."""

import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

from energylab.models.mdn import (
    MixtureDensityNetwork,
    MixtureParams,
    mdn_heads,
    mdn_nll,
    mixture_log_prob,
    mixture_mean,
    mixture_modes,
    sample_mixture,
)


def random_params(B, K, D, generator, dtype=torch.float64, spread=3.0):
    raw = torch.randn(B, K + 2 * K * D, generator=generator, dtype=dtype) * spread
    return mdn_heads(raw, K, D, sigma_min=1e-2)


def torch_mixture(params: MixtureParams) -> MixtureSameFamily:
    return MixtureSameFamily(Categorical(logits=params.log_alpha),
                             Independent(Normal(params.mu, params.sigma), 1))


def test_heads_respect_constraints(generator):
    raw = torch.randn(7, 3 + 2 * 3 * 2, generator=generator) * 20
    params = mdn_heads(raw, 3, 2, sigma_min=0.05)
    assert torch.allclose(params.alpha.sum(-1), torch.ones(7))
    assert (params.alpha >= 0).all()
    assert (params.sigma >= 0.05 * (1 - 1e-6)).all()     # the floor, up to float32 rounding
    # sigma = exp(z) + sigma_min exactly, mu = identity
    z_mu = raw[:, 3:3 + 6].reshape(7, 3, 2)
    z_sigma = raw[:, 9:].reshape(7, 3, 2).double()
    assert torch.equal(params.mu, z_mu)
    assert torch.allclose(params.sigma.double(), z_sigma.exp() + 0.05, rtol=1e-4)  # float32 log-space round trip


@pytest.mark.parametrize("B,K,D", [(1, 1, 1), (5, 3, 1), (4, 5, 2), (3, 2, 7)])
def test_log_prob_matches_torch_distributions(B, K, D, generator):
    params = random_params(B, K, D, generator)
    t = torch.randn(B, D, generator=generator, dtype=torch.float64) * 3
    ours = mixture_log_prob(params, t)
    reference = torch_mixture(params).log_prob(t)
    torch.testing.assert_close(ours, reference, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(mdn_nll(params, t, "none"), -reference, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(mdn_nll(params, t), -reference.mean(), rtol=1e-12, atol=1e-12)


def test_log_prob_of_several_points_per_mixture(generator):
    params = random_params(4, 3, 2, generator)
    t = torch.randn(6, 4, 2, generator=generator, dtype=torch.float64)
    reference = torch_mixture(params).log_prob(t)              # broadcasts (6, 4, 2) -> (6, 4)
    torch.testing.assert_close(mixture_log_prob(params, t), reference)


def test_nll_finite_far_away_and_high_dimensional(generator):
    params = random_params(8, 4, 32, generator, dtype=torch.float32)
    far = torch.full((8, 32), 1e4)
    nll = mdn_nll(params, far, "none")
    assert torch.isfinite(nll).all()
    naive = -torch.log((params.alpha * torch.exp(torch.distributions.Normal(params.mu, params.sigma)
                                                  .log_prob(far.unsqueeze(1)).sum(-1))).sum(-1))
    assert torch.isinf(naive).all(), "the naive form should overflow here (the reason for log space)"
    torch.testing.assert_close(nll.double(), -torch_mixture(MixtureParams(*(p.double() for p in params))).log_prob(far.double()),
                               rtol=1e-5, atol=0)


def test_nll_gradcheck(generator):
    raw = torch.randn(3, 2 + 2 * 2 * 2, generator=generator, dtype=torch.float64, requires_grad=True)
    t = torch.randn(3, 2, generator=generator, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda r: mdn_nll(mdn_heads(r, 2, 2, 1e-2), t), (raw,))


def test_sample_moments_match_closed_form(generator):
    # mixture mean = sum a mu, variance = sum a (sigma^2 + mu^2) - mean^2
    params = random_params(3, 4, 2, generator, spread=1.0)
    n = 200_000
    samples = sample_mixture(params, n, generator=generator)     # (n, 3, 2)
    mean = mixture_mean(params)
    second = (params.alpha.unsqueeze(-1) * (params.sigma ** 2 + params.mu ** 2)).sum(1)
    var = second - mean ** 2
    # mean: 6 standard errors; variance: 6 standard errors using the 4th moment bound var*sqrt(2/n)*3
    assert ((samples.mean(0) - mean).abs() <= 6 * (var / n).sqrt()).all()
    fourth = (samples - mean).pow(4).mean(0)
    assert ((samples.var(0) - var).abs() <= 6 * ((fourth - var ** 2) / n).sqrt()).all()


def test_sample_component_frequencies(generator):
    # well separated unit components: each sample is attributable to one component
    log_alpha = torch.log(torch.tensor([[0.2, 0.5, 0.3]], dtype=torch.float64))
    mu = torch.tensor([[[-100.0], [0.0], [100.0]]], dtype=torch.float64)
    params = MixtureParams(log_alpha, mu, torch.zeros_like(mu))
    s = sample_mixture(params, 50_000, generator=generator)[:, 0, 0]
    freq = torch.stack([(s < -50).double().mean(), ((s > -50) & (s < 50)).double().mean(), (s > 50).double().mean()])
    p = log_alpha.exp()[0]
    assert ((freq - p).abs() <= 5 * (p * (1 - p) / 50_000).sqrt()).all()


def test_sampling_is_reproducible_with_generator():
    params = random_params(2, 3, 2, torch.Generator().manual_seed(0))
    a = sample_mixture(params, 5, generator=torch.Generator().manual_seed(7))
    b = sample_mixture(params, 5, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)


def brute_force_modes_1d(params, grid):
    """Local maxima of log p on a fine grid, for each mixture (1-D outputs)."""
    log_p = mixture_log_prob(params, grid.view(-1, 1, 1).expand(-1, params.mu.shape[0], 1))   # (G, B)
    inner = (log_p[1:-1] > log_p[:-2]) & (log_p[1:-1] > log_p[2:])
    return [grid[1:-1][inner[:, b]] for b in range(log_p.shape[1])]


def test_modes_match_brute_force_grid_search(generator):
    params = random_params(6, 4, 1, generator, spread=1.5)
    grid = torch.linspace(-15, 15, 300_001, dtype=torch.float64)
    modes = mixture_modes(params, n_steps=5000, tol=1e-12)
    for found, expected in zip(modes.as_list(), brute_force_modes_1d(params, grid)):
        found = found[:, 0].sort().values
        assert found.shape == expected.shape, (found, expected)
        torch.testing.assert_close(found, expected, atol=2e-4, rtol=0)


def test_modes_sorted_and_merged():
    # two nearly coincident components make one mode; a third far away makes another
    log_alpha = torch.log(torch.tensor([[0.45, 0.45, 0.1]], dtype=torch.float64))
    mu = torch.tensor([[[0.0, 0.0], [0.01, 0.0], [5.0, 5.0]]], dtype=torch.float64)
    params = MixtureParams(log_alpha, mu, torch.zeros_like(mu))
    modes = mixture_modes(params)
    assert modes.valid.sum() == 2
    locations = modes.as_list()[0]
    torch.testing.assert_close(locations[0], torch.tensor([0.005, 0.0], dtype=torch.float64), atol=1e-4, rtol=0)
    torch.testing.assert_close(locations[1], torch.tensor([5.0, 5.0], dtype=torch.float64), atol=1e-4, rtol=0)
    assert modes.log_prob[0, 0] > modes.log_prob[0, 1]


def test_network_end_to_end_on_bishop(generator):
    from energylab.data import bishop_inverse
    from energylab.train import fit

    torch.manual_seed(0)
    x, y = bishop_inverse(600, generator=generator)
    mdn = MixtureDensityNetwork(1, 1, 3, hidden=(32, 32))
    history = fit(mdn, lambda m, xb, yb: m.nll(yb, xb), (x, y), epochs=400, lr=1e-2, progress=False)
    assert history["loss"][-1] < history["loss"][0] - 1.0
    # at input 0.5 the inverse has three branches: the MDN finds at least two modes there
    modes = mdn.modes(torch.tensor([[0.5]]))
    assert modes.valid.sum() >= 2
    grid = torch.linspace(-0.5, 1.5, 41).view(-1, 1)
    density = mdn.density_grid(grid, torch.tensor([[0.2], [0.5]]))
    assert density.shape == (41, 2) and (density >= 0).all()
    # answer first, input second, as for every energy: E(y, x) = -log p(y | x) = nll per row
    y0, x0 = torch.tensor([[0.9], [0.1]]), torch.tensor([[0.5], [0.2]])
    torch.testing.assert_close(mdn.energy(y0, x0), mdn.nll(y0, x0, reduction="none"))
    torch.testing.assert_close(mdn.log_prob(y0, x0), mixture_log_prob(mdn(x0), y0))
    torch.testing.assert_close(density[:, 1], mdn.log_prob(grid, torch.full((41, 1), 0.5)).exp())


def test_clear_errors():
    with pytest.raises(ValueError, match="raw"):
        mdn_heads(torch.zeros(3, 5), 2, 1)
    with pytest.raises(ValueError, match="n_components"):
        mdn_heads(torch.zeros(3, 5), 0, 1)
    params = random_params(3, 2, 2, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="y: expected last dimension 2"):
        mixture_log_prob(params, torch.zeros(3, 1, dtype=torch.float64))
    with pytest.raises(ValueError, match="y: expected batch size 3"):
        mixture_log_prob(params, torch.zeros(4, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match="generator"):
        sample_mixture(params, 2, generator=42)
    with pytest.raises(ValueError, match="reduction"):
        mdn_nll(params, torch.zeros(3, 2, dtype=torch.float64), "avg")
    with pytest.raises(ValueError, match="x: expected last dimension 1"):
        MixtureDensityNetwork(1, 1, 2)(torch.zeros(4, 3))
    with pytest.raises(TypeError, match="MixtureParams"):
        mixture_modes((1, 2, 3))
