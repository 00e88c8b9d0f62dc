"""The one chain recursion (energylab.structured.dp) in each semiring, against brute-force
enumeration (float64, 1e-9); zero temperature is beta=math.inf; padding is inert.
(Its fast paths are in test_structured_fast.py.)"""
import itertools
import math

import pytest
import torch

from energylab.structured import (
    MIN_SUM,
    PAD,
    KMin,
    Semiring,
    Sparse,
    backtrace,
    chain_dp,
    chain_energy,
    free_energy,
    kbest_viterbi,
    log_partition,
    marginals,
    sequence_nll_loss,
    sequence_perceptron_loss,
    softmin,
    viterbi,
)

TOL = 1e-9


def random_chain(generator, b=4, n=5, c=3, scale=1.0, per_step=False, dtype=torch.float64):
    unary = scale * torch.randn(b, n, c, generator=generator, dtype=dtype)
    shape = (n - 1, c, c) if per_step else (c, c)
    transitions = scale * torch.randn(*shape, generator=generator, dtype=dtype)
    lengths = torch.randint(1, n + 1, (b,), generator=generator)
    lengths[0] = n
    start = torch.randn(c, generator=generator, dtype=dtype)
    end = torch.randn(c, generator=generator, dtype=dtype)
    return unary, transitions, lengths, start, end


def all_energies(unary_b, transitions, length, start=None, end=None):
    """Every label sequence of one example and its energy (plain loops; W per step if 3-D)."""
    c = unary_b.shape[1]
    seqs = list(itertools.product(range(c), repeat=length))
    energies = []
    for s in seqs:
        e = sum(float(unary_b[t, s[t]]) for t in range(length))
        for t in range(length - 1):
            w = transitions[t] if transitions.dim() == 3 else transitions
            e += float(w[s[t], s[t + 1]])
        if start is not None:
            e += float(start[s[0]]) + float(end[s[-1]])
        energies.append(e)
    return torch.tensor(seqs), torch.tensor(energies, dtype=torch.float64)


# ----- the semirings ------------------------------------------------------------------------
def test_softmin_is_logsumexp_and_safe_for_impossible_rows():
    x = torch.tensor([[1.0, 2.0, math.inf], [math.inf, math.inf, math.inf]], dtype=torch.float64, requires_grad=True)
    out = softmin(x, 1, 2.0)
    assert abs(float(out[0].detach()) - float(-torch.logsumexp(torch.tensor([-2.0, -4.0], dtype=torch.float64), 0) / 2)) < TOL
    assert out[1] == math.inf
    (grad,) = torch.autograd.grad(out[0], x)
    assert torch.isfinite(grad).all() and grad[1].abs().sum() == 0 and grad[0, 2] == 0
    assert abs(float(grad[0].sum()) - 1.0) < TOL                  # softmax weights
    y = torch.randn(3, 4, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: softmin(v, 1, 0.7), (y,))


def test_semiring_checks_beta():
    with pytest.raises(ValueError, match="beta"):
        Semiring(0.0)
    with pytest.raises(TypeError, match="beta"):
        Semiring(None)
    with pytest.raises(ValueError, match="beta"):
        Semiring(float("nan"))
    assert Semiring(math.inf).is_min and not Semiring(2.0).is_min
    with pytest.raises(ValueError, match="backpointer"):
        Semiring(1.0).backpointer(torch.zeros(2, 3), torch.zeros(3, 3), torch.zeros(2, dtype=torch.long))


def test_kmin_keeps_the_k_smallest(generator):
    values = torch.randn(2, 4, 3, generator=generator, dtype=torch.float64).sort(-1).values
    merged = KMin(3).sum(values, dim=1)                           # over the 4 labels' lists
    assert torch.equal(merged, values.flatten(1).sort(-1).values[:, :3])


# ----- the recursion in each semiring against enumeration ------------------------------------
@pytest.mark.parametrize("per_step", [False, True])
def test_chain_dp_in_each_semiring_against_enumeration(generator, per_step):
    unary, w, lengths, start, end = random_chain(generator, per_step=per_step)
    n = unary.shape[1]
    best, messages = chain_dp(MIN_SUM, unary, w, lengths, start=start, end=end)
    labels = backtrace(MIN_SUM, messages, w, lengths, end=end)
    free, _ = chain_dp(Semiring(0.6), unary, w, lengths, start=start, end=end)
    k = 5
    kbest, kmessages = chain_dp(KMin(k), unary, w, lengths, start=start, end=end)
    klabels = backtrace(KMin(k), kmessages, w, lengths, end=end)
    energies_of_labels = chain_energy(unary, w, labels, lengths, start=start, end=end)
    for i in range(unary.shape[0]):
        length = int(lengths[i])
        seqs, energies = all_energies(unary[i], w, length, start, end)
        order = energies.argsort()
        assert abs(float(best[i]) - float(energies.min())) < TOL
        assert labels[i, :length].tolist() == seqs[order[0]].tolist() and (labels[i, length:] == PAD).all()
        assert abs(float(energies_of_labels[i]) - float(energies.min())) < TOL
        assert abs(float(free[i]) - float(-torch.logsumexp(-0.6 * energies, 0) / 0.6)) < TOL
        for r in range(k):
            if r < len(seqs):
                assert abs(float(kbest[i, r]) - float(energies[order[r]])) < TOL
                assert klabels[i, r, :length].tolist() == seqs[order[r]].tolist()
            else:
                assert kbest[i, r] == math.inf
        assert (klabels[i, :, length:] == PAD).all()
    assert messages.shape == (unary.shape[0], n, 3) and kmessages.shape == (unary.shape[0], n, 3, k)


def test_time_varying_transitions_in_every_public_function(generator):
    unary, w, lengths, start, end = random_chain(generator, per_step=True)
    dec = viterbi(unary, w, lengths, start=start, end=end)
    log_z = log_partition(unary, w, lengths, beta=1.3, start=start, end=end)
    two = kbest_viterbi(unary, w, 2, lengths, start=start, end=end)
    for i in range(unary.shape[0]):
        seqs, energies = all_energies(unary[i], w, int(lengths[i]), start, end)
        assert abs(float(dec.energy[i]) - float(energies.min())) < TOL
        assert abs(float(log_z[i]) - float(torch.logsumexp(-1.3 * energies, 0))) < TOL
        if len(seqs) > 1:
            assert abs(float(two.energy[i, 1]) - float(energies.sort().values[1])) < TOL
    with pytest.raises(ValueError, match="transitions"):
        viterbi(unary, w[:-1], lengths)


def test_sparse_transitions_equal_their_dense_matrix(generator):
    # each label has two or three possible predecessors, padded slots are +inf
    c = 5
    sources = torch.randint(0, c, (c, 3), generator=generator)
    energies = torch.randn(c, 3, generator=generator, dtype=torch.float64)
    energies[::2, 2] = math.inf
    sparse = Sparse(sources, energies)
    dense = sparse.dense()
    for j in range(c):
        for i in range(c):
            allowed = energies[j][sources[j] == i]
            expected = float(allowed.min()) if len(allowed) else math.inf
            assert float(dense[i, j]) == expected
    unary, _, lengths, start, end = random_chain(generator, b=4, n=5, c=c)
    for semiring in (MIN_SUM, Semiring(0.8), KMin(3)):
        a, messages = chain_dp(semiring, unary, sparse, lengths, start=start, end=end)
        b, _ = chain_dp(semiring, unary, dense, lengths, start=start, end=end)
        assert torch.allclose(a, b, atol=TOL, rtol=0)
        if semiring.is_min:
            assert torch.equal(backtrace(semiring, messages, sparse, lengths, end=end),
                               backtrace(semiring, chain_dp(semiring, unary, dense, lengths, start=start, end=end)[1],
                                         dense, lengths, end=end))
    y = viterbi(unary, sparse, lengths).labels
    assert torch.equal(y, viterbi(unary, dense, lengths).labels)
    assert torch.allclose(chain_energy(unary, sparse, y, lengths), chain_energy(unary, dense, y, lengths))
    with pytest.raises(ValueError, match="sources"):
        viterbi(unary, Sparse(sources + c, energies))
    with pytest.raises(TypeError, match="transitions"):
        viterbi(unary.float(), sparse)


# ----- zero temperature is beta = math.inf everywhere ------------------------------------------
def test_zero_temperature_is_beta_inf(generator):
    unary, w, lengths, start, end = random_chain(generator, b=5, n=6, c=3)
    y = torch.randint(0, 3, (5, 6), generator=generator)
    dec = viterbi(unary, w, lengths, start=start, end=end)
    assert torch.equal(free_energy(unary, w, lengths, beta=math.inf, start=start, end=end), dec.energy)
    mu = marginals(unary, w, lengths, beta=math.inf, start=start, end=end)
    onehot = torch.nn.functional.one_hot(torch.where(dec.labels == PAD, 0, dec.labels), 3).double()
    assert torch.equal(mu, onehot * (dec.labels != PAD).unsqueeze(2).double())
    nll = sequence_nll_loss(unary, w, y, lengths, beta=math.inf, start=start, end=end, reduction="none")
    perc = sequence_perceptron_loss(unary, w, y, lengths, start=start, end=end, reduction="none")
    assert torch.allclose(nll, perc, atol=TOL, rtol=0)
    with pytest.raises(ValueError, match="beta"):
        log_partition(unary, w, lengths, beta=math.inf)
    # and large finite beta tends to it
    gap = dec.energy - free_energy(unary, w, lengths, beta=1e4, start=start, end=end)
    assert (gap >= -TOL).all() and (gap <= 6 * math.log(3) / 1e4 + TOL).all()


# ----- padding is inert ----------------------------------------------------------------------
@pytest.mark.parametrize("junk", [math.inf, -math.inf, math.nan, 1e30])
def test_padding_is_inert(generator, junk):
    unary, w, lengths, start, end = random_chain(generator, b=4, n=6, c=3)
    lengths[1:] = torch.tensor([2, 4, 1])
    y = torch.randint(0, 3, (4, 6), generator=generator)
    padding = torch.arange(6)[None] >= lengths[:, None]
    dirty = unary.masked_fill(padding[..., None], junk)
    for name, fn in [
        ("log Z", lambda u: log_partition(u, w, lengths, beta=0.8, start=start, end=end)),
        ("NLL", lambda u: sequence_nll_loss(u, w, y, lengths, start=start, end=end, reduction="none")),
        ("F_inf", lambda u: free_energy(u, w, lengths, beta=math.inf, start=start, end=end)),
    ]:
        clean_u, dirty_u = unary.clone().requires_grad_(True), dirty.clone().requires_grad_(True)
        clean, dirty_value = fn(clean_u), fn(dirty_u)
        assert torch.allclose(clean, dirty_value, atol=TOL, rtol=0), name
        (g_clean,) = torch.autograd.grad(clean.sum(), clean_u)
        (g_dirty,) = torch.autograd.grad(dirty_value.sum(), dirty_u)
        assert torch.equal(torch.isfinite(g_dirty), torch.ones_like(g_dirty, dtype=torch.bool)), name
        assert torch.allclose(g_clean, g_dirty, atol=TOL, rtol=0), name
        assert (g_dirty[padding] == 0).all(), name
    assert torch.allclose(marginals(dirty, w, lengths, start=start, end=end),
                          marginals(unary, w, lengths, start=start, end=end), atol=TOL, rtol=0)
    assert torch.equal(viterbi(dirty, w, lengths).labels, viterbi(unary, w, lengths).labels)
