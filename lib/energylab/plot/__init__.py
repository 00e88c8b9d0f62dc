"""Plots used by the lectures. Call :func:`use_style` once per notebook."""
from .mdn import plot_conditional_density, plot_mixture_params
from .style import COLORS, use_style

__all__ = ["COLORS", "use_style", "plot_conditional_density", "plot_mixture_params"]
