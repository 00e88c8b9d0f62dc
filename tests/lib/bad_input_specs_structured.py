"""Bad-input specs for energylab.structured (Lectures 05, 06, 12).

Part of tests/lib/bad_input_specs.py (which merges the ``SPECS`` of every
``bad_input_specs_*.py``): the same kinds, the same rules.  Shared valid inputs may be imported from
``bad_input_specs`` (it imports this file last, once its own names exist).
"""
from __future__ import annotations

import torch

from bad_input_specs import (CHAIN, CHX, D, EDGE, GRAPH_IMAGES, LENGTHS, READER, TRANS, UNARY, _g, beta_inf,
                             chain_args, labels)
from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401
from energylab.structured import chain, dp, factor_graph as fg, inference, segmentation as seg_mod
from energylab.structured.semiring import MIN_SUM, KMin, Semiring

# ----- shared valid inputs -------------------------------------------------------------------------
MESSAGES = dp.chain_dp(MIN_SUM, UNARY, TRANS, LENGTHS)[1]             # (B, N, C) min-sum messages
GRAPH = fg.lecture_factor_graph(_g())                                 # Lecture 5 §1: cards 2, 2, 2, 3
TRELLIS = fg.build_trellis(GRAPH)
CARDS = [2, 2, 2, 3]
FIRST = torch.tensor([1.0, 2.0], dtype=D)
PAIRS = [torch.ones(2, 2, dtype=D), torch.ones(2, 2, dtype=D), torch.ones(2, 3, dtype=D)]
NAMES = ["Z1", "Z2", "Y1", "Y2"]
WIDTHS = torch.tensor([6, 5])                                         # columns of GRAPH_IMAGES' strings
DIGITS = torch.tensor([[1, 2], [3, chain.PAD]])                       # two strings: "12", "3"
N_DIGITS = torch.tensor([2, 1])
READING = READER.read(GRAPH_IMAGES, WIDTHS)
STEPS = TRANS.expand(UNARY.shape[1] - 1, -1, -1).clone()              # one (C, C) matrix per step


def tables(value, **bad):
    """A list of pairwise tables of a FactorChain / Trellis (Lecture 5 §1)."""
    return Raw(value, bad={"one table too few": value[:-1], "a table of the wrong shape": [value[0], value[1],
                                                                                            value[2].t()],
                           "a tensor, not a list": value[0], "an integer table": [value[0], value[1],
                                                                                 value[2].long()], **bad})


def widths(**bad):
    return T(WIDTHS, rows=True, last=False, bad={"a width 0": torch.tensor([6, 0]),
                                                 "a width above W": torch.tensor([7, 5]), **bad})


def digits():
    return T(DIGITS, rows=True, last=False, bad={"a digit 10": torch.tensor([[1, 10], [3, chain.PAD]]),
                                                 "a negative digit before n_digits": torch.tensor([[1, -2], [3, 0]])})


def n_digits():
    return T(N_DIGITS, rows=True, last=False, bad={"more digits than labels has": torch.tensor([3, 1]),
                                                   "a negative count": torch.tensor([-1, 1])})


SPECS: dict = {
    # ----- chain pieces (Lecture 5 §2, §5) -----
    "energylab.structured.chain.Sparse.from_moves": Spec(
        lambda n, moves, like: chain.Sparse.from_moves(n, moves, like),
        n=I(3), moves=Raw([(0, 1), (1, 2), (2, 0), (0, 0)],
                          bad={"a label >= n": [(0, 3)], "a negative label": [(-1, 0)], "a triple": [(0, 1, 2)],
                               "a float label": [(0.5, 1)], "a string": "0->1", "a number": 3}),
        like=T(EDGE, ndim=False, last=False, nan=False, inf=False, empty=None),
        note="like gives only the dtype and device of the energies (its shape and values are not read)"),
    # only unary's shape and device are read (its values are the chain's, checked where they are used)
    "energylab.structured.chain.check_labels": Spec(
        lambda y, unary, lengths: chain.check_labels(y, unary, lengths),
        y=labels(), unary=T(UNARY, last=False, empty=None, nan=False, inf=False),
        lengths=T(LENGTHS, rows=True, last=False, bad={"a length 0": torch.tensor([4, 0]),
                                                       "a length above N": torch.tensor([5, 3])})),
    "energylab.structured.chain.check_lengths": Spec(
        lambda lengths, b, n, device: chain.check_lengths(lengths, b, n, device),
        lengths=T(LENGTHS, rows=True, last=False, bad={"a length 0": torch.tensor([4, 0]),
                                                       "a length above N": torch.tensor([5, 3])}),
        b=I(2, minimum=0), n=I(4), device=Dev("cpu")),
    "energylab.structured.chain.check_potentials": Spec(
        lambda transitions, start, end, like: chain.check_potentials(transitions, start, end, like, "unary"),
        transitions=T(TRANS, like=True, nan=False, inf=False), start=T(EDGE, like=True, nan=False, inf=False),
        end=T(EDGE, like=True, nan=False, inf=False), like=T(UNARY, nan=False, inf=False, empty=None, last=False,
                                                            aka=("unary", "transitions")),
        note="a check of shapes, dtypes and devices: values are not read; like's C and N are the ones "
             "transitions must fit, so a like of another shape is reported against transitions"),
    "energylab.structured.dp.backtrace": Spec(
        lambda semiring, messages, transitions, lengths, end: dp.backtrace(semiring, messages, transitions, lengths,
                                                                           end=end),
        # a semiring that does not fit the messages (KMin's have one more dimension) is reported against
        # messages, as a narrower messages is against transitions (C is read from messages); an empty batch
        # needs empty lengths too
        semiring=O(MIN_SUM, aka=("messages",), bad={"a softmin semiring (no argmins)": Semiring(1.0),
                                                    "KMin(2) for min-sum messages": KMin(2)}),
        messages=T(MESSAGES, inf_ok=True, empty=None, aka=("transitions",)),
        transitions=T(TRANS, like=True, inf_ok=True), lengths=T(LENGTHS, rows=True, last=False),
        end=T(EDGE, like=True, inf_ok=True)),

    # ----- the factor graph of Lecture 5 §1 -----
    "energylab.structured.factor_graph.FactorChain": Spec(
        lambda names, cards, first, pairs, factor_names, factor_calls: fg.FactorChain(
            names, cards, first, pairs, factor_names, factor_calls),
        names=Raw(NAMES, bad={"one name too few": NAMES[:-1], "a string": "Z1 Z2 Y1 Y2"}),
        cards=Raw(CARDS, bad={"a zero card": [2, 0, 2, 3], "a float card": [2, 2.5, 2, 3],
                              "a tensor": torch.tensor(CARDS)}),
        first=T(FIRST, inf_ok=True, empty="error"), pairs=tables(PAIRS),
        factor_names=Raw(["a", "b", "c", "d"], bad={"one name too few": ["a", "b", "c"], "a string": "abcd"}),
        factor_calls=I(0, minimum=0)),
    "energylab.structured.factor_graph.FactorChain.energy": Spec(
        lambda config: GRAPH.energy(config),
        config=Raw((0, 1, 1, 2), bad={"one value too few": (0, 1, 1), "one value too many": (0, 1, 1, 2, 0),
                                      "a value out of range": (0, 2, 1, 2), "a negative value": (0, -1, 1, 2),
                                      "a float value": (0, 1.5, 1, 2), "a string": "0112", "a number": 3})),
    "energylab.structured.factor_graph.FactorChain.factor": Spec(
        lambda index, values: GRAPH.factor(index, *values),
        index=I(3, minimum=0, maximum=3),
        values=Raw((1, 2), bad={"one value too few": (1,), "a value out of range": (1, 3),
                                "a negative value": (-1, 2), "a float value": (1.0, 2)})),
    "energylab.structured.factor_graph.Trellis": Spec(
        lambda names, cards, nodes, edges, factor_values: fg.Trellis(names, cards, nodes, edges, factor_values),
        names=Raw(NAMES, bad={"one name too few": NAMES[:-1], "a string": "Z1 Z2 Y1 Y2"}),
        cards=Raw(CARDS, bad={"a zero card": [2, 0, 2, 3], "a float card": [2, 2.5, 2, 3]}),
        nodes=T(FIRST, inf_ok=True, empty="error"),
        edges=tables(PAIRS, **{"float32 edges for float64 nodes": [p.float() for p in PAIRS]}),
        factor_values=I(16, minimum=0)),
    "energylab.structured.factor_graph.build_trellis": Spec(lambda graph: fg.build_trellis(graph),
                                                            graph=O(GRAPH, bad={"a Trellis": TRELLIS})),
    "energylab.structured.factor_graph.exhaustive_search": Spec(lambda graph: fg.exhaustive_search(graph),
                                                                graph=O(GRAPH, bad={"a Trellis": TRELLIS})),
    "energylab.structured.factor_graph.lecture_factor_graph": Spec(
        lambda generator: fg.lecture_factor_graph(generator), generator=G(None)),
    "energylab.structured.factor_graph.trellis_search": Spec(
        lambda graph_or_trellis: fg.trellis_search(graph_or_trellis),
        graph_or_trellis=O(GRAPH, bad={"a tensor": FIRST})),

    # ----- the learnable chain energy (Lecture 5 §3; homework 3) -----
    "energylab.structured.model.ChainEnergy.unary": Spec(lambda x: CHAIN.unary(x), x=T(CHX, like=True, empty=None)),
    "energylab.structured.model.ChainEnergy.potentials": Spec(lambda x: CHAIN.potentials(x),
                                                              x=T(CHX, like=True, empty=None)),

    # ----- reading digit strings (Lecture 5 §5) -----
    "energylab.structured.segmentation.DigitStringReader": Spec(
        lambda hidden, min_width, max_width, space_cost: seg_mod.DigitStringReader(
            hidden, min_width=min_width, max_width=max_width, space_cost=space_cost),
        hidden=I(4), min_width=I(2, bad={"above max_width": 4}), max_width=I(3, maximum=8),
        space_cost=F(4.0, zero_ok=True)),
    # an empty batch needs empty widths, labels and n_digits too (their rows are checked against images)
    "energylab.structured.segmentation.DigitStringReader.free_energy": Spec(
        lambda images, widths, labels, n_digits, beta: READER.free_energy(images, widths, labels, n_digits, beta=beta),
        images=T(GRAPH_IMAGES, like=True, last=False, empty=None), widths=widths(), labels=digits(),
        n_digits=n_digits(), beta=beta_inf),
    "energylab.structured.segmentation.DigitStringReader.loss": Spec(
        lambda images, widths, labels, n_digits, beta: READER.loss(images, widths, labels, n_digits, beta=beta),
        images=T(GRAPH_IMAGES, like=True, last=False, empty=None), widths=widths(), labels=digits(),
        n_digits=n_digits(), beta=beta_inf),
    "energylab.structured.segmentation.DigitStringReader.read": Spec(
        lambda images, widths: READER.read(images, widths),
        images=T(GRAPH_IMAGES, like=True, last=False, empty=None), widths=widths()),
    "energylab.structured.segmentation.string_accuracy": Spec(
        lambda reading, labels, n_digits: seg_mod.string_accuracy(reading, labels, n_digits),
        reading=O(READING, bad={"a tuple": tuple(READING)}), labels=digits(), n_digits=n_digits()),

    # ----- semirings (Lecture 5 §2, §3) -----
    "energylab.structured.semiring.Semiring": Spec(lambda beta: Semiring(beta), beta=beta_inf),
    "energylab.structured.semiring.KMin": Spec(lambda k: KMin(k), k=I(2)),
}


# ----- the semirings' operations (Lecture 5 §2, §3) ---------------------------------------------------
# sum, times, matmul, lift (the recursion) and argsum, backpointer, label (the backtrace) are the inner
# loop of chain_dp and backtrace: once per position, on messages the recursion made itself.  They check
# nothing (a check per step would slow every decoder down); their inputs are checked once at the entry
# that runs them, and the walk feeds its bad inputs there.
def _recursion(semiring):
    """chain_dp in ``semiring``: lift, times, matmul and sum on every position."""
    def chain_dp(**kw):
        return dp.chain_dp(semiring, **kw)
    return chain_dp


def _decoder(semiring):
    """The decoder that runs ``semiring``'s backtrace (argsum, backpointer, label): viterbi on
    per-step transitions (chain_dp + backtrace), kbest_viterbi for k-min."""
    if isinstance(semiring, KMin):
        def kbest_viterbi(**kw):
            return inference.kbest_viterbi(k=semiring.k, **kw)
        return kbest_viterbi

    def viterbi(**kw):
        return inference.viterbi(**kw)
    return viterbi


SOFTMIN = Semiring(2.0)
for _semiring, _cls in ((SOFTMIN, "Semiring"), (KMin(2), "KMin")):
    for _what in ("lift", "times", "matmul", "sum"):
        SPECS[f"energylab.structured.semiring.{_cls}.{_what}"] = Spec(
            _recursion(_semiring), note=f"{_semiring!r}.{_what} is a step of chain_dp's recursion: walked through "
                                        f"chain_dp, which checks the inputs once", **chain_args())
for _semiring, _cls in ((MIN_SUM, "Semiring"), (KMin(2), "KMin")):
    _args = chain_args()
    if _cls == "Semiring":                                     # per-step matrices: chain_dp + backtrace
        _args["transitions"] = T(STEPS, like=True, inf_ok=True)
    for _what in ("argsum", "backpointer", "label"):
        SPECS[f"energylab.structured.semiring.{_cls}.{_what}"] = Spec(
            _decoder(_semiring), note=f"{_semiring!r}.{_what} is a step of the backtrace: walked through the decoder "
                                      f"that runs it, which checks the inputs once", **_args)
