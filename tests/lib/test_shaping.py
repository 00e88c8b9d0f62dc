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


DATA = torch.tensor([[0.0, 0.5], [1.0, -0.5], [0.2, 0.1]], dtype=torch.float64)


def _fresh():
    torch.manual_seed(0)
    return MLPEnergy(2, hidden=8).double()


def _assert_one_step_matches(loss, direct_loss, **kwargs):
    """One train_energy step equals one Adam step on direct_loss(reference model), from equal weights."""
    model = _fresh()
    train_energy(model, DATA, loss, n_steps=1, lr=1e-3, **kwargs)
    reference = _fresh()
    opt = torch.optim.Adam(reference.parameters(), lr=1e-3)
    opt.zero_grad()
    direct_loss(reference).backward()
    opt.step()
    for p, q in zip(model.parameters(), reference.parameters()):
        assert torch.allclose(p, q), loss


@pytest.mark.parametrize("name", SAMPLED_LOSSES)
def test_a_sampled_step_follows_the_loss_of_the_zoo(name):
    negatives = torch.tensor([[2.0, 2.0], [-2.0, 1.0], [0.0, -2.0], [1.0, 2.0], [2.0, -1.0], [-1.0, -1.0]],
                             dtype=torch.float64)                    # k = 2 per data point, rows j N + i
    direct = {"hinge": lambda p, n: losses.hinge_loss(p, n, 0.7), "log": losses.log_loss,
              "square-square": lambda p, n: losses.square_square_loss(p, n, 0.7),
              "simple": lambda p, n: losses.simple_loss(p, n, 0.7), "MCE": losses.mce_loss,
              "square-exp": lambda p, n: losses.square_exp_loss(p, n, 0.7),
              "LVQ2": lambda p, n: losses.lvq2_loss(p, n, 0.7), "InfoNCE": lambda p, n: losses.infonce_loss(p, n, 2.0)}
    _assert_one_step_matches(name, lambda m: direct[name](m(DATA), m(negatives).reshape(2, 3).T),
                             negatives=lambda: negatives, margin=0.7, beta=2.0)


@pytest.mark.parametrize("name", EXHAUSTIVE_LOSSES)
def test_an_exhaustive_step_uses_every_grid_point(name):
    grid = gibbs.make_grid((-2.0, 2.0), 5, dim=2, dtype=torch.float64)
    direct = {"NLL/MMI": lambda p, a: losses.nll_loss(p, a, 1.5, log_measure=grid.log_measure),
              "MEE": lambda p, a: losses.mee_loss(p, a, 1.5, log_measure=grid.log_measure),
              "perceptron": losses.perceptron_loss}
    _assert_one_step_matches(name, lambda m: direct[name](m(DATA), m(grid.points).expand(3, -1)),
                             negatives=grid, beta=1.5)


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
