"""The Lecture 4 harness: contrastive points, and train_energy's losses against direct calls."""
import pytest
import torch

from energylab import gibbs, losses
from energylab.models import MLPEnergy
from energylab.shaping import EXHAUSTIVE_LOSSES, SAMPLED_LOSSES, contrastive_points, train_energy


def test_contrastive_points_are_uniform_in_the_box_or_near_the_data(generator):
    data = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    uniform = contrastive_points(data, 500, bounds=((-1.0, 0.0), (0.0, 2.0)), near_fraction=0.0, generator=generator)
    assert uniform.shape == (1000, 2)
    assert (uniform[:, 0] >= -1).all() and (uniform[:, 0] <= 0).all() and (uniform[:, 1] >= 0).all()
    assert abs(float(uniform[:, 1].mean()) - 1.0) < 0.1
    near = contrastive_points(data, 500, bounds=(-5.0, 5.0), near_fraction=1.0, noise_std=0.01, generator=generator)
    # row j N + i belongs to data point i
    assert (near.reshape(500, 2, 2) - data).abs().max() < 0.1
    mixed = contrastive_points(data, 2000, bounds=(-5.0, 5.0), near_fraction=0.5, noise_std=0.01, generator=generator)
    close = torch.cdist(mixed, data).min(1).values < 0.1
    assert 0.45 < float(close.float().mean()) < 0.55


def _one_step_gradient(loss, **kwargs):
    torch.manual_seed(0)
    model = MLPEnergy(2, hidden=8).double()
    data = torch.tensor([[0.0, 0.5], [1.0, -0.5], [0.2, 0.1]], dtype=torch.float64)
    before = [p.detach().clone() for p in model.parameters()]
    train_energy(model, data, loss, n_steps=1, lr=1e-3, **kwargs)
    return model, data, before


@pytest.mark.parametrize("name", SAMPLED_LOSSES)
def test_a_sampled_step_follows_the_loss_of_the_zoo(name):
    negatives = torch.tensor([[2.0, 2.0], [-2.0, 1.0], [0.0, -2.0], [1.0, 2.0], [2.0, -1.0], [-1.0, -1.0]],
                             dtype=torch.float64)                    # k = 2 per data point, rows j N + i
    model, data, before = _one_step_gradient(name, negatives=lambda: negatives, margin=0.7, beta=2.0)
    torch.manual_seed(0)
    reference = MLPEnergy(2, hidden=8).double()
    e_pos, e_neg = reference(data), reference(negatives).reshape(2, 3).T
    direct = {"hinge": lambda: losses.hinge_loss(e_pos, e_neg, 0.7), "log": lambda: losses.log_loss(e_pos, e_neg),
              "square-square": lambda: losses.square_square_loss(e_pos, e_neg, 0.7),
              "simple": lambda: losses.simple_loss(e_pos, e_neg, 0.7), "MCE": lambda: losses.mce_loss(e_pos, e_neg),
              "square-exp": lambda: losses.square_exp_loss(e_pos, e_neg, 0.7),
              "LVQ2": lambda: losses.lvq2_loss(e_pos, e_neg, 0.7), "InfoNCE": lambda: losses.infonce_loss(e_pos, e_neg, 2.0)}
    opt = torch.optim.Adam(reference.parameters(), lr=1e-3)
    opt.zero_grad()
    direct[name]().backward()
    opt.step()
    for p, q in zip(model.parameters(), reference.parameters()):
        assert torch.allclose(p, q), name


@pytest.mark.parametrize("name", EXHAUSTIVE_LOSSES)
def test_an_exhaustive_step_uses_every_grid_point(name):
    grid = gibbs.make_grid((-2.0, 2.0), 5, dim=2, dtype=torch.float64)
    model, data, _ = _one_step_gradient(name, negatives=grid, beta=1.5)
    torch.manual_seed(0)
    reference = MLPEnergy(2, hidden=8).double()
    e_pos, e_all = reference(data), reference(grid.points).expand(3, -1)
    direct = {"NLL/MMI": lambda: losses.nll_loss(e_pos, e_all, 1.5, log_measure=grid.log_measure),
              "MEE": lambda: losses.mee_loss(e_pos, e_all, 1.5, log_measure=grid.log_measure),
              "perceptron": lambda: losses.perceptron_loss(e_pos, e_all)}
    opt = torch.optim.Adam(reference.parameters(), lr=1e-3)
    opt.zero_grad()
    direct[name]().backward()
    opt.step()
    for p, q in zip(model.parameters(), reference.parameters()):
        assert torch.allclose(p, q), name


def test_energy_loss_collapses_and_snapshots_are_kept():
    torch.manual_seed(0)
    model = MLPEnergy(2, hidden=16, nonnegative=True)
    data = torch.randn(20, 2)
    points = torch.randn(30, 2)
    run = train_energy(model, data, "energy", n_steps=300, lr=1e-2, snapshot_points=points, snapshot_steps=(10, 300))
    assert set(run.snapshots) == {0, 10, 300} and run.snapshots[0].shape == (30,)
    assert float(run.snapshots[300].max()) < 0.1 * float(run.snapshots[0].max())
    assert len(run.history["loss"]) == 300


def test_clear_errors():
    model, data = MLPEnergy(2, hidden=4), torch.zeros(3, 2)
    grid = gibbs.make_grid((-1.0, 1.0), 3, dim=2)
    with pytest.raises(ValueError, match="loss"):
        train_energy(model, data, "nope")
    with pytest.raises(TypeError, match="negatives"):
        train_energy(model, data, "hinge", negatives=grid)
    with pytest.raises(TypeError, match="negatives"):
        train_energy(model, data, "NLL/MMI", negatives=lambda: data)
    with pytest.raises(ValueError, match="negatives"):
        train_energy(model, data, "energy", negatives=grid)
    with pytest.raises(ValueError, match="snapshot_points"):
        train_energy(model, data, "energy", snapshot_steps=(1,))
    with pytest.raises(ValueError, match="near_fraction"):
        contrastive_points(data, 2, bounds=(-1.0, 1.0), near_fraction=2.0)
    with pytest.raises(ValueError, match="bounds"):
        contrastive_points(data, 2, bounds=(1.0, -1.0))
