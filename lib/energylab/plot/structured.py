"""Pictures for structured prediction on sequences: trellises with their best path,
position marginals, DTW alignments and digit strings read with a latent segmentation."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .._checks import check_integer_tensor, check_positive_int, check_tensor, describe
from ..structured.chain import PAD
from ..structured.factor_graph import Trellis
from ._inputs import axes as check_axes, colour, host, indices, with_gaps
from .style import COLORS

__all__ = ["plot_trellis", "plot_marginals", "plot_alignment", "plot_digit_reading"]


def plot_trellis(trellis, config=None, ax=None, *, title: str | None = None):
    """Draw a :class:`~energylab.structured.factor_graph.Trellis`: one column per variable,
    one node per value, node weights (first factor) and edge weights (pairwise factors);
    ``config`` (one value per variable) is drawn as a thick path.  Lecture 5 §1."""
    if not isinstance(trellis, Trellis):
        raise TypeError(f"trellis: expected a Trellis (energylab.structured.build_trellis), got {describe(trellis)}")
    cards = trellis.cards
    if config is not None:
        if not isinstance(config, (tuple, list)) or len(config) != len(cards):
            raise ValueError(f"config: expected one value per variable ({len(cards)}), got {describe(config)}")
        for k, (value, card) in enumerate(zip(config, cards)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < card:
                raise ValueError(f"config[{k}]: expected a value in [0, {card - 1}], got {describe(value)}")
    ax = check_axes("ax", ax)
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
    """Heat map of position marginals ``mu`` (N, C) (labels on the vertical axis; NaN cells in the gap
    colour) with an optional decoded ``path`` (N,) drawn on top and the ``truth`` as open circles.
    Lecture 5 §3, homework 3."""
    mu = host("mu", mu, ndim=2)
    n, c = mu.shape
    if not n:
        raise ValueError(f"mu: expected marginals (N, C) with N >= 1, got array of shape {mu.shape}")
    lines = {name: indices(name, value, c, shape=(n,), like=" (one label per row of mu)")
             for name, value in (("path", path), ("truth", truth)) if value is not None}
    ax = check_axes("ax", ax)
    im = ax.imshow(mu.T, origin="lower", aspect="auto", cmap=with_gaps("Greys"), vmin=0, vmax=1)
    t = np.arange(n)
    if "path" in lines:
        ax.plot(t, lines["path"], color=COLORS[1], lw=2, marker="o", ms=4, label="Viterbi")
    if "truth" in lines:
        ax.scatter(t, lines["truth"], s=70, facecolor="none", edgecolor=COLORS[0], lw=1.5, label="true", zorder=3)
    ax.set_xlabel("position t")
    ax.set_ylabel("label")
    ax.set_yticks(range(c))
    ax.grid(False)
    if title:
        ax.set_title(title)
    return im


def plot_alignment(cost, path, ax=None, *, title: str | None = None):
    """The cost matrix (N, M) as an image with the DTW path (N, M) bool on top; NaN and forbidden
    (``+inf``) cells are left blank.  Lecture 5 §4."""
    cost = host("cost", cost, ndim=2)
    if not cost.size:
        raise ValueError(f"cost: expected a cost matrix (N, M) with N, M >= 1, got array of shape {cost.shape}")
    check_tensor("path", path, floating=False)
    if path.dtype != torch.bool or tuple(path.shape) != cost.shape or not path.any():
        raise ValueError(f"path: expected a bool alignment of the shape of cost {cost.shape} with a cell on it, "
                         f"got {describe(path)}")
    cells = path.detach().cpu().nonzero().numpy()
    ax = check_axes("ax", ax)
    ax.imshow(np.ma.masked_invalid(cost), origin="lower", aspect="auto", cmap="viridis")   # inf: a forbidden cell
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
    image = host("image", image, ndim=2)
    if image.shape[0] != 8 or not image.shape[1]:
        raise ValueError(f"image: expected a digit string (8, W) with W >= 1, got array of shape {image.shape}")
    width = _width(width, image.shape[1])
    color = colour("color", color or COLORS[1])
    arcs = _arcs(segments, labels, width)
    ax = check_axes("ax", ax)
    ax.imshow(image[:, :width], cmap=with_gaps("Greys"), vmin=0, vmax=1, aspect="equal")
    for (s, e), c in arcs:
        ax.add_patch(plt.Rectangle((s - 0.5, -0.5), e - s, 8, fill=False, ec=color, lw=1.5))
        ax.text((s + e - 1) / 2, -1.0, str(c), ha="center", va="bottom", color=color, fontsize=11, fontweight="bold")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_ylim(7.5, -3)
    ax.grid(False)
    if truth is not None:
        ax.set_title(f"true: {truth}", fontsize=10)
    return ax


def _width(width, limit: int) -> int:
    """The used width of a digit string: an int (or an integer 0-d tensor) in [1, limit]."""
    if isinstance(width, torch.Tensor):
        if width.dim() or width.is_floating_point() or width.dtype == torch.bool:
            raise TypeError(f"width: expected an int or an integer 0-d tensor, got {describe(width)}")
        width = int(width)
    if check_positive_int("width", width) > limit:
        raise ValueError(f"width: expected at most the image's width {limit}, got {width}")
    return width


def _arcs(segments, labels, width: int) -> list:
    """((first, one past last), label) of each digit arc of a reading (``PAD`` rows skipped)."""
    if segments is None and labels is None:
        return []
    check_integer_tensor("segments", segments, ndim=2, last_dim=2)
    check_integer_tensor("labels", labels, ndim=1)
    if labels.shape[0] != segments.shape[0]:
        raise ValueError(f"labels: expected one label per segment ({segments.shape[0]}), got {describe(labels)}")
    arcs = [(tuple(arc), c) for arc, c in zip(segments.tolist(), labels.tolist()) if arc[0] != PAD]
    for (s, e), c in arcs:
        if not 0 <= s < e <= width:
            raise ValueError(f"segments: expected arcs [first, one past last) with 0 <= first < last <= width = "
                             f"{width}, got [{s}, {e})")
    return arcs
