"""Argument checks of the plots (library only; the general ones are in ``energylab._checks``).

A plot checks types, shapes, lengths and discrete values (indices, labels, paths) on entry and
draws continuous data as they are: a NaN as a gap (:data:`GAP_COLOR` in an image), ``+inf`` (a
forbidden state) at the top of the colour scale.  The tensors a plot draws may live on any device
and have any floating dtype (they are copied to the host for matplotlib).
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import is_color_like
from matplotlib.figure import Figure

from .._checks import check_beta, check_integer_tensor, check_tensor, describe


def host(name: str, value, *, ndim: int | Sequence[int] | None = None, last_dim: int | None = None,
         floating: bool = True) -> np.ndarray:
    """:func:`~energylab._checks.check_tensor`, then the values as a NumPy array on the host."""
    return to_numpy(check_tensor(name, value, ndim=ndim, last_dim=last_dim, floating=floating))


def to_numpy(value: torch.Tensor) -> np.ndarray:
    """A tensor's values on the host (float64 for a floating tensor: NumPy has no bfloat16)."""
    value = value.detach().cpu()
    return (value.double() if value.is_floating_point() else value).numpy()


def indices(name: str, value, size: int, *, shape: tuple | None = None, like: str = "") -> np.ndarray:
    """An integer tensor of ``shape`` with values in [0, size) (labels, a decoded path), on the host."""
    check_integer_tensor(name, value)
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}{like}, got {describe(value)}")
    values = value.detach().cpu().numpy()
    if values.size and not (values.min() >= 0 and values.max() < size):
        raise ValueError(f"{name}: expected values in [0, {size - 1}], got values in [{values.min()}, {values.max()}]")
    return values


def axes(name: str, ax) -> Axes:
    """One matplotlib Axes to draw on; None means the current one (``plt.gca()``)."""
    if ax is None:
        return plt.gca()
    if not isinstance(ax, Axes):
        raise TypeError(f"{name}: expected a matplotlib Axes or None, got {describe(ax)}")
    return ax


def axes_grid(name: str, value, n: int):
    """None, or an Axes / array / list of at least ``n`` Axes (one per panel); returns ``value``
    (None stays None)."""
    if value is None:
        return None
    flat = list(np.atleast_1d(np.asarray(value, dtype=object)).flat)
    if not all(isinstance(ax, Axes) for ax in flat):
        raise TypeError(f"{name}: expected matplotlib Axes (one per panel), got {describe(value)}")
    if len(flat) < n:
        raise ValueError(f"{name}: expected at least {n} Axes (one per panel), got {len(flat)}")
    return value


def figure(name: str, fig) -> Figure | None:
    """None or a matplotlib Figure."""
    if fig is not None and not isinstance(fig, Figure):
        raise TypeError(f"{name}: expected a matplotlib Figure or None, got {describe(fig)}")
    return fig


def colour(name: str, value) -> str:
    """A matplotlib colour (a name such as 'white', '#0072B2', an RGB tuple)."""
    if not is_color_like(value):
        raise ValueError(f"{name}: expected a matplotlib colour such as 'white' or '#0072B2', got {describe(value)}")
    return value


#: Colour of the gaps: NaN cells, and the space between tiles (distinct from any grey level of the images).
GAP_COLOR = "#9ecae1"


def with_gaps(cmap, name: str = "cmap"):
    """A copy of the colour map called ``cmap`` that paints masked (NaN) cells -- the gaps -- in GAP_COLOR."""
    try:
        return plt.get_cmap(cmap).with_extremes(bad=GAP_COLOR)
    except (ValueError, TypeError):
        raise ValueError(f"{name}: expected a matplotlib colour map name such as 'gray_r', got {describe(cmap)}") \
            from None


def colour_range(vmin, **tops) -> None:
    """Each of ``tops`` (``vmax``, a ``clip``) above ``vmin`` where both are given (the ends of a colour scale)."""
    for name, top in tops.items():
        if vmin is not None and top is not None and not top > vmin:
            raise ValueError(f"{name}: expected a number above vmin = {vmin!r}, got {top!r}")


def labels_for(name: str, value, n: int) -> list:
    """A sequence of ``n`` labels (one per column, frame or panel)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name}: expected a sequence of {n} labels, got {describe(value)}")
    if len(value) != n:
        raise ValueError(f"{name}: expected {n} labels, got {len(value)}")
    return list(value)


def check_betas(name: str, betas) -> list[float]:
    """A non-empty list or tuple of inverse temperatures (finite, > 0): one panel or curve each."""
    if isinstance(betas, str) or not isinstance(betas, (list, tuple)) or not betas:
        raise TypeError(f"{name}: expected a non-empty list of inverse temperatures, got {describe(betas)}")
    return [check_beta(f"{name}[{i}]", beta, allow_inf=False) for i, beta in enumerate(betas)]
