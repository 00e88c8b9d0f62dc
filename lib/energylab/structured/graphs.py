r"""Composing recognition graphs with grammars: the graph transformer view (Lecture 5 §5.1).

A **recognition graph laid out as a chain** (:class:`ChainGraph`) is a chain energy (:mod:`.chain`)
over *states*: at each position ``t`` (a column of an image, a frame of a recording) a path is in
one state ``s``, with energies ``unary[b, t, s]``, ``transitions`` (dense (S, S) or
:class:`~.chain.Sparse`), ``start`` and ``end`` (S,).  Some states **read a label**:
``emits[s] = c`` (``EPS = -1``: none), covering ``spans[s]`` positions from there.  A path reads the
string of its labels.  The segmentation graph of a digit reader (:func:`segmentation_graph`) is
one: a state for a space column, for the first column of a ``w``-wide digit arc read as ``c``,
and for a column inside an arc.

A **grammar** (:class:`Grammar`, a weighted acceptor) has states ``0 .. Q-1`` (``0`` initial),
arcs ``q --c--> q'`` with energies ``g``, and final energies (``+inf``: not final).  **Composing**
the two (the product construction; Mohri, Pereira & Riley 2002; the *compose* transformer of
LeCun et al. 1998, §IX) gives again a chain over the states ``(s, q)``:

.. math::

    W\big((s, q) \to (s', q')\big) = W(s, s') + \begin{cases} g(q \xrightarrow{c} q') & c = \mathrm{emits}[s'] \ne \epsilon \\
                                                        0 \text{ if } q' = q,\ +\infty \text{ otherwise} & \text{(reads nothing)} \end{cases}

with ``start (s, q) = S(s) +`` the grammar reading ``emits[s]`` from state 0, ``end (s, q) = T(s) +
final(q)``.  A path of the composed chain is a graph path *and* a grammar path reading the same
string, with the sum of both energies, so

.. math::

    \min_{\text{composed}} E = \min_{y \in \mathcal L}\, \big[\min_z E(x, y, z) + G(y)\big], \qquad
    F_\beta^{\circ}(x) = -\tfrac1\beta \log \sum_{y \in \mathcal L} e^{-\beta [F_\beta(x, y) + G_\beta(y)]}

(``G`` the grammar's energy of ``y``, ``L`` its language): decoding and normalising over the
grammatical strings only are the one chain DP (:func:`.dp.chain_dp`) on the composed chain --
:func:`graph_viterbi` (min-sum) and :func:`graph_free_energy` (softmin at ``beta``).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch

from .._checks import check_integer_tensor, check_tensor, describe
from .chain import PAD, Sparse, check_lengths
from .inference import free_energy, viterbi
from .segmentation import DigitStringReader, Reading

__all__ = ["EPS", "ChainGraph", "Grammar", "compose", "graph_free_energy", "graph_viterbi", "segmentation_graph"]

#: The label of a state that reads nothing (Lecture 5 §5.1).
EPS = -1


class ChainGraph(NamedTuple):
    """A recognition graph as a chain over states (Lecture 5 §5.1): ``unary`` (B, N, S), ``transitions``
    (S, S) or :class:`~.chain.Sparse`, ``start`` and ``end`` (S,), ``emits`` (S,) long -- the label
    read in each state (``EPS`` none) -- and ``spans`` (S,) long, the positions it covers."""

    unary: torch.Tensor
    transitions: torch.Tensor | Sparse
    start: torch.Tensor
    end: torch.Tensor
    emits: torch.Tensor
    spans: torch.Tensor


class Grammar(NamedTuple):
    """A weighted acceptor (Lecture 5 §5.1): ``arcs`` (A, 3) long rows ``(q, c, q')`` (at most one per
    triple), their ``energies`` (A,), and ``final`` (Q,) energies (``+inf``: not a final state); state 0
    is initial."""

    arcs: torch.Tensor
    energies: torch.Tensor
    final: torch.Tensor


def _as_sparse(transitions) -> Sparse:
    """Dense (S, S) transitions as :class:`~.chain.Sparse` (every state a predecessor)."""
    if isinstance(transitions, Sparse):
        return transitions
    s = transitions.shape[0]
    return Sparse(torch.arange(s, device=transitions.device).expand(s, s), transitions.t())


def _check_grammar(grammar: Grammar, like: torch.Tensor) -> None:
    if not isinstance(grammar, Grammar):
        raise TypeError(f"grammar: expected a Grammar(arcs, energies, final), got {describe(grammar)}")
    arcs, energies, final = grammar
    check_integer_tensor("grammar.arcs", arcs, ndim=2, last_dim=3, what="an integer tensor of (q, c, q') rows")
    check_tensor("grammar.energies", energies, ndim=1)
    check_tensor("grammar.final", final, ndim=1)
    if len({tuple(arc) for arc in arcs.tolist()}) != arcs.shape[0]:
        raise ValueError("grammar.arcs: expected at most one arc per (q, c, q') (merge parallel arcs into one)")
    if energies.shape[0] != arcs.shape[0]:
        raise ValueError(f"grammar.energies: expected one energy per arc ({arcs.shape[0]},), got {describe(energies)}")
    q = final.shape[0]
    if arcs.numel() and (int(arcs[:, [0, 2]].min()) < 0 or int(arcs[:, [0, 2]].max()) >= q or int(arcs[:, 1].min()) < 0):
        raise ValueError(f"grammar.arcs: expected states in [0, {q - 1}] and labels >= 0, got {arcs.tolist()}")
    for name, t in (("grammar.energies", energies), ("grammar.final", final)):
        if t.dtype != like.dtype or t.device != like.device:
            raise TypeError(f"{name}: expected dtype {like.dtype} on {like.device} like the graph, got {describe(t)}")


def _predecessors(grammar: Grammar, n_labels: int):
    """For every label ``c`` (and ``c = n_labels`` for reading nothing) and state ``q'``, the grammar
    states ``q`` with an arc ``q --c--> q'`` and its energy: (n_labels + 1, Q, P) each, ``+inf`` padding."""
    arcs, energies, final = grammar
    q = final.shape[0]
    into = [[[] for _ in range(q)] for _ in range(n_labels)]
    for (a, c, b), e in zip(arcs.tolist(), energies):
        if c < n_labels:
            into[c][b].append((a, e))
    width = max([1] + [len(row) for rows in into for row in rows])
    sources = torch.zeros(n_labels + 1, q, width, dtype=torch.long, device=final.device)
    weights = final.new_full((n_labels + 1, q, width), math.inf)
    for c in range(n_labels):
        for b in range(q):
            for p, (a, e) in enumerate(into[c][b]):
                sources[c, b, p], weights[c, b, p] = a, e
    sources[n_labels, :, 0] = torch.arange(q, device=final.device)      # reading nothing: stay in q
    weights[n_labels, :, 0] = 0.0
    return sources, weights


def compose(graph: ChainGraph, grammar: Grammar) -> ChainGraph:
    r"""The composed chain over states ``(s, q)``, numbered ``s * Q + q`` (Lecture 5 §5.1): ``W((s, q) ->
    (s', q')) = W(s, s') + g(q --emits[s']--> q')`` (``q' = q`` at no cost where ``s'`` reads nothing),
    start ``S(s) + g(0 --emits[s]--> q)``, end ``T(s) + final(q)``.  Differentiable in every energy."""
    if not isinstance(graph, ChainGraph):
        raise TypeError(f"graph: expected a ChainGraph, got {describe(graph)}")
    _check_grammar(grammar, graph.unary)
    q = grammar.final.shape[0]
    n_labels = int(max(graph.emits.max(), grammar.arcs[:, 1].max() if grammar.arcs.numel() else 0)) + 1
    g_src, g_energy = _predecessors(grammar, n_labels)                  # (C + 1, Q, Pg)
    reads = torch.where(graph.emits == EPS, n_labels, graph.emits)      # (S,) row of the tables above
    sources, energies = _as_sparse(graph.transitions)                    # (S, P)
    s, p = sources.shape
    pg = g_src.shape[2]
    # predecessor (sources[s', p], g_src[reads[s'], q', r]) of (s', q'), energy energies[s', p] + g_energy[...]
    new_sources = sources[:, None, :, None] * q + g_src[reads][:, :, None, :]           # (S, Q, P, Pg)
    new_energies = energies[:, None, :, None] + g_energy[reads][:, :, None, :]
    transitions = Sparse(new_sources.reshape(s * q, p * pg), new_energies.reshape(s * q, p * pg))
    first = g_energy[reads].masked_fill(g_src[reads] != 0, math.inf).amin(-1)   # (S, Q): the arc 0 --c--> q
    start = (graph.start[:, None] + first).reshape(s * q)
    end = (graph.end[:, None] + grammar.final[None, :]).reshape(s * q)
    unary = graph.unary.repeat_interleave(q, dim=2)
    return ChainGraph(unary, transitions, start, end, graph.emits.repeat_interleave(q), graph.spans.repeat_interleave(q))


def graph_free_energy(graph: ChainGraph, lengths=None, *, beta: float = 1.0) -> torch.Tensor:
    r"""``F_beta = -(1/beta) log sum_paths e^{-beta E(path)}`` over the graph's paths: (B,) (Lecture 5 §5.1);
    ``beta = inf`` is the best path's energy.  The forward algorithm of :func:`.inference.free_energy`."""
    if not isinstance(graph, ChainGraph):
        raise TypeError(f"graph: expected a ChainGraph, got {describe(graph)}")
    return free_energy(graph.unary, graph.transitions, lengths, beta=beta, start=graph.start, end=graph.end)


def graph_viterbi(graph: ChainGraph, lengths=None) -> Reading:
    """The best path and the string it reads (Lecture 5 §5.1): :class:`~.segmentation.Reading` with the
    labels (B, K), their number, their segments ``[t, t + span)`` and the path's energy."""
    if not isinstance(graph, ChainGraph):
        raise TypeError(f"graph: expected a ChainGraph, got {describe(graph)}")
    b, n, _ = graph.unary.shape
    lengths = check_lengths(lengths, b, n, graph.unary.device)
    states, energy = viterbi(graph.unary, graph.transitions, lengths, start=graph.start, end=graph.end)
    safe = states.clamp(min=0)
    reads = (graph.emits[safe] != EPS) & (states != PAD)                  # (B, N)
    rows, cols = reads.nonzero(as_tuple=True)
    count = reads.sum(1)
    k = max(int(count.max()) if b else 0, 1)
    slot = (reads.cumsum(1) - 1)[rows, cols]
    labels = torch.full((b, k), PAD, dtype=torch.long, device=states.device)
    segments = torch.full((b, k, 2), PAD, dtype=torch.long, device=states.device)
    labels[rows, slot] = graph.emits[safe[rows, cols]]
    segments[rows, slot] = torch.stack([cols, cols + graph.spans[safe[rows, cols]]], 1)
    return Reading(labels, count, segments, energy)


def segmentation_graph(reader: DigitStringReader, images: torch.Tensor) -> ChainGraph:
    """The digit reader's recognition graph over columns, with labels (Lecture 5 §5.1): state 0 a space
    column, ``1 + 10 i + c`` the first column of a ``reader.widths[i]``-wide arc read as ``c`` (energy
    ``e(t, w, c)``), then one state per number of columns still to come inside an arc (energy 0).
    Its best path is :meth:`~.segmentation.DigitStringReader.read`'s reading."""
    if not isinstance(reader, DigitStringReader):
        raise TypeError(f"reader: expected a DigitStringReader, got {describe(reader)}")
    digit, space = reader.arc_energies(images)                          # (B, W, nW, 10), (B, W)
    widths = reader.widths
    n_w, max_w = len(widths), widths[-1]

    def first(i, c):
        return 1 + 10 * i + c

    def inside(r):                                                      # r columns still to come
        return 1 + 10 * n_w + r

    n = 1 + 10 * n_w + max_w - 1
    firsts = [first(i, c) for i in range(n_w) for c in range(10)]
    free = [0] + [first(i, c) for i, w in enumerate(widths) if w == 1 for c in range(10)]   # an arc may start after
    free += [inside(0)] if max_w > 1 else []
    moves = [(f, t) for f in free for t in [0] + firsts]
    moves += [(first(i, c), inside(w - 2)) for i, w in enumerate(widths) if w >= 2 for c in range(10)]
    moves += [(inside(r), inside(r - 1)) for r in range(1, max_w - 1)]
    b, cols = space.shape
    unary = torch.cat([space[..., None], digit.flatten(2), space.new_zeros(b, cols, max_w - 1)], 2)
    like = torch.zeros((), dtype=torch.long, device=space.device)
    emits = like.new_tensor([EPS] + [c for _ in range(n_w) for c in range(10)] + [EPS] * (max_w - 1))
    spans = like.new_tensor([0] + [w for w in widths for _ in range(10)] + [0] * (max_w - 1))
    start, end = (space.new_full((n,), math.inf).index_fill(0, like.new_tensor(states), 0.0)
                  for states in ([0] + firsts, free))
    return ChainGraph(unary, Sparse.from_moves(n, moves, space), start, end, emits, spans)
