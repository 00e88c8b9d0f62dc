"""energylab: energy-based models and structured prediction, written to be read.

The course vocabulary (see the lectures):

* an **energy** ``E(x, y, z)`` is low where ``x``, ``y`` and the latent ``z`` are compatible;
* a **free energy** ``F(x, y)`` removes ``z`` by minimising or marginalising it;
* **inference** is ``argmin_y F(x, y)``;
* **learning** pushes ``F`` down on data and pulls it up on contrastive points.

Top-level helpers: :func:`device` picks where tensors live, :func:`seed` makes a
notebook repeatable.
"""
from __future__ import annotations

import os
import random

import numpy as np
import torch

__version__ = "0.1.0"
__all__ = ["device", "seed", "__version__"]


def device() -> torch.device:
    """The device to compute on: CUDA when present, else CPU.

    Set the environment variable ``ENERGYLAB_DEVICE`` (e.g. ``cpu``, ``cuda:1``)
    to override the choice.
    """
    override = os.environ.get("ENERGYLAB_DEVICE", "").strip()
    if override:
        try:
            chosen = torch.device(override)
        except RuntimeError as error:
            raise ValueError(
                f"ENERGYLAB_DEVICE: expected a torch device name such as 'cpu' or 'cuda:0', "
                f"got {override!r}"
            ) from error
        if chosen.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"ENERGYLAB_DEVICE: asked for {override!r} but CUDA is not available")
        return chosen
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed(n: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) with ``n``.

    Returns a fresh ``torch.Generator`` seeded with ``n`` so that a notebook can
    also pass its randomness explicitly (``generator=``) to the samplers.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"seed: expected a non-negative int, got {n!r}")
    random.seed(n)
    np.random.seed(n % 2**32)
    torch.manual_seed(n)
    generator = torch.Generator()
    generator.manual_seed(n)
    return generator
