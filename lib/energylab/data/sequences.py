"""Synthetic sequence data for structured prediction (lecture 5, homework 3).

* :func:`grammar_sequences` -- 2-D observations whose labels follow a grammar, so that
  the neighbours of a position tell more about its label than its own observation;
* :func:`digit_strings` -- strings of 8x8 digits (scikit-learn's ``load_digits``, offline)
  pasted side by side with random gaps: reading them needs a latent segmentation.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from .._checks import check_generator, check_positive_float, check_positive_int, check_probability, describe
from ..structured import PAD
from .digits import load_digits

__all__ = ["SequenceData", "GRAMMAR_MEANS", "grammar_transitions", "grammar_sequences",
           "DigitStrings", "digit_strings", "digit_crops"]

#: Emission means of the four labels: 0 and 2 share the left half, 1 and 3 the right
#: half; the vertical offset separates the pairs only weakly.
GRAMMAR_MEANS = torch.tensor([[-1.0, 0.5], [1.0, 0.5], [-1.0, -0.5], [1.0, -0.5]])


class SequenceData(NamedTuple):
    """``x`` (B, N, D) observations, ``y`` (B, N) labels (``PAD`` after each length), ``lengths`` (B,).
    Lecture 5 §3, homework 3."""

    x: torch.Tensor
    y: torch.Tensor
    lengths: torch.Tensor


def grammar_transitions(stay: float = 0.6) -> torch.Tensor:
    """The grammar ``0 -> 1 -> 2 -> 3 -> 0`` with self-loops: P(y_{t+1} = j | y_t = i), (4, 4).
    Library only: the exact transition matrix behind grammar_sequences (Lecture 5 §3), for tests and exercises."""
    check_probability("stay", stay)
    p = torch.zeros(4, 4)
    for i in range(4):
        p[i, i] = stay
        p[i, (i + 1) % 4] = 1.0 - stay
    return p


def grammar_sequences(n: int, *, length: tuple[int, int] = (8, 20), noise: float = 0.6, stay: float = 0.6,
                      generator: torch.Generator | None = None) -> SequenceData:
    """``n`` label sequences from :func:`grammar_transitions` (uniform first label) with
    Gaussian observations ``x_t ~ N(GRAMMAR_MEANS[y_t], noise^2 I)``.  Lengths are uniform
    in ``length = (shortest, longest)``; ``x`` is zero and ``y`` is ``PAD`` after the end.  Lecture 5 §3, homework 3."""
    check_positive_int("n", n)
    if (not isinstance(length, tuple) or len(length) != 2 or not all(isinstance(v, int) for v in length)
            or not 1 <= length[0] <= length[1]):
        raise ValueError(f"length: expected a tuple (shortest, longest) with 1 <= shortest <= longest, "
                         f"got {describe(length)}")
    check_positive_float("noise", noise)
    check_probability("stay", stay)
    if not 0.0 <= stay < 1.0:
        raise ValueError(f"stay: expected a probability in [0, 1), got {describe(stay)}")
    check_generator("generator", generator)
    longest = length[1]
    trans = grammar_transitions(stay)
    y = torch.empty(n, longest, dtype=torch.long)
    y[:, 0] = torch.randint(0, 4, (n,), generator=generator)
    for t in range(1, longest):                                    # sample all chains at once
        y[:, t] = torch.multinomial(trans[y[:, t - 1]], 1, generator=generator).squeeze(1)
    x = GRAMMAR_MEANS[y] + noise * torch.randn(n, longest, 2, generator=generator)
    lengths = torch.randint(length[0], longest + 1, (n,), generator=generator)
    mask = torch.arange(longest)[None] < lengths[:, None]
    return SequenceData(x * mask[..., None], y.masked_fill(~mask, PAD), lengths)


def digit_crops(split: str = "train"):
    """The 8x8 digits cropped to their inked columns: a list of (8, w) float tensors in
    [0, 1] and a label tensor.  ``split``: ``"train"`` (first 1200 digits) or ``"test"``.  Lecture 5 §5."""
    if split not in ("train", "test"):
        raise ValueError(f"split: expected 'train' or 'test', got {describe(split)}")
    images, labels = load_digits("unit")
    images, labels = images.reshape(-1, 8, 8).numpy(), labels.numpy()
    part = slice(0, 1200) if split == "train" else slice(1200, None)
    crops = []
    for image in images[part]:
        inked = np.nonzero(image.sum(0) > 0.3)[0]
        crops.append(torch.from_numpy(image[:, inked[0]:inked[-1] + 1].copy()))
    return crops, torch.from_numpy(labels[part].copy())


class DigitStrings(NamedTuple):
    """``images`` (B, 8, W) zero-padded on the right, ``widths`` (B,) used columns,
    ``labels`` (B, K) digits (``PAD`` after ``n_digits``), ``n_digits`` (B,),
    ``segments`` (B, K, 2) first and one-past-last column of each digit (``PAD`` padding).  Lecture 5 §5."""

    images: torch.Tensor
    widths: torch.Tensor
    labels: torch.Tensor
    n_digits: torch.Tensor
    segments: torch.Tensor


def digit_strings(n: int, *, n_digits: tuple[int, int] = (2, 4), gap: tuple[int, int] = (0, 2),
                  split: str = "train", generator: torch.Generator | None = None) -> DigitStrings:
    """``n`` strings of ``n_digits`` (inclusive range) cropped 8x8 digits separated by
    ``gap`` (inclusive range) blank columns, with one blank column at each end.
    A gap of 0 makes two digits touch: the segmentation must then be inferred.  Lecture 5 §5."""
    check_positive_int("n", n)
    for name, pair, low in (("n_digits", n_digits, 1), ("gap", gap, 0)):
        ints = isinstance(pair, tuple) and len(pair) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in pair)
        if not ints or not low <= pair[0] <= pair[1]:
            raise ValueError(f"{name}: expected a tuple of ints (low, high) with {low} <= low <= high, got {describe(pair)}")
    check_generator("generator", generator)
    crops, labels = digit_crops(split)
    counts = torch.randint(n_digits[0], n_digits[1] + 1, (n,), generator=generator)
    picks = torch.randint(0, len(crops), (n, n_digits[1]), generator=generator)
    gaps = torch.randint(gap[0], gap[1] + 1, (n, n_digits[1]), generator=generator)
    k = n_digits[1]
    out_labels = torch.full((n, k), PAD, dtype=torch.long)
    segments = torch.full((n, k, 2), PAD, dtype=torch.long)
    columns, widths = [], torch.zeros(n, dtype=torch.long)
    for b in range(n):                                             # data assembly only (not a model)
        parts, pos = [torch.zeros(8, 1)], 1
        for d in range(int(counts[b])):
            if d > 0:
                parts.append(torch.zeros(8, int(gaps[b, d])))
                pos += int(gaps[b, d])
            crop = crops[int(picks[b, d])]
            segments[b, d] = torch.tensor([pos, pos + crop.shape[1]])
            out_labels[b, d] = labels[int(picks[b, d])]
            parts.append(crop)
            pos += crop.shape[1]
        parts.append(torch.zeros(8, 1))
        columns.append(torch.cat(parts, dim=1))
        widths[b] = pos + 1
    images = torch.zeros(n, 8, int(widths.max()))
    for b, image in enumerate(columns):
        images[b, :, : image.shape[1]] = image
    return DigitStrings(images, widths, out_labels, counts, segments)
