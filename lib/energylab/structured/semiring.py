r"""Semirings: what "adding up the paths" of a trellis means (Lecture 5 §2).

Every dynamic programme of this package adds energies *along* a path (``⊗ = +``) and
combines *alternative* paths with an operation ``⊕`` that depends on the question asked:

* ``Semiring(math.inf)`` -- ``a ⊕ b = min(a, b)``: the energy of the best path
  (Viterbi, the factor-graph trellis, DTW, reading a digit string);
* ``Semiring(beta)`` -- ``a ⊕ b = softmin_beta(a, b) = -(1/beta) log(e^{-beta a} + e^{-beta b})``:
  the free energy ``F_beta = -(1/beta) log sum_paths e^{-beta E}`` (the forward algorithm;
  ``log Z_beta = -beta F_beta``), which tends to the min as ``beta -> inf``;
* ``KMin(k)`` -- each value is the sorted list of the ``k`` smallest energies and ``⊕`` keeps
  the ``k`` smallest of both lists: the ``k`` best paths (list Viterbi).

Energies live in ``(-inf, +inf]``: ``+inf`` is an impossible path (the semiring's zero), ``0``
its one.  NaN in, NaN out.  Because ``⊗`` distributes over ``⊕``, the recursion of
:func:`energylab.structured.dp.chain_dp` is the same for all of them (Goodman, *Semiring
parsing*, 1999; the design of torch-struct, Rush 2020).
"""
from __future__ import annotations

import math

import torch

from .._checks import check_beta, check_positive_int, check_tensor, describe
from .chain import Sparse

__all__ = ["Semiring", "KMin", "MIN_SUM", "softmin"]


def softmin(values: torch.Tensor, dim: int, beta: float) -> torch.Tensor:
    r"""``-(1/beta) log sum exp(-beta values)`` along ``dim`` (Lecture 5 §2, §5).

    Its gradient is the softmax weights ``e^{-beta (values - out)}``.  Exact for ``+inf``
    entries (impossible paths); where *every* entry is ``+inf`` the answer is ``+inf`` with a
    zero gradient, where ``torch.logsumexp`` alone would give NaN gradients (``inf - inf``).
    ``beta`` is finite (at ``beta = inf`` the softmin is ``values.amin(dim)``).
    """
    check_tensor("values", values)
    if isinstance(dim, bool) or not isinstance(dim, int) or not -max(values.dim(), 1) <= dim < max(values.dim(), 1):
        raise ValueError(f"dim: expected an int in [-{max(values.dim(), 1)}, {max(values.dim(), 1) - 1}], "
                         f"got {describe(dim)}")
    return _SoftMin.apply(values, dim, check_beta("beta", beta, allow_inf=False))


class _SoftMin(torch.autograd.Function):
    """:func:`softmin` with the NaN weights of all-``inf`` rows set to zero in the backward pass."""

    @staticmethod
    def forward(ctx, values, dim, beta):
        out = torch.logsumexp(values * -beta, dim) / -beta
        ctx.save_for_backward(values, out)
        ctx.dim, ctx.beta = dim, beta
        return out

    @staticmethod
    def backward(ctx, grad):
        values, out = ctx.saved_tensors
        weights = torch.exp((values - out.unsqueeze(ctx.dim)) * -ctx.beta)    # softmax; NaN where all inf
        return grad.unsqueeze(ctx.dim) * weights.nan_to_num(0.0), None, None


class Semiring:
    r"""The (min, +) semiring at ``beta = math.inf``, the (softmin_beta, +) semiring otherwise
    (Lecture 5 §2).  Values are energies: (B, C) messages, one per label.

    ``sum`` is ``⊕`` along a dimension, ``times`` is ``⊗ = +``, ``matmul`` is the semiring's
    matrix-vector product ``(alpha ⊗ W)(j) = ⊕_i [alpha(i) + W(i, j)]`` -- one step of the
    chain recursion; ``argsum``, ``backpointer`` and ``label`` serve the backtrace (zero
    temperature only).
    """

    def __init__(self, beta: float = math.inf):
        self.beta = check_beta("beta", beta)

    def __repr__(self) -> str:
        return f"Semiring(beta={self.beta})"

    @property
    def is_min(self) -> bool:
        """True at zero temperature, where ``⊕`` is a plain minimum and argmins exist (Lecture 5 §2)."""
        return self.beta == math.inf

    @property
    def value_shape(self) -> tuple:
        """The shape of one label's value: ``()`` for an energy (Lecture 5 §2)."""
        return ()

    def lift(self, energies: torch.Tensor) -> torch.Tensor:
        """Energies (B, C) as semiring values (B, C): nothing to do (Lecture 5 §2)."""
        return energies

    def sum(self, values: torch.Tensor, dim: int) -> torch.Tensor:
        """``⊕`` along ``dim`` (Lecture 5 §2): min, or softmin at ``beta``."""
        return values.amin(dim) if self.is_min else _SoftMin.apply(values, dim, self.beta)

    def times(self, values: torch.Tensor, energies: torch.Tensor) -> torch.Tensor:
        """``⊗`` (Lecture 5 §2): add energies (B, C) or (C,) to values (B, C)."""
        return values + energies

    def matmul(self, alpha: torch.Tensor, transitions) -> torch.Tensor:
        """``⊕_i [alpha(i) + W(i, j)]`` (Lecture 5 §2): alpha (B, C), W (C, C) -> (B, C); for
        :class:`~.chain.Sparse` ``W``, over each label's predecessors only."""
        if isinstance(transitions, Sparse):
            return self.sum(alpha[:, transitions.sources] + transitions.energies, dim=2)
        return self.sum(alpha.unsqueeze(2) + transitions, dim=1)

    def argsum(self, values: torch.Tensor) -> torch.Tensor:
        """The label attaining the minimum over the last dimension (Lecture 5 §2): (B, C) -> (B,)."""
        self._need_min("argsum")
        return values.argmin(-1)

    def backpointer(self, alpha: torch.Tensor, transitions: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """The best predecessor ``argmin_i [alpha(i) + W(i, state)]`` of each ``state`` (B,)
        (Lecture 5 §2)."""
        self._need_min("backpointer")
        if isinstance(transitions, Sparse):
            sources = transitions.sources[state]                              # (B, P)
            best = (alpha.gather(1, sources) + transitions.energies[state]).argmin(-1, keepdim=True)
            return sources.gather(1, best).squeeze(1)
        return (alpha + transitions.t()[state]).argmin(-1)

    def label(self, state: torch.Tensor) -> torch.Tensor:
        """The label of a backtrace state (Lecture 5 §2): the state itself."""
        return state

    def _need_min(self, what: str) -> None:
        if not self.is_min:
            raise ValueError(f"{what}: argmins exist only at zero temperature (beta=math.inf), got beta={self.beta}")


#: Zero temperature: the (min, +) semiring of Viterbi (Lecture 5 §2).
MIN_SUM = Semiring(math.inf)


class KMin(Semiring):
    r"""The ``k``-best semiring (Lecture 5 §3): values (B, C, k) hold, for every label, the
    ``k`` smallest energies of the partial paths ending there, sorted (``+inf`` where there
    are fewer than ``k`` paths).  ``⊕`` merges lists and keeps the ``k`` smallest; ``⊗`` adds
    an energy to every entry.  A state is a (label, rank) pair, flattened to ``label * k + rank``.
    """

    def __init__(self, k: int):
        super().__init__(math.inf)
        self.k = check_positive_int("k", k)

    def __repr__(self) -> str:
        return f"KMin(k={self.k})"

    @property
    def value_shape(self) -> tuple:
        """The shape of one label's value: ``(k,)``, its sorted list (Lecture 5 §3)."""
        return (self.k,)

    def lift(self, energies: torch.Tensor) -> torch.Tensor:
        """One path per label (Lecture 5 §3): (B, C) -> (B, C, k) = ``[E, inf, ..., inf]``."""
        values = energies.new_full((*energies.shape, self.k), math.inf)
        values[..., 0] = energies
        return values

    def sum(self, values: torch.Tensor, dim: int) -> torch.Tensor:
        """Merge the lists along the label dimension ``dim`` (Lecture 5 §3): the ``k`` smallest."""
        merged = values.movedim(dim, -2).flatten(-2)                 # (..., C * k), index = label * k + rank
        smallest, _ = self._smallest(merged)
        return smallest

    def times(self, values: torch.Tensor, energies: torch.Tensor) -> torch.Tensor:
        """Add energies (B, C) or (C,) to every rank of values (B, C, k) (Lecture 5 §3)."""
        return values + energies.unsqueeze(-1)

    def matmul(self, alpha: torch.Tensor, transitions) -> torch.Tensor:
        """The ``k`` best of ``alpha(i, r) + W(i, j)`` over ``(i, r)`` (Lecture 5 §3): (B, C, k) -> (B, C, k)."""
        transitions = transitions.dense() if isinstance(transitions, Sparse) else transitions
        return self.sum(alpha.unsqueeze(2) + transitions.unsqueeze(-1), dim=1)

    def argsum(self, values: torch.Tensor) -> torch.Tensor:
        """The ``k`` best final states, ``label * k + rank`` (Lecture 5 §3): (B, C, k) -> (B, k)."""
        _, states = self._smallest(values.flatten(1))
        return states

    def backpointer(self, alpha: torch.Tensor, transitions: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """For each state ``j * k + r`` (B, k), the predecessor ``i * k + r'`` that gave the
        ``r``-th best entry of label ``j``: :meth:`matmul`'s ranking, on those labels only
        (Lecture 5 §3)."""
        transitions = transitions.dense() if isinstance(transitions, Sparse) else transitions
        j, r = state // self.k, state % self.k
        candidates = alpha.unsqueeze(1) + transitions.t()[j].unsqueeze(-1)     # (B, k, C, k)
        _, ranked = self._smallest(candidates.flatten(2))
        return ranked.gather(2, r.unsqueeze(2)).squeeze(2)

    def label(self, state: torch.Tensor) -> torch.Tensor:
        """The label of a state ``label * k + rank`` (Lecture 5 §3)."""
        return state // self.k

    def _smallest(self, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``k`` smallest entries along the last dimension, sorted, and their indices -- NaN first
        (NaN in, NaN out: ``topk(largest=False)`` would rank a NaN after every number and drop it)."""
        top = (-values).topk(self.k, dim=-1)
        return -top.values, top.indices
