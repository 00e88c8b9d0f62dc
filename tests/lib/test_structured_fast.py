"""The fast paths of energylab.structured.fast give the plain recursion's numbers:
scaled_forward == chain_dp in the softmin semiring (values and gradients, float64, extreme
energies, long float32 chains, every renormalisation period), meet-in-the-middle Viterbi ==
chain_dp + backtrace in the min-sum semiring (labels and energies, forbidden moves, ties)."""
import itertools
import math

import pytest
import torch

from energylab.structured import (
    MIN_SUM,
    PAD,
    Semiring,
    backtrace,
    chain_dp,
    chain_energy,
    free_energy,
    log_partition,
    meet_in_the_middle_viterbi,
    scaled_forward,
    viterbi,
)

TOL = 1e-9


def random_chain(generator, b=6, n=9, c=3, scale=1.0, dtype=torch.float64, boundary=True):
    unary = scale * torch.randn(b, n, c, generator=generator, dtype=dtype)
    transitions = torch.randn(c, c, generator=generator, dtype=dtype)
    lengths = torch.randint(1, n + 1, (b,), generator=generator)
    lengths[0] = n
    start = torch.randn(c, generator=generator, dtype=dtype) if boundary else None
    end = torch.randn(c, generator=generator, dtype=dtype) if boundary else None
    return unary, transitions, lengths, start, end


def plain_free_energy(unary, w, lengths, beta, start=None, end=None):
    return chain_dp(Semiring(beta), unary, w, lengths, start=start, end=end)[0]


def brute_log_z(unary_b, w, length, beta, start, end):
    c = unary_b.shape[1]
    energies = []
    for s in itertools.product(range(c), repeat=length):
        e = sum(float(unary_b[t, s[t]]) for t in range(length)) + sum(float(w[s[t], s[t + 1]]) for t in range(length - 1))
        energies.append(e + (float(start[s[0]]) + float(end[s[-1]]) if start is not None else 0.0))
    return float(torch.logsumexp(-beta * torch.tensor(energies, dtype=torch.float64), 0))


# ----- scaled_forward == the softmin recursion ----------------------------------------------
@pytest.mark.parametrize("beta", [1.0, 0.3, 4.0])
@pytest.mark.parametrize("c", [1, 2, 5, 16])
@pytest.mark.parametrize("boundary", [True, False])
def test_scaled_forward_equals_the_plain_recursion(generator, beta, c, boundary):
    unary, w, lengths, start, end = random_chain(generator, n=40, c=c, scale=2.0, boundary=boundary)
    lengths[1:] = torch.tensor([1, 8, 16, 17, 33])                # around multiples of the period (8 or 16)
    fast = scaled_forward(unary, w, lengths, beta=beta, start=start, end=end)
    assert fast is not None
    assert torch.allclose(fast, plain_free_energy(unary, w, lengths, beta, start, end), atol=1e-12, rtol=1e-12)
    grads = []
    for fn in (scaled_forward, None):
        u, t = unary.clone().requires_grad_(True), w.clone().requires_grad_(True)
        s = None if start is None else start.clone().requires_grad_(True)
        e = None if end is None else end.clone().requires_grad_(True)
        total = fn(u, t, lengths, beta=beta, start=s, end=e) if fn else plain_free_energy(u, t, lengths, beta, s, e)
        inputs = [x for x in (u, t, s, e) if x is not None]
        grads.append(torch.autograd.grad(total.sum(), inputs))
    for g_fast, g_plain in zip(*grads):
        assert torch.allclose(g_fast, g_plain, atol=1e-10, rtol=1e-10)


def test_scaled_forward_against_enumeration_and_gradcheck(generator):
    unary, w, lengths, start, end = random_chain(generator, b=4, n=5, c=3)
    log_z = -1.3 * scaled_forward(unary, w, lengths, beta=1.3, start=start, end=end)
    for i in range(4):
        assert abs(float(log_z[i]) - brute_log_z(unary[i], w, int(lengths[i]), 1.3, start, end)) < TOL
    u, t = unary.clone().requires_grad_(True), w.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, b: scaled_forward(a, b, lengths, beta=0.7, start=start, end=end), (u, t))


def test_scaled_forward_with_extreme_values(generator):
    # energies of +-1e3 at beta = 1: a naive product over- and underflows at once (float64)
    unary, w, lengths, start, end = random_chain(generator, b=4, n=5, c=3, scale=1e3)
    log_z = log_partition(unary, w, lengths, start=start, end=end)
    for i in range(4):
        expected = brute_log_z(unary[i], w, int(lengths[i]), 1.0, start, end)
        assert abs(float(log_z[i]) - expected) <= 1e-12 * abs(expected)
    # long float32 chains with large energies: fast, plain and float64 agree
    u32 = 30 * torch.randn(3, 400, 8, generator=generator)
    w32 = 3 * torch.randn(8, 8, generator=generator)
    fast = scaled_forward(u32, w32, torch.full((3,), 400), beta=1.0)
    assert fast is not None
    assert torch.allclose(fast, plain_free_energy(u32, w32, None, 1.0), rtol=1e-5)
    assert torch.allclose(fast.double(), plain_free_energy(u32.double(), w32.double(), None, 1.0), rtol=1e-5)


def test_scaled_forward_renormalises_as_often_as_the_transitions_need(generator):
    # columns spanning ~30 in float32: period 1 (renormalise every step), still exact
    w = torch.randn(6, 6, generator=generator)
    w = 30 * (w - w.amin(0)) / (w.amax(0) - w.amin(0))
    unary = torch.randn(4, 50, 6, generator=generator)
    lengths = torch.tensor([50, 13, 1, 32])
    fast = scaled_forward(unary, w, lengths, beta=1.0)
    assert fast is not None
    expected = plain_free_energy(unary.double(), w.double(), lengths, 1.0)
    assert torch.allclose(fast.double(), expected, rtol=1e-6)


def test_scaled_forward_declines_when_it_would_not_be_exact(generator):
    unary, w, lengths, start, end = random_chain(generator, dtype=torch.float32)
    assert scaled_forward(unary, w, lengths, beta=1.0) is not None
    forbidden = w.clone()
    forbidden[0, 1] = math.inf                                   # a forbidden move
    assert scaled_forward(unary, forbidden, lengths, beta=1.0) is None
    assert scaled_forward(unary, 100 * w, lengths, beta=1.0) is None      # columns span > 43 in float32
    assert scaled_forward(unary.double(), 100 * w.double(), lengths, beta=1.0) is not None   # < 354 in float64
    assert scaled_forward(unary, w, lengths, beta=math.inf) is None
    assert scaled_forward(unary, w.expand(8, 3, 3), lengths, beta=1.0) is None  # one matrix per step
    # forbidden labels (+inf unary, start, end energies) are exact zeros of the weights
    bad, s, e = unary.clone(), start.clone(), end.clone()
    bad[0, 0, 1] = bad[1, 2, 0] = s[2] = e[0] = math.inf
    fast = scaled_forward(bad, w, lengths, beta=1.0, start=s, end=e)
    assert fast is not None
    assert torch.allclose(fast, plain_free_energy(bad, w, lengths, 1.0, s, e), rtol=1e-6)
    # no label left at a valid position, or NaN: it declines and the plain recursion answers
    bad[0, 0] = math.inf
    assert scaled_forward(bad, w, lengths, beta=1.0) is None
    assert log_partition(bad, w, lengths)[0] == -math.inf
    bad[1, 0, 1] = math.nan
    assert scaled_forward(bad, w, lengths, beta=1.0) is None
    assert torch.isnan(log_partition(bad, w, lengths)[1])        # NaN in, NaN out
    assert torch.allclose(free_energy(bad, forbidden, lengths)[2:], plain_free_energy(bad, forbidden, lengths, 1.0)[2:])


# ----- meet-in-the-middle Viterbi == min-sum recursion + backtrace ---------------------------
def reference_viterbi(unary, w, lengths, start=None, end=None):
    energy, messages = chain_dp(MIN_SUM, unary, w, lengths, start=start, end=end)
    return backtrace(MIN_SUM, messages, w, lengths, end=end), energy


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10])
@pytest.mark.parametrize("c", [1, 3, 8])
def test_meet_in_the_middle_equals_the_plain_recursion(generator, n, c):
    for boundary in (True, False):
        unary, w, _, start, end = random_chain(generator, b=n + 2, n=n, c=c, boundary=boundary)
        lengths = torch.cat([torch.arange(1, n + 1), torch.tensor([n, 1])])   # every length
        labels, energy = meet_in_the_middle_viterbi(unary, w, lengths, start=start, end=end)
        ref_labels, ref_energy = reference_viterbi(unary, w, lengths, start, end)
        assert torch.equal(labels, ref_labels)
        assert torch.allclose(energy, ref_energy, atol=TOL, rtol=0)
        assert torch.allclose(chain_energy(unary, w, labels, lengths, start=start, end=end), energy, atol=TOL, rtol=0)


def test_meet_in_the_middle_with_forbidden_moves_and_ties(generator):
    # +inf transitions and labels (a grammar), and integer energies full of ties
    unary = torch.randint(0, 3, (8, 9, 4), generator=generator).double()
    w = torch.randint(0, 3, (4, 4), generator=generator).double()
    w[0, 2] = w[1, 3] = w[2, 0] = math.inf
    unary[:, 4, 1] = math.inf
    lengths = torch.tensor([9, 8, 7, 6, 5, 4, 3, 1])
    labels, energy = meet_in_the_middle_viterbi(unary, w, lengths)
    ref_labels, ref_energy = reference_viterbi(unary, w, lengths)
    assert torch.equal(energy, ref_energy)
    # a tie may be broken differently, but the path is a minimiser and obeys the grammar
    assert torch.equal(chain_energy(unary, w, labels, lengths), ref_energy)
    assert ((labels == PAD) == (ref_labels == PAD)).all()
    # public viterbi runs it; impossible sequences have energy +inf
    unary[0, 0] = math.inf
    dec = viterbi(unary, w, lengths)
    assert dec.energy[0] == math.inf and ((dec.labels >= 0) & (dec.labels < 4) | (dec.labels == PAD)).all()
