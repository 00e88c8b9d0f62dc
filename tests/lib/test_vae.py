"""energylab.models.vae against exact answers.

The linear-Gaussian model z ~ N(0, I), x | z ~ N(Az + b, σ²I) has log p(x) and the posterior
p(z | x) in closed form, so the bounds are checked as identities: ELBO ≤ log p(x), the gap is
KL(q ‖ posterior), the exact posterior closes it, IWAE grows with K towards log p(x).  Gradients
of the reparameterised estimator against the closed form of a quadratic; analytic KL against
torch.distributions and against Monte Carlo; the trainer against a hand-written loop and against
the maximum-likelihood solution of probabilistic PCA."""
import math

import pytest
import torch
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from energylab.models import VAE, BernoulliDecoder, GaussianDecoder, GaussianEncoder
from energylab.models.vae import (
    GaussianParams,
    elbo,
    gaussian_kl,
    iwae_bound,
    latent_grid,
    latent_traversal,
    log_normal,
    reparameterize,
    sample_latent,
    train_vae,
)

D_X, D_Z, SIGMA = 5, 2, 0.7
F64 = torch.float64


# --------------------------------------------------------------------------- the linear-Gaussian oracle
class LinearGaussian:
    """z ~ N(0, I_d), x | z ~ N(A z + b, σ² I): exact marginal and posterior."""

    def __init__(self, A, b, sigma):
        self.A, self.b, self.sigma = A, b, sigma
        d = A.shape[1]
        self.precision = torch.eye(d, dtype=F64) + A.T @ A / sigma ** 2          # Λ
        self.cov = torch.linalg.inv(self.precision)                               # S

    def log_px(self, x):
        cov = self.A @ self.A.T + self.sigma ** 2 * torch.eye(self.A.shape[0], dtype=F64)
        return MultivariateNormal(self.b, cov).log_prob(x)

    def posterior_mean(self, x):
        return (x - self.b) @ self.A @ self.cov.T / self.sigma ** 2              # (N, d)

    def posterior(self, x):
        return MultivariateNormal(self.posterior_mean(x), self.cov)

    def exact_elbo(self, x, q):
        """E_q log N(x; Az + b, σ²I) in closed form, minus the analytic KL to the prior."""
        mu, var = q.mean, q.log_var.exp()
        resid = x - mu @ self.A.T - self.b
        trace = (self.A.square() * var[:, None, :]).sum(-1).sum(-1)              # tr(A diag(var) Aᵀ)
        rec = -0.5 * ((resid.square().sum(-1) + trace) / self.sigma ** 2 + x.shape[1] * math.log(2 * math.pi * self.sigma ** 2))
        return rec - gaussian_kl(mu, q.log_var)

    def decoder(self):
        dec = GaussianDecoder(self.A.shape[1], self.A.shape[0], hidden=(), sigma=self.sigma).double()
        with torch.no_grad():
            dec.net[0].weight.copy_(self.A)
            dec.net[0].bias.copy_(self.b)
        return dec

    def exact_encoder(self):
        """A linear encoder whose q(z | x) is the exact posterior (valid when it is diagonal)."""
        d, D = self.A.shape[1], self.A.shape[0]
        enc = GaussianEncoder(D, d, hidden=()).double()
        W = self.cov @ self.A.T / self.sigma ** 2                                 # mean = W (x - b)
        with torch.no_grad():
            enc.net[0].weight.zero_()
            enc.net[0].weight[:d] = W
            enc.net[0].bias[:d] = -W @ self.b
            enc.net[0].bias[d:] = torch.diagonal(self.cov).log()
        return enc


def _model(generator, orthogonal=False):
    A = torch.randn(D_X, D_Z, generator=generator, dtype=F64)
    if orthogonal:                      # orthogonal columns: the posterior covariance is diagonal
        Q, _ = torch.linalg.qr(A)
        A = Q * torch.tensor([1.5, 0.8], dtype=F64)
    b = torch.randn(D_X, generator=generator, dtype=F64)
    return LinearGaussian(A, b, SIGMA)


def _random_q(n, generator, scale=1.0):
    return GaussianParams(scale * torch.randn(n, D_Z, generator=generator, dtype=F64),
                          -1 + 0.5 * torch.randn(n, D_Z, generator=generator, dtype=F64))


def _data(model, n, generator):
    z = torch.randn(n, D_Z, generator=generator, dtype=F64)
    return z @ model.A.T + model.b + SIGMA * torch.randn(n, D_X, generator=generator, dtype=F64)


def test_gap_between_log_px_and_elbo_is_kl_to_the_exact_posterior(generator):
    model = _model(generator)
    x = _data(model, 6, generator)
    q = _random_q(6, generator)
    exact = model.exact_elbo(x, q)
    kl_post = kl_divergence(MultivariateNormal(q.mean, torch.diag_embed(q.log_var.exp())), model.posterior(x))
    torch.testing.assert_close(exact + kl_post, model.log_px(x), rtol=0, atol=1e-10)
    assert (exact < model.log_px(x)).all() and (kl_post > 0).all()
    # the library's Monte-Carlo ELBO is an unbiased estimate of the exact one (within 4 standard errors)
    dec, K = model.decoder(), 20000
    g = torch.Generator().manual_seed(3)
    estimate = elbo(dec, x, q, n_samples=K, generator=g)
    per_draw = dec.log_prob(x, sample_latent(q, K, generator=torch.Generator().manual_seed(3)))     # (K, N)
    se = per_draw.std(0) / math.sqrt(K)
    assert ((estimate - exact).abs() < 4 * se).all(), (estimate - exact) / se
    # the same draws through the Monte-Carlo KL: mean of log q - log p(z), unbiased too
    mc = elbo(dec, x, q, n_samples=K, kl="mc", generator=torch.Generator().manual_seed(3))
    z = sample_latent(q, K, generator=torch.Generator().manual_seed(3))
    se_mc = (per_draw - log_normal(z, q.mean, q.log_var) + log_normal(z)).std(0) / math.sqrt(K)
    assert ((mc - exact).abs() < 4 * se_mc).all()


def test_exact_posterior_closes_the_gap_and_every_bound_equals_log_px(generator):
    model = _model(generator, orthogonal=True)
    assert torch.allclose(model.cov, torch.diag(torch.diagonal(model.cov)), atol=1e-12)
    vae = VAE(model.exact_encoder(), model.decoder())
    x = _data(model, 7, generator)
    q = vae.encoder(x)
    torch.testing.assert_close(q.mean, model.posterior_mean(x))
    log_px = model.log_px(x)
    torch.testing.assert_close(model.exact_elbo(x, q), log_px, rtol=0, atol=1e-10)
    # with q = posterior every importance weight p(x, z)/q(z|x) equals p(x): no Monte-Carlo noise at all
    for K in (1, 3, 50):
        torch.testing.assert_close(vae.elbo(x, n_samples=K, kl="mc", generator=generator), log_px, rtol=0, atol=1e-9)
        torch.testing.assert_close(vae.iwae_bound(x, K, generator=generator), log_px, rtol=0, atol=1e-9)
    # the free energy: -log p(x) = -log ∫ exp(-E(x, z)) dz, and -ELBO bounds it (equal here)
    torch.testing.assert_close(vae.variational_free_energy(x, n_samples=2, kl="mc", generator=generator), -log_px)


def test_energy_integrates_to_the_marginal_likelihood(generator):
    """exp(-E(x, z)) = p(x, z): a quadrature over a 2-D grid of z recovers log p(x)."""
    model = _model(generator)
    vae = VAE(GaussianEncoder(D_X, D_Z, hidden=()).double(), model.decoder())
    x = _data(model, 3, generator)
    axis = torch.linspace(-8, 8, 641, dtype=F64)
    zz = torch.stack(torch.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 1, 2).expand(-1, 3, 2)   # (G, N, 2)
    with torch.no_grad():
        energy = vae.energy(x, zz)                                                  # (G, N)
    log_px = torch.logsumexp(-energy, 0) + 2 * math.log(axis[1] - axis[0])
    torch.testing.assert_close(log_px, model.log_px(x), rtol=0, atol=1e-6)


def test_iwae_increases_with_k_towards_log_px(generator):
    model = _model(generator)
    x = _data(model, 1, generator)
    post_mean = model.posterior_mean(x)
    # a deliberately poor q: the posterior mean shifted, variances inflated
    q1 = GaussianParams(post_mean + 0.3, torch.diagonal(model.cov).log().expand(1, -1) + 1.0)
    log_px = model.log_px(x).item()
    R = 2000                                                         # independent replicates, one row each
    xr, q = x.expand(R, -1), GaussianParams(q1.mean.expand(R, -1), q1.log_var.expand(R, -1))
    g = torch.Generator().manual_seed(11)
    means, ses = [], []
    for K in (1, 2, 4, 16, 64, 256):
        values = iwae_bound(model.decoder(), xr, q, K, generator=g)
        means.append(values.mean().item())
        ses.append(values.std().item() / math.sqrt(R))
    exact_elbo = model.exact_elbo(x, q1).item()
    assert abs(means[0] - exact_elbo) < 4 * ses[0]                   # K = 1 is the ELBO
    gaps = [log_px - m for m in means]
    assert gaps[0] > 0.5                                             # the ELBO is far below log p(x) ...
    for a, b, sa, sb in zip(means, means[1:], ses, ses[1:]):
        assert b > a - 3 * math.hypot(sa, sb)                        # ... each larger K is at least as tight ...
    assert means[-1] > means[0] + 10 * ses[0]
    assert 0 <= gaps[-1] + 3 * ses[-1] and gaps[-1] < 0.03 * gaps[0]   # ... and K = 256 is nearly exact
    print("IWAE gaps:", [round(gap, 4) for gap in gaps])


def test_reparameterised_gradient_matches_the_closed_form_of_a_quadratic(generator):
    """f(z) = zᵀMz + cᵀz: E_q f = μᵀMμ + Σ_i M_ii σ_i² + cᵀμ, so ∇_μ = (M + Mᵀ)μ + c, ∇_{log σ²_i} = M_ii σ_i²."""
    M = torch.randn(3, 3, generator=generator, dtype=F64)
    c = torch.randn(3, generator=generator, dtype=F64)
    mu = torch.randn(1, 3, generator=generator, dtype=F64, requires_grad=True)
    log_var = (0.3 * torch.randn(1, 3, generator=generator, dtype=F64)).requires_grad_(True)
    K = 100000
    z = sample_latent((mu, log_var), K, generator=generator)[:, 0]            # (K, 3)
    f = ((z @ M) * z).sum(-1) + z @ c
    g_mu, g_lv = torch.autograd.grad(f.mean(), (mu, log_var))
    with torch.no_grad():
        sigma = torch.exp(0.5 * log_var[0])
        want_mu = (M + M.T) @ mu[0] + c
        want_lv = torch.diagonal(M) * sigma.square()
        per_mu = z @ (M + M.T).T + c                                            # ∇_z f at each draw
        per_lv = per_mu * 0.5 * (z - mu[0])                                     # chain rule through σ = e^{lv/2}
        torch.testing.assert_close(g_mu[0], per_mu.mean(0))                     # autograd = the per-draw formula
        torch.testing.assert_close(g_lv[0], per_lv.mean(0))
        assert ((g_mu[0] - want_mu).abs() < 5 * per_mu.std(0) / math.sqrt(K)).all()
        assert ((g_lv[0] - want_lv).abs() < 5 * per_lv.std(0) / math.sqrt(K)).all()


def test_reparameterize_is_mean_plus_std_times_noise_and_pins_draws(generator):
    mu = torch.randn(4, 3, generator=generator)
    lv = torch.randn(4, 3, generator=generator)
    eps = torch.randn(2, 4, 3, generator=generator)
    torch.testing.assert_close(reparameterize(mu, lv, eps), mu + lv.exp().sqrt() * eps)
    a = sample_latent((mu, lv), 2, generator=torch.Generator().manual_seed(5))
    noise = torch.randn((2, 4, 3), generator=torch.Generator().manual_seed(5))
    torch.testing.assert_close(a, mu + torch.exp(0.5 * lv) * noise)
    assert a.dtype == torch.float32 and sample_latent((mu.double(), lv.double())).dtype == F64


def test_analytic_kl_matches_torch_distributions_and_monte_carlo(generator):
    mu = torch.randn(5, 4, generator=generator, dtype=F64)
    lv = torch.randn(5, 4, generator=generator, dtype=F64)
    peer = kl_divergence(Normal(mu, torch.exp(0.5 * lv)), Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1)
    torch.testing.assert_close(gaussian_kl(mu, lv), peer)
    K = 50000
    z = sample_latent((mu, lv), K, generator=generator)
    per_draw = log_normal(z, mu, lv) - log_normal(z)
    assert ((per_draw.mean(0) - peer).abs() < 4 * per_draw.std(0) / math.sqrt(K)).all()
    torch.testing.assert_close(log_normal(z[0], mu, lv), Normal(mu, torch.exp(0.5 * lv)).log_prob(z[0]).sum(-1))
    # elbo(kl="mc") - elbo(kl="analytic") on the same draws is exactly the Monte-Carlo KL error
    dec = BernoulliDecoder(4, 6, hidden=(8,)).double()
    x = torch.bernoulli(torch.full((5, 6), 0.5, dtype=F64), generator=generator)
    a = elbo(dec, x, (mu, lv), n_samples=K, generator=torch.Generator().manual_seed(1))
    b = elbo(dec, x, (mu, lv), n_samples=K, kl="mc", generator=torch.Generator().manual_seed(1))
    z1 = sample_latent((mu, lv), K, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(b - a, peer - (log_normal(z1, mu, lv) - log_normal(z1)).mean(0))


def test_kl_is_stable_where_the_variance_underflows():
    mu = torch.zeros(1, 2)
    lv = torch.tensor([[-200.0, 80.0]])                   # σ² = e^-200 underflows to 0 in float32
    kl = gaussian_kl(mu, lv)
    want = 0.5 * ((0 - 1 + 200) + (math.exp(80) - 1 - 80))
    assert torch.isfinite(kl).all() and math.isclose(kl.item(), want, rel_tol=1e-5)
    assert kl.dtype == torch.float32


def test_decoders_log_prob_against_torch_distributions(generator):
    dec = BernoulliDecoder(3, 6, hidden=(16, 16)).double()
    z = torch.randn(4, 5, 3, generator=generator, dtype=F64)                      # (K, N, d)
    x = torch.bernoulli(torch.full((5, 6), 0.3, dtype=F64), generator=generator)
    peer = torch.distributions.Bernoulli(logits=dec(z)).log_prob(x).sum(-1)
    torch.testing.assert_close(dec.log_prob(x, z), peer)
    assert dec.log_prob(x, z).shape == (4, 5)
    # logits of ±1e4 (float32): exact, where log(sigmoid(ℓ)) would be log 0
    lin = BernoulliDecoder(1, 2, hidden=())
    with torch.no_grad():
        lin.net[0].weight.zero_()
        lin.net[0].bias.copy_(torch.tensor([1e4, -1e4]))
    lp = lin.log_prob(torch.tensor([[0.0, 1.0], [1.0, 0.0]]), torch.zeros(2, 1))
    torch.testing.assert_close(lp, torch.tensor([-2e4, 0.0]))
    gdec = GaussianDecoder(3, 6, hidden=(8,)).double()
    with torch.no_grad():
        gdec.log_sigma.copy_(0.3 * torch.randn(6, generator=generator, dtype=F64))
    xg = torch.randn(5, 6, generator=generator, dtype=F64)
    peer = Normal(gdec(z), gdec.log_sigma.exp()).log_prob(xg).sum(-1)
    torch.testing.assert_close(gdec.log_prob(xg, z), peer)
    assert isinstance(gdec.log_sigma, torch.nn.Parameter)
    fixed = GaussianDecoder(3, 6, sigma=0.25)
    assert fixed.log_sigma == math.log(0.25) and "log_sigma" not in dict(fixed.named_parameters())


def test_elbo_gradients_reach_encoder_and_decoder(generator):
    torch.manual_seed(0)
    vae = VAE(GaussianEncoder(6, 2, hidden=(8,)), BernoulliDecoder(2, 6, hidden=(8,))).double()
    x = torch.bernoulli(torch.full((9, 6), 0.5, dtype=F64), generator=generator)
    vae.elbo(x, n_samples=3, generator=generator).mean().backward()
    for name, p in vae.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_train_vae_equals_a_hand_written_loop(generator):
    x = torch.bernoulli(torch.full((23, 6), 0.4, dtype=F64), generator=generator)

    def make():
        torch.manual_seed(7)
        return VAE(GaussianEncoder(6, 2, hidden=(5,)), BernoulliDecoder(2, 6, hidden=(5,))).double()

    vae = make()
    history = train_vae(vae, x, epochs=2, lr=0.01, batch_size=10, n_samples=3, kl="mc",
                        generator=torch.Generator().manual_seed(4), progress=False)
    ref = make()
    g = torch.Generator().manual_seed(4)
    opt = torch.optim.Adam(ref.parameters(), lr=0.01)
    losses = []
    for _ in range(2):
        order, total = torch.randperm(23, generator=g), 0.0
        for start in range(0, 23, 10):                        # batches of 10, 10, 3
            xb = x[order[start:start + 10]]
            loss = -ref.elbo(xb, n_samples=3, kl="mc", generator=g).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        losses.append(total / 23)
    for (name, p), q in zip(vae.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=1e-12, msg=name)
    torch.testing.assert_close(torch.tensor(history["loss"], dtype=F64), torch.tensor(losses, dtype=F64))
    assert set(history) == {"loss", "reconstruction", "kl"}
    torch.testing.assert_close(torch.tensor(history["loss"]),
                               torch.tensor(history["kl"]) - torch.tensor(history["reconstruction"]))


def test_linear_vae_reaches_the_probabilistic_pca_maximum_likelihood(generator):
    """A linear VAE with fixed σ trained by the ELBO finds pPCA's ML solution (Tipping & Bishop 1999):
    A Aᵀ = U (Λ − σ² I) Uᵀ on the top eigenvectors, and its ELBO there equals the ML log-likelihood."""
    A = torch.tensor([[2.0, 0.0], [1.0, 1.0], [0.0, -1.5], [0.5, 0.5]], dtype=F64)
    data = LinearGaussian(A, torch.tensor([1.0, -1.0, 0.5, 0.0], dtype=F64), 0.5)
    n = 400
    z = torch.randn(n, 2, generator=generator, dtype=F64)
    x = z @ A.T + data.b + 0.5 * torch.randn(n, 4, generator=generator, dtype=F64)
    x_bar = x.mean(0)
    evals, evecs = torch.linalg.eigh(torch.cov(x.T, correction=0))
    U, lam = evecs[:, -2:], evals[-2:]
    aat_ml = U @ torch.diag(lam - 0.25) @ U.T
    ml = LinearGaussian(U @ torch.diag((lam - 0.25).sqrt()), x_bar, 0.5)
    torch.manual_seed(1)
    vae = VAE(GaussianEncoder(4, 2, hidden=()), GaussianDecoder(2, 4, hidden=(), sigma=0.5)).double()
    train_vae(vae, x, epochs=2000, lr=0.05, batch_size=None, n_samples=8, generator=generator, progress=False)
    W, b = vae.decoder.net[0].weight.detach(), vae.decoder.net[0].bias.detach()
    torch.testing.assert_close(W @ W.T, aat_ml, rtol=0, atol=0.06)
    torch.testing.assert_close(b, x_bar, rtol=0, atol=0.03)
    learned = LinearGaussian(W, b, 0.5)
    with torch.no_grad():
        assert learned.log_px(x).mean() > ml.log_px(x).mean() - 2e-3          # at the likelihood's maximum
        exact_elbo = learned.exact_elbo(x, vae.encoder(x)).mean()
        assert abs(exact_elbo - ml.log_px(x).mean()) < 0.015                  # and the bound is (nearly) tight there


def test_sampling_reconstruction_and_latent_maps(generator):
    torch.manual_seed(0)
    vae = VAE(GaussianEncoder(6, 2, hidden=(8,)), BernoulliDecoder(2, 6, hidden=(8,)))
    s = vae.sample(5, generator=torch.Generator().manual_seed(2))
    z = torch.randn(5, 2, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(s, torch.sigmoid(vae.decoder(z)))
    binary = vae.sample(5, generator=generator, mean=False)
    assert set(binary.unique().tolist()) <= {0.0, 1.0}
    x = torch.rand(4, 6, generator=generator)
    torch.testing.assert_close(vae.reconstruct(x), torch.sigmoid(vae.decoder(vae.encoder(x).mean)))
    values = torch.linspace(-2, 2, 7)
    z0 = torch.tensor([0.3, -0.4])
    path = latent_traversal(vae, z0, 1, values)
    torch.testing.assert_close(path, vae.decoder.mean(torch.stack([torch.full((7,), 0.3), values], 1)).detach())
    grid = latent_grid(vae, 5, span=0.9)
    assert grid.shape == (5, 5, 6)
    q = Normal(0.0, 1.0).icdf(torch.tensor(0.95))
    torch.testing.assert_close(grid[0, 0], vae.decoder.mean(torch.tensor([-q, q])).detach())   # top left: z1 low, z2 high
    torch.testing.assert_close(grid[4, 4], vae.decoder.mean(torch.tensor([q, -q])).detach())


def test_clear_errors():
    enc, dec = GaussianEncoder(6, 2), BernoulliDecoder(3, 6)
    with pytest.raises(ValueError, match="decoder"):
        VAE(enc, dec)
    vae = VAE(enc, BernoulliDecoder(2, 6))
    with pytest.raises(ValueError, match="kl"):
        vae.elbo(torch.rand(3, 6), kl="exact")
    with pytest.raises(ValueError, match="x"):
        vae.elbo(torch.rand(3, 5))
    with pytest.raises(ValueError, match="q.mean"):
        elbo(vae.decoder, torch.rand(3, 6), (torch.zeros(4, 2), torch.zeros(4, 2)))
    with pytest.raises(ValueError, match="q.log_var"):
        elbo(vae.decoder, torch.rand(3, 6), (torch.zeros(3, 2), torch.zeros(3, 1)))
    with pytest.raises(ValueError, match="n_samples"):
        vae.iwae_bound(torch.rand(3, 6), 0)
    with pytest.raises(ValueError, match="hidden"):
        GaussianEncoder(6, 2, hidden=(4, 0))
    with pytest.raises(ValueError, match="dim"):
        latent_traversal(vae, torch.zeros(2), 2, torch.zeros(3))
    with pytest.raises(ValueError, match="latent_dim"):
        latent_grid(VAE(GaussianEncoder(6, 3), BernoulliDecoder(3, 6)))
    with pytest.raises(TypeError, match="generator"):
        vae.sample(3, generator=3)
