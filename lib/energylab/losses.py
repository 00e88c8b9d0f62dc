r"""The loss zoo for training energy-based models (LeCun et al., 2006, *A tutorial on
energy-based learning*, Table 1; LeCun's NYU deep-learning lectures).

Conventions used everywhere in this module:

* **low energy = good**: the Gibbs distribution is ``p(y) ∝ exp(-β E(y))``;
* ``e_pos`` is the energy of the **correct** answer ``E(x_i, y_i)``, shape (B,);
* ``e_neg`` is the energy of one **contrastive** answer ``E(x_i, ŷ_i)``, shape (B,),
  or of K contrastive answers per example, shape (B, K).  With K answers a
  pairwise loss is the **mean over the K pairs**;
* ``e_all`` holds the energies of **every** answer of a discrete set (or of every
  point of a grid), shape (B, C); ``log_measure`` is the log of the volume each
  entry stands for (0 for a discrete set, ``log(cell area)`` for a grid);
* ``reduction`` is ``"mean"`` (over the batch, default), ``"sum"`` or ``"none"``
  (one value per example, shape (B,)).

A loss **pushes down** the energy of the correct answer and **pulls up** the energy
of contrastive answers.  Its **margin** is how far below the contrastive energies the
correct one must sit before the loss stops pulling (see :data:`LOSS_TABLE`).

For a discrete answer set the contrastive answer is usually the *most offending
incorrect answer* ``ȳ = argmin_{y ≠ y_i} E(x_i, y)``; :func:`loss_on_answers`
computes any loss of the zoo from a full energy table that way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F

from ._checks import check_callable, check_like, check_positive_float, check_tensor, describe
from .inference import most_offending

__all__ = [
    "energy_loss",
    "perceptron_loss",
    "hinge_loss",
    "pairwise_hinge_loss",
    "log_loss",
    "lvq2_loss",
    "mce_loss",
    "square_square_loss",
    "square_exp_loss",
    "nll_loss",
    "mee_loss",
    "simple_loss",
    "infonce_loss",
    "LossInfo",
    "LOSS_TABLE",
    "LOSSES",
    "loss_table_markdown",
    "loss_on_answers",
    "ContrastiveLoss",
    "contrastive_loss",
]


# ----------------------------------------------------------------------------- helpers

def _reduce(per_example: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce a (B,) tensor of per-example losses."""
    if reduction == "mean":
        return per_example.mean()
    if reduction == "sum":
        return per_example.sum()
    if reduction == "none":
        return per_example
    raise ValueError(f"reduction: expected 'mean', 'sum' or 'none', got {reduction!r}")


def _check_pos(e_pos) -> torch.Tensor:
    return check_tensor("e_pos", e_pos, ndim=1)


def _check_pair(e_pos, e_neg) -> tuple[torch.Tensor, torch.Tensor]:
    """Return e_pos as (B, 1) and e_neg as (B, K)."""
    _check_pos(e_pos)
    check_tensor("e_neg", e_neg, ndim=(1, 2))
    if e_neg.shape[0] != e_pos.shape[0]:
        raise ValueError(
            f"e_neg: expected shape ({e_pos.shape[0]},) or ({e_pos.shape[0]}, K) to match e_pos, "
            f"got {describe(e_neg)}"
        )
    e_neg = e_neg[:, None] if e_neg.dim() == 1 else e_neg
    return e_pos[:, None], e_neg


def _check_all(e_pos, e_all) -> torch.Tensor:
    _check_pos(e_pos)
    check_tensor("e_all", e_all, ndim=2)
    if e_all.shape[0] != e_pos.shape[0]:
        raise ValueError(f"e_all: expected shape ({e_pos.shape[0]}, C) to match e_pos, got {describe(e_all)}")
    return e_all


def _margin(margin) -> float:
    return check_positive_float("margin", margin, allow_zero=True)


# ----------------------------------------------------------------------------- the zoo

def energy_loss(e_pos: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Energy loss ``L = E(x_i, y_i)``.  Lecture 4 §1, §3, §5.

    Only pushes down on the data; nothing pulls up elsewhere, so a flexible
    architecture can make the energy flat and low everywhere (*collapse*).
    Margin: none.
    """
    return _reduce(_check_pos(e_pos), reduction)


def perceptron_loss(e_pos: torch.Tensor, e_all: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Generalised perceptron loss ``L = E(x_i, y_i) - min_y E(x_i, y)``.
    Lecture 4 §1 (the loss table and the loss explorer).

    ``e_all`` (B, C) holds the energies of all answers (including the correct one),
    so the loss is >= 0 and zero exactly when the correct answer is a minimiser.
    Margin: 0 (it stops as soon as the correct answer ties with the best).
    """
    e_all = _check_all(e_pos, e_all)
    return _reduce(e_pos - e_all.min(dim=-1).values, reduction)


def hinge_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, margin: float = 1.0, *,
               reduction: str = "mean") -> torch.Tensor:
    r"""Hinge loss ``L = max(0, m + E(x_i, y_i) - E(x_i, ȳ_i))``.  Lecture 4 §1, §4, §6; homework 3.

    Zero once the contrastive energy is at least ``m`` above the correct one.
    Margin: ``m``.
    """
    pos, neg = _check_pair(e_pos, e_neg)
    return _reduce(F.relu(_margin(margin) + pos - neg).mean(dim=-1), reduction)


def pairwise_hinge_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, margins: torch.Tensor, *,
                        reduction: str = "mean") -> torch.Tensor:
    r"""Pairwise hinge with an answer-dependent margin
    ``L = mean_ŷ max(0, m(y_i, ŷ) + E(x_i, y_i) - E(x_i, ŷ))``.
    Lecture 4 §1 (the loss table and the loss explorer).

    ``margins`` (broadcastable to e_neg's (B, K)) is ``m(y_i, ŷ)``, e.g. a Hamming
    distance: answers that are more wrong must sit higher.  Margin: ``m(y, ŷ)``.
    """
    pos, neg = _check_pair(e_pos, e_neg)
    check_like("margins", check_tensor("margins", margins), neg, "e_neg")
    try:
        margins = torch.broadcast_to(margins, neg.shape)
    except RuntimeError as error:
        raise ValueError(f"margins: expected a shape broadcastable to {tuple(neg.shape)}, "
                         f"got {describe(margins)}") from error
    return _reduce(F.relu(margins + pos - neg).mean(dim=-1), reduction)


def log_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Log loss ``L = log(1 + exp(E(x_i, y_i) - E(x_i, ȳ_i))) = softplus(E⁺ - E⁻)``.
    Lecture 4 §1, §4; Lecture 6 §3, §8; homework 4.

    A soft hinge: never exactly zero, so it keeps pulling a little forever.
    Margin: > 0 (infinite, approached exponentially).
    """
    pos, neg = _check_pair(e_pos, e_neg)
    return _reduce(F.softplus(pos - neg).mean(dim=-1), reduction)


def lvq2_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, cap: float = 1.0, *,
              reduction: str = "mean") -> torch.Tensor:
    r"""LVQ2 loss ``L = min(M, max(0, E(x_i, y_i) - E(x_i, ȳ_i)))`` with cap ``M``.
    Lecture 4 §1 (the loss table and the loss explorer).

    Only acts while the correct answer is *worse* than the contrastive one, and
    gives up on hopeless examples (difference above ``M``).  Margin: 0.
    (Kohonen's original divides the difference by ``δ E(ȳ)``; the cap plays that role.)
    """
    pos, neg = _check_pair(e_pos, e_neg)
    cap = check_positive_float("cap", cap)
    return _reduce(F.relu(pos - neg).clamp(max=cap).mean(dim=-1), reduction)


def mce_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""Minimum classification error loss ``L = σ(E(x_i, y_i) - E(x_i, ȳ_i))``, σ the logistic.
    Lecture 4 §1 (the loss table and the loss explorer).

    A smooth count of errors: saturates for hopeless and for safe examples.
    Margin: > 0 (soft).
    """
    pos, neg = _check_pair(e_pos, e_neg)
    return _reduce(torch.sigmoid(pos - neg).mean(dim=-1), reduction)


def square_square_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, margin: float = 1.0, *,
                       reduction: str = "mean") -> torch.Tensor:
    r"""Square-square loss ``L = [E(x_i, y_i)]₊² + [m - E(x_i, ȳ_i)]₊²``.  Lecture 4 §1, §4.

    Pushes the correct energy towards 0 and the contrastive one up to ``m``
    (energies are meant to be non-negative).  Margin: ``m``.
    """
    pos, neg = _check_pair(e_pos, e_neg)
    pull = F.relu(_margin(margin) - neg).square().mean(dim=-1)
    return _reduce(F.relu(pos[:, 0]).square() + pull, reduction)


def square_exp_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, gamma: float = 1.0, *,
                    reduction: str = "mean") -> torch.Tensor:
    r"""Square-exponential loss ``L = [E(x_i, y_i)]₊² + γ exp(-E(x_i, ȳ_i))``.
    Lecture 4 §1 (the loss table and the loss explorer).

    Margin: > 0 (infinite, approached exponentially).
    """
    pos, neg = _check_pair(e_pos, e_neg)
    gamma = check_positive_float("gamma", gamma)
    return _reduce(F.relu(pos[:, 0]).square() + gamma * torch.exp(-neg).mean(dim=-1), reduction)


def nll_loss(e_pos: torch.Tensor, e_all: torch.Tensor, beta: float = 1.0, *, log_measure: float = 0.0,
             reduction: str = "mean") -> torch.Tensor:
    r"""Negative log-likelihood / maximum mutual information loss  Lecture 3 §3, Lecture 4 §1, §4.

    ``L = E(x_i, y_i) + 1/β log Σ_y exp(-β E(x_i, y)) ΔV``

    which is ``-1/β log p_β(y_i | x_i)`` for the Gibbs distribution.  ``e_all`` (B, C)
    holds the energies of all answers (or of a grid covering the answer space, with
    ``log_measure = log ΔV``).  With β = 1 on a discrete set this is the cross-entropy
    of the logits ``-E``.  Pulls up every answer in proportion to its probability.
    Margin: > 0.
    """
    e_all = _check_all(e_pos, e_all)
    beta = check_positive_float("beta", beta)
    log_z = torch.logsumexp(-beta * e_all, dim=-1) + log_measure
    return _reduce(e_pos + log_z / beta, reduction)


def mee_loss(e_pos: torch.Tensor, e_all: torch.Tensor, beta: float = 1.0, *, log_measure: float = 0.0,
             reduction: str = "mean") -> torch.Tensor:
    r"""Minimum empirical error loss ``L = 1 - exp(-β E(x_i, y_i)) / Σ_y exp(-β E(x_i, y)) ΔV``,
    Lecture 4 §1 (the loss table and the loss explorer).

    one minus the Gibbs probability of the correct answer (Ljolje et al., 1990).
    Bounded, so hopeless examples stop mattering.  Margin: > 0.
    """
    e_all = _check_all(e_pos, e_all)
    beta = check_positive_float("beta", beta)
    log_p = -beta * e_pos - torch.logsumexp(-beta * e_all, dim=-1) - log_measure
    return _reduce(1 - log_p.exp(), reduction)


def simple_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, margin: float = 1.0, *,
                reduction: str = "mean") -> torch.Tensor:
    r"""Simple loss (Bromley et al., 1993, siamese nets) ``L = [E(x_i, y_i)]₊ + [m - E(x_i, ȳ_i)]₊``.
    Lecture 4 §1 (the loss table and the loss explorer).

    Pushes the correct energy to 0 and the contrastive one up to ``m``, each on its
    own (no comparison between them).  Margin: ``m``.
    """
    pos, neg = _check_pair(e_pos, e_neg)
    return _reduce(F.relu(pos[:, 0]) + F.relu(_margin(margin) - neg).mean(dim=-1), reduction)


def infonce_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, beta: float = 1.0, *,
                 reduction: str = "mean") -> torch.Tensor:
    r"""InfoNCE / group loss (van den Oord et al., 2018)  Lecture 4 §1 (the loss table and the loss explorer).

    ``L = -log exp(-β E(x_i, y_i)) / (exp(-β E(x_i, y_i)) + Σ_k exp(-β E(x_i, ŷ_k)))``

    the cross-entropy of picking the correct answer out of a group made of it and the
    K contrastive answers ``e_neg`` (B, K).  With all incorrect answers of a discrete set
    as the group it is β times the NLL loss.  Margin: > 0.
    """
    pos, neg = _check_pair(e_pos, e_neg)
    beta = check_positive_float("beta", beta)
    logits = -beta * torch.cat([pos, neg], dim=-1)                      # (B, 1 + K)
    return _reduce(torch.logsumexp(logits, dim=-1) - logits[:, 0], reduction)


# ----------------------------------------------------------------------------- the table

@dataclass(frozen=True)
class LossInfo:
    """One row of the loss table: the name, the formula (E⁺ = E(x_i, y_i),
    E⁻ = E(x_i, ȳ_i) the most offending incorrect answer), the margin, and the function.
    Lecture 4 §1 (the rows of the loss table)."""

    name: str
    formula: str
    margin: str
    function: Callable

    def __post_init__(self):
        for field in ("name", "formula", "margin"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value:
                raise TypeError(f"{field}: expected a non-empty string, got {describe(value)}")
        check_callable("function", self.function)


LOSS_TABLE: tuple[LossInfo, ...] = (
    LossInfo("energy", "E⁺", "none", energy_loss),
    LossInfo("perceptron", "E⁺ − min_y E(y)", "0", perceptron_loss),
    LossInfo("hinge", "max(0, m + E⁺ − E⁻)", "m", hinge_loss),
    LossInfo("pairwise hinge", "Σ_ŷ max(0, m(y, ŷ) + E⁺ − E(ŷ))", "m(y, ŷ)", pairwise_hinge_loss),
    LossInfo("log", "log(1 + exp(E⁺ − E⁻))", "> 0", log_loss),
    LossInfo("LVQ2", "min(M, max(0, E⁺ − E⁻))", "0", lvq2_loss),
    LossInfo("MCE", "σ(E⁺ − E⁻)", "> 0", mce_loss),
    LossInfo("square-square", "[E⁺]₊² + [m − E⁻]₊²", "m", square_square_loss),
    LossInfo("square-exp", "[E⁺]₊² + γ exp(−E⁻)", "> 0", square_exp_loss),
    LossInfo("NLL/MMI", "E⁺ + 1/β log Σ_y exp(−β E(y))", "> 0", nll_loss),
    LossInfo("MEE", "1 − exp(−β E⁺) / Σ_y exp(−β E(y))", "> 0", mee_loss),
    LossInfo("simple", "[E⁺]₊ + [m − E⁻]₊", "m", simple_loss),
    LossInfo("InfoNCE", "−log exp(−β E⁺) / Σ_{group} exp(−β E)", "> 0", infonce_loss),
)

#: Loss functions by name (the names of :data:`LOSS_TABLE`).
LOSSES: dict[str, Callable] = {row.name: row.function for row in LOSS_TABLE}


def loss_table_markdown(rows: tuple[LossInfo, ...] = LOSS_TABLE) -> str:
    """The loss table as a Markdown table (display it with ``IPython.display.Markdown``).  Lecture 4 §1."""
    if not isinstance(rows, (tuple, list)) or not all(isinstance(row, LossInfo) for row in rows):
        raise TypeError(f"rows: expected a tuple of LossInfo rows (like LOSS_TABLE), got {describe(rows)}")
    lines = ["| loss | formula | margin |", "|---|---|---|"]
    lines += [f"| {row.name} | `{row.formula}` | {row.margin} |" for row in rows]
    return "\n".join(lines)


def loss_on_answers(name: str, energies: torch.Tensor, target: torch.Tensor, *, margin: float = 1.0,
                    beta: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    """Any loss of the zoo on a discrete answer set, from the full energy table.
    Lecture 4 §1 (the loss explorer and plot_loss_shapes).

    ``energies`` (B, C) are the energies of all C answers, ``target`` (B,) the index of
    the correct one.  The contrastive answer is the most offending incorrect one,
    ``ȳ = argmin_{y ≠ y_i} E(y)``; NLL/MMI, MEE and perceptron use all answers;
    InfoNCE groups the correct answer with all incorrect ones; the pairwise hinge uses
    all incorrect answers with ``m(y, ŷ) = margin``.  ``margin`` is also LVQ2's cap
    and square-exp's γ.
    """
    if name not in LOSSES:
        raise ValueError(f"name: expected one of {sorted(LOSSES)}, got {name!r}")
    margin, beta = _margin(margin), check_positive_float("beta", beta)   # whichever loss reads them
    check_tensor("energies", energies, ndim=2)
    if energies.shape[1] < 2:
        raise ValueError(f"energies: expected at least 2 answers (columns), got {describe(energies)}")
    if not isinstance(target, torch.Tensor) or target.dtype != torch.long or target.shape != energies.shape[:1]:
        raise TypeError(f"target: expected a long tensor of shape ({energies.shape[0]},), got {describe(target)}")
    if target.numel() and not (0 <= int(target.min()) and int(target.max()) < energies.shape[1]):
        raise ValueError(f"target: expected answer indices in [0, {energies.shape[1] - 1}], "
                         f"got values in [{int(target.min())}, {int(target.max())}]")
    e_pos = energies.gather(1, target[:, None])[:, 0]                       # (B,)
    wrong = torch.ones_like(energies, dtype=torch.bool).scatter(1, target[:, None], False)
    C = energies.shape[1]
    e_wrong = energies[wrong].reshape(-1, C - 1)                            # (B, C-1)
    e_worst = energies.gather(1, most_offending(energies, target)[:, None])[:, 0]   # (B,)
    kw = dict(reduction=reduction)
    calls = {
        "energy": lambda: energy_loss(e_pos, **kw),
        "perceptron": lambda: perceptron_loss(e_pos, energies, **kw),
        "hinge": lambda: hinge_loss(e_pos, e_worst, margin, **kw),
        "pairwise hinge": lambda: pairwise_hinge_loss(e_pos, e_wrong, torch.full_like(e_wrong, margin), **kw),
        "log": lambda: log_loss(e_pos, e_worst, **kw),
        "LVQ2": lambda: lvq2_loss(e_pos, e_worst, margin, **kw),
        "MCE": lambda: mce_loss(e_pos, e_worst, **kw),
        "square-square": lambda: square_square_loss(e_pos, e_worst, margin, **kw),
        "square-exp": lambda: square_exp_loss(e_pos, e_worst, margin, **kw),
        "NLL/MMI": lambda: nll_loss(e_pos, energies, beta, **kw),
        "MEE": lambda: mee_loss(e_pos, energies, beta, **kw),
        "simple": lambda: simple_loss(e_pos, e_worst, margin, **kw),
        "InfoNCE": lambda: infonce_loss(e_pos, e_wrong, beta, **kw),
    }
    return calls[name]()


# ----------------------------------------------------------------------------- sampled negatives

class ContrastiveLoss(NamedTuple):
    """The parts of :func:`contrastive_loss` (0-d tensors): ``loss = contrast + energy_penalty * penalty``.
    Lecture 6 §8, Lecture 12 §2–3."""

    loss: torch.Tensor
    contrast: torch.Tensor
    penalty: torch.Tensor


def contrastive_loss(e_pos: torch.Tensor, e_neg: torch.Tensor, *, energy_penalty: float = 0.0) -> ContrastiveLoss:
    r"""The contrastive term and the energy-magnitude penalty of sample-based training:

    ``contrast = mean E(data) − mean E(samples)`` and ``penalty = mean E(data)² + mean E(samples)²``,
    ``loss = contrast + α · penalty`` with ``α = energy_penalty``.

    ``e_pos`` (N,) are energies of data, ``e_neg`` (M,) of contrastive samples (from SGLD, a replay
    buffer, a generator network) -- two sets, not pairs.  With samples ``x̂ ~ p_θ`` (held fixed),
    the contrast's gradient is the maximum-likelihood gradient of ``-mean log p_θ(x)``; it only sees
    *differences* of energies, so the penalty keeps their level near zero.  Used by
    :func:`energylab.models.jem.jem_loss` and :func:`energylab.models.generator.generator_pair_loss`.
    Lecture 6 §8 (the penalty), Lecture 12 §2–3.
    """
    check_tensor("e_pos", e_pos, ndim=1)
    check_tensor("e_neg", e_neg, ndim=1)
    alpha = check_positive_float("energy_penalty", energy_penalty, allow_zero=True)
    contrast = e_pos.mean() - e_neg.mean()
    penalty = e_pos.pow(2).mean() + e_neg.pow(2).mean()
    return ContrastiveLoss(contrast + alpha * penalty, contrast, penalty)
