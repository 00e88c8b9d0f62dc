"""Explorers: a static matplotlib figure without a widget front end, a widget with the
expected controls when asked; and the plotting functions they rely on."""
import math

import matplotlib
import matplotlib.pyplot as plt
import pytest
import numpy as np
import torch

from energylab import gibbs, widgets
from energylab.energies import GaussianMixtureEnergy, RingEnergy
from energylab.inference import find_minima, random_starts
from energylab.losses import LOSSES
from energylab.plot import loss_gradients, plot_energy_surface, plot_energy_surface_3d, plot_loss_shapes

ENERGIES = torch.tensor([1.0, 0.6, 2.5, 0.9, 3.0])
TARGET = 0


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_no_kernel_means_static(monkeypatch):
    monkeypatch.delenv("ENERGYLAB_STATIC", raising=False)
    assert widgets.has_widget_frontend() is False             # pytest runs without an IPython kernel


def test_environment_variable_forces_static(monkeypatch):
    monkeypatch.setenv("ENERGYLAB_STATIC", "1")
    assert widgets.has_widget_frontend() is False


def test_gibbs_explorer_static_fallback_draws_one_panel_per_beta():
    grid = gibbs.make_grid((-2.0, 2.0), 40, dim=2)
    fig = widgets.gibbs_explorer(grid, RingEnergy(1.0, 0.2)(grid.points), static_betas=(0.1, 1.0, 10.0))
    assert isinstance(fig, matplotlib.figure.Figure)
    assert [ax.get_title() for ax in fig.axes] == ["β = 0.1", "β = 1", "β = 10"]


def test_gibbs_explorer_1d_static_has_one_curve_per_beta():
    grid = gibbs.make_grid((-3.0, 3.0), 200)
    fig = widgets.gibbs_explorer(grid, grid.points[:, 0] ** 2, static_betas=(0.5, 2.0))
    (ax,) = fig.axes
    assert len(ax.lines) == 2
    # E = y^2 at inverse temperature beta is a Gaussian of variance 1/(2 beta): the curves are its pdf
    # (up to the mass the grid [-3, 3] cuts off, below 0.3 %)
    y = torch.linspace(-3.0, 3.0, 200, dtype=torch.float64)
    for line, beta in zip(ax.lines, (0.5, 2.0)):
        exact = torch.distributions.Normal(0.0, (1 / (2 * beta)) ** 0.5).log_prob(y).exp()
        np.testing.assert_allclose(line.get_xdata(), y.numpy(), rtol=0, atol=1e-6)
        np.testing.assert_allclose(line.get_ydata(), exact.numpy(), rtol=1e-2, atol=1e-6)


def test_loss_explorer_static_fallback_shows_every_loss():
    fig = widgets.loss_explorer(ENERGIES, TARGET)          # auto: no kernel here -> static
    assert isinstance(fig, matplotlib.figure.Figure)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == len(LOSSES)
    assert all(any(t.startswith(name + " ") for t in titles) for name in LOSSES)


def test_loss_explorer_widget_has_loss_margin_and_beta_controls():
    ipywidgets = pytest.importorskip("ipywidgets")
    box = widgets.loss_explorer(ENERGIES, TARGET, loss="log", margin=0.5, static=False)
    assert isinstance(box, ipywidgets.VBox)
    controls = box.controls
    assert set(controls) == {"loss", "margin", "beta"}
    assert isinstance(controls["loss"], ipywidgets.Dropdown) and list(controls["loss"].options) == list(LOSSES)
    assert controls["loss"].value == "log" and controls["margin"].value == 0.5
    assert isinstance(controls["beta"], ipywidgets.FloatLogSlider)
    assert isinstance(box.children[-1], ipywidgets.Output)
    controls["loss"].value = "hinge"                       # re-drawing does not fail


def test_gibbs_explorer_widget_has_a_beta_slider():
    ipywidgets = pytest.importorskip("ipywidgets")
    box = widgets.gibbs_explorer(torch.arange(4), torch.tensor([0.0, 1.0, 2.0, 0.5]), static=False)
    assert set(box.controls) == {"beta"}
    assert isinstance(box.controls["beta"], ipywidgets.FloatLogSlider)


def test_clear_errors():
    with pytest.raises(TypeError, match="static"):
        widgets.loss_explorer(ENERGIES, TARGET, static="yes")
    with pytest.raises(ValueError, match="loss"):
        widgets.loss_explorer(ENERGIES, TARGET, loss="nope")
    grid = gibbs.make_grid((-1.0, 1.0), 10, dim=2)
    with pytest.raises(ValueError, match="energies"):
        plot_energy_surface(grid, torch.zeros(7))


def test_loss_gradients_push_down_the_correct_answer_and_pull_up_the_offender():
    for name in ["perceptron", "hinge", "log", "NLL/MMI", "square-square", "MCE"]:
        _, grad = loss_gradients(name, ENERGIES, TARGET, margin=1.0)
        assert grad[TARGET] > 0, name                  # descent lowers the correct energy
        assert grad[1] < 0, name                       # and raises the most offending one (index 1)
    _, grad = loss_gradients("energy", ENERGIES, TARGET)
    assert torch.equal(grad != 0, torch.tensor([True, False, False, False, False]))


def test_surface_plots_draw(generator):
    grid = gibbs.make_grid((-3.0, 3.0), 30, dim=2)
    energy = GaussianMixtureEnergy(torch.tensor([[-1.5, 0.0], [1.5, 0.0]]), 0.5)
    e = energy(grid.points)
    minima = find_minima(energy, random_starts(10, 2, bounds=(-3, 3), generator=generator), n_steps=20, step_size=0.1)
    ax = plot_energy_surface(grid, e, trajectories=minima.descent.trajectory, minima=minima.points, clip=6.0)
    assert len(ax.collections) > 0
    fig = plt.figure()
    plot_energy_surface_3d(grid, e, fig.add_subplot(projection="3d"))
    axes = plot_loss_shapes(ENERGIES, TARGET, ["hinge", "NLL/MMI"], ncols=2)
    assert axes.shape == (1, 2)
    assert not math.isnan(float(e.sum()))
