r"""Losses for chain energies (Lecture 5 §3; Homework 3): push down ``E(x, y)`` of the correct
sequence, pull up the energy of a contrastive sequence found by dynamic programming.

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
  which is ``-(1/beta) log p_beta(y | x)`` and tends to the perceptron loss as ``beta -> inf``
  (``beta=math.inf`` *is* the perceptron loss).

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"`` (per sequence, (B,)).

The losses themselves are those of :mod:`energylab.losses`; what is special about
sequences is only *how the contrastive energies are found* -- by dynamic programming
instead of a table of all ``C^N`` answers.  Where :mod:`energylab.losses` expects the
table ``e_all`` of every answer's energy, we hand it a one-column table holding what the
trellis computes exactly: ``min_y E`` for the perceptron, the free energy ``F_beta`` for
the NLL (``logsumexp`` of one entry is that entry, so the formulas agree exactly).
"""
from __future__ import annotations

import math

import torch

from .. import losses as zoo
from .._checks import check_beta, check_bool, describe
from .chain import chain_energy, check_chain
from .chain import hamming as hamming_distance
from .inference import free_energy, loss_augmented_viterbi, most_offending_incorrect, viterbi

__all__ = ["sequence_perceptron_loss", "sequence_hinge_loss", "sequence_nll_loss", "sequence_loss"]


def sequence_perceptron_loss(unary, transitions, y, lengths=None, *, start=None, end=None,
                             reduction: str = "mean") -> torch.Tensor:
    r"""``E(x, y) - min_{y'} E(x, y')`` (Collins' structured perceptron; Lecture 5 §3), via
    :func:`energylab.losses.perceptron_loss` with ``min_{y'} E`` from Viterbi."""
    lengths = check_chain(unary, transitions, lengths, start, end)
    correct = chain_energy(unary, transitions, y, lengths, start=start, end=end)
    best = viterbi(unary, transitions, lengths, start=start, end=end).energy
    return zoo.perceptron_loss(correct, best[:, None], reduction=reduction)


def sequence_hinge_loss(unary, transitions, y, lengths=None, *, margin: float = 1.0, hamming: bool = True,
                        start=None, end=None, reduction: str = "mean") -> torch.Tensor:
    r"""Hinge loss with margin ``m(y, y')`` (Lecture 5 §3; Homework 3).

    ``hamming=True``: ``m(y, y') = margin * H(y, y')``; the most offending ``y'`` comes
    from loss-augmented Viterbi and :func:`energylab.losses.pairwise_hinge_loss` gives
    ``max(0, margin H(y, y') + E(y) - E(y')) = E(y) - min_{y'} [E(y') - margin H(y, y')]``.
    ``hamming=False``: :func:`energylab.losses.hinge_loss`, ``max(0, margin + E(y) - E(y_bar))``
    with the most offending incorrect ``y_bar`` (second-best decoding).
    """
    lengths = check_chain(unary, transitions, lengths, start, end)
    check_bool("hamming", hamming)
    correct = chain_energy(unary, transitions, y, lengths, start=start, end=end)
    if hamming:
        offending = loss_augmented_viterbi(unary, transitions, y, lengths, margin=margin,
                                           start=start, end=end).labels
        e_neg = chain_energy(unary, transitions, offending, lengths, start=start, end=end)
        margins = margin * hamming_distance(y, offending, lengths).to(unary.dtype)
        return zoo.pairwise_hinge_loss(correct, e_neg[:, None], margins[:, None], reduction=reduction)
    offending = most_offending_incorrect(unary, transitions, y, lengths, start=start, end=end).energy
    return zoo.hinge_loss(correct, offending, margin, reduction=reduction)


def sequence_nll_loss(unary, transitions, y, lengths=None, *, beta: float = 1.0, start=None, end=None,
                      reduction: str = "mean") -> torch.Tensor:
    r"""``E(x, y) - F_beta(x) = -(1/beta) log p_beta(y | x)`` (a CRF's NLL when ``beta = 1``;
    Lecture 5 §3), via :func:`energylab.losses.nll_loss` with ``F_beta`` from the forward
    algorithm.  At ``beta=math.inf`` it is the perceptron loss."""
    beta = check_beta("beta", beta)
    if beta == math.inf:
        return sequence_perceptron_loss(unary, transitions, y, lengths, start=start, end=end, reduction=reduction)
    lengths = check_chain(unary, transitions, lengths, start, end)
    correct = chain_energy(unary, transitions, y, lengths, start=start, end=end)
    free = free_energy(unary, transitions, lengths, beta=beta, start=start, end=end)
    return zoo.nll_loss(correct, free[:, None], beta, reduction=reduction)


def sequence_loss(kind: str, unary, transitions, y, lengths=None, **options) -> torch.Tensor:
    """Dispatch by name (Lecture 5 §3, §6): ``kind`` in ``"perceptron"``, ``"hinge"``, ``"nll"``."""
    table = {"perceptron": sequence_perceptron_loss, "hinge": sequence_hinge_loss, "nll": sequence_nll_loss}
    if kind not in table:
        raise ValueError(f"kind: expected one of {sorted(table)}, got {describe(kind)}")
    return table[kind](unary, transitions, y, lengths, **options)
