"""energylab.divergences: the forward-KL fit equals the mixture's moments (by quadrature) and
minimises KL(p ‖ q); the reverse-KL fit finds one mode, the grid optimum of KL(q ‖ p) and, for a
Gaussian target, the target itself; grid KL/JSD against closed forms."""
import math

import pytest
import torch

from energylab.divergences import GaussianFit, forward_kl_fit, js_on_grid, kl_on_grid, reverse_kl_fit
from energylab.energies import GaussianMixtureEnergy

F64 = torch.float64


def _grid_2d(lim=7.0, n=561):
    axis = torch.linspace(-lim, lim, n, dtype=F64)
    pts = torch.stack(torch.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2)
    return pts, float(axis[1] - axis[0]) ** 2


def test_forward_kl_fit_is_the_mixtures_mean_and_full_covariance():
    mixture = GaussianMixtureEnergy(torch.tensor([[-1.5, 0.5], [1.0, 1.5], [0.5, -1.0]], dtype=F64),
                                    torch.tensor([0.4, 0.6, 0.5], dtype=F64), torch.tensor([0.5, 0.3, 0.2], dtype=F64))
    fit = forward_kl_fit(mixture)
    pts, cell = _grid_2d()
    p = torch.exp(-mixture(pts)) * cell
    assert abs(p.sum() - 1) < 1e-9
    mean = (p[:, None] * pts).sum(0)
    centred = pts - mean
    cov = (p[:, None, None] * centred[:, :, None] * centred[:, None, :]).sum(0)
    torch.testing.assert_close(fit.mean, mean, rtol=0, atol=1e-8)
    torch.testing.assert_close(fit.cov, cov, rtol=0, atol=1e-8)
    assert abs(fit.cov[0, 1]) > 0.1                                  # the centres make it correlated
    # it minimises KL(p ‖ q): moving the mean or the covariance raises it
    log_p = -mixture(pts)
    best = kl_on_grid(log_p, fit.log_prob(pts), cell)
    for dm, dc in [((0.2, 0.0), 0.0), ((0.0, -0.2), 0.0), ((0, 0), 0.2), ((0, 0), -0.2)]:
        other = GaussianFit(fit.mean + torch.tensor(dm, dtype=F64), fit.cov * (1 + dc))
        assert kl_on_grid(log_p, other.log_prob(pts), cell) > best
    with pytest.raises(TypeError, match="mixture"):
        forward_kl_fit(torch.zeros(2))


def _bimodal_1d():
    return GaussianMixtureEnergy(torch.tensor([[-3.0], [3.0]], dtype=F64), torch.tensor([1.0, 0.7], dtype=F64),
                                 torch.tensor([0.5, 0.5], dtype=F64))


def test_reverse_kl_fit_seeks_one_mode_and_reaches_the_grid_optimum():
    mixture = _bimodal_1d()
    x = torch.linspace(-12, 12, 4801, dtype=F64)[:, None]
    dx, log_p = float(x[1] - x[0]), -mixture(x)

    def reverse_kl(mean, std):
        return kl_on_grid(GaussianFit(torch.tensor([mean], dtype=F64), torch.tensor([[std ** 2]], dtype=F64)).log_prob(x),
                          log_p, dx).item()

    for start, (mode, width) in [(1.0, (3.0, 0.7)), (-0.5, (-3.0, 1.0))]:
        fit, losses = reverse_kl_fit(mixture, torch.tensor([start], dtype=F64), n_steps=400, lr=0.05,
                                     generator=torch.Generator().manual_seed(0))
        m, s = fit.mean.item(), fit.cov.sqrt().item()
        assert abs(m - mode) < 0.1 and abs(s - width) < 0.1, (start, m, s)
        # the grid optimum of KL(q ‖ p) near that mode, found by brute force
        grid = [(reverse_kl(mm, ss), mm, ss) for mm in torch.arange(mode - 0.5, mode + 0.5, 0.02).tolist()
                for ss in torch.arange(width - 0.3, width + 0.3, 0.02).tolist()]
        kl_best, m_best, s_best = min(grid)
        assert abs(kl_best - math.log(2)) < 0.01                     # one of two equal modes: KL ≈ log 2
        assert reverse_kl(m, s) < kl_best + 0.01
        assert abs(m - m_best) < 0.1 and abs(s - s_best) < 0.1
        assert losses.shape == (400,) and losses[-50:].mean() < losses[:10].mean()
    # the forward fit covers both modes instead: mean between them, std about 3.2
    fwd = forward_kl_fit(mixture)
    assert abs(fwd.mean.item()) < 1e-12 and abs(fwd.cov.item() - (9 + 0.5 * (1 + 0.49))) < 1e-12


def test_reverse_kl_fit_recovers_a_correlated_gaussian():
    """When p is Gaussian, KL(q ‖ p) = 0 at q = p: the full covariance (off-diagonal of L) is learned."""
    mean = torch.tensor([1.0, -0.5], dtype=F64)
    cov = torch.tensor([[1.0, 0.6], [0.6, 0.5]], dtype=F64)
    target = torch.distributions.MultivariateNormal(mean, cov)
    fit, _ = reverse_kl_fit(lambda y: -target.log_prob(y), torch.zeros(2, dtype=F64), n_steps=600, lr=0.05,
                            n_samples=512, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(fit.mean, mean, rtol=0, atol=0.05)
    torch.testing.assert_close(fit.cov, cov, rtol=0, atol=0.05)
    assert fit.mean.dtype == F64


def test_grid_divergences_against_closed_forms():
    x = torch.linspace(-15, 15, 30001, dtype=F64)
    dx = float(x[1] - x[0])
    normal = lambda m, s: torch.distributions.Normal(torch.tensor(m, dtype=F64), torch.tensor(s, dtype=F64)).log_prob(x)
    m1, s1, m2, s2 = 0.3, 1.2, -0.5, 0.8
    want = math.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5
    assert abs(kl_on_grid(normal(m1, s1), normal(m2, s2), dx).item() - want) < 1e-9
    assert abs(js_on_grid(normal(0.0, 1.0), normal(0.0, 1.0), dx).item()) < 1e-12
    assert abs(js_on_grid(normal(-8.0, 0.5), normal(8.0, 0.5), dx).item() - math.log(2)) < 1e-9    # disjoint
    with pytest.raises(ValueError, match="log_q"):
        kl_on_grid(x, x[:-1], dx)
