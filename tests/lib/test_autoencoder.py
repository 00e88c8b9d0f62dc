"""Denoising and masked autoencoders against closed forms on Gaussian data: the best affine
restorer is the posterior mean (denoising) and the regression on the visible coordinate (masked)."""
import pytest
import torch

from energylab.models.autoencoder import DenoisingAutoencoder


def _train(model, y, generator, steps=1500, lr=2e-2):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        model.loss(y, generator=generator).backward()
        opt.step()
    return model


def test_affine_denoiser_learns_the_posterior_mean(generator):
    # y ~ N(m, s² I), ỹ = y + σ ε: E[y | ỹ] = m + s²/(s² + σ²) (ỹ − m), a shrinkage towards the mean.
    m, s, sigma = torch.tensor([1.0, -0.5]), 0.8, 0.6
    y = m + s * torch.randn(4000, 2, generator=generator)
    dae = _train(DenoisingAutoencoder(2, (), corruption="gaussian", noise_std=sigma), y, generator)
    weight = dae.net[0].weight.detach()[:, :2]                         # the part acting on ỹ
    shrink = s**2 / (s**2 + sigma**2)
    assert torch.allclose(weight, shrink * torch.eye(2), atol=0.05)
    assert torch.allclose(dae(m[None])[0].detach(), m, atol=0.05)      # the mean is a fixed point


def test_masked_restorer_learns_the_regression(generator):
    # y2 = ρ y1 + noise: hiding y2, the best restorer answers ρ y1 (the conditional mean), and vice versa.
    rho = 0.7
    y1 = torch.randn(4000, 1, generator=generator)
    y = torch.cat([y1, rho * y1 + (1 - rho**2) ** 0.5 * torch.randn(4000, 1, generator=generator)], -1)
    mae = _train(DenoisingAutoencoder(2, (32,), corruption="mask", mask_prob=0.5), y, generator, steps=1500)
    probe = torch.linspace(-1.5, 1.5, 7)[:, None]
    hide_second = torch.tensor([[0.0, 1.0]]).expand(7, -1)
    restored = mae(torch.cat([probe, torch.zeros(7, 1)], -1), hide_second)[:, 1].detach()
    assert torch.allclose(restored, rho * probe[:, 0], atol=0.08)


def test_corruption_and_energy_shapes(generator):
    y = torch.randn(50, 3, generator=generator)
    mae = DenoisingAutoencoder(3, (8,), corruption="mask", mask_prob=0.9)
    y_tilde, mask = mae.corrupt(y, generator=generator)
    assert torch.equal(y_tilde, y) and (mask.sum(-1) < 3).all() and set(mask.unique().tolist()) <= {0.0, 1.0}
    dae = DenoisingAutoencoder(3, (8,), noise_std=0.1)
    y_tilde, mask = dae.corrupt(y, generator=generator)
    assert (mask == 0).all() and 0.05 < float((y_tilde - y).std()) < 0.15
    for model in (mae, dae):
        e = model.energy(y)
        assert e.shape == (50,) and (e >= 0).all()


def test_masked_energy_scores_each_coordinate_restored_from_the_others(generator):
    y = torch.randn(5, 2, generator=generator)
    mae = DenoisingAutoencoder(2, (8,), corruption="mask")
    expected = sum((mae(y, torch.eye(2)[d].expand_as(y))[:, d] - y[:, d]).square() for d in range(2))
    assert torch.allclose(mae.energy(y), expected)


def test_clear_errors():
    with pytest.raises(ValueError, match="corruption"):
        DenoisingAutoencoder(2, corruption="blur")
    with pytest.raises(ValueError, match="mask_prob"):
        DenoisingAutoencoder(2, mask_prob=1.5)
    with pytest.raises(ValueError, match="y_tilde"):
        DenoisingAutoencoder(2)(torch.zeros(3, 3))
