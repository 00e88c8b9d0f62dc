"""The lecture's factor graph (24 energy evaluations vs 16 factor values), dynamic time
warping against a plain O(NM) reference, and the latent-segmentation digit reader against
brute-force enumeration of all segmentations."""
import itertools
import math

import pytest
import torch

from energylab.data.sequences import digit_crops, digit_strings, grammar_sequences, grammar_transitions
from energylab.structured.dtw import dtw, pairwise_distances
from energylab.structured.factor_graph import (
    FactorChain,
    build_trellis,
    exhaustive_search,
    lecture_factor_graph,
    trellis_search,
)
from energylab.data.canvases import centre_canvas, segment_canvases
from energylab.structured.segmentation import DigitStringReader

TOL = 1e-9


# ----- factor graph ----------------------------------------------------------------------
def test_lecture_factor_graph_counts_and_minimum(generator):
    for _ in range(5):
        graph = lecture_factor_graph(generator)
        full = exhaustive_search(graph)
        assert full.energy_evaluations == 24 and full.factor_evaluations == 24 * 4
        trellis = build_trellis(graph)
        assert trellis.factor_values == 16 == 2 + 4 + 4 + 6
        fast = trellis_search(trellis)
        assert fast.factor_evaluations == 16 and fast.energy_evaluations == 0
        assert fast.energy == full.energy
        assert graph.energy(fast.config) == full.energy            # the trellis' path is a true minimiser


def test_trellis_on_a_longer_chain(generator):
    cards = [3, 2, 4, 3, 2]
    graph = FactorChain(list("ABCDE"), cards, torch.randn(3, generator=generator, dtype=torch.float64),
                        [torch.randn(a, b, generator=generator, dtype=torch.float64) for a, b in zip(cards, cards[1:])])
    full, fast = exhaustive_search(graph), trellis_search(graph)
    assert full.energy_evaluations == 3 * 2 * 4 * 3 * 2
    assert fast.factor_evaluations == 3 + 6 + 8 + 12 + 6
    assert abs(full.energy - fast.energy) < TOL and full.config == fast.config


def test_factor_graph_errors():
    with pytest.raises(ValueError, match="pairs"):
        FactorChain(["a", "b"], [2, 2], torch.zeros(2), [])
    with pytest.raises(ValueError, match=r"pairs\[0\]"):
        FactorChain(["a", "b"], [2, 3], torch.zeros(2), [torch.zeros(2, 2)])


# ----- dynamic time warping ----------------------------------------------------------------
def dtw_reference(cost):
    n, m = cost.shape
    d = [[float("inf")] * (m + 1) for _ in range(n + 1)]
    d[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = float(cost[i - 1, j - 1]) + min(d[i - 1][j], d[i][j - 1], d[i - 1][j - 1])
    return d[n][m]


@pytest.mark.parametrize("n,m", [(1, 1), (1, 5), (6, 1), (7, 7), (9, 13), (15, 4)])
def test_dtw_against_plain_reference(generator, n, m):
    cost = torch.rand(n, m, generator=generator, dtype=torch.float64)
    result = dtw(cost)
    assert abs(float(result.distance) - dtw_reference(cost)) < TOL
    assert abs(float(result.cumulative[-1, -1]) - dtw_reference(cost)) < TOL
    cells = result.path.nonzero()                                 # row-major order is path order
    assert cells[0].tolist() == [0, 0] and cells[-1].tolist() == [n - 1, m - 1]
    steps = cells[1:] - cells[:-1]
    assert ((steps == torch.tensor([1, 0])).all(1) | (steps == torch.tensor([0, 1])).all(1)
            | (steps == torch.tensor([1, 1])).all(1)).all()       # monotone, contiguous
    assert abs(float(cost[cells[:, 0], cells[:, 1]].sum()) - float(result.distance)) < TOL


def test_dtw_batched_equals_single_and_gradient_is_path(generator):
    a = torch.randn(4, 10, 2, generator=generator, dtype=torch.float64)
    b = torch.randn(4, 8, 2, generator=generator, dtype=torch.float64)
    cost = pairwise_distances(a, b).requires_grad_(True)
    batch = dtw(cost)
    for i in range(4):
        single = dtw(cost[i].detach())
        assert abs(float(batch.distance[i].detach()) - float(single.distance)) < TOL
        assert torch.equal(batch.path[i], single.path)
    (grad,) = torch.autograd.grad(batch.distance.sum(), cost)
    assert torch.equal(grad, batch.path.double())
    # a time-stretched copy aligns at zero cost
    x = torch.randn(6, 1, generator=generator, dtype=torch.float64)
    assert float(dtw(pairwise_distances(x, x.repeat_interleave(3, 0))).distance) == 0.0


def test_band_limited_dtw_has_a_finite_distance_and_gradient(generator):
    # a Sakoe-Chiba band: cells far from the diagonal cost +inf; off-path infs must not make NaN
    n, m = 9, 11
    cost = torch.rand(n, m, generator=generator, dtype=torch.float64)
    i, j = torch.meshgrid(torch.arange(n), torch.arange(m), indexing="ij")
    banded = cost.masked_fill((i - j).abs() > 2, float("inf")).requires_grad_(True)
    result = dtw(banded)
    assert abs(float(result.distance.detach()) - dtw_reference(banded.detach())) < TOL
    assert float(result.distance.detach()) < float("inf")
    (grad,) = torch.autograd.grad(result.distance, banded)
    assert torch.equal(grad, result.path.double())
    assert not result.path[(i - j).abs() > 2].any()


def test_dtw_errors():
    with pytest.raises(ValueError, match="cost"):
        dtw(torch.zeros(3))
    with pytest.raises(TypeError, match="cost"):
        dtw(torch.zeros(3, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="b"):
        pairwise_distances(torch.zeros(3, 2), torch.zeros(3, 3))


# ----- latent segmentation -----------------------------------------------------------------
def compositions(width, widths):
    """All segmentations of `width` columns into space arcs (0) and digit arcs (w)."""
    if width == 0:
        yield []
        return
    for step, kind in [(1, 0)] + [(w, w) for w in widths]:
        if step <= width:
            for rest in compositions(width - step, widths):
                yield [kind] + rest


def brute_force(model, image, width, labels=None, beta=math.inf):
    """min (or softmin) over segmentations (and labels) of the path energy, by enumeration."""
    digit, space = model.arc_energies(image[None])
    digit, space = digit[0], space[0]
    totals, readings = [], []
    for comp in compositions(width, model.widths):
        pos, e, arcs = 0, torch.zeros((), dtype=torch.float64), []
        for kind in comp:
            if kind == 0:
                e = e + space[pos]
                pos += 1
            else:
                arcs.append((pos, model.widths.index(kind)))
                pos += kind
        if labels is not None:
            if len(arcs) != len(labels):
                continue
            e = e + sum(digit[s, i, c] for (s, i), c in zip(arcs, labels))
            totals.append(e)
        else:
            for combo in itertools.product(range(10), repeat=len(arcs)):
                totals.append(e + sum(digit[s, i, c] for (s, i), c in zip(arcs, combo)))
                readings.append(combo)
    totals = torch.stack(totals)
    if beta == math.inf:
        return totals.min(), (readings[int(totals.argmin())] if readings else None)
    return -torch.logsumexp(-beta * totals, 0) / beta, None


def test_segmentation_free_energies_and_reading_against_enumeration(generator):
    torch.manual_seed(0)
    model = DigitStringReader(hidden=8, min_width=3, max_width=4, space_cost=0.5).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.5 * torch.randn(p.shape, generator=generator, dtype=torch.float64))
    images = torch.rand(3, 8, 8, generator=generator, dtype=torch.float64)
    widths = torch.tensor([8, 5, 7])
    labels = torch.tensor([[1, 7], [4, -1], [0, 9]])
    n_digits = torch.tensor([2, 1, 2])
    for beta in (math.inf, 1.0, 3.0):
        with torch.no_grad():
            f_all = model.free_energy(images, widths, beta=beta)
            f_y = model.free_energy(images, widths, labels, n_digits, beta=beta)
        for b in range(3):
            width = int(widths[b])
            with torch.no_grad():
                ref_all, _ = brute_force(model, images[b, :, :width], width, beta=beta)
                ref_y, _ = brute_force(model, images[b, :, :width], width, labels[b, : n_digits[b]].tolist(),
                                       beta=beta)
            assert abs(float(f_all[b]) - float(ref_all)) < TOL
            assert abs(float(f_y[b]) - float(ref_y)) < TOL
            assert float(f_y[b]) >= float(f_all[b]) - TOL           # F(x, y) >= F(x)
    reading = model.read(images, widths)
    for b in range(3):
        with torch.no_grad():
            energy, combo = brute_force(model, images[b, :, : int(widths[b])], int(widths[b]))
        assert abs(float(reading.energy[b]) - float(energy)) < TOL
        assert reading.labels[b, : reading.n_digits[b]].tolist() == list(combo)
        # the reading's own constrained free energy equals its energy
        with torch.no_grad():
            f = model.free_energy(images[b:b + 1], widths[b:b + 1], reading.labels[b:b + 1],
                                  reading.n_digits[b:b + 1])
        assert abs(float(f[0]) - float(energy)) < TOL
    for beta in (1.0, math.inf):                                  # NLL and perceptron losses
        model.zero_grad()
        loss = model.loss(images, widths, labels, n_digits, beta=beta)
        loss.backward()
        assert loss.item() >= -TOL and all(torch.isfinite(p.grad).all() for p in model.parameters())


def test_canvases_and_digit_strings(generator):
    data = digit_strings(6, n_digits=(2, 3), gap=(0, 1), generator=generator)
    crops, _ = digit_crops("train")
    assert data.images.shape[0] == 6 and data.images.shape[1] == 8
    assert ((data.n_digits >= 2) & (data.n_digits <= 3)).all()
    for b in range(6):
        for d in range(int(data.n_digits[b])):
            s, e = data.segments[b, d].tolist()
            piece = data.images[b, :, s:e]
            canv = segment_canvases(data.images[b:b + 1], [e - s])[0, s, 0]
            assert torch.equal(canv, centre_canvas(piece))
        assert (data.images[b, :, int(data.widths[b]):] == 0).all()
    assert len(crops) == 1200 and all(c.shape[0] == 8 and 1 <= c.shape[1] <= 8 for c in crops)


def test_grammar_sequences_follow_the_grammar(generator):
    data = grammar_sequences(200, length=(5, 12), generator=generator)
    allowed = grammar_transitions() > 0
    for b in range(5):
        y = data.y[b, : data.lengths[b]]
        assert allowed[y[:-1], y[1:]].all() and (data.y[b, data.lengths[b]:] == -1).all()
    assert data.x.shape == (200, 12, 2) and int(data.lengths.min()) >= 5


def test_segmentation_and_data_errors(generator):
    with pytest.raises(ValueError, match="max_width"):
        DigitStringReader(max_width=9)
    model = DigitStringReader()
    with pytest.raises(ValueError, match="images"):
        model.read(torch.zeros(2, 7, 10), torch.tensor([5, 5]))
    with pytest.raises(ValueError, match="widths"):
        model.read(torch.zeros(2, 8, 10), torch.tensor([5, 11]))
    images, widths = torch.zeros(2, 8, 10), torch.tensor([5, 10])
    with pytest.raises(ValueError, match="n_digits"):
        model.free_energy(images, widths, torch.zeros(2, 2, dtype=torch.long), torch.tensor([1, 3]))
    with pytest.raises(TypeError, match="labels"):
        model.free_energy(images, widths, torch.zeros(2, 2), torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="labels"):
        model.free_energy(images, widths, torch.tensor([[3, 10], [1, 2]]), torch.tensor([2, 2]))
    with pytest.raises(TypeError, match="widths"):
        model.read(images, [5, 10])
    with pytest.raises(ValueError, match="beta"):
        model.free_energy(images, widths, beta=0.0)
    with pytest.raises(ValueError, match="split"):
        digit_strings(3, split="valid")
    with pytest.raises(ValueError, match="length"):
        grammar_sequences(3, length=(4, 2))


def test_string_accuracy_counts_exact_strings():
    from energylab.structured import Reading, string_accuracy

    reading = Reading(torch.tensor([[1, 2, -1], [3, 4, 5], [7, -1, -1]]), torch.tensor([2, 3, 1]),
                      torch.zeros(3, 3, 2, dtype=torch.long), torch.zeros(3))
    labels = torch.tensor([[1, 2], [3, 4], [7, -1]])
    assert string_accuracy(reading, labels, torch.tensor([2, 2, 1])) == pytest.approx(2 / 3)
