r"""Latent segmentation: reading a string of digits without knowing where they are (Lecture 5 §5).

An image ``x`` (8 rows, ``W`` columns) holds a few handwritten digits side by side.  A
**segmentation** ``z`` cuts the columns into consecutive pieces: *digit arcs* (a piece of
``w`` columns, ``min_width <= w <= max_width``, read as one digit) and *space arcs* (one
column skipped) -- the segmentation graph of a graph transformer network (LeCun et al., 1998),
whose nodes are the cut points ``0 .. W`` and whose arcs are the pieces.

A recognition network gives each digit arc ``(s, w)`` ten energies ``e(s, w, c)``
(low = "these columns look like digit c"); a space arc costs ``space_cost`` times the
ink in its column.  The energy of a reading ``y`` with segmentation ``z`` is the sum over
the arcs of the path, and the latent segmentation is removed by a (soft) minimum:

.. math::

    F_\beta(x, y) = -\frac{1}{\beta}\log \sum_{z} e^{-\beta E(x, y, z)}
    \;\xrightarrow{\beta\to\infty}\; \min_z E(x, y, z),
    \qquad F_\beta(x) \text{ the same over } y \text{ and } z.

**A segmentation is a label sequence over the columns.**  Give every column a state: a
*space* column, the *first* column of a ``w``-wide digit arc, or a column *inside* an arc with
``r`` columns still to come.  Which state may follow which is a fixed transition matrix (0 for
allowed moves, ``+inf`` for the others); the arc energies are unary energies on the first
columns.  So both free energies, and reading ``argmin_{y, z} E``, are the chain dynamic
programme of :mod:`.dp` -- :func:`~energylab.structured.inference.free_energy` and
:func:`~energylab.structured.inference.viterbi` on this chain.  For ``F(x, y)`` the states
also count the digits read so far, so that digit ``k`` must be ``y_k`` and the path must end
after ``n_digits`` of them.

Training pushes ``F(x, y)`` of the correct string down and ``F(x)`` (all strings) up:
``L = F_beta(x, y) - F_beta(x) >= 0`` (NLL for finite ``beta``, the perceptron loss for
``beta=math.inf``, i.e. hard minima).  The image preprocessing (cutting pieces into 8x8
canvases) is :mod:`energylab.data.canvases`.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from .._checks import check_beta, check_like, check_positive_float, check_positive_int, check_tensor, describe
from ..data.canvases import segment_canvases
from .chain import PAD, Sparse, check_lengths
from .inference import free_energy, viterbi
from .semiring import Semiring

__all__ = ["Reading", "DigitStringReader", "string_accuracy"]


class Reading(NamedTuple):
    """A decoded string (Lecture 5 §5): ``labels`` (B, K) digits (``PAD`` after ``n_digits``),
    ``n_digits`` (B,), ``segments`` (B, K, 2) first / one-past-last column of each digit arc
    (``PAD`` padding), ``energy`` (B,)."""

    labels: torch.Tensor
    n_digits: torch.Tensor
    segments: torch.Tensor
    energy: torch.Tensor


class DigitStringReader(nn.Module):
    """A small graph-transformer-style recogniser for strings of 8x8 digits (Lecture 5 §5).

    ``net`` maps an 8x8 canvas (64 pixels) to 10 digit energies.  Digit arcs have widths
    ``min_width .. max_width`` (<= 8); space arcs cost ``space_cost * ink``.
    """

    def __init__(self, hidden: int = 64, *, min_width: int = 2, max_width: int = 8, space_cost: float = 4.0):
        super().__init__()
        check_positive_int("hidden", hidden)
        check_positive_int("min_width", min_width)
        check_positive_int("max_width", max_width)
        if max_width > 8:
            raise ValueError(f"max_width: expected at most 8 (the width of a canvas), got {max_width}")
        if min_width > max_width:
            raise ValueError(f"min_width: expected at most max_width={max_width}, got {min_width}")
        self.widths = list(range(min_width, max_width + 1))
        self.space_cost = check_positive_float("space_cost", space_cost, allow_zero=True)
        self.net = nn.Sequential(nn.Flatten(-2), nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))

    # ----- arc energies ---------------------------------------------------------------
    def digit_energies(self, canvases: torch.Tensor) -> torch.Tensor:
        """Energies of the ten digits for canvases (..., 8, 8): (..., 10) (Lecture 5 §5)."""
        check_tensor("canvases", canvases, last_dim=8)
        weight = self.net[1].weight
        if canvases.dtype != weight.dtype or canvases.device != weight.device:
            raise TypeError(f"canvases: expected dtype {weight.dtype} on {weight.device} like the reader's network "
                            f"(convert the images, or the reader with .to()), got {describe(canvases)}")
        if canvases.dim() < 2 or canvases.shape[-2] != 8:
            raise ValueError(f"canvases: expected shape (..., 8, 8), got {describe(canvases)}")
        return self.net(canvases)

    def arc_energies(self, images: torch.Tensor):
        """``digit`` (B, W, nW, 10) energies of every digit arc, ``space`` (B, W) of every space arc
        (Lecture 5 §5)."""
        check_like("images", check_tensor("images", images, ndim=3), self.net[1].weight, "the reader's network")
        digit = self.digit_energies(segment_canvases(images, self.widths))
        space = self.space_cost * images.sum(dim=1)
        return digit, space

    # ----- free energies and reading: the chain DP over columns ------------------------
    def free_energy(self, images, widths, labels=None, n_digits=None, *, beta: float = math.inf):
        r"""``F_beta(x)`` (``labels=None``) or ``F_beta(x, y)``: (B,) (Lecture 5 §5).  ``beta=math.inf``
        = hard min."""
        widths = self._check_images(images, widths)
        beta = check_beta("beta", beta)
        digit, space = self.arc_energies(images)
        if labels is None:
            unary, transitions, start, end = self._reading_chain(Semiring(beta).sum(digit, -1), space)
            return free_energy(unary, transitions, widths, beta=beta, start=start, end=end)
        labels, n_digits = _check_string(labels, n_digits, images.shape[0], images.device)
        unary, transitions, start = self._string_chain(digit, space, widths, labels, n_digits)
        return free_energy(unary, transitions, widths, beta=beta, start=start)

    def loss(self, images, widths, labels, n_digits, *, beta: float = 1.0) -> torch.Tensor:
        """Mean of ``F_beta(x, y) - F_beta(x)`` (NLL; perceptron when ``beta=math.inf``) (Lecture 5 §5)."""
        correct = self.free_energy(images, widths, labels, n_digits, beta=beta)
        return (correct - self.free_energy(images, widths, beta=beta)).mean()

    @torch.no_grad()
    def read(self, images, widths) -> Reading:
        """``argmin_{y, z} E(x, y, z)``: Viterbi on the column states, then the digit arcs of the path
        (Lecture 5 §5)."""
        widths = self._check_images(images, widths)
        digit, space = self.arc_energies(images)
        best_energy, best_digit = digit.min(dim=-1)                          # (B, W, nW)
        unary, transitions, start, end = self._reading_chain(best_energy, space)
        states, energy = viterbi(unary, transitions, widths, start=start, end=end)
        n_widths = len(self.widths)
        first = (states >= 1) & (states <= n_widths)                         # first column of a digit arc
        arc = (states - 1).clamp(0, n_widths - 1)                            # its width index
        rows, cols = first.nonzero(as_tuple=True)
        count = first.sum(1)
        k = max(int(count.max()) if len(count) else 0, 1)               # (an empty batch reads nothing)
        slot = (first.cumsum(1) - 1)[rows, cols]                             # which digit of the string
        labels = torch.full((len(count), k), PAD, dtype=torch.long, device=space.device)
        segments = torch.full((len(count), k, 2), PAD, dtype=torch.long, device=space.device)
        labels[rows, slot] = best_digit[rows, cols, arc[rows, cols]]
        width = torch.tensor(self.widths, device=space.device)[arc[rows, cols]]
        segments[rows, slot] = torch.stack([cols, cols + width], 1)
        return Reading(labels, count, segments, energy)

    # ----- the chains --------------------------------------------------------------------
    def _arc_states(self, offset: int):
        """The states of one digit arc, numbered from ``offset``: ``first[i]`` (first column of
        a ``widths[i]``-wide arc), then ``inside r`` (r = 0 .. max_width - 2 columns to come).
        Returns the first states, the states that end an arc, and the moves inside an arc."""
        n_w, max_w = len(self.widths), self.widths[-1]
        first = [offset + i for i in range(n_w)]
        inside = [offset + n_w + r for r in range(max_w - 1)]
        moves = [(first[i], inside[w - 2]) for i, w in enumerate(self.widths) if w >= 2]
        moves += [(inside[r], inside[r - 1]) for r in range(1, max_w - 1)]
        ends = [first[i] for i, w in enumerate(self.widths) if w == 1] + inside[:1]
        return first, ends, moves

    def _n_arc_states(self) -> int:
        return len(self.widths) + self.widths[-1] - 1

    def _arc_unary(self, first_energies: torch.Tensor) -> torch.Tensor:
        """Unary energies of one arc's states: ``first_energies`` (..., nW) then zeros inside."""
        inside = first_energies.new_zeros(*first_energies.shape[:-1], self.widths[-1] - 1)
        return torch.cat([first_energies, inside], -1)

    def _reading_chain(self, arc_energy, space):
        """Column states for ``F(x)`` and reading: 0 = space, then one arc's states.
        ``arc_energy`` (B, W, nW) per first column (min or softmin over the digits)."""
        first, ends, moves = self._arc_states(1)
        n = 1 + self._n_arc_states()
        free = [0] + ends                                                    # after these a new arc may start
        moves += [(a, 0) for a in free] + [(a, f) for a in free for f in first]
        transitions = Sparse.from_moves(n, moves, space)
        start = _allowed_states(n, [0] + first, space)
        end = _allowed_states(n, free, space)
        unary = torch.cat([space.unsqueeze(2), self._arc_unary(arc_energy)], 2)
        return unary, transitions, start, end

    def _string_chain(self, digit, space, widths, labels, n_digits):
        """Column states for ``F(x, y)``: ``space k`` (k digits read, k = 0 .. K) then one arc's
        states for each digit ``k = 1 .. K``, whose first columns cost ``e(s, w, y_k)``.  The end
        of sequence ``b`` (column ``widths[b] - 1``) must be ``space n_b`` or the end of digit ``n_b``."""
        b, n_cols = space.shape
        k_max = labels.shape[1]
        d = self._n_arc_states()
        arcs = [self._arc_states(k_max + 1 + k * d) for k in range(k_max)]  # digit k + 1
        moves = [(k, k) for k in range(k_max + 1)]
        done = [[k] for k in range(k_max + 1)]                               # states with k digits read
        for k, (first, ends, inside) in enumerate(arcs):
            moves += inside + [(s, f) for s in done[k] for f in first] + [(e, k + 1) for e in ends]
            done[k + 1] = done[k + 1] + ends
        n = k_max + 1 + k_max * d
        transitions = Sparse.from_moves(n, moves, space)
        start = _allowed_states(n, done[0] + (arcs[0][0] if arcs else []), space)
        ends_of = torch.stack([_allowed_states(n, done[k], space) for k in range(k_max + 1)])   # (K+1, C)
        safe = torch.where(labels == PAD, 0, labels)
        e_y = digit.gather(3, safe[:, None, None, :].expand(b, n_cols, len(self.widths), k_max))  # (B, W, nW, K)
        per_digit = self._arc_unary(e_y.transpose(2, 3)).flatten(2)          # (B, W, K * D)
        unary = torch.cat([space.unsqueeze(2).expand(b, n_cols, k_max + 1), per_digit], 2)
        last = torch.arange(n_cols, device=space.device) == (widths - 1).unsqueeze(1)   # (B, W)
        unary = unary + torch.where(last.unsqueeze(2), ends_of[n_digits].unsqueeze(1), 0.0)
        return unary, transitions, start

    # ----- argument checks -----------------------------------------------------------------
    def _check_images(self, images, widths) -> torch.Tensor:
        """``images`` (B, 8, W) floating and ``widths`` (B,) integers in [1, W]: the widths."""
        check_tensor("images", images, ndim=3)
        if images.shape[1] != 8:
            raise ValueError(f"images: expected shape (B, 8, W), got {describe(images)}")
        return check_lengths(widths, images.shape[0], images.shape[2], images.device, name="widths")


def _check_string(labels, n_digits, b: int, device):
    """``labels`` (B, K) digits in [0, 9] before ``n_digits`` (B,) in [0, K] (anything after):
    both on ``device``."""
    for name, value, ndim in (("labels", labels, 2), ("n_digits", n_digits, 1)):
        if not isinstance(value, torch.Tensor) or value.is_floating_point() or value.dtype == torch.bool \
                or value.dim() != ndim or value.shape[0] != b:
            raise TypeError(f"{name}: expected an integer tensor with {ndim} dimension(s) and {b} rows, "
                            f"got {describe(value)}")
    labels, n_digits = labels.to(device), n_digits.to(device)
    k = labels.shape[1]
    if b and (int(n_digits.min()) < 0 or int(n_digits.max()) > k):
        raise ValueError(f"n_digits: expected values in [0, {k}] (labels has {k} columns), got {n_digits.tolist()}")
    valid = torch.arange(k, device=labels.device) < n_digits.unsqueeze(1)
    if bool((valid & ((labels < 0) | (labels > 9))).any()):
        raise ValueError(f"labels: expected digits in [0, 9] before n_digits (PAD after), got {labels.tolist()}")
    return labels, n_digits


def _allowed_states(n: int, states, like: torch.Tensor) -> torch.Tensor:
    """An (n,) energy: 0 on ``states``, ``+inf`` elsewhere."""
    vector = like.new_full((n,), math.inf)
    vector[list(states)] = 0.0
    return vector


def string_accuracy(reading: Reading, labels: torch.Tensor, n_digits: torch.Tensor) -> float:
    """Fraction of strings read exactly right (Lecture 5 §5): same number of digits, every digit right."""
    if not isinstance(reading, Reading):
        raise TypeError(f"reading: expected a Reading (from DigitStringReader.read), got {describe(reading)}")
    labels, n_digits = _check_string(labels, n_digits, reading.labels.shape[0], reading.labels.device)
    k = max(reading.labels.shape[1], labels.shape[1])
    ours = torch.nn.functional.pad(reading.labels, (0, k - reading.labels.shape[1]), value=PAD)
    truth = torch.nn.functional.pad(labels, (0, k - labels.shape[1]), value=PAD)
    same = (ours == truth).all(dim=1) & (reading.n_digits == n_digits)
    return float(same.float().mean())
