"""Pictures of mixture density networks (Lecture 2 §3–4, homework 1): parameters against x,
and the conditional density p(y | x) as a heat map with modes and samples on top."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .._checks import check_bool, check_positive_float, check_tensor, describe
from ..models.mdn import check_params
from ._inputs import axes as check_axes, axes_grid, host, with_gaps
from .style import COLORS


def plot_mixture_params(x: torch.Tensor, params, axes=None):
    """Three panels: alpha_k(x), mu_k(x), sigma_k(x) for a 1-D input and 1-D output.  Lecture 2 §3."""
    check_tensor("x", x, ndim=2, last_dim=1)
    check_params("params", params)
    if params.mu.shape[0] != x.shape[0] or params.mu.shape[2] != 1:
        raise ValueError(f"params: expected mixtures of 1-D answers for the {x.shape[0]} inputs x, got mu of shape "
                         f"{tuple(params.mu.shape)}")
    if axes_grid("axes", axes, 3) is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    order = x[:, 0].detach().argsort()
    xs = x[order, 0].detach().cpu()
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
    xs, ys = _grid("x_grid", x_grid), _grid("y_grid", y_grid)
    density = host("density", density, ndim=2)
    if density.shape != (len(ys), len(xs)):
        raise ValueError(f"density: expected shape (len(y_grid), len(x_grid)) = ({len(ys)}, {len(xs)}), "
                         f"got {density.shape}")
    pairs = {name: _pair(name, value) for name, value in
             (("data", data), ("samples", samples), ("mean", mean), ("modes", modes)) if value is not None}
    vmax = None if vmax is None else check_positive_float("vmax", vmax)
    check_bool("colorbar", colorbar)
    ax = check_axes("ax", ax)
    mesh = ax.pcolormesh(xs, ys, density, shading="nearest", cmap=with_gaps("Greys"), vmin=0, vmax=vmax,
                         rasterized=True)
    if colorbar:
        extend = "max" if vmax is not None and np.nanmax(density) > vmax else "neither"
        ax.figure.colorbar(mesh, ax=ax, label="$p(y \\mid x)$" + (f" (clipped at {vmax:g})" if extend == "max" else ""),
                           extend=extend)
    if "data" in pairs:
        ax.scatter(*pairs["data"], s=3, color=COLORS[5], alpha=0.3, label="data")
    if "samples" in pairs:
        ax.scatter(*pairs["samples"], s=3, color=COLORS[2], alpha=0.5, label="samples")
    if "mean" in pairs:
        ax.plot(*pairs["mean"], color=COLORS[1], lw=2, label=mean_label)
    if "modes" in pairs:
        ax.scatter(*pairs["modes"], s=6, color=COLORS[0], label="modes")
    ax.set_xlim(xs.min(), xs.max())
    ax.set_ylim(ys.min(), ys.max())
    ax.set_xlabel("input $x$")
    ax.set_ylabel("answer $y$")
    ax.grid(False)
    return ax


def _grid(name: str, value) -> np.ndarray:
    """Grid coordinates (n,), finite (they set the axes' limits), n >= 1."""
    values = host(name, value, ndim=1)
    if not len(values) or not np.isfinite(values).all():
        raise ValueError(f"{name}: expected finite grid coordinates (n,) with n >= 1, got {describe(value)}")
    return values


def _pair(name: str, value) -> tuple[np.ndarray, np.ndarray]:
    """Points to draw as a pair ``(x, y)`` of tensors of one shape (e.g. (S, B): S samples at each of B inputs)."""
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise TypeError(f"{name}: expected a pair (x, y) of tensors of one shape, got {describe(value)}")
    x, y = host(f"{name}[0]", value[0]), host(f"{name}[1]", value[1])
    if x.shape != y.shape:
        raise ValueError(f"{name}: expected x and y of one shape, got {x.shape} and {y.shape}")
    return x, y
