r"""Dynamic time warping: the best monotone alignment of two sequences as a latent variable
(Lecture 5 §4).

Given a cost matrix ``c[i, j]`` (e.g. the distance between frame ``i`` of ``a`` and frame
``j`` of ``b``), an alignment ``z`` is a path from ``(0, 0)`` to ``(N-1, M-1)`` with steps
``(1, 0)``, ``(0, 1)`` or ``(1, 1)``; its energy is the sum of the costs it visits.  The
DTW distance is the free energy ``F(a, b) = min_z E(a, b, z)``, computed by

.. math::

    D[i, j] = c[i, j] + \min(D[i-1, j],\; D[i, j-1],\; D[i-1, j-1]),\qquad D[0, 0] = c[0, 0].

Cells on one anti-diagonal ``i + j = d`` depend only on earlier diagonals, so the loop
runs over the ``N + M - 1`` diagonals and is vectorised along each one (and over a batch).

This is the min-sum semiring of :mod:`.semiring` on a grid instead of a chain: ``⊕ = min``
over the three predecessors, ``⊗ = +``.  (Written as a chain -- one state per cell of an
anti-diagonal -- it would need ``O(N)`` states per step and ``O(N^2)`` transitions, turning
this ``O(N M)`` recursion into ``O(N^2 M)``.)  ``+inf`` costs forbid cells (a Sakoe-Chiba band,
say); the distance stays exact as long as some path avoids them.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from .._checks import check_tensor, describe
from .semiring import MIN_SUM, Semiring

__all__ = ["Alignment", "pairwise_distances", "dtw", "accumulate"]


class Alignment(NamedTuple):
    """A DTW result (Lecture 5 §4): ``distance`` (...,) = the sum of the costs on the path
    (differentiable w.r.t. the cost),
    ``path`` (..., N, M) boolean alignment, ``cumulative`` (..., N, M) the table ``D``."""

    distance: torch.Tensor
    path: torch.Tensor
    cumulative: torch.Tensor


def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Euclidean distances between the frames of ``a`` (..., N, D) and ``b`` (..., M, D): (..., N, M)
    (Lecture 5 §4)."""
    check_tensor("a", a, ndim=(2, 3))
    check_tensor("b", b, ndim=a.dim(), last_dim=a.shape[-1])
    if b.dtype != a.dtype or b.device != a.device:
        raise TypeError(f"b: expected dtype {a.dtype} on {a.device} like a, got {describe(b)}")
    if a.dim() == 3 and b.shape[0] != a.shape[0]:
        raise ValueError(f"b: expected a batch of {a.shape[0]} like a, got {describe(b)}")
    return torch.cdist(a, b)


def dtw(cost: torch.Tensor) -> Alignment:
    """DTW on a cost matrix (N, M) or a batch of them (B, N, M) (Lecture 5 §4).  ``+inf`` cells are
    forbidden; NaN in, NaN out."""
    check_tensor("cost", cost, ndim=(2, 3))
    single = cost.dim() == 2
    c = cost.unsqueeze(0) if single else cost
    b, n, m = c.shape
    if n == 0 or m == 0:
        raise ValueError(f"cost: expected N, M >= 1, got {describe(cost)}")
    with torch.no_grad():
        big = accumulate(c)
        path = _backtrace(big)
    distance = torch.where(path, c, c.new_zeros(())).sum(dim=(1, 2))   # inf off the path stays out
    cumulative = big[:, 1:, 1:]
    if single:
        return Alignment(distance[0], path[0], cumulative[0])
    return Alignment(distance, path, cumulative)


def accumulate(cost: torch.Tensor, semiring: Semiring = MIN_SUM) -> torch.Tensor:
    r"""The table of the DTW recursion for costs (B, N, M), shifted by one (Lecture 5 §4):
    (B, N+1, M+1) with ``big[:, i+1, j+1] = D[i, j]``, ``big[:, 0, 0] = 0`` and ``+inf`` on the rest
    of the border.  ``D[i, j] = c[i, j] ⊗ ⊕(D[i-1, j], D[i, j-1], D[i-1, j-1])`` in ``semiring``:
    min (:func:`dtw`) or softmin at ``beta`` (:func:`.templates.dtw_free_energy`); differentiable.
    """
    check_tensor("cost", cost, ndim=3)
    if not isinstance(semiring, Semiring):
        raise TypeError(f"semiring: expected an energylab.structured.Semiring (MIN_SUM, Semiring(beta)), "
                        f"got {describe(semiring)}")
    b, n, m = cost.shape
    big = torch.full((b, n + 1, m + 1), float("inf"), dtype=cost.dtype, device=cost.device)
    big[:, 0, 0] = 0.0
    for d in range(n + m - 1):                                     # anti-diagonal i + j = d
        i = torch.arange(max(0, d - m + 1), min(d, n - 1) + 1, device=cost.device)
        j = d - i
        before = torch.stack([big[:, i, j + 1], big[:, i + 1, j], big[:, i, j]])   # up, left, diagonal
        big[:, i + 1, j + 1] = semiring.times(semiring.sum(before, dim=0), cost[:, i, j])
    return big


def _backtrace(big: torch.Tensor) -> torch.Tensor:
    """Walk back from (N-1, M-1) to (0, 0) along the minimising predecessors; (B, N, M) bool."""
    b, n1, m1 = big.shape
    rows = torch.arange(b, device=big.device)
    i = torch.full((b,), n1 - 1, device=big.device)               # positions in the shifted table
    j = torch.full((b,), m1 - 1, device=big.device)
    path = torch.zeros(b, n1 - 1, m1 - 1, dtype=torch.bool, device=big.device)
    for _ in range(n1 + m1 - 3):                                 # a path has at most N + M - 1 cells
        path[rows, i - 1, j - 1] = True
        options = torch.stack([big[rows, i - 1, j - 1], big[rows, i - 1, j], big[rows, i, j - 1]], dim=1)
        move = options.argmin(dim=1)                               # 0 diagonal, 1 up, 2 left (ties: diagonal)
        at_origin = (i == 1) & (j == 1)
        i = torch.where(at_origin | (move == 2), i, i - 1)
        j = torch.where(at_origin | (move == 1), j, j - 1)
    return path
