r"""The lecture's factor graph: why a trellis beats exhaustive search (Lecture 5 §1).

Four variables in a chain -- two latent ``Z1, Z2`` and two outputs ``Y1, Y2`` -- with
``Z1, Z2, Y1`` binary and ``Y2`` ternary, and an energy that is a sum of four factors
(the input ``X`` is fixed, so each factor is a table):

.. math::

    E(Z_1, Z_2, Y_1, Y_2) = E_a(X, Z_1) + E_b(X, Z_1, Z_2) + E_c(Z_2, Y_1) + E_d(Y_1, Y_2)

(LeCun et al., *A Tutorial on Energy-Based Learning*, 2006, section 6).

* **Exhaustive search** evaluates the energy of every configuration:
  ``2 * 2 * 2 * 3 = 24`` energy evaluations (each one evaluates four factors).
* **The trellis** precomputes every factor once for every value of its arguments:
  ``2 + 2*2 + 2*2 + 2*3 = 16`` factor values, drawn as node and edge weights; the
  best configuration is the shortest path, found by min-sum (Viterbi) with
  ``4 + 4 + 6 = 14`` additions.

For a chain of ``N`` variables with ``C`` values the gap is ``C^N`` vs ``N C^2``.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import torch

from .._checks import check_generator, check_like, check_positive_int, check_tensor, describe
from .dp import _backtrace, chain_dp
from .semiring import MIN_SUM

__all__ = ["FactorChain", "lecture_factor_graph", "SearchResult", "Trellis", "exhaustive_search",
           "build_trellis", "trellis_search"]


@dataclass
class FactorChain:
    """A chain of discrete variables with one unary factor on the first variable and a
    pairwise factor on each neighbouring pair (Lecture 5 §1).

    ``cards[k]`` values for variable ``names[k]``; ``first`` (cards[0],) is the unary
    table; ``pairs[k]`` (cards[k], cards[k+1]) the table between variables k and k+1;
    ``factor_names`` has ``1 + len(pairs)`` labels.
    """

    names: list
    cards: list
    first: torch.Tensor
    pairs: list
    factor_names: list = field(default_factory=list)
    factor_calls: int = 0                                         # how many factor evaluations so far

    def __post_init__(self):
        _check_tables(self.names, self.cards, self.first, self.pairs, ("first", "pairs"))
        if not isinstance(self.factor_names, (list, tuple)) or len(self.factor_names) not in (0, 1 + len(self.pairs)):
            raise ValueError(f"factor_names: expected a list of {1 + len(self.pairs)} labels (or none), "
                             f"got {describe(self.factor_names)}")
        check_positive_int("factor_calls", self.factor_calls, minimum=0)

    def factor(self, index: int, *values: int) -> float:
        """Evaluate factor ``index`` (0 = the unary one) at the given values, counting the call
        (Lecture 5 §1)."""
        check_positive_int("index", index, minimum=0)
        if index > len(self.pairs):
            raise ValueError(f"index: expected a factor in [0, {len(self.pairs)}], got {index}")
        self._check_values("values", values, [0] if index == 0 else [index - 1, index])
        return self._factor(index, *values)

    def energy(self, config) -> float:
        """``E(config)`` = the sum of all factors: ``1 + len(pairs)`` factor evaluations (Lecture 5 §1)."""
        self._check_values("config", config, range(len(self.cards)))
        return self._energy(config)

    def _factor(self, index: int, *values: int) -> float:
        self.factor_calls += 1
        table = self.first if index == 0 else self.pairs[index - 1]
        return float(table[values])

    def _energy(self, config) -> float:
        total = self._factor(0, config[0])
        for k in range(len(self.pairs)):
            total += self._factor(k + 1, config[k], config[k + 1])
        return total

    def _check_values(self, name: str, values, variables) -> None:
        """``values``: one int value for each variable in ``variables``, within its card."""
        variables = list(variables)
        if not isinstance(values, (list, tuple)) or len(values) != len(variables):
            raise ValueError(f"{name}: expected {len(variables)} values, one for each of "
                             f"{[self.names[k] for k in variables]}, got {describe(values)}")
        for i, (value, k) in enumerate(zip(values, variables)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < self.cards[k]:
                raise ValueError(f"{name}[{i}]: expected an int in [0, {self.cards[k] - 1}] (a value of "
                                 f"{self.names[k]}), got {describe(value)}")


def _check_tables(names, cards, first, pairs, table_names) -> None:
    """``cards[k]`` values for variable ``names[k]``, a floating table ``first`` (cards[0],) and
    ``pairs[k]`` (cards[k], cards[k+1]) like it (the fields of a FactorChain or a Trellis)."""
    first_name, pairs_name = table_names
    for name, value in (("names", names), ("cards", cards), (pairs_name, pairs)):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name}: expected a list, got {describe(value)}")
    if not cards:
        raise ValueError("cards: expected at least one variable, got []")
    if len(names) != len(cards):
        raise ValueError(f"names: expected one name for each of the {len(cards)} variables, got {len(names)}")
    for k, card in enumerate(cards):
        check_positive_int(f"cards[{k}]", card)
    if len(pairs) != len(cards) - 1:
        raise ValueError(f"{pairs_name}: expected {len(cards) - 1} pairwise tables for {len(cards)} variables, "
                         f"got {len(pairs)}")
    check_tensor(first_name, first, ndim=1)
    if tuple(first.shape) != (cards[0],):
        raise ValueError(f"{first_name}: expected shape ({cards[0]},), got {describe(first)}")
    for k, table in enumerate(pairs):
        check_like(f"{pairs_name}[{k}]", check_tensor(f"{pairs_name}[{k}]", table, ndim=2), first, first_name)
        if tuple(table.shape) != (cards[k], cards[k + 1]):
            raise ValueError(f"{pairs_name}[{k}]: expected shape ({cards[k]}, {cards[k + 1]}), got {describe(table)}")


def lecture_factor_graph(generator: torch.Generator | None = None) -> FactorChain:
    """The four-variable example of Lecture 5 §1 with random factor tables (integers 0..9 for
    readability)."""
    check_generator("generator", generator)
    cards = [2, 2, 2, 3]

    def table(*shape):
        return torch.randint(0, 10, shape, generator=generator).double()

    return FactorChain(
        names=["Z1", "Z2", "Y1", "Y2"], cards=cards, first=table(2),
        pairs=[table(2, 2), table(2, 2), table(2, 3)],
        factor_names=["E_a(X, Z1)", "E_b(X, Z1, Z2)", "E_c(Z2, Y1)", "E_d(Y1, Y2)"],
    )


class SearchResult(NamedTuple):
    """``energy`` and ``config`` of the minimum, and the work it took (Lecture 5 §1)."""

    energy: float
    config: tuple
    energy_evaluations: int                                       # full energies computed
    factor_evaluations: int                                       # individual factor values computed


def exhaustive_search(graph: FactorChain) -> SearchResult:
    """Try every configuration (Lecture 5 §1): ``prod(cards)`` energy evaluations."""
    _check_graph(graph)
    calls_before = graph.factor_calls
    best, best_config, count = float("inf"), None, 0
    for config in itertools.product(*(range(c) for c in graph.cards)):
        energy = graph._energy(config)
        count += 1
        if energy < best:
            best, best_config = energy, config
    return SearchResult(best, best_config, count, graph.factor_calls - calls_before)


@dataclass
class Trellis:
    """Precomputed factor values (Lecture 5 §1): ``nodes`` (cards[0],) weights of the first column,
    ``edges[k]`` (cards[k], cards[k+1]) weights between columns k and k+1."""

    names: list
    cards: list
    nodes: torch.Tensor
    edges: list
    factor_values: int                                            # how many factor values were computed

    def __post_init__(self):
        _check_tables(self.names, self.cards, self.nodes, self.edges, ("nodes", "edges"))
        check_positive_int("factor_values", self.factor_values, minimum=0)


def build_trellis(graph: FactorChain) -> Trellis:
    """Evaluate every factor once for every value of its arguments (``16`` in Lecture 5 §1)."""
    _check_graph(graph)
    calls_before = graph.factor_calls
    nodes = torch.tensor([graph._factor(0, a) for a in range(graph.cards[0])], dtype=torch.float64)
    edges = []
    for k in range(len(graph.pairs)):
        edges.append(torch.tensor([[graph._factor(k + 1, a, b) for b in range(graph.cards[k + 1])]
                                   for a in range(graph.cards[k])], dtype=torch.float64))
    return Trellis(list(graph.names), list(graph.cards), nodes, edges, graph.factor_calls - calls_before)


def trellis_search(graph_or_trellis) -> SearchResult:
    """Min-sum on the trellis (Viterbi; Lecture 5 §1): the shortest path is the minimum-energy
    configuration.

    ``cost_0 = E_a``; ``cost_{k+1}(b) = min_a [cost_k(a) + edge_k(a, b)]``; backtrace -- the
    chain recursion of :mod:`.dp` with one transition matrix per step (variables with fewer
    values than the largest get ``+inf`` for the missing ones).  ``energy_evaluations`` is 0
    (no full energy is ever computed); ``factor_evaluations`` counts the trellis' precomputed
    factor values.
    """
    if not isinstance(graph_or_trellis, (Trellis, FactorChain)):
        raise TypeError(f"graph_or_trellis: expected a FactorChain or a Trellis, got {describe(graph_or_trellis)}")
    trellis = graph_or_trellis if isinstance(graph_or_trellis, Trellis) else build_trellis(graph_or_trellis)
    unary, steps = _as_chain(trellis)
    energy, messages = chain_dp(MIN_SUM, unary, steps)
    config = _backtrace(MIN_SUM, messages, steps, torch.tensor([len(trellis.cards)]))[0]
    return SearchResult(float(energy[0]), tuple(config.tolist()), 0, trellis.factor_values)


def _check_graph(graph) -> None:
    if not isinstance(graph, FactorChain):
        raise TypeError(f"graph: expected a FactorChain, got {describe(graph)}")


def _as_chain(trellis: Trellis):
    """The trellis as a chain energy: unary (1, N, C) with the node weights in the first
    column, and one (C, C) transition matrix per step, ``C = max(cards)`` (padding ``+inf``)."""
    c = max(trellis.cards)
    unary = trellis.nodes.new_zeros(1, len(trellis.cards), c)
    for k, card in enumerate(trellis.cards):
        unary[0, k, card:] = math.inf                            # values a variable does not have
    unary[0, 0, : trellis.cards[0]] = trellis.nodes
    steps = trellis.nodes.new_full((len(trellis.edges), c, c), math.inf)
    for k, edge in enumerate(trellis.edges):
        steps[k, : edge.shape[0], : edge.shape[1]] = edge
    return unary, steps
