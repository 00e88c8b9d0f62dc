"""Diagnostics against brute force, closed forms and scikit-learn."""
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from energylab.diagnostics import auroc, effective_sample_size, energy_distance, r_hat
from energylab.samplers.langevin import mala, sgld


def brute_force_energy_distance(x, y, unbiased):
    x, y = x.numpy(), y.numpy()
    n, m = len(x), len(y)
    xy = sum(np.linalg.norm(a - b) for a in x for b in y) / (n * m)
    xx = sum(np.linalg.norm(x[i] - x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1 if unbiased else n))
    yy = sum(np.linalg.norm(y[i] - y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1 if unbiased else m))
    return 2 * xy - xx - yy


@pytest.mark.parametrize("unbiased", [False, True])
def test_energy_distance_matches_brute_force(unbiased, generator):
    x = torch.randn(30, 3, generator=generator, dtype=torch.float64)
    y = torch.randn(41, 3, generator=generator, dtype=torch.float64) + 0.3
    value = energy_distance(x, y, unbiased=unbiased).item()
    assert math.isclose(value, brute_force_energy_distance(x, y, unbiased), rel_tol=1e-10)
    assert math.isclose(value, energy_distance(y, x, unbiased=unbiased).item(), rel_tol=1e-12)


def test_energy_distance_v_statistic_is_never_negative_and_has_the_null_level(generator):
    """Under P = Q: the V-statistic is >= 0 with mean E|X - X'| (1/n + 1/m); the U-statistic has mean 0
    and takes both signs."""
    n, m = 50, 80
    draws = [(torch.randn(n, 2, generator=generator, dtype=torch.float64),
              torch.randn(m, 2, generator=generator, dtype=torch.float64)) for _ in range(400)]
    v = torch.stack([energy_distance(a, b) for a, b in draws])
    u = torch.stack([energy_distance(a, b, unbiased=True) for a, b in draws])
    assert v.min() >= 0
    mean_distance = math.sqrt(math.pi)        # E|X - X'| for 2-D standard normals: sqrt(2) * sqrt(pi / 2)
    null_level = mean_distance * (1 / n + 1 / m)
    assert abs(v.mean().item() / null_level - 1) < 4 * v.std().item() / null_level / 20
    assert abs(u.mean().item()) < 4 * u.std().item() / 20 and u.min() < 0 < u.max()


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
    level, spread = null.mean(), null.std()
    x0 = 4 * torch.rand(n, 2, generator=generator, dtype=torch.float64) - 2
    good = mala(mixture_energy, x0, n_steps=300, step_size=0.2, generator=generator).x
    bad = sgld(mixture_energy, x0, n_steps=300, step_size=0.2, generator=generator)
    assert energy_distance(good, exact_mixture(n, generator)) < level + 5 * spread
    assert energy_distance(bad, exact_mixture(n, generator)) > level + 10 * spread


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


def test_chains_stuck_in_different_places_have_small_ess_and_large_r_hat(generator):
    """M chains of independent draws around M different centres: each chain alone looks perfect, but
    together they are worth about M draws (one per centre), and R-hat is far above 1."""
    T, M = 1000, 8
    iid = torch.randn(T, M, generator=generator, dtype=torch.float64)
    stuck = iid + 3.0 * torch.arange(M, dtype=torch.float64)           # chain m sits at 3 m
    assert effective_sample_size(iid).item() > 0.8 * M * T
    assert abs(r_hat(iid).item() - 1) < 0.01
    assert effective_sample_size(stuck).item() < 0.02 * M * T
    # closed form for split chains: W ~ 1, var+ ~ (n-1)/n + var(3 m) over the 2M half-chains
    centres = 3.0 * torch.arange(M, dtype=torch.float64).repeat(2)
    expected = math.sqrt(((T // 2 - 1) / (T // 2) + centres.var().item()) / 1.0)
    assert abs(r_hat(stuck).item() / expected - 1) < 0.05


def test_a_drifting_chain_fails_split_r_hat(generator):
    """One chain per start that is still moving (a linear trend): its two halves disagree."""
    T, M = 400, 4
    drift = torch.linspace(0, 5, T, dtype=torch.float64)[:, None] + 0.3 * torch.randn(T, M, generator=generator,
                                                                                         dtype=torch.float64)
    assert r_hat(drift).item() > 1.5


@pytest.mark.parametrize("rho", [0.0, 0.7])
def test_ess_and_r_hat_equal_arviz(rho, generator):
    """ArviZ's ess(method="mean") and rhat(method="split") (split chains, no rank normalisation)."""
    az = pytest.importorskip("arviz")
    chain = ar1(600, 6, rho, generator) + 0.2 * torch.arange(6, dtype=torch.float64)
    draws = chain.T.numpy()                                             # ArviZ: (chain, draw)
    assert math.isclose(effective_sample_size(chain).item(), float(az.ess(draws, method="mean")), rel_tol=0.02)
    assert math.isclose(r_hat(chain).item(), float(az.rhat(draws, method="split")), rel_tol=1e-9)


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
    with pytest.raises(ValueError, match="at least 4"):
        r_hat(torch.zeros(3, 2))
    with pytest.raises(TypeError, match="positive"):
        auroc([1.0, 2.0], torch.zeros(3))
    with pytest.raises(ValueError, match="negative"):
        auroc(torch.zeros(3), torch.zeros(3, 1))
