r"""Chain energies: the factor graph of a sequence labeller (Lecture 5 §2; Homework 3).

A sequence ``x = (x_1 .. x_L)`` gets a label sequence ``y = (y_1 .. y_L)``,
``y_t in {0 .. C-1}``.  The energy is a sum of factors on single positions and on
neighbouring pairs:

.. math::

    E(x, y) = \sum_{t=1}^{L} U_t(x, y_t) \;+\; \sum_{t=1}^{L-1} W(y_t, y_{t+1})
              \;[+\; S(y_1) + T(y_L)]

* ``unary[b, t, c] = U_t(x_b, c)`` -- the energy of label ``c`` at position ``t``,
  usually the output of a network that reads ``x`` (shape ``(B, N, C)``);
* ``transitions[i, j] = W(i, j)`` -- the energy of label ``i`` followed by ``j``
  (shape ``(C, C)``);
* optional ``start[c] = S(c)`` and ``end[c] = T(c)`` (shape ``(C,)``).

Conventions used in the whole package: **low energy = good**; probabilities, when
we want them, are Gibbs ``p_beta(y | x) = exp(-beta E(x, y)) / Z_beta(x)``.  A CRF's
"scores" are minus these energies.

Batches hold sequences of different lengths: ``lengths[b] = L_b`` (``1 <= L_b <= N``)
and positions ``t >= L_b`` are padding -- they never enter any energy, whatever they hold
(``inf`` and NaN included: neither values nor gradients see them).  A ``mask`` means the
valid positions, ``mask[b, t] = t < L_b`` (as in pytorch-crf).  Label tensors returned by the
package put :data:`PAD` there; label tensors passed in may hold anything there.

Energies may be ``+inf`` (a forbidden label or transition); NaN in, NaN out.  The
learnable model is :class:`energylab.structured.model.ChainEnergy`; exact inference on it is
in :mod:`.dp` and :mod:`.inference`.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch

from .._checks import check_device, check_integer_tensor, check_like, check_positive_int, check_tensor, describe

__all__ = ["PAD", "Sparse", "mask_from_lengths", "check_lengths", "check_chain", "check_potentials", "check_labels",
           "chain_energy", "hamming"]

#: The label written at padded positions (``t >= lengths[b]``): the package's one padding value.
PAD = -1


class Sparse(NamedTuple):
    r"""Transitions given by each label's possible predecessors (Lecture 5 §5): label ``j`` can
    follow ``sources[j, p]`` with energy ``energies[j, p]`` (both (C, P)), every other move is
    forbidden (``+inf``).  A chain with few allowed moves -- the column states of a segmentation
    -- then costs ``O(C P)`` per step instead of ``O(C^2)``; pad unused slots with any source
    and energy ``+inf``.  Accepted wherever a (C, C) ``transitions`` matrix is.
    """

    sources: torch.Tensor
    energies: torch.Tensor

    @classmethod
    def from_moves(cls, n: int, moves, like: torch.Tensor) -> "Sparse":
        """The allowed ``moves`` (from, to) of ``n`` labels, each of energy 0 (Lecture 5 §5);
        ``like`` (floating) gives the dtype and device of the energies."""
        check_positive_int("n", n)
        check_tensor("like", like)
        if not isinstance(moves, (list, tuple)):
            raise TypeError(f"moves: expected a list of (from, to) label pairs, got {describe(moves)}")
        into = [[] for _ in range(n)]
        for move in moves:
            if not (isinstance(move, (list, tuple)) and len(move) == 2 and all(_is_label(v, n) for v in move)):
                raise ValueError(f"moves: expected (from, to) pairs of int labels in [0, {n - 1}], got {move!r}")
            into[move[1]].append(move[0])
        width = max(1, max(len(sources) for sources in into))
        sources = torch.zeros(n, width, dtype=torch.long, device=like.device)
        energies = like.new_full((n, width), math.inf)
        for j, froms in enumerate(into):
            sources[j, : len(froms)] = torch.tensor(froms, dtype=torch.long)
            energies[j, : len(froms)] = 0.0
        return cls(sources, energies)

    def dense(self) -> torch.Tensor:
        """The (C, C) matrix ``W`` (Lecture 5 §5)."""
        c = self.sources.shape[0]
        into = self.sources * c + torch.arange(c, device=self.sources.device)[:, None]   # flat index of W(i, j)
        w = self.energies.new_full((c * c,), math.inf)
        return w.scatter_reduce(0, into.flatten(), self.energies.flatten(), reduce="amin").view(c, c)


def _is_label(value, n: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n


def mask_from_lengths(lengths: torch.Tensor, n: int) -> torch.Tensor:
    """The valid positions (Lecture 5 §2, §6): ``mask[b, t] = t < lengths[b]``, (B, n) bool."""
    if not isinstance(lengths, torch.Tensor) or lengths.is_floating_point() or lengths.is_complex() \
            or lengths.dtype == torch.bool or lengths.dim() != 1:
        raise TypeError(f"lengths: expected an integer tensor of shape (B,), got {describe(lengths)}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n: expected an int >= 0, got {describe(n)}")
    steps = torch.arange(n, device=lengths.device)
    return steps.unsqueeze(0) < lengths.unsqueeze(1)


def check_lengths(lengths, b: int, n: int, device, *, name: str = "lengths") -> torch.Tensor:
    """Validate sequence lengths (Lecture 5 §2): None (all ``n``) or an integer tensor (B,)
    with ``1 <= L_b <= n``; returns a long tensor on ``device`` (None: where it is)."""
    check_positive_int("b", b, minimum=0), check_positive_int("n", n)
    device = check_device("device", device)
    if lengths is None:
        return torch.full((b,), n, dtype=torch.long, device=device)
    if not isinstance(lengths, torch.Tensor):
        raise TypeError(f"{name}: expected an integer torch.Tensor of shape ({b},), got {describe(lengths)}")
    if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool \
            or tuple(lengths.shape) != (b,):
        raise ValueError(f"{name}: expected an integer tensor of shape ({b},), got {describe(lengths)}")
    if b:
        low, high = (int(x) for x in torch.aminmax(lengths))
        if low < 1 or high > n:
            raise ValueError(f"{name}: expected values in [1, {n}], got min {low}, max {high}")
    if lengths.dtype == torch.long and device in (None, lengths.device):
        return lengths
    return lengths.to(device=device, dtype=torch.long)


def check_chain(unary, transitions, lengths=None, start=None, end=None) -> torch.Tensor:
    """Validate the pieces of a chain energy (Lecture 5 §2); return ``lengths`` as a long tensor.

    ``unary`` (B, N, C) floating; ``transitions`` (C, C) -- or (N-1, C, C), one matrix per
    step -- with unary's dtype and device; ``lengths`` see :func:`check_lengths`;
    ``start``/``end`` None or (C,).
    """
    check_tensor("unary", unary, ndim=3)
    if unary.shape[1] == 0 or unary.shape[2] == 0:
        raise ValueError(f"unary: expected shape (B, N, C) with N, C >= 1, got {describe(unary)}")
    check_potentials(transitions, start, end, unary, "unary")
    return check_lengths(lengths, unary.shape[0], unary.shape[1], unary.device)


def check_potentials(transitions, start, end, like: torch.Tensor, owner: str) -> None:
    """``transitions`` (C, C), (N-1, C, C) or :class:`Sparse`, and ``start``/``end`` None or (C,), with
    the dtype and device of ``like`` (B, N, C) or (B, N, C, k) -- the argument ``owner`` (unary, or messages).
    Library only (the potentials' check of :func:`check_chain` and :func:`.dp.backtrace`)."""
    n, c = check_tensor(owner, like, ndim=(3, 4)).shape[1:3]
    if isinstance(transitions, Sparse):
        _check_sparse(transitions, c)
    else:
        check_tensor("transitions", transitions, ndim=(2, 3))
        if tuple(transitions.shape) not in ((c, c), (n - 1, c, c)):
            raise ValueError(f"transitions: expected shape ({c}, {c}) (or ({n - 1}, {c}, {c}), one per step) "
                             f"to match {owner}'s N={n}, C={c}, got {describe(transitions)}")
    for name, vec in (("start", start), ("end", end)):
        if vec is not None:
            check_tensor(name, vec, ndim=1)
            if vec.shape[0] != c:
                raise ValueError(f"{name}: expected shape ({c},), got {describe(vec)}")
    as_tensor = transitions.energies if isinstance(transitions, Sparse) else transitions
    for name, t in (("transitions", as_tensor), ("start", start), ("end", end)):
        if t is not None:
            check_like(name, t, like, owner)


def _check_sparse(transitions: Sparse, c: int) -> None:
    sources, energies = transitions
    check_tensor("transitions.sources", sources, ndim=2, floating=False)
    check_tensor("transitions.energies", energies, ndim=2)
    if sources.shape[0] != c or sources.shape != energies.shape or sources.is_floating_point():
        raise ValueError(f"transitions: expected integer sources and energies of one shape ({c}, P), "
                         f"got {describe(sources)} and {describe(energies)}")
    if sources.numel() and (int(sources.min()) < 0 or int(sources.max()) >= c):
        raise ValueError(f"transitions.sources: expected labels in [0, {c - 1}], got {describe(sources)}")


def check_labels(y, unary: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Validate label sequences ``y`` (B, N) for ``unary`` (B, N, C) and ``lengths`` (see
    :func:`check_lengths`) (Lecture 5 §3): integers in ``[0, C-1]`` at every valid position
    (anything, e.g. ``PAD``, after each length); returns ``y`` on unary's device."""
    check_tensor("unary", unary, ndim=3)
    b, n, c = unary.shape
    lengths = check_lengths(lengths, b, n, unary.device)
    check_integer_tensor("y", y, what=f"an integer tensor of shape ({b}, {n})")
    if tuple(y.shape) != (b, n):
        raise ValueError(f"y: expected shape ({b}, {n}) to match unary, got {describe(y)}")
    y = y.to(unary.device)
    bad = mask_from_lengths(lengths, n) & ((y < 0) | (y >= c))
    if bool(bad.any()):
        row, t = (int(i) for i in bad.nonzero()[0])
        raise ValueError(f"y: expected labels in [0, {c - 1}] at valid positions t < lengths[b] "
                         f"(anything, e.g. PAD={PAD}, after), got y[{row}, {t}] = {int(y[row, t])}")
    return y


def chain_energy(unary, transitions, y, lengths=None, *, start=None, end=None) -> torch.Tensor:
    r"""The energy of label sequences ``y`` (B, N) (Lecture 5 §2; Homework 3): returns (B,).

    ``E(x, y) = sum_{t<L} U[t, y_t] + sum_{t<L-1} W[y_t, y_{t+1}] (+ S[y_0] + T[y_{L-1}])``.
    Entries of ``y`` at padded positions are ignored (any value, e.g. ``PAD``).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    y = check_labels(y, unary, lengths)
    n = unary.shape[1]
    mask = mask_from_lengths(lengths, n)                          # (B, N)
    safe = torch.where(mask, y, torch.zeros_like(y))              # padding -> label 0, masked out below
    zero = unary.new_zeros(())
    unary_part = torch.where(mask, unary.gather(2, safe.unsqueeze(2)).squeeze(2), zero).sum(1)
    if isinstance(transitions, Sparse):
        transitions = transitions.dense()
    if transitions.dim() == 2:
        pair = transitions[safe[:, :-1], safe[:, 1:]]             # (B, N-1)
    else:                                                         # one matrix per step
        pair = transitions[torch.arange(n - 1, device=y.device), safe[:, :-1], safe[:, 1:]]
    pair_part = torch.where(mask[:, 1:], pair, zero).sum(1)
    energy = unary_part + pair_part
    if start is not None:
        energy = energy + start[safe[:, 0]]
    if end is not None:
        last = safe.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
        energy = energy + end[last]
    return energy


def hamming(y, y_hat, lengths=None) -> torch.Tensor:
    """The Hamming distance (Lecture 5 §3): the number of positions ``t < L_b`` where ``y`` and
    ``y_hat`` (integer (B, N)) differ; (B,) long."""
    for name, labels in (("y", y), ("y_hat", y_hat)):
        check_integer_tensor(name, labels, ndim=2, what="an integer tensor of shape (B, N)")
    if tuple(y.shape) != tuple(y_hat.shape):
        raise ValueError(f"y_hat: expected the shape of y {tuple(y.shape)}, got {describe(y_hat)}")
    b, n = y.shape
    lengths = check_lengths(lengths, b, n, y.device)
    y_hat = y_hat.to(y.device)
    mask = mask_from_lengths(lengths, n)
    for name, labels in (("y", y), ("y_hat", y_hat)):
        if bool(((labels < 0) & mask).any()):
            raise ValueError(f"{name}: expected labels >= 0 at the valid positions t < lengths[b], got "
                             f"{int(labels[mask].min())}")
    return ((y != y_hat) & mask).sum(1)
