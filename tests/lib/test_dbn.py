"""Deep belief nets against exact answers: the labelled top RBM by brute force, stacking an upside-down RBM
leaves p(v) unchanged and makes the bound tight, greedy training does not lower the bound, the unrolled
networks compute the up and down passes, label-clamped sampling follows the exact p(v | y)."""
import itertools
import math

import pytest
import torch

from energylab.data import bars_and_stripes
from energylab.models.dbn import DBN, LabelledRBM, greedy_pretrain, transposed_rbm
from energylab.models.rbm import BernoulliRBM
from energylab.samplers import enumerate_states, tv_bound, tv_distance
from energylab.train import train_rbm

F64 = torch.float64


def randomise(rbm, generator, scale=0.5):
    with torch.no_grad():
        rbm.b.normal_(0.0, scale, generator=generator)
        rbm.c.normal_(0.0, scale, generator=generator)
    return rbm


def random_rbm(n_v, n_h, generator, scale=1.0):
    return randomise(BernoulliRBM(n_v, n_h, weight_scale=scale, generator=generator, dtype=F64), generator)


def labelled_states(rbm):
    """Every visible state [x, one_hot(y)] of a LabelledRBM, (2**n_f * K, n_f + K), label major."""
    x = enumerate_states(rbm.n_features, dtype=F64)
    return torch.cat([rbm.with_labels(x, torch.full((len(x),), k)) for k in range(rbm.n_labels)])


# ----- the labelled top RBM ---------------------------------------------------------------------
@pytest.mark.parametrize("n_hidden", [2, 5])        # both branches of log Z: hidden side, visible side
def test_labelled_rbm_log_partition_and_label_posterior_by_brute_force(n_hidden, generator):
    rbm = randomise(LabelledRBM(3, 4, n_hidden, weight_scale=1.0, generator=generator, dtype=F64), generator)
    v = labelled_states(rbm)
    h = enumerate_states(n_hidden, dtype=F64)
    energies = torch.stack([rbm.energy(v, hs.expand(len(v), -1)) for hs in h], 1)   # (V, H)
    assert torch.allclose(rbm.log_partition(), torch.logsumexp(-energies.flatten(), 0))
    assert torch.allclose(rbm.free_energy(v), -torch.logsumexp(-energies, 1))
    # p(y | x) from the joint table
    x = v[: 2**3, :3]
    joint = (-rbm.free_energy(v)).reshape(4, 2**3).T                                  # (x, y)
    assert torch.allclose(rbm.label_log_probs(x), torch.log_softmax(joint, 1))


def test_labelled_rbm_visible_conditional_is_sigmoid_and_softmax(generator):
    rbm = randomise(LabelledRBM(3, 4, 2, weight_scale=1.0, generator=generator, dtype=F64), generator)
    h = torch.tensor([[1.0, 0.0]], dtype=F64)
    v = labelled_states(rbm)
    post = torch.softmax(-rbm.energy(v, h.expand(len(v), -1)), 0)                     # exact p(v | h)
    assert torch.allclose(rbm.visible_probs(h)[0], post @ v)
    samples = rbm.sample_visible(h.expand(20_000, -1), generator=generator)
    assert torch.equal(samples[:, 3:].sum(1), torch.ones(20_000, dtype=F64))        # exactly one label on
    assert torch.allclose(samples.mean(0), rbm.visible_probs(h)[0], atol=0.02)


def test_clamped_gibbs_samples_the_exact_class_conditional(generator):
    rbm = randomise(LabelledRBM(4, 3, 3, weight_scale=1.5, generator=generator, dtype=F64), generator)
    n = 20_000
    x = torch.bernoulli(torch.full((n, 4), 0.5, dtype=F64), generator=generator)
    labels = torch.full((n,), 2)
    samples = rbm.clamped_gibbs(x, labels, 30, generator=generator)
    states = enumerate_states(4, dtype=F64)
    log_p = torch.log_softmax(-rbm.free_energy(rbm.with_labels(states, torch.full((16,), 2))), 0).detach()
    assert tv_distance(samples, log_p) < tv_bound(log_p, n)


def test_cd_trains_the_labelled_rbm_as_a_classifier(generator):
    """Two classes of 3x3 images (stripes vs bars): a LabelledRBM trained by the shared train_rbm labels them."""
    images = bars_and_stripes(dtype=F64)[1:-1]                        # 12 images, all-off/all-on are ambiguous
    is_bar = (images.reshape(-1, 3, 3) == images.reshape(-1, 3, 3)[:, :1, :]).all(-1).all(-1).long()
    rbm = LabelledRBM(9, 2, 12, weight_scale=0.1, generator=generator, dtype=F64)
    train_rbm(rbm, rbm.with_labels(images.repeat(10, 1), is_bar.repeat(10)), method="cd", n_sweeps=1, lr=0.3,
              batch_size=10, epochs=100, shuffle=True, generator=generator)
    accuracy = (rbm.label_log_probs(images).argmax(1) == is_bar).double().mean()
    assert accuracy == 1.0


# ----- stacking ----------------------------------------------------------------------------------------
def test_transposed_rbm_is_the_same_joint_seen_from_the_other_side(generator):
    rbm = random_rbm(4, 3, generator)
    flipped = transposed_rbm(rbm)
    v, h = enumerate_states(4, dtype=F64), enumerate_states(3, dtype=F64)
    assert torch.allclose(flipped.log_partition(), rbm.log_partition())
    assert torch.allclose(flipped.energy(h[:1].expand(16, -1), v), rbm.energy(v, h[:1].expand(16, -1)))


def test_stacking_the_upside_down_rbm_leaves_p_v_unchanged_and_the_bound_tight(generator):
    """Hinton, Osindero & Teh (2006): with W2 = W1ᵀ the two-layer DBN is the same model, and the up pass is
    its exact posterior, so the bound equals log p(v)."""
    rbm = random_rbm(4, 3, generator)
    v = enumerate_states(4, dtype=F64)
    exact = rbm.log_prob(v)
    one = DBN([rbm])
    two = DBN([rbm, transposed_rbm(rbm)])
    three = DBN([rbm, transposed_rbm(rbm), rbm])
    assert torch.allclose(one.lower_bound(v, n_samples=None), exact)
    for dbn in (two, three):
        assert torch.allclose(dbn.to_helmholtz().generative.log_prob(v), exact)
        assert torch.allclose(dbn.lower_bound(v, n_samples=None), exact)
    other = DBN([rbm, random_rbm(3, 4, generator)])
    bound = other.lower_bound(v, n_samples=None)
    assert (bound < other.to_helmholtz().generative.log_prob(v) - 1e-6).all()   # a real gap otherwise


def test_lower_bound_monte_carlo_agrees_with_the_exact_bound(generator):
    dbn = DBN([random_rbm(5, 4, generator), random_rbm(4, 3, generator), random_rbm(3, 3, generator)])
    v = enumerate_states(5, dtype=F64)[::3]
    exact = dbn.lower_bound(v, n_samples=None)
    estimate = dbn.lower_bound(v, n_samples=4000, generator=generator)
    assert torch.allclose(estimate, exact, atol=0.08)
    log_z = dbn.top.log_partition()
    assert torch.allclose(dbn.lower_bound(v, n_samples=None, log_z=log_z + 1.0), exact - 1.0)


def trained_first_layer(generator):
    data = bars_and_stripes(dtype=F64)
    rbm = BernoulliRBM(9, 6, weight_scale=0.1, generator=generator, dtype=F64)
    train_rbm(rbm, data.repeat(10, 1), method="cd", lr=0.3, batch_size=10, epochs=50, shuffle=True, generator=generator)
    return data, rbm


def test_greedy_stacking_does_not_lower_the_bound(generator):
    """Bars and stripes: the bound on the training data with one RBM (= its exact log p(v)), with the
    upside-down second RBM (= the same, tight), and after training the second RBM."""
    data, rbm = trained_first_layer(generator)
    before = DBN([rbm]).lower_bound(data, n_samples=None).mean().item()
    assert before > -4.5                                               # the first layer learned (uniform: -6.24)
    top = transposed_rbm(rbm)
    assert DBN([rbm, top]).lower_bound(data, n_samples=None).mean().item() == pytest.approx(before, abs=1e-10)
    # maximum likelihood on the aggregate posterior of h1 (the exact gradient of E_q log p2(h1)) raises it
    probs = rbm.hidden_probs(data).detach()
    h = enumerate_states(6, dtype=F64)
    q = torch.exp((h[None] * probs[:, None].log() + (1 - h[None]) * (1 - probs[:, None]).log()).sum(-1)).mean(0)
    optimizer = torch.optim.SGD(top.parameters(), lr=0.5)
    for _ in range(200):
        optimizer.zero_grad()
        (-(q * top.log_prob(h)).sum()).backward()
        optimizer.step()
    assert DBN([rbm, top]).lower_bound(data, n_samples=None).mean().item() > before + 0.15
    # ... and so does the library's recipe, CD on the hidden probabilities from the upside-down start
    dbn = greedy_pretrain(data.repeat(10, 1), (9,), lower=DBN([rbm]), init="transpose", method="cd", lr=0.1,
                          batch_size=10, epochs=20, generator=generator)
    assert dbn.sizes == (9, 6, 9)
    assert dbn.lower_bound(data, n_samples=None).mean().item() > before + 0.05


def test_greedy_pretrain_stacks_rbms_on_probabilities_or_samples(generator):
    data = bars_and_stripes(dtype=F64).repeat(5, 1)
    seen = []
    dbn = greedy_pretrain(data, (6, 5, 4), epochs=2, batch_size=10, generator=generator,
                          callback=lambda layer, partial: seen.append((layer, partial.sizes)))
    assert dbn.sizes == (9, 6, 5, 4) and [s for _, s in seen] == [(9, 6), (9, 6, 5), (9, 6, 5, 4)]
    assert all(rbm.W.dtype == F64 for rbm in dbn.rbms)
    labels = torch.arange(len(data)) % 3
    labelled = greedy_pretrain(data, (4,), labels=labels, lower=DBN(list(dbn.rbms[:2])), propagate="samples",
                               epochs=2, batch_size=10, generator=generator)
    assert labelled.labelled and labelled.sizes == (9, 6, 5, 4) and labelled.top.n_labels == 3
    assert labelled.rbms[0] is dbn.rbms[0]                             # the lower layers are kept, not retrained


def test_propagating_probabilities_trains_the_next_rbm_on_the_up_pass(generator):
    """Replay: greedy_pretrain's second RBM is train_rbm on rbms[0].hidden_probs(data) with the same draws."""
    data = bars_and_stripes(dtype=F64).repeat(3, 1)
    state = generator.get_state()
    dbn = greedy_pretrain(data, (5, 4), epochs=2, batch_size=7, generator=generator)
    generator.set_state(state)
    first = BernoulliRBM(9, 5, generator=generator, dtype=F64)
    train_rbm(first, data, method="cd", lr=0.1, batch_size=7, epochs=2, shuffle=True, generator=generator)
    second = BernoulliRBM(5, 4, generator=generator, dtype=F64)
    train_rbm(second, first.hidden_probs(data).detach(), method="cd", lr=0.1, batch_size=7, epochs=2, shuffle=True,
              generator=generator)
    assert torch.allclose(dbn.rbms[1].W, second.W) and torch.allclose(dbn.rbms[1].c, second.c)


# ----- generation ---------------------------------------------------------------------------------------------
def test_label_clamped_samples_have_the_exact_class_conditional_mean(generator):
    lower = random_rbm(5, 3, generator)
    top = randomise(LabelledRBM(3, 2, 4, weight_scale=1.5, generator=generator, dtype=F64), generator)
    dbn = DBN([lower, top])
    x = enumerate_states(3, dtype=F64)
    for label in (0, 1):
        p_x = torch.softmax(-top.free_energy(top.with_labels(x, torch.full((8,), label))), 0)   # p(x | y)
        expected = p_x @ lower.visible_probs(x)                                               # E[v | y]
        samples = dbn.sample(labels=torch.full((20_000,), label), n_sweeps=30, generator=generator)
        assert torch.allclose(samples.mean(0), expected.detach(), atol=0.01)


def test_unlabelled_samples_follow_the_dbn(generator):
    dbn = DBN([random_rbm(4, 3, generator), random_rbm(3, 3, generator)])
    n = 20_000
    probs = dbn.sample(n, n_sweeps=30, generator=generator)
    v = torch.bernoulli(probs, generator=generator)
    log_p = dbn.to_helmholtz().generative.log_prob(enumerate_states(4, dtype=F64)).detach()
    assert tv_distance(v, log_p) < tv_bound(log_p, n)


def test_unrolled_networks_are_the_deterministic_up_and_down_passes(generator):
    dbn = DBN([random_rbm(6, 5, generator), random_rbm(5, 4, generator), random_rbm(4, 3, generator)])
    v = torch.bernoulli(torch.full((7, 6), 0.5, dtype=F64), generator=generator)
    autoencoder = dbn.unroll_autoencoder()
    code = autoencoder[0](v)
    up = dbn.up(v)
    assert torch.allclose(code, dbn.top.hidden_probs(up[-1]))
    x = code
    for rbm in reversed(dbn.rbms):
        x = rbm.visible_probs(x)
    assert torch.allclose(autoencoder(v), x)
    assert all(not p.data_ptr() == q.data_ptr() for p in autoencoder.parameters() for q in dbn.parameters())
    classifier = dbn.unroll_classifier(10, generator=generator)
    assert classifier(v).shape == (7, 10)
    assert torch.allclose(classifier[0](v), code)


def test_the_helmholtz_copy_is_untied(generator):
    dbn = DBN([random_rbm(4, 3, generator), random_rbm(3, 2, generator)])
    machine = dbn.to_helmholtz()
    assert torch.equal(machine.R[0], dbn.rbms[0].W.T) and torch.equal(machine.generative.W[0], dbn.rbms[0].W)
    with torch.no_grad():
        machine.R[0].add_(1.0), machine.generative.prior.W.add_(1.0)
    assert not torch.equal(machine.R[0], dbn.rbms[0].W.T)
    assert not torch.equal(machine.generative.prior.W, dbn.top.W)


# ----- errors ----------------------------------------------------------------------------------------------------
def test_clear_errors(generator):
    rbm = random_rbm(4, 3, generator)
    with pytest.raises(ValueError, match=r"rbms\[1\]"):
        DBN([rbm, random_rbm(4, 2, generator)])
    with pytest.raises(TypeError, match=r"rbms\[0\]"):
        DBN([LabelledRBM(4, 2, 3), rbm])
    with pytest.raises(TypeError, match="rbms"):
        DBN([])
    labelled = DBN([rbm, LabelledRBM(3, 2, 2, dtype=F64)])
    with pytest.raises(ValueError, match="labels"):
        labelled.sample(5)
    with pytest.raises(ValueError, match="labels"):
        labelled.sample(labels=torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="labels"):
        DBN([rbm]).sample(2, labels=torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="lower_bound: expected a DBN with an unlabelled top"):
        labelled.lower_bound(torch.zeros(1, 4, dtype=F64))
    with pytest.raises(ValueError, match="to_helmholtz"):
        labelled.to_helmholtz()
    with pytest.raises(ValueError, match="propagate"):
        greedy_pretrain(torch.zeros(4, 4), (3,), propagate="means")
    with pytest.raises(ValueError, match="hidden_sizes"):
        greedy_pretrain(torch.zeros(4, 4), ())
    with pytest.raises(ValueError, match=r"hidden_sizes\[1\]"):
        greedy_pretrain(torch.zeros(4, 4), (3, 5), init="transpose", epochs=1)
    with pytest.raises(ValueError, match="init"):
        greedy_pretrain(torch.zeros(4, 4), (3,), init="zeros")
    with pytest.raises(TypeError, match="lower"):
        greedy_pretrain(torch.zeros(4, 4), (3,), lower=labelled)
    with pytest.raises(TypeError, match="rbm"):
        transposed_rbm(LabelledRBM(3, 2, 2))
