r"""Losses for chain energies: push down ``E(x, y)`` of the correct sequence, pull up
the energy of a contrastive sequence found by dynamic programming.

With ``E(y) = E(x, y)`` of the correct labels (per sequence, shape (B,)):

* perceptron: ``E(y) - min_{y'} E(y')``                (Viterbi; >= 0, zero margin)
* hinge, margin-rescaled (``hamming=True``, structured SVM):
  ``max(0, max_{y'} [m H(y, y') + E(y) - E(y')])
  = E(y) - min_{y'} [E(y') - m H(y, y')]``              (loss-augmented Viterbi)
* hinge, constant margin (``hamming=False``):
  ``max(0, m + E(y) - E(y_bar))`` with ``y_bar`` the most offending incorrect
  sequence (2-best Viterbi)
* NLL at inverse temperature ``beta``:
  ``E(y) + (1/beta) log sum_{y'} exp(-beta E(y')) = E(y) - F_beta``   (forward algorithm)
  which is ``-(1/beta) log p_beta(y | x)`` and tends to the perceptron loss as ``beta -> inf``.

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"`` (per sequence, (B,)).
"""
from __future__ import annotations

import torch

from .._checks import check_positive_float, describe
from .chain import chain_energy, check_chain
from .inference import free_energy, loss_augmented_viterbi, most_offending_incorrect, viterbi

__all__ = ["sequence_perceptron_loss", "sequence_hinge_loss", "sequence_nll_loss", "sequence_loss"]


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction: expected 'mean', 'sum' or 'none', got {describe(reduction)}")


def sequence_perceptron_loss(unary, transitions, y, lengths=None, *, start=None, end=None,
                             reduction: str = "mean") -> torch.Tensor:
    r"""``E(x, y) - min_{y'} E(x, y')`` (Collins' structured perceptron)."""
    lengths = check_chain(unary, transitions, lengths, start, end)
    correct = chain_energy(unary, transitions, y, lengths, start=start, end=end)
    best = viterbi(unary, transitions, lengths, start=start, end=end).energy
    return _reduce(correct - best, reduction)


def sequence_hinge_loss(unary, transitions, y, lengths=None, *, margin: float = 1.0, hamming: bool = True,
                        start=None, end=None, reduction: str = "mean") -> torch.Tensor:
    r"""Hinge loss with margin ``m(y, y')``.

    ``hamming=True``: ``m(y, y') = margin * H(y, y')`` and the contrastive sequence comes
    from loss-augmented Viterbi: ``E(y) - min_{y'} [E(y') - margin H(y, y')]``.
    ``hamming=False``: ``max(0, margin + E(y) - E(y_bar))`` with the most offending
    incorrect ``y_bar`` (second-best decoding).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    margin = check_positive_float("margin", margin, allow_zero=True)
    correct = chain_energy(unary, transitions, y, lengths, start=start, end=end)
    if hamming:
        augmented = loss_augmented_viterbi(unary, transitions, y, lengths, margin=margin,
                                           start=start, end=end).energy
        loss = torch.relu(correct - augmented)                      # >= 0 already (y' = y); relu for safety
    else:
        offending = most_offending_incorrect(unary, transitions, y, lengths, start=start, end=end).energy
        loss = torch.relu(margin + correct - offending)
    return _reduce(loss, reduction)


def sequence_nll_loss(unary, transitions, y, lengths=None, *, beta: float = 1.0, start=None, end=None,
                      reduction: str = "mean") -> torch.Tensor:
    r"""``E(x, y) - F_beta(x) = -(1/beta) log p_beta(y | x)`` (a CRF's NLL when ``beta = 1``)."""
    lengths = check_chain(unary, transitions, lengths, start, end)
    correct = chain_energy(unary, transitions, y, lengths, start=start, end=end)
    free = free_energy(unary, transitions, lengths, beta=beta, start=start, end=end)
    return _reduce(correct - free, reduction)


def sequence_loss(kind: str, unary, transitions, y, lengths=None, **options) -> torch.Tensor:
    """Dispatch by name: ``kind`` in ``"perceptron"``, ``"hinge"``, ``"nll"``."""
    table = {"perceptron": sequence_perceptron_loss, "hinge": sequence_hinge_loss, "nll": sequence_nll_loss}
    if kind not in table:
        raise ValueError(f"kind: expected one of {sorted(table)}, got {describe(kind)}")
    return table[kind](unary, transitions, y, lengths, **options)
