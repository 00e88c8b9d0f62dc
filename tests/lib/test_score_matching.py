"""Score matching against closed forms: on Gaussian energies the explicit objective is minimised by
the sample mean and covariance, the denoising one by the moments of the blurred data."""
import math

import pytest
import torch
from torch import nn

from energylab.score_matching import denoising_score_matching_loss, score_matching_loss


class QuadraticEnergy(nn.Module):
    """E(y) = ½ (y − μ)ᵀ A (y − μ) with A = L Lᵀ (positive definite), float64."""

    def __init__(self, dim):
        super().__init__()
        self.mu = nn.Parameter(torch.zeros(dim, dtype=torch.float64))
        self.chol = nn.Parameter(torch.eye(dim, dtype=torch.float64))

    @property
    def precision(self):
        lower = torch.tril(self.chol)
        return lower @ lower.T

    def forward(self, y):
        d = y - self.mu
        return 0.5 * ((d @ self.precision) * d).sum(-1)


def _minimise(loss_fn, model, steps=200):
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=steps, tolerance_grad=1e-12, tolerance_change=1e-14,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    opt.step(closure)
    return model


def test_explicit_objective_matches_its_closed_form(generator):
    # For E = ½ (y−μ)ᵀA(y−μ): ∇E = A(y−μ), ΔE = tr A, so J = ½ mean |A(y−μ)|² − tr A.
    y = torch.randn(50, 3, generator=generator, dtype=torch.float64)
    model = QuadraticEnergy(3)
    with torch.no_grad():
        model.mu.copy_(torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64))
        model.chol.copy_(torch.tensor([[1.2, 0, 0], [0.3, 0.8, 0], [-0.1, 0.2, 1.5]], dtype=torch.float64))
    A = model.precision.detach()
    expected = 0.5 * ((y - model.mu.detach()) @ A).square().sum(-1).mean() - torch.trace(A)
    assert torch.allclose(score_matching_loss(model, y), expected, atol=1e-12)


def test_explicit_minimiser_is_the_sample_mean_and_covariance(generator):
    y = torch.randn(400, 2, generator=generator, dtype=torch.float64) @ torch.tensor([[1.0, 0.0], [0.6, 0.5]],
                                                                                        dtype=torch.float64) + 2.0
    model = QuadraticEnergy(2)
    _minimise(lambda: score_matching_loss(model, y), model)
    mean = y.mean(0)
    cov = (y - mean).T @ (y - mean) / len(y)                       # the biased (1/N) sample covariance
    assert torch.allclose(model.mu.detach(), mean, atol=1e-6)
    assert torch.allclose(model.precision.detach(), torch.linalg.inv(cov), atol=1e-5)


def test_denoising_minimiser_is_the_score_of_the_blurred_data(generator):
    # Data N(m, s²), noise σ: the blurred data are N(m, s² + σ²); the 1-D Gaussian energy that minimises
    # ½ E|σ E'(ỹ) − ε|² has mean m and variance s² + σ² (up to the Monte Carlo error of 200 000 draws).
    m, s, sigma = 1.5, 0.7, 0.4
    y = m + s * torch.randn(200_000, 1, generator=generator, dtype=torch.float64)
    noise = torch.randn(y.shape, generator=generator, dtype=torch.float64)
    model = QuadraticEnergy(1)
    _minimise(lambda: denoising_score_matching_loss(model, y, sigma, noise=noise), model)
    variance = 1 / float(model.precision)
    assert abs(float(model.mu) - m) < 0.01
    assert abs(variance - (s**2 + sigma**2)) < 0.01


def test_denoising_loss_with_fixed_noise_is_its_formula(generator):
    y = torch.randn(20, 2, generator=generator, dtype=torch.float64)
    noise = torch.randn(20, 2, generator=generator, dtype=torch.float64)
    model = QuadraticEnergy(2)                                     # E = ½|y|²: ∇E(ỹ) = ỹ
    sigma = 0.3
    expected = 0.5 * (sigma * (y + sigma * noise) - noise).square().sum(-1).mean()
    assert torch.allclose(denoising_score_matching_loss(model, y, sigma, noise=noise), expected)


def test_losses_are_differentiable_in_the_parameters(generator):
    y = torch.randn(10, 2, generator=generator, dtype=torch.float64)
    model = QuadraticEnergy(2)
    for loss in (score_matching_loss(model, y), denoising_score_matching_loss(model, y, 0.2, generator=generator)):
        grads = torch.autograd.grad(loss, list(model.parameters()))
        assert all(g.abs().sum() > 0 for g in grads)


def test_clear_errors(generator):
    model = QuadraticEnergy(2)
    with pytest.raises(ValueError, match="energy"):
        score_matching_loss(lambda y: y, torch.zeros(3, 2))       # energy must return (N,)
    with pytest.raises(ValueError, match="noise_std"):
        denoising_score_matching_loss(model, torch.zeros(3, 2), 0.0)
    with pytest.raises(ValueError, match="noise"):
        denoising_score_matching_loss(model, torch.zeros(3, 2), 0.1, noise=torch.zeros(2, 2))
    with pytest.raises(ValueError, match="y"):
        score_matching_loss(model, torch.zeros(3))
    assert math.isfinite(float(score_matching_loss(model, torch.zeros(3, 2, dtype=torch.float64))))
