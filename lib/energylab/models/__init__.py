"""Models of the course. Each module says which of energy, free energy,
inference and learning it offers."""
from .mdn import MixtureDensityNetwork, MixtureParams

__all__ = ["MixtureDensityNetwork", "MixtureParams"]
