"""Chain energies and dynamic programming against brute-force enumeration of all C^L
label sequences (float64, agreement to 1e-9) and against pytorch-crf."""
import itertools

import pytest
import torch

from energylab.structured import (
    PAD,
    ChainEnergy,
    chain_energy,
    free_energy,
    hamming,
    kbest_viterbi,
    log_partition,
    loss_augmented_viterbi,
    marginals,
    most_offending_incorrect,
    sequence_hinge_loss,
    sequence_loss,
    sequence_nll_loss,
    sequence_perceptron_loss,
    viterbi,
)

TOL = 1e-9


def random_chain(generator, b=5, n=5, c=3, boundary=True):
    unary = torch.randn(b, n, c, generator=generator, dtype=torch.float64)
    transitions = torch.randn(c, c, generator=generator, dtype=torch.float64)
    lengths = torch.randint(1, n + 1, (b,), generator=generator)
    lengths[0] = n                                                # at least one full-length sequence
    start = torch.randn(c, generator=generator, dtype=torch.float64) if boundary else None
    end = torch.randn(c, generator=generator, dtype=torch.float64) if boundary else None
    return unary, transitions, lengths, start, end


def enumerate_all(unary_b, transitions, length, start, end):
    """Every label sequence of one example and its energy, by a plain double loop."""
    c = unary_b.shape[1]
    seqs = list(itertools.product(range(c), repeat=length))
    energies = []
    for s in seqs:
        e = sum(unary_b[t, s[t]] for t in range(length))
        e = e + sum(transitions[s[t], s[t + 1]] for t in range(length - 1))
        if start is not None:
            e = e + start[s[0]] + end[s[-1]]
        energies.append(float(e))
    return torch.tensor(seqs), torch.tensor(energies, dtype=torch.float64)


def padded(seq, n):
    out = torch.full((n,), PAD, dtype=torch.long)
    out[: len(seq)] = seq
    return out


@pytest.mark.parametrize("boundary", [True, False])
def test_energy_viterbi_logz_marginals_against_enumeration(generator, boundary):
    for trial in range(3):
        unary, w, lengths, start, end = random_chain(generator, b=4, n=5, c=3, boundary=boundary)
        b, n, c = unary.shape
        beta = [1.0, 0.5, 2.7][trial]
        dec = viterbi(unary, w, lengths, start=start, end=end)
        log_z = log_partition(unary, w, lengths, beta=beta, start=start, end=end)
        mu = marginals(unary, w, lengths, beta=beta, start=start, end=end)
        for i in range(b):
            seqs, energies = enumerate_all(unary[i], w, int(lengths[i]), start, end)
            k = int(energies.argmin())
            assert torch.equal(dec.labels[i], padded(seqs[k], n))
            assert abs(float(dec.energy[i]) - float(energies[k])) < TOL
            assert abs(float(log_z[i]) - float(torch.logsumexp(-beta * energies, 0))) < TOL
            p = torch.softmax(-beta * energies, 0)
            for t in range(n):
                for label in range(c):
                    expected = float(p[seqs[:, t] == label].sum()) if t < lengths[i] else 0.0
                    assert abs(float(mu[i, t, label]) - expected) < TOL
        # the energy function itself, on random label sequences (padding ignored)
        y = torch.randint(0, c, (b, n), generator=generator)
        e = chain_energy(unary, w, y, lengths, start=start, end=end)
        for i in range(b):
            seqs, energies = enumerate_all(unary[i], w, int(lengths[i]), start, end)
            row = (seqs == y[i, : int(lengths[i])]).all(1)
            assert abs(float(e[i]) - float(energies[row][0])) < TOL


def test_kbest_and_most_offending_against_enumeration(generator):
    unary, w, lengths, start, end = random_chain(generator, b=6, n=4, c=3)
    lengths[1] = 1                                                # only 3 sequences: 4th best is +inf
    k = 4
    dec = kbest_viterbi(unary, w, k, lengths, start=start, end=end)
    assert dec.labels.shape == (6, k, 4) and dec.energy.shape == (6, k)
    for i in range(6):
        seqs, energies = enumerate_all(unary[i], w, int(lengths[i]), start, end)
        order = energies.argsort()
        for r in range(min(k, len(seqs))):
            assert abs(float(dec.energy[i, r]) - float(energies[order[r]])) < TOL
            assert torch.equal(dec.labels[i, r], padded(seqs[order[r]], 4))
        for r in range(len(seqs), k):
            assert dec.energy[i, r] == float("inf")
    # most offending incorrect answer: best sequence that differs from y
    best = viterbi(unary, w, lengths, start=start, end=end).labels
    y = torch.randint(0, 3, (6, 4), generator=generator)
    y[:3] = best[:3].clamp(min=0)                                 # half the rows: y is the argmin
    off = most_offending_incorrect(unary, w, y, lengths, start=start, end=end)
    for i in range(6):
        seqs, energies = enumerate_all(unary[i], w, int(lengths[i]), start, end)
        wrong = ~(seqs == y[i, : int(lengths[i])]).all(1)
        if lengths[i] == 1 and wrong.sum() == 0:
            continue
        j = int(torch.where(wrong, energies, torch.inf).argmin())
        assert abs(float(off.energy[i]) - float(energies[j])) < TOL
        assert torch.equal(off.labels[i], padded(seqs[j], 4))


@pytest.mark.parametrize("margin", [0.0, 0.7, 3.0])
def test_loss_augmented_viterbi_against_enumeration(generator, margin):
    unary, w, lengths, start, end = random_chain(generator, b=5, n=5, c=3)
    y = torch.randint(0, 3, (5, 5), generator=generator)
    dec = loss_augmented_viterbi(unary, w, y, lengths, margin=margin, start=start, end=end)
    for i in range(5):
        length = int(lengths[i])
        seqs, energies = enumerate_all(unary[i], w, length, start, end)
        aug = energies - margin * (seqs != y[i, :length]).sum(1).double()
        j = int(aug.argmin())
        assert abs(float(dec.energy[i]) - float(aug[j])) < TOL
        assert torch.equal(dec.labels[i], padded(seqs[j], 5))


def test_losses_against_enumeration(generator):
    unary, w, lengths, start, end = random_chain(generator, b=5, n=4, c=3)
    y = torch.randint(0, 3, (5, 4), generator=generator)
    kw = dict(start=start, end=end, reduction="none")
    perc = sequence_perceptron_loss(unary, w, y, lengths, **kw)
    hinge = sequence_hinge_loss(unary, w, y, lengths, margin=0.5, **kw)
    hinge_c = sequence_hinge_loss(unary, w, y, lengths, margin=0.5, hamming=False, **kw)
    nll = sequence_nll_loss(unary, w, y, lengths, beta=2.0, **kw)
    for i in range(5):
        length = int(lengths[i])
        seqs, energies = enumerate_all(unary[i], w, length, start, end)
        is_y = (seqs == y[i, :length]).all(1)
        e_y = float(energies[is_y][0])
        ham = (seqs != y[i, :length]).sum(1).double()
        assert abs(float(perc[i]) - (e_y - float(energies.min()))) < TOL
        assert abs(float(hinge[i]) - max(0.0, float((0.5 * ham + e_y - energies).max()))) < TOL
        if (~is_y).any():
            assert abs(float(hinge_c[i]) - max(0.0, 0.5 + e_y - float(energies[~is_y].min()))) < TOL
        expected = e_y + float(torch.logsumexp(-2.0 * energies, 0)) / 2.0
        assert abs(float(nll[i]) - expected) < TOL
    assert torch.allclose(sequence_loss("nll", unary, w, y, lengths, beta=2.0, start=start, end=end), nll.mean())
    assert (perc >= -TOL).all() and (hinge >= perc - TOL).all()   # hinge (margin) >= perceptron


def test_free_energy_tends_to_min_energy(generator):
    unary, w, lengths, _, _ = random_chain(generator, b=3, n=6, c=4, boundary=False)
    best = viterbi(unary, w, lengths).energy
    gaps = [float((best - free_energy(unary, w, lengths, beta=beta)).max()) for beta in (1.0, 10.0, 1000.0)]
    assert gaps[0] > gaps[1] > gaps[2] >= 0
    assert gaps[2] <= 6 * torch.log(torch.tensor(4.0)).item() / 1000 + TOL   # bound log(C^N)/beta


def test_gradients_gradcheck_and_perceptron_subgradient(generator):
    unary, w, lengths, start, end = random_chain(generator, b=2, n=4, c=3)
    unary.requires_grad_(True)
    w.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda u, t: log_partition(u, t, lengths, beta=0.7), (unary, w))
    y = torch.randint(0, 3, (2, 4), generator=generator)
    assert torch.autograd.gradcheck(lambda u, t: sequence_nll_loss(u, t, y, lengths), (unary, w))
    # the gradient of min_y E w.r.t. the unary energies is the indicator of the Viterbi path
    dec = viterbi(unary, w, lengths)
    (g,) = torch.autograd.grad(dec.energy.sum(), unary)
    onehot = torch.nn.functional.one_hot(dec.labels.clamp(min=0), 3).double()
    onehot[dec.labels == PAD] = 0
    assert torch.equal(g, onehot)


@pytest.mark.parametrize("seed", [0, 1])
def test_agrees_with_pytorch_crf(seed):
    torchcrf = pytest.importorskip("torchcrf")
    g = torch.Generator().manual_seed(seed)
    b, n, c = 16, 40, 7
    crf = torchcrf.CRF(c, batch_first=True).double()
    with torch.no_grad():
        crf.transitions.normal_(generator=g)
        crf.start_transitions.normal_(generator=g)
        crf.end_transitions.normal_(generator=g)
    emissions = torch.randn(b, n, c, generator=g, dtype=torch.float64)
    lengths = torch.randint(1, n + 1, (b,), generator=g)
    lengths[0] = n
    mask = torch.arange(n)[None] < lengths[:, None]
    tags = torch.randint(0, c, (b, n), generator=g)
    # CRF scores are minus energies
    unary, w = -emissions, -crf.transitions.detach()
    start, end = -crf.start_transitions.detach(), -crf.end_transitions.detach()
    llh = crf(emissions, tags, mask=mask, reduction="none")
    nll = sequence_nll_loss(unary, w, tags, lengths, start=start, end=end, reduction="none")
    assert torch.allclose(nll, -llh.detach(), atol=1e-9, rtol=0)
    decoded = crf.decode(emissions, mask=mask)
    ours = viterbi(unary, w, lengths, start=start, end=end).labels
    for i in range(b):
        assert ours[i, : lengths[i]].tolist() == decoded[i]
    # zero start/end transitions = our energy without boundary terms
    with torch.no_grad():
        crf.start_transitions.zero_()
        crf.end_transitions.zero_()
    llh0 = crf(emissions, tags, mask=mask, reduction="none").detach()
    assert torch.allclose(sequence_nll_loss(unary, w, tags, lengths, reduction="none"), -llh0, atol=1e-9, rtol=0)


def test_chain_energy_module_and_hamming(generator):
    model = ChainEnergy(3, 2, boundary=True).double()
    x = torch.randn(4, 6, 2, generator=generator, dtype=torch.float64)
    lengths = torch.tensor([6, 3, 1, 5])
    y = model.decode(x, lengths)
    assert (y[1, 3:] == PAD).all() and (y[1, :3] >= 0).all()
    p = model.potentials(x)
    assert torch.allclose(model(x, y, lengths), viterbi(**p, lengths=lengths).energy)
    loss = sequence_loss("hinge", y=y.clamp(min=0), lengths=lengths, **p)
    loss.backward()
    assert model.transitions.grad is not None
    baseline = ChainEnergy(3, 2, pairwise=False)
    assert not baseline.transitions.requires_grad
    assert hamming(torch.tensor([[0, 1, 2]]), torch.tensor([[0, 2, 1]]), torch.tensor([2])).item() == 1


def test_long_sequences_are_stable_in_float32(generator):
    unary = 50 * torch.randn(2, 300, 5, generator=generator)
    w = 50 * torch.randn(5, 5, generator=generator)
    log_z = log_partition(unary, w)
    assert torch.isfinite(log_z).all()
    assert torch.allclose(free_energy(unary, w, beta=1e4), viterbi(unary, w).energy, rtol=1e-4)


def test_clear_errors():
    u = torch.zeros(2, 3, 4)
    with pytest.raises(ValueError, match="transitions"):
        viterbi(u, torch.zeros(3, 3))
    with pytest.raises(ValueError, match="unary"):
        viterbi(torch.zeros(3, 4), torch.zeros(4, 4))
    with pytest.raises(TypeError, match="unary"):
        viterbi(torch.zeros(2, 3, 4, dtype=torch.long), torch.zeros(4, 4))
    with pytest.raises(ValueError, match="lengths"):
        log_partition(u, torch.zeros(4, 4), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="lengths"):
        log_partition(u, torch.zeros(4, 4), torch.tensor([1, 4]))
    with pytest.raises(TypeError, match="transitions"):
        log_partition(u, torch.zeros(4, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="beta"):
        log_partition(u, torch.zeros(4, 4), beta=0.0)
    with pytest.raises(ValueError, match="k"):
        kbest_viterbi(u, torch.zeros(4, 4), 0)
    with pytest.raises(ValueError, match="y"):
        chain_energy(u, torch.zeros(4, 4), torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="labels in"):
        chain_energy(u, torch.zeros(4, 4), torch.full((2, 3), 4))
    with pytest.raises(ValueError, match="margin"):
        loss_augmented_viterbi(u, torch.zeros(4, 4), torch.zeros(2, 3, dtype=torch.long), margin=-1.0)
    with pytest.raises(ValueError, match="reduction"):
        sequence_nll_loss(u, torch.zeros(4, 4), torch.zeros(2, 3, dtype=torch.long), reduction="avg")
    with pytest.raises(ValueError, match="kind"):
        sequence_loss("square", u, torch.zeros(4, 4), torch.zeros(2, 3, dtype=torch.long))
