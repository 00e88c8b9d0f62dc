r"""Latent segmentation: reading a string of digits without knowing where they are.

An image ``x`` (8 rows, ``W`` columns) holds a few handwritten digits side by side.  A
**segmentation** ``z`` cuts the columns into consecutive pieces: *digit arcs* (a piece of
``w`` columns, ``min_width <= w <= max_width``, read as one digit) and *space arcs* (one
column skipped).  Cut points ``0 .. W`` are the nodes of a graph, pieces are its arcs --
the segmentation graph of a graph transformer network (LeCun et al., 1998).

A recognition network gives each digit arc ``(s, w)`` ten energies ``e(s, w, c)``
(low = "these columns look like digit c"); a space arc costs ``space_cost`` times the
ink in its column.  The energy of a reading ``y`` with segmentation ``z`` is the sum over
the arcs of the path, and the latent segmentation is removed by a (soft) minimum:

.. math::

    F_\beta(x, y) = -\frac{1}{\beta}\log \sum_{z} e^{-\beta E(x, y, z)}
    \;\xrightarrow{\beta\to\infty}\; \min_z E(x, y, z),
    \qquad F_\beta(x) \text{ the same over } y \text{ and } z.

Both are dynamic programmes over the cut points (one loop over columns, batched).
Reading = ``argmin_{y, z} E``; training pushes ``F(x, y)`` of the correct string down and
``F(x)`` (all strings) up: ``L = F_beta(x, y) - F_beta(x) >= 0`` (NLL for finite ``beta``,
the perceptron loss for ``beta = None``, i.e. hard minima).
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from .._checks import check_positive_float, check_positive_int, check_tensor, describe

__all__ = ["Reading", "centre_canvas", "segment_canvases", "DigitStringReader", "string_accuracy"]

#: Energy of an impossible partial path: finite so that soft minima keep finite gradients.
UNREACHABLE = 1e9


class Reading(NamedTuple):
    """A decoded string: ``labels`` (B, K) digits (``-1`` padding), ``n_digits`` (B,),
    ``segments`` (B, K, 2) first / one-past-last column of each digit arc, ``energy`` (B,)."""

    labels: torch.Tensor
    n_digits: torch.Tensor
    segments: torch.Tensor
    energy: torch.Tensor


def centre_canvas(crop: torch.Tensor) -> torch.Tensor:
    """Place an (8, w) crop, ``w <= 8``, in the middle of an 8x8 canvas: (8, 8)."""
    check_tensor("crop", crop, ndim=2)
    w = crop.shape[1]
    if crop.shape[0] != 8 or not 1 <= w <= 8:
        raise ValueError(f"crop: expected shape (8, w) with 1 <= w <= 8, got {describe(crop)}")
    canvas = crop.new_zeros(8, 8)
    left = (8 - w) // 2
    canvas[:, left:left + w] = crop
    return canvas


def segment_canvases(images: torch.Tensor, widths) -> torch.Tensor:
    """Every candidate piece ``images[:, :, s:s+w]``, centred in an 8x8 canvas like
    :func:`centre_canvas`: (B, W, len(widths), 8, 8) for start ``s`` and width ``widths[i]``."""
    b, rows, n_cols = images.shape
    padded = torch.nn.functional.pad(images, (0, max(widths) + 1))   # last column is blank
    blank = padded.shape[2] - 1
    s = torch.arange(n_cols, device=images.device)[:, None, None]    # (W, 1, 1)
    w = torch.tensor(widths, device=images.device)[None, :, None]    # (1, nW, 1)
    k = torch.arange(8, device=images.device)[None, None, :]         # (1, 1, 8) canvas column
    inside = k - (8 - w) // 2                                        # column inside the piece
    source = torch.where((inside >= 0) & (inside < w), s + inside, torch.full_like(inside, blank))
    return padded[:, :, source].permute(0, 2, 3, 1, 4)              # (B, W, nW, 8, 8)


def _softmin(values: torch.Tensor, dim: int, beta: float | None) -> torch.Tensor:
    """``min`` (``beta=None``) or ``-(1/beta) logsumexp(-beta values)`` along ``dim``."""
    if beta is None:
        return values.min(dim=dim).values
    return -torch.logsumexp(-beta * values, dim=dim) / beta


class DigitStringReader(nn.Module):
    """A small graph-transformer-style recogniser for strings of 8x8 digits.

    ``net`` maps an 8x8 canvas (64 pixels) to 10 digit energies.  Digit arcs have widths
    ``min_width .. max_width`` (<= 8); space arcs cost ``space_cost * ink``.
    """

    def __init__(self, hidden: int = 64, *, min_width: int = 2, max_width: int = 8, space_cost: float = 4.0):
        super().__init__()
        check_positive_int("hidden", hidden)
        check_positive_int("min_width", min_width)
        check_positive_int("max_width", max_width)
        if not min_width <= max_width <= 8:
            raise ValueError(f"max_width: expected min_width={min_width} <= max_width <= 8, got {max_width}")
        self.widths = list(range(min_width, max_width + 1))
        self.space_cost = check_positive_float("space_cost", space_cost, allow_zero=True)
        self.net = nn.Sequential(nn.Flatten(-2), nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))

    # ----- arc energies ---------------------------------------------------------------
    def digit_energies(self, canvases: torch.Tensor) -> torch.Tensor:
        """Energies of the ten digits for canvases (..., 8, 8): (..., 10)."""
        return self.net(canvases)

    def arc_energies(self, images: torch.Tensor):
        """``digit`` (B, W, nW, 10) energies of every digit arc, ``space`` (B, W) of every space arc."""
        check_tensor("images", images, ndim=3)
        if images.shape[1] != 8:
            raise ValueError(f"images: expected shape (B, 8, W), got {describe(images)}")
        digit = self.digit_energies(segment_canvases(images, self.widths))
        space = self.space_cost * images.sum(dim=1)
        return digit, space

    # ----- dynamic programmes on the segmentation graph -------------------------------
    def _check_widths(self, images, widths):
        if not isinstance(widths, torch.Tensor) or widths.is_floating_point() or widths.shape != images.shape[:1]:
            raise ValueError(f"widths: expected an integer tensor of shape ({images.shape[0]},), got {describe(widths)}")
        if int(widths.min()) < 1 or int(widths.max()) > images.shape[2]:
            raise ValueError(f"widths: expected values in [1, {images.shape[2]}], got {widths.tolist()}")
        return widths.to(images.device)

    def free_energy(self, images, widths, labels=None, n_digits=None, *, beta: float | None = None):
        r"""``F_beta(x)`` (``labels=None``) or ``F_beta(x, y)``: (B,).  ``beta=None`` = hard min."""
        widths = self._check_widths(images, widths)
        if beta is not None:
            beta = check_positive_float("beta", beta)
        digit, space = self.arc_energies(images)
        if labels is None:
            return self._free_all(digit, space, widths, beta)
        if n_digits is None or labels.shape[0] != images.shape[0]:
            raise ValueError(f"n_digits: expected a (B,) tensor with labels (B, K), got {describe(n_digits)}")
        return self._free_given(digit, space, widths, labels, n_digits.to(images.device), beta)

    def _free_all(self, digit, space, widths, beta):
        """``G[p] = softmin(G[p-1] + space[p-1], G[p-w] + softmin_c e(p-w, w, c))``."""
        per_arc = _softmin(digit, -1, beta)                                  # (B, W, nW)
        g = [space.new_zeros(space.shape[0])]
        for p in range(1, space.shape[1] + 1):
            cands = [g[p - 1] + space[:, p - 1]]
            for i, w in enumerate(self.widths):
                cands.append(g[p - w] + per_arc[:, p - w, i] if p >= w else torch.full_like(g[0], UNREACHABLE))
            g.append(_softmin(torch.stack(cands, 1), 1, beta))
        return torch.stack(g, 1).gather(1, widths[:, None]).squeeze(1)

    def _free_given(self, digit, space, widths, labels, n_digits, beta):
        """``H[p, k] = softmin(H[p-1, k] + space[p-1], H[p-w, k-1] + e(p-w, w, y_k))``."""
        b, k = labels.shape
        index = labels.clamp(min=0)[:, None, None, :].expand(-1, digit.shape[1], digit.shape[2], -1)
        e_y = digit.gather(3, index)                                         # (B, W, nW, K)
        wall = space.new_full((b, 1), UNREACHABLE)
        h = [torch.cat([space.new_zeros(b, 1), space.new_full((b, k), UNREACHABLE)], 1)]  # (B, K+1)
        for p in range(1, space.shape[1] + 1):
            cands = [h[p - 1] + space[:, p - 1, None]]
            for i, w in enumerate(self.widths):
                if p >= w:
                    cands.append(torch.cat([wall, h[p - w][:, :-1] + e_y[:, p - w, i]], 1))
            h.append(_softmin(torch.stack(cands, 2), 2, beta))
        table = torch.stack(h, 1)                                            # (B, W+1, K+1)
        at_end = table.gather(1, widths[:, None, None].expand(-1, 1, k + 1)).squeeze(1)
        return at_end.gather(1, n_digits[:, None]).squeeze(1)

    def loss(self, images, widths, labels, n_digits, *, beta: float | None = 1.0) -> torch.Tensor:
        """Mean of ``F_beta(x, y) - F_beta(x)`` (NLL; perceptron when ``beta=None``)."""
        correct = self.free_energy(images, widths, labels, n_digits, beta=beta)
        return (correct - self.free_energy(images, widths, beta=beta)).mean()

    @torch.no_grad()
    def read(self, images, widths) -> Reading:
        """``argmin_{y, z} E(x, y, z)``: Viterbi on the segmentation graph and a batched backtrace."""
        widths = self._check_widths(images, widths)
        digit, space = self.arc_energies(images)
        best_e, best_c = digit.min(dim=-1)                                   # (B, W, nW)
        b, n_cols = space.shape
        g, choice = [space.new_zeros(b)], [torch.zeros(b, dtype=torch.long, device=space.device)]
        for p in range(1, n_cols + 1):
            cands = [g[p - 1] + space[:, p - 1]]
            for i, w in enumerate(self.widths):
                cands.append(g[p - w] + best_e[:, p - w, i] if p >= w else torch.full_like(g[0], UNREACHABLE))
            value, arg = torch.stack(cands, 1).min(dim=1)                     # arg 0 = space, 1 + i = digit
            g.append(value)
            choice.append(arg)
        choice = torch.stack(choice, 1)                                      # (B, W+1)
        energy = torch.stack(g, 1).gather(1, widths[:, None]).squeeze(1)
        width_of = torch.tensor([1] + self.widths, device=space.device)
        rows = torch.arange(b, device=space.device)
        pos, count = widths.clone(), torch.zeros_like(widths)
        rev_labels = torch.full((b, n_cols + 1), -1, dtype=torch.long, device=space.device)
        rev_segments = torch.full((b, n_cols + 1, 2), -1, dtype=torch.long, device=space.device)
        for _ in range(n_cols):                                              # walk back, all rows at once
            arc = choice[rows, pos]
            step = width_of[arc]
            is_digit = (pos > 0) & (arc > 0)
            startcol = (pos - step).clamp(min=0)
            label = best_c[rows, startcol.clamp(max=n_cols - 1), (arc - 1).clamp(min=0)]
            slot = torch.where(is_digit, count, torch.full_like(count, n_cols))  # dummy slot when not a digit
            rev_labels[rows, slot] = label
            rev_segments[rows, slot] = torch.stack([startcol, pos], 1)
            count = count + is_digit.long()
            pos = torch.where(pos > 0, pos - step, pos)
        k = max(int(count.max()), 1)
        i = torch.arange(k, device=space.device)[None]
        source = (count[:, None] - 1 - i).clamp(min=0)                      # reverse the first `count` slots
        valid = i < count[:, None]
        labels = torch.where(valid, rev_labels.gather(1, source), torch.full_like(source, -1))
        segments = torch.where(valid[..., None], rev_segments.gather(1, source[..., None].expand(-1, -1, 2)),
                               torch.full((b, k, 2), -1, dtype=torch.long, device=space.device))
        return Reading(labels, count, segments, energy)


def string_accuracy(reading: Reading, labels: torch.Tensor, n_digits: torch.Tensor) -> float:
    """Fraction of strings read exactly right (same number of digits, every digit right)."""
    k = max(reading.labels.shape[1], labels.shape[1])
    ours = torch.nn.functional.pad(reading.labels, (0, k - reading.labels.shape[1]), value=-1)
    truth = torch.nn.functional.pad(labels.to(ours.device), (0, k - labels.shape[1]), value=-1)
    same = (ours == truth).all(dim=1) & (reading.n_digits == n_digits.to(ours.device))
    return float(same.float().mean())
