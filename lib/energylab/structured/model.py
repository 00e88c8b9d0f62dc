r"""The learnable chain energy: a sequence labeller (Lecture 5 §3; Homework 3).

``E_w(x, y) = sum_t U_w(x_t)[y_t] + sum_t W[y_t, y_{t+1}]`` with a network for the unary
energies and a learnable transition matrix.  The functional API of :mod:`.inference` and
:mod:`.losses` takes the tensors of :meth:`ChainEnergy.potentials`.
"""
from __future__ import annotations

import torch
from torch import nn

from .._checks import check_bool, check_positive_int, check_tensor, describe, run_network
from .chain import chain_energy
from .inference import viterbi

__all__ = ["ChainEnergy"]


class ChainEnergy(nn.Module):
    r"""A learnable chain energy ``E_w(x, y) = sum_t U_w(x_t)[y_t] + sum_t W[y_t, y_{t+1}]``
    (Lecture 5 §3, §6; Homework 3).

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
        check_bool("boundary", boundary), check_bool("pairwise", pairwise)
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
        """Unary energies (B, N, C) of the inputs (B, N, ...) (Lecture 5 §3)."""
        check_tensor("x", x)
        weight = next(self.unary_net.parameters(), None)
        if weight is not None and (x.dtype != weight.dtype or x.device != weight.device):
            raise TypeError(f"x: expected dtype {weight.dtype} on {weight.device} like the model's parameters "
                            f"(convert x, or the model with .to()), got {describe(x)}")
        u = run_network("x", self.unary_net, x)
        if u.dim() != 3 or u.shape[-1] != self.n_labels:
            raise ValueError(f"x: expected inputs (B, N, ...) that unary_net maps to (B, N, {self.n_labels}), "
                             f"got {describe(x)} (unary_net gave {tuple(u.shape)})")
        return u

    def potentials(self, x: torch.Tensor) -> dict:
        """``dict(unary=..., transitions=..., start=..., end=...)`` for the functional API (Lecture 5 §3):
        ``viterbi(**model.potentials(x), lengths=lengths)``."""
        return dict(unary=self.unary(x), transitions=self.transitions, start=self.start, end=self.end)

    def forward(self, x: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``E(x, y)`` for a batch: (B,) (Lecture 5 §3)."""
        p = self.potentials(x)
        return chain_energy(p["unary"], p["transitions"], y, lengths, start=p["start"], end=p["end"])

    def decode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """``argmin_y E(x, y)`` by Viterbi: labels (B, N) with ``PAD`` after each length (Lecture 5 §3)."""
        with torch.no_grad():
            best = viterbi(**self.potentials(x), lengths=lengths)
        if not bool(best.energy.isfinite().all()):
            raise ValueError(f"x: expected inputs with a finite best energy, got energies {best.energy.tolist()[:4]} "
                             f"(NaN or inf in x; labels would be meaningless)")
        return best.labels
