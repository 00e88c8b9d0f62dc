"""Small images in grids: digits, Hopfield patterns, RBM filters, Gibbs chains over
time (a grid and an animation). Everything is tiled into one mosaic and drawn
with a single ``imshow`` -- fast, and small when embedded in a notebook."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import animation

from .._checks import check_positive_float, check_positive_int, check_real, check_tensor, describe
from ._inputs import axes as check_axes, colour_range, figure as check_figure, labels_for, with_gaps

__all__ = ["tile_images", "plot_images", "plot_chain_grid", "chain_animation", "plot_completions"]


def _numpy(name: str, images, ndim: int, what: str) -> np.ndarray:
    """Floating images (a tensor on any device, or a NumPy array) with ``ndim`` dimensions and at least one
    image, as float64 on the host."""
    if isinstance(images, torch.Tensor):
        check_tensor(name, images)
        images = images.detach().cpu().to(torch.float64).numpy()
    elif not isinstance(images, np.ndarray) or images.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point tensor or NumPy array {what}, got {describe(images)}")
    if images.ndim != ndim or not min(images.shape[:-1], default=1):
        raise ValueError(f"{name}: expected {what} with at least one image, got array of shape {images.shape}")
    return images.astype(np.float64, copy=False)


def _check_shape(shape, size: int, name: str) -> tuple[int, int]:
    """``shape`` = (H, W), two ints >= 1 with H * W = ``size`` (the length of a flat image of ``name``)."""
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape)):
        raise ValueError(f"shape: expected (height, width), two ints >= 1, got {describe(shape)}")
    if shape[0] * shape[1] != size:
        raise ValueError(f"shape: expected height * width = {size} (the length of each image in {name}), got {shape}")
    return tuple(shape)


def _check_scale(cmap, vmin, vmax):
    """The colour map (with gaps) and the ends of its scale."""
    vmin, vmax = check_real("vmin", vmin, none_ok=True), check_real("vmax", vmax, none_ok=True)
    colour_range(vmin, vmax=vmax)
    return with_gaps(cmap), vmin, vmax


def tile_images(images, shape: tuple[int, int], ncols: int, *, pad: int = 1, pad_value: float = np.nan) -> np.ndarray:
    """Arrange N flat images (N, H*W) into one array, ``ncols`` per row, ``pad`` cells of
    ``pad_value`` between the tiles and around the border.
    Library only: the mosaic behind plot_images, plot_chain_grid and chain_animation."""
    images = _numpy("images", images, 2, "(N, H*W)")
    height, width = _check_shape(shape, images.shape[1], "images")
    check_positive_int("ncols", ncols)
    check_positive_int("pad", pad, minimum=0)
    if isinstance(pad_value, bool) or not isinstance(pad_value, (int, float)):
        raise TypeError(f"pad_value: expected a number (NaN: a gap), got {describe(pad_value)}")
    n = images.shape[0]
    nrows = -(-n // ncols)
    mosaic = np.full((nrows * (height + pad) - pad, ncols * (width + pad) - pad), pad_value)
    for k in range(n):  # a handful of small images: a plain loop is clearest
        r, c = divmod(k, ncols)
        mosaic[r * (height + pad): r * (height + pad) + height, c * (width + pad): c * (width + pad) + width] = \
            images[k].reshape(height, width)
    return np.pad(mosaic, pad, constant_values=pad_value) if pad else mosaic  # a frame around it all


def plot_images(images, *, shape=(8, 8), ncols: int | None = None, ax=None, cmap: str = "gray_r",
                vmin: float | None = None, vmax: float | None = None, title: str | None = None):
    """Show N flat images (N, H*W) as a grid in one axes; returns the axes.
    Lecture 7 §1, §3, Lecture 8 §1, §3, homework 2."""
    images = _numpy("images", images, 2, "(N, H*W)")
    ncols = int(np.ceil(np.sqrt(len(images)))) if ncols is None else check_positive_int("ncols", ncols)
    mosaic = tile_images(images, shape, ncols)
    cmap, vmin, vmax = _check_scale(cmap, vmin, vmax)
    if ax is None:
        _, ax = plt.subplots(figsize=(min(10, 0.6 * ncols + 0.4), min(10, 0.6 * (-(-len(images) // ncols)) + 0.4)))
    check_axes("ax", ax).imshow(np.ma.masked_invalid(mosaic), cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def plot_chain_grid(frames, *, shape=(8, 8), steps: Sequence[int] | None = None, ax=None, cmap: str = "gray_r",
                    vmin: float = 0.0, vmax: float = 1.0, title: str | None = None):
    """Gibbs chains as a grid: one row per chain, one column per recorded step.  Lecture 8 §4.

    ``frames``: (T, B, H*W), e.g. from ``rbm.gibbs_chain``; ``steps`` labels the columns."""
    frames = _numpy("frames", frames, 3, "(T, B, H*W)")
    n_frames, n_chains, _ = frames.shape
    height, width = _check_shape(shape, frames.shape[2], "frames")
    labels = labels_for("steps", steps, n_frames) if steps is not None else range(n_frames)
    cmap, vmin, vmax = _check_scale(cmap, vmin, vmax)
    by_chain = frames.transpose(1, 0, 2).reshape(n_frames * n_chains, -1)  # row-major: chain, then time
    if ax is None:
        _, ax = plt.subplots(figsize=(min(12, 0.55 * n_frames + 0.8), min(10, 0.55 * n_chains + 0.6)))
    check_axes("ax", ax).imshow(np.ma.masked_invalid(tile_images(by_chain, shape, n_frames)), cmap=cmap, vmin=vmin,
                                vmax=vmax, interpolation="nearest")
    ax.set_xticks([1 + c * (width + 1) + (width - 1) / 2 for c in range(n_frames)])
    ax.set_xticklabels([str(s) for s in labels], fontsize=8)
    ax.set_yticks([]), ax.grid(False)
    ax.set_xlabel("Gibbs step")
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def chain_animation(frames, *, shape=(8, 8), steps: Sequence[int] | None = None, ncols: int | None = None,
                    interval: int = 150, cmap: str = "gray_r", vmin: float = 0.0, vmax: float = 1.0,
                    size: float = 3.0):
    """An animation of B chains side by side over T recorded steps (``frames`` (T, B, H*W)).  Lecture 8 §4.

    Returns a ``matplotlib.animation.FuncAnimation``; in a notebook show it with
    ``IPython.display.HTML(anim.to_jshtml())`` (the figure itself is closed here)."""
    frames = _numpy("frames", frames, 3, "(T, B, H*W)")
    n_frames, n_chains, _ = frames.shape
    _check_shape(shape, frames.shape[2], "frames")
    ncols = int(np.ceil(np.sqrt(n_chains))) if ncols is None else check_positive_int("ncols", ncols)
    labels = labels_for("steps", steps, n_frames) if steps is not None else list(range(n_frames))
    check_positive_int("interval", interval)
    size = check_positive_float("size", size)
    cmap, vmin, vmax = _check_scale(cmap, vmin, vmax)
    fig, ax = plt.subplots(figsize=(size, size * (-(-n_chains // ncols)) / ncols + 0.3))
    image = ax.imshow(np.ma.masked_invalid(tile_images(frames[0], shape, ncols)), cmap=cmap, vmin=vmin, vmax=vmax,
                      interpolation="nearest")
    ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    title = ax.set_title(f"Gibbs step {labels[0]}")

    def draw(t):
        image.set_data(np.ma.masked_invalid(tile_images(frames[t], shape, ncols)))
        title.set_text(f"Gibbs step {labels[t]}")
        return image, title

    anim = animation.FuncAnimation(fig, draw, frames=n_frames, interval=interval, blit=False)
    plt.close(fig)
    return anim


def plot_completions(columns: dict, n_rows: int | None = None, *, hidden: torch.Tensor | None = None, fig=None):
    """Draw a grid of 8x8 images: one column per entry of ``columns`` (title -> (N, 8, 8)),
    one row per example.  With ``hidden`` (8, 8) bool the hidden region is outlined in red.
    Lecture 6 §6–9, homework 4."""
    from matplotlib.patches import Rectangle

    if not isinstance(columns, dict) or not columns:
        raise TypeError(f"columns: expected a non-empty dict of title -> images (N, 8, 8), got {describe(columns)}")
    for title, images in columns.items():
        check_tensor(f"columns[{title!r}]", images, ndim=3)
    most = min(len(images) for images in columns.values())
    n_rows = most if n_rows is None else check_positive_int("n_rows", n_rows)
    if not 1 <= n_rows <= most:
        raise ValueError(f"n_rows: expected at most {most} (the fewest images in a column), got {n_rows}")
    if hidden is not None:
        check_tensor("hidden", hidden, floating=False)
        shape = next(iter(columns.values())).shape[1:]
        if hidden.dtype != torch.bool or hidden.shape != shape or not hidden.any():
            raise ValueError(f"hidden: expected a bool mask of the images' shape {tuple(shape)} with a hidden cell, "
                             f"got {describe(hidden)}")
    fig = check_figure("fig", fig) or plt.figure(figsize=(1.1 * len(columns), 1.1 * n_rows))
    axes = fig.subplots(n_rows, len(columns), squeeze=False)
    box = None
    if hidden is not None:
        rows, cols = torch.nonzero(hidden.cpu(), as_tuple=True)
        box = (int(cols.min()) - 0.5, int(rows.min()) - 0.5, int(cols.max() - cols.min()) + 1, int(rows.max() - rows.min()) + 1)
    for j, (title, images) in enumerate(columns.items()):
        for i in range(n_rows):
            ax = axes[i, j]
            ax.imshow(images[i].detach().cpu().numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([]), ax.set_yticks([])
            ax.grid(False)
            ax.spines[:].set_visible(False)
            if box is not None:
                ax.add_patch(Rectangle(box[:2], box[2], box[3], fill=False, edgecolor="red", linewidth=1))
            if i == 0:
                ax.set_title(title, fontsize=9)
    return fig
