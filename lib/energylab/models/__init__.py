"""Models of the course. Each module says which of energy, free energy,
inference and learning it offers."""
from .mlp import mlp
from .mdn import MixtureDensityNetwork, MixtureParams
from .mlp_energy import KMeansEnergy, MLPEnergy
from .boltzmann import BoltzmannMachine
from .hopfield import HopfieldNetwork
from .rbm import RBM, BernoulliRBM, Biases, GaussianBernoulliRBM, RBMGradient
from .crbm import ConditionalRBM, CRBMGradient, train_crbm
from .gated_rbm import FactoredGatedRBM, train_gated_rbm
from .sbn import HelmholtzMachine, SigmoidBeliefNet
from .dbn import DBN, LabelledRBM
from .dbm import DBM
from .generator import GeneratorMLP
from .jem import JEM
from .vae import VAE, BernoulliDecoder, GaussianDecoder, GaussianEncoder
from .gan import Discriminator, SamplerNet

__all__ = ["mlp", "MixtureDensityNetwork", "MixtureParams", "MLPEnergy", "KMeansEnergy",
           "BoltzmannMachine", "HopfieldNetwork", "RBM", "Biases", "RBMGradient", "BernoulliRBM",
           "GaussianBernoulliRBM", "ConditionalRBM", "CRBMGradient", "train_crbm", "FactoredGatedRBM",
           "train_gated_rbm", "SigmoidBeliefNet", "HelmholtzMachine", "DBN", "LabelledRBM", "DBM",
           "GeneratorMLP", "JEM",
           "VAE", "GaussianEncoder", "BernoulliDecoder", "GaussianDecoder", "SamplerNet", "Discriminator"]
