"""energylab.models.generator: the gradient flip, the pair log loss, the min-max trainer
and energy descent, checked against plain autograd, finite differences and closed forms."""
import copy

import pytest
import torch

from energylab.models import MLPEnergy
from energylab.models.generator import (
    GeneratorMLP,
    energy_descent,
    flip_gradient,
    generator_pair_loss,
    train_generator_pair,
)
from energylab.inference import gradient_descent
from energylab.losses import log_loss as pair_log_loss

X_DIM, Y_DIM = 5, 3


def _pair(seed=0, noise_dim=0):
    torch.manual_seed(seed)
    energy = MLPEnergy(Y_DIM, X_DIM, hidden=(16, 16)).double()
    proposer = GeneratorMLP(X_DIM, Y_DIM, hidden=(16,), noise_dim=noise_dim).double()
    return energy, proposer


def _batch(generator, n=12):
    x = torch.randn(n, X_DIM, generator=generator, dtype=torch.float64)
    y = torch.rand(n, Y_DIM, generator=generator, dtype=torch.float64)
    return x, y


def _plain_loss(energy, proposer, x, y):
    """The min-max objective L(W, θ) without any flip."""
    return pair_log_loss(energy(y, x), energy(proposer(x), x))


def test_flip_has_the_value_of_y_and_the_negated_gradient(generator):
    y = torch.randn(4, 3, generator=generator, dtype=torch.float64, requires_grad=True)
    upstream = torch.randn(4, 3, generator=generator, dtype=torch.float64)
    flipped = flip_gradient(y)
    assert torch.equal(flipped, y)                                 # the value is exactly y
    (flipped * upstream).sum().backward()
    assert torch.equal(y.grad, -upstream)                          # the gradient of -y


def test_flip_negates_theta_gradient_and_keeps_w_gradient(generator):
    energy, proposer = _pair()
    x, y = _batch(generator)
    loss_flip = pair_log_loss(energy(y, x), energy(flip_gradient(proposer(x)), x))
    flip_grads = torch.autograd.grad(loss_flip, list(energy.parameters()) + list(proposer.parameters()))
    loss_plain = _plain_loss(energy, proposer, x, y)
    plain_grads = torch.autograd.grad(loss_plain, list(energy.parameters()) + list(proposer.parameters()))
    assert torch.equal(loss_flip, loss_plain)
    n_w = len(list(energy.parameters()))
    for g_flip, g_plain in zip(flip_grads[:n_w], plain_grads[:n_w]):
        torch.testing.assert_close(g_flip, g_plain, rtol=1e-12, atol=1e-14)
    for g_flip, g_plain in zip(flip_grads[n_w:], plain_grads[n_w:]):
        torch.testing.assert_close(g_flip, -g_plain, rtol=1e-12, atol=1e-14)
        assert g_plain.abs().max() > 0


def test_flip_gradients_match_finite_differences(generator):
    """d loss / d parameter by central differences of the plain objective: W's entries
    match the flipped graph's gradient, θ's entries match minus it."""
    energy, proposer = _pair(seed=1)
    x, y = _batch(generator)
    loss = pair_log_loss(energy(y, x), energy(flip_gradient(proposer(x)), x))
    w, theta = energy.net[0].weight, proposer.net[0].weight
    g_w, g_theta = torch.autograd.grad(loss, [w, theta])
    eps = 1e-6
    for param, grad, sign in [(w, g_w, 1.0), (theta, g_theta, -1.0)]:
        for index in [(0, 0), (1, 2), (3, 1)]:
            with torch.no_grad():
                param[index] += eps
                up = _plain_loss(energy, proposer, x, y)
                param[index] -= 2 * eps
                down = _plain_loss(energy, proposer, x, y)
                param[index] += eps
            numeric = (up - down) / (2 * eps)
            assert abs(sign * float(grad[index]) - float(numeric)) < 1e-7 + 1e-5 * abs(float(numeric))


def test_one_training_step_lowers_the_loss_in_w_and_raises_it_in_theta(generator):
    energy, proposer = _pair(seed=2)
    x, y = _batch(generator, n=32)
    e0, g0 = copy.deepcopy(energy), copy.deepcopy(proposer)
    with torch.no_grad():
        before = _plain_loss(e0, g0, x, y)
    history = train_generator_pair(energy, proposer, x, y, epochs=1, lr=1e-4, batch_size=None, progress=False)
    with torch.no_grad():
        only_w = _plain_loss(energy, g0, x, y)        # new W, old θ
        only_theta = _plain_loss(e0, proposer, x, y)       # old W, new θ
    assert only_w < before < only_theta
    assert history["loss"][0] == pytest.approx(float(before), rel=1e-10)


def test_pair_loss_penalty_acts_on_w_only(generator):
    """The energy-magnitude penalty reads the generated sample detached: θ's gradient is
    the same with and without it."""
    energy, proposer = _pair(seed=3)
    x, y = _batch(generator)
    grads = []
    for penalty in (0.0, 10.0):
        out = generator_pair_loss(energy, proposer, x, y, energy_penalty=penalty)
        grads.append(torch.autograd.grad(out["loss"], list(proposer.parameters())))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_log_loss_matches_log1p_exp_and_is_finite_for_huge_gaps():
    """The trainer's loss is energylab.losses.log_loss = softplus(E(Y) - E(Ŷ))."""
    gap = torch.linspace(-30, 30, 61, dtype=torch.float64)
    zeros = torch.zeros_like(gap)
    torch.testing.assert_close(pair_log_loss(gap, zeros, reduction="none"), torch.log1p(torch.exp(gap)))
    big = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    loss = pair_log_loss(big, torch.zeros(2, dtype=torch.float64), reduction="none")
    assert torch.isfinite(loss).all()
    torch.testing.assert_close(loss.detach(), torch.tensor([1e4, 0.0], dtype=torch.float64))
    loss.sum().backward()
    torch.testing.assert_close(big.grad, torch.tensor([1.0, 0.0], dtype=torch.float64))
    for dtype in (torch.float32, torch.float64):
        e = torch.tensor([1e4, -1e4], dtype=dtype)
        assert torch.isfinite(pair_log_loss(e, -e)).all()
    assert pair_log_loss(gap, zeros, reduction="sum") == pytest.approx(float(torch.log1p(torch.exp(gap)).sum()))


def test_trainer_history_records_the_three_energies(generator):
    energy, proposer = _pair(seed=4, noise_dim=2)
    x, y = _batch(generator, n=40)
    history = train_generator_pair(energy, proposer, x, y, epochs=3, batch_size=16, generator=generator,
                                   energy_penalty=0.1, progress=False)
    assert set(history) == {"loss", "e_true", "e_generated", "e_random"}
    assert all(len(values) == 3 for values in history.values())
    assert all(torch.isfinite(torch.tensor(v)).all() for v in history.values())


def test_trainer_is_deterministic_given_the_generator():
    results = []
    for _ in range(2):
        energy, proposer = _pair(seed=5, noise_dim=2)
        g = torch.Generator().manual_seed(7)
        x, y = _batch(g, n=30)
        history = train_generator_pair(energy, proposer, x, y, epochs=2, batch_size=8, data_noise=0.05,
                                       generator=g, progress=False)
        results.append(history["loss"])
    assert results[0] == results[1]


def test_generator_noise_and_output_range(generator):
    _, proposer = _pair(noise_dim=4)
    x = torch.randn(6, X_DIM, dtype=torch.float64, generator=generator)
    z = proposer.sample_noise(x, generator)
    assert z.shape == (6, 4) and z.dtype == torch.float64
    out = proposer(x, z)
    assert out.shape == (6, Y_DIM) and ((out > 0) & (out < 1)).all()
    assert _pair()[1].sample_noise(x, generator) is None


def test_energy_descent_finds_the_minimum_of_a_quadratic(generator):
    target = torch.tensor([[0.2, 0.5, 0.9]], dtype=torch.float64)

    def quadratic(y, x):                       # E(Y, X) = ||Y - X||², minimum at Y = X
        return (y - x).pow(2).sum(-1)

    x = target.repeat(5, 1)
    y0 = torch.rand(5, 3, generator=generator, dtype=torch.float64)
    result = energy_descent(quadratic, y0, x, n_steps=200, step_size=0.1)
    torch.testing.assert_close(result.y, x)
    torch.testing.assert_close(result.energies, torch.zeros(5, dtype=torch.float64))
    assert result.trajectory.shape == (201, 5, 3)
    # bounds: the minimiser outside [0, 1] is clipped to the box
    y_box = energy_descent(quadratic, y0[:2], torch.full((2, 3), 2.0, dtype=torch.float64), n_steps=50, step_size=0.1).y
    torch.testing.assert_close(y_box, torch.ones(2, 3, dtype=torch.float64))


def test_energy_descent_is_inference_gradient_descent_per_row(generator):
    energy, _ = _pair()
    x, y0 = _batch(generator)
    before = [p.clone() for p in energy.parameters()]
    result = energy_descent(energy, y0, x, n_steps=5, step_size=0.01)
    # row by row, the same as energylab.inference on E(., x_n) alone
    for n in (0, 7):
        alone = gradient_descent(lambda y: energy(y, x[n].expand(len(y), -1)), y0[n:n + 1], n_steps=5, step_size=0.01,
                                 bounds=(torch.zeros(Y_DIM), torch.ones(Y_DIM)))
        torch.testing.assert_close(result.y[n:n + 1], alone.y)
    assert (result.energies <= energy(y0, x).detach() + 1e-9).all()
    assert all(torch.equal(a, b) for a, b in zip(before, energy.parameters()))
    assert all(p.grad is None for p in energy.parameters())


def test_clear_errors(generator):
    energy, proposer = _pair()
    x, y = _batch(generator)
    with pytest.raises(TypeError, match="y"):
        flip_gradient([1.0, 2.0])
    with pytest.raises(ValueError, match="last dimension"):
        energy(y[:, :2], x)
    with pytest.raises(ValueError, match="noise"):
        _pair(noise_dim=2)[1](x)
    with pytest.raises(ValueError, match="lr_ratio"):
        train_generator_pair(energy, proposer, x, y, lr_ratio=-1.0, progress=False)
    with pytest.raises(ValueError, match="hidden"):
        GeneratorMLP(5, 3, hidden=(0,))
    with pytest.raises(ValueError, match="steps"):
        energy_descent(energy, y, x, n_steps=-1)
    with pytest.raises(ValueError, match="rows"):
        energy_descent(energy, y, x[:3])


def test_mismatch_term_is_the_log_loss_against_another_rows_real_completion_and_acts_on_w_only(generator):
    """``mismatch = μ`` adds μ · softplus(E(Y, X) − E(Y.roll(1), X)) to the loss; θ's gradient is unchanged."""
    energy, proposer = _pair(seed=6)
    x, y = _batch(generator)
    plain = generator_pair_loss(energy, proposer, x, y)
    mixed = generator_pair_loss(energy, proposer, x, y, mismatch=0.7)
    e_true, e_other = energy(y, x), energy(y[[-1, *range(len(y) - 1)]], x)      # row r gets row r − 1's
    torch.testing.assert_close(mixed["loss"], plain["loss"] + 0.7 * pair_log_loss(e_true, e_other))
    torch.testing.assert_close(mixed["e_mismatched"], e_other.mean().detach())
    assert "e_mismatched" not in plain
    theta = list(proposer.parameters())
    for a, b in zip(torch.autograd.grad(plain["loss"], theta), torch.autograd.grad(mixed["loss"], theta)):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    history = train_generator_pair(energy, proposer, x, y, epochs=2, batch_size=6, mismatch=0.5,
                                   generator=generator, progress=False)
    assert set(history) == {"loss", "e_true", "e_generated", "e_random", "e_mismatched"}
    with pytest.raises(ValueError, match="mismatch"):
        train_generator_pair(energy, proposer, x, y, mismatch=-1.0, progress=False)
