"""Pictures of mixture density networks (Lecture 2 §3–4, homework 1): parameters against x,
and the conditional density p(y | x) as a heat map with modes and samples on top."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from .style import COLORS


def plot_mixture_params(x: torch.Tensor, params, axes=None):
    """Three panels: alpha_k(x), mu_k(x), sigma_k(x) for a 1-D input and 1-D output.  Lecture 2 §3."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    order = x[:, 0].argsort()
    xs = x[order, 0].cpu()
    alpha, mu, sigma = (v.detach()[order].cpu() for v in (params.alpha, params.mu[..., 0], params.sigma[..., 0]))
    for k in range(alpha.shape[1]):
        color = COLORS[k % len(COLORS)]
        axes[0].plot(xs, alpha[:, k], color=color, label=f"k={k}")
        axes[1].plot(xs, mu[:, k], color=color)
        axes[2].plot(xs, sigma[:, k], color=color)
    for ax, title in zip(axes, [r"mixing coefficient $\alpha_k(x)$", r"centre $\mu_k(x)$", r"width $\sigma_k(x)$"]):
        ax.set_title(title)
        ax.set_xlabel("input $x$")
    axes[0].legend(fontsize=8)
    return axes


def plot_conditional_density(x_grid: torch.Tensor, y_grid: torch.Tensor, density: torch.Tensor, ax=None,
                             data=None, modes=None, samples=None, mean=None, *, vmax: float | None = None,
                             colorbar: bool = False, mean_label: str = "mixture mean"):
    """Heat map of ``p(y | x)`` (density of shape (len(y_grid), len(x_grid)), as returned by
    ``MixtureDensityNetwork.density_grid``), with optional training data, modes (pairs of
    (x, y) arrays), samples and the mean ``Σ_k α_k μ_k`` (labelled ``mean_label``).
    The axes end at the first and last grid points; ``vmax`` caps the colour scale (values above
    it take the darkest colour and the colour bar (``colorbar=True``) gets an arrow).  Lecture 2 §3–4."""
    ax = ax if ax is not None else plt.gca()
    density = density.detach().cpu()
    mesh = ax.pcolormesh(x_grid.cpu(), y_grid.cpu(), density, shading="nearest", cmap="Greys", vmin=0, vmax=vmax,
                         rasterized=True)
    if colorbar:
        extend = "max" if vmax is not None and float(density.max()) > vmax else "neither"
        ax.figure.colorbar(mesh, ax=ax, label="$p(y \\mid x)$" + (f" (clipped at {vmax:g})" if extend == "max" else ""),
                           extend=extend)
    if data is not None:
        ax.scatter(data[0].cpu(), data[1].cpu(), s=3, color=COLORS[5], alpha=0.3, label="data")
    if samples is not None:
        ax.scatter(samples[0].cpu(), samples[1].cpu(), s=3, color=COLORS[2], alpha=0.5, label="samples")
    if mean is not None:
        ax.plot(mean[0].cpu(), mean[1].cpu(), color=COLORS[1], lw=2, label=mean_label)
    if modes is not None:
        ax.scatter(modes[0].cpu(), modes[1].cpu(), s=6, color=COLORS[0], label="modes")
    ax.set_xlim(float(x_grid.min()), float(x_grid.max()))
    ax.set_ylim(float(y_grid.min()), float(y_grid.max()))
    ax.set_xlabel("input $x$")
    ax.set_ylabel("answer $y$")
    ax.grid(False)
    return ax
