r"""The chain dynamic programme, written once for every semiring (Lecture 5 §1, §2).

A chain energy ``E(x, y) = S(y_0) + sum_t U_t(y_t) + sum_t W(y_{t-1}, y_t) + T(y_{L-1})`` is a
path through the trellis (one column per position, one node per label).  The messages

.. math::

    \alpha_0(j) = S(j) + U_0(j), \qquad
    \alpha_t(j) = U_t(j) + \bigoplus_i \big[\alpha_{t-1}(i) + W(i, j)\big], \qquad
    \text{total} = \bigoplus_j \big[\alpha_{L-1}(j) + T(j)\big]

"add up" all label sequences with the semiring's ``⊕`` (:mod:`.semiring`): the minimum
energy for ``⊕ = min`` (Viterbi), the free energy ``F_beta`` for ``⊕ = softmin_beta`` (the
forward algorithm), the ``k`` smallest energies for k-min.  :func:`backtrace` recovers the
argmin path(s).  Cost ``O(N C^2)`` instead of ``C^N``.

Batches mix lengths: every sequence runs to ``N`` and its answer is read at its own last
position ``L_b - 1``; padded unary entries are replaced by zeros first, so whatever they
hold (``inf``, NaN) changes neither values nor gradients.  ``transitions`` is one (C, C)
matrix for every step, or (N-1, C, C): step ``t`` uses ``transitions[t-1]`` (the factor
graphs of Lecture 5 §1), or :class:`.chain.Sparse` (each label's predecessors: the column
states of Lecture 5 §5).
"""
from __future__ import annotations

import torch

from .._checks import check_tensor, describe
from .chain import PAD, Sparse, check_chain, check_lengths, check_potentials, mask_from_lengths
from .semiring import Semiring

__all__ = ["chain_dp", "backtrace"]


def chain_dp(semiring: Semiring, unary, transitions, lengths=None, *, start=None, end=None
             ) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Run the recursion (Lecture 5 §2): ``(total, messages)``.

    ``total`` is ``⊕`` over all label sequences of their energies, (B,) (or (B, k) for
    k-min); ``messages`` are the ``alpha_t`` of every position, (B, N, C) (or (B, N, C, k)),
    valid up to ``L_b - 1``.  Shapes: ``unary`` (B, N, C), ``transitions`` (C, C) or
    (N-1, C, C), ``lengths`` (B,) or None, ``start``/``end`` (C,) or None.

    This is the readable reference; :mod:`.fast` holds rearrangements of it for speed
    (the public decoders use them where they apply), proven equal to it by the tests.
    """
    if not isinstance(semiring, Semiring):
        raise TypeError(f"semiring: expected a Semiring (e.g. MIN_SUM, Semiring(beta), KMin(k)), got {describe(semiring)}")
    lengths = check_chain(unary, transitions, lengths, start, end)
    b, n, _ = unary.shape
    valid = mask_from_lengths(lengths, n).unsqueeze(2)                    # (B, N, 1)
    unary = torch.where(valid, unary, unary.new_zeros(()))               # padding is inert
    first = unary[:, 0] if start is None else unary[:, 0] + start
    per_step = isinstance(transitions, torch.Tensor) and transitions.dim() == 3
    alpha = semiring.lift(first)
    history = [alpha]
    for t in range(1, n):
        w = transitions[t - 1] if per_step else transitions
        alpha = semiring.times(semiring.matmul(alpha, w), unary[:, t])       # U_t ⊗ ⊕_i [alpha_{t-1}(i) ⊗ W(i, .)]
        history.append(alpha)
    messages = torch.stack(history, dim=1)                                # (B, N, C[, k])
    last = _final(semiring, messages, lengths, end)
    return semiring.sum(last, dim=1), messages


def backtrace(semiring: Semiring, messages: torch.Tensor, transitions, lengths, *, end=None) -> torch.Tensor:
    r"""The argmin label sequence(s) from the messages of a min (or k-min) recursion (Lecture 5 §2).

    Start from the best last state ``y_{L-1} = argmin_j [alpha_{L-1}(j) + T(j)]`` and step
    back with ``y_{t-1} = argmin_i [alpha_{t-1}(i) + W(i, y_t)]`` (the semiring's
    backpointer, recomputed along the path only -- cheaper than storing one per node).
    Returns labels (B, N), or (B, k, N) for k-min, with ``PAD`` after each length.  A path cannot
    carry a NaN, so NaN in ``messages`` (at valid positions), ``transitions`` or ``end`` is a
    ``ValueError`` here; the decoders of :mod:`.inference`, which return the NaN energy with the
    path, run the unchecked ``_backtrace``.
    """
    if not isinstance(semiring, Semiring):
        raise TypeError(f"semiring: expected a Semiring (MIN_SUM, KMin(k)), got {describe(semiring)}")
    if not semiring.is_min:
        raise ValueError(f"semiring: expected zero temperature (MIN_SUM, KMin(k)): argmins exist only there, "
                         f"got {semiring!r}")
    shape = ("B", "N", "C") + semiring.value_shape
    check_tensor("messages", messages, ndim=len(shape))
    if messages.shape[1] == 0 or messages.shape[2] == 0 or messages.shape[3:] != semiring.value_shape:
        raise ValueError(f"messages: expected shape ({', '.join(map(str, shape))}) with N, C >= 1 (chain_dp's "
                         f"messages for {semiring!r}), got {describe(messages)}")
    check_potentials(transitions, None, end, messages, "messages")
    b, n = messages.shape[:2]
    lengths = check_lengths(lengths, b, n, messages.device)
    valid = mask_from_lengths(lengths, n).view(b, n, *(1,) * (messages.dim() - 2))
    shared = transitions.energies if isinstance(transitions, Sparse) else transitions
    for name, value in (("messages", messages.masked_fill(~valid, 0.0)), ("transitions", shared), ("end", end)):
        if value is not None and bool(value.isnan().any()):
            raise ValueError(f"{name}: expected no NaN (a path cannot carry it; chain_dp's total is NaN), got "
                             f"NaN in {describe(value)}")
    return _backtrace(semiring, messages, transitions, lengths, end)


def _backtrace(semiring: Semiring, messages: torch.Tensor, transitions, lengths: torch.Tensor,
               end=None) -> torch.Tensor:
    """:func:`backtrace` on checked arguments (``lengths`` a long tensor), NaN included."""
    b, n = messages.shape[:2]
    per_step = isinstance(transitions, torch.Tensor) and transitions.dim() == 3
    final = semiring.argsum(_final(semiring, messages, lengths, end))     # (B,) or (B, k)
    per_path = (b,) + (1,) * (final.dim() - 1)                           # broadcast (B,) over the k paths
    state, states = final, [final]
    for t in range(n - 1, 0, -1):                                         # the state at t - 1 from the one at t
        w = transitions[t - 1] if per_step else transitions
        previous = semiring.backpointer(messages[:, t - 1], w, state)
        running = (t - 1 < lengths - 1).view(per_path)                    # at or after L_b - 1: the last state
        state = torch.where(running, previous, final)
        states.append(state)
    labels = semiring.label(torch.stack(states[::-1], dim=-1))            # (B, N) or (B, k, N)
    padding = ~mask_from_lengths(lengths, n).view(*per_path, n)
    return labels.masked_fill(padding, PAD)


def _final(semiring: Semiring, messages: torch.Tensor, lengths: torch.Tensor, end) -> torch.Tensor:
    """``alpha_{L_b - 1} ⊗ T`` for every sequence: (B, C[, k])."""
    last = messages[torch.arange(messages.shape[0], device=messages.device), lengths - 1]
    return last if end is None else semiring.times(last, end)
