"""Cutting digit-string images into 8x8 canvases for a recogniser (Lecture 5 §5).

The digit-string reader of :mod:`energylab.structured.segmentation` reads every candidate
piece of an image with a network trained on centred 8x8 digits; these functions turn a piece
of ``w`` columns into such a canvas.  The strings themselves come from
:func:`energylab.data.sequences.digit_strings`.
"""
from __future__ import annotations

import torch

from .._checks import check_tensor, describe

__all__ = ["centre_canvas", "segment_canvases"]


def centre_canvas(crop: torch.Tensor) -> torch.Tensor:
    """Place an (8, w) crop, ``w <= 8``, in the middle of an 8x8 canvas: (8, 8) (Lecture 5 §5)."""
    check_tensor("crop", crop, ndim=2)
    w = crop.shape[1]
    if crop.shape[0] != 8 or not 1 <= w <= 8:
        raise ValueError(f"crop: expected shape (8, w) with 1 <= w <= 8, got {describe(crop)}")
    canvas = crop.new_zeros(8, 8)
    left = (8 - w) // 2
    canvas[:, left:left + w] = crop
    return canvas


def segment_canvases(images: torch.Tensor, widths) -> torch.Tensor:
    """Every candidate piece ``images[:, :, s:s+w]`` of images (B, 8, W), centred in an 8x8
    canvas like :func:`centre_canvas` (Lecture 5 §5): (B, W, len(widths), 8, 8) for start ``s``
    and width ``widths[i]`` (columns past the right edge are blank)."""
    check_tensor("images", images, ndim=3)
    if images.shape[1] != 8:
        raise ValueError(f"images: expected shape (B, 8, W), got {describe(images)}")
    if (not isinstance(widths, (list, tuple)) or not widths
            or not all(isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= 8 for w in widths)):
        raise ValueError(f"widths: expected a non-empty list of ints in [1, 8], got {describe(widths)}")
    n_cols = images.shape[2]
    padded = torch.nn.functional.pad(images, (0, max(widths) + 1))   # last column is blank
    blank = padded.shape[2] - 1
    s = torch.arange(n_cols, device=images.device)[:, None, None]    # (W, 1, 1)
    w = torch.tensor(widths, device=images.device)[None, :, None]    # (1, nW, 1)
    k = torch.arange(8, device=images.device)[None, None, :]         # (1, 1, 8) canvas column
    inside = k - (8 - w) // 2                                        # column inside the piece
    source = torch.where((inside >= 0) & (inside < w), s + inside, torch.full_like(inside, blank))
    return padded[:, :, source].permute(0, 2, 3, 1, 4)              # (B, W, nW, 8, 8)
