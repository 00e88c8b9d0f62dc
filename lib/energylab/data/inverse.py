r"""Bishop's toy inverse problem (Bishop 1994, *Mixture density networks*; PRML §5.6).

The **forward** problem is a function: ``x ~ U(0, 1)``,

.. math::  t = x + 0.3 \sin(2\pi x) + \epsilon,\qquad \epsilon \sim U(-0.1, 0.1).

The **inverse** problem swaps the roles -- predict ``x`` from ``t`` -- and is
no longer a function: for ``t`` near 0.5 three values of ``x`` fit.  A
least-squares network predicts their average, which is often not a valid answer.
"""
from __future__ import annotations

import math

import torch

from .._checks import check_dtype, check_generator, check_positive_float, check_positive_int


def bishop_forward(n: int = 1000, *, noise: float = 0.1, generator: torch.Generator | None = None,
                   dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Samples of the forward problem: returns ``(x, t)``, each of shape (n, 1).

    ``noise`` is the half-width of the uniform noise on ``t``.
    """
    n = check_positive_int("n", n)
    noise = check_positive_float("noise", noise, allow_zero=True)
    check_generator("generator", generator)
    dtype = check_dtype("dtype", dtype)
    x = torch.rand(n, 1, generator=generator, dtype=dtype)
    eps = (2 * torch.rand(n, 1, generator=generator, dtype=dtype) - 1) * noise
    t = x + 0.3 * torch.sin(2 * math.pi * x) + eps
    return x, t


def bishop_inverse(n: int = 1000, *, noise: float = 0.1, generator: torch.Generator | None = None,
                   dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Samples of the inverse problem: returns ``(inputs, targets) = (t, x)``."""
    x, t = bishop_forward(n, noise=noise, generator=generator, dtype=dtype)
    return t, x
