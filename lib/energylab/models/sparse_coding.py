r"""Sparse coding as an energy with a sparse latent code (Olshausen & Field, 1996) -- Lecture 4 §7.

A dictionary ``W`` (D, K) of K unit-norm atoms explains an answer ``y`` (D,) by a code ``z`` (K,):

.. math::

    E(y, z) = \tfrac12 \lVert y - W z \rVert^2 + \lambda \lVert z \rVert_1,
    \qquad F(y) = \min_z E(y, z).

Inference of ``z`` is a convex problem, solved by ISTA (iterative shrinkage-thresholding,
Daubechies et al. 2004): a gradient step on the squared error, then the **soft threshold**

.. math::

    z \leftarrow S_{\eta\lambda}\big(z + \eta W^\top (y - W z)\big), \qquad
    S_t(v) = \operatorname{sign}(v) \max(|v| - t, 0), \qquad \eta = 1 / \lVert W \rVert_2^2 .

**Why no negatives are needed.**  Only answers that a *few* atoms explain have low energy:
the L1 term limits the volume of low energy, so learning can push ``F`` down on the data
alone (the energy loss).  The atoms must keep unit norm (:meth:`SparseCoding.normalise_`):
otherwise longer atoms would need smaller codes, the L1 term would vanish and the energy
would collapse like any unconstrained one.

Learning ``W`` by gradient descent on ``F(y)`` with the optimal code held fixed is exact:
``∂F/∂W = ∂E/∂W`` at ``z*`` (the envelope theorem), which is what :meth:`SparseCoding.forward`
computes by detaching the code.
"""
from __future__ import annotations

import torch
from torch import nn

from .._checks import check_generator, check_like, check_positive_float, check_positive_int, check_tensor, describe

__all__ = ["soft_threshold", "SparseCoding"]


def soft_threshold(v: torch.Tensor, threshold: float | torch.Tensor) -> torch.Tensor:
    """``S_t(v) = sign(v) max(|v| - t, 0)``, the proximal step of ``t |v|`` (Lecture 4 §7's formula).
    Library only: the shrinkage inside :meth:`SparseCoding.codes`, public for the tests' closed forms."""
    check_tensor("v", v)
    if isinstance(threshold, torch.Tensor):
        if not threshold.is_floating_point() or threshold.dim() != 0 or bool(threshold < 0):
            raise ValueError(f"threshold: expected a number >= 0 or a 0-dim floating tensor >= 0, got {describe(threshold)}")
    else:
        check_positive_float("threshold", threshold, allow_zero=True)
    return torch.sign(v) * torch.relu(v.abs() - threshold)


class SparseCoding(nn.Module):
    r"""``E(y, z) = ½|y − W z|² + λ|z|₁`` and ``F(y) = min_z E(y, z)``.  Lecture 4 §7.

    ``dim`` D of the answers, ``n_atoms`` K, ``sparsity`` λ, ``n_steps`` ISTA iterations
    per inference.  The atoms start as random unit vectors (drawn with ``generator``).
    Called as ``energy(y)``: y (N, D) -> F(y) (N,).
    """

    def __init__(self, dim: int, n_atoms: int, *, sparsity: float = 0.1, n_steps: int = 100,
                 generator: torch.Generator | None = None):
        super().__init__()
        check_positive_int("dim", dim)
        check_positive_int("n_atoms", n_atoms)
        self.sparsity = check_positive_float("sparsity", sparsity, allow_zero=True)
        self.n_steps = check_positive_int("n_steps", n_steps)
        check_generator("generator", generator)
        atoms = torch.randn(dim, n_atoms, generator=generator)
        self.dictionary = nn.Parameter(atoms / atoms.norm(dim=0, keepdim=True))     # W, (D, K)

    def _check_y(self, y: torch.Tensor) -> torch.Tensor:
        check_tensor("y", y, ndim=2, last_dim=self.dictionary.shape[0])
        return check_like("y", y, self.dictionary, "the dictionary")

    def latent_energy(self, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``E(y, z) = ½|y − W z|² + λ|z|₁`` for codes z (N, K): returns (N,).  Lecture 4 §7."""
        self._check_y(y)
        check_like("z", check_tensor("z", z, ndim=2, last_dim=self.dictionary.shape[1]), self.dictionary, "the dictionary")
        if z.shape[0] != y.shape[0]:
            raise ValueError(f"z: expected one code per row of y ({y.shape[0]} rows), got {describe(z)}")
        residual = y - z @ self.dictionary.T                                          # (N, D)
        return 0.5 * residual.square().sum(-1) + self.sparsity * z.abs().sum(-1)

    @torch.no_grad()
    def codes(self, y: torch.Tensor) -> torch.Tensor:
        """``z* = argmin_z E(y, z)`` by ISTA from ``z = 0``: (N, D) -> (N, K).  Lecture 4 §7."""
        self._check_y(y)
        W = self.dictionary
        step = 1.0 / torch.linalg.matrix_norm(W, ord=2).square().clamp_min(1e-12)     # η = 1/L
        z = torch.zeros(y.shape[0], W.shape[1], dtype=y.dtype, device=y.device)
        for _ in range(self.n_steps):
            z = soft_threshold(z + step * (y - z @ W.T) @ W, step * self.sparsity)
        return z

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.latent_energy(y, self.codes(y))                    # F(y); ∂F/∂W at the fixed z*

    @torch.no_grad()
    def normalise_(self) -> "SparseCoding":
        """Rescale every atom to unit length (call after each learning step).  Lecture 4 §7."""
        self.dictionary.div_(self.dictionary.norm(dim=0, keepdim=True).clamp_min(1e-12))
        return self
