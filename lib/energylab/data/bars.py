r"""Bars and stripes (MacKay, 2003, exercise 43.3): the small binary data set of lecture 10 and
homework 2 whose exact likelihood every model of the course can still afford.

A ``side × side`` binary image is a *stripe* pattern when every row is constant and a *bar*
pattern when every column is constant.  There are ``2 · 2**side − 2`` distinct ones (all-off
and all-on are both); a perfect model gives each the probability ``1 / (2 · 2**side − 2)``, an
average log-likelihood of ``−log 14 ≈ −2.64`` nats for ``side = 3``.
"""
from __future__ import annotations

import torch

from .._checks import check_device, check_dtype, check_positive_int

__all__ = ["bars_and_stripes"]


def bars_and_stripes(side: int = 3, *, dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor:
    """The ``2 · 2**side − 2`` distinct bars-and-stripes images, flattened row by row, in the
    row order of :func:`energylab.samplers.enumerate_states` (sorted as binary numbers):
    shape ``(2 · 2**side − 2, side**2)``, values in {0, 1}.  Lecture 10 §2 and §5."""
    check_positive_int("side", side, minimum=2)
    dtype, device = check_dtype("dtype", dtype), check_device("device", device)
    lines = ((torch.arange(2**side)[:, None] >> torch.arange(side - 1, -1, -1)) & 1).to(dtype)  # (2**side, side)
    stripes = lines[:, :, None].expand(-1, side, side)      # row r constant = lines[:, r]
    bars = lines[:, None, :].expand(-1, side, side)         # column c constant = lines[:, c]
    images = torch.cat([stripes, bars]).reshape(-1, side * side)
    images = torch.unique(images, dim=0)                    # all-off and all-on are both: keep one of each
    return images.to(device)
