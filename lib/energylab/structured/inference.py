r"""Exact inference on chain energies by dynamic programming on the trellis.

The trellis has one column per position and one node per label; a path through it is
a label sequence and its length (sum of node and edge weights) is the energy
``E(x, y)`` of :mod:`energylab.structured.chain`.  Two semirings do all the work:

* **min-sum** (Viterbi): ``alpha_t(j) = U_t(j) + min_i [alpha_{t-1}(i) + W(i, j)]``;
  ``min_j alpha_L(j)`` is ``min_y E(x, y)`` and a backtrace recovers the argmin.
* **log-sum-exp** (forward algorithm) at inverse temperature ``beta``:
  ``a_t(j) = -beta U_t(j) + logsumexp_i [a_{t-1}(i) - beta W(i, j)]`` and
  ``log Z_beta = logsumexp_j a_L(j)`` with ``Z_beta = sum_y exp(-beta E(x, y))``.
  The free energy ``F_beta = -(1/beta) log Z_beta`` tends to ``min_y E`` as ``beta -> inf``.

Everything is batched: one Python loop over time, none over sequences.  Sequences
shorter than ``N`` (``lengths``) simply stop updating their column after their end, and
their backpointers there are the identity, so one vectorised backtrace serves them all.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from .._checks import check_positive_float, check_positive_int, describe
from .chain import PAD, _check_labels, check_chain, mask_from_lengths

__all__ = [
    "Decoded",
    "viterbi",
    "kbest_viterbi",
    "most_offending_incorrect",
    "loss_augmented_viterbi",
    "log_partition",
    "free_energy",
    "marginals",
]


class Decoded(NamedTuple):
    """Result of a decoder: ``labels`` (B, N) or (B, k, N) with ``PAD`` after each length,
    and their ``energy`` (B,) or (B, k) -- differentiable w.r.t. the potentials."""

    labels: torch.Tensor
    energy: torch.Tensor


def _backtrace(backpointers: list, last: torch.Tensor) -> torch.Tensor:
    """Follow backpointers (a list of N-1 tensors (B, C)) from ``last`` (B,): labels (B, N)."""
    path = [last]
    for pointers in reversed(backpointers):                       # t = N-1 .. 1
        path.append(pointers.gather(1, path[-1].unsqueeze(1)).squeeze(1))
    return torch.stack(path[::-1], dim=1)


def viterbi(unary, transitions, lengths=None, *, start=None, end=None) -> Decoded:
    r"""``argmin_y E(x, y)`` and ``min_y E(x, y)`` for a batch (min-sum on the trellis).

    ``alpha_0(j) = U_0(j) [+ S(j)]``,
    ``alpha_t(j) = U_t(j) + min_i [alpha_{t-1}(i) + W(i, j)]`` for ``t < L``;
    the backpointer ``b_t(j)`` stores the minimising ``i``.  Cost ``O(N C^2)`` instead
    of the ``C^N`` of exhaustive search.

    Shapes: ``unary`` (B, N, C), ``transitions`` (C, C), ``lengths`` (B,) or None.
    Returns :class:`Decoded` with ``labels`` (B, N) and ``energy`` (B,).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    b, n, c = unary.shape
    mask = mask_from_lengths(lengths, n).unsqueeze(2)            # (B, N, 1)
    identity = torch.arange(c, device=unary.device).expand(b, c)
    alpha = unary[:, 0] if start is None else unary[:, 0] + start  # (B, C)
    backpointers = []
    for t in range(1, n):
        best, arg = (alpha.unsqueeze(2) + transitions).min(dim=1)  # over previous label i: (B, C)
        alpha = torch.where(mask[:, t], best + unary[:, t], alpha)
        backpointers.append(torch.where(mask[:, t], arg, identity))
    if end is not None:
        alpha = alpha + end
    energy, last = alpha.min(dim=1)
    labels = _backtrace(backpointers, last)
    return Decoded(labels.masked_fill(~mask.squeeze(2), PAD), energy)


def kbest_viterbi(unary, transitions, k: int, lengths=None, *, start=None, end=None) -> Decoded:
    r"""The ``k`` lowest-energy label sequences, best first (list Viterbi).

    Each trellis node keeps its ``k`` best partial paths instead of one:
    ``alpha_t(j, r)`` is the ``r``-th smallest of ``alpha_{t-1}(i, r') + W(i, j)``
    over all ``(i, r')``, plus ``U_t(j)``.  ``k = 2`` gives the second-best sequence.
    When a sequence has fewer than ``k`` labellings (``C^L < k``) the missing entries
    have energy ``+inf``.

    Returns :class:`Decoded` with ``labels`` (B, k, N) and ``energy`` (B, k).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    check_positive_int("k", k)
    b, n, c = unary.shape
    mask = mask_from_lengths(lengths, n)[:, :, None]             # (B, N, 1)
    first = unary[:, 0] if start is None else unary[:, 0] + start
    alpha = first.new_full((b, c, k), float("inf"))               # (B, C labels, k ranks)
    alpha[:, :, 0] = first
    identity = torch.arange(c * k, device=unary.device).view(1, c, k).expand(b, c, k)
    backpointers = []                                              # entries index i * k + r'
    for t in range(1, n):
        cand = alpha.unsqueeze(2) + transitions[None, :, :, None]  # (B, i, j, r')
        cand = cand.transpose(1, 2).reshape(b, c, c * k)           # (B, j, i*k + r')
        best, arg = cand.topk(k, dim=2, largest=False)             # sorted: (B, j, r)
        alpha = torch.where(mask[:, t, :, None], best + unary[:, t, :, None], alpha)
        backpointers.append(torch.where(mask[:, t, :, None], arg, identity))
    if end is not None:
        alpha = alpha + end[None, :, None]
    energy, flat = alpha.reshape(b, c * k).topk(k, dim=1, largest=False)  # (B, k)
    path = [flat]                                                  # (B, k) of state*k + rank
    for pointers in reversed(backpointers):
        path.append(pointers.reshape(b, c * k).gather(1, path[-1]))
    labels = torch.stack(path[::-1], dim=2) // k                   # (B, k, N)
    return Decoded(labels.masked_fill(~mask.squeeze(2)[:, None, :], PAD), energy)


def most_offending_incorrect(unary, transitions, y, lengths=None, *, start=None, end=None) -> Decoded:
    r"""``argmin_{y' != y} E(x, y')``: the best answer that is wrong.

    Take the two best sequences; if the best one is ``y`` itself the answer is the
    second.  Returns :class:`Decoded` with ``labels`` (B, N) and ``energy`` (B,).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    y = _check_labels(y, unary)
    two = kbest_viterbi(unary, transitions, 2, lengths, start=start, end=end)
    mask = mask_from_lengths(lengths, unary.shape[1])
    best_is_y = ((two.labels[:, 0] == y) | ~mask).all(dim=1)      # (B,)
    pick = best_is_y.long()                                        # 0 = best, 1 = second
    labels = two.labels.gather(1, pick[:, None, None].expand(-1, 1, unary.shape[1])).squeeze(1)
    energy = two.energy.gather(1, pick[:, None]).squeeze(1)
    return Decoded(labels, energy)


def loss_augmented_viterbi(unary, transitions, y, lengths=None, *, margin: float = 1.0,
                           start=None, end=None) -> Decoded:
    r"""Loss-augmented inference: ``argmin_{y'} [E(x, y') - margin * H(y, y')]``.

    ``H`` is the Hamming distance (number of wrong positions), so the augmented energy
    is again a chain energy: subtract ``margin`` from every unary entry of a wrong
    label, ``U'_t(c) = U_t(c) - margin [c != y_t]``, and run Viterbi.  The result is
    the "most offending" answer of the margin-rescaled hinge loss.

    Returns :class:`Decoded` with the ``labels`` (B, N) and the *augmented* energy
    ``E(x, y') - margin H(y, y')`` (B,).
    """
    check_chain(unary, transitions, lengths, start, end)
    y = _check_labels(y, unary)
    margin = check_positive_float("margin", margin, allow_zero=True)
    safe = y.clamp(min=0)                                          # PAD -> 0; padding is ignored anyway
    wrong = 1.0 - torch.nn.functional.one_hot(safe, unary.shape[2]).to(unary.dtype)
    return viterbi(unary - margin * wrong, transitions, lengths, start=start, end=end)


def log_partition(unary, transitions, lengths=None, *, beta: float = 1.0, start=None, end=None) -> torch.Tensor:
    r"""``log Z_beta(x) = log sum_y exp(-beta E(x, y))`` by the forward algorithm: (B,).

    ``a_0(j) = -beta U_0(j)``,
    ``a_t(j) = -beta U_t(j) + logsumexp_i [a_{t-1}(i) - beta W(i, j)]`` for ``t < L``,
    ``log Z_beta = logsumexp_j a_{L-1}(j)``.  Differentiable: see :func:`marginals`.
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    beta = check_positive_float("beta", beta)
    n = unary.shape[1]
    mask = mask_from_lengths(lengths, n).unsqueeze(2)              # (B, N, 1)
    scores = -beta * unary                                         # log-weights, (B, N, C)
    to_from = (-beta * transitions).t().contiguous()               # [j, i], so we reduce the last dim
    a = scores[:, 0] if start is None else scores[:, 0] - beta * start
    for t in range(1, n):
        step = torch.logsumexp(a.unsqueeze(1) + to_from, dim=2) + scores[:, t]  # (B, C)
        a = torch.where(mask[:, t], step, a)
    if end is not None:
        a = a - beta * end
    return torch.logsumexp(a, dim=1)


def free_energy(unary, transitions, lengths=None, *, beta: float = 1.0, start=None, end=None) -> torch.Tensor:
    r"""``F_beta(x) = -(1/beta) log sum_y exp(-beta E(x, y))``: (B,).

    A soft minimum of the energies: ``min_y E - log(C^L)/beta <= F_beta <= min_y E``,
    and ``F_beta -> min_y E`` as ``beta -> inf``.
    """
    beta = check_positive_float("beta", beta)
    return -log_partition(unary, transitions, lengths, beta=beta, start=start, end=end) / beta


def marginals(unary, transitions, lengths=None, *, beta: float = 1.0, start=None, end=None) -> torch.Tensor:
    r"""Position marginals ``p_beta(y_t = c | x)``: (B, N, C), zero at padded positions.

    By autograd: ``d log Z_beta / d U_t(c) = -beta p_beta(y_t = c)`` (the forward
    algorithm's gradient *is* the forward-backward algorithm).  Detached from the graph.
    """
    beta = check_positive_float("beta", beta)
    with torch.enable_grad():
        u = unary.detach().requires_grad_(True)
        log_z = log_partition(u, transitions.detach(), lengths, beta=beta,
                              start=None if start is None else start.detach(),
                              end=None if end is None else end.detach())
        (grad,) = torch.autograd.grad(log_z.sum(), u)
    return -grad / beta
