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
import torch

from ..gibbs import Grid, gibbs_density, gibbs_probabilities
from ..losses import LOSSES, loss_on_answers
from .style import COLORS

__all__ = [
    "plot_energy_surface",
    "plot_energy_surface_3d",
    "plot_trajectories",
    "plot_gibbs",
    "plot_loss_shapes",
    "loss_gradients",
]


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def _image(grid: Grid, energies: torch.Tensor, clip: float | None) -> np.ndarray:
    if len(grid.axes) != 2:
        raise ValueError(f"grid: expected a 2-D grid, got {len(grid.axes)} axes")
    if energies.shape != grid.points.shape[:1]:
        raise ValueError(f"energies: expected shape ({grid.points.shape[0]},) (one per grid point), "
                         f"got {tuple(energies.shape)}")
    image = _np(grid.image(energies))
    return np.minimum(image, clip) if clip is not None else image


def plot_energy_surface(grid: Grid, energies: torch.Tensor, ax=None, *, levels: int | Sequence[float] = 30,
                        clip: float | None = None, vmin: float | None = None, vmax: float | None = None,
                        data: torch.Tensor | None = None, minima: torch.Tensor | None = None,
                        trajectories: torch.Tensor | None = None, colorbar: bool = True, title: str | None = None):
    """Filled contours of ``E`` on a 2-D grid (dark = low energy).  Lecture 3 §1–3, Lecture 4 §2–5.

    ``clip`` caps the energy (steep walls would otherwise use all the colours);
    ``vmin``/``vmax`` fix the colour scale (to compare panels); ``data`` (N, 2) is drawn
    as dots, ``minima`` (M, 2) as crosses, ``trajectories`` (T+1, S, 2) as paths.
    """
    ax = ax if ax is not None else plt.gca()
    image = _image(grid, energies, clip)
    if vmin is not None or vmax is not None:
        lo = np.min(image) if vmin is None else vmin
        hi = np.max(image) if vmax is None else vmax
        levels = np.linspace(lo, hi, (levels if isinstance(levels, int) else len(levels)) + 1)
        image = np.clip(image, lo, hi)
    filled = ax.contourf(_np(grid.axes[0]), _np(grid.axes[1]), image, levels=levels, cmap="viridis")
    if colorbar:
        ax.figure.colorbar(filled, ax=ax, label="energy")
    if data is not None:
        ax.scatter(*_np(data).T, s=4, color="white", edgecolors="none", alpha=0.7, label="data")
    if trajectories is not None:
        plot_trajectories(trajectories, ax)
    if minima is not None:
        ax.scatter(*_np(minima).T, marker="X", s=90, color=COLORS[1], edgecolors="white", zorder=5, label="minima")
    ax.set_aspect("equal")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def plot_energy_surface_3d(grid: Grid, energies: torch.Tensor, ax=None, *, clip: float | None = None,
                           title: str | None = None, elev: float = 35, azim: float = -60):
    """The same surface as a 3-D landscape (valleys = low energy = likely answers).  Lecture 3 §1–2."""
    if ax is None:
        ax = plt.gcf().add_subplot(projection="3d")
    image = _image(grid, energies, clip)
    gx, gy = np.meshgrid(_np(grid.axes[0]), _np(grid.axes[1]))
    ax.plot_surface(gx, gy, image, cmap="viridis", linewidth=0, antialiased=True, rstride=1, cstride=1)
    ax.view_init(elev=elev, azim=azim)
    ax.set_zlabel("energy")
    if title:
        ax.set_title(title)
    return ax


def plot_trajectories(trajectory: torch.Tensor, ax=None, *, energies: torch.Tensor | None = None,
                      color: str = "white", max_paths: int = 60):
    """Inference paths ``trajectory`` (T+1, S, D) from :func:`energylab.inference.gradient_descent`.
    Lecture 3 §2.

    D = 2: paths in the plane, a dot at each start and a cross at each end.
    D = 1: paths on the energy curve, which needs ``energies`` (T+1, S) along the path.
    """
    ax = ax if ax is not None else plt.gca()
    path = _np(trajectory)[:, :max_paths]
    if path.ndim != 3 or path.shape[2] not in (1, 2):
        raise ValueError(f"trajectory: expected shape (T+1, S, 1 or 2), got {tuple(trajectory.shape)}")
    if path.shape[2] == 2:
        xs, ys = path[..., 0], path[..., 1]
    else:
        if energies is None:
            raise ValueError("energies: a 1-D trajectory needs the energies along it, shape (T+1, S), got None")
        xs, ys = path[..., 0], _np(energies)[:, :max_paths]
    ax.plot(xs, ys, color=color, lw=0.8, alpha=0.8)
    ax.scatter(xs[0], ys[0], s=12, color=color, edgecolors="black", linewidths=0.5, zorder=4)
    ax.scatter(xs[-1], ys[-1], s=30, marker="x", color=COLORS[1], zorder=5)
    return ax


def plot_gibbs(points: torch.Tensor | Grid, energies: torch.Tensor, betas: Sequence[float], axes=None):
    """The Gibbs distribution ``p_β ∝ exp(-β E)`` for several β.  Lecture 3 §4 (through gibbs_explorer).

    ``points`` is a 1-D :class:`Grid` (density curves, one axis) or a 2-D grid (one image
    per β), or a tensor (C,) of labels of a discrete set (bars, one panel per β).
    """
    betas = list(betas)
    if isinstance(points, Grid) and len(points.axes) == 1:
        ax = axes if axes is not None else plt.gca()
        for i, beta in enumerate(betas):
            density = gibbs_density(energies, beta, log_measure=points.log_measure)
            ax.plot(_np(points.axes[0]), _np(density), color=COLORS[i % len(COLORS)], label=f"β = {beta:g}")
        ax.set_xlabel("y")
        ax.set_ylabel(r"$p_\beta(y)$")
        ax.legend()
        return ax
    if axes is None:
        _, axes = plt.subplots(1, len(betas), figsize=(3.2 * len(betas), 3.0), squeeze=False)
        axes = axes[0]
    for ax, beta in zip(np.atleast_1d(axes), betas):
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


def loss_gradients(name: str, energies: torch.Tensor, target: int, *, margin: float = 1.0,
                   beta: float = 1.0) -> tuple[float, torch.Tensor]:
    """The loss ``name`` on one example with answer energies ``energies`` (C,) and its
    gradient with respect to each energy; ``-gradient`` is how one step of gradient
    descent moves each energy (negative = pushed down, positive = pulled up).
    Library only: the arrows of plot_loss_shapes (Lecture 4 §1), public for tests."""
    e = energies.detach().double().clone().requires_grad_(True)
    loss = loss_on_answers(name, e[None], torch.tensor([int(target)], device=e.device), margin=margin, beta=beta)
    (grad,) = torch.autograd.grad(loss, e)
    return float(loss.detach()), grad


def plot_loss_shapes(energies: torch.Tensor, target: int, names: Sequence[str] | None = None, *,
                     margin: float = 1.0, beta: float = 1.0, ncols: int = 4, axes=None):
    """The loss-shape visualiser: for each loss, the energies of C answers as bars (the
    correct one in green) and arrows ``-∂L/∂E`` showing how a gradient step moves each
    energy.  Blue arrows push down, orange arrows pull up; the dashed line is
    ``E(correct) + margin``.  Lecture 4 §1."""
    names = list(names) if names is not None else list(LOSSES)
    if axes is None:
        nrows = math.ceil(len(names) / ncols)
        _, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 2.6 * nrows), squeeze=False, sharey=True)
    flat = list(np.atleast_1d(axes).flat)
    e = _np(energies).astype(float)
    C = len(e)
    colours = [COLORS[2] if c == target else "0.7" for c in range(C)]
    for ax, name in zip(flat, names):
        loss, grad = loss_gradients(name, energies, target, margin=margin, beta=beta)
        move = -_np(grad)
        scale = 0.8 / max(np.abs(move).max(), 1e-12) if np.abs(move).max() > 1 else 0.8
        ax.bar(range(C), e, color=colours)
        ax.axhline(e[target] + margin, color="0.4", ls="--", lw=0.8)
        for c in range(C):
            if abs(move[c]) > 1e-9:
                ax.annotate("", xy=(c, e[c] + scale * move[c]), xytext=(c, e[c]),
                            arrowprops=dict(arrowstyle="->", lw=2, color=COLORS[0] if move[c] < 0 else COLORS[1]))
        ax.set_title(f"{name}  (L = {loss:.2f})", fontsize=10)
        ax.set_xticks(range(C), [("y*" if c == target else str(c)) for c in range(C)])
        ax.grid(False)
    for ax in flat[len(names):]:
        ax.axis("off")
    flat[0].set_ylabel("energy")
    return axes
