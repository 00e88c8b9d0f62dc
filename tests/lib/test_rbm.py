"""RBMs against brute force, autograd and scikit-learn's BernoulliRBM; per-row biases against
row-by-row shared biases; generic AIS against exact enumeration."""
import math

import numpy as np
import pytest
import torch
from sklearn.neural_network import BernoulliRBM as SkRBM

from energylab.data import load_digits
from energylab.models import BoltzmannMachine
from energylab.models.rbm import BernoulliRBM, Biases, GaussianBernoulliRBM, base_rate_bias
from energylab.samplers import ais_log_partition, enumerate_states, sequential_gibbs_sweep, tv_bound, tv_distance
from energylab.train import PersistentChains, cd_gradient, likelihood_gradient, pcd_gradient, train_rbm

F64 = torch.float64


def random_rbm(cls, n_v, n_h, generator, scale=1.0, **kwargs):
    rbm = cls(n_v, n_h, weight_scale=scale, generator=generator, dtype=F64, **kwargs)
    with torch.no_grad():
        rbm.b.normal_(0.0, 0.5, generator=generator)
        rbm.c.normal_(0.0, 0.5, generator=generator)
    return rbm


def scaled_digits():
    """sklearn's own test data: digits scaled to [0, 1] (not binarised)."""
    return load_digits("unit", dtype=torch.float64).images.numpy()


class TorchReplayState(np.random.RandomState):
    """A RandomState whose uniform/randint draws come from a torch.Generator, so
    scikit-learn consumes exactly the random numbers our sampler would."""

    def __init__(self, generator):
        super().__init__(0)
        self.torch_generator = generator

    def uniform(self, low=0.0, high=1.0, size=None):
        assert (low, high) == (0.0, 1.0)
        return torch.rand(size, generator=self.torch_generator, dtype=F64).numpy()

    def randint(self, low, high=None, size=None):
        return torch.randint(low, high, (size,), generator=self.torch_generator).numpy()


def sklearn_copy(rbm, batch_size):
    """A fitted-looking sklearn BernoulliRBM holding our parameters."""
    sk = SkRBM(n_components=rbm.n_hidden, learning_rate=0.1, batch_size=batch_size)
    sk.components_ = rbm.W.detach().numpy().T.copy()
    sk.intercept_visible_ = rbm.b.detach().numpy().copy()
    sk.intercept_hidden_ = rbm.c.detach().numpy().copy()
    sk.n_features_in_ = rbm.n_visible
    sk._n_features_out = rbm.n_hidden
    return sk


# ----- brute force ------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [BernoulliRBM, GaussianBernoulliRBM])
def test_free_energy_is_brute_force_marginal_over_h(cls, generator):
    kwargs = {"sigma": torch.tensor([0.5, 1.0, 2.0, 0.7], dtype=F64)} if cls is GaussianBernoulliRBM else {}
    rbm = random_rbm(cls, 4, 5, generator, **kwargs)
    v = enumerate_states(4, dtype=F64) if cls is BernoulliRBM else torch.randn(7, 4, generator=generator, dtype=F64)
    hs = enumerate_states(5, dtype=F64)
    energies = torch.stack([rbm.energy(v, h.expand(len(v), -1)) for h in hs], 1)  # (B, 2**5)
    assert torch.allclose(rbm.free_energy(v), -torch.logsumexp(-energies, 1))
    # p(h_j = 1 | v): the mass of the states with h_j = 1
    post = torch.softmax(-energies, 1)
    assert torch.allclose(rbm.hidden_probs(v), post @ hs)


def test_visible_conditional_by_brute_force(generator):
    rbm = random_rbm(BernoulliRBM, 4, 3, generator)
    vs, h = enumerate_states(4, dtype=F64), torch.tensor([[1.0, 0.0, 1.0]], dtype=F64)
    post = torch.softmax(-rbm.energy(vs, h.expand(16, -1)), 0)
    assert torch.allclose(rbm.visible_probs(h)[0], post @ vs)


@pytest.mark.parametrize("n_v, n_h", [(4, 6), (6, 4)])  # both branches: enumerate v, enumerate h
def test_exact_log_partition_enumerates_the_smaller_layer(n_v, n_h, generator):
    rbm = random_rbm(BernoulliRBM, n_v, n_h, generator)
    joint = enumerate_states(n_v + n_h, dtype=F64)
    brute = torch.logsumexp(-rbm.energy(joint[:, :n_v], joint[:, n_v:]), 0)
    assert torch.allclose(rbm.log_partition(), brute)
    assert torch.allclose(rbm.log_prob(enumerate_states(n_v, dtype=F64)).exp().sum(), torch.ones((), dtype=F64))


def test_gaussian_bernoulli_log_partition_by_quadrature(generator):
    rbm = random_rbm(GaussianBernoulliRBM, 1, 4, generator, sigma=0.6)
    grid = torch.linspace(-20, 20, 400001, dtype=F64)[:, None]
    quad = torch.logsumexp(-rbm.free_energy(grid), 0) + math.log(grid[1, 0] - grid[0, 0])
    assert torch.allclose(rbm.log_partition(), quad, atol=1e-8)


def test_pseudo_likelihood_by_brute_force(generator):
    rbm = random_rbm(BernoulliRBM, 5, 3, generator)
    vs = enumerate_states(5, dtype=F64)
    log_p = rbm.log_prob(vs)
    brute = torch.zeros(32, dtype=F64)
    for i in range(5):  # log p(v_i | v_-i) = log p(v) - log(p(v) + p(v with i flipped))
        flipped = vs.clone()
        flipped[:, i] = 1 - flipped[:, i]
        brute += log_p - torch.logaddexp(log_p, rbm.log_prob(flipped))
    assert torch.allclose(rbm.pseudo_log_likelihood(vs), brute)


# ----- samplers ---------------------------------------------------------------------------
def test_block_gibbs_reaches_the_exact_distribution(generator):
    rbm = random_rbm(BernoulliRBM, 5, 4, generator)
    chains = 20000
    v0 = torch.bernoulli(torch.full((chains, 5), 0.5, dtype=F64), generator=generator)
    samples = rbm.gibbs(v0, 40, generator=generator)
    log_p = rbm.log_prob(enumerate_states(5, dtype=F64)).detach()
    assert tv_distance(samples, log_p) < tv_bound(log_p, chains)
    # the bound has power: the same samples fail against a slightly different model
    with torch.no_grad():
        rbm.b += 0.2
    log_q = rbm.log_prob(enumerate_states(5, dtype=F64)).detach()
    assert tv_distance(samples, log_q) > tv_bound(log_q, chains)


def test_gaussian_bernoulli_gibbs_reaches_the_exact_hidden_marginal(generator):
    rbm = random_rbm(GaussianBernoulliRBM, 3, 4, generator, sigma=0.8)
    chains = 20000
    v = rbm.gibbs(torch.zeros(chains, 3, dtype=F64), 40, generator=generator)
    h = rbm.sample_hidden(v, generator=generator)
    hs = enumerate_states(4, dtype=F64)
    log_p_h = (rbm._log_z_over_hidden(hs, rbm.check_biases()) - rbm.log_partition()).detach()  # p(h) = sum_v e^{-E} / Z
    assert torch.allclose(log_p_h.exp().sum(), torch.ones((), dtype=F64))
    assert tv_distance(h, log_p_h) < tv_bound(log_p_h, chains)


# ----- learning ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [BernoulliRBM, GaussianBernoulliRBM])
def test_cd_gradient_is_autograd_of_free_energy_difference(cls, generator):
    rbm = random_rbm(cls, 6, 4, generator, scale=0.5)
    v = torch.rand(8, 6, generator=generator, dtype=F64)
    v = v.round() if cls is BernoulliRBM else v
    for n_sweeps in (1, 3):
        grad, v_k = cd_gradient(rbm, v, n_sweeps, generator=generator)
        rbm.zero_grad()
        (rbm.free_energy(v).mean() - rbm.free_energy(v_k).mean()).backward()
        assert torch.allclose(grad.W, -rbm.W.grad)
        assert torch.allclose(grad.b, -rbm.b.grad)
        assert torch.allclose(grad.c, -rbm.c.grad)
        again = likelihood_gradient(rbm, v, v_k)  # the formula with the chain's end as model samples
        assert all(torch.allclose(a, b) for a, b in zip(again, grad))


def test_free_energy_conditionals_and_pseudo_likelihood_equal_sklearn(generator):
    rbm = random_rbm(BernoulliRBM, 64, 20, generator, scale=0.3)
    X = scaled_digits()[:50]
    sk = sklearn_copy(rbm, 10)
    v = torch.from_numpy(X)
    assert np.allclose(rbm.free_energy(v).detach().numpy(), sk._free_energy(X), atol=1e-12)
    assert np.allclose(rbm.hidden_probs(v).detach().numpy(), sk.transform(X), atol=1e-12)
    sk.random_state = TorchReplayState(torch.Generator().manual_seed(5))
    ours = rbm.pseudo_log_likelihood(v, generator=torch.Generator().manual_seed(5))
    assert np.allclose(ours.detach().numpy(), sk.score_samples(X), atol=1e-10)


def test_pcd_updates_equal_sklearn_with_replayed_randomness():
    """sklearn's BernoulliRBM._fit is PCD-1 with hidden-state chains; feeding it the
    uniforms of a torch.Generator must give our parameters to rounding error."""
    X = scaled_digits()[:600]  # a multiple of the batch size
    rbm = BernoulliRBM(64, 32, generator=torch.Generator().manual_seed(0), dtype=F64)
    sk = sklearn_copy(rbm, 10)
    sk.h_samples_ = np.zeros((10, 32))
    # one update
    chains = PersistentChains(rbm, 10)
    ours = pcd_gradient(rbm, torch.from_numpy(X[:10]), chains, generator=torch.Generator().manual_seed(1))
    rng = TorchReplayState(torch.Generator().manual_seed(1))
    W0 = sk.components_.copy()
    sk._fit(X[:10], rng)
    assert np.allclose((sk.components_ - W0).T, 0.1 * ours.W.numpy(), atol=1e-14)
    assert np.allclose(sk.h_samples_, chains.hidden.numpy())
    # a whole epoch: train_rbm with sklearn's defaults vs sklearn's fit loop, same draws
    rbm = BernoulliRBM(64, 32, generator=torch.Generator().manual_seed(0), dtype=F64)
    sk = sklearn_copy(rbm, 10)
    sk.h_samples_ = np.zeros((10, 32))
    train_rbm(rbm, torch.from_numpy(X), method="pcd", lr=0.1, batch_size=10, generator=torch.Generator().manual_seed(2))
    rng = TorchReplayState(torch.Generator().manual_seed(2))
    for start in range(0, len(X), 10):
        sk._fit(X[start:start + 10], rng)
    assert np.allclose(rbm.W.detach().numpy().T, sk.components_, atol=1e-10)
    assert np.allclose(rbm.b.detach().numpy(), sk.intercept_visible_, atol=1e-10)
    assert np.allclose(rbm.c.detach().numpy(), sk.intercept_hidden_, atol=1e-10)


def test_on_a_short_last_batch_sklearn_weights_the_chains_by_lr_over_the_batch():
    """The docstring's claim: draw for draw equal only when the batch size divides N.  On a short
    batch of 5 rows with 10 chains sklearn's update is lr/5 (data stats - chain stats); ours keeps
    -lr/10 for the chains (the average over the chains); the data parts agree."""
    X = scaled_digits()[:5]
    rbm = BernoulliRBM(64, 16, generator=torch.Generator().manual_seed(0), dtype=F64)
    sk = sklearn_copy(rbm, 10)
    sk.h_samples_ = np.zeros((10, 16))
    W0 = sk.components_.T.copy()
    sk._fit(X, TorchReplayState(torch.Generator().manual_seed(1)))
    v = torch.from_numpy(X)
    ours = 0.1 * pcd_gradient(rbm, v, PersistentChains(rbm, 10), generator=torch.Generator().manual_seed(1)).W
    data_stats = v.T @ rbm.hidden_probs(v).detach()
    chain_stats = (0.1 / 5 * data_stats - ours) / (0.1 / 10)          # ours = lr/5 data - lr/10 chains
    assert np.allclose(sk.components_.T - W0, (0.1 / 5 * (data_stats - chain_stats)).numpy(), atol=1e-12)
    assert not np.allclose(sk.components_.T - W0, ours.numpy(), atol=1e-4)


@pytest.mark.parametrize("dtype", [torch.float32, F64])
@pytest.mark.parametrize("n_rows, batch_size, n_chains, shuffle, chunk", [
    (60, 10, None, False, None),      # sklearn's setting: batch 10, chains of the batch size
    (67, 10, None, True, None),       # a short last batch (the generic step), shuffled
    (67, 10, 4, False, 700),          # fewer chains than rows, several chunks of steps
    (23, 4, 9, True, 1),              # more chains than rows, one step per chunk
    (7, 10, None, False, None),       # only a short batch
])
def test_fused_pcd1_epoch_equals_the_generic_step_bit_for_bit(monkeypatch, dtype, n_rows, batch_size, n_chains,
                                                              shuffle, chunk):
    """train_rbm's fast PCD-1 epoch (_pcd1_epoch) against its generic step (_pcd_rows + ascend_): the same
    parameters and chains, exactly, over two epochs (a CPU generator draws the same uniforms in one call
    as in many)."""
    from energylab.train import contrastive_divergence as cdiv
    data = torch.from_numpy(scaled_digits()[:n_rows]).to(dtype)
    results = []
    for fused in (True, False):
        if chunk is not None:
            monkeypatch.setattr(cdiv, "_CHUNK_ELEMENTS", chunk)
        monkeypatch.setattr(cdiv, "_plain_bernoulli", lambda rbm, fused=fused: fused)
        g = torch.Generator().manual_seed(7)
        rbm = BernoulliRBM(64, 12, generator=g, dtype=dtype)
        chains = None if n_chains is None else PersistentChains(rbm, n_chains)
        chains = train_rbm(rbm, data, lr=0.1, batch_size=batch_size, epochs=2, shuffle=shuffle, chains=chains,
                           generator=g)
        results.append((rbm.W.detach(), rbm.b.detach(), rbm.c.detach(), chains.hidden, torch.rand(3, generator=g)))
    for fast, generic in zip(*results):
        assert torch.equal(fast, generic)


def test_the_fast_path_is_taken_only_for_plain_bernoulli_rbms():
    from energylab.models import LabelledRBM
    from energylab.train.contrastive_divergence import _plain_bernoulli

    class Subclass(BernoulliRBM):
        pass

    class OwnSampler(BernoulliRBM):
        def sample_visible(self, h, *, biases=None, generator=None):
            return super().sample_visible(h, biases=biases, generator=generator)

    assert _plain_bernoulli(BernoulliRBM(3, 2)) and _plain_bernoulli(Subclass(3, 2))
    assert not _plain_bernoulli(OwnSampler(3, 2))
    assert not _plain_bernoulli(GaussianBernoulliRBM(3, 2)) and not _plain_bernoulli(LabelledRBM(3, 2, 2))


def test_a_cpu_generator_fills_one_tensor_as_it_fills_many():
    """What _pcd1_epoch relies on (in both float dtypes)."""
    for dtype in (torch.float32, F64):
        g = torch.Generator().manual_seed(0)
        parts = [torch.rand(size, generator=g, dtype=dtype).flatten() for size in [(10, 64), (10, 7), (3,)] * 20]
        assert torch.equal(torch.cat(parts), torch.rand(sum(map(len, parts)), generator=g.manual_seed(0), dtype=dtype))


def test_pseudo_likelihood_on_sklearns_own_test_settings():
    """sklearn's test_fit: scaled digits, 64 hidden, lr 0.1, batch 10, 7 epochs,
    asserts score_samples(X).mean() == -21 to 0 decimals (|error| < 1.5)."""
    X = scaled_digits()
    sk = SkRBM(n_components=64, learning_rate=0.1, batch_size=10, n_iter=7, random_state=9).fit(X)
    theirs = sk.score_samples(X).mean()
    g = torch.Generator().manual_seed(9)
    rbm = BernoulliRBM(64, 64, generator=g, dtype=F64)
    v = torch.from_numpy(X)
    train_rbm(rbm, v, method="pcd", lr=0.1, batch_size=10, epochs=7, generator=g)
    ours = rbm.pseudo_log_likelihood(v, generator=g).mean().item()
    exact = rbm.pseudo_log_likelihood(v).mean().item()
    assert abs(theirs + 21) < 1.5
    assert abs(ours + 21) < 1.5
    assert abs(exact + 21) < 1.5  # the all-units sum agrees with the one-unit estimate


def test_training_lowers_reconstruction_error_and_raises_exact_likelihood():
    g = torch.Generator().manual_seed(0)
    data = load_digits("binary", dtype=F64).images[:500]
    for method, n_sweeps in (("cd", 1), ("pcd", 1), ("cd", 3)):
        rbm = BernoulliRBM(64, 12, generator=g, dtype=F64)
        rec0, ll0 = rbm.reconstruction_error(data).item(), rbm.log_prob(data).mean().item()
        train_rbm(rbm, data, method=method, n_sweeps=n_sweeps, lr=0.05, batch_size=20, epochs=3, shuffle=True, generator=g)
        assert rbm.reconstruction_error(data).item() < rec0
        assert rbm.log_prob(data).mean().item() > ll0 + 10


# ----- the practical guide's update: momentum, weight decay, sparsity target -----------------
def _clone(rbm):
    twin = type(rbm)(rbm.n_visible, rbm.n_hidden, dtype=F64, **({"sigma": rbm.sigma} if hasattr(rbm, "sigma") else {}))
    twin.load_state_dict(rbm.state_dict())
    return twin


@pytest.mark.parametrize("cls, method", [(BernoulliRBM, "cd"), (GaussianBernoulliRBM, "pcd")])
def test_momentum_weight_decay_and_sparsity_follow_the_guide_replayed(cls, method, generator):
    """train_rbm with every option on = the rule written out by hand on the same random draws:
    q <- d q + (1-d) mean p(h|v);  Δ = lr (g - λ W - s (q - p) [mean v ⊗ 1, 1]);  v <- m v + Δ;  θ += v."""
    data = torch.rand(30, 6, generator=generator, dtype=F64).round()
    rbm = random_rbm(cls, 6, 4, generator, scale=0.3)
    by_hand = _clone(rbm)
    lr, m, wd, target, cost, decay = 0.05, 0.8, 0.01, 0.1, 0.5, 0.7
    seed = 11
    train_rbm(rbm, data, method=method, lr=lr, batch_size=10, epochs=2, momentum=m, weight_decay=wd,
              sparsity_target=target, sparsity_cost=cost, sparsity_decay=decay,
              generator=torch.Generator().manual_seed(seed))
    g = torch.Generator().manual_seed(seed)
    chains = PersistentChains(by_hand, 10) if method == "pcd" else None
    velocity = [torch.zeros_like(p) for p in (by_hand.W, by_hand.b, by_hand.c)]
    q = None
    with torch.no_grad():
        for _ in range(2):
            for start in range(0, 30, 10):
                v = data[start:start + 10]
                probs = by_hand.hidden_probs(v)                       # before the update: the data phase
                grad = cd_gradient(by_hand, v, generator=g)[0] if method == "cd" else \
                    pcd_gradient(by_hand, v, chains, generator=g)
                q = probs.mean(0) if q is None else decay * q + (1 - decay) * probs.mean(0)
                excess = cost * (q - target)
                steps = [grad.W - wd * by_hand.W - torch.outer(by_hand.visible_input(v).mean(0), excess),
                         grad.b, grad.c - excess]
                for param, vel, step in zip((by_hand.W, by_hand.b, by_hand.c), velocity, steps):
                    vel.mul_(m).add_(lr * step)
                    param.add_(vel)
    for ours, theirs in zip((rbm.W, rbm.b, rbm.c), (by_hand.W, by_hand.b, by_hand.c)):
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_sparsity_term_is_the_gradient_of_the_cross_entropy_to_the_target(generator):
    """With one example per batch and no averaging (decay 0) the sparsity step is exactly minus the
    autograd gradient of s * sum_j CE(p, q_j), q_j = σ(c_j + v·W_:j), with respect to c and W: the
    derivative with respect to the total input is q - p."""
    v = torch.rand(1, 5, generator=generator, dtype=F64).round()
    rbm = random_rbm(BernoulliRBM, 5, 3, generator)
    target, cost = 0.2, 0.7
    W = rbm.W.detach().clone().requires_grad_()
    c = rbm.c.detach().clone().requires_grad_()
    q = torch.sigmoid(c + v @ W)[0]
    penalty = cost * -(target * q.log() + (1 - target) * (1 - q).log()).sum()
    penalty.backward()
    # the step of train_rbm minus the plain CD step on the same draws is the sparsity step (lr = 1)
    with_sparsity, plain = _clone(rbm), _clone(rbm)
    train_rbm(with_sparsity, v, method="cd", lr=1.0, batch_size=1, sparsity_target=target, sparsity_cost=cost,
              sparsity_decay=0.0, generator=torch.Generator().manual_seed(3))
    train_rbm(plain, v, method="cd", lr=1.0, batch_size=1, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(with_sparsity.W - plain.W, -W.grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(with_sparsity.c - plain.c, -c.grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(with_sparsity.b, plain.b)


def test_weight_decay_alone_shrinks_w_by_its_closed_form(generator):
    """With all-zero data and visible biases so negative that the chain returns v = 0 as well, both CD
    phases see v = 0 and their statistics cancel exactly: the only force on W is the decay.  With
    momentum m the closed form is W_t = r_t W_0, v_t = m v_{t-1} - lr λ r_{t-1}, r_t = r_{t-1} + v_t."""
    rbm = random_rbm(BernoulliRBM, 4, 3, generator)
    data = torch.zeros(20, 4, dtype=F64)
    with torch.no_grad():
        rbm.b.fill_(-60.0)
    W0 = rbm.W.detach().clone()
    lr, m, wd, steps = 0.1, 0.5, 0.3, 4
    train_rbm(rbm, data, method="cd", lr=lr, batch_size=5, epochs=1, momentum=m, weight_decay=wd,
              generator=torch.Generator().manual_seed(0))
    w, vel = 1.0, 0.0
    for _ in range(steps):
        vel = m * vel - lr * wd * w
        w = w + vel
    torch.testing.assert_close(rbm.W.detach(), W0 * w, rtol=1e-12, atol=1e-14)


# ----- annealed importance sampling --------------------------------------------------------
@pytest.mark.parametrize("n_hidden", [2, 10, 20])
def test_ais_is_within_005_nats_of_exact_log_z(n_hidden):
    g = torch.Generator().manual_seed(n_hidden)
    data = load_digits("binary", dtype=torch.float64).images
    rbm = BernoulliRBM(64, n_hidden, generator=g, dtype=F64)
    train_rbm(rbm, data, method="pcd", lr=0.05, batch_size=20, epochs=2, shuffle=True, generator=g)
    exact = rbm.log_partition().item()
    result = ais_log_partition(rbm.annealing_path(base_rate_bias(data)), n_betas=2000, n_runs=100, generator=g)
    assert abs(result.log_z - exact) < 0.05
    assert result.log_z_low < result.log_z < result.log_z_high
    assert result.log_weights.shape == (100,)


def test_clear_errors(generator):
    rbm = BernoulliRBM(4, 3)
    with pytest.raises(ValueError, match="v"):
        rbm.free_energy(torch.zeros(2, 5))
    with pytest.raises(TypeError, match="v"):
        rbm.hidden_probs(torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="method"):
        train_rbm(rbm, torch.zeros(10, 4), method="sgd")
    with pytest.raises(ValueError, match="momentum"):
        train_rbm(rbm, torch.zeros(10, 4), momentum=1.0)
    with pytest.raises(ValueError, match="sparsity_target"):
        train_rbm(rbm, torch.zeros(10, 4), sparsity_target=0.0, sparsity_cost=0.1)
    with pytest.raises(ValueError, match="weight_decay"):
        train_rbm(rbm, torch.zeros(10, 4), weight_decay=-1e-3)
    with pytest.raises(ValueError, match="sigma"):
        GaussianBernoulliRBM(3, 2, sigma=-1.0)
    with pytest.raises(TypeError, match="path: expected an AnnealingPath"):
        ais_log_partition(GaussianBernoulliRBM(3, 2))
    with pytest.raises(ValueError, match="n_hidden"):
        GaussianBernoulliRBM(3, 30).log_partition()
    with pytest.raises(ValueError, match="n_sweeps"):
        cd_gradient(rbm, torch.zeros(2, 4), n_sweeps=0)
    with pytest.raises(ValueError, match="biases.b"):
        rbm.free_energy(torch.zeros(2, 4), biases=Biases(torch.zeros(3, 4), rbm.c))
    with pytest.raises(ValueError, match="biases: per-row biases pair"):
        pcd_gradient(rbm, torch.zeros(2, 4), PersistentChains(rbm, 5), biases=Biases(torch.zeros(2, 4), rbm.c))
    with pytest.raises(ValueError, match="biases: exact log Z needs shared biases"):
        rbm.log_partition(biases=Biases(torch.zeros(2, 4), rbm.c))


# ----- per-row biases (the conditional RBM of lecture 9 reuses all of this) --------------------
def per_row_biases(rbm, B, generator):
    b = rbm.b.detach() + torch.randn(B, rbm.n_visible, generator=generator, dtype=F64)
    c = rbm.c.detach() + torch.randn(B, rbm.n_hidden, generator=generator, dtype=F64)
    return Biases(b, c)


@pytest.mark.parametrize("cls", [BernoulliRBM, GaussianBernoulliRBM])
def test_per_row_biases_equal_row_by_row_shared_biases(cls, generator):
    kwargs = {"sigma": 0.7} if cls is GaussianBernoulliRBM else {}
    rbm = random_rbm(cls, 5, 3, generator, **kwargs)
    B = 4
    biases = per_row_biases(rbm, B, generator)
    v = torch.rand(B, 5, generator=generator, dtype=F64).round()
    h = torch.rand(B, 3, generator=generator, dtype=F64).round()
    for r in range(B):
        row = Biases(biases.b[r], biases.c[r])
        torch.testing.assert_close(rbm.free_energy(v, biases=biases)[r], rbm.free_energy(v[r:r + 1], biases=row)[0])
        torch.testing.assert_close(rbm.energy(v, h, biases=biases)[r], rbm.energy(v[r:r + 1], h[r:r + 1], biases=row)[0])
        torch.testing.assert_close(rbm.hidden_probs(v, biases=biases)[r], rbm.hidden_probs(v[r:r + 1], biases=row)[0])
        torch.testing.assert_close(rbm.visible_mean(h, biases=biases)[r], rbm.visible_mean(h[r:r + 1], biases=row)[0])
    if cls is BernoulliRBM:   # a per-row log Z: one exact call per row
        log_z = torch.stack([rbm.log_partition(biases=Biases(biases.b[r], biases.c[r])) for r in range(B)])
        joint = enumerate_states(8, dtype=F64)
        brute = torch.stack([torch.logsumexp(-rbm.energy(joint[:, :5], joint[:, 5:],
                                                         biases=Biases(biases.b[r], biases.c[r])), 0) for r in range(B)])
        torch.testing.assert_close(log_z, brute)


@pytest.mark.parametrize("cls", [BernoulliRBM, GaussianBernoulliRBM])
def test_cd_gradient_with_per_row_biases_is_autograd_with_respect_to_those_biases(cls, generator):
    kwargs = {"sigma": torch.tensor([0.5, 1.0, 2.0, 0.7, 1.3, 0.9], dtype=F64)} if cls is GaussianBernoulliRBM else {}
    rbm = random_rbm(cls, 6, 4, generator, scale=0.5, **kwargs)
    B = 5
    v = torch.rand(B, 6, generator=generator, dtype=F64)
    v = v.round() if cls is BernoulliRBM else v
    b, c = (t.clone().requires_grad_(True) for t in per_row_biases(rbm, B, generator))
    grad, v_k = cd_gradient(rbm, v, 2, biases=Biases(b.detach(), c.detach()), generator=generator)
    assert grad.b.shape == (B, 6) and grad.c.shape == (B, 4) and grad.W.shape == (6, 4)
    rbm.zero_grad()
    surrogate = rbm.free_energy(v, biases=Biases(b, c)).mean() - rbm.free_energy(v_k, biases=Biases(b, c)).mean()
    surrogate.backward()
    torch.testing.assert_close(grad.W, -rbm.W.grad)
    torch.testing.assert_close(grad.b, -b.grad)
    torch.testing.assert_close(grad.c, -c.grad)
    if cls is BernoulliRBM:   # each chain uses its own row's biases: a huge bias on row 0 forces its units on
        forced = Biases(torch.cat([torch.full((1, 6), 50.0, dtype=F64), b.detach()[1:]]), c.detach())
        chains = rbm.gibbs(v, 2, biases=forced, generator=generator)
        assert chains[0].eq(1).all() and not chains[1:].eq(1).all()
    # PCD with per-row biases: as many chains as rows, and the same autograd identity
    chains = PersistentChains(rbm, B)
    before = chains.hidden.clone()
    pgrad = pcd_gradient(rbm, v, chains, biases=Biases(b.detach(), c.detach()), generator=torch.Generator().manual_seed(4))
    v_model = rbm.sample_visible(before, biases=Biases(b.detach(), c.detach()), generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(pgrad.b, likelihood_gradient(rbm, v, v_model, biases=Biases(b.detach(), c.detach())).b)


# ----- AIS is generic: any model exposing a path ---------------------------------------------
class BoltzmannPath:
    """p*_β(s) = exp(-β E(s)) of a fully visible Boltzmann machine, from the uniform base (β = 0)."""

    def __init__(self, bm):
        self.bm = bm

    def sample_base(self, n_runs, *, generator=None):
        return self.bm.random_states(n_runs, generator=generator)

    def log_z_base(self):
        return self.bm.n_units * math.log(2)

    def log_density(self, states, beta):
        return -beta * self.bm.energy(states)

    def transition(self, states, beta, *, generator=None):
        return sequential_gibbs_sweep(states, self.bm.W, self.bm.b, beta=beta, generator=generator)


def test_ais_on_any_annealing_path_matches_exact_enumeration():
    g = torch.Generator().manual_seed(0)
    bm = BoltzmannMachine(10, 0, weight_scale=0.6, generator=g, dtype=F64)
    with torch.no_grad():
        bm.b.normal_(0.0, 0.5, generator=g)
    exact = bm.log_partition().item()
    result = ais_log_partition(BoltzmannPath(bm), n_betas=300, n_runs=200, generator=g)
    assert abs(result.log_z - exact) < 0.05
    assert result.log_z_low < exact < result.log_z_high
