"""Pictures for structured prediction on sequences: trellises with their best path,
position marginals, DTW alignments and digit strings read with a latent segmentation."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .style import COLORS

__all__ = ["plot_trellis", "plot_marginals", "plot_alignment", "plot_digit_reading"]


def plot_trellis(trellis, config=None, ax=None, *, title: str | None = None):
    """Draw a :class:`~energylab.structured.factor_graph.Trellis`: one column per variable,
    one node per value, node weights (first factor) and edge weights (pairwise factors);
    ``config`` (one value per variable) is drawn as a thick path.  Lecture 5 §1."""
    ax = ax if ax is not None else plt.gca()
    cards = trellis.cards
    for k, edge in enumerate(trellis.edges):
        for a in range(cards[k]):
            for b in range(cards[k + 1]):
                on_path = config is not None and config[k] == a and config[k + 1] == b
                ax.plot([k, k + 1], [a, b], color=COLORS[1] if on_path else "0.7",
                        lw=3.5 if on_path else 1.0, zorder=2 if on_path else 1)
                f = 0.25 + 0.4 * b / max(cards[k + 1] - 1, 1)      # spread the labels along the edges
                ax.text(k + f, a + f * (b - a) + 0.04, f"{float(edge[a, b]):g}", fontsize=8, ha="center", va="bottom",
                        color=COLORS[1] if on_path else "0.35",
                        zorder=3)
    for k, card in enumerate(cards):
        for a in range(card):
            on_path = config is not None and config[k] == a
            ax.scatter([k], [a], s=380, color=COLORS[1] if on_path else "white", edgecolor="k", zorder=4)
            ax.text(k, a, str(a), ha="center", va="center", fontsize=10, zorder=5,
                    color="white" if on_path else "k")
    for a in range(cards[0]):
        ax.text(-0.28, a, f"{float(trellis.nodes[a]):g}", ha="right", va="center", fontsize=8, color="0.35")
    ax.set_xticks(range(len(cards)), trellis.names)
    ax.set_yticks(range(max(cards)))
    ax.set_ylabel("value")
    ax.set_xlim(-0.7, len(cards) - 0.5)
    ax.set_ylim(-0.5, max(cards) - 0.5)
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def plot_marginals(mu, path=None, ax=None, *, title: str | None = None, truth=None):
    """Heat map of position marginals ``mu`` (N, C) (labels on the vertical axis) with an
    optional decoded ``path`` (N,) drawn on top and the ``truth`` as open circles.
    Lecture 5 §3, homework 3."""
    ax = ax if ax is not None else plt.gca()
    mu = torch.as_tensor(mu).detach().cpu()
    im = ax.imshow(mu.T.numpy(), origin="lower", aspect="auto", cmap="Greys", vmin=0, vmax=1)
    t = np.arange(mu.shape[0])
    if path is not None:
        ax.plot(t, torch.as_tensor(path).cpu().numpy(), color=COLORS[1], lw=2, marker="o", ms=4, label="Viterbi")
    if truth is not None:
        ax.scatter(t, torch.as_tensor(truth).cpu().numpy(), s=70, facecolor="none", edgecolor=COLORS[0],
                   lw=1.5, label="true", zorder=3)
    ax.set_xlabel("position t")
    ax.set_ylabel("label")
    ax.set_yticks(range(mu.shape[1]))
    ax.grid(False)
    if title:
        ax.set_title(title)
    return im


def plot_alignment(cost, path, ax=None, *, title: str | None = None):
    """The cost matrix (N, M) as an image with the DTW path on top.  Lecture 5 §4."""
    ax = ax if ax is not None else plt.gca()
    cost = torch.as_tensor(cost).detach().cpu()
    ax.imshow(cost.numpy(), origin="lower", aspect="auto", cmap="viridis")
    cells = torch.as_tensor(path).nonzero().numpy()
    ax.plot(cells[:, 1], cells[:, 0], color="white", lw=2)
    ax.set_xlabel("frame j of b")
    ax.set_ylabel("frame i of a")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def plot_digit_reading(image, width, segments=None, labels=None, ax=None, *, truth=None, color=None):
    """A digit string (8, W) with the digit arcs of a reading as boxes and their labels
    above; ``truth`` (a string) goes into the title.  Lecture 5 §5."""
    ax = ax if ax is not None else plt.gca()
    image = torch.as_tensor(image).detach().cpu()[:, : int(width)]
    ax.imshow(image.numpy(), cmap="Greys", vmin=0, vmax=1, aspect="equal")
    color = color or COLORS[1]
    if segments is not None:
        for (s, e), c in zip(torch.as_tensor(segments).tolist(), torch.as_tensor(labels).tolist()):
            if s < 0:
                continue
            ax.add_patch(plt.Rectangle((s - 0.5, -0.5), e - s, 8, fill=False, ec=color, lw=1.5))
            ax.text((s + e - 1) / 2, -1.0, str(c), ha="center", va="bottom", color=color, fontsize=11,
                    fontweight="bold")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_ylim(7.5, -3)
    ax.grid(False)
    if truth is not None:
        ax.set_title(f"true: {truth}", fontsize=10)
    return ax
