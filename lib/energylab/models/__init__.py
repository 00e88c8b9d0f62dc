"""Models of the course. Each module says which of energy, free energy,
inference and learning it offers."""
from .mdn import MixtureDensityNetwork, MixtureParams
from .mlp_energy import KMeansEnergy, MLPEnergy

__all__ = ["MixtureDensityNetwork", "MixtureParams", "MLPEnergy", "KMeansEnergy"]
