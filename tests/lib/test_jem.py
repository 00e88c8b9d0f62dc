"""JEM: energies from logits, the loss's parts and signs, the digits classifier."""
import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from energylab.models.jem import JEM, digits_classifier, jem_loss
from energylab.samplers.replay import ReplayBuffer, persistent_sgld


@pytest.fixture
def model(generator):
    return JEM(digits_classifier(n_inputs=5, n_classes=4, hidden=16, generator=generator)).double()


def test_energy_is_minus_logsumexp_of_the_logits(model, generator):
    x = torch.randn(20, 5, generator=generator, dtype=torch.float64)
    logits = model.net(x)
    torch.testing.assert_close(model.free_energy(x), -torch.log(torch.exp(logits).sum(1)))
    y = torch.randint(4, (20,), generator=generator)
    torch.testing.assert_close(model.energy(y, x), -logits[torch.arange(20), y])
    # p(y | x) = exp(F(x) - E(y, x)) is the softmax classifier and sums to one over y
    p = torch.stack([torch.exp(model.free_energy(x) - model.energy(torch.full((20,), k), x)) for k in range(4)], 1)
    torch.testing.assert_close(p, torch.softmax(logits, 1))
    assert torch.equal(model.predict(x), logits.argmax(1))


def test_energy_is_stable_for_huge_logits():
    net = nn.Linear(2, 3).double()
    with torch.no_grad():
        net.weight.fill_(0.0)
        net.bias.copy_(torch.tensor([1000.0, 999.0, -5.0], dtype=torch.float64))
    energy = JEM(net).free_energy(torch.zeros(1, 2, dtype=torch.float64))
    assert math.isclose(energy.item(), -(1000 + math.log1p(math.exp(-1) + math.exp(-1005))), rel_tol=1e-12)


def test_input_gradient_sign_and_gradcheck(model, generator):
    x = torch.randn(6, 5, generator=generator, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(model.free_energy, (x,))
    (grad,) = torch.autograd.grad(model.free_energy(x).sum(), x)
    # dE/dx = -sum_y softmax_y(f) df_y/dx: check against the Jacobian of the logits
    jac = torch.autograd.functional.jacobian(lambda z: model.net(z).sum(0), x)      # (K, n, d)
    soft = torch.softmax(model.net(x), 1).detach()                                   # (n, K)
    torch.testing.assert_close(grad, -torch.einsum("nk,knd->nd", soft, jac))
    # a small step down the gradient lowers the energy (energy low = likely)
    with torch.no_grad():
        assert (model.free_energy(x - 1e-4 * grad) < model.free_energy(x)).all()


def test_loss_parts_and_signs(generator):
    torch.manual_seed(0)
    model = JEM(nn.Linear(2, 3)).double()
    x = torch.full((8, 2), 3.0, dtype=torch.float64) + 0.1 * torch.randn(8, 2, generator=generator, dtype=torch.float64)
    y = torch.randint(3, (8,), generator=generator)
    x_hat = -x
    out = jem_loss(model, x, y, x_hat, contrast_weight=0.7, energy_penalty=0.2)
    e_data, e_hat = model.free_energy(x), model.free_energy(x_hat)
    ce = F.cross_entropy(model.net(x), y)
    gen = e_data.mean() - e_hat.mean()
    reg = (e_data ** 2).mean() + (e_hat ** 2).mean()
    torch.testing.assert_close(out["loss"], ce + 0.7 * gen + 0.2 * reg)
    torch.testing.assert_close(out["contrast"], gen.detach())
    torch.testing.assert_close(out["penalty"], reg.detach())
    torch.testing.assert_close(out["e_data"], e_data.mean().detach())
    # plain classifier when there are no samples
    torch.testing.assert_close(jem_loss(model, x, y, None)["loss"], ce)
    # one descent step on the generative term pushes data energy down and sample energy up
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    opt.zero_grad()
    jem_loss(model, x, y, x_hat, contrast_weight=1.0, energy_penalty=0.0)["loss"].sub(ce).backward()
    opt.step()
    with torch.no_grad():
        assert model.free_energy(x).mean() < e_data.mean() and model.free_energy(x_hat).mean() > e_hat.mean()
    # the samples are constants: no gradient flows into x_hat
    x_hat_leaf = x_hat.clone().requires_grad_(True)
    jem_loss(model, x, y, x_hat_leaf)["loss"].backward()
    assert x_hat_leaf.grad is None


def test_digits_classifier_is_seeded_and_sampling_leaves_it_untouched():
    nets = [digits_classifier(generator=torch.Generator().manual_seed(7)) for _ in range(2)]
    x = torch.rand(3, 64)
    assert torch.equal(nets[0](x), nets[1](x)) and nets[0](x).shape == (3, 10)
    model = JEM(nets[0])
    before = [p.clone() for p in model.parameters()]
    g = torch.Generator().manual_seed(1)
    buf = ReplayBuffer(64, capacity=100, generator=g)
    x_hat = persistent_sgld(model.free_energy, buf, 20, n_steps=5, step_size=1.0, noise_scale=0.01, generator=g)
    assert x_hat.shape == (20, 64)
    assert all(p.grad is None and p.requires_grad for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_clear_errors(model):
    x = torch.zeros(4, 5, dtype=torch.float64)
    with pytest.raises(TypeError, match="net"):
        JEM(lambda x: x)
    with pytest.raises(ValueError, match="y"):
        model.energy(torch.tensor([0, 1, 2, 9]), x)
    with pytest.raises(ValueError, match="y"):
        jem_loss(model, x, torch.zeros(4), None)
    with pytest.raises(ValueError, match="x_sampled"):
        jem_loss(model, x, torch.zeros(4, dtype=torch.long), torch.zeros(4, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="energy_penalty"):
        jem_loss(model, x, torch.zeros(4, dtype=torch.long), None, energy_penalty=-1.0)
