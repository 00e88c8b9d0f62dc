"""Replay buffer: the re-initialised fraction is Binomial(n, rho), fresh points are uniform
on [low, high], stored points come back unchanged, push writes to the drawn slots."""
import math

import pytest
import torch
from torch import nn

from energylab.samplers.replay import ReplayBuffer, persistent_sgld

Z = 5.0


def test_initial_contents_are_uniform_noise_in_range(generator):
    buf = ReplayBuffer((3, 4), capacity=5000, bounds=(-2.0, 1.0), generator=generator)
    assert buf.data.shape == (5000, 3, 4) and len(buf) == 5000
    assert buf.data.min() >= -2 and buf.data.max() <= 1
    n = buf.data.numel()
    assert abs(buf.data.mean() - (-0.5)) < Z * math.sqrt(9 / 12 / n)
    assert abs(buf.data.var() - 9 / 12) < 0.02


@pytest.mark.parametrize("rho", [0.05, 0.3])
def test_reinitialised_fraction_is_binomial(rho, generator):
    buf = ReplayBuffer(2, capacity=1000, bounds=(-1.0, 1.0), reinit_prob=rho, generator=generator)
    buf.data.fill_(5.0)                                   # stored points are recognisable
    n, rounds = 500, 40
    fresh_total, fresh_values = 0, []
    for _ in range(rounds):
        draw = buf.sample(n, generator=generator)
        assert draw.x.shape == (n, 2) and draw.index.shape == (n,) and draw.fresh.shape == (n,)
        assert len(set(draw.index.tolist())) == n        # without replacement
        assert draw.index.min() >= 0 and draw.index.max() < 1000
        stored = draw.x[~draw.fresh]
        assert torch.all(stored == 5.0)                  # not re-initialised: straight from the buffer
        fresh = draw.x[draw.fresh]
        assert torch.all((fresh >= -1) & (fresh <= 1))
        fresh_total += int(draw.fresh.sum())
        fresh_values.append(fresh.flatten())
    trials = n * rounds
    assert abs(fresh_total - trials * rho) < Z * math.sqrt(trials * rho * (1 - rho))
    values = torch.cat(fresh_values)
    assert abs(values.mean()) < Z * math.sqrt(1 / 3 / values.numel())     # U[-1, 1]: mean 0, var 1/3
    assert abs(values.var() - 1 / 3) < Z * math.sqrt((1 / 5 - 1 / 9) / values.numel())


def test_extreme_probabilities(generator):
    buf = ReplayBuffer(2, capacity=100, reinit_prob=0.0, generator=generator)
    buf.data.fill_(9.0)
    assert not buf.sample(50, generator=generator).fresh.any()
    buf.reinit_prob = 1.0
    assert buf.sample(50, generator=generator).fresh.all()


def test_push_writes_back_to_the_drawn_slots(generator):
    buf = ReplayBuffer(3, capacity=50, generator=generator)
    before = buf.data.clone()
    draw = buf.sample(10, generator=generator)
    new = torch.full((10, 3), 0.25)
    buf.push(new, draw.index)
    assert torch.all(buf.data[draw.index] == 0.25)
    others = torch.ones(50, dtype=torch.bool)
    others[draw.index] = False
    assert torch.equal(buf.data[others], before[others])


def test_same_seed_same_draws():
    def run():
        g = torch.Generator().manual_seed(3)
        buf = ReplayBuffer(2, capacity=40, reinit_prob=0.5, generator=g)
        return buf.sample(10, generator=g)
    a, b = run(), run()
    assert torch.equal(a.x, b.x) and torch.equal(a.index, b.index) and torch.equal(a.fresh, b.fresh)


class Bowl(nn.Module):
    def __init__(self):
        super().__init__()
        self.width = nn.Parameter(torch.tensor(1.0))

    def forward(self, x):
        return (x - 0.5).pow(2).sum(1) / self.width


def test_persistent_sgld_updates_the_buffer_and_keeps_the_model_untouched(generator):
    buf = ReplayBuffer(2, capacity=200, reinit_prob=0.0, generator=generator)
    model = Bowl()
    x = persistent_sgld(model, buf, 64, n_steps=30, step_size=0.1, noise_scale=0.01, generator=generator)
    assert x.shape == (64, 2) and not x.requires_grad
    assert x.min() >= -1 and x.max() <= 1                       # clamped to the buffer's range
    assert (x - 0.5).norm(dim=1).max() < 0.1                    # cold chains went to the minimum
    assert ((buf.data - x[:, None, :]).abs().sum(-1) == 0).any(1).all()   # written back
    assert model.width.grad is None and model.width.requires_grad and model.width.item() == 1.0


def test_clear_errors(generator):
    with pytest.raises(ValueError, match="reinit_prob"):
        ReplayBuffer(2, capacity=10, reinit_prob=1.5)
    with pytest.raises(ValueError, match="bounds"):
        ReplayBuffer(2, capacity=10, bounds=(1.0, -1.0))
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(2, capacity=0)
    buf = ReplayBuffer(2, capacity=10, generator=generator)
    with pytest.raises(ValueError, match="n"):
        buf.sample(11)
    with pytest.raises(ValueError, match="x: expected points"):
        buf.push(torch.zeros(3, 5), torch.arange(3))
    with pytest.raises(TypeError, match="generator"):
        buf.sample(2, generator="seed")
