"""Integrated DTW training (lecture 5 §4.1): the (soft-)DTW free energy against brute-force
enumeration of every monotone alignment, its gradient (the best path; gradcheck at finite beta),
lengths and padding, and the template recogniser against explicit formulas."""
import itertools
import math

import pytest
import torch

from energylab.structured.dtw import dtw
from energylab.structured.templates import DTWRecogniser, dtw_free_energy

TOL = 1e-9


def alignments(n, m):
    """Every monotone path from (0, 0) to (n-1, m-1) with steps (1,0), (0,1), (1,1)."""
    def walk(i, j):
        if (i, j) == (n - 1, m - 1):
            yield [(i, j)]
            return
        for di, dj in ((1, 0), (0, 1), (1, 1)):
            if i + di < n and j + dj < m:
                for rest in walk(i + di, j + dj):
                    yield [(i, j)] + rest
    return list(walk(0, 0))


def brute_force(cost, beta):
    energies = torch.stack([sum(cost[i, j] for i, j in path) for path in alignments(*cost.shape)])
    if beta == math.inf:
        return energies.min()
    return -torch.logsumexp(-beta * energies, 0) / beta


def test_the_alignment_count_is_the_delannoy_number():
    assert [len(alignments(k, k)) for k in range(1, 6)] == [1, 3, 13, 63, 321]


@pytest.mark.parametrize("n,m", [(1, 1), (1, 4), (3, 1), (3, 3), (4, 5), (5, 3)])
@pytest.mark.parametrize("beta", [0.3, 1.0, 7.0, math.inf])
def test_free_energy_against_every_alignment(generator, n, m, beta):
    cost = torch.randn(2, n, m, generator=generator, dtype=torch.float64)
    free = dtw_free_energy(cost, beta=beta)
    for b in range(2):
        assert abs(float(free[b]) - float(brute_force(cost[b], beta))) < TOL


def test_zero_temperature_is_dtw_and_its_gradient_the_best_path(generator):
    cost = torch.rand(3, 7, 5, generator=generator, dtype=torch.float64).requires_grad_(True)
    free = dtw_free_energy(cost)
    reference = dtw(cost.detach())
    assert torch.allclose(free.detach(), reference.distance, atol=TOL, rtol=0)
    (grad,) = torch.autograd.grad(free.sum(), cost)
    assert torch.equal(grad, reference.path.double())                # the min over alignments, differentiated


def test_gradcheck_soft_dtw_with_lengths(generator):
    cost = torch.randn(3, 5, 4, generator=generator, dtype=torch.float64).requires_grad_(True)
    lengths = torch.tensor([5, 2, 4])
    assert torch.autograd.gradcheck(lambda c: dtw_free_energy(c, lengths, beta=1.7), (cost,))


def test_soft_gradient_is_the_expected_alignment(generator):
    cost = torch.randn(4, 4, generator=generator, dtype=torch.float64).requires_grad_(True)
    beta = 1.3
    (grad,) = torch.autograd.grad(dtw_free_energy(cost[None], beta=beta).sum(), cost)
    paths = alignments(4, 4)
    energies = torch.stack([sum(cost.detach()[i, j] for i, j in p) for p in paths])
    weights = torch.softmax(-beta * energies, 0)
    visits = torch.zeros(4, 4, dtype=torch.float64)
    for w, p in zip(weights, paths):
        for i, j in p:
            visits[i, j] += w
    assert torch.allclose(grad, visits, atol=TOL, rtol=0)
    assert torch.allclose(grad.sum(), (weights * torch.tensor([len(p) for p in paths], dtype=torch.float64)).sum())


def test_lengths_cut_the_rows_and_padding_is_inert(generator):
    cost = torch.randn(3, 6, 4, generator=generator, dtype=torch.float64)
    lengths = torch.tensor([6, 3, 1])
    dirty = cost.clone()
    for b, n in enumerate(lengths.tolist()):
        dirty[b, n:] = float("nan")
    dirty.requires_grad_(True)
    for beta in (2.0, math.inf):
        free = dtw_free_energy(dirty, lengths, beta=beta)
        for b, n in enumerate(lengths.tolist()):
            assert abs(float(free[b].detach()) - float(brute_force(cost[b, :n], beta))) < TOL
        (grad,) = torch.autograd.grad(free.sum(), dirty)
        assert torch.isfinite(grad).all()
        assert float(grad[1, 3:].abs().sum()) == 0.0 and float(grad[2, 1:].abs().sum()) == 0.0


def test_soft_minimum_rises_to_the_minimum(generator):
    cost = torch.rand(1, 6, 6, generator=generator, dtype=torch.float64)
    hard = float(dtw_free_energy(cost))
    values = [float(dtw_free_energy(cost, beta=beta)) for beta in (0.5, 2.0, 10.0, 100.0, 1000.0)]
    assert all(a < b for a, b in zip(values, values[1:])) and values[-1] <= hard
    assert hard - values[-1] < math.log(len(alignments(6, 6))) / 1000.0 + TOL   # min - log(#paths)/beta <= F


def test_free_energy_errors():
    with pytest.raises(ValueError, match="cost"):
        dtw_free_energy(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="beta"):
        dtw_free_energy(torch.zeros(1, 3, 3), beta=0.0)
    with pytest.raises(ValueError, match="lengths"):
        dtw_free_energy(torch.zeros(1, 3, 3), torch.tensor([4]))


# ----- the recogniser -------------------------------------------------------------------------
def recogniser(generator, learn_relevances=True):
    templates = torch.randn(3, 4, 2, generator=generator, dtype=torch.float64)
    model = DTWRecogniser(templates, learn_relevances=learn_relevances)
    with torch.no_grad():
        model.theta.copy_(torch.tensor([0.4, -0.3], dtype=torch.float64))
    return model


def test_frame_costs_and_free_energies_by_hand(generator):
    model = recogniser(generator)
    x = torch.randn(2, 5, 2, generator=generator, dtype=torch.float64)
    lengths = torch.tensor([5, 3])
    lam = model.relevances.detach()
    assert torch.allclose(lam.sum(), torch.tensor(2.0, dtype=torch.float64)) and (lam > 0).all()
    cost = model.frame_costs(x).detach()
    for b, y, i, j in itertools.product(range(2), range(3), range(5), range(4)):
        expected = (lam * (x[b, i] - model.templates[y, j].detach()) ** 2).sum()
        assert abs(float(cost[b, y, i, j]) - float(expected)) < TOL
    free = model.free_energies(x, lengths, beta=2.0).detach()
    for b, y in itertools.product(range(2), range(3)):
        assert abs(float(free[b, y]) - float(brute_force(cost[b, y, : lengths[b]], 2.0))) < TOL
    assert torch.equal(model.classify(x, lengths), model.free_energies(x, lengths).argmin(1))


def test_loss_is_the_hinge_on_the_most_offending_wrong_class(generator):
    model = recogniser(generator)
    x = torch.randn(4, 5, 2, generator=generator, dtype=torch.float64)
    y = torch.tensor([0, 2, 1, 2])
    free = model.free_energies(x).detach()
    expected = []
    for b in range(4):
        wrong = min(float(free[b, k]) for k in range(3) if k != int(y[b]))
        expected.append(max(0.0, 1.5 + float(free[b, y[b]]) - wrong))
    assert abs(float(model.loss(y, x, margin=1.5).detach()) - sum(expected) / 4) < TOL


def test_template_gradient_flows_along_the_best_alignments_only(generator):
    model = recogniser(generator, learn_relevances=False)
    x = torch.randn(1, 6, 2, generator=generator, dtype=torch.float64)
    free = model.free_energies(x)                                    # (1, 3)
    (grad,) = torch.autograd.grad(free[0, 1], model.templates)
    path = dtw(model.frame_costs(x)[0, 1].detach()).path            # (6, 4)
    lam = model.relevances.detach()                                 # fixed, not 1: theta was set by hand
    expected = torch.zeros(4, 2, dtype=torch.float64)
    for i, j in path.nonzero().tolist():                            # d/dm_j of lam (x_i - m_j)^2 on the path
        expected[j] += -2.0 * lam * (x[0, i] - model.templates[1, j].detach())
    assert torch.allclose(grad[1], expected, atol=TOL, rtol=0)
    assert float(grad[0].abs().sum()) == 0.0 and float(grad[2].abs().sum()) == 0.0
    assert model.theta.grad is None and not model.theta.requires_grad


def test_training_through_the_alignment_separates_two_words(generator):
    """Two words (up-down vs down-up) at random speeds; starting from swapped-looking templates,
    a few steps of the margin loss make every training recording correct."""
    def word(sign, n):
        t = torch.linspace(0, 1, n, dtype=torch.float64)
        return (sign * torch.sin(2 * math.pi * t))[:, None] + 0.1 * torch.randn(n, 1, generator=generator,
                                                                                dtype=torch.float64)
    lengths = torch.randint(5, 12, (20,), generator=generator)
    y = torch.arange(20) % 2
    x = torch.zeros(20, 11, 1, dtype=torch.float64)
    for b in range(20):
        x[b, : lengths[b]] = word(1.0 - 2.0 * float(y[b]), int(lengths[b]))
    flat = torch.zeros(2, 6, 1, dtype=torch.float64)
    flat[0, :, 0] = torch.linspace(-0.2, 0.2, 6, dtype=torch.float64)   # nearly uninformative templates
    flat[1, :, 0] = torch.linspace(0.2, -0.2, 6, dtype=torch.float64)
    model = DTWRecogniser(flat, learn_relevances=False)
    before = float(model.loss(y, x, lengths).detach())
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(60):
        opt.zero_grad()
        model.loss(y, x, lengths).backward()
        opt.step()
    assert float(model.loss(y, x, lengths).detach()) < 0.2 * before
    assert torch.equal(model.classify(x, lengths), y)


def test_recogniser_errors(generator):
    model = recogniser(generator)
    with pytest.raises(ValueError, match="x"):
        model.frame_costs(torch.zeros(2, 5, 3, dtype=torch.float64))
    with pytest.raises(TypeError, match="x"):
        model.frame_costs(torch.zeros(2, 5, 2))
    x = torch.zeros(2, 5, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="y"):
        model.loss(torch.tensor([0, 3]), x)
    with pytest.raises(TypeError, match="y"):
        model.loss(torch.tensor([0.0, 1.0]), x)
    with pytest.raises(ValueError, match="templates"):
        DTWRecogniser(torch.zeros(3, 4))
