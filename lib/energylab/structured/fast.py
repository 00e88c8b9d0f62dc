r"""Fast paths: the chain recursion of :mod:`.dp`, rearranged for speed (Lecture 5 §2, §6).

Read :func:`.dp.chain_dp` first -- it is the definition.  The functions here give the same
numbers (to rounding) in fewer, larger tensor operations, and the public decoders of
:mod:`.inference` use them where they apply; ``tests/lib/test_structured_fast.py`` proves
each equal to the plain recursion (float64, brute force on small cases, extreme values,
gradients).

* :func:`scaled_forward` -- the free energy ``F_beta`` (so ``log Z``): the forward algorithm
  on rescaled probabilities, one ``(B, C) @ (C, C)`` product and one product with the
  emissions per step instead of a ``(B, C, C)`` log-sum-exp;
* :func:`meet_in_the_middle_viterbi` -- the min-sum recursion run from both ends at once
  (half as many steps), batch last (faster small reductions on a CPU), with the backtrace
  recomputed along the path only.
"""
from __future__ import annotations

import math

import torch

from .._checks import check_beta, describe
from .chain import PAD, check_chain, mask_from_lengths

__all__ = ["scaled_forward", "meet_in_the_middle_viterbi"]

#: At most this many steps between two renormalisations of :func:`scaled_forward`.
MAX_PERIOD = 8


def scaled_forward(unary, transitions, lengths=None, *, beta: float = 1.0, start=None, end=None):
    r"""``F_beta`` (B,) by the forward algorithm on rescaled probabilities, or ``None`` when
    that would not be exact for these inputs (Lecture 5 §2, §6).

    In units of ``beta`` (``E -> beta E``), with ``c = min W``, the kernel
    ``K(i, j) = e^{-(W(i, j) - c)}`` in ``(0, 1]``, the emissions ``e_t(j) = e^{-(V_t(j) - v_t)}``
    in ``[0, 1]`` where ``V_0 = U_0 + S``, ``V_t = U_t`` and ``v_t = min_j V_t(j)``, the
    weights ``p_0 = e_0``, ``p_t = (p_{t-1} K) * e_t`` are ``e^{-alpha_t}`` of
    :func:`.dp.chain_dp` up to the known factors ``e^{-v_t - c}``.  Every ``period`` steps
    ``p`` is divided by its maximum ``M`` (and ``log M`` remembered), so

    ``beta F = sum_{t < L} v_t + (L - 1) c - sum log M - log sum_j p_{L-1}(j) e^{-T(j)}``.

    Exact when ``W`` is finite and spans ``R = beta (max W - min W)`` with
    ``period * max(R, log C) <= -log(tiny) / 2`` (tiny = the dtype's smallest normal): then
    between renormalisations the largest weight shrinks by at most ``e^{-R}`` and grows by
    at most ``C`` per step, and whatever underflows weighs less than ``sqrt(tiny)`` relative
    to what is kept.  ``+inf`` unary, start or end energies are exact zeros here; where that
    leaves no label at all (or for NaN inputs) the answer is ``None`` and the caller runs the
    plain recursion.  The shifts are constants of the identity (detached); autograd
    differentiates the rest.
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    beta = check_beta("beta", beta)
    if beta == math.inf or transitions.dim() != 2:
        return None
    b, n, c = unary.shape

    def scaled(x):                                                        # energies in units of beta
        return x if beta == 1 else beta * x

    w = scaled(transitions)
    floor, top_w = (float(x) for x in torch.aminmax(w.detach()))         # c, max W
    spread = max(top_w - floor, math.log(c))
    limit = -math.log(torch.finfo(unary.dtype).tiny) / 2
    if not spread <= limit:                                               # also inf and NaN entries of W
        return None
    period = MAX_PERIOD if spread == 0 else min(MAX_PERIOD, int(limit / spread))
    v = scaled(unary)
    if torch.is_grad_enabled() and any(x is not None and x.requires_grad for x in (unary, transitions, start, end)):
        # padding is inert: values after L_b - 1 are never read, but their gradients must be finite
        v = torch.where(mask_from_lengths(lengths, n).unsqueeze(2), v, 0.0)
    if start is not None:
        v = torch.cat([v[:, :1] + scaled(start), v[:, 1:]], 1)            # V_0 = U_0 + S
    shift = v.detach().amin(2, keepdim=True)                              # v_t, (B, N, 1)
    emissions = torch.exp(shift - v).transpose(0, 1).contiguous().unbind(0)   # N x (B, C)
    kernel = torch.exp(floor - w)                                         # (C, C)

    p = emissions[0]
    history, log_norms = [p], []
    for t in range(1, n):
        p = (p @ kernel) * emissions[t]
        if t % period == 0:                                               # renormalise
            top = p.detach().amax(1, keepdim=True)
            p = p / top
            log_norms.append(top.log())
        history.append(p)

    rows, last_t = torch.arange(b, device=unary.device), lengths - 1
    last = torch.stack(history, 1)[rows, last_t]                          # p_{L-1}, (B, C)
    total = shift.squeeze(2).cumsum(1)[rows, last_t] + floor * last_t.to(shift.dtype)   # sum_{t<L} v_t + (L-1) c
    if log_norms:
        norms = torch.cat([shift.new_zeros(b, 1)] + log_norms, 1).cumsum(1)
        total = total - norms[rows, last_t // period]                     # the renormalisations up to L_b - 1
    if end is not None:
        t_end = scaled(end)
        floor_end = t_end.detach().amin()
        last = last * torch.exp(floor_end - t_end)
        total = total + floor_end
    free = total - torch.log(last.sum(1))
    if beta != 1:
        free = free / beta                                                # back to energies
    return None if bool(free.isnan().any()) else free


@torch.no_grad()
def meet_in_the_middle_viterbi(unary, transitions, lengths=None, *, start=None, end=None):
    r"""``(labels (B, N) with PAD, min_y E (B,))`` -- :func:`.dp.chain_dp` in the min-sum
    semiring plus :func:`.dp.backtrace`, run from both ends at once (Lecture 5 §2).

    The recursion from the end, ``beta_{L-1}(j) = U_{L-1}(j) [+ T(j)]``,
    ``beta_t(i) = U_t(i) + min_j [W(i, j) + beta_{t+1}(j)]``, is the forward one on the
    reversed sequence with ``W`` transposed, and ``alpha_t(j) + beta_t(j) - U_t(j)`` is the
    best energy of any sequence with ``y_t = j``.  Both halves run as one batch of ``2B``
    chains over ``K = N//2 + 1`` steps; we pick ``y_m`` at a middle position ``m`` and
    backtrace both halves outwards from it, again as one batch.  Messages are kept batch
    last, (K, C, 2B), where the small reductions over labels run fastest on a CPU, and every
    step writes into views made once.  Only steps up to the meeting point are read, so
    whatever the padding holds never reaches the answer.  Needs one (C, C) ``transitions``;
    runs without autograd (:func:`.inference.viterbi` makes the energy differentiable).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    if transitions.dim() != 2:
        raise ValueError(f"transitions: expected one (C, C) matrix for every step, got {describe(transitions)}")
    b, n, c = unary.shape
    k = n // 2 + 1                                                        # steps per half: any L <= 2k - 1
    steps = torch.arange(k, device=unary.device)
    chain = torch.arange(b, device=unary.device).repeat(2)               # the sequence of each of the 2B chains
    read = torch.cat([steps.expand(b, k), (lengths[:, None] - 1 - steps).clamp(min=0)])   # position at each step
    alpha = unary[chain[:, None], read].permute(1, 2, 0).contiguous()    # U, then alpha | beta: (K, C, 2B)
    w = torch.stack([transitions, transitions.t()], 2).unsqueeze(3).expand(c, c, 2, b).reshape(c, c, 2 * b)  # W | W^T
    if start is not None or end is not None:
        zero = unary.new_zeros(c)
        first = torch.stack([zero if start is None else start, zero if end is None else end], 1)
        alpha[0].view(c, 2, b).add_(first.unsqueeze(2))                   # S forwards, T backwards
    rows, cols = alpha.unbind(0), alpha.unsqueeze(2).unbind(0)            # views (C, 2B) and (C_prev, 1, 2B)
    scratch = torch.empty_like(w)                                         # one (C, C, 2B) buffer for every step
    for t in range(1, k):                                                 # alpha_t = U_t + min_i [alpha_{t-1}(i) + W(i, .)]
        rows[t].add_(torch.add(cols[t - 1], w, out=scratch).amin(0))

    m = (lengths - 1).clamp(max=k - 1)                                    # meeting position (B,)
    meet = torch.cat([m, lengths - 1 - m])                                # ... as a step of each half (2B,)
    at_meet = alpha.gather(0, meet.view(1, 1, 2 * b).expand(1, c, 2 * b)).squeeze(0)   # (C, 2B)
    u_m = unary.gather(1, m.view(b, 1, 1).expand(b, 1, c)).squeeze(1).t()           # U_m, (C, B)
    through = at_meet[:, :b] + at_meet[:, b:] - u_m                      # best energy with y_m = j, (C, B)
    energy, y_m = torch.where(u_m == math.inf, math.inf, through).min(0)   # (inf - inf: an impossible label)
    halves = _backtrace(alpha, transitions, meet, y_m.repeat(2))          # (2B, K): the label at each step

    t = torch.arange(n, device=unary.device)
    left = halves[:b].gather(1, t.clamp(max=k - 1).expand(b, n))                # y_t = step t forwards, t <= m
    right = halves[b:].gather(1, (lengths[:, None] - 1 - t).clamp(0, k - 1))    # y_t = step L-1-t backwards
    labels = torch.where(t <= m[:, None], left, right)
    return labels.masked_fill(t >= lengths[:, None], PAD), energy


def _backtrace(alpha, transitions, last, y_last):
    """Both halves' labels (2B, K) from the messages (K, C, 2B), back from label ``y_last`` at
    step ``last`` of each chain: ``y_{s-1} = argmin_i [alpha_{s-1}(i) + W_chain(i, y_s)]``.

    Each chain is first shifted right by ``K - 1 - last`` so that all of them start the walk
    at the last step (the steps shifted in before a chain's start give junk that the shift
    back drops).  Labels are walked as rows of ``into`` (2C, 2C): row ``y`` holds ``W(., y)``
    for a forward chain, row ``C + y`` holds ``W(y, .)`` for a backward one, each next to a
    block of ``+inf``; the messages are padded the same way, so the argmin over ``2C`` is
    directly the next row.
    """
    k, c, chains = alpha.shape
    half = chains // 2
    steps = torch.arange(k, device=alpha.device)
    shift = k - 1 - last                                                  # (2B,)
    source = (steps[:, None] - shift).clamp(min=0)                        # (K, 2B): step s <- step s - shift
    shifted = alpha.transpose(1, 2).gather(0, source.unsqueeze(2).expand(k, chains, c))   # (K, 2B, C)
    padded = shifted.new_full((k, chains, 2 * c), math.inf)
    padded[:, :half, :c] = shifted[:, :half]                              # forward chains: rows 0 .. C-1
    padded[:, half:, c:] = shifted[:, half:]                              # backward chains: rows C .. 2C-1
    into = transitions.new_full((2 * c, 2 * c), math.inf)
    into[:c, :c], into[c:, c:] = transitions.t(), transitions
    path = y_last.new_empty(k, chains)                                    # shifted rows, filled backwards
    rows, messages = path.unbind(0), padded.unbind(0)
    torch.add(y_last, torch.cat([y_last.new_zeros(half), y_last.new_full((half,), c)]), out=rows[k - 1])
    for s in range(k - 1, 0, -1):
        torch.argmin(messages[s - 1] + into.index_select(0, rows[s]), dim=1, out=rows[s - 1])
    labels = path.t().gather(1, (steps + shift[:, None]).clamp(max=k - 1))   # shift back: (2B, K)
    labels[half:] -= c                                                    # (an impossible chain may point
    return labels.clamp_(min=0)                                           #  anywhere: any label will do)
