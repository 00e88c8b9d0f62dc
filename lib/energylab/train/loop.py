r"""The training loop of the course: one way to cut data into mini-batches, one way to
minimise a loss with an optimiser (Lecture 1 §2, Lecture 2 §3, Lecture 3 §3, Lecture 4 §3–5,
Lecture 6 §8, Lecture 8 §6, Lecture 12 §2–3).

    history = fit(model, loss_fn, (x, y), epochs=200, lr=1e-2, batch_size=128, generator=g)

Each step of :func:`fit` is

1. the next mini-batch from :func:`batches` (shuffled every epoch with ``generator``);
2. optionally, contrastive samples ``samples = sample(model, *batch)`` -- Langevin chains
   from a replay buffer, Gibbs chains, noise -- drawn with the model's parameters frozen
   and then detached (the **sampler hook**: learning pushes the energy down on the batch
   and pulls it up on the samples);
3. ``loss = loss_fn(model, *batch)`` (or ``loss_fn(model, *batch, samples)`` with a sampler);
   it returns a scalar, or a dict whose ``"loss"`` entry is minimised and whose other
   entries are logged;
4. ``zero_grad -> backward -> step``.

The logged values are recorded in a :class:`History`: per epoch (their mean over the
epoch's examples) or, with ``record="step"``, after every step.

Names, as everywhere in the library: ``lr`` is an optimiser's learning rate (parameters move);
``step_size`` is the ``η`` of ``y ← y − η ∇_y E`` on inputs (inference, Langevin dynamics);
``epochs`` count passes over the data, ``n_steps`` optimiser or sampler steps, ``n_sweeps``
Gibbs sweeps.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Sequence

import torch
from tqdm.auto import tqdm

from .._checks import check_bool, check_callable, check_generator, check_positive_float, check_positive_int, describe
from ..samplers.langevin import frozen

__all__ = ["History", "fit", "batches"]


class History(dict):
    """Records of a training run: ``history["loss"]`` is a list with one value per epoch
    (or per step with ``fit(..., record="step")``).  ``History(records)`` starts from a dict
    ``{name: list of values}``.  Lecture 1 §2, Lecture 6 §8."""

    def __init__(self, records: dict | None = None):
        if records is not None and not isinstance(records, dict):
            raise TypeError(f"records: expected a dict {{name: list of values}} or None, got {describe(records)}")
        super().__init__(records or {})

    def _check_key(self, name: str, key) -> str:
        if key not in self:
            raise ValueError(f"{name}: expected one of the recorded names {sorted(self)}, got {describe(key)}")
        return key

    def last(self, key: str = "loss") -> float:
        """The most recent value of ``key``.  Lecture 1 §2, Lecture 3 §3, Lecture 8 §6."""
        return self[self._check_key("key", key)][-1]

    def plot(self, keys: Sequence[str] | None = None, ax=None, logy: bool = False, xlabel: str = "epoch"):
        """Draw the recorded curves against the epoch (or step) number.
        Library only: a quick look at the curves of a run."""
        import matplotlib.pyplot as plt

        if keys is not None and not isinstance(keys, (tuple, list)):
            raise TypeError(f"keys: expected a list of recorded names or None, got {describe(keys)}")
        keys = [self._check_key("keys", key) for key in keys or list(self)]
        check_bool("logy", logy)
        if not isinstance(xlabel, str):
            raise TypeError(f"xlabel: expected a string, got {describe(xlabel)}")
        ax = ax if ax is not None else plt.gca()
        for key in keys:
            ax.plot(range(1, len(self[key]) + 1), self[key], label=key)
        ax.set_xlabel(xlabel)
        if logy:
            ax.set_yscale("log")
        ax.legend()
        return ax


def batches(tensors: Sequence[torch.Tensor], batch_size: int, *, shuffle: bool = True,
            generator: torch.Generator | None = None):
    """Yield tuples of aligned mini-batches from equally long tensors: one epoch.

    With ``shuffle`` the rows are permuted by ``torch.randperm(n, generator=generator)`` first
    (drawn on the generator's device, then moved to the data's), so an epoch visits every row
    once; the last batch holds the remainder.  The one batching loop of the library: used by
    :func:`fit`, :func:`energylab.train.train_rbm` and
    :func:`energylab.models.boltzmann.train_boltzmann`.  Lecture 7 §5, Lecture 8 §2.
    """
    if not isinstance(tensors, (tuple, list)) or not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
        raise TypeError(f"tensors: expected a tuple of tensors, got {describe(tensors)}")
    check_positive_int("batch_size", batch_size)
    if len({t.shape[0] if t.dim() else None for t in tensors}) != 1 or tensors[0].dim() == 0:
        raise ValueError(f"tensors: expected tensors with equal first dimension, got {[tuple(t.shape) for t in tensors]}")
    check_bool("shuffle", shuffle)
    check_generator("generator", generator)
    n, device = tensors[0].shape[0], tensors[0].device
    if shuffle:   # draw on the generator's device (a CUDA generator cannot fill a CPU tensor)
        order = torch.randperm(n, generator=generator, device=generator.device if generator is not None else device)
        tensors = [t[order.to(t.device)] for t in tensors]      # one gather per epoch, then views
    for start in range(0, n, batch_size):
        yield tuple(t[start:start + batch_size] for t in tensors)


def _detached(samples):
    if isinstance(samples, torch.Tensor):
        return samples.detach()
    if isinstance(samples, tuple):
        return tuple(_detached(s) for s in samples)
    return samples


def fit(model: torch.nn.Module, loss_fn: Callable, data: Sequence[torch.Tensor], *, epochs: int = 100,
        lr: float = 1e-3, batch_size: int | None = None, shuffle: bool = True,
        optimizer: torch.optim.Optimizer | None = None, sample: Callable | None = None, record: str = "epoch",
        generator: torch.Generator | None = None, progress: bool = True,
        callback: Callable[[int, "History"], None] | None = None) -> History:
    """Train ``model`` by minimising ``loss_fn`` over ``data`` (see the module docstring).

    ``data`` is a tuple of tensors with one row per example; ``batch_size=None`` uses the
    whole data set per step; ``shuffle=False`` keeps the rows in order (with one full batch
    the order does not matter, and no random numbers are drawn).  The optimizer defaults to
    ``Adam(model.parameters(), lr)``.

    ``sample(model, *batch)`` -- the hook for sampler-based steps -- returns contrastive
    samples (a tensor or a tuple of tensors, or None); it runs with the parameters of
    ``model`` frozen, its output is detached and passed to ``loss_fn(model, *batch, samples)``.

    ``record``: ``"epoch"`` logs the mean of each value over an epoch, ``"step"`` logs every
    step.  ``callback(index, history)`` runs after each record (epoch or step index, from 0).
    Lecture 3 §3, Lecture 4 §3, Lecture 6 §8, Lecture 8 §6, Lecture 12 §2–3.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {describe(model)}")
    if not isinstance(data, (tuple, list)) or not data or not all(isinstance(t, torch.Tensor) for t in data):
        raise TypeError(f"data: expected a tuple of tensors, got {describe(data)}")
    if len({t.shape[0] for t in data}) != 1:
        raise ValueError(f"data: expected tensors with equal first dimension, got {[tuple(t.shape) for t in data]}")
    if data[0].shape[0] == 0:
        raise ValueError(f"data: expected at least one row (example), got {[tuple(t.shape) for t in data]}")
    check_positive_int("epochs", epochs)
    check_positive_float("lr", lr)
    check_generator("generator", generator)
    if record not in ("epoch", "step"):
        raise ValueError(f"record: expected 'epoch' or 'step', got {describe(record)}")
    if sample is not None and not callable(sample):
        raise TypeError(f"sample: expected a function sample(model, *batch) or None, got {describe(sample)}")
    check_callable("loss_fn", loss_fn)
    check_bool("progress", progress)
    n = data[0].shape[0]
    batch_size = n if batch_size is None else check_positive_int("batch_size", batch_size)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    history = History()
    n_steps = 0
    bar = tqdm(range(epochs), disable=not progress, desc="fit", leave=False)
    for epoch in bar:
        sums: dict[str, float] = defaultdict(float)
        for batch in batches(data, batch_size, shuffle=shuffle, generator=generator):
            logs = _step(model, loss_fn, optimizer, sample, batch)
            if record == "step":
                for key, value in logs.items():
                    history.setdefault(key, []).append(value)
                if callback is not None:
                    callback(n_steps, history)
            else:
                for key, value in logs.items():
                    sums[key] += value * batch[0].shape[0]
            n_steps += 1
        if record == "epoch":
            for key, total in sums.items():
                history.setdefault(key, []).append(total / n)
            if callback is not None:
                callback(epoch, history)
        bar.set_postfix(loss=f"{history.last():.4g}")
    return history


def _step(model, loss_fn, optimizer, sample, batch) -> dict[str, float]:
    """One optimiser step on one mini-batch; returns the logged values as floats."""
    if sample is None:
        out = loss_fn(model, *batch)
    else:
        with frozen(model):
            samples = _detached(sample(model, *batch))
        out = loss_fn(model, *batch, samples)
    logs = out if isinstance(out, dict) else {"loss": out}
    if "loss" not in logs or not isinstance(logs["loss"], torch.Tensor) or logs["loss"].dim() != 0:
        raise ValueError(f"loss_fn: expected a scalar tensor or a dict with a scalar 'loss', got {describe(out)}")
    optimizer.zero_grad()
    logs["loss"].backward()
    optimizer.step()
    return {key: float(value.detach() if isinstance(value, torch.Tensor) else value) for key, value in logs.items()}
