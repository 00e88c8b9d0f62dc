"""Offline data sets: the generating equations hold exactly, shapes and ranges are right."""
import math

import pytest
import torch

from energylab.data import (
    bishop_forward,
    bishop_inverse,
    SCALINGS,
    eight_gaussians,
    load_digits,
    moons,
    planet_radius,
    planets,
    pure_planet_radius,
    rings,
    spirals,
    two_d_toy,
)


def test_bishop_forward_equation(generator):
    x, t = bishop_forward(5000, noise=0.1, generator=generator, dtype=torch.float64)
    residual = t - x - 0.3 * torch.sin(2 * math.pi * x)
    assert x.shape == t.shape == (5000, 1)
    assert (x >= 0).all() and (x <= 1).all()
    assert residual.abs().max() <= 0.1
    assert residual.std() == pytest.approx(0.2 / math.sqrt(12), rel=0.05)     # U(-0.1, 0.1)


def test_bishop_inverse_is_multivalued(generator):
    inputs, targets = bishop_inverse(20000, noise=0.0, generator=generator, dtype=torch.float64)
    near = (inputs[:, 0] - 0.5).abs() < 0.01
    branches = targets[near, 0].sort().values
    gaps = branches.diff()
    assert (gaps > 0.15).sum() >= 2, "three separate branches at t = 0.5"


def test_pure_planets_are_ordered_and_earth_is_close():
    mass = torch.tensor([1.0], dtype=torch.float64)
    iron, rock, water = (pure_planet_radius(mass, m) for m in ("iron", "rock", "water"))
    assert iron < rock < water
    earth = planet_radius(mass, torch.tensor([[0.325, 0.675, 0.0]], dtype=torch.float64))
    assert earth.item() == pytest.approx(1.0, abs=0.05)        # the Earth, within 5 %


def test_planet_radius_is_volume_additive_and_monotone():
    mass = torch.logspace(math.log10(0.5), math.log10(20), 30, dtype=torch.float64)
    f = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64).expand(30, 3)
    r = planet_radius(mass, f)
    expected = sum(f[:, i] * pure_planet_radius(mass, m) ** 3 for i, m in enumerate(("iron", "rock", "water"))) ** (1 / 3)
    torch.testing.assert_close(r, expected)
    assert (r.diff() > 0).all(), "radius grows with mass below 20 Earth masses"
    more_water = planet_radius(mass, torch.tensor([0.2, 0.4, 0.4], dtype=torch.float64).expand(30, 3))
    assert (more_water > r).all()


def test_planets_catalogue(generator):
    data = planets(3000, generator=generator, dtype=torch.float64)
    assert data.inputs.shape == (3000, 2) and data.targets.shape == (3000, 2)
    torch.testing.assert_close(data.fractions.sum(-1), torch.ones(3000, dtype=torch.float64))
    assert (data.mass >= 0.5).all() and (data.mass <= 20).all()
    noiseless = planet_radius(data.mass, data.fractions)
    assert ((data.radius / noiseless - 1).std()).item() == pytest.approx(0.01, rel=0.1)
    torch.testing.assert_close(data.targets, data.fractions[:, [0, 2]])
    # Dirichlet(1,1,1): each fraction has mean 1/3
    assert data.fractions.mean(0).sub(1 / 3).abs().max() < 0.02


def test_toys_shapes_and_geometry(generator):
    r = rings(4000, radii=(1.0, 2.0), noise=0.0, generator=generator).norm(dim=-1)
    assert torch.minimum((r - 1).abs(), (r - 2).abs()).max() < 1e-5
    e = eight_gaussians(4000, noise=0.0, generator=generator)
    assert e.norm(dim=-1).sub(2).abs().max() < 1e-5 and len(torch.unique(e.round(decimals=3), dim=0)) == 8
    for toy in (moons, spirals):
        assert toy(100, generator=generator).shape == (100, 2)
    assert torch.equal(two_d_toy("moons", 10, generator=torch.Generator().manual_seed(1)),
                       moons(10, generator=torch.Generator().manual_seed(1)))


def test_clear_errors():
    with pytest.raises(ValueError, match="n"):
        bishop_forward(0)
    with pytest.raises(ValueError, match="material"):
        pure_planet_radius(torch.ones(1), "gold")
    with pytest.raises(ValueError, match="fractions"):
        planet_radius(torch.ones(2), torch.ones(2, 3))
    with pytest.raises(ValueError, match="name"):
        two_d_toy("circles")


@pytest.mark.parametrize("scaling", sorted(SCALINGS))
def test_load_digits_scalings_match_sklearn_raw_counts(scaling):
    from sklearn.datasets import load_digits as sklearn_digits

    counts, labels = sklearn_digits(return_X_y=True)                 # ink counts 0..16, float64
    counts = torch.from_numpy(counts)
    expected = {"binary": (counts > 7).double(), "unit": counts / 16, "spins": 2 * (counts > 7).double() - 1,
                "symmetric": counts / 8 - 1}[scaling]
    digits = load_digits(scaling, dtype=torch.float64)
    assert digits.images.shape == (1797, 64) and digits.labels.dtype == torch.int64
    assert torch.equal(digits.images, expected)
    assert torch.equal(digits.labels, torch.from_numpy(labels))
    assert load_digits(scaling).images.dtype == torch.float32


def test_load_digits_rejects_an_unknown_scaling():
    with pytest.raises(ValueError, match="scaling: expected one of"):
        load_digits("0-255")


def test_bars_and_stripes_are_the_images_constant_along_rows_or_columns():
    from energylab.data import bars_and_stripes
    from energylab.samplers import enumerate_states, state_index

    for side in (2, 3, 4):
        images = bars_and_stripes(side, dtype=torch.float64)
        assert images.shape == (2 * 2**side - 2, side**2)
        squares = enumerate_states(side**2, dtype=torch.float64).reshape(-1, side, side)
        rows_constant = (squares == squares[:, :, :1]).all(-1).all(-1)
        columns_constant = (squares == squares[:, :1, :]).all(-1).all(-1)
        expected = torch.nonzero(rows_constant | columns_constant).flatten()
        assert torch.equal(state_index(images), expected)      # every such image, once, in enumeration order
    with pytest.raises(ValueError, match="side"):
        bars_and_stripes(1)
