"""Interactive explorers for the lectures (ipywidgets): the inverse temperature β of a
Gibbs distribution, and the loss zoo (loss choice, margin, β) on a toy answer set.

**When is a widget shown?**  ``static=None`` (the default) decides with one rule:
widgets need a live Jupyter kernel, so a widget is built only when the code runs inside
an IPython *kernel* and the environment variable ``ENERGYLAB_STATIC`` is unset (or "0").
Anywhere else -- a plain ``python`` script, pytest, a notebook executed with
``ENERGYLAB_STATIC=1`` to render a static web page -- the explorer draws an ordinary
matplotlib figure showing several settings side by side, and returns it.
Pass ``static=True`` or ``static=False`` to force either.

Each explorer returns either a ``matplotlib.figure.Figure`` (static) or an
``ipywidgets.VBox`` whose ``controls`` attribute maps names to the control widgets.
"""
from __future__ import annotations

import os
from typing import Sequence

import matplotlib.pyplot as plt
import torch

from .gibbs import Grid
from .losses import LOSSES
from .plot.energy import plot_gibbs, plot_loss_shapes

__all__ = ["has_widget_frontend", "gibbs_explorer", "loss_explorer"]


def has_widget_frontend() -> bool:
    """True inside a running IPython kernel (Jupyter) unless ``ENERGYLAB_STATIC`` is set.
    Library only: decides between a widget and a static figure (and lets tests check the rule)."""
    if os.environ.get("ENERGYLAB_STATIC", "0") not in ("", "0"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:                                                     # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _use_static(static: bool | None) -> bool:
    if static is None:
        return not has_widget_frontend()
    if not isinstance(static, bool):
        raise TypeError(f"static: expected True, False or None (auto), got {static!r}")
    return static


def _static(fig):
    """Close the figure in pyplot (so that Jupyter's inline backend does not draw it a
    second time) and return it: it still displays as the cell's value and can be saved."""
    plt.close(fig)
    return fig


def _widget(controls: dict, draw) -> "object":
    """A VBox: the controls in a row above an Output that ``draw(**values)`` fills."""
    import ipywidgets as w
    from IPython.display import display

    def redraw(**values):
        fig = draw(**values)
        display(fig)
        plt.close(fig)

    output = w.interactive_output(redraw, controls)
    box = w.VBox([w.HBox(list(controls.values())), output])
    box.controls = controls
    return box


def gibbs_explorer(points: torch.Tensor | Grid, energies: torch.Tensor, *, beta: float = 1.0,
                   static_betas: Sequence[float] = (0.1, 1.0, 10.0), static: bool | None = None):
    """Explore ``p_β ∝ exp(-β E)``: a β slider (log scale, 0.01 to 100) in Jupyter, or one
    figure at ``static_betas`` otherwise.  ``points``: a 1-D or 2-D :class:`Grid`, or
    labels (C,) of a discrete set, with ``energies`` of matching length.  Lecture 3 §4."""
    def figure(betas):
        if isinstance(points, Grid) and len(points.axes) == 1:      # density curves on one axis
            fig, ax = plt.subplots(figsize=(6, 3.2))
            plot_gibbs(points, energies, betas, ax)
        else:                                                       # one panel per β
            fig, axes = plt.subplots(1, len(betas), figsize=(3.2 * len(betas), 3.0), squeeze=False)
            plot_gibbs(points, energies, betas, axes[0])
        return fig

    if _use_static(static):
        return _static(figure(list(static_betas)))
    import ipywidgets as w
    slider = w.FloatLogSlider(value=beta, base=10, min=-2, max=2, step=0.05, description="β")
    return _widget({"beta": slider}, lambda beta: figure([beta]))


def loss_explorer(energies: torch.Tensor, target: int, *, loss: str = "hinge", margin: float = 1.0,
                  beta: float = 1.0, static: bool | None = None):
    """Explore the loss zoo on one toy example (energies (C,) of C answers, the correct
    one at ``target``): a loss menu, a margin slider and a β slider in Jupyter; a grid of
    every loss at the given margin and β otherwise.  Lecture 4 §1."""
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {loss!r}")

    def draw(loss, margin, beta):
        fig, ax = plt.subplots(figsize=(4.5, 3.2))
        plot_loss_shapes(energies, target, [loss], margin=margin, beta=beta, axes=[ax])
        return fig

    if _use_static(static):
        axes = plot_loss_shapes(energies, target, margin=margin, beta=beta)
        return _static(axes.flat[0].figure)
    import ipywidgets as w
    controls = {
        "loss": w.Dropdown(options=list(LOSSES), value=loss, description="loss"),
        "margin": w.FloatSlider(value=margin, min=0.0, max=3.0, step=0.1, description="margin m"),
        "beta": w.FloatLogSlider(value=beta, base=10, min=-1, max=1.5, step=0.05, description="β"),
    }
    return _widget(controls, draw)
