"""Models of the course. Each module says which of energy, free energy,
inference and learning it offers."""
from .mdn import MixtureDensityNetwork, MixtureParams
from .mlp_energy import KMeansEnergy, MLPEnergy
from .boltzmann import BoltzmannMachine
from .hopfield import HopfieldNetwork
from .rbm import BernoulliRBM, GaussianBernoulliRBM
from .vae import VAE, BernoulliDecoder, GaussianDecoder, GaussianEncoder
from .gan import Discriminator, SamplerNet

__all__ = ["MixtureDensityNetwork", "MixtureParams", "MLPEnergy", "KMeansEnergy",
           "BoltzmannMachine", "HopfieldNetwork", "BernoulliRBM", "GaussianBernoulliRBM",
           "VAE", "GaussianEncoder", "BernoulliDecoder", "GaussianDecoder", "SamplerNet", "Discriminator"]
