"""Sigmoid belief nets and the Helmholtz machine against exact answers: brute-force enumeration of
every hidden state, autograd, torch.distributions, the RBM's exact distribution (tied SBNs) and
the exact log-likelihood of bars and stripes (wake-sleep)."""
import itertools
import math

import pytest
import torch

from energylab.data import bars_and_stripes
from energylab.models.rbm import BernoulliRBM
from energylab.models.sbn import (
    HelmholtzMachine,
    SigmoidBeliefNet,
    bernoulli_log_prob,
    delta_rule,
    tied_sbn,
    train_wake_sleep,
    wake_sleep_step,
)
from energylab.samplers import enumerate_states, tv_bound, tv_distance

F64 = torch.float64


def random_sbn(sizes, generator, prior=None):
    net = SigmoidBeliefNet(sizes, prior=prior, weight_scale=1.0, generator=generator, dtype=F64)
    with torch.no_grad():
        for b in net.b:
            b.normal_(0.0, 0.7, generator=generator)
        if net.top is not None:
            net.top.normal_(0.0, 0.7, generator=generator)
    return net


def random_rbm(n_v, n_h, generator, scale=1.0):
    rbm = BernoulliRBM(n_v, n_h, weight_scale=scale, generator=generator, dtype=F64)
    with torch.no_grad():
        rbm.b.normal_(0.0, 0.5, generator=generator)
        rbm.c.normal_(0.0, 0.5, generator=generator)
    return rbm


def brute_force_log_joint(net, layers):
    """log p(x_0..x_L) from torch.distributions, one Bernoulli per conditional."""
    total = 0.0
    for l in range(net.n_layers):
        probs = torch.sigmoid(layers[l + 1] @ net.W[l].T + net.b[l])
        total = total + torch.distributions.Bernoulli(probs=probs).log_prob(layers[l]).sum(-1)
    if net.prior is None:
        total = total + torch.distributions.Bernoulli(logits=net.top).log_prob(layers[-1]).sum(-1)
    else:
        total = total + net.prior.log_prob(layers[-1])
    return total


def brute_force_log_prob(net, v):
    """log p(v) by listing every joint hidden state with itertools (independent of the library's recursion)."""
    hidden = list(itertools.product([0.0, 1.0], repeat=sum(net.sizes[1:])))
    terms = []
    for h in hidden:
        h = torch.tensor(h, dtype=F64)
        layers, start = [v], 0
        for n in net.sizes[1:]:
            layers.append(h[start:start + n].expand(v.shape[0], n))
            start += n
        terms.append(brute_force_log_joint(net, layers))
    return torch.logsumexp(torch.stack(terms, 1), 1)


# ----- one layer -------------------------------------------------------------------------------
def test_bernoulli_log_prob_is_torch_distributions(generator):
    logits = torch.randn(5, 7, generator=generator, dtype=F64) * 30   # large logits: no log(sigmoid) underflow
    x = torch.bernoulli(torch.full((5, 7), 0.5, dtype=F64), generator=generator)
    expected = torch.distributions.Bernoulli(logits=logits).log_prob(x).sum(-1)
    assert torch.allclose(bernoulli_log_prob(x, logits), expected)


def test_delta_rule_is_the_gradient_of_the_weighted_log_likelihood(generator):
    W = torch.randn(4, 3, generator=generator, dtype=F64, requires_grad=True)
    b = torch.randn(4, generator=generator, dtype=F64, requires_grad=True)
    parents = torch.bernoulli(torch.full((6, 3), 0.5, dtype=F64), generator=generator)
    x = torch.bernoulli(torch.full((6, 4), 0.5, dtype=F64), generator=generator)
    w = torch.rand(6, generator=generator, dtype=F64)
    (w * bernoulli_log_prob(x, parents @ W.T + b)).sum().backward()
    dW, db = delta_rule(x, parents, W.detach(), b.detach(), weights=w)
    assert torch.allclose(dW, W.grad) and torch.allclose(db, b.grad)
    dW_mean, _ = delta_rule(x, parents, W.detach(), b.detach())     # default weights: the mean
    assert torch.allclose(dW_mean, delta_rule(x, parents, W.detach(), b.detach(), weights=torch.full((6,), 1 / 6,
                                                                                                      dtype=F64))[0])


# ----- exact log p(v), posterior and gradient ------------------------------------------------------
@pytest.mark.parametrize("sizes", [(4, 3), (4, 3, 2), (3, 2, 3, 2)])
def test_log_prob_is_the_brute_force_sum_over_hidden_states(sizes, generator):
    net = random_sbn(sizes, generator)
    v = enumerate_states(sizes[0], dtype=F64)
    log_p = net.log_prob(v)
    assert torch.allclose(log_p, brute_force_log_prob(net, v))
    assert torch.allclose(torch.logsumexp(log_p, 0), torch.zeros((), dtype=F64))  # normalised: no Z needed


def test_log_prob_with_an_rbm_prior(generator):
    prior = random_rbm(3, 2, generator)
    net = random_sbn((4, 3), generator, prior=prior)
    v = enumerate_states(4, dtype=F64)
    assert torch.allclose(net.log_prob(v), brute_force_log_prob(net, v))
    assert torch.allclose(net.log_prob(v, log_z=prior.log_partition() + 1.0), net.log_prob(v) - 1.0)


def test_log_joint_is_torch_distributions(generator):
    net = random_sbn((4, 3, 2), generator)
    layers = net.sample(9, generator=generator)
    assert torch.allclose(net.log_joint(layers), brute_force_log_joint(net, layers))


def test_posterior_is_bayes_rule_and_the_delta_rule_over_it_is_the_gradient(generator):
    net = random_sbn((4, 3, 2), generator)
    v = torch.bernoulli(torch.full((5, 4), 0.5, dtype=F64), generator=generator)
    states, probs = net.posterior(v)
    assert probs.shape == (5, 2**5) and torch.allclose(probs.sum(1), torch.ones(5, dtype=F64))
    layers = [v[:1].expand(2**5, -1)] + states
    assert torch.allclose(probs[0].log(), net.log_joint(layers) - net.log_prob(v[:1]))
    # Fisher's identity: grad log p(v) = E_{p(h|v)}[delta rule on (v, h)]
    net.zero_grad()
    net.log_prob(v).mean().backward()
    pairs = [v.repeat_interleave(2**5, 0)] + [h.repeat(5, 1) for h in states]
    with torch.no_grad():
        grad = net.delta_rule(pairs, weights=probs.reshape(-1) / 5)
    for l in range(2):
        assert torch.allclose(grad.W[l], net.W[l].grad) and torch.allclose(grad.b[l], net.b[l].grad)
    assert torch.allclose(grad.top, net.top.grad)


def test_explaining_away_the_textbook_example():
    """Two rare causes (prior logit -10), either of which turns the effect on (Hinton's earthquake/burglar):
    observing the effect makes each cause likely and *both* together very unlikely."""
    net = SigmoidBeliefNet((1, 2), weight_scale=0.0, dtype=F64)
    with torch.no_grad():
        net.W[0].fill_(20.0), net.b[0].fill_(-20.0), net.top.fill_(-10.0)
    states, probs = net.posterior(torch.ones(1, 1, dtype=F64))
    p = dict(zip(map(tuple, states[0].tolist()), probs[0].tolist()))
    eps = 1 / (1 + math.exp(10))                                     # prior p(cause)
    weights = {(0., 0.): (1 - eps) ** 2 / (1 + math.exp(20)), (0., 1.): eps * (1 - eps) / 2,
               (1., 0.): eps * (1 - eps) / 2, (1., 1.): eps ** 2 / (1 + math.exp(-20))}
    total = sum(weights.values())
    for state, weight in weights.items():
        assert p[state] == pytest.approx(weight / total, rel=1e-9)
    assert p[(0., 1.)] > 0.49 and p[(1., 1.)] < 1e-4                  # one cause explains the other away


def test_ancestral_samples_follow_the_exact_distribution(generator):
    net = random_sbn((4, 3, 2), generator)
    n = 40_000
    samples = net.sample(n, generator=generator)[0]
    log_p = net.log_prob(enumerate_states(4, dtype=F64)).detach()
    assert tv_distance(samples, log_p) < tv_bound(log_p, n)


def test_sampling_with_an_rbm_prior_runs_gibbs_at_the_top(generator):
    prior = random_rbm(3, 2, generator)
    net = random_sbn((3, 3), generator, prior=prior)
    n = 20_000
    samples = net.sample(n, n_sweeps=30, generator=generator)[0]
    log_p = net.log_prob(enumerate_states(3, dtype=F64)).detach()
    assert tv_distance(samples, log_p) < tv_bound(log_p, n)


# ----- RBM = infinitely deep tied SBN -----------------------------------------------------------------
def test_tied_sbn_approaches_the_rbm_as_depth_grows(generator):
    rbm = random_rbm(4, 3, generator, scale=1.5)
    states = enumerate_states(4, dtype=F64)
    target = rbm.log_prob(states).detach()
    exact_tv = []
    for depth in range(2, 41, 2):          # even depths: the same kind of top (a v-layer), k = depth / 2 sweeps
        p = tied_sbn(rbm, depth).log_prob(states).detach().exp()
        exact_tv.append(0.5 * (p - target.exp()).abs().sum().item())
    # a Markov chain's distance to its stationary law never grows; it shrinks geometrically
    assert all(later <= earlier + 1e-12 for earlier, later in zip(exact_tv, exact_tv[1:]))
    assert exact_tv[0] > 0.05 and exact_tv[-1] < 1e-3
    # ... and so do the samples' distances, down to the sampling noise
    n = 20_000
    sample_tv = {depth: tv_distance(tied_sbn(rbm, depth).sample(n, generator=generator)[0], target)
                 for depth in (2, 4, 40)}
    assert sample_tv[2] > sample_tv[4] > sample_tv[40]
    assert sample_tv[2] > tv_bound(target, n) > sample_tv[40]


def test_tied_sbn_layers_alternate_w_and_its_transpose(generator):
    rbm = random_rbm(4, 3, generator)
    net = tied_sbn(rbm, 3)
    assert net.sizes == (4, 3, 4, 3)
    assert torch.equal(net.W[0], rbm.W) and torch.equal(net.W[1], rbm.W.T) and torch.equal(net.b[1], rbm.c)
    assert torch.equal(net.top, rbm.c)
    top = torch.zeros(3, dtype=F64)
    assert torch.equal(tied_sbn(rbm, 3, top=top).top, top)


# ----- the Helmholtz machine ------------------------------------------------------------------------
def random_helmholtz(sizes, generator, prior=None):
    hm = HelmholtzMachine(sizes, prior=prior, weight_scale=1.0, generator=generator, dtype=F64)
    with torch.no_grad():
        for r in hm.r:
            r.normal_(0.0, 0.5, generator=generator)
    return hm


@pytest.mark.parametrize("with_prior", [False, True])
def test_elbo_is_log_p_minus_the_kl_to_the_posterior(with_prior, generator):
    prior = random_rbm(2, 3, generator) if with_prior else None
    hm = random_helmholtz((4, 3, 2), generator, prior=prior)
    v = enumerate_states(4, dtype=F64)
    states, posterior = hm.generative.posterior(v)
    pairs = [v.repeat_interleave(posterior.shape[1], 0)] + [h.repeat(len(v), 1) for h in states]
    q = hm.log_recognition(pairs).exp().reshape(len(v), -1)
    assert torch.allclose(q.sum(1), torch.ones(len(v), dtype=F64))
    kl = (q * (q.log() - posterior.log())).sum(1)
    exact = hm.elbo(v, n_samples=None)
    assert torch.allclose(exact, hm.generative.log_prob(v) - kl)
    assert (exact <= hm.generative.log_prob(v) + 1e-12).all()
    # the Monte-Carlo bound is unbiased for it
    draws = torch.stack([hm.elbo(v, n_samples=200, generator=generator) for _ in range(5)])
    se = draws.std(0) / math.sqrt(5) + 0.02
    assert ((draws.mean(0) - exact).abs() < 5 * se).all()


def test_recognise_without_sampling_is_the_deterministic_up_pass(generator):
    hm = random_helmholtz((4, 3, 2), generator)
    v = torch.bernoulli(torch.full((6, 4), 0.5, dtype=F64), generator=generator)
    layers = hm.recognise(v, sample=False)
    assert torch.allclose(layers[2], torch.sigmoid(torch.sigmoid(v @ hm.R[0].T + hm.r[0]) @ hm.R[1].T + hm.r[1]))


def test_a_helmholtz_machine_without_hidden_layers_is_its_prior(generator):
    prior = random_rbm(4, 3, generator)
    hm = HelmholtzMachine((4,), prior=prior, dtype=F64)
    v = enumerate_states(4, dtype=F64)
    assert torch.allclose(hm.elbo(v), prior.log_prob(v))


def test_wake_sleep_learns_bars_and_stripes():
    """Exact log-likelihood of the 14 3x3 images: uniform over 2**9 images -6.24, perfect -log 14 = -2.64."""
    data = bars_and_stripes(dtype=F64)
    for seed in (0, 1):
        g = torch.Generator().manual_seed(seed)
        hm = HelmholtzMachine((9, 8), weight_scale=0.5, generator=g, dtype=F64)
        before = hm.generative.log_prob(data).mean().item()
        train_wake_sleep(hm, data.repeat(10, 1), epochs=100, lr=1.0, batch_size=10, generator=g)
        after = hm.generative.log_prob(data).mean().item()
        bound = hm.elbo(data, n_samples=None).mean().item()
        assert before < -6.0 and after > -3.6, (seed, before, after)
        assert bound <= after


def test_wake_sleep_with_an_rbm_prior_uses_cd_at_the_top():
    data = bars_and_stripes(dtype=F64)
    g = torch.Generator().manual_seed(0)
    prior = BernoulliRBM(6, 4, weight_scale=0.1, generator=g, dtype=F64)
    hm = HelmholtzMachine((9, 6), prior=prior, weight_scale=0.5, generator=g, dtype=F64)
    before = hm.generative.log_prob(data).mean().item()
    W_before = prior.W.detach().clone()
    train_wake_sleep(hm, data.repeat(10, 1), epochs=60, lr=0.5, batch_size=10, n_sweeps=1, generator=g)
    assert not torch.equal(prior.W, W_before)                           # the prior learned (by CD)
    assert hm.generative.log_prob(data).mean().item() > max(before + 2.0, -4.5)


def test_one_wake_sleep_step_moves_the_two_nets_by_their_delta_rules(generator):
    """Replay one step's random numbers: the generative update is the delta rule on the wake sample, the
    recognition update the delta rule on the dream drawn with the *updated* generative weights."""
    hm = random_helmholtz((4, 3), generator)
    v = torch.bernoulli(torch.full((8, 4), 0.5, dtype=F64), generator=generator)
    state = generator.get_state()
    reference = random_helmholtz((4, 3), torch.Generator().manual_seed(0))
    reference.load_state_dict(hm.state_dict())
    wake_sleep_step(hm, v, lr=0.3, generator=generator)
    generator.set_state(state)
    with torch.no_grad():
        wake = reference.recognise(v, generator=generator)
        reference.generative.ascend_(reference.generative.delta_rule(wake), 0.3)
        dream = reference.generative.sample(8, generator=generator)
        dR, dr = reference.recognition_rule(dream)
        reference.R[0].add_(0.3 * dR[0]), reference.r[0].add_(0.3 * dr[0])
    for key, value in reference.state_dict().items():
        assert torch.allclose(hm.state_dict()[key], value), key


# ----- errors -----------------------------------------------------------------------------------------------
def test_clear_errors(generator):
    with pytest.raises(ValueError, match="sizes"):
        SigmoidBeliefNet((4, 0))
    with pytest.raises(ValueError, match="prior"):
        SigmoidBeliefNet((4, 3), prior=BernoulliRBM(2, 2))
    with pytest.raises(TypeError, match="prior"):
        SigmoidBeliefNet((4, 3), prior="rbm")
    net = SigmoidBeliefNet((4, 3), dtype=F64)
    with pytest.raises(ValueError, match="layers"):
        net.log_joint([torch.zeros(2, 4, dtype=F64)])
    with pytest.raises(ValueError, match=r"layers\[1\]"):
        net.log_joint([torch.zeros(2, 4, dtype=F64), torch.zeros(2, 5, dtype=F64)])
    with pytest.raises(ValueError, match="v"):
        net.log_prob(torch.zeros(2, 5, dtype=F64))
    with pytest.raises(ValueError, match="sizes"):
        SigmoidBeliefNet((4, 30)).log_prob(torch.zeros(1, 4))
    with pytest.raises(ValueError, match="W: expected first dimension"):
        delta_rule(torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(4, 3), torch.zeros(3))
    with pytest.raises(TypeError, match="rbm"):
        tied_sbn(net, 3)
    with pytest.raises(ValueError, match="depth"):
        tied_sbn(BernoulliRBM(3, 2), 0)
    with pytest.raises(ValueError, match="lr"):
        wake_sleep_step(HelmholtzMachine((4, 3)), torch.zeros(2, 4), lr=-1.0)
    with pytest.raises(TypeError, match="generator"):
        train_wake_sleep(HelmholtzMachine((4, 3)), torch.zeros(2, 4), generator=3)
