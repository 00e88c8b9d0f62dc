"""The loss zoo against closed forms, special cases and gradcheck."""
import math

import pytest
import torch
import torch.nn.functional as F

from energylab import losses as L


def _table(generator, B=5, C=4):
    energies = torch.randn(B, C, generator=generator, dtype=torch.float64)
    target = torch.randint(C, (B,), generator=generator)
    return energies, target


def _pos(energies, target):
    return energies.gather(1, target[:, None])[:, 0]


def test_nll_with_beta_one_is_cross_entropy_on_minus_energy(generator):
    energies, target = _table(generator)
    loss = L.nll_loss(_pos(energies, target), energies, beta=1.0)
    assert torch.allclose(loss, F.cross_entropy(-energies, target))


def test_nll_at_beta_is_scaled_cross_entropy(generator):
    energies, target = _table(generator)
    beta = 2.5
    loss = L.nll_loss(_pos(energies, target), energies, beta=beta)
    assert torch.allclose(loss, F.cross_entropy(-beta * energies, target) / beta)


def test_nll_on_a_grid_is_minus_log_density():
    # E(y) = y^2/2 on a fine grid: NLL = E(y_i) + log sqrt(2 pi) = -log N(y_i; 0, 1).
    grid = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    e_all = (grid ** 2 / 2).expand(3, -1)
    y = torch.tensor([-1.0, 0.2, 2.0], dtype=torch.float64)
    nll = L.nll_loss(y ** 2 / 2, e_all, log_measure=math.log(0.01), reduction="none")
    expected = -torch.distributions.Normal(0.0, 1.0).log_prob(y)
    assert torch.allclose(nll, expected, atol=1e-9)


def test_infonce_is_cross_entropy_with_the_positive_first(generator):
    e_pos = torch.randn(6, generator=generator, dtype=torch.float64)
    e_neg = torch.randn(6, 3, generator=generator, dtype=torch.float64)
    logits = -torch.cat([e_pos[:, None], e_neg], dim=1)
    target = torch.zeros(6, dtype=torch.long)
    assert torch.allclose(L.infonce_loss(e_pos, e_neg), F.cross_entropy(logits, target))
    assert torch.allclose(L.infonce_loss(e_pos, e_neg, beta=3.0), F.cross_entropy(3.0 * logits, target))


def test_infonce_with_all_wrong_answers_is_beta_times_nll(generator):
    energies, target = _table(generator)
    beta = 0.7
    infonce = L.loss_on_answers("InfoNCE", energies, target, beta=beta)
    nll = L.loss_on_answers("NLL/MMI", energies, target, beta=beta)
    assert torch.allclose(infonce, beta * nll)


def test_hinge_is_relu_of_margin_plus_difference(generator):
    e_pos = torch.randn(8, generator=generator, dtype=torch.float64)
    e_neg = torch.randn(8, generator=generator, dtype=torch.float64)
    out = L.hinge_loss(e_pos, e_neg, margin=0.5, reduction="none")
    assert torch.equal(out, torch.relu(0.5 + e_pos - e_neg))
    e_neg_k = torch.randn(8, 3, generator=generator, dtype=torch.float64)
    out_k = L.hinge_loss(e_pos, e_neg_k, margin=0.5, reduction="none")
    assert torch.allclose(out_k, torch.relu(0.5 + e_pos[:, None] - e_neg_k).mean(1))


def test_pairwise_hinge_with_constant_margin_is_hinge(generator):
    e_pos = torch.randn(4, generator=generator, dtype=torch.float64)
    e_neg = torch.randn(4, 5, generator=generator, dtype=torch.float64)
    margins = torch.full((4, 5), 0.3, dtype=torch.float64)
    assert torch.allclose(L.pairwise_hinge_loss(e_pos, e_neg, margins), L.hinge_loss(e_pos, e_neg, 0.3))
    # answer-dependent margin: a pair only stops once E(ŷ) >= E(y) + m(y, ŷ)
    m = torch.tensor([[0.0, 1.0, 2.0]], dtype=torch.float64)
    out = L.pairwise_hinge_loss(torch.zeros(1, dtype=torch.float64), torch.full((1, 3), 1.5, dtype=torch.float64), m,
                                reduction="none")
    assert torch.allclose(out, torch.tensor([0.5 / 3], dtype=torch.float64))


def test_perceptron_is_energy_minus_minimum(generator):
    energies, target = _table(generator)
    out = L.perceptron_loss(_pos(energies, target), energies, reduction="none")
    assert torch.allclose(out, _pos(energies, target) - energies.min(1).values)
    assert (out >= 0).all()
    best = energies.argmin(1)
    assert torch.all(L.perceptron_loss(_pos(energies, best), energies, reduction="none") == 0)


def test_pairwise_losses_match_their_formulas(generator):
    p = torch.randn(7, generator=generator, dtype=torch.float64)
    n = torch.randn(7, generator=generator, dtype=torch.float64) + 0.5
    none = dict(reduction="none")
    assert torch.allclose(L.log_loss(p, n, **none), torch.log1p(torch.exp(p - n)))
    assert torch.allclose(L.mce_loss(p, n, **none), 1 / (1 + torch.exp(-(p - n))))
    assert torch.allclose(L.lvq2_loss(p, n, cap=0.4, **none), torch.clamp(torch.clamp(p - n, min=0), max=0.4))
    pp = p.abs()
    assert torch.allclose(L.square_square_loss(pp, n, margin=1.0, **none), pp ** 2 + torch.clamp(1 - n, min=0) ** 2)
    assert torch.allclose(L.square_exp_loss(pp, n, gamma=2.0, **none), pp ** 2 + 2.0 * torch.exp(-n))
    assert torch.allclose(L.simple_loss(pp, n, margin=1.0, **none), pp + torch.clamp(1 - n, min=0))
    assert torch.allclose(L.energy_loss(p, **none), p)


def test_mee_is_one_minus_gibbs_probability(generator):
    energies, target = _table(generator)
    out = L.mee_loss(_pos(energies, target), energies, beta=2.0, reduction="none")
    p = torch.softmax(-2.0 * energies, dim=1).gather(1, target[:, None])[:, 0]
    assert torch.allclose(out, 1 - p)


def test_reductions(generator):
    p = torch.randn(5, generator=generator, dtype=torch.float64)
    n = torch.randn(5, generator=generator, dtype=torch.float64)
    per = L.log_loss(p, n, reduction="none")
    assert per.shape == (5,)
    assert torch.allclose(L.log_loss(p, n), per.mean())
    assert torch.allclose(L.log_loss(p, n, reduction="sum"), per.sum())


def test_loss_on_answers_uses_the_most_offending_incorrect_answer():
    energies = torch.tensor([[0.5, 0.2, 3.0, 0.4]], dtype=torch.float64)   # correct = 0; most offending = 1
    target = torch.tensor([0])
    assert torch.allclose(L.loss_on_answers("hinge", energies, target, margin=1.0), torch.tensor(1.3, dtype=torch.float64))
    assert torch.allclose(L.loss_on_answers("perceptron", energies, target), torch.tensor(0.3, dtype=torch.float64))


def _per_example(name, e, t, m, beta):
    """The table's formula for one example, written with plain Python floats: ``e`` is the list
    of the C energies, ``t`` the correct index, ȳ the most offending incorrect answer."""
    pos = e[t]
    wrong = [v for i, v in enumerate(e) if i != t]
    neg = min(wrong)
    relu = lambda v: max(v, 0.0)                                             # noqa: E731
    log_z = math.log(sum(math.exp(-beta * v) for v in e))
    return {
        "energy": pos,
        "perceptron": pos - min(e),
        "hinge": relu(m + pos - neg),
        "pairwise hinge": sum(relu(m + pos - v) for v in wrong) / len(wrong),
        "log": math.log1p(math.exp(pos - neg)),
        "LVQ2": min(m, relu(pos - neg)),
        "MCE": 1 / (1 + math.exp(-(pos - neg))),
        "square-square": relu(pos) ** 2 + relu(m - neg) ** 2,
        "square-exp": relu(pos) ** 2 + m * math.exp(-neg),
        "NLL/MMI": pos + log_z / beta,
        "MEE": 1 - math.exp(-beta * pos - log_z),
        "simple": relu(pos) + relu(m - neg),
        "InfoNCE": beta * pos + log_z,
    }[name]


def test_every_table_row_through_loss_on_answers_equals_its_formula(generator):
    energies, target = _table(generator, B=6, C=5)
    for name in L.LOSSES:
        for margin, beta in ((1.0, 1.0), (2.5, 0.3)):
            value = L.loss_on_answers(name, energies, target, margin=margin, beta=beta, reduction="none")
            expected = [_per_example(name, row.tolist(), int(t), margin, beta) for row, t in zip(energies, target)]
            torch.testing.assert_close(value, torch.tensor(expected, dtype=torch.float64), msg=name)


GRADCHECK_CASES = {
    "energy": lambda p, n, a: L.energy_loss(p),
    "perceptron": lambda p, n, a: L.perceptron_loss(p, a),
    "hinge": lambda p, n, a: L.hinge_loss(p, n, 2.0),
    "pairwise hinge": lambda p, n, a: L.pairwise_hinge_loss(p, n, torch.linspace(1.5, 2.5, n.shape[1], dtype=n.dtype)),
    "log": lambda p, n, a: L.log_loss(p, n),
    "LVQ2": lambda p, n, a: L.lvq2_loss(p, n - 1.0, cap=10.0),
    "MCE": lambda p, n, a: L.mce_loss(p, n),
    "square-square": lambda p, n, a: L.square_square_loss(p.abs() + 0.1, n, 3.0),
    "square-exp": lambda p, n, a: L.square_exp_loss(p.abs() + 0.1, n, 0.5),
    "NLL/MMI": lambda p, n, a: L.nll_loss(p, a, 1.7),
    "MEE": lambda p, n, a: L.mee_loss(p, a, 0.8),
    "simple": lambda p, n, a: L.simple_loss(p.abs() + 0.1, n, 3.0),
    "InfoNCE": lambda p, n, a: L.infonce_loss(p, n, 1.3),
}


def test_gradcheck_covers_every_loss_in_the_table():
    assert set(GRADCHECK_CASES) == set(L.LOSSES)


@pytest.mark.parametrize("name", sorted(GRADCHECK_CASES))
def test_gradcheck(name, generator):
    p = torch.randn(4, generator=generator, dtype=torch.float64, requires_grad=True)
    n = torch.randn(4, 3, generator=generator, dtype=torch.float64, requires_grad=True)
    a = torch.randn(4, 5, generator=generator, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(GRADCHECK_CASES[name], (p, n, a))


def test_table_and_markdown():
    names = [row.name for row in L.LOSS_TABLE]
    for expected in ["energy", "perceptron", "hinge", "log", "LVQ2", "MCE", "square-square", "square-exp",
                     "NLL/MMI", "MEE", "simple", "pairwise hinge", "InfoNCE"]:
        assert expected in names
    margins = {row.name: row.margin for row in L.LOSS_TABLE}
    assert margins["hinge"] == "m" and margins["perceptron"] == "0" and margins["energy"] == "none"
    md = L.loss_table_markdown()
    assert md.splitlines()[0] == "| loss | formula | margin |"
    assert len(md.splitlines()) == 2 + len(L.LOSS_TABLE)


def test_clear_errors(generator):
    p = torch.randn(4, generator=generator)
    with pytest.raises(ValueError, match="e_neg"):
        L.hinge_loss(p, torch.randn(3, generator=generator))
    with pytest.raises(ValueError, match="margin"):
        L.hinge_loss(p, p, margin=-1.0)
    with pytest.raises(TypeError, match="e_pos"):
        L.log_loss([1.0, 2.0], p)
    with pytest.raises(ValueError, match="beta"):
        L.nll_loss(p, p[None].expand(4, 4), beta=0.0)
    with pytest.raises(ValueError, match="reduction"):
        L.energy_loss(p, reduction="avg")
    with pytest.raises(ValueError, match="margins"):
        L.pairwise_hinge_loss(p, torch.zeros(4, 3), torch.zeros(5))
    with pytest.raises(ValueError, match="name"):
        L.loss_on_answers("contrastive divergence", torch.zeros(4, 3), torch.zeros(4, dtype=torch.long))
    with pytest.raises(TypeError, match="target"):
        L.loss_on_answers("hinge", torch.zeros(4, 3), torch.zeros(4))


def test_contrastive_loss_is_the_ml_surrogate_plus_the_energy_penalty(generator):
    e_pos = torch.randn(7, generator=generator, dtype=torch.float64, requires_grad=True)
    e_neg = torch.randn(11, generator=generator, dtype=torch.float64, requires_grad=True)
    out = L.contrastive_loss(e_pos, e_neg, energy_penalty=0.3)
    torch.testing.assert_close(out.contrast, e_pos.mean() - e_neg.mean())
    torch.testing.assert_close(out.penalty, (e_pos ** 2).mean() + (e_neg ** 2).mean())
    torch.testing.assert_close(out.loss, out.contrast + 0.3 * out.penalty)
    (g_pos, g_neg) = torch.autograd.grad(L.contrastive_loss(e_pos, e_neg).loss, (e_pos, e_neg))
    torch.testing.assert_close(g_pos, torch.full_like(e_pos, 1 / 7))      # push every data energy down
    torch.testing.assert_close(g_neg, torch.full_like(e_neg, -1 / 11))    # pull every sample energy up
    with pytest.raises(ValueError, match="energy_penalty"):
        L.contrastive_loss(e_pos, e_neg, energy_penalty=-1.0)
