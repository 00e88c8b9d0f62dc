r"""Baselines for image completion: each predicts ONE completion per input (Lecture 6 §7, homework 4).

* :class:`PCACompletion` -- fit a K-dimensional PCA on whole images ``[X, Y]``; for a
  new ``X`` find the coefficients ``c`` that best explain the visible pixels and read the
  hidden part off the same coefficients: ``Ŷ = μ_Y + V_Y c``.  Plain least squares,
  ``c = argmin_c ||X − μ_X − V_X c||²``, overfits the visible pixels as K grows; the
  default is probabilistic PCA (Tipping & Bishop, 1999), whose Gaussian conditional mean
  ``E[Y | X]`` adds a ridge ``σ² / (λ_k − σ²)`` per component (``λ_k`` the variance along
  component k, ``σ²`` the mean variance of the discarded directions).
* :class:`RegressionMLP` trained by :func:`fit_regression` on the mean squared error.  The
  minimiser of the MSE is the conditional mean ``E[Y | X]``: when several completions
  fit, it predicts their blurry average.  In energy terms, a regression network is the
  energy ``E(Y, X) = ||Y − f(X)||²`` with a single minimum.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .._checks import check_bool, check_input, check_like, check_positive_int, check_rows, check_tensor, describe
from ..models.mlp import check_widths, mlp
from ..train import History, fit

__all__ = ["PCACompletion", "RegressionMLP", "fit_regression"]


class PCACompletion:
    """Complete ``Y`` from ``X`` through a PCA of whole images (torch SVD, any device).  Lecture 6 §7.

    ``fit(x, y)`` learns the mean ``μ``, the top ``n_components`` principal directions
    ``V`` (rows) of ``[X, Y]``, their variances ``λ_k`` and the noise variance ``σ²``.
    ``complete(x)`` returns ``μ_Y + V_Y c`` with

    ``c = (V_X V_Xᵀ + R)⁻¹ V_X (X − μ_X)``,  ``R = diag(σ² / (λ_k − σ²))``

    -- the conditional mean of probabilistic PCA (the same as the Gaussian conditional
    with sklearn's ``PCA.get_covariance()``).  ``probabilistic=False`` sets ``R = 0``:
    plain least squares on the visible pixels.
    """

    def __init__(self, n_components: int = 10, probabilistic: bool = True):
        self.n_components = check_positive_int("n_components", n_components)
        self.probabilistic = check_bool("probabilistic", probabilistic)
        self.mean_: torch.Tensor | None = None         # (x_dim + y_dim,)
        self.components_: torch.Tensor | None = None   # (K, x_dim + y_dim), orthonormal rows
        self.variances_: torch.Tensor | None = None    # (K,) variance along each component
        self.noise_variance_: torch.Tensor | None = None   # σ², mean variance of the rest
        self.x_dim = 0

    def fit(self, x: torch.Tensor, y: torch.Tensor) -> "PCACompletion":
        """Learn the PCA of the whole images ``[x, y]`` (N, x_dim + y_dim); returns ``self``.
        Lecture 6 §7, homework 4."""
        check_tensor("x", x, ndim=2)
        if x.shape[0] < 2:
            raise ValueError(f"x: expected at least 2 rows (a variance needs two images), got {describe(x)}")
        check_like("y", check_tensor("y", y, ndim=2), x, "x")
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"y: expected {x.shape[0]} rows like x, got {describe(y)}")
        for name, value in (("x", x), ("y", y)):     # the SVD fails on NaN/inf; fit is no hot path
            if not bool(value.isfinite().all()):
                raise ValueError(f"{name}: expected finite pixel values (the PCA's SVD cannot use NaN or inf)")
        if self.n_components > min(x.shape[1], x.shape[0] - 1):
            raise ValueError(f"n_components: expected at most min(x_dim, N - 1) = "
                             f"{min(x.shape[1], x.shape[0] - 1)}, got {self.n_components}")
        data = torch.cat([x, y], dim=-1)                                   # (N, D)
        K = self.n_components
        self.mean_ = data.mean(0)
        _, s, vh = torch.linalg.svd(data - self.mean_, full_matrices=False)
        eigenvalues = s.pow(2) / (data.shape[0] - 1)                       # variances, largest first
        self.components_ = vh[:K]                                          # (K, D)
        self.variances_ = eigenvalues[:K]
        rest = eigenvalues[K:]
        self.noise_variance_ = rest.mean() if rest.numel() else eigenvalues.new_zeros(())
        self.x_dim = x.shape[1]
        return self

    def complete(self, x: torch.Tensor) -> torch.Tensor:
        """``Ŷ = μ_Y + V_Y c``, ``c = (V_X V_Xᵀ + R)⁻¹ V_X (X − μ_X)``; x (N, x_dim) -> (N, y_dim).
        Lecture 6 §7, homework 4."""
        if self.components_ is None:
            raise RuntimeError("PCACompletion.complete: call fit(x, y) first")
        check_like("x", check_tensor("x", x, ndim=2, last_dim=self.x_dim), self.mean_, "the data fit() saw")
        mean_x, mean_y = self.mean_[: self.x_dim], self.mean_[self.x_dim:]
        v_x, v_y = self.components_[:, : self.x_dim], self.components_[:, self.x_dim:]   # (K, x_dim), (K, y_dim)
        lhs = v_x @ v_x.T                                                    # (K, K)
        if self.probabilistic:
            sigma2 = self.noise_variance_
            lhs = lhs + torch.diag(sigma2 / (self.variances_ - sigma2))
        coeffs = torch.linalg.solve(lhs, v_x @ (x - mean_x).T).T   # (N, K)
        return mean_y + coeffs @ v_y


class RegressionMLP(nn.Module):
    """``f(X)``: an MLP with sigmoid output in [0, 1], trained on the MSE (the blurry baseline).
    Lecture 6 §7, homework 4."""

    def __init__(self, x_dim: int, y_dim: int, hidden: Sequence[int] = (128, 128)):
        super().__init__()
        self.x_dim = check_positive_int("x_dim", x_dim)
        self.y_dim = check_positive_int("y_dim", y_dim)
        self.net = mlp(x_dim, check_widths("hidden", hidden, allow_empty=False), y_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input("x", x, self, ndim=2, last_dim=self.x_dim)
        return torch.sigmoid(self.net(x))


def fit_regression(model: RegressionMLP, x: torch.Tensor, y: torch.Tensor, *, epochs: int = 100,
                   lr: float = 1e-3, batch_size: int | None = 128, generator: torch.Generator | None = None,
                   progress: bool = True) -> History:
    """Minimise ``mean ||f(X) − Y||²`` with :func:`energylab.train.fit`; returns the history.
    Lecture 6 §7, homework 4."""
    if not isinstance(model, RegressionMLP):
        raise TypeError(f"model: expected a RegressionMLP, got {describe(model)}")
    check_input("x", x, model, ndim=2, last_dim=model.x_dim)
    if x.shape[0] == 0:
        raise ValueError(f"x: expected at least one training pair, got {describe(x)}")
    check_rows({"x": model.x_dim, "y": model.y_dim}, x=x, y=y)
    check_like("y", y, x, "x")
    return fit(model, lambda m, xb, yb: (m(xb) - yb).pow(2).mean(), (x, y), epochs=epochs, lr=lr,
               batch_size=batch_size, generator=generator, progress=progress)
