r"""Exact inference on chain energies (Lecture 5 §2, §3): each function is the one recursion of
:mod:`.dp` in a semiring of :mod:`.semiring`.

* **min-sum** (Viterbi): ``alpha_t(j) = U_t(j) + min_i [alpha_{t-1}(i) + W(i, j)]``;
  ``min_j alpha_{L-1}(j) = min_y E(x, y)`` and a backtrace recovers the argmin;
* **k-min** (list Viterbi): the ``k`` best sequences;
* **softmin at inverse temperature beta** (the forward algorithm):
  ``F_t(j) = U_t(j) + softmin_beta,i [F_{t-1}(i) + W(i, j)]`` gives the free energy
  ``F_beta = -(1/beta) log Z_beta`` with ``Z_beta = sum_y exp(-beta E(x, y))``; it tends to
  ``min_y E`` as ``beta -> inf`` (``beta=math.inf`` is zero temperature);
* **marginals** ``p_beta(y_t = c | x) = dF_beta / dU_t(c)``, by autograd (the gradient of the
  forward algorithm *is* the forward-backward algorithm).

Everything is batched: one Python loop over time, none over sequences.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch

from .._checks import check_beta, check_positive_float, check_positive_int
from .chain import PAD, Sparse, chain_energy, check_chain, check_labels, mask_from_lengths
from .dp import _backtrace, chain_dp
from .fast import meet_in_the_middle_viterbi, scaled_forward
from .semiring import MIN_SUM, KMin, Semiring

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
    """Result of a decoder (Lecture 5 §2, §3): ``labels`` (B, N) or (B, k, N) with ``PAD``
    after each length, and their ``energy`` (B,) or (B, k) -- differentiable w.r.t. the
    potentials (for ``viterbi`` and the decoders built on it)."""

    labels: torch.Tensor
    energy: torch.Tensor


def viterbi(unary, transitions, lengths=None, *, start=None, end=None) -> Decoded:
    r"""``argmin_y E(x, y)`` and ``min_y E(x, y)`` for a batch (Lecture 5 §2; Homework 3).

    The min-sum recursion ``alpha_0(j) = U_0(j) [+ S(j)]``,
    ``alpha_t(j) = U_t(j) + min_i [alpha_{t-1}(i) + W(i, j)]``,
    ``min_y E = min_j alpha_{L-1}(j) [+ T(j)]``, then the backtrace
    ``y_{t-1} = argmin_i [alpha_{t-1}(i) + W(i, y_t)]``.  Cost ``O(N C^2)`` instead of ``C^N``.
    (:func:`.dp.chain_dp` with :func:`.dp.backtrace`; run from both ends at once by
    :func:`.fast.meet_in_the_middle_viterbi`, which gives the same answer in half the steps.)

    Shapes: ``unary`` (B, N, C), ``transitions`` (C, C), ``lengths`` (B,) or None.
    Returns :class:`Decoded` with ``labels`` (B, N) (``PAD`` after each length) and
    ``energy`` (B,) = ``min_y E(x, y)``; when a potential requires grad it is computed as
    ``chain_energy`` of the labels, so that its gradient is the path's indicator.
    """
    with torch.no_grad():                                           # labels only: no autograd graph
        if isinstance(transitions, torch.Tensor) and transitions.dim() == 2:   # the same recursion, from both
            labels, min_energy = meet_in_the_middle_viterbi(unary, transitions, lengths, start=start, end=end)
        else:                                                       # ends at once (it checks the inputs)
            min_energy, messages = chain_dp(MIN_SUM, unary, transitions, lengths, start=start, end=end)
            labels = _backtrace(MIN_SUM, messages, transitions, check_chain(unary, transitions, lengths), end=end)
    return Decoded(labels, _differentiable(min_energy, labels, unary, transitions, lengths, start, end))


def _differentiable(dp_energy, labels, unary, transitions, lengths, start, end) -> torch.Tensor:
    """The DP's energy of the decoded ``labels`` -- recomputed with ``chain_energy`` when a
    potential requires grad, so that its gradient is the path's indicator."""
    potentials = (unary, transitions.energies if isinstance(transitions, Sparse) else transitions, start, end)
    if torch.is_grad_enabled() and any(p is not None and p.requires_grad for p in potentials):
        return chain_energy(unary, transitions, labels, lengths, start=start, end=end)
    return dp_energy


def kbest_viterbi(unary, transitions, k: int, lengths=None, *, start=None, end=None) -> Decoded:
    r"""The ``k`` lowest-energy label sequences, best first (list Viterbi; Lecture 5 §3).

    The min-sum recursion in the k-min semiring: each trellis node keeps its ``k`` best
    partial paths instead of one, ``alpha_t(j, r)`` = the ``r``-th smallest of
    ``alpha_{t-1}(i, r') + W(i, j)`` over all ``(i, r')``, plus ``U_t(j)``.  ``k = 2`` gives
    the second-best sequence.  When a sequence has fewer than ``k`` labellings
    (``C^L < k``) the missing entries have energy ``+inf``.

    Returns :class:`Decoded` with ``labels`` (B, k, N) and ``energy`` (B, k).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    semiring = KMin(k)
    with torch.no_grad():
        energy, messages = chain_dp(semiring, unary, transitions, lengths, start=start, end=end)
        labels = _backtrace(semiring, messages, transitions, lengths, end=end)
    return Decoded(labels, energy.masked_fill(_nan_rows(unary, transitions, lengths, start, end)[:, None], math.nan))


def _nan_rows(unary, transitions, lengths, start=None, end=None) -> torch.Tensor:
    """(B,) bool: the sequences whose energies see a NaN (NaN in, NaN out where sorting the k best
    would drop it); padded positions are inert."""
    mask = mask_from_lengths(lengths, unary.shape[1])
    rows = (unary.isnan() & mask[..., None]).flatten(1).any(1)
    shared = transitions.energies if isinstance(transitions, Sparse) else transitions
    return rows | any(bool(p.isnan().any()) for p in (shared, start, end) if p is not None)


def most_offending_incorrect(unary, transitions, y, lengths=None, *, start=None, end=None) -> Decoded:
    r"""``argmin_{y' != y} E(x, y')``: the best answer that is wrong (Lecture 5 §3).

    Take the two best sequences; if the best one is ``y`` itself the answer is the
    second.  Returns :class:`Decoded` with ``labels`` (B, N) and ``energy`` (B,).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    y = check_labels(y, unary, lengths)
    two = kbest_viterbi(unary, transitions, 2, lengths, start=start, end=end)
    mask = mask_from_lengths(lengths, unary.shape[1])
    best_is_y = ((two.labels[:, 0] == y) | ~mask).all(dim=1)      # (B,)
    pick = best_is_y.long()                                        # 0 = best, 1 = second
    labels = two.labels.gather(1, pick[:, None, None].expand(-1, 1, unary.shape[1])).squeeze(1)
    energy = two.energy.gather(1, pick[:, None]).squeeze(1)
    return Decoded(labels, energy)


def loss_augmented_viterbi(unary, transitions, y, lengths=None, *, margin: float = 1.0,
                           start=None, end=None) -> Decoded:
    r"""Loss-augmented inference ``argmin_{y'} [E(x, y') - margin * H(y, y')]`` (Lecture 5 §3;
    Homework 3).

    ``H`` is the Hamming distance (number of wrong positions), so the augmented energy
    is again a chain energy: subtract ``margin`` from every unary entry of a wrong
    label, ``U'_t(c) = U_t(c) - margin [c != y_t]``, and run Viterbi.  The result is
    the "most offending" answer of the margin-rescaled hinge loss.

    Returns :class:`Decoded` with the ``labels`` (B, N) and the *augmented* energy
    ``E(x, y') - margin H(y, y')`` (B,).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    y = check_labels(y, unary, lengths)
    margin = check_positive_float("margin", margin, allow_zero=True)
    if margin == math.inf:
        raise ValueError(f"margin: expected a finite number >= 0, got {margin!r}")
    safe = torch.where(mask_from_lengths(lengths, y.shape[1]), y, torch.zeros_like(y))   # padding is ignored
    wrong = 1.0 - torch.nn.functional.one_hot(safe, unary.shape[2]).to(unary.dtype)
    return viterbi(unary - margin * wrong, transitions, lengths, start=start, end=end)


def free_energy(unary, transitions, lengths=None, *, beta: float = 1.0, start=None, end=None) -> torch.Tensor:
    r"""``F_beta(x) = -(1/beta) log sum_y exp(-beta E(x, y))``: (B,) (Lecture 5 §2, §3).

    The recursion in the softmin semiring (:func:`.dp.chain_dp`; run on rescaled probabilities
    by :func:`.fast.scaled_forward` where that is exact).  A soft minimum of the energies:
    ``min_y E - log(C^L)/beta <= F_beta <= min_y E``; at ``beta=math.inf`` it is
    ``min_y E`` (Viterbi).  Differentiable: ``dF_beta / dU_t(c) = p_beta(y_t = c | x)``.
    """
    beta = check_beta("beta", beta)
    if beta == math.inf:
        return viterbi(unary, transitions, lengths, start=start, end=end).energy
    fast = scaled_forward(unary, transitions, lengths, beta=beta, start=start, end=end)   # (checks the inputs)
    if fast is not None:                                            # the same recursion on rescaled probabilities
        return fast
    return chain_dp(Semiring(beta), unary, transitions, lengths, start=start, end=end)[0]


def log_partition(unary, transitions, lengths=None, *, beta: float = 1.0, start=None, end=None) -> torch.Tensor:
    r"""``log Z_beta(x) = log sum_y exp(-beta E(x, y)) = -beta F_beta(x)``: (B,) (the forward
    algorithm; Lecture 5 §2, §6; Homework 3).

    ``a_0(j) = -beta U_0(j)``, ``a_t(j) = -beta U_t(j) + logsumexp_i [a_{t-1}(i) - beta W(i, j)]``,
    ``log Z_beta = logsumexp_j a_{L-1}(j)`` -- the softmin recursion of :func:`free_energy`
    times ``-beta``.  ``beta`` must be finite (``log Z`` diverges at zero temperature: use
    :func:`free_energy` or :func:`viterbi` there).  Differentiable: see :func:`marginals`.
    """
    beta = check_beta("beta", beta, allow_inf=False)
    return -beta * free_energy(unary, transitions, lengths, beta=beta, start=start, end=end)


def marginals(unary, transitions, lengths=None, *, beta: float = 1.0, start=None, end=None) -> torch.Tensor:
    r"""Position marginals ``p_beta(y_t = c | x)``: (B, N, C), zero at padded positions
    (Lecture 5 §3; Homework 3).

    By autograd: ``dF_beta / dU_t(c) = p_beta(y_t = c)`` (the gradient of the forward
    algorithm *is* the forward-backward algorithm).  At ``beta=math.inf`` the distribution
    sits on the Viterbi path: its indicator.  Detached from the graph.
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    beta = check_beta("beta", beta)
    start, end = (None if p is None else p.detach() for p in (start, end))
    transitions = transitions._replace(energies=transitions.energies.detach()) if isinstance(transitions, Sparse) \
        else transitions.detach()
    if beta == math.inf:
        labels = viterbi(unary.detach(), transitions, lengths, start=start, end=end).labels
        valid = labels != PAD
        onehot = torch.nn.functional.one_hot(torch.where(valid, labels, 0), unary.shape[2]).to(unary.dtype)
        return onehot * valid.unsqueeze(2)
    with torch.enable_grad():
        u = unary.detach().requires_grad_(True)
        free = free_energy(u, transitions, lengths, beta=beta, start=start, end=end)
        (grad,) = torch.autograd.grad(free.sum(), u)
    nan = free.detach().isnan()[:, None, None] & mask_from_lengths(lengths, unary.shape[1])[..., None]
    return grad.masked_fill(nan, math.nan)                           # NaN in, NaN out (autograd reads 0)
