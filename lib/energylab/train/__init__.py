"""Training: the one mini-batch loop and :func:`fit` with its sampler hook
(:mod:`energylab.train.loop`), and the CD/PCD estimators shared by every RBM-like model
(:mod:`energylab.train.contrastive_divergence`)."""
from .loop import History, batches, fit
from .contrastive_divergence import (
    PersistentChains,
    cd_gradient,
    likelihood_gradient,
    pcd_gradient,
    train_rbm,
)

__all__ = ["History", "batches", "fit", "PersistentChains", "likelihood_gradient", "cd_gradient",
           "pcd_gradient", "train_rbm"]
