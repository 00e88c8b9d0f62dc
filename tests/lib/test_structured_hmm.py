"""HMMs as chain energies (lecture 5 §3.1): the energy is -log p(x, y), log Z is the likelihood, the
expected counts are the brute-force posterior counts; EM's fixed points where the answer is known and
its monotone likelihood; variational Bayes' ELBO against its definition and against the exact
evidence (both by enumeration), monotone; the Dirichlet KL against torch.distributions."""
import itertools
import math

import numpy as np
import pytest
import torch

from energylab.structured.chain import PAD
from energylab.structured.hmm import (
    HMM,
    Counts,
    baum_welch,
    dirichlet_kl,
    expected_counts,
    expected_log_parameters,
    match_states,
    maximise,
    sample_hmm,
    variational_bayes,
)
from energylab.structured.inference import chain_energy, log_partition

TOL = 1e-9
D = torch.float64


def random_probabilities(generator, k, v):
    return Counts(*(torch.rand(shape, generator=generator, dtype=D) + 0.2 for shape in [(k,), (k, k), (k, v)]))


def random_hmm(generator, k=3, v=4):
    return maximise(random_probabilities(generator, k, v))


def small_batch(generator, v=4):
    x = torch.randint(0, v, (3, 5), generator=generator)
    lengths = torch.tensor([5, 2, 4])
    x[1, 2:] = PAD
    x[2, 4] = PAD
    return x, lengths


def log_joint(hmm, x, y):
    """log p(x, y | theta) of one sequence, by the definition."""
    total = hmm.log_start[y[0]] + hmm.log_emissions[y[0], x[0]]
    for t in range(1, len(x)):
        total = total + hmm.log_transitions[y[t - 1], y[t]] + hmm.log_emissions[y[t], x[t]]
    return total


def test_energy_is_minus_log_joint_and_log_z_the_likelihood(generator):
    hmm = random_hmm(generator)
    x, lengths = small_batch(generator)
    pot = hmm.potentials(x, lengths)
    log_z = log_partition(**pot, lengths=lengths)
    for b in range(3):
        n = int(lengths[b])
        joint = [log_joint(hmm, x[b, :n], y) for y in itertools.product(range(3), repeat=n)]
        assert abs(float(log_z[b]) - float(torch.logsumexp(torch.stack(joint), 0))) < TOL
        y = torch.tensor(next(itertools.product(range(3), repeat=n)) + (PAD,) * (5 - n))[None]
        energy = chain_energy(pot["unary"][b:b + 1], pot["transitions"], y, lengths[b:b + 1], start=pot["start"])
        assert abs(float(energy) + float(joint[0])) < TOL


def brute_force_counts(hmm, x, lengths):
    k, v = hmm.log_emissions.shape
    counts = Counts(torch.zeros(k, dtype=D), torch.zeros(k, k, dtype=D), torch.zeros(k, v, dtype=D))
    for b in range(x.shape[0]):
        n = int(lengths[b])
        paths = list(itertools.product(range(k), repeat=n))
        weights = torch.softmax(torch.stack([log_joint(hmm, x[b, :n], y) for y in paths]), 0)
        for w, y in zip(weights, paths):
            counts.start[y[0]] += w
            for t in range(n):
                counts.emissions[y[t], x[b, t]] += w
                if t:
                    counts.transitions[y[t - 1], y[t]] += w
    return counts


def test_expected_counts_are_the_posterior_counts(generator):
    hmm = random_hmm(generator)
    x, lengths = small_batch(generator)
    counts, log_z = expected_counts(hmm, x, lengths)
    for ours, exact in zip(counts, brute_force_counts(hmm, x, lengths)):
        assert torch.allclose(ours, exact, atol=TOL, rtol=0)
    assert torch.allclose(log_z, log_partition(**hmm.potentials(x, lengths), lengths=lengths), atol=TOL, rtol=0)
    assert not any(c.requires_grad for c in counts)


def test_m_step_normalises_rows_and_unused_states_stay_unreachable():
    counts = Counts(torch.tensor([2.0, 0.0], dtype=D), torch.tensor([[1.0, 3.0], [0.0, 0.0]], dtype=D),
                    torch.tensor([[1.0, 1.0, 2.0], [0.0, 0.0, 0.0]], dtype=D))
    hmm = maximise(counts)
    assert torch.allclose(hmm.log_start.exp(), torch.tensor([1.0, 0.0], dtype=D))
    assert torch.allclose(hmm.log_transitions[0].exp(), torch.tensor([0.25, 0.75], dtype=D))
    assert torch.allclose(hmm.log_emissions[0].exp(), torch.tensor([0.25, 0.25, 0.5], dtype=D))
    assert torch.isneginf(hmm.log_emissions[1]).all()
    x = torch.tensor([[0, 2, 1]])
    counts_again, log_z = expected_counts(hmm, x)                     # state 1 never used: no NaN
    assert torch.isfinite(log_z).all() and float(counts_again.emissions[1].sum()) == 0.0


def test_em_with_one_state_is_counting_words(generator):
    x, lengths = small_batch(generator, v=5)
    init = random_hmm(generator, k=1, v=5)
    hmm, history = baum_welch(x, init, lengths, n_steps=2)
    words = torch.cat([x[b, : lengths[b]] for b in range(3)])
    frequencies = torch.bincount(words, minlength=5).to(D) / len(words)
    assert torch.allclose(hmm.log_emissions[0].exp(), frequencies, atol=TOL, rtol=0)
    assert history[1] >= history[0]


def test_em_with_observed_states_is_the_counting_estimate_and_a_fixed_point(generator):
    """Each state emits its own symbol: the tags are the words, EM's answer is the bigram count
    estimate after one step, and stays there."""
    k = 3
    truth = random_probabilities(generator, k, k)
    x, _, lengths = sample_hmm(Counts(truth.start / truth.start.sum(), truth.transitions / truth.transitions.sum(1, keepdim=True),
                                      torch.eye(k, dtype=D)), 40, length=(2, 7), generator=generator)
    init = random_hmm(generator, k=k, v=k)
    init = init._replace(log_emissions=torch.eye(k, dtype=D).log())
    bigrams = torch.zeros(k, k, dtype=D)
    for b in range(40):
        for t in range(1, int(lengths[b])):
            bigrams[x[b, t - 1], x[b, t]] += 1
    firsts = torch.bincount(x[:, 0], minlength=k).to(D)
    one, _ = baum_welch(x, init, lengths, n_steps=1)
    assert torch.allclose(one.log_transitions.exp(), bigrams / bigrams.sum(1, keepdim=True), atol=TOL, rtol=0)
    assert torch.allclose(one.log_start.exp(), firsts / 40, atol=TOL, rtol=0)
    five, history = baum_welch(x, init, lengths, n_steps=5)
    for a, b in zip(one, five):
        assert torch.allclose(a.exp(), b.exp(), atol=TOL, rtol=0)
    assert max(history[1:]) - min(history[1:]) < TOL


def test_em_log_likelihood_never_decreases_and_converges_to_a_fixed_point(generator):
    truth = random_probabilities(generator, 3, 5)
    truth = Counts(*(p / p.sum(-1, keepdim=True) for p in truth))
    x, _, lengths = sample_hmm(truth, 30, generator=generator)
    init = random_hmm(generator, 3, 5)
    hmm, history = baum_welch(x, init, lengths, n_steps=300)
    steps = torch.diff(torch.tensor(history, dtype=D))
    assert float(steps.min()) > -1e-9 * abs(history[-1]) and history[-1] > history[0] + 1.0

    def change(params):                                               # how far one more EM step moves them
        again, _ = baum_welch(x, params, lengths, n_steps=1)
        return max(float((a.exp() - b.exp()).abs().max()) for a, b in zip(params, again))
    early, _ = baum_welch(x, init, lengths, n_steps=10)
    assert change(hmm) < 1e-3 and change(hmm) < 0.1 * change(early)   # approaching a fixed point


# ----- variational Bayes -------------------------------------------------------------------------
def test_dirichlet_kl_matches_torch_distributions(generator):
    alpha = Counts(*(torch.rand(s, generator=generator, dtype=D) * 3 + 0.1 for s in [(3,), (3, 3), (3, 4)]))
    prior = Counts(*(torch.rand(s, generator=generator, dtype=D) * 3 + 0.1 for s in [(3,), (3, 3), (3, 4)]))
    dist = torch.distributions
    expected = sum(dist.kl_divergence(dist.Dirichlet(a), dist.Dirichlet(b)).sum() for a, b in zip(alpha, prior))
    assert abs(float(dirichlet_kl(alpha, prior)) - float(expected)) < TOL
    assert abs(float(dirichlet_kl(prior, prior))) < TOL


def test_expected_log_parameters_are_dirichlet_means_of_log(generator):
    alpha = Counts(torch.tensor([2.0, 0.5], dtype=D), torch.tensor([[1.0, 3.0], [0.7, 0.7]], dtype=D),
                   torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.5, 0.5]], dtype=D))
    ours = expected_log_parameters(alpha)
    rng = np.random.default_rng(0)
    for row_alpha, row_ours in zip(alpha.emissions, ours.log_emissions):   # Monte Carlo E[log theta]
        samples = rng.dirichlet(row_alpha.numpy(), size=200000)
        assert np.allclose(np.log(samples).mean(0), row_ours.numpy(), atol=0.02)
    assert (ours.log_transitions.exp().sum(1) < 1).all()             # sub-normalised


def tiny_problem(generator):
    x = torch.tensor([[0, 1, 1], [1, 0, PAD]])
    lengths = torch.tensor([3, 2])
    prior = Counts(torch.tensor([0.7, 1.3], dtype=D), torch.tensor([[0.5, 1.0], [2.0, 0.8]], dtype=D),
                   torch.tensor([[1.5, 0.6], [0.9, 1.1]], dtype=D))
    return x, lengths, prior


def log_dirichlet_normaliser(a):
    return torch.lgamma(a).sum(-1) - torch.lgamma(a.sum(-1))


def test_elbo_is_its_definition_and_below_the_exact_evidence(generator):
    x, lengths, prior = tiny_problem(generator)
    alpha, history = variational_bayes(x, prior, random_hmm(generator, 2, 2), lengths, n_steps=30)
    # the q(y) of the last step: the chain under E_q[log theta] for the returned alpha
    e_log = expected_log_parameters(alpha)
    paths = [list(itertools.product(range(2), repeat=int(n))) for n in lengths]
    # definition: E_q[log p(x, y | theta)] + E_q[log p(theta)] - E_q[log q(y)] - E_q[log q(theta)]
    elbo = 0.0
    for b, ys in enumerate(paths):
        scores = torch.stack([log_joint(e_log, x[b, : lengths[b]], y) for y in ys])
        q = torch.softmax(scores, 0)
        elbo += float((q * scores).sum() - (q * q.log()).sum())      # E_q[log p(x,y|theta)] - E_q[log q(y)]
    elbo -= float(dirichlet_kl(alpha, prior))                        # E_q[log p(theta) - log q(theta)]
    assert abs(elbo - history[-1]) < 1e-8
    # exact evidence: sum over tag sequences of the Dirichlet-multinomial marginal likelihood
    evidence = []
    for ys in itertools.product(*paths):
        counts = Counts(torch.zeros(2, dtype=D), torch.zeros(2, 2, dtype=D), torch.zeros(2, 2, dtype=D))
        for b, y in enumerate(ys):
            counts.start[y[0]] += 1
            for t in range(len(y)):
                counts.emissions[y[t], x[b, t]] += 1
                if t:
                    counts.transitions[y[t - 1], y[t]] += 1
        evidence.append(sum((log_dirichlet_normaliser(p + c) - log_dirichlet_normaliser(p)).sum()
                            for p, c in zip(prior, counts)))
    log_evidence = float(torch.logsumexp(torch.stack(evidence), 0))
    assert max(history) <= log_evidence + TOL                       # a lower bound at every step


def test_elbo_never_decreases_and_vb_with_huge_data_agrees_with_em(generator):
    truth = random_probabilities(generator, 2, 3)
    truth = Counts(*(p / p.sum(-1, keepdim=True) for p in truth))
    x, _, lengths = sample_hmm(truth, 60, generator=generator)
    prior = Counts(torch.full((2,), 0.5, dtype=D), torch.full((2, 2), 0.5, dtype=D), torch.full((2, 3), 0.5, dtype=D))
    init = random_hmm(generator, 2, 3)
    alpha, history = variational_bayes(x, prior, init, lengths, n_steps=80)
    steps = torch.diff(torch.tensor(history, dtype=D))
    assert float(steps.min()) > -1e-9 * abs(history[-1]) and history[-1] > history[0]
    # with many copies of the data, the prior and the digamma shrinkage vanish: VB's mean -> EM's answer
    big = x.repeat(50, 1)
    big_lengths = lengths.repeat(50)
    em, _ = baum_welch(big, init, big_lengths, n_steps=80)
    alpha_big, _ = variational_bayes(big, prior, init, big_lengths, n_steps=80)
    for a, b in zip(maximise(alpha_big), em):
        assert float((a.exp() - b.exp()).abs().max()) < 0.01


def test_vb_errors(generator):
    x, lengths, prior = tiny_problem(generator)
    bad = prior._replace(transitions=torch.zeros(2, 2, dtype=D))
    with pytest.raises(ValueError, match="prior.transitions"):
        variational_bayes(x, bad, random_hmm(generator, 2, 2), lengths)
    with pytest.raises(ValueError, match="n_steps"):
        baum_welch(x, random_hmm(generator, 2, 2), lengths, n_steps=0)
    with pytest.raises(TypeError, match="x"):
        random_hmm(generator, 2, 2).potentials(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="x: expected symbols in \\[0, 1\\]"):
        random_hmm(generator, 2, 2).potentials(torch.tensor([[0, 2, PAD]]), torch.tensor([2]))
    random_hmm(generator, 2, 2).potentials(torch.tensor([[0, 1, PAD]]), torch.tensor([2]))   # padding may be PAD
    with pytest.raises(TypeError, match="init: expected an energylab.structured.HMM"):
        baum_welch(x, random_probabilities(generator, 2, 2), lengths)
    with pytest.raises(TypeError, match="prior: expected an energylab.structured.Counts"):
        variational_bayes(x, random_hmm(generator, 2, 2), random_hmm(generator, 2, 2), lengths)
    with pytest.raises(ValueError, match="hmm.log_transitions"):
        expected_counts(random_hmm(generator, 2, 2)._replace(log_transitions=torch.zeros(3, 3, dtype=D)), x, lengths)
    with pytest.raises(ValueError, match="probabilities.emissions"):
        sample_hmm(random_probabilities(generator, 2, 2)._replace(emissions=torch.ones(3, 2, dtype=D)), 4)


# ----- data and evaluation helpers ---------------------------------------------------------------
def test_sample_hmm_respects_zeros_lengths_and_padding(generator):
    truth = Counts(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]),
                   torch.tensor([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]))
    x, y, lengths = sample_hmm(truth, 200, length=(3, 6), generator=generator)
    assert x.shape == y.shape == (200, 6) and int(lengths.min()) >= 3 and int(lengths.max()) <= 6
    valid = torch.arange(6)[None] < lengths[:, None]
    assert bool((x[~valid] == PAD).all()) and bool((y[~valid] == PAD).all())
    assert bool((y[:, 0] == 0).all())
    for b in range(200):
        for t in range(1, int(lengths[b])):
            assert truth.transitions[y[b, t - 1], y[b, t]] > 0
        for t in range(int(lengths[b])):
            assert truth.emissions[y[b, t], x[b, t]] > 0


def test_match_states_undoes_a_relabelling(generator):
    truth = torch.randint(0, 4, (5, 7), generator=generator)
    truth[0, 5:] = PAD
    perm = torch.tensor([2, 0, 3, 1])                              # learned state i is true tag perm[i]
    predicted = torch.where(truth == PAD, PAD, torch.argsort(perm)[truth.clamp(min=0)])
    assert match_states(predicted, truth) == perm.tolist()
    with pytest.raises(ValueError, match="predicted"):
        match_states(predicted[:, :3], truth)
