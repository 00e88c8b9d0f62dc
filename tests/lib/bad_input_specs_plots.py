"""Bad-input specs for energylab.plot and energylab.widgets.

Part of tests/lib/bad_input_specs.py (which merges ``SPECS`` and ``NOT_YET`` of every
``bad_input_specs_*.py``): the same kinds, the same rules.  Shared valid inputs may be imported from
``bad_input_specs`` (it imports this file last, once its own names exist).
"""
from __future__ import annotations

from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401

SPECS: dict = {}

#: Public names not walked yet: remove a name when its spec lands above.
NOT_YET = (
    "energylab.plot.energy.loss_gradients",
    "energylab.plot.energy.plot_energy_surface",
    "energylab.plot.energy.plot_energy_surface_3d",
    "energylab.plot.energy.plot_gibbs",
    "energylab.plot.energy.plot_loss_shapes",
    "energylab.plot.energy.plot_trajectories",
    "energylab.plot.images.chain_animation",
    "energylab.plot.images.plot_chain_grid",
    "energylab.plot.images.plot_completions",
    "energylab.plot.images.plot_images",
    "energylab.plot.images.tile_images",
    "energylab.plot.mdn.plot_conditional_density",
    "energylab.plot.mdn.plot_mixture_params",
    "energylab.plot.structured.plot_alignment",
    "energylab.plot.structured.plot_digit_reading",
    "energylab.plot.structured.plot_marginals",
    "energylab.plot.structured.plot_trellis",
    "energylab.plot.style.use_style",
    "energylab.widgets.gibbs_explorer",
    "energylab.widgets.loss_explorer",
)
