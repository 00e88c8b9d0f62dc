"""Bad-input specs for energylab.plot and energylab.widgets.

Part of tests/lib/bad_input_specs.py (which merges the ``SPECS`` of every
``bad_input_specs_*.py``): the same kinds, the same rules.  Shared valid inputs may be imported from
``bad_input_specs`` (it imports this file last, once its own names exist).

A plot returns what it drew on, so NaN-in/NaN-out does not apply to it: the plots check types,
shapes, lengths and discrete values (indices, labels, paths) and draw continuous data as they are --
a NaN as a gap, +inf at the top of the colour scale (``nan_ok``/``inf_ok`` below, each with a note).
Where a NaN would blank the whole picture (a Gibbs density, whose Z it poisons) or leave it without
limits (the arrows of the loss shapes), the plot refuses it.  Every valid call is
tiny; the walk closes the figures after each call.
"""
from __future__ import annotations

import math

import matplotlib as mpl
from matplotlib.figure import Figure
import torch

from energylab import widgets
from energylab.gibbs import make_grid
from energylab.plot import energy as pe, images as pim, mdn as pmdn, structured as pst, style
from energylab.structured.dtw import dtw
from energylab.structured.factor_graph import Trellis

from bad_input_specs import D, MX, PARAMS
from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401

# ----- shared valid inputs -----------------------------------------------------------------------
GRID1 = make_grid((-1.0, 1.0), 5, dtype=D)                       # 1-D grid, 5 points
GRID2 = make_grid((-1.0, 1.0), 4, dim=2, dtype=D)                # 2-D grid, 16 points
E_LINE = GRID1.points[:, 0] ** 2                                 # (5,)
E_PLANE = (GRID2.points ** 2).sum(-1)                            # (16,)
DOTS = torch.tensor([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.5]], dtype=D)     # (3, 2) data points
PATHS2 = torch.stack([DOTS * (1 - t) for t in (0.0, 0.5, 1.0)])          # (T+1, S, D) = (3, 3, 2)
PATHS1 = PATHS2[..., :1]                                                 # (3, 3, 1)
TOY = torch.tensor([1.0, 0.6, 2.5, 0.9], dtype=D)                # energies of C = 4 answers
LABELS3 = torch.arange(3)                                        # a discrete set of 3 answers
E3 = torch.tensor([0.0, 1.0, 0.5], dtype=D)
IMAGES = torch.linspace(0, 1, 24, dtype=D).reshape(6, 4)         # six 2x2 images
FRAMES = torch.linspace(0, 1, 24, dtype=D).reshape(3, 2, 4)      # (T, B, H*W) = 3 steps of 2 chains of 2x2
STACK = torch.linspace(0, 1, 2 * 8 * 8, dtype=D).reshape(2, 8, 8)
HIDDEN = torch.zeros(8, 8, dtype=torch.bool)
HIDDEN[2:5, 3:6] = True
X1 = MX[:, 0]                                                    # (5,) inputs of the MDN fixture
Y_GRID = torch.linspace(-1, 1, 4, dtype=D)                       # (G,) answers
DENSITY = torch.linspace(0, 1, 20, dtype=D).reshape(4, 5)        # (G, B)
PAIR = (X1, X1 ** 2)                                             # an (x, y) pair of points
COST = torch.tensor([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.5]], dtype=D)
ALIGN = dtw(COST).path                                           # (3, 3) bool
MU = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.0, 0.5]], dtype=D)   # (N, C) = (4, 3)
DECODED = torch.tensor([0, 1, 2, 0])
TRELLIS = Trellis(["a", "b", "c"], [2, 2, 3], torch.tensor([1.0, 2.0], dtype=D),
                  [torch.tensor([[0.0, 1.0], [2.0, 3.0]], dtype=D), torch.ones(2, 3, dtype=D)], 8)
STRING = torch.linspace(0, 1, 8 * 12, dtype=D).reshape(8, 12)   # a digit string (8, W = 12)
SEGMENTS = torch.tensor([[0, 4], [4, 9], [-1, -1]])             # two digit arcs, one PAD row
DIGITS = torch.tensor([3, 7, -1])


def _styled(dpi):
    """use_style changes matplotlib's global settings: keep them for this call only."""
    with mpl.rc_context():
        style.use_style(dpi)
        return mpl.rcParams["figure.dpi"]


def _axes(n, **kw):
    """``n`` axes of a figure outside pyplot (a bad value made once, drawn on by every call that gets it)."""
    figure = Figure()
    return [figure.add_subplot(1, n, k + 1, **kw) for k in range(n)]


axes_arg = O(None, bad={"a figure": Figure()})          # None: the current axes
real = dict(minimum=None, none_ok=True)                 # an optional real number of any sign
nan_gap = "NaN data are drawn as gaps, +inf at the top of the colour scale (a plot returns no NaN to show)"

SPECS = {
    # ----- energylab.plot.energy (Lectures 3, 4) -----
    "energylab.plot.energy.loss_gradients": Spec(
        lambda name, energies, target, margin, beta: pe.loss_gradients(name, energies, target, margin=margin, beta=beta),
        name=C("hinge"), energies=T(TOY, last=False, empty="error", inf_ok=True),
        target=I(0, minimum=0, maximum=3), margin=F(1.0, zero_ok=True), beta=F(1.0)),
    "energylab.plot.energy.plot_energy_surface": Spec(
        lambda grid, energies, ax, levels, clip, vmin, vmax, data, minima, trajectories, colorbar, log:
            pe.plot_energy_surface(grid, energies, ax, levels=levels, clip=clip, vmin=vmin, vmax=vmax, data=data,
                                   minima=minima, trajectories=trajectories, colorbar=colorbar, log=log),
        note=nan_gap,
        grid=O(GRID2, bad={"a 1-D grid": GRID1}, aka=("energies",)),
        energies=T(E_PLANE, last=False, nan_ok=True, inf_ok=True, empty="error"),
        ax=axes_arg, levels=I(5), clip=F(3.0, **real), vmin=F(0.0, **real),
        vmax=F(2.5, **real, bad={"below vmin": -1.0}),
        data=T(DOTS, nan_ok=True, inf_ok=True), minima=T(DOTS[:1], nan_ok=True, inf_ok=True),
        trajectories=T(PATHS2, nan_ok=True, inf_ok=True, empty="error", bad={"1-D paths": PATHS1}),
        colorbar=B(True), log=B(False)),
    "energylab.plot.energy.plot_energy_surface_3d": Spec(
        lambda grid, energies, ax, clip, log, labels, elev, azim:
            pe.plot_energy_surface_3d(grid, energies, ax, clip=clip, log=log, labels=labels,
                                      elev=elev, azim=azim),
        note=nan_gap,
        grid=O(GRID2, bad={"a 1-D grid": GRID1}, aka=("energies",)),
        energies=T(E_PLANE, last=False, nan_ok=True, inf_ok=True, empty="error"),
        ax=O(lambda: _axes(1, projection="3d")[0], fresh=True, bad={"a 2-D axes": _axes(1)[0]}), clip=F(3.0, **real), log=B(False),
        labels=Raw(("y1", "y2"), bad={"one label": ("y1",), "a string": "y1"}),
        elev=F(35.0, minimum=None), azim=F(-60.0, minimum=None)),
    "energylab.plot.energy.plot_trajectories": Spec(
        lambda trajectory, ax, energies, color, max_paths: pe.plot_trajectories(trajectory, ax, energies=energies,
                                                                                color=color, max_paths=max_paths),
        note=nan_gap,
        trajectory=T(PATHS1, last=False, nan_ok=True, inf_ok=True, empty="error", aka=("energies",),
                     bad={"3 coordinates": torch.cat([PATHS2, PATHS1], -1)}),
        ax=axes_arg, energies=T(PATHS1[..., 0] ** 2, rows=True, nan_ok=True, inf_ok=True),
        color=Raw("white", bad={"a number": 3, "two colours for three paths": ["red", "blue"],
                                "not a colour": "no-such-colour"}),
        max_paths=I(60)),
    "energylab.plot.energy.plot_gibbs": Spec(
        lambda points, energies, betas, axes: pe.plot_gibbs(points, energies, betas, axes),
        note="a NaN energy makes Z NaN and would blank every panel: refused",
        points=T(LABELS3, aka=("energies",), empty=None, bad={"a 2-D grid": GRID2}),
        energies=T(E3, rows=True, last=False, inf_ok=True, empty=None),
        betas=Raw([0.5, 2.0], bad={"a number": 2.0, "a negative beta": [0.5, -1.0], "no betas": [],
                                   "a string": ["1"]}),
        axes=O(None, bad={"one axes for two betas": _axes(1)})),
    "energylab.plot.energy.plot_loss_shapes": Spec(
        lambda energies, target, names, margin, beta, ncols, arrow_scale, axes: pe.plot_loss_shapes(
            energies, target, names, margin=margin, beta=beta, ncols=ncols, arrow_scale=arrow_scale, axes=axes),
        note="NaN or inf energies leave the bars and arrows without a scale: refused",
        energies=T(TOY, last=False, empty="error"), target=I(0, minimum=0, maximum=3),
        names=Raw(["hinge", "log"], bad={"an unknown loss": ["hinge", "no-such-loss"], "a string": "hinge",
                                         "no names": []}),
        margin=F(1.0, zero_ok=True), beta=F(1.0), ncols=I(2), arrow_scale=F(0.5),
        axes=O(None, bad={"one axes for two losses": _axes(1)})),

    # ----- energylab.plot.images (Lectures 6-11, homework 2, 4, 6) -----
    "energylab.plot.images.tile_images": Spec(
        lambda images, shape, ncols, pad, pad_value: pim.tile_images(images, shape, ncols, pad=pad, pad_value=pad_value),
        # a numpy array is the mosaic's own working form (plot_chain_grid passes one): no list/numpy variant,
        # a list is given below
        images=T(IMAGES, types=False, aka=("shape",), empty="error", bad={"a list": IMAGES.tolist()}),
        shape=Raw((2, 2), bad={"three sizes": (2, 2, 1), "float sizes": (2.0, 2.0), "a zero size": (0, 4),
                               "a number": 4}),
        ncols=I(3), pad=I(1, minimum=0), pad_value=Raw(math.nan, bad={"a string": "white", "None": None})),
    "energylab.plot.images.plot_images": Spec(
        lambda images, shape, ncols, ax, cmap, vmin, vmax: pim.plot_images(images, shape=shape, ncols=ncols, ax=ax,
                                                                           cmap=cmap, vmin=vmin, vmax=vmax),
        note=nan_gap,
        images=T(IMAGES, types=False, aka=("shape",), empty="error", nan_ok=True, inf_ok=True, bad={"a list": IMAGES.tolist()}),
        shape=Raw((2, 2), bad={"three sizes": (2, 2, 1), "a size that does not fit": (3, 3)}),
        ncols=I(3, none_ok=True), ax=axes_arg, cmap=C("gray_r"), vmin=F(0.0, **real),
        vmax=F(1.0, **real, bad={"below vmin": -1.0})),
    "energylab.plot.images.plot_chain_grid": Spec(
        lambda frames, shape, steps, ax, cmap, vmin, vmax: pim.plot_chain_grid(frames, shape=shape, steps=steps, ax=ax,
                                                                               cmap=cmap, vmin=vmin, vmax=vmax),
        note=nan_gap,
        frames=T(FRAMES, types=False, empty="error", nan_ok=True, inf_ok=True, aka=("shape",),
                 bad={"a list": FRAMES.tolist()}),
        shape=Raw((2, 2), bad={"a size that does not fit": (3, 3)}),
        steps=Raw([0, 5, 10], bad={"a label too few": [0, 5], "a number": 3}),
        ax=axes_arg, cmap=C("gray_r"), vmin=F(0.0, **real), vmax=F(1.0, **real, bad={"below vmin": -1.0})),
    "energylab.plot.images.chain_animation": Spec(
        lambda frames, shape, steps, ncols, interval, cmap, vmin, vmax, size: pim.chain_animation(
            frames, shape=shape, steps=steps, ncols=ncols, interval=interval, cmap=cmap, vmin=vmin, vmax=vmax, size=size),
        note=nan_gap,
        frames=T(FRAMES, types=False, empty="error", nan_ok=True, inf_ok=True, aka=("shape",),
                 bad={"a list": FRAMES.tolist()}),
        shape=Raw((2, 2), bad={"a size that does not fit": (3, 3)}),
        steps=Raw([0, 5, 10], bad={"a label too few": [0, 5], "a number": 3}),
        ncols=I(2, none_ok=True), interval=I(150), cmap=C("gray_r"), vmin=F(0.0, **real),
        vmax=F(1.0, **real, bad={"below vmin": -1.0}), size=F(2.0)),
    "energylab.plot.images.plot_completions": Spec(
        lambda columns, n_rows, hidden, fig: pim.plot_completions(columns, n_rows, hidden=hidden, fig=fig),
        columns=O({"input": STACK, "output": STACK.flip(0)},
                  bad={"no columns": {}, "flat images": {"input": STACK.reshape(2, 64)},
                       "a NumPy stack": {"input": STACK.numpy()}}),
        n_rows=I(2, none_ok=True, maximum=2), fig=O(None, bad={"an axes": _axes(1)[0]}),
        hidden=T(HIDDEN, empty=None, bad={"nothing hidden": torch.zeros(8, 8, dtype=torch.bool),
                                         "a 0/1 float mask": HIDDEN.double()})),

    # ----- energylab.plot.mdn (Lecture 2, homework 1) -----
    "energylab.plot.mdn.plot_mixture_params": Spec(
        lambda x, params, axes: pmdn.plot_mixture_params(x, params, axes),
        note=nan_gap,
        x=T(MX, rows=True, nan_ok=True, inf_ok=True, empty=None, aka=("params",)),
        params=O(PARAMS, bad={"unnormalised log_alpha": PARAMS._replace(log_alpha=PARAMS.log_alpha + 1),
                              "2-D answers": PARAMS._replace(mu=PARAMS.mu.repeat(1, 1, 2),
                                                             log_sigma=PARAMS.log_sigma.repeat(1, 1, 2))}),
        axes=O(None, bad={"two axes": _axes(2)})),
    "energylab.plot.mdn.plot_conditional_density": Spec(
        lambda x_grid, y_grid, density, ax, data, modes, samples, mean, vmax, colorbar:
            pmdn.plot_conditional_density(x_grid, y_grid, density, ax, data, modes, samples, mean, vmax=vmax,
                                          colorbar=colorbar),
        note=nan_gap + "; grid coordinates must be finite (they set the axes' limits)",
        x_grid=T(X1, last=False, empty="error", aka=("density",)),
        y_grid=T(Y_GRID, last=False, empty="error", aka=("density",)),
        density=T(DENSITY, nan_ok=True, inf_ok=True, empty="error"),
        ax=axes_arg,
        data=Raw(PAIR, bad={"one tensor": X1, "lengths differ": (X1, X1[:-1]), "three tensors": (X1, X1, X1),
                            "a pair of lists": ([0.0], [1.0])}),
        modes=Raw(PAIR, bad={"one tensor": X1, "lengths differ": (X1, X1[:-1])}),
        samples=Raw(PAIR, bad={"one tensor": X1, "lengths differ": (X1, X1[:-1])}),
        mean=Raw(PAIR, bad={"one tensor": X1, "lengths differ": (X1, X1[:-1])}),
        vmax=F(6.0, none_ok=True), colorbar=B(True)),

    # ----- energylab.plot.structured (Lecture 5, homework 3) -----
    "energylab.plot.structured.plot_trellis": Spec(
        lambda trellis, config, ax: pst.plot_trellis(trellis, config, ax),
        trellis=O(TRELLIS),
        config=Raw((0, 1, 2), bad={"too short": (0, 1), "a value out of range": (0, 2, 2), "a negative value": (0, -1, 2),
                                   "floats": (0.0, 1.0, 2.0), "a number": 3}),
        ax=axes_arg),
    "energylab.plot.structured.plot_marginals": Spec(
        lambda mu, path, ax, truth: pst.plot_marginals(mu, path, ax, truth=truth),
        note=nan_gap,
        mu=T(MU, nan_ok=True, inf_ok=True, empty="error", aka=("path", "truth")),
        path=T(DECODED, rows=True, empty=None, bad={"a label >= C": torch.tensor([0, 3, 2, 0]),
                                                   "a negative label": torch.tensor([0, -1, 2, 0])}),
        ax=axes_arg,
        truth=T(DECODED.flip(0), rows=True, empty=None, bad={"a label >= C": torch.tensor([0, 3, 2, 0])})),
    "energylab.plot.structured.plot_alignment": Spec(
        lambda cost, path, ax: pst.plot_alignment(cost, path, ax),
        note="a NaN cost is drawn as a gap, so is an infinite (forbidden) one",
        cost=T(COST, nan_ok=True, inf_ok=True, empty="error", aka=("path",)),
        path=T(ALIGN, rows=True, empty=None, bad={"a 0/1 float path": ALIGN.double(),
                                                 "no cell on the path": torch.zeros(3, 3, dtype=torch.bool)}),
        ax=axes_arg),
    "energylab.plot.structured.plot_digit_reading": Spec(
        lambda image, width, segments, labels, ax: pst.plot_digit_reading(image, width, segments, labels, ax),
        note=nan_gap,
        image=T(STRING, nan_ok=True, inf_ok=True, empty="error", last=False, aka=("width",)),
        width=I(12, maximum=12, bad={"a float tensor": torch.tensor(12.0)}),
        segments=T(SEGMENTS, rows=True, empty=None, aka=("labels",),
                   bad={"an arc past the width": torch.tensor([[0, 4], [4, 13], [-1, -1]]),
                        "an empty arc": torch.tensor([[0, 4], [4, 4], [-1, -1]])}),
        labels=T(DIGITS, rows=True, empty=None, aka=("segments",)),
        ax=axes_arg),

    # ----- energylab.plot.style -----
    "energylab.plot.style.use_style": Spec(lambda dpi: _styled(dpi), dpi=I(100)),

    # ----- energylab.widgets (Lectures 3, 4): the static figure (no kernel here) -----
    "energylab.widgets.gibbs_explorer": Spec(
        lambda points, energies, beta, static_betas, static: widgets.gibbs_explorer(
            points, energies, beta=beta, static_betas=static_betas, static=static),
        note="a NaN energy makes Z NaN and would blank every curve: refused",
        points=O(GRID1, aka=("energies",), bad={"a 2-D grid": GRID2}),
        energies=T(E_LINE, inf_ok=True, empty="error", last=False),
        beta=F(1.0), static_betas=Raw((0.5, 2.0), bad={"a number": 2.0, "a negative beta": (-1.0,), "no betas": ()}),
        static=B(True)),
    "energylab.widgets.loss_explorer": Spec(
        lambda energies, target, loss, margin, beta, static: widgets.loss_explorer(
            energies, target, loss=loss, margin=margin, beta=beta, static=static),
        note="NaN or inf energies leave the bars and arrows without a scale: refused",
        energies=T(TOY, last=False, empty="error"), target=I(0, minimum=0, maximum=3), loss=C("hinge"),
        margin=F(1.0, zero_ok=True), beta=F(1.0), static=B(True)),
}
