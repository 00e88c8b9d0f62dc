"""Noise-contrastive estimation: the optimum recovers log Z (by quadrature and by training)."""
import math

import pytest
import torch
from torch import nn

from energylab.nce import SelfNormalisedEnergy, nce_loss


class Quadratic(nn.Module):
    """E(y) = (y − μ)² / (2 s²) in 1-D with learnable μ and log s (float64)."""

    def __init__(self, mu=0.0, log_s=0.0):
        super().__init__()
        self.mu = nn.Parameter(torch.tensor(mu, dtype=torch.float64))
        self.log_s = nn.Parameter(torch.tensor(log_s, dtype=torch.float64))

    def forward(self, y):
        return (y[:, 0] - self.mu).square() / (2 * torch.exp(2 * self.log_s))


def _normal_log_pdf(y, mean, sd):
    return -0.5 * ((y - mean) / sd) ** 2 - math.log(sd * math.sqrt(2 * math.pi))


def test_loss_is_the_logistic_loss_of_the_log_ratio():
    log_p_data, log_q_data = torch.tensor([0.1, -0.3]), torch.tensor([-1.0, -0.5])
    log_p_noise, log_q_noise = torch.tensor([-2.0, 0.0, -1.0, 0.5]), torch.tensor([-1.0, -1.0, -0.2, 0.0])
    nu = 2.0
    g_data, g_noise = log_p_data - log_q_data - math.log(nu), log_p_noise - log_q_noise - math.log(nu)
    expected = -torch.log(torch.sigmoid(g_data)).mean() - nu * torch.log(1 - torch.sigmoid(g_noise)).mean()
    assert torch.allclose(nce_loss(log_p_data, log_q_data, log_p_noise, log_q_noise), expected)


def test_population_optimum_of_the_normaliser_is_log_z():
    # E(y) = y²/2 fixed (Z = √(2π)), data N(0, 1), noise q = N(0, 2²), ν = 3. The population objective as a
    # function of c is computed by quadrature; its minimiser must be log Z.
    y = torch.linspace(-20, 20, 40001, dtype=torch.float64)
    dy = float(y[1] - y[0])
    p_data, log_q = _normal_log_pdf(y, 0.0, 1.0).exp(), _normal_log_pdf(y, 0.0, 2.0)
    nu = 3.0

    def objective(c):
        g = -0.5 * y**2 - c - log_q - math.log(nu)
        return float((p_data * torch.nn.functional.softplus(-g) + nu * log_q.exp() * torch.nn.functional.softplus(g)).sum() * dy)

    lo, hi = -3.0, 3.0                                           # golden-section search on c
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(100):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        lo, hi = (lo, b) if objective(a) < objective(b) else (a, hi)
    assert abs((lo + hi) / 2 - 0.5 * math.log(2 * math.pi)) < 1e-6


def test_training_recovers_the_density_and_its_normaliser(generator):
    # Data N(1, 0.5²); model E = (y − μ)²/(2 s²) with learned c; noise N(0, 2²), 4 per data point.
    data = 1.0 + 0.5 * torch.randn(4000, 1, generator=generator, dtype=torch.float64)
    noise = 2.0 * torch.randn(16000, 1, generator=generator, dtype=torch.float64)
    model = SelfNormalisedEnergy(Quadratic())
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = nce_loss(model.log_prob(data), _normal_log_pdf(data[:, 0], 0.0, 2.0),
                        model.log_prob(noise), _normal_log_pdf(noise[:, 0], 0.0, 2.0))
        loss.backward()
        return loss

    opt.step(closure)
    s = float(model.energy.log_s.exp())
    assert abs(float(model.energy.mu) - 1.0) < 0.05 and abs(s - 0.5) < 0.05
    assert abs(float(model.log_z) - math.log(s * math.sqrt(2 * math.pi))) < 0.05    # c = log Z of the fitted energy


def test_clear_errors():
    with pytest.raises(ValueError, match="log_q_data"):
        nce_loss(torch.zeros(3), torch.zeros(2), torch.zeros(4), torch.zeros(4))
    with pytest.raises(ValueError, match="log_p_noise"):
        nce_loss(torch.zeros(3), torch.zeros(3), torch.zeros(4, 1), torch.zeros(4, 1))
    with pytest.raises(TypeError, match="energy"):
        SelfNormalisedEnergy(lambda y: y)
