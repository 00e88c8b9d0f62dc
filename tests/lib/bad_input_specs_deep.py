"""Bad-input specs for DBM/DBN: energylab.models.dbm and energylab.models.dbn (Lectures 08 §6, 10).

Part of tests/lib/bad_input_specs.py (which merges ``SPECS`` and ``NOT_YET`` of every
``bad_input_specs_*.py``): the same kinds, the same rules.  Shared valid inputs may be imported from
``bad_input_specs`` (it imports this file last, once its own names exist).
"""
from __future__ import annotations

from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401

SPECS: dict = {}

#: Public names not walked yet: remove a name when its spec lands above.
NOT_YET = (
    "energylab.models.dbm.BinomialRBM",
    "energylab.models.dbm.BinomialRBM.energy",
    "energylab.models.dbm.BinomialRBM.free_energy",
    "energylab.models.dbm.BinomialRBM.sample_visible",
    "energylab.models.dbm.BinomialRBM.visible_mean",
    "energylab.models.dbm.BinomialRBM.visible_probs",
    "energylab.models.dbm.DBM.annealing_path",
    "energylab.models.dbm.DBM.bound",
    "energylab.models.dbm.DBM.check_layers",
    "energylab.models.dbm.DBM.energy",
    "energylab.models.dbm.DBM.gibbs",
    "energylab.models.dbm.DBM.init_chains",
    "energylab.models.dbm.DBM.layer_input",
    "energylab.models.dbm.DBM.sum_out",
    "energylab.models.dbm.DBMAnnealingPath",
    "energylab.models.dbm.DBMAnnealingPath.log_density",
    "energylab.models.dbm.DBMAnnealingPath.sample_base",
    "energylab.models.dbm.DBMAnnealingPath.transition",
    "energylab.models.dbm.DBMChains",
    "energylab.models.dbm.pretrain_dbm",
    "energylab.models.dbm.train_dbm",
    "energylab.models.dbn.DBN",
    "energylab.models.dbn.DBN.down",
    "energylab.models.dbn.DBN.lower_bound",
    "energylab.models.dbn.DBN.sample",
    "energylab.models.dbn.DBN.unroll_classifier",
    "energylab.models.dbn.DBN.up",
    "energylab.models.dbn.LabelledRBM",
    "energylab.models.dbn.LabelledRBM.clamped_gibbs",
    "energylab.models.dbn.LabelledRBM.energy",
    "energylab.models.dbn.LabelledRBM.free_energy",
    "energylab.models.dbn.LabelledRBM.label_log_probs",
    "energylab.models.dbn.LabelledRBM.log_partition",
    "energylab.models.dbn.LabelledRBM.sample_visible",
    "energylab.models.dbn.LabelledRBM.visible_mean",
    "energylab.models.dbn.LabelledRBM.visible_probs",
    "energylab.models.dbn.LabelledRBM.with_labels",
    "energylab.models.dbn.greedy_pretrain",
)
