"""Gibbs distribution, partition functions and free energies against closed forms."""
import math

import pytest
import torch

from energylab import gibbs


def test_gibbs_probabilities_are_softmax_of_minus_beta_energy(generator):
    energies = torch.randn(3, 6, generator=generator, dtype=torch.float64)
    p = gibbs.gibbs_probabilities(energies, beta=2.0)
    expected = torch.exp(-2.0 * energies) / torch.exp(-2.0 * energies).sum(-1, keepdim=True)
    assert torch.allclose(p, expected)
    assert torch.allclose(gibbs.gibbs_log_probabilities(energies, 2.0).exp(), p)


def test_beta_limits_uniform_and_argmin():
    energies = torch.tensor([0.3, -1.0, 2.0, -0.5], dtype=torch.float64)
    assert torch.allclose(gibbs.gibbs_probabilities(energies, 1e-9), torch.full((4,), 0.25, dtype=torch.float64))
    hot = gibbs.gibbs_probabilities(energies, 200.0)
    assert torch.allclose(hot, torch.tensor([0.0, 1.0, 0.0, 0.0], dtype=torch.float64))


def test_gaussian_partition_function_on_a_1d_grid():
    # E = (y - 1)^2 / 2 at beta: Z = sqrt(2 pi / beta).
    grid = gibbs.make_grid((-9.0, 11.0), 801, dtype=torch.float64)
    energies = (grid.points[:, 0] - 1) ** 2 / 2
    for beta in (0.5, 1.0, 4.0):
        log_z = gibbs.log_partition(energies, beta, log_measure=grid.log_measure)
        assert math.isclose(float(log_z), 0.5 * math.log(2 * math.pi / beta), abs_tol=1e-10)
        density = gibbs.gibbs_density(energies, beta, log_measure=grid.log_measure)
        assert math.isclose(float(density.sum() * grid.cell_volume), 1.0, abs_tol=1e-10)


def test_free_energy_of_a_discrete_latent_and_its_zero_temperature_limit(generator):
    energies = torch.randn(5, 7, generator=generator, dtype=torch.float64)   # E(y, z): 5 y, 7 z
    f_min = gibbs.free_energy(energies, math.inf)
    assert torch.equal(f_min, energies.min(-1).values)
    previous_gap = None
    for beta in (1.0, 10.0, 100.0, 1e4):
        f = gibbs.free_energy(energies, beta)
        if beta <= 10:                                   # the naive formula overflows beyond
            assert torch.allclose(f, -torch.log(torch.exp(-beta * energies).sum(-1)) / beta)
        assert torch.all(f <= f_min + 1e-12) and torch.all(f >= f_min - math.log(7) / beta - 1e-12)
        gap = float((f_min - f).max())
        assert previous_gap is None or gap < previous_gap
        previous_gap = gap
    assert previous_gap < 1e-3


def test_marginal_free_energy_of_a_gaussian_latent():
    # E(y, z) = (y - z)^2 / 2 + z^2 / 2  ->  F_1(y) = y^2/4 - log sqrt(pi), min_z = y^2/4.
    z = gibbs.make_grid((-12.0, 12.0), 1201, dtype=torch.float64)
    y = torch.linspace(-2, 2, 5, dtype=torch.float64)[:, None]
    e = (y - z.points[:, 0]) ** 2 / 2 + z.points[:, 0] ** 2 / 2               # (5, Z)
    f1 = gibbs.free_energy(e, 1.0, log_measure=z.log_measure)
    assert torch.allclose(f1, y[:, 0] ** 2 / 4 - 0.5 * math.log(math.pi), atol=1e-9)
    f_big = gibbs.free_energy(e, 1e3, log_measure=z.log_measure)
    assert torch.allclose(f_big, gibbs.free_energy(e, math.inf), atol=5e-3)


def test_grid_layout():
    grid = gibbs.make_grid(((0.0, -1.0), (1.0, 1.0)), (3, 5))
    assert grid.points.shape == (15, 2)
    assert grid.shape == (5, 3)
    assert math.isclose(grid.cell_volume, 0.5 * 0.5)
    image = grid.image(grid.points[:, 0])
    assert torch.allclose(image[0], torch.tensor([0.0, 0.5, 1.0]))         # x varies along columns
    assert torch.allclose(grid.image(grid.points[:, 1])[:, 0], torch.linspace(-1, 1, 5))


def test_clear_errors():
    with pytest.raises(ValueError, match="beta"):
        gibbs.gibbs_probabilities(torch.zeros(3), beta=-1.0)
    with pytest.raises(TypeError, match="energies"):
        gibbs.log_partition([0.0, 1.0])
    with pytest.raises(ValueError, match="bounds"):
        gibbs.make_grid((1.0, 0.0))
