"""Two-dimensional toy distributions for energy surfaces and samplers.

Each function returns an (n, 2) tensor of samples; all take ``generator=``.
"""
from __future__ import annotations

import math

import torch

from .._checks import check_generator, check_positive_float, check_positive_int


def _setup(n, noise, generator):
    check_positive_int("n", n)
    check_positive_float("noise", noise, allow_zero=True)
    check_generator("generator", generator)


def rings(n: int = 1000, *, radii: tuple[float, ...] = (1.0, 2.0), noise: float = 0.05,
          generator: torch.Generator | None = None) -> torch.Tensor:
    """Points on concentric circles (equal numbers per ring in expectation) plus Gaussian noise."""
    _setup(n, noise, generator)
    which = torch.randint(len(radii), (n,), generator=generator)
    r = torch.tensor(radii, dtype=torch.float32)[which]
    angle = 2 * math.pi * torch.rand(n, generator=generator)
    points = torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=-1)
    return points + noise * torch.randn(n, 2, generator=generator)


def moons(n: int = 1000, *, noise: float = 0.05, generator: torch.Generator | None = None) -> torch.Tensor:
    """Two interleaving half circles (as scikit-learn's ``make_moons``), centred near the origin."""
    _setup(n, noise, generator)
    upper = torch.rand(n, generator=generator) < 0.5
    angle = math.pi * torch.rand(n, generator=generator)
    x = torch.where(upper, torch.cos(angle), 1 - torch.cos(angle))
    y = torch.where(upper, torch.sin(angle), 0.5 - torch.sin(angle))
    points = torch.stack([x - 0.5, y - 0.25], dim=-1)
    return points + noise * torch.randn(n, 2, generator=generator)


def spirals(n: int = 1000, *, turns: float = 1.5, noise: float = 0.05,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Two interleaved Archimedean spirals reaching radius 2."""
    _setup(n, noise, generator)
    check_positive_float("turns", turns)
    s = torch.sqrt(torch.rand(n, generator=generator))          # denser sampling along the arm
    angle = 2 * math.pi * turns * s
    arm = torch.randint(2, (n,), generator=generator) * math.pi
    r = 2 * s
    points = torch.stack([r * torch.cos(angle + arm), r * torch.sin(angle + arm)], dim=-1)
    return points + noise * torch.randn(n, 2, generator=generator)


def eight_gaussians(n: int = 1000, *, radius: float = 2.0, noise: float = 0.1,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """A mixture of eight equal Gaussians (std ``noise``) evenly spaced on a circle."""
    _setup(n, noise, generator)
    check_positive_float("radius", radius)
    which = torch.randint(8, (n,), generator=generator)
    angle = which.float() * (2 * math.pi / 8)
    centres = radius * torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)
    return centres + noise * torch.randn(n, 2, generator=generator)


_TOYS = {"rings": rings, "moons": moons, "spirals": spirals, "eight_gaussians": eight_gaussians}


def two_d_toy(name: str, n: int = 1000, **kwargs) -> torch.Tensor:
    """A 2-D toy data set by name: one of ``rings``, ``moons``, ``spirals``, ``eight_gaussians``."""
    if name not in _TOYS:
        raise ValueError(f"name: expected one of {sorted(_TOYS)}, got {name!r}")
    return _TOYS[name](n, **kwargs)
