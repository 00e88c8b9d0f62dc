r"""Score matching: fit an energy by its gradient, never its normaliser -- Lecture 4 §7.

The **score** of ``p(y) ∝ e^{-E(y)}`` is ``∇_y log p = −∇_y E``: it does not depend on ``Z``.
Score matching fits it to the data's score without ever computing or sampling from ``Z``.

* **Explicit** (Hyvärinen, 2005).  Integration by parts turns the unknown data score into a
  second derivative of the model:

  .. math::

      J(E) = \mathbb{E}_{\text{data}}\Big[\tfrac12 \lVert \nabla_y E(y) \rVert^2 - \Delta_y E(y)\Big],
      \qquad \Delta_y E = \sum_d \partial^2 E / \partial y_d^2 .

  Small gradient on the data (data at stationary points) and large positive curvature
  (they are minima, not maxima): the energy is pushed into a valley at every data point.
  The Laplacian costs one backward pass per dimension -- fine in 2-D, not for images.

* **Denoising** (Vincent, 2011).  Perturb the data, ``ỹ = y + σ ε``, and regress the score
  onto the direction back to the clean point:

  .. math::

      J_\sigma(E) = \tfrac12\, \mathbb{E}\,\big\lVert \sigma \nabla_{ỹ} E(ỹ) - \varepsilon \big\rVert^2
      \quad (\sigma^2 \text{ times Vincent's objective}),

  whose minimiser is the score of the *noised* data, ``−∇E = ∇ log (p_data ∗ N(0, σ² I))``:
  no second derivatives, at the price of a bias that shrinks with σ.

``energy`` is any function ``(N, D) -> (N,)`` (an :class:`energylab.models.MLPEnergy`, a closed
form), differentiable twice in its input for the explicit loss.
"""
from __future__ import annotations

from typing import Callable

import torch

from ._checks import check_callable, check_generator, check_positive_float, check_same_shape, check_tensor, describe

__all__ = ["score_matching_loss", "denoising_score_matching_loss"]


def _check_data(energy, y: torch.Tensor) -> None:
    check_callable("energy", energy)
    check_tensor("y", y, ndim=2)
    if y.shape[0] == 0:
        raise ValueError(f"y: expected at least one data point, got {describe(y)}")


def _input_gradient(energy: Callable, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(y with grad, ∇_y E(y))`` keeping the graph (the loss is differentiated again)."""
    y = y.detach().requires_grad_(True)
    e = energy(y)
    if not isinstance(e, torch.Tensor) or e.shape != (y.shape[0],):
        raise ValueError(f"energy: expected energy(y) of shape ({y.shape[0]},), got {describe(e)}")
    (grad,) = torch.autograd.grad(e.sum(), y, create_graph=True)
    return y, grad


def score_matching_loss(energy: Callable, y: torch.Tensor) -> torch.Tensor:
    r"""Hyvärinen's ``J = mean_data [½ |∇_y E|² − Δ_y E]`` (the data score never appears).  Lecture 4 §7.

    ``y`` (N, D) data.  Its minimiser over a family containing the data's energy is that energy
    (up to a constant); for Gaussian energies it is the sample mean and covariance exactly.
    """
    _check_data(energy, y)
    with torch.enable_grad():
        y, grad = _input_gradient(energy, y)                               # (N, D)
        laplacian = sum(torch.autograd.grad(grad[:, d].sum(), y, create_graph=True)[0][:, d]
                        for d in range(y.shape[1]))                         # (N,)
        return (0.5 * grad.square().sum(-1) - laplacian).mean()


def denoising_score_matching_loss(energy: Callable, y: torch.Tensor, noise_std: float, *,
                                  noise: torch.Tensor | None = None,
                                  generator: torch.Generator | None = None) -> torch.Tensor:
    r"""``J_σ = ½ mean |σ ∇E(y + σ ε) − ε|²`` with ``ε ~ N(0, I)`` (pass ``noise`` to fix it).  Lecture 4 §7.

    Minimised by ``E`` whose score is that of the data blurred by ``N(0, σ² I)``.
    """
    _check_data(energy, y)
    sigma = check_positive_float("noise_std", noise_std)
    check_generator("generator", generator, like=y)
    if noise is None:
        noise = torch.randn(y.shape, generator=generator, dtype=y.dtype, device=y.device)
    else:
        check_same_shape("noise", noise, y, "y")
    with torch.enable_grad():
        _, grad = _input_gradient(energy, y + sigma * noise)
        return 0.5 * (sigma * grad - noise).square().sum(-1).mean()
