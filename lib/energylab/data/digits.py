"""scikit-learn's 8x8 digits, offline: the one loader (Lecture 6 §6, Lecture 7 §1, Lecture 8 §2,
Lecture 12 §3) and the image-completion split of lecture 6 and homework 4.

:func:`load_digits` returns the 1797 images as rows of 64 pixels in one of four named
scalings of the raw ink counts ``c ∈ {0, ..., 16}`` (:data:`SCALINGS`):

* ``"binary"``: ``1[c > 7]`` in {0, 1} (RBMs, lecture 8);
* ``"unit"``: ``c / 16`` in [0, 1] (image completion, lecture 6; digit strings, lecture 5);
* ``"spins"``: ``2·1[c > 7] − 1`` in {−1, +1} (Hopfield patterns, lecture 7);
* ``"symmetric"``: ``c / 8 − 1`` in [−1, 1] (JEM and SGLD, lecture 12).

For completion each 8x8 image is split by a boolean ``hidden`` region (True = hidden pixel; the
word ``mask`` is kept for the valid positions of padded chains) into

* ``x``: the visible pixels (the input ``X``), shape (N, number of visible pixels);
* ``y``: the hidden pixels (the output ``Y`` to complete), shape (N, number of hidden pixels),

both in reading order (row by row) and scaled to [0, 1].  With the default region (the
bottom half hidden) completions are genuinely ambiguous: the top half of a 9 is also the
top of an 8, a 3 or a 5, so several bottoms fit one ``x`` and the mean of them is a blur.
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
import torch

from .._checks import check_device, check_dtype, check_generator, check_like, check_tensor, describe

__all__ = ["SCALINGS", "Digits", "load_digits", "HIDDEN_REGIONS", "InpaintingData", "hidden_pixels", "split_images",
           "join_images", "digits_inpainting"]

#: The named pixel scalings of :func:`load_digits`, from the raw ink counts c in 0..16.
#: Library only: the names load_digits accepts (its error message and the tests list them).
SCALINGS = {
    "binary": "1[c > 7] in {0, 1}",
    "unit": "c / 16 in [0, 1]",
    "spins": "2 * 1[c > 7] - 1 in {-1, +1}",
    "symmetric": "c / 8 - 1 in [-1, 1]",
}


class Digits(NamedTuple):
    """The 8x8 digits: ``images`` (1797, 64) scaled as asked, ``labels`` (1797,) int64 in 0..9.
    Lecture 7 §3, Lecture 8 §1, Lecture 12 §3 (what load_digits returns)."""

    images: torch.Tensor
    labels: torch.Tensor


@lru_cache(maxsize=1)
def _raw_digits() -> tuple[np.ndarray, np.ndarray]:
    """The raw ink counts (1797, 64) int64 and labels, read once from scikit-learn's bundled file."""
    from sklearn.datasets import load_digits as sklearn_load_digits

    digits = sklearn_load_digits()
    return digits.data.astype(np.int64), digits.target.astype(np.int64)


def load_digits(scaling: str = "unit", *, dtype: torch.dtype = torch.float32, device=None) -> Digits:
    """The 1797 digits of ``sklearn.datasets.load_digits`` (offline), pixels in one of the
    :data:`SCALINGS`: ``"binary"``, ``"unit"``, ``"spins"`` or ``"symmetric"``.

    Rows are images in reading order; ``images.reshape(-1, 8, 8)`` gives the pictures.
    Lecture 6 §6 (``unit``), Lecture 7 §1 (``unit``, thresholded class means),
    Lecture 8 §2 (``binary``), Lecture 12 §3 (``symmetric``).
    """
    dtype, device = check_dtype("dtype", dtype), check_device("device", device)
    if scaling not in SCALINGS:
        raise ValueError(f"scaling: expected one of {sorted(SCALINGS)}, got {describe(scaling)}")
    counts, labels = _raw_digits()
    counts = torch.from_numpy(counts)
    if scaling == "binary":
        images = (counts > 7).to(dtype)
    elif scaling == "spins":
        images = 2 * (counts > 7).to(dtype) - 1
    elif scaling == "unit":
        images = counts.to(dtype) / 16
    else:
        images = counts.to(dtype) / 8 - 1
    return Digits(images.to(device), torch.from_numpy(labels.copy()).to(device))

#: Named hidden regions: which 8x8 block to hide (Lecture 6 §6, homework 4).
#: Library only: the names hidden_pixels accepts (its error message and the tests list them).
HIDDEN_REGIONS = {
    "bottom": (slice(4, 8), slice(0, 8)),
    "top": (slice(0, 4), slice(0, 8)),
    "left": (slice(0, 8), slice(0, 4)),
    "right": (slice(0, 8), slice(4, 8)),
    "center": (slice(2, 6), slice(2, 6)),
}


class InpaintingData(NamedTuple):
    """A train/test split of the digits, cut into visible ``x`` and hidden ``y`` (Lecture 6 §6, homework 4).

    Shapes: ``x_*`` (N, n_visible), ``y_*`` (N, n_hidden), ``label_*`` (N,) int64,
    ``hidden`` (8, 8) bool with True on the hidden pixels.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    label_train: torch.Tensor
    label_test: torch.Tensor
    hidden: torch.Tensor


def hidden_pixels(hidden="bottom") -> torch.Tensor:
    """An (8, 8) bool tensor, True on hidden pixels, from a name of :data:`HIDDEN_REGIONS` or an
    (8, 8) bool tensor (checked).  Lecture 6 §6.
    Library only: turns a region name into pixels for split/join_images and plot_completions (Lecture 6 §6)."""
    if isinstance(hidden, str):
        if hidden not in HIDDEN_REGIONS:
            raise ValueError(f"hidden: expected one of {sorted(HIDDEN_REGIONS)} or an (8, 8) bool tensor, "
                             f"got {hidden!r}")
        out = torch.zeros(8, 8, dtype=torch.bool)
        out[HIDDEN_REGIONS[hidden]] = True
        return out
    if not isinstance(hidden, torch.Tensor) or hidden.dtype != torch.bool:
        raise TypeError(f"hidden: expected a region name or an (8, 8) bool tensor, got {describe(hidden)}")
    if hidden.shape != (8, 8):
        raise ValueError(f"hidden: expected shape (8, 8), got {describe(hidden)}")
    if hidden.all() or not hidden.any():
        raise ValueError("hidden: expected some hidden and some visible pixels, got all of one kind")
    return hidden


def split_images(images: torch.Tensor, hidden="bottom") -> tuple[torch.Tensor, torch.Tensor]:
    """Cut images (N, 8, 8) or (N, 64) into visible ``x`` (N, n_visible) and hidden ``y`` (N, n_hidden).
    Lecture 6 §6.
    Library only: the cut inside digits_inpainting (Lecture 6 §6), the inverse of join_images."""
    check_tensor("images", images, ndim=(2, 3))
    if images.shape[1:] not in ((8, 8), (64,)):
        raise ValueError(f"images: expected shape (N, 8, 8) or (N, 64), got {describe(images)}")
    hidden = hidden_pixels(hidden).reshape(64).to(images.device)
    flat = images.reshape(images.shape[0], 64)
    return flat[:, ~hidden], flat[:, hidden]


def join_images(x: torch.Tensor, y: torch.Tensor, hidden="bottom") -> torch.Tensor:
    """Put visible ``x`` and hidden ``y`` back together into images (N, 8, 8).  Lecture 6 §6, homework 4."""
    check_tensor("x", x, ndim=2)
    hidden = hidden_pixels(hidden).reshape(64).to(x.device)
    n_hidden = int(hidden.sum())
    check_tensor("x", x, ndim=2, last_dim=64 - n_hidden)
    check_like("y", check_tensor("y", y, ndim=2, last_dim=n_hidden), x, "x")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"y: expected {x.shape[0]} rows like x, got {describe(y)}")
    flat = x.new_zeros(x.shape[0], 64)
    flat[:, ~hidden] = x
    flat[:, hidden] = y.to(x.dtype)
    return flat.reshape(-1, 8, 8)


def digits_inpainting(hidden="bottom", *, test_fraction: float = 0.25, scaling: str = "unit",
                      generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                      device=None) -> InpaintingData:
    """The 1797 digits of ``sklearn.datasets.load_digits``, pixels scaled to [0, 1] (``scaling``
    ``"unit"``, or ``"binary"`` for the binary outputs of Lecture 9 §4), split at random
    (``generator``) into train and test sets and cut by the ``hidden`` region (a name of
    :data:`HIDDEN_REGIONS` or an (8, 8) bool tensor, True = hidden).  Lecture 6 §6, Lecture 9 §4,
    homework 4."""
    if not isinstance(test_fraction, (int, float)) or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction: expected a number in (0, 1), got {describe(test_fraction)}")
    if scaling not in ("unit", "binary"):
        raise ValueError(f"scaling: expected 'unit' or 'binary' (pixels in [0, 1]), got {describe(scaling)}")
    check_generator("generator", generator)
    device = check_device("device", device)
    hidden = hidden_pixels(hidden)
    images, labels = load_digits(scaling, dtype=dtype)                              # (1797, 64), (1797,)
    order = torch.randperm(images.shape[0], generator=generator)
    n_test = int(round(test_fraction * images.shape[0]))
    test, train = order[:n_test], order[n_test:]
    images, labels = images.to(device), labels.to(device)
    x, y = split_images(images, hidden)
    train, test = train.to(images.device), test.to(images.device)
    return InpaintingData(x[train], y[train], x[test], y[test], labels[train], labels[test], hidden)
