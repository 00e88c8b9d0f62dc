r"""A replay buffer of persistent SGLD chains (Du & Mordatch 2019, IGEBM; Grathwohl et al.
2020, JEM).

Short-run SGLD started from noise gives poor contrastive samples; started from where the
previous chains stopped it keeps improving (persistent chains, like PCD for RBMs).
The buffer stores ``capacity`` points.  Each draw picks ``n`` stored points at random
(without replacement) and, independently with probability ``reinit_prob`` (5 % in JEM),
replaces each by fresh uniform noise in the box ``bounds = (low, high)`` -- so the buffer never
forgets how to start from scratch and new modes can still be found (Lecture 12 §2–3, homework 5):

.. math::

    x_0^{(i)} = \begin{cases} u^{(i)} \sim \mathcal{U}[low, high]^{d} & \text{with prob. } \rho \\
                               \text{buffer}[k_i] & \text{otherwise.} \end{cases}

After SGLD, :meth:`ReplayBuffer.push` writes the chains back to the same slots.
:func:`persistent_sgld` does draw -> SGLD -> push in one call.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from .._checks import (check_device, check_dtype, check_generator, check_like, check_positive_float, check_positive_int,
                       check_tensor, describe)
from .langevin import Energy, check_bounds, sgld

__all__ = ["ReplayBuffer", "BufferDraw", "persistent_sgld"]


class BufferDraw(NamedTuple):
    """Starting points drawn from a :class:`ReplayBuffer`.
    Lecture 12 §2–3 (what ReplayBuffer.sample returns)."""

    x: torch.Tensor          # (n, *shape) starting points
    index: torch.Tensor      # (n,) buffer slots they came from (and go back to)
    fresh: torch.Tensor      # (n,) bool, True where the point was re-initialised from noise


class ReplayBuffer:
    """``capacity`` stored points of shape ``shape``, initialised with uniform noise in the box
    ``bounds = (low, high)`` (the data range; numbers or tensors broadcastable to ``shape``).
    Lecture 12 §2–3, homework 5."""

    def __init__(self, shape: tuple[int, ...] | int, capacity: int = 10_000, *, bounds: tuple = (-1.0, 1.0),
                 reinit_prob: float = 0.05, device=None, dtype=torch.float32,
                 generator: torch.Generator | None = None):
        if not isinstance(shape, (int, tuple, list)):
            raise TypeError(f"shape: expected an int or a tuple of ints, e.g. (64,), got {describe(shape)}")
        self.shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if not self.shape or not all(isinstance(s, int) and s >= 1 for s in self.shape):
            raise ValueError(f"shape: expected positive ints, e.g. (64,), got {describe(shape)}")
        self.capacity = check_positive_int("capacity", capacity)
        if bounds is None:
            raise ValueError("bounds: expected a pair (low, high) for the buffer's noise, got None")
        self.bounds = check_bounds(bounds)
        self.reinit_prob = check_positive_float("reinit_prob", reinit_prob, allow_zero=True)
        if self.reinit_prob > 1:
            raise ValueError(f"reinit_prob: expected a probability in [0, 1], got {reinit_prob!r}")
        device = torch.device("cpu") if device is None else torch.device(device)
        dtype, device = check_dtype("dtype", dtype), check_device("device", device)
        check_generator("generator", generator, like=torch.empty(0, device=device))
        self.data = self.noise(capacity, device=device, dtype=dtype, generator=generator)   # (capacity, *shape)

    def noise(self, n: int, *, device=None, dtype=None, generator=None) -> torch.Tensor:
        """``n`` points of uniform noise in ``bounds = (low, high)``, shape ``(n, *shape)``.
        Lecture 12 §2–3."""
        check_positive_int("n", n)
        device = self.data.device if device is None else check_device("device", device)
        dtype = self.data.dtype if dtype is None else check_dtype("dtype", dtype)
        check_generator("generator", generator, like=torch.empty(0, device=device))
        u = torch.rand((n, *self.shape), generator=generator, device=device, dtype=dtype)
        low, high = (b if isinstance(b, (int, float)) else torch.as_tensor(b, dtype=dtype, device=device)
                     for b in self.bounds)
        return low + (high - low) * u

    def sample(self, n: int, *, generator: torch.Generator | None = None) -> BufferDraw:
        """Draw ``n`` starting points: stored ones, each replaced by noise with prob. ``reinit_prob``.
        Lecture 12 §2–3 (inside persistent_sgld), homework 5."""
        check_positive_int("n", n)
        if n > self.capacity:
            raise ValueError(f"n: expected at most capacity={self.capacity} points, got {n}")
        check_generator("generator", generator, like=self.data)
        index = torch.randperm(self.capacity, generator=generator, device=self.data.device)[:n]   # (n,)
        fresh = torch.rand(n, generator=generator, device=self.data.device) < self.reinit_prob
        fresh_x = self.noise(n, generator=generator)
        mask = fresh.view(-1, *([1] * len(self.shape)))
        return BufferDraw(torch.where(mask, fresh_x, self.data[index]), index, fresh)

    def push(self, x: torch.Tensor, index: torch.Tensor) -> None:
        """Write points ``x`` (shape ``(n, *shape)``) back to the slots ``index``.
        Lecture 12 §2–3 (inside persistent_sgld), homework 5."""
        check_like("x", check_tensor("x", x), self.data, "the buffer")
        if x.dim() != 1 + len(self.shape) or x.shape[1:] != self.shape:
            raise ValueError(f"x: expected points of shape (n, {', '.join(map(str, self.shape))}), got {describe(x)}")
        n = x.shape[0]
        if not isinstance(index, torch.Tensor) or index.dtype != torch.long or index.shape != (n,):
            raise ValueError(f"index: expected a long tensor of shape ({n},) like x's rows, got {describe(index)}")
        if n and (int(index.min()) < 0 or int(index.max()) >= self.capacity or index.unique().numel() != n):
            raise ValueError(f"index: expected {n} distinct slots in 0..{self.capacity - 1}, got {index.tolist()[:8]}")
        self._store(x, index)

    def _store(self, x: torch.Tensor, index: torch.Tensor) -> None:
        """:meth:`push` unchecked: persistent_sgld writes back the slots its own draw chose."""
        self.data[index] = x.detach()

    def __len__(self) -> int:
        return self.capacity


def persistent_sgld(energy: Energy, buffer: ReplayBuffer, n: int, *, n_steps: int, step_size: float,
                    noise_scale: float | None = None, grad_clip: float | None = None,
                    bounds: tuple | None = None,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw ``n`` starts from ``buffer``, run :func:`~energylab.samplers.langevin.sgld`, push the
    results back and return them (detached, shape ``(n, *buffer.shape)``).  Lecture 12 §2–3.

    ``bounds`` defaults to the buffer's box.
    """
    if not isinstance(buffer, ReplayBuffer):
        raise TypeError(f"buffer: expected a ReplayBuffer, got {describe(buffer)}")
    draw = buffer.sample(n, generator=generator)
    bounds = buffer.bounds if bounds is None else bounds
    x = sgld(energy, draw.x, n_steps=n_steps, step_size=step_size, noise_scale=noise_scale,
             grad_clip=grad_clip, bounds=bounds, generator=generator)
    buffer._store(x, draw.index)
    return x
