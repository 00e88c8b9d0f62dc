r"""Inference = ``argmin_y E(y, x)`` (Lecture 3 §2, Lecture 4 §1, Lecture 6 §9).

Two ways, both vectorised:

* **gradient descent** from many starts at once, ``y ← y - η ∇_y E(y)``; each start
  rolls into the nearest basin, so with enough starts we collect *all* the distinct
  low-energy answers (:func:`find_minima`) -- an EBM may have several good answers.  It is
  Langevin dynamics without noise (:func:`energylab.samplers.langevin_step` with
  ``noise_scale=0``), and takes the same arguments: ``n_steps`` steps of size ``step_size``
  (``lr`` is kept for optimisers' learning rates), ``grad_clip`` caps each row's gradient
  norm, ``bounds=(low, high)`` keeps ``y`` in a box;
* **exhaustive search** over a small discrete set of candidates
  (:func:`exhaustive_argmin`), exact, and the oracle for everything else; the *most offending*
  incorrect answer (:func:`most_offending`) is what the contrastive losses pull up.

``energy`` maps y (N, D) to energies (N,); for a conditional energy use a closure,
e.g. ``lambda y: model(y, x.expand(len(y), -1))``.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import torch

from ._checks import (check_callable, check_device, check_dtype, check_generator, check_positive_float,
                      check_positive_int, check_tensor, describe)
from .samplers.langevin import check_bounds, langevin_step

__all__ = [
    "Descent",
    "Minima",
    "gradient_descent",
    "distinct_minima",
    "find_minima",
    "random_starts",
    "energy_table",
    "Exhaustive",
    "exhaustive_argmin",
    "most_offending",
]


class Descent(NamedTuple):
    """The result of :func:`gradient_descent`: final points y (S, D), their energies (S,),
    and the whole path ``trajectory`` (T + 1, S, D).  Lecture 3 §2, Lecture 6 §9."""

    y: torch.Tensor
    energies: torch.Tensor
    trajectory: torch.Tensor


class Minima(NamedTuple):
    """Distinct low-energy answers, best first: ``points`` (M, D), ``energies`` (M,),
    ``counts`` (M,) = how many starts ended in each; ``descent`` is the run that found them.
    Lecture 3 §2."""

    points: torch.Tensor
    energies: torch.Tensor
    counts: torch.Tensor
    descent: Descent | None = None


def _evaluate(energy: Callable, y: torch.Tensor) -> torch.Tensor:
    energies = energy(y)
    if not isinstance(energies, torch.Tensor) or energies.shape != y.shape[:1]:
        raise ValueError(f"energy: expected energies of shape ({y.shape[0]},) for y of shape "
                         f"{tuple(y.shape)}, got {describe(energies)}")
    return energies


def gradient_descent(energy: Callable, starts: torch.Tensor, *, n_steps: int = 200, step_size: float = 0.05,
                     grad_clip: float | None = None, bounds: tuple | None = None) -> Descent:
    r"""Run ``y_{t+1} = y_t - step_size ∇_y E(y_t)`` from all ``starts`` (S, D) in parallel.
    Lecture 3 §2–3, Lecture 6 §9.

    ``grad_clip`` caps the norm of each row's gradient (useful for steep energies: no step is
    longer than ``step_size * grad_clip``); ``bounds=(low, high)`` (numbers, or one pair of
    D-vectors) clamps y to a box after each step.  The energy function must treat rows
    independently (its sum's gradient is then the per-row gradient).  Parameters of
    ``energy`` receive no gradient.
    """
    check_callable("energy", energy)
    check_tensor("starts", starts, ndim=2)
    if starts.shape[0] == 0:
        raise ValueError(f"starts: expected at least one starting point, got {describe(starts)}")
    check_positive_int("n_steps", n_steps, minimum=0)
    step_size = check_positive_float("step_size", step_size)
    check_bounds(bounds)
    y = starts.detach().clone()
    path = [y]
    for _ in range(n_steps):
        y = langevin_step(energy, y, step_size=step_size, noise_scale=0.0, grad_clip=grad_clip, bounds=bounds)
        path.append(y)
    with torch.no_grad():
        energies = _evaluate(energy, y)
    return Descent(y, energies, torch.stack(path))


def distinct_minima(points: torch.Tensor, energies: torch.Tensor, *, tol: float = 0.05,
                    max_energy: float | None = None) -> Minima:
    """Group end points closer than ``tol`` (Euclidean) and keep the lowest of each group.
    Lecture 3 §2.

    Greedy: take the lowest remaining point, absorb everything within ``tol`` of it,
    repeat.  ``max_energy`` drops groups whose best energy is above it.
    """
    check_tensor("points", points, ndim=2)
    check_tensor("energies", energies, ndim=1)
    if energies.shape[0] != points.shape[0]:
        raise ValueError(f"energies: expected shape ({points.shape[0]},) to match points, got {describe(energies)}")
    tol = check_positive_float("tol", tol)
    if points.shape[0] == 0:
        raise ValueError(f"points: expected at least one end point, got {describe(points)}")
    if bool(energies.isnan().any()):
        raise ValueError("energies: expected no NaN (the grouping keeps the lowest point; a NaN would be lost)")
    if max_energy is not None and (isinstance(max_energy, bool) or not isinstance(max_energy, (int, float))
                                   or not math.isfinite(max_energy)):
        raise ValueError(f"max_energy: expected None or a finite number, got {describe(max_energy)}")
    remaining = torch.ones_like(energies, dtype=torch.bool)
    kept, kept_e, counts = [], [], []
    while remaining.any():                                   # one pass per distinct minimum
        masked = torch.where(remaining, energies, torch.full_like(energies, float("inf")))
        best = int(masked.argmin())
        near = remaining & ((points - points[best]).norm(dim=-1) <= tol)
        near[best] = True                                    # even a NaN point leaves (no endless loop)
        kept.append(points[best])
        kept_e.append(energies[best])
        counts.append(int(near.sum()))
        remaining &= ~near
    result_points, result_e = torch.stack(kept), torch.stack(kept_e)
    result_counts = torch.tensor(counts, device=points.device)
    if max_energy is not None:
        keep = result_e <= max_energy
        result_points, result_e, result_counts = result_points[keep], result_e[keep], result_counts[keep]
    return Minima(result_points, result_e, result_counts)


def find_minima(energy: Callable, starts: torch.Tensor, *, n_steps: int = 200, step_size: float = 0.05,
                tol: float = 0.05, max_energy: float | None = None, grad_clip: float | None = None,
                bounds: tuple | None = None) -> Minima:
    """All distinct low-energy answers: :func:`gradient_descent` from every start, then
    :func:`distinct_minima`.  The returned ``Minima.descent`` keeps the trajectories.  Lecture 3 §2."""
    descent = gradient_descent(energy, starts, n_steps=n_steps, step_size=step_size, grad_clip=grad_clip,
                               bounds=bounds)
    if bool(descent.energies.isnan().any()):
        raise ValueError("starts: gradient descent reached NaN energies from some starts (NaN or inf entries?)")
    minima = distinct_minima(descent.y, descent.energies, tol=tol, max_energy=max_energy)
    return minima._replace(descent=descent)


def random_starts(n: int, dim: int, *, bounds: tuple = (0.0, 1.0), generator: torch.Generator | None = None,
                  dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> torch.Tensor:
    """``n`` points drawn uniformly in the box ``bounds = (low, high)`` of dimension ``dim``: (n, dim).
    ``low``/``high`` are numbers or ``dim``-vectors.  Lecture 3 §2."""
    check_positive_int("n", n)
    check_positive_int("dim", dim)
    check_bounds(bounds)
    check_generator("generator", generator)
    dtype, device = check_dtype("dtype", dtype), check_device("device", device)
    low, high = (torch.as_tensor(b, dtype=dtype, device=device).expand(dim) for b in bounds)
    u = torch.rand(n, dim, generator=generator, dtype=dtype, device=device)
    return low + (high - low) * u


def energy_table(energy: Callable, candidates: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
    """Energies of every candidate answer: (C,) for ``energy(y)``, or (B, C) for
    ``energy(y, x)`` with inputs x (B, D_x) -- evaluated in one batched call.  Lecture 3 §3."""
    check_callable("energy", energy)
    check_tensor("candidates", candidates, ndim=2)
    C = candidates.shape[0]
    if C == 0:
        raise ValueError(f"candidates: expected at least one candidate answer, got {describe(candidates)}")
    if x is None:
        return _evaluate(energy, candidates)
    check_tensor("x", x, ndim=2)
    B = x.shape[0]
    y_rep = candidates.repeat(B, 1)                                         # (B*C, D)
    x_rep = x.repeat_interleave(C, dim=0)                                   # (B*C, D_x)
    return _evaluate(lambda y: energy(y, x_rep), y_rep).reshape(B, C)


class Exhaustive(NamedTuple):
    """The result of :func:`exhaustive_argmin`: best answers ``y``, their ``index`` into
    the candidates, their ``energy``, and the full ``table`` of energies.  Library only (the
    exact oracle of the tests)."""

    y: torch.Tensor
    index: torch.Tensor
    energy: torch.Tensor
    table: torch.Tensor


def exhaustive_argmin(energy: Callable, candidates: torch.Tensor, x: torch.Tensor | None = None) -> Exhaustive:
    """``argmin_y E(y, x)`` by trying every candidate (C, D); exact for small sets.
    Library only (the exact oracle of the tests).

    Unconditional: y (D,), index and energy are 0-d.  Conditional (x of shape (B, D_x)):
    y (B, D), index (B,), energy (B,), table (B, C).
    """
    table = energy_table(energy, candidates, x)
    energy, index = table.min(dim=-1)
    return Exhaustive(candidates[index], index, energy, table)


def most_offending(energies: torch.Tensor, target: torch.Tensor, margins: torch.Tensor | None = None) -> torch.Tensor:
    """Index of the most offending incorrect answer ``argmin_{ŷ ≠ y} [E(ŷ) - m(y, ŷ)]``.  Lecture 4 §1;
    :func:`energylab.losses.loss_on_answers` uses it.

    ``energies`` (B, C); ``target`` (B,) long; ``margins`` optional (B, C) (loss-augmented
    inference: answers that are more wrong count as more offending).
    """
    check_tensor("energies", energies, ndim=2)
    if not isinstance(target, torch.Tensor) or target.dtype != torch.long or target.shape != energies.shape[:1]:
        raise TypeError(f"target: expected a long tensor of shape ({energies.shape[0]},), got {describe(target)}")
    if target.numel() and not (0 <= int(target.min()) and int(target.max()) < energies.shape[1]):
        raise ValueError(f"target: expected answer indices in [0, {energies.shape[1] - 1}], "
                         f"got values in [{int(target.min())}, {int(target.max())}]")
    if bool(energies.isnan().any()):
        raise ValueError("energies: expected no NaN (the answer is an index, a NaN would be lost)")
    scores = energies if margins is None else energies - margins
    scores = scores.scatter(1, target[:, None], float("inf"))              # exclude the correct answer
    return scores.argmin(dim=-1)
