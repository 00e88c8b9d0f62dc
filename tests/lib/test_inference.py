"""Inference: gradient descent from many starts finds every mode; exhaustive argmin."""
import math

import pytest
import torch

from energylab import inference
from energylab.energies import BishopInverseEnergy, GaussianMixtureEnergy


def test_finds_all_modes_of_a_gaussian_mixture(generator):
    angles = torch.arange(5, dtype=torch.float64) * 2 * math.pi / 5
    means = 2 * torch.stack([angles.cos(), angles.sin()], 1)
    energy = GaussianMixtureEnergy(means, 0.4)
    starts = inference.random_starts(200, 2, bounds=(-3, 3), generator=generator, dtype=torch.float64)
    minima = inference.find_minima(energy, starts, n_steps=300, step_size=0.05, tol=0.1)
    assert minima.points.shape == (5, 2)
    # every true mode is found (mode of a well-separated component ~ its mean)
    distance = torch.cdist(means, minima.points).min(1).values
    assert torch.all(distance < 1e-2)
    assert int(minima.counts.sum()) == 200
    assert torch.all(minima.energies[1:] >= minima.energies[:-1])
    assert minima.descent.trajectory.shape == (301, 200, 2)


def test_finds_the_three_inverses_of_bishops_curve(generator):
    energy = BishopInverseEnergy(noise=0.1)
    x = torch.tensor([[0.5]], dtype=torch.float64)
    starts = inference.random_starts(60, 1, bounds=(-0.2, 1.2), generator=generator, dtype=torch.float64)
    minima = inference.find_minima(lambda y: energy(y, x), starts, n_steps=400, step_size=1e-3, grad_clip=20.0,
                                   tol=0.02, max_energy=1e-6)
    assert minima.points.shape == (3, 1)
    assert torch.allclose(BishopInverseEnergy.forward_map(minima.points), x.expand(3, 1), atol=1e-4)


def test_distinct_minima_groups_and_filters():
    points = torch.tensor([[0.0], [0.01], [1.0], [1.02], [5.0]])
    energies = torch.tensor([0.1, 0.0, 0.5, 0.6, 3.0])
    m = inference.distinct_minima(points, energies, tol=0.05)
    assert torch.equal(m.points, torch.tensor([[0.01], [1.0], [5.0]]))
    assert m.counts.tolist() == [2, 2, 1]
    m2 = inference.distinct_minima(points, energies, tol=0.05, max_energy=1.0)
    assert m2.points.shape == (2, 1)


def test_bounds_keep_descent_in_the_box():
    d = inference.gradient_descent(lambda y: -y.sum(-1), torch.zeros(3, 2), n_steps=50, step_size=0.1,
                                   bounds=((-1, -1), (1, 0.5)))
    assert torch.allclose(d.y, torch.tensor([[1.0, 0.5]] * 3))
    same = inference.gradient_descent(lambda y: -y.sum(-1), torch.zeros(3, 2), n_steps=50, step_size=0.1,
                                      bounds=(-1.0, 0.5))                  # one interval for every coordinate
    assert torch.allclose(same.y, torch.full((3, 2), 0.5))


def test_grad_clip_caps_the_step_length_and_descent_is_noise_free_langevin():
    energy = lambda y: 50.0 * y.pow(2).sum(-1)                               # noqa: E731  steep bowl
    start = torch.tensor([[3.0, 4.0]], dtype=torch.float64)
    d = inference.gradient_descent(energy, start, n_steps=1, step_size=0.01, grad_clip=10.0)
    step = d.trajectory[1] - d.trajectory[0]
    torch.testing.assert_close(step.norm(), torch.tensor(0.01 * 10.0, dtype=torch.float64))   # capped
    torch.testing.assert_close(step / step.norm(), -start / start.norm())                    # downhill
    free = inference.gradient_descent(energy, start * 0.001, n_steps=1, step_size=0.01, grad_clip=10.0)
    torch.testing.assert_close(free.y, start * 0.001 * (1 - 0.01 * 100.0))                   # not capped


def test_random_starts_cover_the_box(generator):
    starts = inference.random_starts(4000, 2, bounds=((-1.0, 2.0), (0.0, 3.0)), generator=generator)
    assert starts.shape == (4000, 2)
    assert (starts[:, 0] >= -1).all() and (starts[:, 0] <= 0).all() and (starts[:, 1] >= 2).all()
    torch.testing.assert_close(starts.mean(0), torch.tensor([-0.5, 2.5]), atol=0.03, rtol=0)


def test_exhaustive_argmin_matches_brute_force(generator):
    candidates = torch.randn(7, 2, generator=generator, dtype=torch.float64)
    x = torch.randn(4, 2, generator=generator, dtype=torch.float64)
    energy = lambda y, xx: ((y - xx) ** 2).sum(-1)                           # noqa: E731
    result = inference.exhaustive_argmin(energy, candidates, x)
    brute = torch.tensor([min(range(7), key=lambda c: float(((candidates[c] - xb) ** 2).sum())) for xb in x])
    assert torch.equal(result.index, brute)
    assert torch.equal(result.y, candidates[brute])
    assert result.table.shape == (4, 7)
    uncond = inference.exhaustive_argmin(lambda y: (y ** 2).sum(-1), candidates)
    assert int(uncond.index) == int((candidates ** 2).sum(-1).argmin())


def test_most_offending():
    energies = torch.tensor([[0.0, 0.1, 0.5], [2.0, 1.0, 0.0]])
    target = torch.tensor([0, 2])
    assert inference.most_offending(energies, target).tolist() == [1, 1]
    margins = torch.tensor([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    assert inference.most_offending(energies, target, margins).tolist() == [2, 1]


def test_clear_errors():
    with pytest.raises(ValueError, match="energy"):
        inference.gradient_descent(lambda y: y, torch.zeros(3, 2), n_steps=1)
    with pytest.raises(ValueError, match="starts"):
        inference.gradient_descent(lambda y: y.sum(-1), torch.zeros(3), n_steps=1)
    with pytest.raises(ValueError, match="step_size"):
        inference.gradient_descent(lambda y: y.sum(-1), torch.zeros(3, 1), step_size=0.0)
    with pytest.raises(ValueError, match="bounds"):
        inference.gradient_descent(lambda y: y.sum(-1), torch.zeros(3, 1), bounds=(1.0, 0.0))
    with pytest.raises(TypeError, match="target"):
        inference.most_offending(torch.zeros(2, 3), torch.tensor([0.0, 1.0]))
