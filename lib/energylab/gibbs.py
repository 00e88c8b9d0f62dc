r"""The Gibbs distribution and free energies.

Sign and temperature conventions (used throughout the course):

.. math::

    p_β(y) = \frac{e^{-β E(y)}}{Z_β},\qquad Z_β = \int e^{-β E(y)}\,dy,
    \qquad β = 1/T \text{ the inverse temperature.}

Low energy = high probability.  β → 0 flattens ``p`` to uniform, β → ∞ concentrates
it on the minimisers of ``E``.

A **latent variable** ``z`` is removed by the free energy

.. math::

    F_β(y) = -\frac{1}{β} \log \int e^{-β E(y, z)}\,dz
    \;\xrightarrow{β → ∞}\; \min_z E(y, z),

so *minimising* over ``z`` is the zero-temperature limit of *marginalising* it.

On a continuous space we approximate integrals by sums over a regular :class:`Grid`
(``∫ f dy ≈ Σ f(y_j) ΔV``), which is very accurate for smooth energies whose
``e^{-βE}`` has decayed at the edge of the grid.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import torch

from ._checks import check_device, check_dtype, check_positive_float, check_positive_int, check_tensor, describe

__all__ = [
    "gibbs_probabilities",
    "gibbs_log_probabilities",
    "log_partition",
    "gibbs_density",
    "free_energy",
    "Grid",
    "make_grid",
]


def _beta(beta) -> float:
    return check_positive_float("beta", beta)


def gibbs_log_probabilities(energies: torch.Tensor, beta: float = 1.0, dim: int = -1) -> torch.Tensor:
    r"""``log p_β(y) = -β E(y) - log Σ_y' e^{-β E(y')}`` over a discrete set along ``dim``.
    Lecture 7 §5 (the exact probabilities of a Boltzmann machine)."""
    check_tensor("energies", energies)
    return torch.log_softmax(-_beta(beta) * energies, dim=dim)


def gibbs_probabilities(energies: torch.Tensor, beta: float = 1.0, dim: int = -1) -> torch.Tensor:
    r"""``p_β(y) = e^{-β E(y)} / Σ_y' e^{-β E(y')}`` over a discrete set along ``dim``.
    Lecture 3 §4 (plot_gibbs on a discrete set)."""
    return gibbs_log_probabilities(energies, beta, dim).exp()


def log_partition(energies: torch.Tensor, beta: float = 1.0, *, log_measure: float = 0.0,
                  dim: int = -1) -> torch.Tensor:
    r"""``log Z_β = log Σ_y e^{-β E(y)} ΔV`` along ``dim`` (``log_measure = log ΔV``,
    0 for a discrete set), computed with ``logsumexp``.  Lecture 3 §4, §6."""
    check_tensor("energies", energies)
    return torch.logsumexp(-_beta(beta) * energies, dim=dim) + log_measure


def gibbs_density(energies: torch.Tensor, beta: float = 1.0, *, log_measure: float = 0.0,
                  dim: int = -1) -> torch.Tensor:
    r"""The density ``p_β(y) = e^{-β E(y)} / Z_β`` at grid points; ``Σ p ΔV = 1``.
    Lecture 3 §4 (plot_gibbs and the β explorer)."""
    log_z = log_partition(energies, beta, log_measure=log_measure, dim=dim)
    return torch.exp(-_beta(beta) * energies - log_z.unsqueeze(dim))


def free_energy(energies: torch.Tensor, beta: float = math.inf, *, log_measure: float = 0.0,
                dim: int = -1) -> torch.Tensor:
    r"""Free energy over the latent axis ``dim`` of ``energies`` = E(y, z):
    Lecture 3 §5, Lecture 4 §5 (KMeansEnergy).

    ``F_β = -1/β log Σ_z e^{-β E(y, z)} ΔV``  (marginalisation), and
    ``F_∞ = min_z E(y, z)``  (``beta=math.inf``, the zero-temperature limit).

    ``F_β → F_∞`` as β → ∞; for a discrete latent with N values,
    ``F_∞ - log(N)/β <= F_β <= F_∞``.
    """
    check_tensor("energies", energies)
    if beta == math.inf:
        return energies.min(dim=dim).values
    return -log_partition(energies, beta, log_measure=log_measure, dim=dim) / _beta(beta)


class Grid(NamedTuple):
    """A regular grid over a 1-D interval or a 2-D box.
    Lecture 3 §1–5, Lecture 4 §2 (what make_grid returns).

    ``points`` (N, D) lists the grid points (for 2-D, row-major over (y₁, y₀)
    so that ``grid.image(values)`` has shape (n₁, n₀) for ``contourf(*grid.axes, image)``);
    ``axes`` are the D 1-D coordinate tensors; ``cell_volume`` is ΔV.
    """

    points: torch.Tensor
    axes: tuple[torch.Tensor, ...]
    cell_volume: float

    @property
    def log_measure(self) -> float:
        """``log ΔV``, the ``log_measure`` argument of the functions above."""
        return math.log(self.cell_volume)

    @property
    def shape(self) -> tuple[int, ...]:
        """The grid's shape as an image: (n,) in 1-D, (n₁, n₀) in 2-D."""
        return tuple(len(a) for a in reversed(self.axes))

    def image(self, values: torch.Tensor) -> torch.Tensor:
        """Reshape per-point values (..., N) to (..., *shape) for plotting."""
        check_tensor("values", values, last_dim=self.points.shape[0])
        return values.reshape(*values.shape[:-1], *self.shape)


def make_grid(bounds: tuple, n: int | Sequence[int] = 101, *, dim: int | None = None,
              dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> Grid:
    """A regular grid over the box ``bounds = (low, high)``, ends included.  Lecture 3 §1–5, Lecture 4 §2.

    ``low`` and ``high`` are numbers (the same interval on every axis; ``dim`` axes, default 1)
    or pairs (one value per axis of a 2-D box: ``((low0, low1), (high0, high1))``);
    ``n`` points per axis (an int or one per axis).
    """
    if not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
        raise ValueError(f"bounds: expected (low, high) with numbers or one value per axis, got {describe(bounds)}")
    low, high = bounds
    numbers = isinstance(low, (int, float)) and isinstance(high, (int, float))
    if numbers:
        count = 1 if dim is None else dim
        if count not in (1, 2):
            raise ValueError(f"dim: expected 1 or 2 axes, got {describe(dim)}")
        limits = [(low, high)] * count
    else:
        if (not isinstance(low, (list, tuple)) or not isinstance(high, (list, tuple)) or len(low) != len(high)
                or len(low) not in (1, 2) or (dim is not None and dim != len(low))):
            raise ValueError(f"bounds: expected (low, high) with numbers or one value per axis (1 or 2 axes), "
                             f"got {describe(bounds)}")
        limits = list(zip(low, high))
    if any(not lo < hi for lo, hi in limits):
        raise ValueError(f"bounds: expected low < high on every axis, got {describe(bounds)}")
    if any(not math.isfinite(v) for lim in limits for v in lim):
        raise ValueError(f"bounds: expected finite numbers, got {describe(bounds)}")
    if not isinstance(n, (int, list, tuple)):
        raise TypeError(f"n: expected an int or {len(limits)} ints, got {describe(n)}")
    dtype, device = check_dtype("dtype", dtype), check_device("device", device)
    counts = [n] * len(limits) if isinstance(n, int) else list(n)
    if len(counts) != len(limits):
        raise ValueError(f"n: expected an int or {len(limits)} ints, got {describe(n)}")
    for count in counts:
        check_positive_int("n", count, minimum=2)
    axes = tuple(torch.linspace(lo, hi, k, dtype=dtype, device=device) for (lo, hi), k in zip(limits, counts))
    cell = math.prod((hi - lo) / (k - 1) for (lo, hi), k in zip(limits, counts))
    if len(axes) == 1:
        points = axes[0][:, None]
    else:
        g1, g0 = torch.meshgrid(axes[1], axes[0], indexing="ij")            # (n1, n0) each
        points = torch.stack([g0.reshape(-1), g1.reshape(-1)], dim=-1)      # (n1*n0, 2)
    return Grid(points, axes, cell)
