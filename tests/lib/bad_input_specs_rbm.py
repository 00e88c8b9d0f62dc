"""Bad-input specs for RBMs, conditional RBMs and sigmoid belief nets: energylab.models.rbm, .crbm, .sbn (Lectures 08, 09, 10).

Part of tests/lib/bad_input_specs.py (which merges ``SPECS`` and ``NOT_YET`` of every
``bad_input_specs_*.py``): the same kinds, the same rules.  Shared valid inputs may be imported from
``bad_input_specs`` (it imports this file last, once its own names exist).
"""
from __future__ import annotations

from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401

SPECS: dict = {}

#: Public names not walked yet: remove a name when its spec lands above.
NOT_YET = (
    "energylab.models.crbm.ConditionalRBM.ascend_",
    "energylab.models.crbm.ConditionalRBM.biases",
    "energylab.models.crbm.ConditionalRBM.energy",
    "energylab.models.crbm.ConditionalRBM.from_joint",
    "energylab.models.crbm.ConditionalRBM.gradient",
    "energylab.models.crbm.ConditionalRBM.log_partition",
    "energylab.models.crbm.ConditionalRBM.output_probs",
    "energylab.models.crbm.ConditionalRBM.predict",
    "energylab.models.crbm.ConditionalRBM.sample",
    "energylab.models.rbm.BernoulliRBM.annealing_path",
    "energylab.models.rbm.GaussianBernoulliRBM.bias_input",
    "energylab.models.rbm.GaussianBernoulliRBM.visible_input",
    "energylab.models.rbm.RBM",
    "energylab.models.rbm.RBM.ascend_",
    "energylab.models.rbm.RBM.bias_input",
    "energylab.models.rbm.RBM.statistics",
    "energylab.models.rbm.RBM.visible_input",
    "energylab.models.rbm.RBM.visible_mean",
    "energylab.models.rbm.RBMAnnealingPath",
    "energylab.models.rbm.RBMAnnealingPath.log_density",
    "energylab.models.rbm.RBMAnnealingPath.sample_base",
    "energylab.models.rbm.RBMAnnealingPath.transition",
    "energylab.models.sbn.HelmholtzMachine",
    "energylab.models.sbn.HelmholtzMachine.elbo",
    "energylab.models.sbn.HelmholtzMachine.log_recognition",
    "energylab.models.sbn.HelmholtzMachine.recognise",
    "energylab.models.sbn.HelmholtzMachine.recognition_probs",
    "energylab.models.sbn.HelmholtzMachine.recognition_rule",
    "energylab.models.sbn.SigmoidBeliefNet.ascend_",
    "energylab.models.sbn.SigmoidBeliefNet.check_layers",
    "energylab.models.sbn.SigmoidBeliefNet.delta_rule",
    "energylab.models.sbn.SigmoidBeliefNet.hidden_states",
    "energylab.models.sbn.SigmoidBeliefNet.log_conditionals",
    "energylab.models.sbn.SigmoidBeliefNet.log_joint",
    "energylab.models.sbn.SigmoidBeliefNet.log_prior",
    "energylab.models.sbn.SigmoidBeliefNet.logits",
    "energylab.models.sbn.SigmoidBeliefNet.posterior",
    "energylab.models.sbn.SigmoidBeliefNet.sample",
    "energylab.models.sbn.SigmoidBeliefNet.sample_prior",
    "energylab.models.sbn.delta_rule",
    "energylab.models.sbn.train_wake_sleep",
    "energylab.models.sbn.wake_sleep_step",
)
