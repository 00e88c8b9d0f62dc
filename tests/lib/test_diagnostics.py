"""Diagnostics against brute force, closed forms and scikit-learn."""
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from energylab.diagnostics import auroc, effective_sample_size, energy_distance
from energylab.samplers.langevin import mala, sgld


def brute_force_energy_distance(x, y):
    x, y = x.numpy(), y.numpy()
    n, m = len(x), len(y)
    xy = sum(np.linalg.norm(a - b) for a in x for b in y) / (n * m)
    xx = sum(np.linalg.norm(x[i] - x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(np.linalg.norm(y[i] - y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    return 2 * xy - xx - yy


def test_energy_distance_matches_brute_force(generator):
    x = torch.randn(30, 3, generator=generator, dtype=torch.float64)
    y = torch.randn(41, 3, generator=generator, dtype=torch.float64) + 0.3
    assert math.isclose(energy_distance(x, y).item(), brute_force_energy_distance(x, y), rel_tol=1e-10)
    assert math.isclose(energy_distance(x, y).item(), energy_distance(y, x).item(), rel_tol=1e-12)


WEIGHTS = torch.tensor([0.3, 0.7], dtype=torch.float64)
MEANS = torch.tensor([[-1.0, 0.0], [1.0, 0.5]], dtype=torch.float64)
STDS = torch.tensor([0.6, 0.5], dtype=torch.float64)


def mixture_energy(x):
    """E(x) = -log sum_k w_k N(x; mu_k, s_k^2 I) up to a constant; x (n, 2) -> (n,)."""
    sq = ((x[:, None, :] - MEANS[None]) ** 2).sum(-1)                               # (n, 2)
    return -torch.logsumexp(torch.log(WEIGHTS) - 0.5 * sq / STDS ** 2 - 2 * torch.log(STDS), dim=1)


def exact_mixture(n, generator):
    k = (torch.rand(n, generator=generator, dtype=torch.float64) < WEIGHTS[1]).long()
    return MEANS[k] + STDS[k, None] * torch.randn(n, 2, generator=generator, dtype=torch.float64)


def test_energy_distance_separates_mala_from_biased_ula(generator):
    """Null spread from pairs of exact samples; MALA stays inside it, ULA at a big step does not."""
    n = 1000
    null = torch.stack([energy_distance(exact_mixture(n, generator), exact_mixture(n, generator))
                        for _ in range(20)])
    spread = null.std()
    assert abs(null.mean()) < 3 * spread                    # unbiased under the null
    x0 = 4 * torch.rand(n, 2, generator=generator, dtype=torch.float64) - 2
    good = mala(mixture_energy, x0, n_steps=300, step_size=0.2, generator=generator).x
    bad = sgld(mixture_energy, x0, n_steps=300, step_size=0.2, generator=generator)
    assert abs(energy_distance(good, exact_mixture(n, generator))) < 5 * spread
    assert energy_distance(bad, exact_mixture(n, generator)) > 10 * spread


def ar1(T, M, rho, generator):
    x = torch.empty(T, M, dtype=torch.float64)
    x[0] = torch.randn(M, generator=generator, dtype=torch.float64)
    noise = torch.randn(T, M, generator=generator, dtype=torch.float64) * math.sqrt(1 - rho ** 2)
    for t in range(1, T):
        x[t] = rho * x[t - 1] + noise[t]
    return x


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_ess_of_ar1_chains_matches_closed_form(rho, generator):
    T, M = 4000, 32
    chain = ar1(T, M, rho, generator)
    tau = (1 + rho) / (1 - rho)                               # integrated autocorrelation time
    expected = M * T / tau
    # Sokal's approximation: var(tau_hat) / tau^2 ~ 2 (2 W + 1) / (M T) for a window of W lags;
    # Geyer's truncation stops near W ~ 5 tau here
    rel_se = math.sqrt(2 * (2 * 5 * tau + 1) / (M * T))
    assert abs(effective_sample_size(chain).item() / expected - 1) < 4 * rel_se


def test_ess_per_coordinate_shape(generator):
    chain = torch.stack([ar1(500, 4, 0.0, generator), ar1(500, 4, 0.95, generator)], dim=-1)   # (T, M, 2)
    ess = effective_sample_size(chain)
    assert ess.shape == (2,) and ess[0] > 5 * ess[1]
    for d in range(2):        # each coordinate on its own gives the same value
        torch.testing.assert_close(ess[d], effective_sample_size(chain[..., d]))


def test_auroc_matches_sklearn_with_ties(generator):
    for dtype in (torch.float32, torch.float64):
        pos = torch.randn(300, generator=generator, dtype=dtype) + 0.7
        neg = torch.randn(200, generator=generator, dtype=dtype)
        pos_t, neg_t = pos.round(), neg.round()                   # many ties
        for p, q in ((pos, neg), (pos_t, neg_t)):
            scores = torch.cat([p, q]).numpy()
            labels = np.r_[np.ones(len(p)), np.zeros(len(q))]
            assert math.isclose(auroc(p, q).item(), roc_auc_score(labels, scores), rel_tol=1e-6)
    assert auroc(torch.tensor([2.0, 3.0]), torch.tensor([0.0, 1.0])).item() == 1.0
    assert auroc(torch.tensor([1.0]), torch.tensor([1.0])).item() == 0.5


def test_clear_errors():
    with pytest.raises(ValueError, match="y"):
        energy_distance(torch.zeros(5, 2), torch.zeros(5, 3))
    with pytest.raises(ValueError, match="at least 2"):
        energy_distance(torch.zeros(1, 2), torch.zeros(5, 2))
    with pytest.raises(ValueError, match="chain"):
        effective_sample_size(torch.zeros(10))
    with pytest.raises(TypeError, match="positive"):
        auroc([1.0, 2.0], torch.zeros(3))
    with pytest.raises(ValueError, match="negative"):
        auroc(torch.zeros(3), torch.zeros(3, 1))
