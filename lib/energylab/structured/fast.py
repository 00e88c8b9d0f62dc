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
  (half as many steps, twice the batch), with the backtrace recomputed along the path only.
"""
from __future__ import annotations

import math

import torch

from .._checks import check_beta, describe
from .chain import PAD, check_chain, mask_from_lengths

__all__ = ["scaled_forward", "meet_in_the_middle_viterbi"]

#: At most this many steps between two renormalisations of :func:`scaled_forward`.
MAX_PERIOD = 16


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
    if beta == math.inf or not isinstance(transitions, torch.Tensor) or transitions.dim() != 2:
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
        v = v.clone() if v is unary else v
        v[:, 0] += scaled(start)                                          # V_0 = U_0 + S
    shift = v.detach().amin(2, keepdim=True)                              # v_t, (B, N, 1)
    emissions = torch.exp(shift - v).transpose(0, 1).contiguous().unbind(0)   # N x (B, C)
    kernel = torch.exp(floor - w)                                         # (C, C)
    shift[:, 1:] += floor                                                 # v_t + c: what each step left out

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
    total = shift.squeeze(2).cumsum(1)[rows, last_t]                      # sum_{t < L} v_t + (L - 1) c
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


def meet_in_the_middle_viterbi(unary, transitions, lengths=None, *, start=None, end=None):
    r"""``(labels (B, N) with PAD, min_y E (B,))`` -- :func:`.dp.chain_dp` in the min-sum
    semiring plus :func:`.dp.backtrace`, run from both ends at once (Lecture 5 §2).

    The recursion from the end, ``beta_{L-1}(j) = U_{L-1}(j) [+ T(j)]``,
    ``beta_t(i) = U_t(i) + min_j [W(i, j) + beta_{t+1}(j)]``, is the forward one on the
    reversed sequence with ``W`` transposed, and ``alpha_t(j) + beta_t(j) - U_t(j)`` is the
    best energy of any sequence with ``y_t = j``.  Both halves run as one batch of ``2B``
    chains over ``K = N//2 + 1`` steps (messages (K, 2, B, C)); we pick ``y_m`` at a middle
    position ``m`` and backtrace both halves outwards from it, again as one batch.  Each
    step adds ``W`` broadcast over the batch into one scratch buffer and writes into views
    made once.  Only steps up to the meeting point are read, so whatever the padding holds
    never reaches the answer.  Needs one (C, C) ``transitions``; runs in inference mode (no
    autograd bookkeeping on its many small steps: :func:`.inference.viterbi` makes the
    energy differentiable).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    if not isinstance(transitions, torch.Tensor) or transitions.dim() != 2:
        raise ValueError(f"transitions: expected one (C, C) matrix for every step, got {describe(transitions)}")
    with torch.inference_mode():
        labels, energy = _meet_in_the_middle(unary, transitions, lengths, start, end)
    return labels.clone(), energy.clone()                                 # ordinary tensors again, for autograd


def _meet_in_the_middle(unary, transitions, lengths, start, end):
    b, n, c = unary.shape
    k = n // 2 + 1                                                        # steps per half: any L <= 2k - 1
    steps, last = torch.arange(k, device=unary.device), lengths - 1
    first_row = torch.arange(0, b * n, n, device=unary.device)            # of each sequence in the flat unary
    # step s of each chain reads row (b, position) of unary: s (forward), last - s (backward).  Rows are
    # picked with index_select on flat views, far cheaper than advanced indexing or gather here
    read = torch.stack([steps[:, None].expand(k, b), (last - steps[:, None]).clamp_(min=0)], 1)   # (K, 2, B)
    flat_unary = unary.reshape(b * n, c)
    alpha = flat_unary.index_select(0, read.add_(first_row).view(-1)).view(k, 2, b, c)   # U, then alpha | beta
    if start is not None:
        alpha[0, 0].add_(start)
    if end is not None:
        alpha[0, 1].add_(end)
    w = torch.stack([transitions, transitions.t()], 1).unsqueeze(2)       # (C_prev, 2, 1, C_next): W | W^T
    rows, cols = alpha.unbind(0), alpha.permute(0, 3, 1, 2).unsqueeze(4).unbind(0)   # (2, B, C), (C, 2, B, 1)
    scratch = unary.new_empty(c, 2, b, c)
    for t in range(1, k):                                                 # alpha_t = U_t + min_i [alpha_{t-1}(i) + W(i, .)]
        rows[t].add_(torch.add(cols[t - 1], w, out=scratch).amin(0))

    m = last.clamp(max=k - 1)                                             # meeting position (B,)
    messages = _aligned(alpha.view(k, 2 * b, c), torch.cat([m, last - m]))   # every chain meets at step K-1
    at_meet = messages[k - 1].view(2, b, c)
    u_m = flat_unary.index_select(0, first_row + m)                       # U_m, (B, C)
    through = at_meet[0] + at_meet[1] - u_m                               # best energy with y_m = j
    energy, y_m = torch.where(u_m == math.inf, math.inf, through).min(1)  # (inf - inf: an impossible label)
    path = _walk_back(messages, transitions, y_m)                         # (K, 2B), aligned

    # position t is step K-1-|t-m| of the aligned path: of the forward chain for t <= m, else the backward one
    d = torch.arange(n, device=unary.device) - m[:, None]                 # (B, N)
    chain = torch.arange(b, device=unary.device)[:, None] + b * (d > 0)   # forward chain b, or backward chain B + b
    flat = (k - 1 - d.abs()).clamp_(min=0).mul_(2 * b).add_(chain)       # row of (step, chain) in the flat path
    return path.view(-1)[flat].masked_fill_(d > (last - m)[:, None], PAD), energy


def _aligned(alpha, meet):
    """The messages ``alpha`` (K, 2B, C) of each chain shifted right by ``K - 1 - meet`` (2B,), so
    that every chain reaches its meeting step at step ``K - 1`` (the steps shifted in before a
    chain's start are junk, never read)."""
    k, chains, c = alpha.shape
    steps = torch.arange(k, device=alpha.device)
    source = (steps[:, None] - (k - 1 - meet)).clamp_(min=0).mul_(chains).add_(torch.arange(chains, device=alpha.device))
    return alpha.view(k * chains, c).index_select(0, source.view(-1)).view(k, chains, c)


def _walk_back(messages, transitions, y_meet):
    """Both halves' labels, back from label ``y_meet`` (B,) at the last step of the aligned
    messages (K, 2B, C): ``y_{s-1} = argmin_i [alpha_{s-1}(i) + W_chain(i, y_s)]`` -- ``W`` for the
    forward chains, ``W^T`` for the backward ones.  Returns the aligned labels (K, 2B), step
    ``K - 1`` holding ``y_meet``.  ``into`` holds ``W(., y)`` in row ``y`` and ``W(y, .)`` in row
    ``C + y``.
    """
    k, chains, c = messages.shape
    into = torch.cat([transitions.t(), transitions])                      # (2C, C)
    offset = torch.arange(chains, device=messages.device).floor_divide_(chains // 2).mul_(c)   # 0 | C
    path = y_meet.new_empty(k, chains)                                    # labels, filled backwards
    labels, before = path.unbind(0), messages.unbind(0)
    torch.cat([y_meet, y_meet], out=labels[k - 1])
    for s in range(k - 1, 0, -1):
        torch.argmin(before[s - 1] + into.index_select(0, labels[s] + offset), dim=1, out=labels[s - 1])
    return path
