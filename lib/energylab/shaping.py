r"""Shaping an energy surface with a loss of the zoo -- the experiments of Lecture 4 §3–6.

One training run of Lecture 4: an energy ``E_W(y)`` (usually an
:class:`energylab.models.MLPEnergy`), data ``y`` (N, D), a loss from :mod:`energylab.losses`
and the contrastive answers that its pull-up term needs:

* **none** -- the energy loss ``L = E⁺`` only pushes down (and a flexible energy collapses);
* **sampled** -- ``contrastive_points(...)`` redrawn at every step, ``k`` per data point,
  for the pairwise losses (hinge, log, square-square, simple, MCE, square-exp, LVQ2) and
  InfoNCE; a pairwise loss averages over the ``k`` pairs of each data point;
* **exhaustive** -- every point of a :class:`energylab.gibbs.Grid` for NLL/MMI, MEE and the
  perceptron, which need ``Σ_y e^{-β E(y)} ΔV`` (feasible only in a few dimensions).

:func:`train_energy` runs :func:`energylab.train.fit` with one full-batch Adam step per epoch and
the sampler hook drawing the contrastive points, and keeps snapshots of the energy on a set of
points (the picture's grid) at chosen steps.
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import torch
from torch import nn

from . import losses
from ._checks import (check_bool, check_generator, check_input, check_like, check_positive_float, check_positive_int,
                      check_probability, check_tensor, describe)
from .gibbs import Grid
from .train import History, fit

__all__ = ["contrastive_points", "SAMPLED_LOSSES", "EXHAUSTIVE_LOSSES", "ShapedEnergy", "train_energy"]

#: Library only: the losses of the zoo that train_energy feeds with sampled contrastive points (N, k).
SAMPLED_LOSSES = ("hinge", "log", "square-square", "simple", "MCE", "square-exp", "LVQ2", "InfoNCE")
#: Library only: the losses that need the energy of every answer; train_energy feeds them a grid.
EXHAUSTIVE_LOSSES = ("NLL/MMI", "MEE", "perceptron")


def contrastive_points(data: torch.Tensor, k: int, *, bounds: tuple, near_fraction: float = 0.5,
                       noise_std: float = 0.3, generator: torch.Generator | None = None) -> torch.Tensor:
    """``k`` contrastive answers per data point, (k N, D): uniform in the box ``bounds = (low, high)``
    (numbers, or one value per axis), of which a fraction ``near_fraction`` (on average) is
    replaced by a data point plus Gaussian noise of width ``noise_std``.  Lecture 4 §4, §6.

    Rows ``j N + i`` belong to data point ``i``: ``E(points).reshape(k, N).T`` is (N, k).
    """
    check_tensor("data", data, ndim=2)
    k = check_positive_int("k", k)
    check_positive_float("noise_std", noise_std)
    check_probability("near_fraction", near_fraction)
    if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
        raise ValueError(f"bounds: expected (low, high), got {describe(bounds)}")
    check_generator("generator", generator, like=data)
    low, high = (torch.as_tensor(b, dtype=data.dtype, device=data.device) for b in bounds)
    if not bool((low < high).all()):
        raise ValueError(f"bounds: expected low < high on every axis, got {describe(bounds)}")
    n, d = data.shape
    uniform = low + (high - low) * torch.rand(k * n, d, generator=generator, dtype=data.dtype, device=data.device)
    if near_fraction == 0:
        return uniform
    near = data.repeat(k, 1) + noise_std * torch.randn(k * n, d, generator=generator, dtype=data.dtype,
                                                       device=data.device)
    pick_near = torch.rand(k * n, 1, generator=generator, dtype=data.dtype, device=data.device) < near_fraction
    return torch.where(pick_near, near, uniform)


class ShapedEnergy(NamedTuple):
    """What :func:`train_energy` returns: the trained ``model``, its ``history`` (loss per step)
    and ``snapshots``, a dict step -> energies at the snapshot points.  Lecture 4 §3–6."""

    model: nn.Module
    history: History
    snapshots: dict


def _zoo_loss(name: str, e_pos: torch.Tensor, e_other: torch.Tensor, margin: float, beta: float,
              log_measure: float) -> torch.Tensor:
    """The loss ``name`` from E⁺ (N,) and the energies of the contrastive answers (N, k or C)."""
    calls = {
        "hinge": lambda: losses.hinge_loss(e_pos, e_other, margin),
        "log": lambda: losses.log_loss(e_pos, e_other),
        "square-square": lambda: losses.square_square_loss(e_pos, e_other, margin),
        "simple": lambda: losses.simple_loss(e_pos, e_other, margin),
        "MCE": lambda: losses.mce_loss(e_pos, e_other),
        "square-exp": lambda: losses.square_exp_loss(e_pos, e_other, margin),
        "LVQ2": lambda: losses.lvq2_loss(e_pos, e_other, margin),
        "InfoNCE": lambda: losses.infonce_loss(e_pos, e_other, beta),
        "NLL/MMI": lambda: losses.nll_loss(e_pos, e_other, beta, log_measure=log_measure),
        "MEE": lambda: losses.mee_loss(e_pos, e_other, beta, log_measure=log_measure),
        "perceptron": lambda: losses.perceptron_loss(e_pos, e_other),
    }
    return calls[name]()


def train_energy(model: nn.Module, data: torch.Tensor, loss: str, *,
                 negatives: Callable[[], torch.Tensor] | Grid | None = None, margin: float = 1.0,
                 beta: float = 1.0, n_steps: int = 800, lr: float = 5e-3,
                 snapshot_points: torch.Tensor | None = None, snapshot_steps: Sequence[int] = (),
                 progress: bool = False) -> ShapedEnergy:
    """Train ``model`` on ``data`` (N, D) with the loss ``loss`` of the zoo: ``n_steps`` full-batch
    Adam steps.  Lecture 4 §3–6.

    ``negatives``: None for the energy loss; for a loss of :data:`SAMPLED_LOSSES` a function
    returning fresh contrastive points (k N, D) at each step (e.g. a lambda around
    :func:`contrastive_points`); for :data:`EXHAUSTIVE_LOSSES` a :class:`~energylab.gibbs.Grid`
    covering the answer space.  ``margin`` is the margin m (square-exp's γ and LVQ2's cap, as in
    :func:`energylab.losses.loss_on_answers`); ``beta`` the inverse temperature of NLL, MEE and
    InfoNCE.  ``snapshot_points`` (P, D) are scored (no grad) before step 1 (step 0) and after
    each step listed in ``snapshot_steps``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module (an energy), got {describe(model)}")
    check_input("data", data, model, ndim=2)
    n_steps = check_positive_int("n_steps", n_steps)
    check_positive_float("margin", margin, allow_zero=True)
    check_positive_float("beta", beta)
    check_bool("progress", progress)
    if not isinstance(loss, str):
        raise TypeError(f"loss: expected the name of a loss, got {describe(loss)}")
    if loss == "energy":
        if negatives is not None:
            raise ValueError(f"negatives: the energy loss uses none, got {describe(negatives)}")
    elif loss in SAMPLED_LOSSES:
        if not callable(negatives):
            raise TypeError(f"negatives: loss {loss!r} needs a function returning contrastive points, "
                            f"got {describe(negatives)}")
    elif loss in EXHAUSTIVE_LOSSES:
        if not isinstance(negatives, Grid):
            raise TypeError(f"negatives: loss {loss!r} needs a Grid of every answer, got {describe(negatives)}")
    else:
        raise ValueError(f"loss: expected 'energy' or one of {SAMPLED_LOSSES + EXHAUSTIVE_LOSSES}, got {loss!r}")
    if not (isinstance(snapshot_steps, (tuple, list, range))
            and all(type(step) is int and 1 <= step <= n_steps for step in snapshot_steps)):
        raise ValueError(f"snapshot_steps: expected a sequence of steps in [1, {n_steps}], got {describe(snapshot_steps)}")
    if snapshot_points is not None:
        check_like("snapshot_points", check_tensor("snapshot_points", snapshot_points, ndim=2, last_dim=data.shape[1]),
                   data, "data")
    elif snapshot_steps:
        raise ValueError("snapshot_points: snapshot_steps were given, so points to score are needed, got None")
    snapshots: dict[int, torch.Tensor] = {}

    def snapshot(step: int) -> None:
        if snapshot_points is not None and (step == 0 or step in snapshot_steps):
            with torch.no_grad():
                snapshots[step] = model(snapshot_points)

    def loss_fn(model, y, sampled=None):
        e_pos = model(y)                                                   # push down: (N,)
        if loss == "energy":
            return losses.energy_loss(e_pos)
        if isinstance(negatives, Grid):                                    # pull up every grid point
            e_all = model(negatives.points).expand(len(y), -1)             # (N, C), shared by all rows
            return _zoo_loss(loss, e_pos, e_all, margin, beta, negatives.log_measure)
        e_neg = model(sampled).reshape(-1, len(y)).T                       # pull up the samples: (N, k)
        return _zoo_loss(loss, e_pos, e_neg, margin, beta, 0.0)

    sample = (lambda model, y: negatives()) if loss in SAMPLED_LOSSES else None
    snapshot(0)
    history = fit(model, loss_fn, (data,), epochs=n_steps, lr=lr, shuffle=False, sample=sample,
                  progress=progress, callback=lambda epoch, history: snapshot(epoch + 1))
    return ShapedEnergy(model, history, snapshots)
