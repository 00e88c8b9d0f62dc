"""The factored gated RBM (lecture 9) against the explicit three-way tensor, brute-force
marginals, exact conditionals and the CD statistics; trained on shifts it transfers them."""
import math

import pytest
import torch

from energylab.data import shift_pairs
from energylab.models.gated_rbm import FactoredGatedRBM, train_gated_rbm
from energylab.samplers import enumerate_states, tv_bound, tv_distance

F64 = torch.float64
KINDS = ("gaussian", "binary")


def random_gated(n_x, n_y, n_f, n_h, generator, output="gaussian", scale=0.6):
    model = FactoredGatedRBM(n_x, n_y, n_f, n_h, output=output, weight_scale=scale, generator=generator, dtype=F64)
    with torch.no_grad():
        model.b.normal_(0.0, 0.5, generator=generator), model.c.normal_(0.0, 0.5, generator=generator)
    return model


def data(model, n, generator):
    x = torch.randn(n, model.n_inputs, generator=generator, dtype=F64)
    y = torch.randn(n, model.n_outputs, generator=generator, dtype=F64)
    return x, (y if model.output == "gaussian" else (y > 0).to(F64))


@pytest.mark.parametrize("output", KINDS)
def test_energy_is_the_explicit_three_way_contraction(output, generator):
    model = random_gated(4, 5, 3, 6, generator, output)
    x, y = data(model, 7, generator)
    h = torch.rand(7, 6, generator=generator, dtype=F64).round()
    tensor = model.interaction_tensor()
    assert tensor.shape == (4, 5, 6)
    loops = torch.zeros(4, 5, 6, dtype=F64)                      # W_ijk = sum_f W_if U_jf V_kf, by loops
    for i in range(4):
        for j in range(5):
            for k in range(6):
                loops[i, j, k] = sum(model.W[i, f] * model.U[j, f] * model.V[k, f] for f in range(3))
    torch.testing.assert_close(tensor, loops)
    output_term = 0.5 * ((y - model.b) ** 2).sum(-1) if output == "gaussian" else -(y @ model.b)
    explicit = -torch.einsum("ni,nj,nk,ijk->n", x, y, h, tensor) - h @ model.c + output_term
    torch.testing.assert_close(model.energy(y, h, x), explicit)


@pytest.mark.parametrize("output", KINDS)
def test_free_energy_and_hidden_conditional_are_brute_force_marginals(output, generator):
    model = random_gated(4, 5, 3, 6, generator, output)
    x, y = data(model, 7, generator)
    hs = enumerate_states(6, dtype=F64)
    energies = torch.stack([model.energy(y, h.expand(7, -1), x) for h in hs], 1)        # (7, 64)
    torch.testing.assert_close(model.free_energy(y, x), -torch.logsumexp(-energies, 1))
    torch.testing.assert_close(model.hidden_probs(y, x), torch.softmax(-energies, 1) @ hs)
    torch.testing.assert_close(model.infer_transformation(x, y), model.hidden_probs(y, x))


def test_output_conditional_gaussian_and_binary(generator):
    # binary: p(y | x, h) by enumerating y
    model = random_gated(3, 4, 3, 5, generator, "binary")
    x = torch.randn(1, 3, generator=generator, dtype=F64)
    h = torch.rand(1, 5, generator=generator, dtype=F64).round()
    ys = enumerate_states(4, dtype=F64)
    post = torch.softmax(-model.energy(ys, h.expand(16, -1), x.expand(16, -1)), 0)
    torch.testing.assert_close(model.output_mean(h, x)[0], post @ ys)
    # Gaussian: E(y, h; x) - E(y', h; x) = ½‖y - m‖² - ½‖y' - m‖² with m = E[y | x, h]
    model = random_gated(3, 4, 3, 5, generator, "gaussian")
    x, y = data(model, 6, generator)
    y2 = torch.randn(6, 4, generator=generator, dtype=F64)
    h = torch.rand(6, 5, generator=generator, dtype=F64).round()
    mean = model.output_mean(h, x)
    torch.testing.assert_close(model.energy(y, h, x) - model.energy(y2, h, x),
                               0.5 * ((y - mean) ** 2).sum(-1) - 0.5 * ((y2 - mean) ** 2).sum(-1))
    torch.testing.assert_close(model.apply_transformation(h, x), mean)
    samples = model.sample_output(h[:1].expand(40000, -1), x[:1].expand(40000, -1), generator=generator)
    torch.testing.assert_close(samples.mean(0), mean[0], atol=0.03, rtol=0)
    torch.testing.assert_close(samples.var(0), torch.ones(4, dtype=F64), atol=0.05, rtol=0)


def test_clamped_gibbs_matches_the_exact_conditionals(generator):
    chains = 20000
    # binary outputs: p(y | x) ∝ e^{-F(y, x)} over the 2**5 outputs
    model = random_gated(3, 5, 4, 4, generator, "binary", scale=0.8)
    x = torch.randn(1, 3, generator=generator, dtype=F64).expand(chains, -1)
    ys = enumerate_states(5, dtype=F64)
    log_p = torch.log_softmax(-model.free_energy(ys, x[:32]), 0).detach()
    samples = model.gibbs(torch.zeros(chains, 5, dtype=F64), x, 40, generator=generator)
    assert tv_distance(samples, log_p) < tv_bound(log_p, chains)
    # Gaussian outputs: p(h | x) ∝ exp(cᵀh + bᵀm_h + ½‖m_h‖²), m_h = U (f^x ⊙ f^h) (the Gaussian integral)
    model = random_gated(3, 4, 3, 4, generator, "gaussian", scale=0.6)
    x = torch.randn(1, 3, generator=generator, dtype=F64)
    hs = enumerate_states(4, dtype=F64)
    m = ((x @ model.W) * (hs @ model.V)) @ model.U.T                                      # (16, n_y)
    log_p_h = torch.log_softmax(hs @ model.c + m @ model.b + 0.5 * (m**2).sum(-1), 0).detach()
    y = model.gibbs(torch.zeros(chains, 4, dtype=F64), x.expand(chains, -1), 40, generator=generator)
    h = torch.bernoulli(model.hidden_probs(y, x.expand(chains, -1)), generator=generator)
    assert tv_distance(h, log_p_h) < tv_bound(log_p_h, chains)


@pytest.mark.parametrize("output", KINDS)
def test_a_training_step_is_the_three_way_cd_statistics(output, generator):
    """One SGD step of train_gated_rbm (lr 1, one batch) = the CD-k statistics, data minus model:
    ΔV_kf = <p_k f^x_f f^y_f>, ΔU_jf = <y_j f^x_f (pV)_f>, ΔW_if = <x_i f^y_f (pV)_f>,
    Δc = <p>, Δb = <y - b> (Gaussian) or <y> (binary), with p = p(h | x, y)."""
    model = random_gated(4, 5, 3, 6, generator, output, scale=0.4)
    x, y = data(model, 9, generator)

    def statistics(y_rows):
        p = model.hidden_probs(y_rows, x_perm)
        fx, fy, pv = x_perm @ model.W, y_rows @ model.U, p @ model.V
        db = (y_rows - model.b) if output == "gaussian" else y_rows
        return [x_perm.T @ (fy * pv), y_rows.T @ (fx * pv), p.T @ (fx * fy), db.sum(0), p.sum(0)]

    seed = 11
    replay = torch.Generator().manual_seed(seed)
    order = torch.randperm(9, generator=replay)                               # fit shuffles first
    x_perm, y_perm = x[order], y[order]
    with torch.no_grad():
        y_k = model.gibbs(y_perm, x_perm, 2, generator=replay)
        expected = [(a - b) / 9 for a, b in zip(statistics(y_perm), statistics(y_k))]
        before = [p.detach().clone() for p in (model.W, model.U, model.V, model.b, model.c)]
    train_gated_rbm(model, x, y, n_sweeps=2, epochs=1, batch_size=9, generator=torch.Generator().manual_seed(seed),
                    optimizer=torch.optim.SGD(model.parameters(), lr=1.0))
    after = (model.W, model.U, model.V, model.b, model.c)
    for name, old, new, step in zip("WUVbc", before, after, expected):
        torch.testing.assert_close(new.detach() - old, step, msg=name)


def test_trained_on_shifts_it_transfers_the_shift_to_new_images():
    """Infer h from (x, y), apply it to a new x' with the same shift: far better than predicting
    x' itself (identity) or the mean image."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    size, max_shift = 9, 2
    train = shift_pairs(4000, size=size, max_shift=max_shift, generator=g)
    mean, std = train.x.mean(), train.x.std()
    model = FactoredGatedRBM(size**2, size**2, 64, 32, weight_scale=0.05, generator=g)
    train_gated_rbm(model, (train.x - mean) / std, (train.y - mean) / std, epochs=10, lr=1e-2, batch_size=100,
                    generator=g)
    pairs = shift_pairs(500, size=size, max_shift=max_shift, generator=g)
    new = shift_pairs(500, size=size, max_shift=max_shift, shifts=pairs.transform, generator=g)
    h = model.infer_transformation((pairs.x - mean) / std, (pairs.y - mean) / std)
    pred = model.apply_transformation(h, (new.x - mean) / std) * std + mean
    error = ((pred - new.y) ** 2).mean().item()
    identity = ((new.x - new.y) ** 2).mean().item()
    mean_image = ((train.y.mean(0) - new.y) ** 2).mean().item()
    assert error < 0.6 * min(identity, mean_image), (error, identity, mean_image)   # about 0.44
    # the mapping units carry the shift: pairs with the same shift get similar codes
    same = pairs.transform[:, None, :].eq(pairs.transform[None]).all(-1)
    distance = torch.cdist(h, h)
    assert distance[same].mean() < 0.7 * distance[~same].mean()                  # about 0.57


def test_clear_errors(generator):
    model = FactoredGatedRBM(4, 5, 3, 2)
    x, y = torch.zeros(6, 4), torch.zeros(6, 5)
    with pytest.raises(ValueError, match="output"):
        FactoredGatedRBM(4, 5, 3, 2, output="poisson")
    with pytest.raises(ValueError, match="n_factors"):
        FactoredGatedRBM(4, 5, 0, 2)
    with pytest.raises(ValueError, match="y: expected last dimension 5"):
        model.free_energy(torch.zeros(6, 4), x)
    with pytest.raises(ValueError, match="x: expected 6 rows like y"):
        model.free_energy(y, torch.zeros(5, 4))
    with pytest.raises(ValueError, match="x_new"):
        model.apply_transformation(torch.zeros(6, 2), torch.zeros(6, 3))
    with pytest.raises(TypeError, match="model"):
        train_gated_rbm(torch.nn.Linear(2, 2), x, y)
    with pytest.raises(ValueError, match="n_sweeps"):
        train_gated_rbm(model, x, y, n_sweeps=0)
    assert math.isfinite(model.free_energy(y, x).sum().item())
