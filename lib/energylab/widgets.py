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

**A saved notebook keeps a picture.**  A widget's drawing lives in the kernel: a notebook
executed headless (``nbclient``, ``jupyter nbconvert --execute``, a site builder) or reopened
later has no kernel behind it, and the widget cell would be blank.  So the widget version also
*displays* the static overview figure (an ordinary image output, saved with the notebook) just
above the controls: exported and saved lectures always show the picture; in a live notebook
the overview stays as a reference and the widget below it explores in between.

β sliders are logarithmic (``FloatLogSlider``, steps of 10^0.01 ≈ 2.3 %) and wide (a decade
every ~120 px), so small changes of β are easy to make.
"""
from __future__ import annotations

import os
from typing import Sequence

import matplotlib.pyplot as plt
import torch

from .gibbs import Grid
from .losses import LOSSES
from ._checks import check_beta
from .plot._inputs import check_betas
from .plot.energy import _check_gibbs, plot_gibbs, plot_loss_shapes

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


_SLIDER_LAYOUT = {"width": "560px"}            # every slider: log β gets ~140 px per decade
_SLIDER_STYLE = {"description_width": "70px"}  # room for the slider's name


def _log_beta_slider(value: float, low: float, high: float) -> "object":
    """A log-scale β slider from 10**low to 10**high in steps of 10**0.01."""
    import ipywidgets as w
    return w.FloatLogSlider(value=value, base=10, min=low, max=high, step=0.01, description="β",
                            readout_format=".3g", layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE)


def _widget(controls: dict, draw, overview) -> "object":
    """Display the static ``overview`` figure (it stays in a saved or exported notebook),
    then return a VBox: the controls, one per row, above an Output that ``draw(**values)`` fills."""
    import ipywidgets as w
    from IPython.display import display

    display(_static(overview))

    def redraw(**values):
        fig = draw(**values)
        display(fig)
        plt.close(fig)

    output = w.interactive_output(redraw, controls)
    box = w.VBox([*controls.values(), output])
    box.controls = controls
    return box


def gibbs_explorer(points: torch.Tensor | Grid, energies: torch.Tensor, *, beta: float = 1.0,
                   static_betas: Sequence[float] = (0.1, 1.0, 10.0), static: bool | None = None):
    """Explore ``p_β ∝ exp(-β E)``: a β slider (log scale, 0.01 to 100, steps of 2.3 %) in Jupyter
    below the static figure at ``static_betas``, or that figure alone otherwise (see the module
    docstring).  ``points``: a 1-D or 2-D :class:`Grid`, or labels (C,) of a discrete set, with
    ``energies`` of matching length.  Lecture 3 §4."""
    check_beta("beta", beta, allow_inf=False)
    static_betas = check_betas("static_betas", static_betas)
    _check_gibbs(points, energies)                                  # before a figure is opened

    def figure(betas):
        if isinstance(points, Grid) and len(points.axes) == 1:      # density curves on one axis
            fig, ax = plt.subplots(figsize=(6, 3.2))
            plot_gibbs(points, energies, betas, ax)
        else:                                                       # one panel per β
            fig, axes = plt.subplots(1, len(betas), figsize=(3.2 * len(betas), 3.0), squeeze=False)
            plot_gibbs(points, energies, betas, axes[0])
        return fig

    if _use_static(static):
        return _static(figure(static_betas))
    return _widget({"beta": _log_beta_slider(beta, -2, 2)}, lambda beta: figure([beta]), figure(static_betas))


def loss_explorer(energies: torch.Tensor, target: int, *, loss: str = "hinge", margin: float = 1.0,
                  beta: float = 1.0, static: bool | None = None):
    """Explore the loss zoo on one toy example (energies (C,) of C answers, the correct
    one at ``target``): a loss menu, a margin slider and a β slider in Jupyter, below the grid of
    every loss at the given margin and β; that grid alone otherwise.  Arrows share one scale
    (:func:`energylab.plot.plot_loss_shapes`).  Lecture 4 §1."""
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {loss!r}")

    def draw(loss, margin, beta):
        fig, ax = plt.subplots(figsize=(5.0, 3.4))
        plot_loss_shapes(energies, target, [loss], margin=margin, beta=beta, axes=[ax])
        return fig

    def overview():
        axes = plot_loss_shapes(energies, target, margin=margin, beta=beta)
        fig = axes.flat[0].figure
        fig.suptitle(f"every loss at margin m = {margin:g}, β = {beta:g}; arrows: −∂L/∂E "
                     f"(0.5 energy units = a gradient of 1)", fontsize=11)
        return fig

    if _use_static(static):
        return _static(overview())
    import ipywidgets as w
    controls = {
        "loss": w.Dropdown(options=list(LOSSES), value=loss, description="loss", style=_SLIDER_STYLE),
        "margin": w.FloatSlider(value=margin, min=0.0, max=3.0, step=0.05, description="margin m",
                                layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE),
        "beta": _log_beta_slider(beta, -1, 1.5),
    }
    return _widget(controls, draw, overview())
