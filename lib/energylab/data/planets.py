r"""Synthetic planets: composition -> (mass, radius), and the inverse problem.

**Interior model.**  A planet of mass ``M`` is made of three layers: an iron
core, a silicate (MgSiO3 perovskite) mantle and a water (ice VII) envelope,
with mass fractions ``f = (f_iron, f_rock, f_water)`` summing to one.

1. A planet made of *one* material ``i`` has the radius given by the fit of
   Seager, Kuchner, Hier-Majumder & Militzer (2007), *Mass-radius relationships
   for solid exoplanets*, ApJ 669, 1279, their eq. (23) and Table 3:

   .. math::  \log_{10} R_s = k_1 + \tfrac13 \log_{10} M_s - k_2 M_s^{k_3},
              \qquad M_s = M / m_1,\ R_s = R / r_1

   which interpolates their numerical interior models (equations of state
   integrated under hydrostatic equilibrium) to a few percent for
   ``M`` < 20 Earth masses.

2. A mixture is assembled with the ideal-mixing (volume-additive) approximation:
   each material keeps the density it would have in a pure planet of the same
   total mass, so volumes add:

   .. math::  R^3 = \sum_i f_i\, R_i(M)^3

   This gives an Earth-mass planet with Earth's core fraction (0.325) a radius
   of 0.96 Earth radii -- within 4 % of the Earth.

**Data.**  Masses are log-uniform in [0.5, 20] Earth masses, compositions
uniform on the simplex (Dirichlet(1, 1, 1)); the observed radius carries a
relative Gaussian measurement noise.

**Inverse problem.**  From (mass, radius) predict the composition: many
compositions give the same mass and radius (a little more iron and a little
more water balance out), so ``p(composition | mass, radius)`` is broad and
can be multimodal -- a job for a mixture density network.

The model has no hydrogen/helium envelope; real Neptune (17 Earth masses,
3.9 Earth radii) is puffier than any pure-water world.  A "Neptune-like"
planet here means an ice giant interior: mostly water with a rocky core.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from .._checks import check_dtype, check_generator, check_like, check_positive_float, check_positive_int, check_tensor

#: Seager et al. (2007) Table 3: (m1 [Earth masses], r1 [Earth radii], k1, k2, k3)
MATERIALS: dict[str, tuple[float, float, float, float, float]] = {
    "iron": (5.80, 2.52, -0.209594, 0.0799, 0.413),
    "rock": (10.55, 3.90, -0.209490, 0.0804, 0.394),
    "water": (5.52, 4.43, -0.209396, 0.0807, 0.375),
}
MATERIAL_NAMES = tuple(MATERIALS)


def pure_planet_radius(mass: torch.Tensor, material: str) -> torch.Tensor:
    """Radius (Earth radii) of a planet of ``mass`` (Earth masses) made of one material."""
    if material not in MATERIALS:
        raise ValueError(f"material: expected one of {sorted(MATERIALS)}, got {material!r}")
    check_tensor("mass", mass)
    if (mass <= 0).any():
        raise ValueError("mass: expected positive masses (Earth masses)")
    m1, r1, k1, k2, k3 = MATERIALS[material]
    m_s = mass / m1
    log10_r_s = k1 + torch.log10(m_s) / 3 - k2 * m_s.pow(k3)
    return r1 * torch.pow(10.0, log10_r_s)


def planet_radius(mass: torch.Tensor, fractions: torch.Tensor) -> torch.Tensor:
    """Radius of a layered planet: ``R^3 = sum_i f_i R_i(M)^3`` (volume-additive mixing).

    ``mass``: (N,) in Earth masses; ``fractions``: (N, 3) mass fractions of
    (iron, rock, water), each row summing to one.  Returns (N,) in Earth radii.
    """
    check_tensor("mass", mass, ndim=1)
    check_like("fractions", check_tensor("fractions", fractions, ndim=2, last_dim=3), mass, "mass")
    if fractions.shape[0] != mass.shape[0]:
        raise ValueError(f"fractions: expected {mass.shape[0]} rows (one per mass), got {fractions.shape[0]}")
    if (fractions < 0).any() or not torch.allclose(fractions.sum(-1), torch.ones_like(mass), atol=1e-5):
        raise ValueError("fractions: expected non-negative rows summing to 1 (iron, rock, water)")
    pure = torch.stack([pure_planet_radius(mass, name) for name in MATERIAL_NAMES], dim=-1)   # (N, 3)
    return (fractions * pure.pow(3)).sum(-1).pow(1 / 3)


class PlanetData(NamedTuple):
    """A synthetic planet catalogue.

    ``mass`` (N,) Earth masses, ``radius`` (N,) Earth radii (with noise),
    ``fractions`` (N, 3) of (iron, rock, water), and the MDN-ready
    ``inputs`` (N, 2) = (log10 mass, radius) and ``targets`` (N, 2) = (iron, water).
    """

    mass: torch.Tensor
    radius: torch.Tensor
    fractions: torch.Tensor
    inputs: torch.Tensor
    targets: torch.Tensor


def planets(n: int = 2000, *, mass_range: tuple[float, float] = (0.5, 20.0), radius_noise: float = 0.01,
            generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32) -> PlanetData:
    """Generate ``n`` planets: log-uniform masses, Dirichlet(1,1,1) compositions,
    radii from :func:`planet_radius` with relative noise ``radius_noise``."""
    n = check_positive_int("n", n)
    check_positive_float("radius_noise", radius_noise, allow_zero=True)
    check_generator("generator", generator)
    dtype = check_dtype("dtype", dtype)
    lo, hi = mass_range
    if not 0 < lo < hi:
        raise ValueError(f"mass_range: expected (low, high) with 0 < low < high, got {mass_range!r}")
    u = torch.rand(n, generator=generator, dtype=torch.float64)
    mass = torch.exp(torch.log(torch.tensor(lo, dtype=torch.float64)) * (1 - u)
                     + torch.log(torch.tensor(hi, dtype=torch.float64)) * u)
    # Dirichlet(1, 1, 1) = normalised Exp(1) draws
    e = -torch.log(torch.rand(n, 3, generator=generator, dtype=torch.float64).clamp_min(1e-300))
    fractions = e / e.sum(-1, keepdim=True)
    radius = planet_radius(mass, fractions)
    radius = radius * (1 + radius_noise * torch.randn(n, generator=generator, dtype=torch.float64))
    inputs = torch.stack([torch.log10(mass), radius], dim=-1)
    targets = fractions[:, [0, 2]]
    return PlanetData(*(v.to(dtype) for v in (mass, radius, fractions, inputs, targets)))
