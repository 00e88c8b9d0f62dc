"""One plotting style for every lecture: readable fonts, light grid, a colour cycle
that survives greyscale printing."""
from __future__ import annotations

import matplotlib as mpl

from .._checks import check_positive_int

#: The course palette (colour-blind safe, Okabe & Ito 2008).
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


def use_style(dpi: int = 100) -> None:
    """Apply the course's matplotlib style (``dpi``: the figures' resolution)."""
    mpl.rcParams.update({
        "figure.dpi": check_positive_int("dpi", dpi),
        "figure.figsize": (6.0, 4.0),
        "figure.constrained_layout.use": True,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": mpl.cycler(color=COLORS),
        "font.size": 11,
        "axes.titlesize": 12,
        "legend.frameon": False,
        "image.cmap": "viridis",
    })
