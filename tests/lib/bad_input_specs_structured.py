"""Bad-input specs for energylab.structured (Lectures 05, 06, 12).

Part of tests/lib/bad_input_specs.py (which merges ``SPECS`` and ``NOT_YET`` of every
``bad_input_specs_*.py``): the same kinds, the same rules.  Shared valid inputs may be imported from
``bad_input_specs`` (it imports this file last, once its own names exist).
"""
from __future__ import annotations

from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401

SPECS: dict = {}

#: Public names not walked yet: remove a name when its spec lands above.
NOT_YET = (
    "energylab.structured.chain.Sparse.from_moves",
    "energylab.structured.chain.check_labels",
    "energylab.structured.chain.check_lengths",
    "energylab.structured.dp.backtrace",
    "energylab.structured.factor_graph.FactorChain",
    "energylab.structured.factor_graph.FactorChain.energy",
    "energylab.structured.factor_graph.FactorChain.factor",
    "energylab.structured.factor_graph.Trellis",
    "energylab.structured.factor_graph.build_trellis",
    "energylab.structured.factor_graph.exhaustive_search",
    "energylab.structured.factor_graph.lecture_factor_graph",
    "energylab.structured.factor_graph.trellis_search",
    "energylab.structured.model.ChainEnergy.potentials",
    "energylab.structured.model.ChainEnergy.unary",
    "energylab.structured.segmentation.DigitStringReader",
    "energylab.structured.segmentation.DigitStringReader.free_energy",
    "energylab.structured.segmentation.DigitStringReader.loss",
    "energylab.structured.segmentation.DigitStringReader.read",
    "energylab.structured.segmentation.string_accuracy",
    "energylab.structured.semiring.KMin",
    "energylab.structured.semiring.KMin.argsum",
    "energylab.structured.semiring.KMin.backpointer",
    "energylab.structured.semiring.KMin.label",
    "energylab.structured.semiring.KMin.lift",
    "energylab.structured.semiring.KMin.matmul",
    "energylab.structured.semiring.KMin.sum",
    "energylab.structured.semiring.KMin.times",
    "energylab.structured.semiring.Semiring",
    "energylab.structured.semiring.Semiring.argsum",
    "energylab.structured.semiring.Semiring.backpointer",
    "energylab.structured.semiring.Semiring.label",
    "energylab.structured.semiring.Semiring.lift",
    "energylab.structured.semiring.Semiring.matmul",
    "energylab.structured.semiring.Semiring.sum",
    "energylab.structured.semiring.Semiring.times",
)
