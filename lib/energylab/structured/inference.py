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

Everything is batched: one Python loop over time, none over sequences.  All sequences
run to ``N`` and the answer of sequence ``b`` is read at its own last position ``L_b - 1``
(Viterbi runs the recursion from both ends at once and meets in the middle: see :func:`viterbi`).
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from .._checks import check_positive_float, check_positive_int
from .chain import PAD, _check_labels, chain_energy, check_chain, mask_from_lengths

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


def _batch_last(values: torch.Tensor) -> torch.Tensor:
    """(B, N, C) -> (N, C, B).  With the batch as the last (contiguous) dimension the small
    reductions over labels below run several times faster on a CPU than over (B, C, C)."""
    return values.permute(1, 2, 0).contiguous()


def _at_last_position(history: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``history[L_b - 1, :, b]`` for every sequence: (N, C, B) -> (C, B)."""
    n, c, b = history.shape
    return history.gather(0, (lengths - 1).view(1, 1, b).expand(1, c, b)).squeeze(0)


def viterbi(unary, transitions, lengths=None, *, start=None, end=None) -> Decoded:
    r"""``argmin_y E(x, y)`` and ``min_y E(x, y)`` for a batch (min-sum on the trellis).

    ``alpha_0(j) = U_0(j) [+ S(j)]``,
    ``alpha_t(j) = U_t(j) + min_i [alpha_{t-1}(i) + W(i, j)]``; ``min_y E = min_j alpha_{L-1}(j)``
    (``[+ T(j)]``).  The backpointer ``b_t(j)`` is the minimising ``i``; following them back
    from the best last label gives the argmin (we recompute ``b_t`` only for the label on
    the path, which is cheaper than storing all of them).  Cost ``O(N C^2)`` instead of ``C^N``.

    Meet in the middle: the same recursion run from the end, ``beta_{L-1}(j) = U_{L-1}(j) [+ T(j)]``,
    ``beta_t(i) = U_t(i) + min_j [W(i, j) + beta_{t+1}(j)]`` (alpha of the reversed sequence,
    with ``W`` transposed), gives the best energy of any sequence through label ``j`` at ``t``:
    ``alpha_t(j) + beta_t(j) - U_t(j)``.  We run both halves as one batch of ``2B`` chains over
    ``N/2 + 1`` positions, pick ``y_m`` at a middle position ``m``, and backtrace both halves
    outwards from it, again as one batch: half as many (small, overhead-bound) steps.

    Shapes: ``unary`` (B, N, C), ``transitions`` (C, C), ``lengths`` (B,) or None.
    Returns :class:`Decoded` with ``labels`` (B, N) (``PAD`` after each length) and
    ``energy`` (B,) = ``min_y E(x, y)``; when a potential requires grad it is computed as
    ``chain_energy`` of the labels, so that its gradient is the path's indicator.
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    with torch.no_grad():                                           # labels only: no autograd graph
        labels, min_energy = _viterbi_labels(unary, transitions, lengths, start, end)
    potentials = (unary, transitions, start, end)
    if torch.is_grad_enabled() and any(p is not None and p.requires_grad for p in potentials):
        # differentiable: the energy of the decoded path, whose gradient is the path's indicator
        min_energy = chain_energy(unary, transitions, labels, lengths, start=start, end=end)
    return Decoded(labels, min_energy)


def _viterbi_labels(unary, transitions, lengths, start, end) -> tuple[torch.Tensor, torch.Tensor]:
    """The argmin labels (B, N) of :func:`viterbi` by meeting in the middle, and min_y E (B,)."""
    b, n, c = unary.shape
    k = n // 2 + 1                                                  # positions per half: any L <= 2k - 1
    zero = unary.new_zeros(c)
    # the 2B chains: columns 0..B-1 read x forwards (W, S), columns B..2B-1 backwards (W^T, T)
    u = _batch_last(torch.cat([unary[:, :k], _reversed(unary, lengths, k)]))          # (K, C, 2B)
    w = torch.stack([transitions, transitions.t()], dim=2).repeat_interleave(b, dim=2)  # (C, C, 2B)
    first = torch.stack([zero if start is None else start,
                         zero if end is None else end], dim=1).repeat_interleave(b, dim=1)  # (C, 2B)
    messages = _min_sum_forward(u, w, first)                        # alpha | beta, (K, C, 2B)

    m = (lengths - 1).clamp(max=k - 1)                              # meeting position (B,)
    meet = torch.cat([m, lengths - 1 - m])                          # ... counted in each half (2B,)
    at_m = messages.gather(0, meet.view(1, 1, 2 * b).expand(1, c, 2 * b)).squeeze(0)   # (C, 2B)
    u_m = unary.gather(1, m.view(b, 1, 1).expand(b, 1, c)).squeeze(1)                 # U_m, (B, C)
    min_energy, y_m = (at_m[:, :b] + at_m[:, b:]).t().sub(u_m).min(dim=1)   # min_j alpha_m + beta_m - U_m

    into = torch.cat([transitions.t(), transitions])                # rows y (W^T) and C + y (W)
    table_row = torch.cat([torch.zeros_like(m), torch.full_like(m, c)])   # (2B,) row offsets
    halves = _backtrace(messages, into, table_row, meet, y_m.repeat(2))   # (2B, K)

    t = torch.arange(n, device=unary.device)
    left = halves[:b].gather(1, t.clamp(max=k - 1).expand(b, n))                # y_t, t <= m
    right = halves[b:].gather(1, (lengths[:, None] - 1 - t).clamp(0, k - 1))    # y_t = y'_{L-1-t}, t > m
    labels = torch.where(t <= m[:, None], left, right)
    return labels.masked_fill(t >= lengths[:, None], PAD), min_energy


def _reversed(unary, lengths, k) -> torch.Tensor:
    """Each sequence read backwards from its end: ``out[b, s] = unary[b, L_b - 1 - s]``, s < k: (B, k, C)
    (rows past the start repeat position 0; they are never used)."""
    b, n, c = unary.shape
    source = (lengths[:, None] - 1 - torch.arange(k, device=unary.device)).clamp(min=0)   # (B, k)
    return unary.gather(1, source[:, :, None].expand(b, k, c))


def _min_sum_forward(u, w, first) -> torch.Tensor:
    """All min-sum messages ``alpha_t(j)``, batch last: ``u`` (N, C, B), ``w`` (C_prev, C_next, B)
    (one transition matrix per chain), ``first = alpha_0 - U_0`` (C, B) -> (N, C, B)."""
    n, c, b = u.shape
    alpha = u.new_empty(n, c, 1, b)                                 # filled row by row (no stack)
    rows, cols = alpha.squeeze(2).unbind(0), alpha.unbind(0)        # N views (C, B) and (C_prev, 1, B)
    torch.add(u[0], first, out=rows[0])
    for t in range(1, n):                                           # alpha_t = U_t + min_i [alpha_{t-1}(i) + W(i, .)]
        torch.add((cols[t - 1] + w).amin(dim=0), u[t], out=rows[t])
    return alpha.squeeze(2)


def _backtrace(alpha, into, table_row, last, y_last) -> torch.Tensor:
    """Follow the backpointers of the messages ``alpha`` (N, C, B) from label ``y_last`` (B,) at
    position ``last`` (B,) down to 0: labels (B, N), junk after ``last``.

    ``y_t = b_{t+1}(y_{t+1}) = argmin_i [alpha_t(i) + W(i, y_{t+1})]`` where chain ``b`` reads
    ``W(:, j)`` in row ``table_row[b] + j`` of ``into``.  To start all chains in the same column
    we first shift each one right by ``N - 1 - last_b``; the rows shifted in before its start give
    junk labels, which the shift back drops.
    """
    n, c, b = alpha.shape
    steps = torch.arange(n, device=alpha.device)
    shift = n - 1 - last                                            # (B,)
    source = (steps[:, None] - shift).clamp(min=0)                  # (N, B): row s <- row s - shift_b
    shifted = alpha.transpose(1, 2).gather(0, source[:, :, None].expand(n, b, c))   # (N, B, C)
    path = torch.empty(n, b, dtype=torch.long, device=alpha.device) # shifted labels, filled backwards
    y, rows = path.unbind(0), shifted.unbind(0)                     # N views (B,) and (B, C)
    y[n - 1].copy_(y_last)
    for t in range(n - 2, -1, -1):                                  # b_{t+1}(y_{t+1}), along the path only
        torch.argmin(rows[t] + into.index_select(0, y[t + 1] + table_row), dim=1, out=y[t])
    return path.t().gather(1, (steps + shift[:, None]).clamp(max=n - 1))   # shift back: (B, N)


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
    (All sequences run to ``N`` and each answer is read at ``L_b - 1``, so padded unary
    entries must be finite -- zeros are fine -- or NaNs would leak into the gradients.)
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    beta = check_positive_float("beta", beta)
    n = unary.shape[1]
    scores = _batch_last(-beta * unary)                             # log-weights, (N, C, B)
    w = (-beta * transitions).unsqueeze(2)                          # (C_prev, C_next, 1)
    a = scores[0] if start is None else scores[0] - beta * start[:, None]
    history = [a]
    for t in range(1, n):
        a = torch.logsumexp(a.unsqueeze(1) + w, dim=0) + scores[t]  # (C, B)
        history.append(a)
    final = _at_last_position(torch.stack(history), lengths)        # a_{L_b - 1}, (C, B)
    if end is not None:
        final = final - beta * end[:, None]
    return torch.logsumexp(final, dim=0)


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
