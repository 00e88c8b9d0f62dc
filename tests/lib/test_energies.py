"""Closed-form teaching energies (exact normalisers by numerical integration) and the
neural energies."""
import math

import pytest
import torch

from energylab import gibbs
from energylab.energies import BishopInverseEnergy, GaussianMixtureEnergy, RingEnergy
from energylab.models import KMeansEnergy, MLPEnergy


def _grid_log_z(energy, bounds, n, beta=1.0):
    grid = gibbs.make_grid(bounds, n, dtype=torch.float64)
    return float(gibbs.log_partition(energy(grid.points), beta, log_measure=grid.log_measure))


def test_gaussian_mixture_is_normalised_and_matches_torch_distributions():
    means = torch.tensor([[-1.0, 0.0], [1.0, 0.5], [0.0, -1.5]], dtype=torch.float64)
    stds = torch.tensor([0.3, 0.5, 0.4], dtype=torch.float64)
    weights = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64)
    energy = GaussianMixtureEnergy(means, stds, weights)
    assert energy.log_normaliser() == 0.0
    assert abs(_grid_log_z(energy, ((-5, -6), (5, 5)), 301)) < 1e-8
    mix = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(weights),
        torch.distributions.Independent(torch.distributions.Normal(means, stds[:, None].expand(3, 2)), 1))
    y = torch.randn(20, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(energy(y), -mix.log_prob(y))


def test_single_gaussian_normaliser_at_any_beta():
    energy = GaussianMixtureEnergy(torch.zeros(1, 2, dtype=torch.float64), 0.7)
    for beta in (0.3, 2.0):
        assert math.isclose(energy.log_normaliser(beta), _grid_log_z(energy, ((-12, -12), (12, 12)), 241, beta), abs_tol=1e-8)
    with pytest.raises(ValueError, match="beta"):
        GaussianMixtureEnergy(torch.zeros(2, 1)).log_normaliser(2.0)


def test_ring_normaliser_matches_numerical_integration():
    energy = RingEnergy(radius=1.5, width=0.2)
    for beta in (0.25, 1.0, 5.0):
        assert math.isclose(energy.log_normaliser(beta), _grid_log_z(energy, ((-4, -4), (4, 4)), 401, beta), abs_tol=1e-6)
    # a blob: the erf and exp terms both matter; E has a kink (a cone) at y = 0, so the grid sum
    # converges only like h^2 there
    small = RingEnergy(radius=0.1, width=0.5)
    assert math.isclose(small.log_normaliser(1.0), _grid_log_z(small, ((-6, -6), (6, 6)), 301), abs_tol=1e-5)


def test_ring_is_the_min_and_the_marginal_of_a_latent_angle():
    energy = RingEnergy(radius=1.0, width=0.3)
    y = torch.tensor([[0.0, 0.2], [0.9, 0.1], [-1.3, 0.4], [2.0, -1.0]], dtype=torch.float64)
    z = gibbs.make_grid((0.0, 2 * math.pi), 2001, dtype=torch.float64)
    e_yz = energy.latent_energy(y, z.points[:, 0][:-1])                       # periodic: drop the repeated end
    assert torch.allclose(gibbs.free_energy(e_yz, math.inf), energy(y), atol=1e-5)
    for beta in (0.5, 1.0, 8.0):
        numeric = gibbs.free_energy(e_yz, beta, log_measure=z.log_measure)
        assert torch.allclose(energy.free_energy(y, beta), numeric, atol=1e-9)
    assert torch.allclose(energy.free_energy(y, 1e4), energy(y), atol=1e-3)


def test_bishop_energy_is_zero_exactly_on_the_forward_curve():
    energy = BishopInverseEnergy(noise=0.1)
    y = torch.linspace(0, 1, 11, dtype=torch.float64)[:, None]
    x = BishopInverseEnergy.forward_map(y)
    assert torch.allclose(energy(y, x), torch.zeros(11, dtype=torch.float64))
    assert torch.allclose(energy(y, x + 0.1), torch.full((11,), 0.5, dtype=torch.float64))
    assert energy(y, torch.tensor([[0.5]], dtype=torch.float64)).shape == (11,)


def test_mlp_energy_shapes_conditional_and_unconditional(generator):
    torch.manual_seed(0)
    e = MLPEnergy(2, hidden=8)
    assert e(torch.randn(5, 2, generator=generator)).shape == (5,)
    c = MLPEnergy(1, x_dim=3, hidden=8, nonnegative=True)
    out = c(torch.randn(5, 1, generator=generator), torch.randn(5, 3, generator=generator))
    assert out.shape == (5,) and (out >= 0).all()
    x1 = torch.randn(1, 3, generator=generator)
    y = torch.randn(4, 1, generator=generator)
    assert torch.allclose(c(y, x1), c(y, x1.expand(4, 3)))
    with pytest.raises(ValueError, match="x"):
        c(y)
    with pytest.raises(ValueError, match="x"):
        e(torch.randn(4, 2), torch.randn(4, 3))
    with pytest.raises(ValueError, match="y"):
        e(torch.randn(4, 3))


def test_mlp_energy_hidden_as_int_or_tuple_of_widths():
    """hidden=16, depth=3 and hidden=(16, 16, 16) build the same network (same init under
    the same seed); a tuple may have different widths; bad widths name the argument."""
    torch.manual_seed(3)
    a = MLPEnergy(2, x_dim=3, hidden=16, depth=3)
    torch.manual_seed(3)
    b = MLPEnergy(2, x_dim=3, hidden=(16, 16, 16))
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    assert a.state_dict().keys() == b.state_dict().keys()
    c = MLPEnergy(2, x_dim=3, hidden=[32, 8])
    assert [tuple(m.weight.shape) for m in c.net if isinstance(m, torch.nn.Linear)] == [(32, 5), (8, 32), (1, 8)]
    assert c(torch.randn(4, 2), torch.randn(4, 3)).shape == (4,)
    for bad in [(0,), (), (16, -1), "16", 0]:
        with pytest.raises(ValueError, match="hidden"):
            MLPEnergy(2, hidden=bad)
    with pytest.raises(ValueError, match="depth"):
        MLPEnergy(2, hidden=(16, 16), depth=3)


def test_kmeans_energy_is_min_distance_and_soft_version_below_it(generator):
    model = KMeansEnergy(3, 2, generator=generator).double()
    y = torch.randn(6, 2, generator=generator, dtype=torch.float64)
    brute = torch.stack([((y - w) ** 2).sum(-1) for w in model.prototypes.detach()], 1).min(1).values
    assert torch.allclose(model(y), brute)
    model.beta = 4.0
    soft = model(y)
    assert torch.all(soft <= brute) and torch.all(soft >= brute - math.log(3) / 4.0)


def test_clear_errors():
    with pytest.raises(ValueError, match="weights"):
        GaussianMixtureEnergy(torch.zeros(2, 2), 1.0, torch.tensor([0.9, 0.9]))
    with pytest.raises(ValueError, match="stds"):
        GaussianMixtureEnergy(torch.zeros(2, 2), -1.0)
    with pytest.raises(ValueError, match="width"):
        RingEnergy(1.0, 0.0)
    with pytest.raises(ValueError, match="y"):
        RingEnergy()(torch.zeros(3, 3))
