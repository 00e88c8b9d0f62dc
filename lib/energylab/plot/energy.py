"""Pictures of energies: 2-D surfaces (contour and 3-D), inference trajectories on top,
Gibbs distributions at several β, and the loss-shape visualiser (how each loss's
gradient moves the energies of the correct and the contrastive answers).

Low energy is drawn dark (``viridis``: dark = low).  Every function takes ``ax=`` (or
``axes=``) and returns what it drew on, so figures can be composed.
"""
from __future__ import annotations

import math
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import FuncNorm
from matplotlib.ticker import MaxNLocator
import torch

from ..gibbs import Grid, gibbs_density, gibbs_probabilities
from ..losses import LOSSES, loss_on_answers
from .._checks import (check_bool, check_index, check_integer_tensor, check_positive_float, check_positive_int,
                       check_real, check_tensor, describe)
from ._inputs import axes as check_axes, axes_grid, check_betas, colour, colour_range, host, to_numpy as _np
from .style import COLORS

__all__ = [
    "plot_energy_surface",
    "plot_energy_surface_3d",
    "plot_trajectories",
    "plot_gibbs",
    "plot_loss_shapes",
    "loss_gradients",
]


#: Paths drawn at most (the first ones), so that a picture stays readable.
MAX_PATHS = 60


def _image(grid: Grid, energies: torch.Tensor) -> np.ndarray:
    """The energies at the points of a 2-D ``grid`` as an image (n₁, n₀), checked."""
    if not isinstance(grid, Grid):
        raise TypeError(f"grid: expected a Grid (energylab.gibbs.make_grid), got {describe(grid)}")
    if len(grid.axes) != 2:
        raise ValueError(f"grid: expected a 2-D grid, got {len(grid.axes)} axes")
    _check_energies(energies, grid.points.shape[0], "grid point")
    return _np(grid.image(energies))


def _check_energies(energies, n: int, what: str) -> torch.Tensor:
    check_tensor("energies", energies, ndim=1)
    if energies.shape[0] != n:
        raise ValueError(f"energies: expected shape ({n},) (one per {what}), got {describe(energies)}")
    return energies


def _finite_range(image: np.ndarray) -> tuple[float, float]:
    """(min, max) of the finite values (NaN is drawn as a gap, +inf in the top colour); (0, 1) if none."""
    finite = image[np.isfinite(image)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def _above(image: np.ndarray, top: float) -> np.ndarray:
    """``image`` with +inf (a forbidden state) just above ``top``: contourf draws it in the top colour."""
    return np.where(np.isposinf(image), top + 1.0 + abs(top), image)


def _points(name: str, value, ndim: int = 2) -> np.ndarray | None:
    """Optional points (N, 2) or paths (T+1, S, 2) to draw on a surface."""
    if value is None:
        return None
    points = host(name, value, ndim=ndim, last_dim=2)
    if ndim == 3 and not len(points):
        raise ValueError(f"{name}: expected paths (T+1, S, 2) with T+1 >= 1, got {describe(value)}")
    return points


def _nice_levels(lo: float, hi: float, n: int) -> np.ndarray:
    """About ``n`` contour levels at round numbers covering [lo, hi] (clean colour-bar ticks): from the
    largest round number <= lo to the smallest >= hi, so that no value between lo and hi goes uncoloured."""
    ticks = MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    eps = 1e-9 * max(abs(hi - lo), 1e-12)
    first = ticks[ticks <= lo + eps].max()
    last = ticks[ticks >= hi - eps].min()
    return ticks[(ticks >= first) & (ticks <= last)]


def plot_energy_surface(grid: Grid, energies: torch.Tensor, ax=None, *, levels: int | Sequence[float] = 30,
                        clip: float | None = None, vmin: float | None = None, vmax: float | None = None,
                        data: torch.Tensor | None = None, minima: torch.Tensor | None = None,
                        trajectories: torch.Tensor | None = None, colorbar: bool = True,
                        colorbar_label: str = "energy", log: bool = False, title: str | None = None):
    """Filled contours of ``E`` on a 2-D grid (dark = low energy).  Lecture 3 §1–3, Lecture 4 §2–7.

    ``clip`` caps the energy (steep walls would otherwise use all the colours); ``vmin``/``vmax``
    fix the colour scale (to compare panels) -- values above ``vmax`` or ``clip`` (and ``+inf``, a
    forbidden state) take the top colour and the colour bar gets an arrow; NaN is left blank.
    Levels and colour-bar ticks sit at round numbers.
    ``data`` (N, 2) is drawn as dots, ``minima`` (M, 2) as crosses, ``trajectories`` (T+1, S, 2)
    as paths.  ``log=True`` spaces the colours logarithmically in ``E − vmin`` (``vmin`` defaults
    to min E) so that valleys a few units deep and walls a hundred units high both show, with
    colour-bar ticks at round energies (0, 1, 2, 5, 10, ...).
    """
    image = _image(grid, energies)
    levels = _check_levels(levels)
    clip, vmin, vmax = (check_real(n, v, none_ok=True) for n, v in (("clip", clip), ("vmin", vmin), ("vmax", vmax)))
    colour_range(vmin, clip=clip, vmax=vmax)
    check_bool("colorbar", colorbar), check_bool("log", log)
    data, minima = _points("data", data), _points("minima", minima)
    trajectories = _points("trajectories", trajectories, ndim=3)
    ax = check_axes("ax", ax)
    if log:
        return _log_surface(grid, image, ax, vmin, vmax if clip is None else clip, levels, colorbar,
                            colorbar_label, data, minima, trajectories, title)
    top = min(vmax, clip) if (vmax is not None and clip is not None) else (vmax if vmax is not None else clip)
    low, high = _finite_range(image)
    lo = low if vmin is None else vmin
    hi = high if top is None else top
    hi = max(hi, lo + 1e-6)                                          # a flat surface still gets levels
    n_levels = levels if isinstance(levels, int) else None
    if n_levels is not None:
        levels = _nice_levels(lo, hi, n_levels)
    extend = "max" if np.nanmax(image) > hi else "neither"
    shown = _above(np.clip(image, lo, None), max(hi, levels[-1]))
    filled = ax.contourf(_np(grid.axes[0]), _np(grid.axes[1]), shown, levels=levels, cmap="viridis", extend=extend)
    if colorbar:
        bar = ax.figure.colorbar(filled, ax=ax, label=colorbar_label)
        bar.locator = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10])
        bar.update_ticks()
    return _decorate(ax, data, minima, trajectories, title)


def _check_levels(levels):
    """An int number of levels (>= 1), or a sequence of increasing numbers."""
    if isinstance(levels, int) and not isinstance(levels, bool):
        return check_positive_int("levels", levels)
    numbers = isinstance(levels, (list, tuple, np.ndarray)) and len(levels) >= 2 and all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and math.isfinite(v) for v in levels)
    if numbers and all(a < b for a, b in zip(levels[:-1], levels[1:])):
        return levels
    raise ValueError(f"levels: expected a number of levels (an int >= 1) or increasing finite values, "
                     f"got {describe(levels)}")


def _decorate(ax, data, minima, trajectories, title):
    if data is not None:
        ax.scatter(*data.T, s=4, color="white", edgecolors="none", alpha=0.7, label="data")
    if trajectories is not None:
        shown = trajectories[:, :MAX_PATHS]
        _draw_paths(ax, shown[..., 0], shown[..., 1], ["white"] * shown.shape[1])
    if minima is not None:
        ax.scatter(*minima.T, marker="X", s=90, color=COLORS[1], edgecolors="white", zorder=5, label="minima")
    ax.set_aspect("equal")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def _log_surface(grid, image, ax, vmin, vmax, levels, colorbar, colorbar_label, data, minima, trajectories, title):
    """plot_energy_surface with colours logarithmic in E − vmin (levels at expm1 of equal steps)."""
    base = _finite_range(image)[0] if vmin is None else vmin
    shifted = np.clip(image - base, 0, None)
    top = max(_finite_range(shifted)[1] if vmax is None else vmax - base, 1e-6)
    n = levels if isinstance(levels, int) else 30
    bounds = np.expm1(np.linspace(0, np.log1p(top), n + 1))
    norm = FuncNorm((np.log1p, np.expm1), vmin=0, vmax=top)
    extend = "max" if np.nanmax(shifted) > top * (1 + 1e-9) else "neither"
    filled = ax.contourf(_np(grid.axes[0]), _np(grid.axes[1]), _above(shifted, top), levels=bounds, norm=norm,
                         cmap="viridis", extend=extend)
    if colorbar:
        ticks = [t for t in (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if t <= top]
        ax.figure.colorbar(filled, ax=ax, label=colorbar_label, ticks=ticks)
    return _decorate(ax, data, minima, trajectories, title)


def plot_energy_surface_3d(grid: Grid, energies: torch.Tensor, ax=None, *, clip: float | None = None,
                           log: bool = False, labels: tuple[str, str] = ("$y_1$", "$y_2$"),
                           title: str | None = None, elev: float = 35, azim: float = -60):
    """The same surface as a 3-D landscape (valleys = low energy = likely answers).  Lecture 3 §1–2.

    Steep walls flatten the valleys on a linear height axis: ``log=True`` draws
    ``log(1 + E − min E)`` instead (same valleys, walls compressed, no clipped plateau);
    ``clip`` caps a linear height.  ``labels`` name the two horizontal axes.
    """
    image = _image(grid, energies)
    clip, elev, azim = check_real("clip", clip, none_ok=True), check_real("elev", elev), check_real("azim", azim)
    check_bool("log", log)
    if not (isinstance(labels, (list, tuple)) and len(labels) == 2 and all(isinstance(t, str) for t in labels)):
        raise ValueError(f"labels: expected two axis labels (strings), got {describe(labels)}")
    if ax is None:
        ax = plt.gcf().add_subplot(projection="3d")
    if getattr(ax, "name", None) != "3d":
        raise TypeError(f"ax: expected a 3-D Axes (fig.add_subplot(projection='3d')) or None, got {describe(ax)}")
    if log:
        image = np.log1p(image - _finite_range(image)[0])
    elif clip is not None:
        image = np.minimum(image, clip)
    image = np.minimum(image, _finite_range(image)[1])               # +inf: at the top of the height axis
    gx, gy = np.meshgrid(_np(grid.axes[0]), _np(grid.axes[1]))
    stride = max(1, max(image.shape) // 80)
    ax.plot_surface(gx, gy, image, cmap="viridis", linewidth=0, antialiased=True, rstride=stride, cstride=stride)
    ax.view_init(elev=elev, azim=azim)
    ax.set_xlabel(labels[0], labelpad=2)
    ax.set_ylabel(labels[1], labelpad=2)
    ax.set_zlabel("log(1 + E − min E)" if log else "energy", labelpad=4)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_major_locator(MaxNLocator(nbins=4))
    ax.tick_params(labelsize=8, pad=0)
    if title:
        ax.set_title(title)
    return ax


def plot_trajectories(trajectory: torch.Tensor, ax=None, *, energies: torch.Tensor | None = None,
                      color: str | Sequence = "white", max_paths: int = MAX_PATHS):
    """Inference paths ``trajectory`` (T+1, S, D) from :func:`energylab.inference.gradient_descent`.
    Lecture 3 §2.

    D = 2: paths in the plane, a dot at each start and a cross at each end.
    D = 1 with ``energies`` (T+1, S) along the path: the paths on the energy curve;
    D = 1 without: the answer ``y`` against the step number (paths that merge into a minimum
    become one line).  ``color``: one colour, or one per path (e.g. by the minimum reached).
    """
    check_tensor("trajectory", trajectory, ndim=3)
    if trajectory.shape[2] not in (1, 2) or trajectory.shape[0] == 0:
        raise ValueError(f"trajectory: expected shape (T+1, S, 1 or 2) with T+1 >= 1, got {describe(trajectory)}")
    path = _np(trajectory[:, :check_positive_int("max_paths", max_paths)])
    steps, paths = path.shape[:2]
    if energies is not None and (trajectory.shape[2] != 1 or
                                 check_tensor("energies", energies).shape != trajectory.shape[:2]):
        raise ValueError(f"energies: expected shape {tuple(trajectory.shape[:2])} (one per point of 1-D paths), "
                         f"got {describe(energies)}")
    if isinstance(color, (list, tuple)):                             # one colour per path
        colors = [colour(f"color[{s}]", c) for s, c in enumerate(color[:paths])]
    else:
        colors = [colour("color", color)] * paths
    if len(colors) != paths:
        raise ValueError(f"color: expected one colour or {paths} (one per path), got {len(colors)}")
    ax = check_axes("ax", ax)
    if path.shape[2] == 2:
        xs, ys = path[..., 0], path[..., 1]
    elif energies is not None:
        xs, ys = path[..., 0], _np(energies[:, :max_paths])
    else:
        xs, ys = np.broadcast_to(np.arange(steps)[:, None], path.shape[:2]), path[..., 0]
    return _draw_paths(ax, xs, ys, colors)


def _draw_paths(ax, xs: np.ndarray, ys: np.ndarray, colors: list):
    """Paths (T+1, S) with a dot at each start and a cross at each end."""
    for s, c in enumerate(colors):
        ax.plot(xs[:, s], ys[:, s], color=c, lw=0.9, alpha=0.8)
    ax.scatter(xs[0], ys[0], s=14, color=colors, edgecolors="black", linewidths=0.5, zorder=4)
    ax.scatter(xs[-1], ys[-1], s=30, marker="x", color=COLORS[1], zorder=5)
    return ax


def plot_gibbs(points: torch.Tensor | Grid, energies: torch.Tensor, betas: Sequence[float], axes=None):
    """The Gibbs distribution ``p_β ∝ exp(-β E)`` for several β.  Lecture 3 §4 (through gibbs_explorer).

    ``points`` is a 1-D :class:`Grid` (density curves, one axis) or a 2-D grid (one image
    per β), or a tensor (C,) of labels of a discrete set (bars, one panel per β).
    """
    betas = check_betas("betas", betas)
    _check_gibbs(points, energies)
    if isinstance(points, Grid) and len(points.axes) == 1:
        ax = check_axes("axes", axes)
        for i, beta in enumerate(betas):
            density = gibbs_density(energies, beta, log_measure=points.log_measure)
            ax.plot(_np(points.axes[0]), _np(density), color=COLORS[i % len(COLORS)], label=f"β = {beta:g}")
        ax.set_xlabel("y")
        ax.set_ylabel(r"$p_\beta(y)$")
        ax.legend()
        return ax
    if axes_grid("axes", axes, len(betas)) is None:
        _, axes = plt.subplots(1, len(betas), figsize=(3.2 * len(betas), 3.0), squeeze=False)
        axes = axes[0]
    for ax, beta in zip(np.atleast_1d(axes).flat, betas):
        if isinstance(points, Grid):
            density = gibbs_density(energies, beta, log_measure=points.log_measure)
            ax.contourf(_np(points.axes[0]), _np(points.axes[1]), _np(points.image(density)), levels=30, cmap="magma")
            ax.set_aspect("equal")
            ax.grid(False)
        else:
            ax.bar(_np(points), _np(gibbs_probabilities(energies, beta)), color=COLORS[0])
            ax.set_ylim(0, 1)
        ax.set_title(f"β = {beta:g}")
    return axes


def _check_gibbs(points, energies) -> None:
    """``points`` a 1-D or 2-D Grid or integer labels (C,), ``energies`` one per point, without NaN."""
    if isinstance(points, Grid):
        if len(points.axes) not in (1, 2):
            raise ValueError(f"points: expected a 1-D or 2-D grid, got {len(points.axes)} axes")
        _check_energies(energies, points.points.shape[0], "grid point")
    else:                                            # labels (C,) of a discrete set
        _check_energies(energies, len(check_integer_tensor("points", points, ndim=1)), "label in points")
    if torch.isnan(energies).any():                  # Z would be NaN: every panel blank
        raise ValueError("energies: expected no NaN (a NaN energy makes Z, and so every probability, NaN)")


def _check_answers(energies, target, margin, beta) -> int:
    """``energies`` (C,) of C >= 2 answers, the index ``target`` of the correct one, the loss settings."""
    check_positive_float("margin", margin, allow_zero=True)
    check_positive_float("beta", beta)
    check_tensor("energies", energies, ndim=1)
    if energies.shape[0] < 2:
        raise ValueError(f"energies: expected at least 2 answers, got {describe(energies)}")
    return check_index("target", target, energies.shape[0], what="an answer index")


def loss_gradients(name: str, energies: torch.Tensor, target: int, *, margin: float = 1.0,
                   beta: float = 1.0) -> tuple[float, torch.Tensor]:
    """The loss ``name`` on one example with answer energies ``energies`` (C,) and its
    gradient with respect to each energy; ``-gradient`` is how one step of gradient
    descent moves each energy (negative = pushed down, positive = pulled up).
    Library only: the arrows of plot_loss_shapes (Lecture 4 §1), public for tests."""
    _check_answers(energies, target, margin, beta)
    e = energies.detach().double().clone().requires_grad_(True)
    loss = loss_on_answers(name, e[None], torch.tensor([target], device=e.device), margin=margin, beta=beta)
    (grad,) = torch.autograd.grad(loss, e)
    return float(loss.detach()), grad


def plot_loss_shapes(energies: torch.Tensor, target: int, names: Sequence[str] | None = None, *,
                     margin: float = 1.0, beta: float = 1.0, ncols: int = 4, arrow_scale: float = 0.5, axes=None):
    """The loss-shape visualiser: for each loss, the energies of C answers as bars (the
    correct one in green) and arrows ``-∂L/∂E`` showing how a gradient step moves each
    energy.  Blue arrows push down, orange arrows pull up, each labelled with its value;
    the dashed line is ``E(correct) + margin``.  Every panel uses the same scale -- an arrow
    ``arrow_scale`` energy units long is a gradient of 1 -- so lengths compare across losses.
    Lecture 4 §1."""
    _check_answers(energies, target, margin, beta)
    if not torch.isfinite(energies).all():          # bars and arrows without a scale
        raise ValueError(f"energies: expected finite energies to draw, got {energies.tolist()}")
    if names is None:
        names = list(LOSSES)
    if isinstance(names, str) or not isinstance(names, (list, tuple)) or not names:
        raise TypeError(f"names: expected a non-empty list of loss names (of {list(LOSSES)}), got {describe(names)}")
    unknown = [n for n in names if n not in LOSSES]
    if unknown:
        raise ValueError(f"names: expected loss names of {list(LOSSES)}, got {unknown}")
    check_positive_float("arrow_scale", arrow_scale)
    check_positive_int("ncols", ncols)
    if axes_grid("axes", axes, len(names)) is None:
        nrows = math.ceil(len(names) / ncols)
        _, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 2.7 * nrows), squeeze=False, sharey=True)
    flat = list(np.atleast_1d(axes).flat)
    e = _np(energies).astype(float)
    C = len(e)
    colours = [COLORS[2] if c == target else "0.7" for c in range(C)]
    lowest, highest = min(0.0, e.min()), max(e.max(), e[target] + margin)
    for ax, name in zip(flat, names):
        loss, grad = loss_gradients(name, energies, target, margin=margin, beta=beta)
        move = -_np(grad)
        ax.bar(range(C), e, color=colours)
        ax.axhline(e[target] + margin, color="0.4", ls="--", lw=0.8)
        for c in range(C):
            if abs(move[c]) > 1e-9:
                tip = e[c] + arrow_scale * move[c]
                lowest, highest = min(lowest, tip), max(highest, tip)
                colour = COLORS[0] if move[c] < 0 else COLORS[1]
                ax.annotate("", xy=(c, tip), xytext=(c, e[c]),
                            arrowprops=dict(arrowstyle="->", lw=2, color=colour, shrinkA=0, shrinkB=0))
                ax.text(c + 0.12, tip, f"{move[c]:+.2f}", fontsize=7, color=colour, zorder=4,
                        va="top" if move[c] < 0 else "bottom",   # a white box: readable over the bars
                        bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))
        ax.set_title(f"{name}  (L = {loss:.2f})", fontsize=10)
        ax.set_xticks(range(C), [("y*" if c == target else str(c)) for c in range(C)])
        ax.grid(False)
    for ax in flat[:len(names)]:
        ax.set_ylim(lowest - 0.3, highest + 0.4)
    for ax in flat[len(names):]:
        ax.axis("off")
    flat[0].set_ylabel("energy")
    return axes
