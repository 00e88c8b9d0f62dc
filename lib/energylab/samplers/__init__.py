"""Samplers and their answer keys: exact enumeration for small discrete models
(the oracle), Gibbs helpers, annealed importance sampling, and Langevin dynamics
(ULA/SGLD, MALA) with a replay buffer for continuous energies.

Model-specific chains (block Gibbs for the RBM, sequential Gibbs for the
Boltzmann machine) are methods of the models; they use the helpers here.
"""
from .ais import AISResult, AnnealingPath, ais_log_partition, beta_schedule, summarize_ais
from .exact import (
    MAX_ENUMERATED_UNITS,
    empirical_distribution,
    enumerate_states,
    state_index,
    tv_bound,
    tv_distance,
)
from .gibbs_sampling import sample_bernoulli, sequential_gibbs_sweep
from .langevin import MALAResult, energy_and_grad, frozen, langevin_step, mala, mala_step, sgld
from .replay import BufferDraw, ReplayBuffer, persistent_sgld

__all__ = [
    "AISResult",
    "AnnealingPath",
    "ais_log_partition",
    "beta_schedule",
    "summarize_ais",
    "MAX_ENUMERATED_UNITS",
    "empirical_distribution",
    "enumerate_states",
    "state_index",
    "tv_bound",
    "tv_distance",
    "sample_bernoulli",
    "sequential_gibbs_sweep",
    "MALAResult",
    "energy_and_grad",
    "frozen",
    "langevin_step",
    "mala",
    "mala_step",
    "sgld",
    "BufferDraw",
    "ReplayBuffer",
    "persistent_sgld",
]
