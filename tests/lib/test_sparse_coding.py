"""Sparse coding against closed forms: with an orthonormal dictionary the code is the soft
threshold of Wᵀy and F(y) is a Huber function; for any dictionary ISTA meets the optimality
(KKT) conditions of the lasso."""
import math

import pytest
import torch

from energylab.models.sparse_coding import SparseCoding, soft_threshold


def test_soft_threshold():
    v = torch.tensor([-2.0, -0.5, 0.0, 0.3, 1.5])
    assert torch.equal(soft_threshold(v, 0.5), torch.tensor([-1.5, 0.0, 0.0, 0.0, 1.0]))


def test_orthonormal_dictionary_gives_the_closed_form(generator):
    lam = 0.4
    coder = SparseCoding(3, 3, sparsity=lam, n_steps=5)
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    coder.dictionary.data = q
    y = 2 * torch.randn(100, 3, generator=generator, dtype=torch.float64)
    u = y @ q                                                      # coordinates in the dictionary's basis
    assert torch.allclose(coder.codes(y), soft_threshold(u, lam), atol=1e-12)
    huber = torch.where(u.abs() <= lam, 0.5 * u**2, lam * u.abs() - 0.5 * lam**2).sum(-1)
    assert torch.allclose(coder(y), huber, atol=1e-12)


def test_ista_meets_the_lasso_optimality_conditions(generator):
    # z* minimises ½|y − Wz|² + λ|z|₁ iff g = Wᵀ(y − Wz*) has g_k = λ sign(z_k) where z_k ≠ 0 and |g_k| ≤ λ elsewhere.
    lam = 0.2
    coder = SparseCoding(4, 7, sparsity=lam, n_steps=3000, generator=generator).double()
    y = torch.randn(30, 4, generator=generator, dtype=torch.float64)
    z = coder.codes(y)
    g = (y - z @ coder.dictionary.T) @ coder.dictionary
    active = z.abs() > 1e-10
    assert torch.allclose(g[active], lam * torch.sign(z[active]), atol=1e-6)
    assert (g[~active].abs() <= lam + 1e-6).all()
    assert active.any() and (~active).any()


def test_energy_gradient_is_the_envelope_gradient(generator):
    # dF/dW = ∂E/∂W at the optimal code (the code is held fixed): compare with finite differences of F.
    coder = SparseCoding(2, 3, sparsity=0.1, n_steps=4000, generator=generator).double()
    y = torch.randn(5, 2, generator=generator, dtype=torch.float64)
    (grad,) = torch.autograd.grad(coder(y).sum(), coder.dictionary)
    eps, numeric = 1e-6, torch.zeros_like(grad)
    for i in range(2):
        for j in range(3):
            for sign in (1, -1):
                coder.dictionary.data[i, j] += sign * eps
                numeric[i, j] += sign * coder(y).sum().item() / (2 * eps)
                coder.dictionary.data[i, j] -= sign * eps
    assert torch.allclose(grad, numeric, atol=1e-5)


def test_learning_with_the_energy_loss_finds_the_directions(generator):
    # data on two lines through the origin: two unit atoms along them (up to sign) minimise the energy.
    t = 2 * torch.rand(400, 1, generator=generator) - 1
    lines = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    y = 2 * t * lines[torch.randint(2, (400,), generator=generator)]
    coder = SparseCoding(2, 2, sparsity=0.1, n_steps=50, generator=generator)
    opt = torch.optim.Adam(coder.parameters(), lr=1e-2)
    for _ in range(300):
        opt.zero_grad()
        coder(y).mean().backward()
        opt.step()
        coder.normalise_()
    cosines = (lines @ coder.dictionary.detach()).abs().max(1).values
    assert (cosines > 0.99).all()
    assert torch.allclose(coder.dictionary.norm(dim=0), torch.ones(2))


def test_clear_errors():
    with pytest.raises(ValueError, match="sparsity"):
        SparseCoding(2, 3, sparsity=-1.0)
    coder = SparseCoding(2, 3)
    with pytest.raises(ValueError, match="y"):
        coder(torch.zeros(4, 3))
    with pytest.raises(ValueError, match="z"):
        coder.latent_energy(torch.zeros(4, 2), torch.zeros(4, 2))
    assert math.isfinite(float(coder(torch.zeros(1, 2))))
