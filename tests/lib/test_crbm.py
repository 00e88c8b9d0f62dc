"""Conditional RBMs (lecture 9) against brute-force enumeration, exact p(y | x), autograd and the
joint RBM they come from; prediction against exhaustive search; training against exact
conditional likelihoods."""
import math

import pytest
import torch
import torch.nn.functional as F

from energylab.data import digits_inpainting, load_digits
from energylab.models.crbm import ConditionalRBM, train_crbm
from energylab.models.rbm import BernoulliRBM
from energylab.samplers import enumerate_states, tv_bound, tv_distance
from energylab.train import PersistentChains, cd_gradient, likelihood_gradient

F64 = torch.float64


def random_crbm(n_x, n_y, n_h, generator, *, input_to_output=True, scale=1.0):
    crbm = ConditionalRBM(n_x, n_y, n_h, input_to_output=input_to_output, weight_scale=scale,
                          generator=generator, dtype=F64)
    with torch.no_grad():
        for p in (crbm.b, crbm.c) + ((crbm.A,) if input_to_output else ()):
            p.normal_(0.0, 0.7, generator=generator)
    return crbm


def brute_energies(crbm, x):
    """E(y, h; x) for every (y, h) and every row of x: (n, 2**n_y, 2**n_h), summed out explicitly."""
    ys, hs = enumerate_states(crbm.n_outputs, dtype=F64), enumerate_states(crbm.n_hidden, dtype=F64)
    out = torch.empty(x.shape[0], len(ys), len(hs), dtype=F64)
    for r in range(x.shape[0]):
        for k, h in enumerate(hs):
            out[r, :, k] = crbm.energy(ys, h.expand(len(ys), -1), x[r].expand(len(ys), -1)).detach()
    return out


# ----- the model against enumeration --------------------------------------------------------------
@pytest.mark.parametrize("input_to_output", [True, False])
def test_free_energy_and_conditionals_are_brute_force_marginals(input_to_output, generator):
    crbm = random_crbm(3, 4, 5, generator, input_to_output=input_to_output)
    x = torch.randn(3, 3, generator=generator, dtype=F64)                  # real-valued input
    energies = brute_energies(crbm, x)                                     # (3, 16, 32)
    ys, hs = enumerate_states(4, dtype=F64), enumerate_states(5, dtype=F64)
    for r in range(3):
        xr = x[r].expand(16, -1)
        torch.testing.assert_close(crbm.free_energy(ys, xr), -torch.logsumexp(-energies[r], 1))
        torch.testing.assert_close(crbm.hidden_probs(ys, xr), torch.softmax(-energies[r], 1) @ hs)  # p(h | x, y)
        post_y = torch.softmax(-energies[r], 0)                            # p(y | x, h), one column per h
        torch.testing.assert_close(crbm.output_probs(hs, x[r].expand(32, -1)), post_y.T @ ys)


@pytest.mark.parametrize("n_y, n_h", [(4, 6), (6, 4)])     # both branches: enumerate y, enumerate h
def test_exact_conditional_likelihood_sums_to_one(n_y, n_h, generator):
    crbm = random_crbm(3, n_y, n_h, generator)
    x = torch.rand(5, 3, generator=generator, dtype=F64).round()            # binary input
    brute = torch.logsumexp(-brute_energies(crbm, x).flatten(1), 1)
    torch.testing.assert_close(crbm.log_partition(x), brute)
    ys = enumerate_states(n_y, dtype=F64)
    for r in range(5):
        xr = x[r].expand(len(ys), -1)
        total = crbm.log_prob(ys, xr).exp().sum()
        torch.testing.assert_close(total, torch.ones((), dtype=F64))
    # log Z differs between inputs: one partition function per x
    assert crbm.log_partition(x).unique().numel() == len(x.unique(dim=0))


def test_log_partition_blocks_agree_with_one_block(generator, monkeypatch):
    import energylab.models.crbm as crbm_module

    crbm = random_crbm(4, 7, 9, generator, scale=0.5)
    x = torch.randn(11, 4, generator=generator, dtype=F64)
    whole = crbm.log_partition(x)
    monkeypatch.setattr(crbm_module, "_BLOCK", 50)                          # many row and state blocks
    torch.testing.assert_close(crbm.log_partition(x), whole)


def test_clamped_gibbs_matches_exact_p_y_given_x(generator):
    crbm = random_crbm(3, 5, 4, generator)
    x = torch.randn(3, 3, generator=generator, dtype=F64)
    ys = enumerate_states(5, dtype=F64)
    chains = 20000
    for r in range(3):
        xr = x[r:r + 1].expand(chains, -1)
        log_p = crbm.log_prob(ys, x[r:r + 1].expand(32, -1)).detach()
        samples = crbm.sample(xr, 40, generator=generator)
        assert tv_distance(samples, log_p) < tv_bound(log_p, chains)
        y0 = torch.ones(chains, 5, dtype=F64)                               # gibbs from a fixed start
        assert tv_distance(crbm.gibbs(y0, xr, 40, generator=generator), log_p) < tv_bound(log_p, chains)
        # the bound has power: the samples of x_r fail against another input's p(y | x)
        other = crbm.log_prob(ys, x[(r + 1) % 3:(r + 1) % 3 + 1].expand(32, -1)).detach()
        assert tv_distance(samples, other) > tv_bound(other, chains)


def test_joint_rbm_conditional_is_a_crbm(generator):
    """p(y | x) of an RBM over v = [x, y], by normalising its joint p(x, y) over y."""
    rbm = BernoulliRBM(7, 5, weight_scale=1.0, generator=generator, dtype=F64)
    with torch.no_grad():
        rbm.b.normal_(generator=generator), rbm.c.normal_(generator=generator)
    crbm = ConditionalRBM.from_joint(rbm, 3)
    assert (crbm.n_inputs, crbm.n_outputs, crbm.n_hidden, crbm.A) == (3, 4, 5, None)
    xs, ys = enumerate_states(3, dtype=F64), enumerate_states(4, dtype=F64)
    for x in xs:
        joint = rbm.log_prob(torch.cat([x.expand(16, -1), ys], 1))
        torch.testing.assert_close(crbm.log_prob(ys, x.expand(16, -1)), torch.log_softmax(joint, 0))
    with pytest.raises(ValueError, match="n_inputs"):
        ConditionalRBM.from_joint(rbm, 7)


# ----- learning ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("input_to_output", [True, False])
def test_cd_gradient_is_autograd_of_the_free_energy_difference(input_to_output, generator):
    crbm = random_crbm(4, 6, 3, generator, input_to_output=input_to_output, scale=0.5)
    x = torch.randn(8, 4, generator=generator, dtype=F64)
    y = torch.rand(8, 6, generator=generator, dtype=F64).round()
    for n_sweeps in (1, 3):
        seed = int(torch.randint(0, 2**31, (1,), generator=generator))
        grad = crbm.gradient(y, x, n_sweeps, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():   # the same chain, replayed: y_k
            _, y_k = cd_gradient(crbm.rbm, y, n_sweeps, biases=crbm.biases(x), generator=torch.Generator().manual_seed(seed))
        crbm.zero_grad()
        (crbm.free_energy(y, x).mean() - crbm.free_energy(y_k, x).mean()).backward()
        for name in ("W", "b", "c", "A", "B"):
            param = getattr(crbm, name)
            if param is None:
                assert getattr(grad, name) is None
            else:
                torch.testing.assert_close(getattr(grad, name), -param.grad, msg=name)


def test_pcd_gradient_uses_each_rows_chain(generator):
    crbm = random_crbm(4, 6, 3, generator, scale=0.5)
    x = torch.randn(5, 4, generator=generator, dtype=F64)
    y = torch.rand(5, 6, generator=generator, dtype=F64).round()
    chains = PersistentChains(crbm.rbm, 5, hidden=torch.rand(5, 3, generator=generator, dtype=F64).round())
    before = chains.hidden.clone()
    grad = crbm.gradient(y, x, 1, chains=chains, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        biases = crbm.biases(x)
        y_model = crbm.rbm.sample_visible(before, biases=biases, generator=torch.Generator().manual_seed(3))
        expected = likelihood_gradient(crbm.rbm, y, y_model, biases=biases)
    torch.testing.assert_close(grad.W, expected.W)
    torch.testing.assert_close(grad.A, x.T @ expected.b)
    torch.testing.assert_close(grad.B, x.T @ expected.c)
    assert not torch.equal(chains.hidden, before)


def test_the_seeds_hidden_posterior_is_not_the_gradient(generator):
    """Lecture 9 §3: the positive phase needs p(h | x, y) = σ(ĉ(x) + yᵀW); the seed's σ(Bᵀx) is wrong."""
    crbm = random_crbm(4, 6, 3, generator, scale=0.8)
    x = torch.randn(8, 4, generator=generator, dtype=F64)
    y = torch.rand(8, 6, generator=generator, dtype=F64).round()
    crbm.zero_grad()
    crbm.free_energy(y, x).mean().backward()                     # -∂ mean F / ∂W = <y p(h|x,y)ᵀ>
    right = y.T @ crbm.hidden_probs(y, x).detach() / 8
    seed = y.T @ torch.sigmoid(x @ crbm.B).detach() / 8
    torch.testing.assert_close(right, -crbm.W.grad)
    assert (seed + crbm.W.grad).abs().max() > 0.1


def test_training_learns_what_independent_outputs_cannot():
    """All outputs equal one coin flip, whatever x: a factorised p(y | x) pays at least n_y log 2
    nats or puts almost no mass on one of the two answers (p(on) p(off) <= 4**-n_y); the CRBM
    can reach log 2 (exact log p(y | x)).  CD-1 learns both answers but not their weights (its
    chains never cross between them, Lecture 9 §7); PCD-5 gets both."""
    g = torch.Generator().manual_seed(0)
    n, n_y = 600, 6
    x = torch.randn(n, 3, generator=g, dtype=F64)
    y = torch.randint(0, 2, (n, 1), generator=g).to(F64).expand(n, n_y).contiguous()
    on, off = torch.ones(n, n_y, dtype=F64), torch.zeros(n, n_y, dtype=F64)
    for method, n_sweeps in (("cd", 1), ("pcd", 5)):
        crbm = ConditionalRBM(3, n_y, 4, weight_scale=0.1, generator=g, dtype=F64)
        assert -crbm.log_prob(y, x).mean().item() > n_y * math.log(2) - 0.1
        chains = train_crbm(crbm, y, x, method=method, n_sweeps=n_sweeps, lr=0.1, batch_size=20, epochs=60,
                            generator=g)
        assert (chains is None) == (method == "cd")
        p_on, p_off = crbm.log_prob(on, x).exp(), crbm.log_prob(off, x).exp()
        assert (p_on + p_off).mean() > 0.85, method                     # the correlation is learned
        if method == "pcd":
            assert -crbm.log_prob(y, x).mean().item() < 2.0            # vs n_y log 2 = 4.16
            assert (p_on * p_off).mean() > 0.1 > 4.0**-n_y
        else:
            assert p_on.mean() > 0.8 and p_off.mean() < 0.05           # ... but CD-1 weighs them wrongly


def test_train_crbm_on_the_digit_halves_beats_independent_logistic_outputs():
    g = torch.Generator().manual_seed(0)
    data = digits_inpainting("bottom", scaling="binary", generator=g, dtype=F64)
    x, y = data.x_train[:600], data.y_train[:600]
    crbm = ConditionalRBM(32, 32, 8, weight_scale=0.05, generator=g, dtype=F64)
    train_crbm(crbm, y, x, lr=0.1, batch_size=20, epochs=30, generator=g)
    logistic = torch.nn.Linear(32, 32).double()      # independent outputs, L2 tuned on these test rows
    opt = torch.optim.LBFGS(logistic.parameters(), max_iter=100)

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(logistic(x), y, reduction="sum") / len(x)
        (loss + 1e-3 * logistic.weight.pow(2).sum()).backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        x_t, y_t = data.x_test[:200], data.y_test[:200]
        crbm_nll = -crbm.log_prob(y_t, x_t).mean().item()
        indep_nll = F.binary_cross_entropy_with_logits(logistic(x_t), y_t, reduction="none").sum(-1).mean().item()
    assert crbm_nll < indep_nll - 0.5, (crbm_nll, indep_nll)     # about 9.5 vs 10.4 nats


# ----- prediction ------------------------------------------------------------------------------------
def flip_gains(crbm, y, x):
    """F(y with output j flipped) - F(y), (n, n_y), by brute force."""
    out = []
    for j in range(crbm.n_outputs):
        flipped = y.clone()
        flipped[:, j] = 1 - flipped[:, j]
        out.append(crbm.free_energy(flipped, x) - crbm.free_energy(y, x))
    return torch.stack(out, 1).detach()


def test_predictions_are_the_argmin_or_a_local_minimum_of_the_free_energy(generator):
    crbm = random_crbm(4, 8, 6, generator, scale=1.5)
    x = torch.randn(200, 4, generator=generator, dtype=F64)
    ys = enumerate_states(8, dtype=F64)
    table = torch.stack([crbm.free_energy(ys, xr.expand(256, -1)) for xr in x]).detach()   # (200, 256)
    best = ys[table.argmin(1)]
    torch.testing.assert_close(crbm.predict(x, method="exhaustive"), best)
    torch.testing.assert_close(crbm.predict(x), best)                               # auto: exhaustive
    for method in ("mean_field", "anneal"):
        pred = crbm.predict(x, method=method, generator=generator)
        assert pred.shape == (200, 8) and set(pred.unique().tolist()) <= {0.0, 1.0}
        assert (flip_gains(crbm, pred, x) >= -1e-12).all(), method               # no single flip helps
    hits = (crbm.predict(x, method="anneal", n_sweeps=200, generator=generator) == best).all(1).double().mean()
    assert hits > 0.95


def test_anneal_sweep_at_beta_one_samples_p_y_given_x(generator):
    """Single-output Gibbs on e^{-F} is a second exact sampler of p(y | x)."""
    crbm = random_crbm(3, 5, 4, generator)
    x = torch.randn(1, 3, generator=generator, dtype=F64)
    chains = 20000
    b, c = crbm.biases(x.expand(chains, -1))
    y = torch.zeros(chains, 5, dtype=F64)
    with torch.no_grad():
        for _ in range(30):
            y = crbm._output_sweep(y, b, c, 1.0, generator)
    log_p = crbm.log_prob(enumerate_states(5, dtype=F64), x.expand(32, -1)).detach()
    assert tv_distance(y, log_p) < tv_bound(log_p, chains)


# ----- devices, dtypes, errors ------------------------------------------------------------------------
def test_binary_digit_halves_have_the_split_of_the_unit_ones():
    unit = digits_inpainting(generator=torch.Generator().manual_seed(3))
    binary = digits_inpainting(scaling="binary", generator=torch.Generator().manual_seed(3))
    images = load_digits("binary").images
    assert set(binary.y_train.unique().tolist()) == {0.0, 1.0}
    torch.testing.assert_close(binary.label_test, unit.label_test)
    torch.testing.assert_close((unit.y_test * 16 > 7).float(), binary.y_test)
    assert images[:, 32:].sum() == binary.y_train.sum() + binary.y_test.sum()
    with pytest.raises(ValueError, match="scaling"):
        digits_inpainting(scaling="spins")


def test_clear_errors():
    crbm = ConditionalRBM(3, 4, 2)
    x, y = torch.zeros(5, 3), torch.zeros(5, 4)
    with pytest.raises(ValueError, match="y: expected last dimension 4"):
        crbm.free_energy(torch.zeros(5, 3), x)
    with pytest.raises(ValueError, match="x: expected 5 rows like y"):
        crbm.free_energy(y, torch.zeros(4, 3))
    with pytest.raises(TypeError, match="x: expected a floating-point"):
        crbm.biases(torch.zeros(5, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="method"):
        crbm.predict(x, method="greedy")
    with pytest.raises(ValueError, match="n_restarts"):
        crbm.predict(x, method="anneal", n_restarts=0)
    with pytest.raises(ValueError, match="beta_range"):
        crbm.predict(x, method="anneal", beta_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="method"):
        train_crbm(crbm, y, x, method="sgd")
    with pytest.raises(ValueError, match="chains: expected one chain per training example"):
        train_crbm(crbm, y, x, method="pcd", chains=PersistentChains(crbm.rbm, 4))
    with pytest.raises(TypeError, match="crbm"):
        train_crbm(crbm.rbm, y, x)
    with pytest.raises(TypeError, match="rbm"):
        ConditionalRBM.from_joint(crbm, 2)
    with pytest.raises(ValueError, match="log_z"):
        crbm.log_prob(y, x, log_z=torch.zeros(4))
    with pytest.raises(ValueError, match="n_sweeps"):
        crbm.gibbs(y, x, -1)
    with pytest.raises(ValueError, match="exact log Z"):
        ConditionalRBM(3, 30, 30).log_partition(x)
