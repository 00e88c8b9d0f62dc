"""Langevin samplers against closed forms.

ULA's update here is x' = x - a grad E(x) + s xi.  For a Gaussian target
E(x) = (x - mu)^T P (x - mu) / 2 (P = Sigma^-1) the chain is the linear recursion
x' - mu = A (x - mu) + s xi with A = I - a P (symmetric), whose stationary law is
N(mu, C) with C = A C A + s^2 I, i.e. C = s^2 (I - A^2)^-1.  For s^2 = 2a and a 1-D
target N(0, v) this is v / (1 - a / (2 v)): the known step-size bias.  MALA is exact.

For a Gaussian *mixture* ULA's stationary law has no closed form, so the test computes
it by discretising ULA's transition kernel on a fine 1-D grid and solving pi K = pi.

Every statistical bound is derived: the chains are independent, so a sample mean of n
chains has standard error sqrt(var / n) and an entry of the sample covariance has
standard error sqrt((C_ij^2 + C_ii C_jj) / n); the tests allow 5 standard errors.
"""
import math

import numpy as np
import pytest
import torch
from torch import nn

from energylab.samplers.langevin import energy_and_grad, frozen, langevin_step, mala, mala_step, sgld

Z = 5.0   # standard errors allowed


def gaussian_energy(mu, precision):
    def energy(x):                                   # x (n, d) -> (n,)
        diff = x - mu
        return 0.5 * ((diff @ precision) * diff).sum(dim=1)
    return energy


def mixture_energy(weights, means, stds):
    """E(x) = -log sum_k w_k N(x; mu_k, s_k^2 I) for x (n, d); means (K, d), stds (K,)."""
    d = means.shape[1]

    def energy(x):
        sq = ((x[:, None, :] - means[None]) ** 2).sum(-1)               # (n, K)
        log_comp = -0.5 * sq / stds ** 2 - d * torch.log(stds) - 0.5 * d * math.log(2 * math.pi)
        return -torch.logsumexp(torch.log(weights) + log_comp, dim=1)
    return energy


def assert_moments(samples, mean, cov):
    """Sample mean and covariance of independent chains match (mean, cov) within Z s.e."""
    n = samples.shape[0]
    se_mean = torch.sqrt(torch.diagonal(cov) / n)
    assert torch.all((samples.mean(0) - mean).abs() < Z * se_mean), (samples.mean(0), mean)
    sample_cov = torch.cov(samples.T).reshape(cov.shape)
    se_cov = torch.sqrt((cov ** 2 + torch.outer(torch.diagonal(cov), torch.diagonal(cov))) / n)
    assert torch.all((sample_cov - cov).abs() < Z * se_cov), (sample_cov, cov)
    return se_cov


MU = torch.tensor([1.0, -2.0], dtype=torch.float64)
SIGMA = torch.tensor([[1.0, 0.6], [0.6, 0.8]], dtype=torch.float64)
PRECISION = torch.linalg.inv(SIGMA)


def ula_covariance(step, noise):
    A = torch.eye(2, dtype=torch.float64) - step * PRECISION
    return noise ** 2 * torch.linalg.inv(torch.eye(2, dtype=torch.float64) - A @ A)


def test_ula_matches_its_biased_closed_form_on_a_gaussian(generator):
    step, n = 0.25, 20_000                  # stable for step < 2 * smallest eigenvalue of Sigma = 0.58
    x0 = 3 * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    x = sgld(gaussian_energy(MU, PRECISION), x0, n_steps=300, step_size=step, generator=generator)
    cov = ula_covariance(step, math.sqrt(2 * step))
    se_cov = assert_moments(x, MU, cov)
    # the bias is real and larger than the test's tolerance: the exact Sigma would fail
    assert (torch.diagonal(cov) - torch.diagonal(SIGMA) > 2 * Z * torch.diagonal(se_cov)).all()
    # the 1-D special case of s^2 (1 - A^2)^-1 is v / (1 - a / (2 v))
    v, a = 0.7, 0.2
    assert math.isclose(2 * a / (1 - (1 - a / v) ** 2), v / (1 - a / (2 * v)), rel_tol=1e-12)


def test_sgld_with_independent_noise_scale_matches_closed_form(generator):
    step, noise, n = 0.1, 0.2, 20_000        # T = noise^2 / (2 step) = 0.2: a cold chain
    x0 = torch.randn(n, 2, generator=generator, dtype=torch.float64)
    x = sgld(gaussian_energy(MU, PRECISION), x0, n_steps=400, step_size=step, noise_scale=noise,
             generator=generator)
    assert_moments(x, MU, ula_covariance(step, noise))


def test_mala_is_unbiased_on_a_gaussian_at_a_large_step(generator):
    step, n = 0.4, 20_000                    # ULA at this step inflates the variance by ~40 %
    x0 = 3 * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    result = mala(gaussian_energy(MU, PRECISION), x0, n_steps=300, step_size=step, generator=generator)
    assert_moments(result.x, MU, SIGMA)
    assert result.acceptance.shape == (n,)
    assert 0.3 < result.acceptance.mean() < 0.95
    assert result.chain is None


def test_mala_matches_a_2d_gaussian_mixture(generator):
    weights = torch.tensor([0.3, 0.7], dtype=torch.float64)
    means = torch.tensor([[-1.0, 0.0], [1.0, 0.5]], dtype=torch.float64)
    stds = torch.tensor([0.6, 0.5], dtype=torch.float64)
    mean = weights @ means
    second = sum(w * (s ** 2 * torch.eye(2, dtype=torch.float64) + torch.outer(m, m))
                 for w, m, s in zip(weights, means, stds))
    cov = second - torch.outer(mean, mean)
    n = 6_000
    x0 = 4 * torch.rand(n, 2, generator=generator, dtype=torch.float64) - 2
    result = mala(mixture_energy(weights, means, stds), x0, n_steps=400, step_size=0.12, generator=generator)
    assert_moments(result.x, mean, cov)
    # the mode weights are right (plug-in binomial bound); they start near 50/50
    right = (result.x[:, 0] > 0).double().mean()
    p_right = sum(w * 0.5 * math.erfc(-m[0].item() / (s.item() * math.sqrt(2)))
                  for w, m, s in zip(weights, means, stds))
    assert abs(right - p_right) < Z * math.sqrt(p_right * (1 - p_right) / n)


def ula_stationary_on_grid(energy, step, noise, lo=-6.0, hi=7.0, h=0.01):
    """Stationary law of ULA in 1-D by discretising its Gaussian kernel on a grid."""
    grid = torch.arange(lo, hi, h, dtype=torch.float64)
    _, grad = energy_and_grad(energy, grid[:, None])
    centre = grid - step * grad[:, 0]
    K = torch.exp(-0.5 * ((grid[None, :] - centre[:, None]) / noise) ** 2)     # K[i, j] = q(j | i)
    K = (K / K.sum(1, keepdim=True)).numpy()
    M = K.T - np.eye(len(grid))
    M[-1] = 1.0                                   # replace one equation by sum(pi) = 1
    rhs = np.zeros(len(grid))
    rhs[-1] = 1.0
    pi = torch.from_numpy(np.linalg.solve(M, rhs))
    return grid, pi


def test_grid_oracle_reproduces_the_gaussian_closed_form():
    v, step = 0.5, 0.1
    grid, pi = ula_stationary_on_grid(gaussian_energy(torch.zeros(1, dtype=torch.float64),
                                                      torch.tensor([[1 / v]], dtype=torch.float64)),
                                      step, math.sqrt(2 * step), lo=-5, hi=5)
    assert math.isclose((pi * grid ** 2).sum().item(), v / (1 - step / (2 * v)), rel_tol=1e-4)


def test_ula_matches_the_grid_oracle_on_a_1d_mixture_and_mala_the_exact_law(generator):
    weights = torch.tensor([0.3, 0.7], dtype=torch.float64)
    means = torch.tensor([[-0.8], [0.8]], dtype=torch.float64)
    stds = torch.tensor([0.4, 0.5], dtype=torch.float64)
    energy = mixture_energy(weights, means, stds)
    step, n = 0.15, 20_000
    grid, pi = ula_stationary_on_grid(energy, step, math.sqrt(2 * step))
    ula_m1, ula_m2 = (pi * grid).sum(), (pi * grid ** 2).sum()
    exact_m1 = (weights * means[:, 0]).sum()
    exact_m2 = (weights * (stds ** 2 + means[:, 0] ** 2)).sum()

    x0 = 8 * torch.rand(n, 1, generator=generator, dtype=torch.float64) - 4
    x = sgld(energy, x0, n_steps=600, step_size=step, generator=generator)[:, 0]
    se1 = torch.sqrt((ula_m2 - ula_m1 ** 2) / n)
    se2 = (x ** 2).std() / math.sqrt(n)
    assert abs(x.mean() - ula_m1) < Z * se1
    assert abs((x ** 2).mean() - ula_m2) < Z * se2
    assert ula_m2 - exact_m2 > Z * se2              # ULA's bias is visible: the exact law would fail

    m = n // 2                                       # MALA costs two gradients per step
    y = mala(energy, x0[:m], n_steps=400, step_size=step, generator=generator).x[:, 0]
    assert abs(y.mean() - exact_m1) < Z * torch.sqrt((exact_m2 - exact_m1 ** 2) / m)
    assert abs((y ** 2).mean() - exact_m2) < Z * (y ** 2).std() / math.sqrt(m)


def test_one_step_by_hand_with_explicit_noise():
    x = torch.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=torch.float64)
    noise = torch.tensor([[0.3, -0.1], [0.2, 0.4]], dtype=torch.float64)
    energy = gaussian_energy(MU, PRECISION)
    grad = (x - MU) @ PRECISION
    out = langevin_step(energy, x, step_size=0.1, noise_scale=0.05, noise=noise)
    torch.testing.assert_close(out, x - 0.1 * grad + 0.05 * noise)
    default = langevin_step(energy, x, step_size=0.1, noise=noise)
    torch.testing.assert_close(default, x - 0.1 * grad + math.sqrt(0.2) * noise)
    # gradient sign: without noise a step lowers the energy
    assert (energy(langevin_step(energy, x, step_size=0.1, noise_scale=0.0)) < energy(x)).all()


def test_gradient_clipping_and_clamping(generator):
    energy = lambda x: 100.0 * x.pow(2).sum(1)                           # huge gradients
    x = torch.tensor([[0.5, 0.5], [0.01, 0.0]], dtype=torch.float64)
    out = langevin_step(energy, x, step_size=0.01, noise_scale=0.0, grad_clip=1.0)
    moved = (out - x).norm(dim=1)
    assert math.isclose(moved[0].item(), 0.01, rel_tol=1e-9)             # clipped: step * max_norm
    assert math.isclose(moved[1].item(), 0.01, rel_tol=1e-9)             # gradient norm 2, clipped to 1
    small = torch.tensor([[0.001, 0.0]], dtype=torch.float64)            # gradient norm 0.2: untouched
    torch.testing.assert_close(langevin_step(energy, small, step_size=0.01, noise_scale=0.0, grad_clip=1.0),
                               small - 0.01 * 200 * small)
    wide = sgld(lambda x: 0.0 * x.sum(1), torch.zeros(500, 3), n_steps=5, step_size=1.0, noise_scale=3.0,
                bounds=(-1.0, 1.0), generator=generator)
    assert wide.min() >= -1 and wide.max() <= 1 and (wide.abs() == 1).any()


def test_same_generator_seed_same_chains_and_chain_shape():
    energy = gaussian_energy(MU.float(), PRECISION.float())
    x0 = torch.zeros(7, 2)
    runs = []
    for _ in range(2):
        g = torch.Generator().manual_seed(5)
        runs.append(sgld(energy, x0, n_steps=4, step_size=0.1, generator=g, return_chain=True))
    torch.testing.assert_close(runs[0][1], runs[1][1], rtol=0, atol=0)
    x, chain = runs[0]
    assert chain.shape == (5, 7, 2) and torch.equal(chain[0], x0) and torch.equal(chain[-1], x)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    m1, m2 = (mala(energy, x0, n_steps=3, step_size=0.1, generator=g, return_chain=True) for g in (g1, g2))
    assert torch.equal(m1.chain, m2.chain) and m1.chain.shape == (4, 7, 2)


class Quadratic(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(2.0))
        self.fixed = nn.Parameter(torch.tensor(0.5), requires_grad=False)
        self.seen_flags = []

    def forward(self, x):
        self.seen_flags.append((self.scale.requires_grad, self.fixed.requires_grad))
        return self.scale * self.fixed * x.pow(2).sum(1)

    def energy(self, x):
        return self(x)


@pytest.mark.parametrize("how", ["module", "bound method"])
def test_parameters_frozen_while_sampling_and_restored(how, generator):
    model = Quadratic()
    before = [p.detach().clone() for p in model.parameters()]
    energy = model if how == "module" else model.energy
    x0 = torch.randn(10, 3, generator=generator)
    sgld(energy, x0, n_steps=3, step_size=0.1, generator=generator)
    mala(energy, x0, n_steps=3, step_size=0.1, generator=generator)
    mala_step(energy, x0, step_size=0.1, generator=generator)
    assert model.seen_flags and all(flags == (False, False) for flags in model.seen_flags)
    assert model.scale.requires_grad and not model.fixed.requires_grad     # flags restored
    assert all(p.grad is None for p in model.parameters())                # no grads accumulated
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    # an existing .grad is left alone too
    model.scale.grad = torch.tensor(7.0)
    sgld(energy, x0, n_steps=2, step_size=0.1, generator=generator)
    assert model.scale.grad.item() == 7.0


def test_flags_restored_after_an_error():
    model = Quadratic()
    with pytest.raises(RuntimeError):
        with frozen(model):
            assert not model.scale.requires_grad
            raise RuntimeError("boom")
    assert model.scale.requires_grad and not model.fixed.requires_grad


def test_works_inside_no_grad():
    with torch.no_grad():
        out = langevin_step(lambda x: x.pow(2).sum(1), torch.ones(2, 2), step_size=0.1, noise_scale=0.0)
    torch.testing.assert_close(out, torch.full((2, 2), 0.8))


def test_clear_errors(generator):
    energy = lambda x: x.pow(2).sum(1)
    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="energy"):
        sgld(lambda x: x.pow(2), x, n_steps=1, step_size=0.1)
    with pytest.raises(ValueError, match="step_size"):
        sgld(energy, x, n_steps=1, step_size=-0.1)
    with pytest.raises(TypeError, match="x"):
        mala(energy, torch.zeros(4, 2, dtype=torch.long), n_steps=1, step_size=0.1)
    with pytest.raises(TypeError, match="generator"):
        sgld(energy, x, n_steps=1, step_size=0.1, generator=1234)
    with pytest.raises(ValueError, match="bounds"):
        sgld(energy, x, n_steps=1, step_size=0.1, bounds=(1.0, -1.0))
    with pytest.raises(ValueError, match="n_steps"):
        mala(energy, x, n_steps=0, step_size=0.1)
    with pytest.raises(ValueError, match="noise"):
        langevin_step(energy, x, step_size=0.1, noise=torch.zeros(3, 2))
