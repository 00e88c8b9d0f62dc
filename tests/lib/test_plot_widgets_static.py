"""The redrawn pictures of Lectures 2–4: round colour-bar ticks, labelled 3-D axes, 1-D descent
paths against the step, loss arrows on one scale, density maps to the axes' ends; explorers that
leave a static picture in a notebook even when the widget cannot be drawn, with fine log-β sliders."""
import math

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pytest
import torch

from energylab import gibbs, widgets
from energylab.plot import (loss_gradients, plot_conditional_density, plot_energy_surface, plot_energy_surface_3d,
                            plot_loss_shapes, plot_trajectories)

ENERGIES = torch.tensor([1.0, 0.6, 2.5, 0.9, 3.0])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_colour_bar_ticks_are_round_numbers():
    grid = gibbs.make_grid((-1.0, 1.0), 20, dim=2)
    energies = grid.points.square().sum(-1)
    ax = plot_energy_surface(grid, energies, vmin=0.0, vmax=1.0)
    bar = ax.figure.axes[-1]
    ticks = [t for t in bar.get_yticks() if 0 <= t <= 1]
    assert ticks and all(abs(t * 10 - round(t * 10)) < 1e-9 for t in ticks)     # 0.2 steps, not 0.9333
    levels = ax.collections[0].levels if hasattr(ax.collections[0], "levels") else None
    if levels is not None:
        assert all(abs(v * 20 - round(v * 20)) < 1e-9 for v in levels)


def test_clipped_surface_gets_an_arrow_on_the_colour_bar():
    grid = gibbs.make_grid((-1.0, 1.0), 20, dim=2)
    ax = plot_energy_surface(grid, 10 * grid.points.square().sum(-1), clip=3.0)
    assert ax.collections[0].extend == "max"


def test_3d_surface_has_labelled_axes_and_a_log_height():
    grid = gibbs.make_grid((-1.0, 1.0), 20, dim=2)
    energies = 100 * grid.points.square().sum(-1)
    ax = plot_energy_surface_3d(grid, energies, plt.figure().add_subplot(projection="3d"), log=True,
                                labels=("input x", "answer y"))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("input x", "answer y")
    assert "log" in ax.get_zlabel()
    assert ax.get_zlim()[1] < 10                        # log(1 + 200) ≈ 5.3, not 200


def test_1d_paths_against_the_step_with_one_colour_per_path():
    trajectory = torch.linspace(0, 1, 11)[:, None, None] * torch.tensor([1.0, -1.0, 0.5])[None, :, None]   # (11, 3, 1)
    ax = plot_trajectories(trajectory, color=["red", "green", "blue"])
    xs, ys = ax.lines[1].get_data()
    assert np.allclose(xs, np.arange(11)) and np.allclose(ys, -np.linspace(0, 1, 11))
    assert matplotlib.colors.same_color(ax.lines[2].get_color(), "blue")
    with pytest.raises(ValueError, match="color"):
        plot_trajectories(trajectory, color=["red"])


def test_loss_arrows_share_one_scale_and_show_their_value():
    axes = plot_loss_shapes(ENERGIES, 0, ["hinge", "MCE"], ncols=2, arrow_scale=0.5)
    for ax, name in zip(axes.flat, ["hinge", "MCE"]):
        _, grad = loss_gradients(name, ENERGIES, 0)
        arrows = [t for t in ax.texts if isinstance(t, matplotlib.text.Annotation)]
        arrow = [a for a in arrows if a.xy[0] == 0][0]                                  # the correct answer's arrow
        assert math.isclose(arrow.xy[1] - ENERGIES[0].item(), -0.5 * float(grad[0]), abs_tol=1e-6)
        labels = [t.get_text() for t in ax.texts if not isinstance(t, matplotlib.text.Annotation)]
        assert f"{-float(grad[0]):+.2f}" in labels


def test_conditional_density_reaches_the_axes_and_has_a_colour_bar():
    x_grid, y_grid = torch.linspace(-0.1, 1.1, 30), torch.linspace(-0.1, 1.1, 40)
    density = torch.rand(40, 30) * 8
    ax = plot_conditional_density(x_grid, y_grid, density, vmax=6, colorbar=True, mean=(x_grid, 0.5 + 0 * x_grid))
    assert ax.get_xlim() == pytest.approx((-0.1, 1.1)) and ax.get_ylim() == pytest.approx((-0.1, 1.1))
    assert len(ax.figure.axes) == 2 and "clipped at 6" in ax.figure.axes[1].get_ylabel()
    assert ax.get_legend_handles_labels()[1] == ["mixture mean"]


def test_widget_explorers_also_display_the_static_overview(monkeypatch):
    ipywidgets = pytest.importorskip("ipywidgets")
    import IPython.display
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, *a, **k: shown.append(obj))
    grid = gibbs.make_grid((-2.0, 2.0), 50)
    box = widgets.gibbs_explorer(grid, grid.points[:, 0] ** 2, static=False, static_betas=(0.1, 1.0, 10.0))
    assert isinstance(box, ipywidgets.VBox)
    overview = [obj for obj in shown if isinstance(obj, matplotlib.figure.Figure)]
    assert overview and len(overview[0].axes[0].lines) == 3            # the static picture: one curve per β
    slider = box.controls["beta"]
    assert isinstance(slider, ipywidgets.FloatLogSlider) and slider.step <= 0.01
    assert (slider.min, slider.max) == (-2, 2) and int(slider.layout.width.rstrip("px")) >= 500
    shown.clear()
    box = widgets.loss_explorer(ENERGIES, 0, static=False)
    figures = [obj for obj in shown if isinstance(obj, matplotlib.figure.Figure)]
    assert figures and sum(1 for ax in figures[0].axes if ax.get_title()) == len(box.controls["loss"].options)
    assert box.controls["beta"].step <= 0.01


def test_log_colour_scale_shows_valleys_and_walls_with_round_ticks():
    grid = gibbs.make_grid((-1.0, 1.0), 30, dim=2)
    energies = 200 * grid.points.square().sum(-1)                 # from 0 to 400
    ax = plot_energy_surface(grid, energies, log=True, levels=20)
    bar = ax.figure.axes[-1]
    assert set(bar.get_yticks()) <= {0, 1, 2, 5, 10, 20, 50, 100, 200, 500} and 100 in bar.get_yticks()
    levels = ax.collections[0].levels
    top = float(energies.max() - energies.min())                  # the colours start at min E
    assert levels[0] == 0 and math.isclose(levels[-1], top, rel_tol=1e-6)
    assert levels[1] < 1 and np.allclose(np.diff(np.log1p(levels)), np.log1p(top) / 20)   # equal steps of log(1 + E)


def test_round_levels_cover_every_value():
    grid = gibbs.make_grid((-1.0, 1.0), 25, dim=2)
    for energies in (2.06 + 3.37 * grid.points.square().sum(-1) / 2, 0.047 * torch.rand(625)):
        ax = plot_energy_surface(grid, energies)
        levels = ax.collections[0].levels
        assert levels[0] <= float(energies.min()) and levels[-1] >= float(energies.max())
        plt.close("all")


def test_nan_is_a_gap_and_inf_the_top_colour():
    """A plot draws NaN as a gap and +inf (a forbidden state) in the top colour, with finite levels."""
    from energylab.plot import plot_alignment, plot_marginals
    from energylab.plot._inputs import GAP_COLOR
    grid = gibbs.make_grid((-1.0, 1.0), 5, dim=2, dtype=torch.float64)
    e = (grid.points ** 2).sum(-1)
    e[3], e[7] = math.nan, math.inf
    filled = plot_energy_surface(grid, e, colorbar=False).collections[0]
    assert np.isfinite(filled.levels).all() and filled.levels[-1] == pytest.approx(2.0)   # the finite maximum
    assert filled.extend == "max"                                    # +inf takes the colour above the top level
    mu = torch.full((3, 2), 0.5, dtype=torch.float64)
    mu[1, 0] = math.nan
    image = plot_marginals(mu)
    assert image.get_array().mask.tolist() == [[False, True, False], [False, False, False]]
    assert matplotlib.colors.same_color(image.get_cmap().get_bad(), GAP_COLOR)
    cost = torch.tensor([[0.0, math.inf], [1.0, 0.0]])
    ax = plot_alignment(cost, torch.tensor([[True, False], [True, True]]), plt.figure().add_subplot())
    assert ax.images[0].get_array().mask.tolist() == [[False, True], [False, False]]
