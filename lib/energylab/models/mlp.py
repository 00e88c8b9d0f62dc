r"""The one multilayer-perceptron builder of the library (Lecture 2 §1, Lecture 3 §3, Lecture 6 §7–8,
Lecture 12 §2–3).

Every network of the course -- the MDN's trunk, the energy ``E_W(y, x)``, the generator and
regression networks of lecture 6, JEM's classifier -- is

.. math::

    \text{Linear}(d_0, d_1) \to \sigma \to \text{Linear}(d_1, d_2) \to \sigma \to \dots \to
    \text{Linear}(d_{L-1}, d_L)

with one activation ``σ`` between consecutive linear layers and none after the last, built
by :func:`mlp` from the widths ``(d_0, d_1, ..., d_L)`` = ``(in_features, *hidden, out_features)``.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from .._checks import check_bool, check_generator, describe

__all__ = ["mlp", "check_widths"]


def check_widths(name: str, widths, *, allow_empty: bool = True) -> tuple[int, ...]:
    """Hidden widths as a tuple of positive ints (Lecture 6 §7), or a ValueError naming ``name``.

    Used by every model that takes ``hidden=(w_1, ..., w_k)``; ``allow_empty=False`` refuses ``()``.
    """
    check_bool("allow_empty", allow_empty)
    ok = isinstance(widths, (tuple, list)) and all(
        isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in widths)
    if not ok or (not allow_empty and not widths):
        wanted = "a tuple of positive ints" + ("" if allow_empty else " (at least one)")
        raise ValueError(f"{name}: expected {wanted}, got {describe(widths)}")
    return tuple(widths)


def mlp(in_features: int, hidden: Sequence[int], out_features: int, *,
        activation: type[nn.Module] = nn.SiLU, generator: torch.Generator | None = None) -> nn.Sequential:
    """``Linear -> activation -> ... -> Linear`` with widths ``(in_features, *hidden, out_features)``.

    ``activation`` is a module class (SiLU by default: smooth, so input gradients ``∇_y E`` used
    by gradient descent and Langevin dynamics are smooth too; the MDN uses Tanh).
    With ``generator`` every weight and bias is drawn from it with PyTorch's default scheme
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, layer by layer, weight before bias -- so two calls
    with equally seeded generators build the same network; without it PyTorch's global
    generator is used as usual.  Lecture 2 §1, Lecture 3 §3, Lecture 6 §7, Lecture 12 §3.
    """
    widths = check_widths("hidden", hidden)
    for name, size in (("in_features", in_features), ("out_features", out_features)):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"{name}: expected an int >= 1, got {describe(size)}")
    if not (isinstance(activation, type) and issubclass(activation, nn.Module)):
        raise TypeError(f"activation: expected an nn.Module class such as nn.SiLU, got {describe(activation)}")
    check_generator("generator", generator)
    sizes = (in_features, *widths, out_features)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    net = nn.Sequential(*layers)
    if generator is not None:
        with torch.no_grad():
            for layer in net:
                if isinstance(layer, nn.Linear):
                    bound = 1.0 / math.sqrt(layer.in_features)
                    for p in (layer.weight, layer.bias):
                        p.copy_(torch.rand(p.shape, generator=generator, device=generator.device) * 2 * bound - bound)
    return net
