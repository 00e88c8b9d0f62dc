"""Deep Boltzmann machines against exact answers: brute-force enumeration of every state, the mean-field
fixed point and its bound (= log p(v) - KL, so <= log p(v)), AIS log Z vs exact, Gibbs samples vs the exact
p(v), one learning step vs its formula, the doubled-input RBMs vs their tied-copy definitions."""
import math

import pytest
import torch

from energylab.data import bars_and_stripes
from energylab.models.dbm import DBM, BinomialRBM, DBMChains, MeanField, _doubled_top, pretrain_dbm, train_dbm
from energylab.models.rbm import BernoulliRBM, base_rate_bias
from energylab.samplers import ais_log_partition, enumerate_states, tv_bound, tv_distance
from energylab.train import train_rbm

F64 = torch.float64
SIZES = [(3, 2, 3), (3, 2, 3, 2), (4, 3)]


def random_dbm(sizes, generator, scale=1.0):
    dbm = DBM(sizes, weight_scale=scale, generator=generator, dtype=F64)
    with torch.no_grad():
        for b in dbm.b:
            b.normal_(0.0, 0.5, generator=generator)
    return dbm


def all_states(sizes):
    """Every joint state (S, sum(sizes)) split into layers, and the brute-force energy of each."""
    joint = enumerate_states(sum(sizes), dtype=F64)
    return list(joint.split(list(sizes), 1))


def brute_force_energy(dbm, layers):
    e = sum(-(x * b).sum(-1) for x, b in zip(layers, dbm.b))
    for l, W in enumerate(dbm.W):
        e = e - torch.einsum("bi,ij,bj->b", layers[l], W, layers[l + 1])
    return e


def brute_force(dbm):
    """log Z, and log p(v) for every v (in enumeration order), from the full table of states."""
    layers = all_states(dbm.sizes)
    neg_e = -brute_force_energy(dbm, layers)
    log_z = torch.logsumexp(neg_e, 0)
    log_pv = torch.logsumexp(neg_e.reshape(2 ** dbm.sizes[0], -1), 1) - log_z
    return log_z, log_pv, layers, neg_e


# ----- energy, log Z and log p(v) ----------------------------------------------------------------------
@pytest.mark.parametrize("sizes", SIZES + [(2, 5, 2)])    # (2, 5, 2): the even parity is the smaller one
def test_energy_log_partition_and_log_prob_by_brute_force(sizes, generator):
    dbm = random_dbm(sizes, generator)
    log_z, log_pv, layers, neg_e = brute_force(dbm)
    assert torch.allclose(dbm.energy(layers), -neg_e)
    assert torch.allclose(dbm.log_partition(), log_z)
    v = enumerate_states(sizes[0], dtype=F64)
    assert torch.allclose(dbm.log_prob(v), log_pv)
    assert torch.allclose(dbm.log_prob(v, log_z=log_z + 1), log_pv - 1)


def test_a_one_hidden_layer_dbm_is_an_rbm(generator):
    dbm = random_dbm((4, 3), generator)
    rbm = BernoulliRBM(4, 3, dtype=F64)
    with torch.no_grad():
        rbm.W.copy_(dbm.W[0]), rbm.b.copy_(dbm.b[0]), rbm.c.copy_(dbm.b[1])
    v = enumerate_states(4, dtype=F64)
    assert torch.allclose(dbm.log_prob(v), rbm.log_prob(v))


# ----- mean field and the bound ----------------------------------------------------------------------------
@pytest.mark.parametrize("sizes", SIZES[:2])
def test_mean_field_is_a_fixed_point_and_the_bound_is_log_p_minus_kl(sizes, generator):
    dbm = random_dbm(sizes, generator, scale=1.5)
    log_z, log_pv, layers, neg_e = brute_force(dbm)
    v = enumerate_states(sizes[0], dtype=F64)
    result = dbm.mean_field(v, tol=1e-12, max_iters=500)
    assert isinstance(result, MeanField) and result.change <= 1e-12 and result.n_iters < 500
    means = result.means
    for l in range(1, len(sizes)):                                    # the fixed-point equations hold
        assert torch.allclose(means[l], torch.sigmoid(dbm.layer_input(means, l)), atol=1e-10)
    # stationary: the bound's gradient with respect to the hidden means vanishes
    hidden = [m.clone().requires_grad_(True) for m in means[1:]]
    dbm.bound(v, log_z=log_z, means=hidden).sum().backward()
    assert all(h.grad.abs().max() < 1e-8 for h in hidden)
    # bound = log p(v) - KL(q || p(h | v)), exactly, hence <= log p(v)
    bound = dbm.bound(v, log_z=log_z, means=means[1:])
    hidden_states = all_states(sizes[1:])
    q = torch.ones(len(v), hidden_states[0].shape[0], dtype=F64)
    for mu, h in zip(means[1:], hidden_states):
        q = q * torch.prod(torch.where(h[None] > 0, mu[:, None], 1 - mu[:, None]), -1)
    posterior = torch.softmax(neg_e.reshape(len(v), -1), 1)           # rows: v, columns: hidden states
    kl = (q * (q.log() - posterior.log())).sum(1)
    assert torch.allclose(bound, log_pv - kl, atol=1e-9)
    assert (bound <= log_pv + 1e-12).all() and (kl > 1e-6).any()


def test_each_mean_field_sweep_raises_the_bound(generator):
    dbm = random_dbm((4, 3, 3, 2), generator, scale=2.0)
    v = torch.bernoulli(torch.full((6, 4), 0.5, dtype=F64), generator=generator)
    means = [torch.rand(6, n, generator=generator, dtype=F64) for n in dbm.sizes[1:]]
    bounds = [dbm.bound(v, log_z=0.0, means=means)]
    for _ in range(10):
        means = dbm.mean_field(v, max_iters=1, init=means).means[1:]
        bounds.append(dbm.bound(v, log_z=0.0, means=means))
    assert all((later >= earlier - 1e-12).all() for earlier, later in zip(bounds, bounds[1:]))
    default = dbm.mean_field(v)
    assert default.n_iters > 1 and default.change <= 1e-6


def test_bottom_up_doubles_the_input_from_below(generator):
    dbm = random_dbm((4, 3, 2), generator)
    v = torch.bernoulli(torch.full((5, 4), 0.5, dtype=F64), generator=generator)
    mu = dbm.bottom_up(v)
    assert torch.allclose(mu[1], torch.sigmoid(dbm.b[1] + 2 * v @ dbm.W[0]))
    assert torch.allclose(mu[2], torch.sigmoid(dbm.b[2] + mu[1] @ dbm.W[1]))


# ----- sampling and AIS ---------------------------------------------------------------------------------
def test_gibbs_chains_sample_the_exact_distribution(generator):
    dbm = random_dbm((3, 2, 3, 2), generator)
    n = 20_000
    layers = dbm.gibbs(dbm.init_chains(n, generator=generator), 40, generator=generator)
    log_pv = brute_force(dbm)[1]
    assert tv_distance(layers[0], log_pv) < tv_bound(log_pv, n)
    assert tv_distance(dbm.init_chains(n, generator=generator)[0], log_pv) > tv_bound(log_pv, n)


@pytest.mark.parametrize("sizes", [(6, 4, 3), (5, 3, 4, 3)])
def test_ais_log_partition_agrees_with_exact(sizes, generator):
    dbm = random_dbm(sizes, generator)
    exact = dbm.log_partition().item()
    data = torch.bernoulli(torch.full((50, sizes[0]), 0.3, dtype=F64), generator=generator)
    result = ais_log_partition(dbm.annealing_path(base_rate_bias(data)), n_betas=1000, n_runs=200,
                               generator=generator)
    assert abs(result.log_z - exact) < 0.05
    assert result.log_z_low <= exact <= result.log_z_high
    uniform = ais_log_partition(dbm.annealing_path(), n_betas=1000, n_runs=200, generator=generator)
    assert abs(uniform.log_z - exact) < 0.1


def test_the_annealing_path_starts_at_the_base_and_ends_at_the_dbm(generator):
    dbm = random_dbm((3, 2, 3), generator)
    base = torch.tensor([0.3, -0.2, 1.0], dtype=F64)
    path = dbm.annealing_path(base)
    # every state of the even layers (v, h_2); h_1 is summed out and its entry unread
    even = enumerate_states(6, dtype=F64)
    rows = [even[:, :3], torch.zeros(len(even), 2, dtype=F64), even[:, 3:]]
    # beta = 0: the base model, normalised by log_z_base
    assert torch.allclose(torch.logsumexp(path.log_density(rows, 0.0), 0),
                          torch.tensor(path.log_z_base(), dtype=F64))
    # beta = 1: log p* of the even layers is the DBM's with h_1 summed out
    assert torch.allclose(torch.logsumexp(path.log_density(rows, 1.0), 0), dbm.log_partition())


# ----- learning -------------------------------------------------------------------------------------------------
def test_one_learning_step_is_mean_field_statistics_minus_chain_statistics(generator):
    dbm = random_dbm((4, 3, 2), generator)
    v = torch.bernoulli(torch.full((6, 4), 0.5, dtype=F64), generator=generator)
    chains = DBMChains(dbm, 5, generator=generator)
    before = [p.detach().clone() for p in dbm.parameters()]
    means = dbm.mean_field(v, tol=1e-4, max_iters=30).means
    state = generator.get_state()
    fantasies = dbm.gibbs([x.clone() for x in chains.layers], 2, generator=generator)
    generator.set_state(state)
    train_dbm(dbm, v, chains=chains, n_sweeps=2, lr=0.1, batch_size=6, epochs=1, shuffle=False,
              generator=generator)
    for l in range(2):
        data_term = means[l].T @ means[l + 1] / 6
        model_term = fantasies[l].T @ fantasies[l + 1] / 5
        assert torch.allclose(dbm.W[l], before[l] + 0.1 * (data_term - model_term))
    for l in range(3):
        expected = before[2 + l] + 0.1 * (means[l].mean(0) - fantasies[l].mean(0))
        assert torch.allclose(dbm.b[l], expected)
    assert all(torch.equal(a, b) for a, b in zip(chains.layers, fantasies))     # the chains persisted


# ----- pretraining with the doubled-input trick --------------------------------------------------------------------
def test_binomial_rbm_is_the_rbm_with_two_tied_copies_of_each_visible_unit(generator):
    binomial = BinomialRBM(3, 4, n_trials=2, weight_scale=1.0, generator=generator, dtype=F64)
    with torch.no_grad():
        binomial.b.normal_(generator=generator), binomial.c.normal_(generator=generator)
    copies = BernoulliRBM(6, 4, dtype=F64)
    with torch.no_grad():
        copies.W.copy_(torch.cat([binomial.W, binomial.W])), copies.b.copy_(torch.cat([binomial.b, binomial.b]))
        copies.c.copy_(binomial.c)
    assert torch.allclose(binomial.log_partition(), copies.log_partition())
    v = enumerate_states(3, dtype=F64)
    doubled = torch.cat([v, v], 1)
    assert torch.allclose(binomial.free_energy(2 * v), copies.free_energy(doubled))   # the data: both copies = v
    assert torch.allclose(binomial.hidden_probs(2 * v), torch.sigmoid(binomial.c + 2 * v @ binomial.W))
    # s = v' + v'': the binomial's p(s) sums the copies' states with that sum
    pairs = enumerate_states(6, dtype=F64)
    s = pairs[:, :3] + pairs[:, 3:]
    log_p_pairs = copies.log_prob(pairs)
    for target in ([0., 1., 2.], [1., 1., 0.]):
        t = torch.tensor([target], dtype=F64)
        mass = torch.logsumexp(log_p_pairs[(s == t).all(1)], 0)
        assert torch.allclose(binomial.log_prob(t)[0], mass)
    h = torch.tensor([[1.0, 0.0, 1.0, 1.0]], dtype=F64).expand(40_000, -1)
    draws = binomial.sample_visible(h, generator=generator)
    assert set(draws.unique().tolist()) <= {0.0, 1.0, 2.0}
    assert torch.allclose(draws.mean(0), binomial.visible_mean(h[:1])[0], atol=0.02)
    assert torch.allclose(binomial.energy(2 * v, h[:8]), copies.energy(doubled, h[:8]))


def test_cd_keeps_the_doubled_top_copies_tied(generator):
    top = _doubled_top(5, 3, dict(weight_scale=0.5, generator=generator, dtype=F64, device=None))
    data = torch.bernoulli(torch.full((40, 5), 0.4, dtype=F64), generator=generator)
    for method in ("cd", "pcd"):
        train_rbm(top, data, method=method, lr=0.1, batch_size=10, epochs=5, generator=generator)
        assert torch.allclose(top.W[:, :3], top.W[:, 3:], atol=1e-12)
        assert torch.allclose(top.c[:3], top.c[3:], atol=1e-12)
    assert not torch.allclose(top.c, torch.zeros(6, dtype=F64))                  # it did learn


def test_pretrain_dbm_composes_the_rbms_as_documented(generator):
    data = bars_and_stripes(dtype=F64).repeat(5, 1)
    rbms = []
    state = generator.get_state()
    dbm = pretrain_dbm(data, (6, 5, 4), epochs=3, batch_size=10, generator=generator,
                       callback=lambda layer, rbm: rbms.append(rbm))
    assert dbm.sizes == (9, 6, 5, 4) and isinstance(rbms[0], BinomialRBM) and rbms[2].n_hidden == 8
    assert torch.equal(dbm.W[0], rbms[0].W) and torch.allclose(dbm.W[1], rbms[1].W / 2)
    assert torch.allclose(dbm.W[2], rbms[2].W[:, :4])
    assert torch.allclose(dbm.b[1], (rbms[0].c + rbms[1].b) / 2) and torch.allclose(dbm.b[3], rbms[2].c[:4])
    # replay: the bottom RBM is train_rbm on 2 * data
    generator.set_state(state)
    bottom = BinomialRBM(9, 6, generator=generator, dtype=F64)
    train_rbm(bottom, 2 * data, method="cd", lr=0.05, batch_size=10, epochs=3, shuffle=True, generator=generator)
    assert torch.allclose(bottom.W, rbms[0].W)


def test_pretraining_then_learning_raises_the_exact_log_likelihood_of_bars_and_stripes():
    """Exact log-likelihood of the 14 images: uniform -6.24, perfect -2.64."""
    data = bars_and_stripes(dtype=F64)
    g = torch.Generator().manual_seed(0)
    dbm = pretrain_dbm(data.repeat(10, 1), (8, 4), lr=0.1, batch_size=10, epochs=50, generator=g)
    pretrained = dbm.log_prob(data).mean().item()
    assert pretrained > -5.0
    bound = dbm.bound(data, log_z=dbm.log_partition()).mean().item()
    assert pretrained - 1.0 < bound <= pretrained
    seen = []
    chains = train_dbm(dbm, data.repeat(10, 1), n_chains=100, n_sweeps=1, lr=0.05, batch_size=14, epochs=100,
                       generator=g, callback=lambda epoch, model: seen.append(epoch))
    assert seen == list(range(100)) and isinstance(chains, DBMChains) and chains.layers[0].shape == (100, 9)
    trained = dbm.log_prob(data).mean().item()
    assert trained > max(pretrained + 0.5, -4.0), (pretrained, trained)
    assert dbm.bound(data, log_z=dbm.log_partition()).mean().item() <= trained


# ----- errors ---------------------------------------------------------------------------------------------------------
def test_clear_errors(generator):
    with pytest.raises(ValueError, match="sizes"):
        DBM((4,))
    dbm = DBM((4, 3, 2), dtype=F64)
    with pytest.raises(ValueError, match="layers"):
        dbm.energy([torch.zeros(2, 4, dtype=F64)])
    with pytest.raises(ValueError, match=r"layers\[2\]"):
        dbm.gibbs([torch.zeros(2, 4, dtype=F64), torch.zeros(2, 3, dtype=F64), torch.zeros(2, 5, dtype=F64)])
    with pytest.raises(ValueError, match="init"):
        dbm.mean_field(torch.zeros(2, 4, dtype=F64), init=[torch.zeros(2, 3, dtype=F64)])
    with pytest.raises(ValueError, match="tol"):
        dbm.mean_field(torch.zeros(2, 4, dtype=F64), tol=0.0)
    with pytest.raises(ValueError, match="sizes"):
        DBM((30, 30, 30)).log_partition()
    with pytest.raises(ValueError, match="hidden_sizes"):
        pretrain_dbm(torch.zeros(4, 4), (3,))
    with pytest.raises(TypeError, match="chains"):
        train_dbm(dbm, torch.zeros(4, 4, dtype=F64), chains=[torch.zeros(2, 4)])
    with pytest.raises(TypeError, match="dbm"):
        from energylab.models.dbm import DBMAnnealingPath
        DBMAnnealingPath(BernoulliRBM(3, 2), torch.zeros(3))
    with pytest.raises(ValueError, match="base_bias"):
        dbm.annealing_path(torch.zeros(3, dtype=F64))
