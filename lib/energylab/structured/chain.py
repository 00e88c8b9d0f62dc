r"""Chain energies: the factor graph of a sequence labeller.

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
and positions ``t >= L_b`` are padding -- they never enter any energy.  Label
tensors returned by the package put ``PAD = -1`` there.
"""
from __future__ import annotations

import torch
from torch import nn

from .._checks import check_positive_int, check_tensor, describe

__all__ = ["PAD", "mask_from_lengths", "check_chain", "chain_energy", "hamming", "ChainEnergy"]

#: The label written at padded positions (``t >= lengths[b]``).
PAD = -1


def mask_from_lengths(lengths: torch.Tensor, n: int) -> torch.Tensor:
    """Boolean mask ``(B, n)``: ``mask[b, t] = t < lengths[b]``."""
    steps = torch.arange(n, device=lengths.device)
    return steps.unsqueeze(0) < lengths.unsqueeze(1)


def check_chain(unary, transitions, lengths=None, start=None, end=None):
    """Validate the pieces of a chain energy; return ``lengths`` as a long tensor.

    ``unary`` (B, N, C) floating; ``transitions`` (C, C) same dtype and device;
    ``lengths`` None (all ``N``) or integer (B,) with ``1 <= L_b <= N``;
    ``start``/``end`` None or (C,).
    """
    check_tensor("unary", unary, ndim=3)
    b, n, c = unary.shape
    if n == 0 or c == 0:
        raise ValueError(f"unary: expected shape (B, N, C) with N, C >= 1, got {describe(unary)}")
    check_tensor("transitions", transitions, ndim=2)
    if tuple(transitions.shape) != (c, c):
        raise ValueError(f"transitions: expected shape ({c}, {c}) to match unary's C={c}, "
                         f"got {describe(transitions)}")
    for name, vec in (("start", start), ("end", end)):
        if vec is not None:
            check_tensor(name, vec, ndim=1)
            if vec.shape[0] != c:
                raise ValueError(f"{name}: expected shape ({c},), got {describe(vec)}")
    for name, t in (("transitions", transitions), ("start", start), ("end", end)):
        if t is not None and (t.dtype != unary.dtype or t.device != unary.device):
            raise TypeError(f"{name}: expected dtype {unary.dtype} on {unary.device} like unary, "
                            f"got {describe(t)}")
    if lengths is None:
        return torch.full((b,), n, dtype=torch.long, device=unary.device)
    if not isinstance(lengths, torch.Tensor):
        raise TypeError(f"lengths: expected an integer torch.Tensor of shape ({b},), got {describe(lengths)}")
    if lengths.is_floating_point() or lengths.dtype == torch.bool or tuple(lengths.shape) != (b,):
        raise ValueError(f"lengths: expected an integer tensor of shape ({b},), got {describe(lengths)}")
    if b and (int(lengths.min()) < 1 or int(lengths.max()) > n):
        raise ValueError(f"lengths: expected values in [1, {n}], got min {int(lengths.min())}, "
                         f"max {int(lengths.max())}")
    return lengths.to(device=unary.device, dtype=torch.long)


def _check_labels(y, unary):
    b, n, c = unary.shape
    if not isinstance(y, torch.Tensor) or y.is_floating_point() or y.dtype == torch.bool:
        raise TypeError(f"y: expected an integer tensor of shape ({b}, {n}), got {describe(y)}")
    if tuple(y.shape) != (b, n):
        raise ValueError(f"y: expected shape ({b}, {n}) to match unary, got {describe(y)}")
    if y.numel() and int(y.max()) >= c:
        raise ValueError(f"y: expected labels in [0, {c - 1}] (or PAD={PAD} after the end), got max {int(y.max())}")
    return y.to(unary.device)


def chain_energy(unary, transitions, y, lengths=None, *, start=None, end=None):
    r"""The energy of label sequences ``y`` (B, N): returns (B,).

    ``E(x, y) = sum_{t<L} U[t, y_t] + sum_{t<L-1} W[y_t, y_{t+1}] (+ S[y_0] + T[y_{L-1}])``.
    Entries of ``y`` at padded positions are ignored (any value, e.g. ``PAD``).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    y = _check_labels(y, unary)
    n = unary.shape[1]
    mask = mask_from_lengths(lengths, n)                          # (B, N)
    safe = torch.where(mask, y, torch.zeros_like(y))              # padding -> label 0, masked out below
    zero = unary.new_zeros(())
    unary_part = torch.where(mask, unary.gather(2, safe.unsqueeze(2)).squeeze(2), zero).sum(1)
    pair = transitions[safe[:, :-1], safe[:, 1:]]                 # (B, N-1)
    pair_part = torch.where(mask[:, 1:], pair, zero).sum(1)
    energy = unary_part + pair_part
    if start is not None:
        energy = energy + start[safe[:, 0]]
    if end is not None:
        last = safe.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
        energy = energy + end[last]
    return energy


def hamming(y, y_hat, lengths=None):
    """Number of positions ``t < L_b`` where ``y`` and ``y_hat`` differ: (B,) long."""
    if tuple(y.shape) != tuple(y_hat.shape) or y.dim() != 2:
        raise ValueError(f"y_hat: expected the shape of y {tuple(y.shape)} (two dimensions), got {describe(y_hat)}")
    differ = y != y_hat
    if lengths is not None:
        differ = differ & mask_from_lengths(lengths.to(y.device), y.shape[1])
    return differ.sum(1)


class ChainEnergy(nn.Module):
    r"""A learnable chain energy ``E_w(x, y) = sum_t U_w(x_t)[y_t] + sum_t W[y_t, y_{t+1}]``.

    ``unary_net`` maps inputs ``x`` of shape (B, N, ...) to unary energies (B, N, C);
    the default is a linear layer on features of size ``n_features``.  ``transitions``
    is a (C, C) parameter (zero at start: the model begins as a unary-only classifier);
    ``boundary=True`` adds learnable start/end energies.  ``pairwise=False`` keeps the
    transitions frozen at zero -- the "unary-only" baseline.

    The inference and loss functions of :mod:`energylab.structured` take the tensors
    returned by :meth:`potentials`; the methods below are shortcuts.
    """

    def __init__(self, n_labels: int, n_features: int | None = None, *, unary_net: nn.Module | None = None,
                 boundary: bool = False, pairwise: bool = True):
        super().__init__()
        check_positive_int("n_labels", n_labels)
        if unary_net is None:
            if n_features is None:
                raise ValueError("n_features: expected an int >= 1 when no unary_net is given, got None")
            unary_net = nn.Linear(check_positive_int("n_features", n_features), n_labels)
        self.n_labels = n_labels
        self.unary_net = unary_net
        self.transitions = nn.Parameter(torch.zeros(n_labels, n_labels), requires_grad=pairwise)
        self.start = nn.Parameter(torch.zeros(n_labels)) if boundary else None
        self.end = nn.Parameter(torch.zeros(n_labels)) if boundary else None

    def unary(self, x: torch.Tensor) -> torch.Tensor:
        """Unary energies (B, N, C) of the inputs (B, N, ...)."""
        u = self.unary_net(x)
        if u.dim() != 3 or u.shape[-1] != self.n_labels:
            raise ValueError(f"unary_net: expected output (B, N, {self.n_labels}), got {describe(u)}")
        return u

    def potentials(self, x: torch.Tensor) -> dict:
        """``dict(unary=..., transitions=..., start=..., end=...)`` for the functional API:
        ``viterbi(**model.potentials(x), lengths=lengths)``."""
        return dict(unary=self.unary(x), transitions=self.transitions, start=self.start, end=self.end)

    def forward(self, x: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``E(x, y)`` for a batch: (B,)."""
        p = self.potentials(x)
        return chain_energy(p["unary"], p["transitions"], y, lengths, start=p["start"], end=p["end"])

    def decode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``argmin_y E(x, y)`` by Viterbi: labels (B, N) with ``PAD`` after each length."""
        from .inference import viterbi

        with torch.no_grad():
            return viterbi(**self.potentials(x), lengths=lengths).labels
