"""Composition of recognition graphs with grammars (lecture 5 §5.1): the composed chain against
brute-force enumeration of every (graph path, grammar path) pair, min and softmin, dense and sparse
transitions, lengths; the digit reader's labelled segmentation graph against the reader's own
reading and free energies; composing with a one-string grammar gives the reader's F(x, y)."""
import itertools
import math

import pytest
import torch

from energylab.structured.chain import PAD, Sparse
from energylab.structured.graphs import (
    EPS,
    ChainGraph,
    Grammar,
    compose,
    graph_free_energy,
    graph_viterbi,
    segmentation_graph,
)
from energylab.structured.segmentation import DigitStringReader

TOL = 1e-9
D = torch.float64


def random_graph(generator, b=2, n=4, sparse=False):
    s = 4
    unary = torch.randn(b, n, s, generator=generator, dtype=D)
    w = torch.randn(s, s, generator=generator, dtype=D)
    w[0, 3] = w[2, 2] = math.inf                                    # some forbidden moves
    start = torch.randn(s, generator=generator, dtype=D)
    start[1] = math.inf
    end = torch.randn(s, generator=generator, dtype=D)
    emits = torch.tensor([EPS, 0, 1, 0])                            # state 0 reads nothing
    spans = torch.tensor([0, 1, 2, 1])
    transitions = w
    if sparse:                                                      # the same moves, as predecessor lists
        moves = [(i, j) for i in range(s) for j in range(s) if math.isfinite(w[i, j])]
        transitions = Sparse.from_moves(s, moves, w)
        for j in range(s):
            for p, i in enumerate(transitions.sources[j].tolist()):
                if math.isfinite(float(transitions.energies[j, p])):
                    transitions.energies[j, p] = w[i, j]
    return ChainGraph(unary, transitions, start, end, emits, spans)


def random_grammar(generator, q=3, labels=2):
    arcs = [(a, c, b) for a in range(q) for c in range(labels) for b in range(q)
            if float(torch.rand((), generator=generator)) < 0.5]
    final = torch.randn(q, generator=generator, dtype=D)
    final[1] = math.inf
    return Grammar(torch.tensor(arcs), torch.randn(len(arcs), generator=generator, dtype=D), final)


def brute_force(graph, grammar, lengths, beta):
    """min / softmin over every graph path and every grammar path reading the same string."""
    w = graph.transitions.dense() if isinstance(graph.transitions, Sparse) else graph.transitions
    arcs = {tuple(a): float(e) for a, e in zip(grammar.arcs.tolist(), grammar.energies)}
    q = grammar.final.shape[0]
    out = []
    for b, n in enumerate(lengths.tolist()):
        totals, best = [], (math.inf, None)
        for path in itertools.product(range(w.shape[0]), repeat=n):
            e = float(graph.start[path[0]] + graph.end[path[-1]] + sum(graph.unary[b, t, s] for t, s in enumerate(path))
                      + sum(w[i, j] for i, j in zip(path, path[1:])))
            string = [int(graph.emits[s]) for s in path if graph.emits[s] != EPS]
            for states in itertools.product(range(q), repeat=len(string)):
                previous, g = 0, 0.0
                for c, state in zip(string, states):
                    g += arcs.get((previous, c, state), math.inf)
                    previous = state
                total = e + g + float(grammar.final[previous])
                totals.append(total)
                if total < best[0]:
                    best = (total, string)
        totals = torch.tensor(totals, dtype=D)
        out.append((best, float(-torch.logsumexp(-beta * totals, 0) / beta)))
    return out


@pytest.mark.parametrize("sparse", [False, True])
def test_composition_against_every_pair_of_paths(generator, sparse):
    lengths = torch.tensor([4, 2])
    for _ in range(3):
        graph, grammar = random_graph(generator, sparse=sparse), random_grammar(generator)
        composed = compose(graph, grammar)
        assert composed.unary.shape == (2, 4, 12)
        reading = graph_viterbi(composed, lengths)
        soft = graph_free_energy(composed, lengths, beta=0.7)
        for b, ((best, string), softmin) in enumerate(brute_force(graph, grammar, lengths, 0.7)):
            assert abs(float(reading.energy[b]) - best) < TOL
            assert reading.labels[b, : reading.n_digits[b]].tolist() == string
            assert abs(float(soft[b]) - softmin) < TOL


def test_a_grammar_that_accepts_everything_changes_nothing(generator):
    graph = random_graph(generator)
    everything = Grammar(torch.tensor([[0, 0, 0], [0, 1, 0]]), torch.zeros(2, dtype=D), torch.zeros(1, dtype=D))
    composed = compose(graph, everything)
    for beta in (0.5, 2.0, math.inf):
        assert torch.allclose(graph_free_energy(composed, beta=beta), graph_free_energy(graph, beta=beta), atol=TOL)
    assert torch.equal(graph_viterbi(composed).labels, graph_viterbi(graph).labels)


def test_composition_is_differentiable(generator):
    graph, grammar = random_graph(generator, b=1, n=3, sparse=True), random_grammar(generator)

    def free(unary, energies):
        return graph_free_energy(compose(graph._replace(unary=unary), grammar._replace(energies=energies)), beta=1.3)
    unary = graph.unary.clone().requires_grad_(True)
    energies = grammar.energies.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(free, (unary, energies))


def test_segments_come_from_the_spans(generator):
    graph = random_graph(generator, b=1, n=4)
    reading = graph_viterbi(graph)
    states = []                                                     # the best path, by brute force
    w = graph.transitions
    best = min(itertools.product(range(4), repeat=4), key=lambda p: float(
        graph.start[p[0]] + graph.end[p[-1]] + sum(graph.unary[0, t, s] for t, s in enumerate(p))
        + sum(w[i, j] for i, j in zip(p, p[1:]))))
    for t, s in enumerate(best):
        if graph.emits[s] != EPS:
            states.append([t, t + int(graph.spans[s])])
    k = int(reading.n_digits[0])
    assert reading.segments[0, :k].tolist() == states
    assert bool((reading.segments[0, k:] == PAD).all())


# ----- the digit reader's graph ---------------------------------------------------------------
@pytest.fixture
def reader_and_images(generator):
    torch.manual_seed(3)
    reader = DigitStringReader(hidden=8, min_width=2, max_width=4).double()
    images = torch.rand(3, 8, 9, generator=generator, dtype=D)
    images[:, :, ::4] = 0.0                                          # some blank columns
    widths = torch.tensor([9, 7, 5])
    return reader, images, widths


def test_segmentation_graph_reads_like_the_reader(reader_and_images):
    reader, images, widths = reader_and_images
    graph = segmentation_graph(reader, images)
    assert graph.unary.shape[2] == 1 + 10 * 3 + 3
    ours, theirs = graph_viterbi(graph, widths), reader.read(images, widths)
    assert torch.allclose(ours.energy, theirs.energy, atol=TOL)
    assert torch.equal(ours.labels, theirs.labels) and torch.equal(ours.segments, theirs.segments)
    for beta in (0.5, 2.0):                                          # F(x): every string, every segmentation
        assert torch.allclose(graph_free_energy(graph, widths, beta=beta), reader.free_energy(images, widths, beta=beta),
                              atol=1e-8)


def one_string(digits):
    """The grammar accepting exactly ``digits``: a line of states."""
    arcs = [(k, d, k + 1) for k, d in enumerate(digits)]
    final = torch.full((len(digits) + 1,), math.inf, dtype=D)
    final[-1] = 0.0
    return Grammar(torch.tensor(arcs), torch.zeros(len(arcs), dtype=D), final)


def test_composing_with_one_string_gives_the_readers_free_energy_of_that_string(reader_and_images):
    reader, images, widths = reader_and_images
    graph = segmentation_graph(reader, images)
    for digits in ([3], [7, 1], [0, 9]):
        composed = compose(graph, one_string(digits))
        labels = torch.tensor([digits] * 3)
        n = torch.full((3,), len(digits))
        for beta in (1.0, math.inf):
            theirs = reader.free_energy(images, widths, labels, n, beta=beta)
            assert torch.allclose(graph_free_energy(composed, widths, beta=beta), theirs, atol=1e-8)
        reading = graph_viterbi(composed, widths)
        finite = torch.isfinite(reading.energy)
        assert bool((reading.labels[finite, : len(digits)] == torch.tensor(digits)).all())


def test_grammar_errors(generator):
    graph = random_graph(generator)
    with pytest.raises(TypeError, match="grammar"):
        compose(graph, (torch.zeros(1, 3, dtype=torch.long), torch.zeros(1, dtype=D), torch.zeros(1, dtype=D)))
    with pytest.raises(ValueError, match="grammar.arcs"):
        compose(graph, Grammar(torch.tensor([[0, 0, 2]]), torch.zeros(1, dtype=D), torch.zeros(2, dtype=D)))
    with pytest.raises(ValueError, match="one arc per"):
        compose(graph, Grammar(torch.tensor([[0, 0, 0], [0, 0, 0]]), torch.zeros(2, dtype=D), torch.zeros(1, dtype=D)))
    with pytest.raises(TypeError, match="grammar.energies"):
        compose(graph, Grammar(torch.tensor([[0, 0, 0]]), torch.zeros(1), torch.zeros(1, dtype=D)))
    with pytest.raises(TypeError, match="graph"):
        graph_viterbi(graph.unary)
    with pytest.raises(TypeError, match="reader"):
        segmentation_graph(None, torch.zeros(1, 8, 5))
