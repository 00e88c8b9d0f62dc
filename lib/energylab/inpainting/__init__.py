r"""Image completion (inpainting) on the 8x8 digits: the baselines of lecture 6 and homework 4
(:mod:`~energylab.inpainting.baselines`) and the metrics that judge completions
(:mod:`~energylab.inpainting.metrics`).  The data split is :func:`energylab.data.digits_inpainting`,
the picture :func:`energylab.plot.plot_completions`; the energy + generator pair that learns to
propose several completions is :mod:`energylab.models.generator`.
"""
from .baselines import PCACompletion, RegressionMLP, fit_regression
from .metrics import best_of_mse, completion_mse, nearest_completions

__all__ = ["PCACompletion", "RegressionMLP", "fit_regression", "completion_mse", "best_of_mse", "nearest_completions"]
