"""Plots used by the lectures. Call :func:`use_style` once per notebook.

Every plot checks its arguments (types, shapes, lengths, indices: a clear error naming the
argument) and draws continuous data as they are: NaN as a gap, ``+inf`` at the top of the colour
scale (see :mod:`energylab.plot._inputs`)."""
from .energy import (
    loss_gradients,
    plot_energy_surface,
    plot_energy_surface_3d,
    plot_gibbs,
    plot_loss_shapes,
    plot_trajectories,
)
from .images import chain_animation, plot_chain_grid, plot_completions, plot_images, tile_images
from .mdn import plot_conditional_density, plot_mixture_params
from .structured import plot_alignment, plot_digit_reading, plot_marginals, plot_trellis
from .style import COLORS, use_style

__all__ = ["COLORS", "use_style", "plot_conditional_density", "plot_mixture_params",
           "plot_energy_surface", "plot_energy_surface_3d", "plot_trajectories",
           "plot_gibbs", "plot_loss_shapes", "loss_gradients",
           "plot_trellis", "plot_marginals", "plot_alignment", "plot_digit_reading",
           "plot_images", "plot_chain_grid", "chain_animation", "tile_images", "plot_completions"]
