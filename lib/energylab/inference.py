r"""Inference = ``argmin_y E(x, y)``.

Two ways, both vectorised:

* **gradient descent** from many starts at once, ``y ← y - η ∇_y E(y)``; each start
  rolls into the nearest basin, so with enough starts we collect *all* the distinct
  low-energy answers (:func:`find_minima`) -- an EBM may have several good answers;
* **exhaustive search** over a small discrete set of candidates
  (:func:`exhaustive_argmin`), exact, and the oracle for everything else.

``energy_fn`` maps y (N, D) to energies (N,); for a conditional energy use a closure,
e.g. ``lambda y: model(y, x.expand(len(y), -1))``.
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import torch

from ._checks import check_generator, check_positive_float, check_positive_int, check_tensor, describe

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
    and the whole path ``trajectory`` (T + 1, S, D)."""

    y: torch.Tensor
    energies: torch.Tensor
    trajectory: torch.Tensor


class Minima(NamedTuple):
    """Distinct low-energy answers, best first: ``points`` (M, D), ``energies`` (M,),
    ``counts`` (M,) = how many starts ended in each; ``descent`` is the run that found them."""

    points: torch.Tensor
    energies: torch.Tensor
    counts: torch.Tensor
    descent: Descent | None = None


def _evaluate(energy_fn: Callable, y: torch.Tensor) -> torch.Tensor:
    energies = energy_fn(y)
    if not isinstance(energies, torch.Tensor) or energies.shape != y.shape[:1]:
        raise ValueError(f"energy_fn: expected energies of shape ({y.shape[0]},) for y of shape "
                         f"{tuple(y.shape)}, got {describe(energies)}")
    return energies


def gradient_descent(energy_fn: Callable, starts: torch.Tensor, *, steps: int = 200, lr: float = 0.05,
                     max_step: float | None = None,
                     bounds: Sequence[Sequence[float]] | None = None) -> Descent:
    r"""Run ``y_{t+1} = y_t - lr ∇_y E(y_t)`` from all ``starts`` (S, D) in parallel.

    ``max_step`` caps the length of each step (useful for steep energies);
    ``bounds`` ``[(low, high)] * D`` clamps y to a box after each step.
    The energy function must treat rows independently (its sum's gradient is then
    the per-row gradient).  Parameters of ``energy_fn`` receive no gradient.
    """
    check_tensor("starts", starts, ndim=2)
    check_positive_int("steps", steps, minimum=0)
    lr = check_positive_float("lr", lr)
    if bounds is not None and len(bounds) != starts.shape[1]:
        raise ValueError(f"bounds: expected {starts.shape[1]} (low, high) pairs, got {describe(bounds)}")
    y = starts.detach().clone()
    path = [y]
    for _ in range(steps):
        y = y.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(_evaluate(energy_fn, y).sum(), y)
        step = lr * grad                                                    # (S, D)
        if max_step is not None:
            norm = step.norm(dim=-1, keepdim=True).clamp(min=1e-12)
            step = step * (max_step / norm).clamp(max=1.0)
        y = (y - step).detach()
        if bounds is not None:
            low = torch.tensor([b[0] for b in bounds], dtype=y.dtype, device=y.device)
            high = torch.tensor([b[1] for b in bounds], dtype=y.dtype, device=y.device)
            y = torch.maximum(torch.minimum(y, high), low)
        path.append(y)
    with torch.no_grad():
        energies = _evaluate(energy_fn, y)
    return Descent(y, energies, torch.stack(path))


def distinct_minima(points: torch.Tensor, energies: torch.Tensor, *, tol: float = 0.05,
                    max_energy: float | None = None) -> Minima:
    """Group end points closer than ``tol`` (Euclidean) and keep the lowest of each group.

    Greedy: take the lowest remaining point, absorb everything within ``tol`` of it,
    repeat.  ``max_energy`` drops groups whose best energy is above it.
    """
    check_tensor("points", points, ndim=2)
    check_tensor("energies", energies, ndim=1)
    if energies.shape[0] != points.shape[0]:
        raise ValueError(f"energies: expected shape ({points.shape[0]},) to match points, got {describe(energies)}")
    tol = check_positive_float("tol", tol)
    remaining = torch.ones_like(energies, dtype=torch.bool)
    kept, kept_e, counts = [], [], []
    while remaining.any():                                   # one pass per distinct minimum
        masked = torch.where(remaining, energies, torch.full_like(energies, float("inf")))
        best = int(masked.argmin())
        near = remaining & ((points - points[best]).norm(dim=-1) <= tol)
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


def find_minima(energy_fn: Callable, starts: torch.Tensor, *, steps: int = 200, lr: float = 0.05,
                tol: float = 0.05, max_energy: float | None = None, max_step: float | None = None,
                bounds: Sequence[Sequence[float]] | None = None) -> Minima:
    """All distinct low-energy answers: :func:`gradient_descent` from every start, then
    :func:`distinct_minima`.  The returned ``Minima.descent`` keeps the trajectories."""
    descent = gradient_descent(energy_fn, starts, steps=steps, lr=lr, max_step=max_step, bounds=bounds)
    minima = distinct_minima(descent.y, descent.energies, tol=tol, max_energy=max_energy)
    return minima._replace(descent=descent)


def random_starts(bounds: Sequence[Sequence[float]], n: int, *, generator: torch.Generator | None = None,
                  dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> torch.Tensor:
    """``n`` points drawn uniformly in the box ``bounds = [(low, high)] * D``: (n, D)."""
    check_positive_int("n", n)
    check_generator("generator", generator)
    low = torch.tensor([b[0] for b in bounds], dtype=dtype, device=device)
    high = torch.tensor([b[1] for b in bounds], dtype=dtype, device=device)
    u = torch.rand(n, len(bounds), generator=generator, dtype=dtype, device=device)
    return low + (high - low) * u


def energy_table(energy_fn: Callable, candidates: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
    """Energies of every candidate answer: (C,) for ``energy_fn(y)``, or (B, C) for
    ``energy_fn(y, x)`` with inputs x (B, D_x) -- evaluated in one batched call."""
    check_tensor("candidates", candidates, ndim=2)
    C = candidates.shape[0]
    if x is None:
        return _evaluate(energy_fn, candidates)
    check_tensor("x", x, ndim=2)
    B = x.shape[0]
    y_rep = candidates.repeat(B, 1)                                         # (B*C, D)
    x_rep = x.repeat_interleave(C, dim=0)                                   # (B*C, D_x)
    return _evaluate(lambda y: energy_fn(y, x_rep), y_rep).reshape(B, C)


class Exhaustive(NamedTuple):
    """The result of :func:`exhaustive_argmin`: best answers ``y``, their ``index`` into
    the candidates, their ``energy``, and the full ``table`` of energies."""

    y: torch.Tensor
    index: torch.Tensor
    energy: torch.Tensor
    table: torch.Tensor


def exhaustive_argmin(energy_fn: Callable, candidates: torch.Tensor, x: torch.Tensor | None = None) -> Exhaustive:
    """``argmin_y E(x, y)`` by trying every candidate (C, D); exact for small sets.

    Unconditional: y (D,), index and energy are 0-d.  Conditional (x of shape (B, D_x)):
    y (B, D), index (B,), energy (B,), table (B, C).
    """
    table = energy_table(energy_fn, candidates, x)
    energy, index = table.min(dim=-1)
    return Exhaustive(candidates[index], index, energy, table)


def most_offending(energies: torch.Tensor, target: torch.Tensor, margins: torch.Tensor | None = None) -> torch.Tensor:
    """Index of the most offending incorrect answer ``argmin_{ŷ ≠ y} [E(ŷ) - m(y, ŷ)]``.

    ``energies`` (B, C); ``target`` (B,) long; ``margins`` optional (B, C) (loss-augmented
    inference: answers that are more wrong count as more offending).
    """
    check_tensor("energies", energies, ndim=2)
    if not isinstance(target, torch.Tensor) or target.dtype != torch.long or target.shape != energies.shape[:1]:
        raise TypeError(f"target: expected a long tensor of shape ({energies.shape[0]},), got {describe(target)}")
    scores = energies if margins is None else energies - margins
    scores = scores.scatter(1, target[:, None], float("inf"))              # exclude the correct answer
    return scores.argmin(dim=-1)
