"""A small, readable training loop.

    history = fit(model, loss_fn, (x, t), epochs=200, lr=1e-2, batch_size=128, generator=g)

``loss_fn(model, *batch)`` returns a scalar loss (or a dict whose ``"loss"``
entry is the scalar to minimise, the other entries being logged).  The loop is:
shuffle, split into mini-batches, ``zero_grad -> loss -> backward -> step``,
and record the mean of each logged value per epoch in a :class:`History`.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Sequence

import torch
from tqdm.auto import tqdm

from ._checks import check_generator, check_positive_float, check_positive_int, describe

__all__ = ["History", "fit", "batches"]


class History(dict):
    """Per-epoch records: ``history["loss"]`` is a list with one value per epoch."""

    def last(self, key: str = "loss") -> float:
        """The most recent value of ``key``."""
        return self[key][-1]

    def plot(self, keys: Sequence[str] | None = None, ax=None, logy: bool = False):
        """Draw the recorded curves against the epoch number."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.gca()
        for key in keys or list(self):
            ax.plot(range(1, len(self[key]) + 1), self[key], label=key)
        ax.set_xlabel("epoch")
        if logy:
            ax.set_yscale("log")
        ax.legend()
        return ax


def batches(tensors: Sequence[torch.Tensor], batch_size: int, *, shuffle: bool = True,
            generator: torch.Generator | None = None):
    """Yield tuples of aligned mini-batches from equally long tensors."""
    n, device = tensors[0].shape[0], tensors[0].device
    if shuffle:   # draw on the generator's device (a CUDA generator cannot fill a CPU tensor)
        order = torch.randperm(n, generator=generator, device=generator.device if generator is not None else device)
    else:
        order = torch.arange(n)
    order = order.to(device)
    for start in range(0, n, batch_size):
        index = order[start:start + batch_size]
        yield tuple(t[index] for t in tensors)


def fit(model: torch.nn.Module, loss_fn: Callable, data: Sequence[torch.Tensor], *, epochs: int = 100,
        lr: float = 1e-3, batch_size: int | None = None, optimizer: torch.optim.Optimizer | None = None,
        generator: torch.Generator | None = None, progress: bool = True,
        callback: Callable[[int, History], None] | None = None) -> History:
    """Train ``model`` by minimising ``loss_fn(model, *batch)`` over ``data``.

    ``data`` is a tuple of tensors with one row per example.  ``batch_size=None``
    uses the whole data set per step.  The optimizer defaults to Adam(lr).
    ``callback(epoch, history)`` runs after every epoch (e.g. to save snapshots).
    """
    if not isinstance(data, (tuple, list)) or not data or not all(isinstance(t, torch.Tensor) for t in data):
        raise TypeError(f"data: expected a tuple of tensors, got {describe(data)}")
    if len({t.shape[0] for t in data}) != 1:
        raise ValueError(f"data: expected tensors with equal first dimension, got {[tuple(t.shape) for t in data]}")
    check_positive_int("epochs", epochs)
    check_positive_float("lr", lr)
    check_generator("generator", generator)
    n = data[0].shape[0]
    batch_size = n if batch_size is None else check_positive_int("batch_size", batch_size)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    history = History()
    bar = tqdm(range(epochs), disable=not progress, desc="fit", leave=False)
    for epoch in bar:
        sums: dict[str, float] = defaultdict(float)
        for batch in batches(data, batch_size, generator=generator):
            out = loss_fn(model, *batch)
            logs = out if isinstance(out, dict) else {"loss": out}
            optimizer.zero_grad()
            logs["loss"].backward()
            optimizer.step()
            for key, value in logs.items():
                value = value.detach() if isinstance(value, torch.Tensor) else value
                sums[key] += float(value) * batch[0].shape[0]
        for key, total in sums.items():
            history.setdefault(key, []).append(total / n)
        bar.set_postfix(loss=f"{history.last():.4g}")
        if callback is not None:
            callback(epoch, history)
    return history
