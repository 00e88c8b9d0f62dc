"""Bad-input specs for RBMs, conditional RBMs and sigmoid belief nets: energylab.models.rbm, .crbm, .sbn (Lectures 08, 09, 10).

Part of tests/lib/bad_input_specs.py (which merges the ``SPECS`` of every
``bad_input_specs_*.py``): the same kinds, the same rules.  Shared valid inputs may be imported from
``bad_input_specs`` (it imports this file last, once its own names exist).
"""
from __future__ import annotations

import torch

from bad_input_specs import CRBM, CX, CY, D, GRBM, HID, RBM, SBN_, V, V4, XV, _g, _rbm, gen, log_z_arg
from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401
from bad_inputs import Layers

from energylab.models import crbm as crbm_mod, rbm as rbm_mod, sbn as sbn_mod
from energylab.train import contrastive_divergence as cdiv


def _updated(model, _result):
    """An in-place update's outcome is the model it updated."""
    return model


# ----- RBMs (Lecture 8) -----
PROBS = torch.sigmoid(torch.linspace(-1, 1, 12, dtype=D)).reshape(3, 4)     # p(h | v) of 3 rows
WEIGHTS = torch.tensor([0.5, 0.5, -1.0], dtype=D)
PATH = RBM.annealing_path()


def rows_of(value, **kw):
    """A (3, ·) tensor whose rows pair with ``v``'s."""
    return T(value, like=True, rows=True, **kw)


SPECS: dict = {
    "energylab.models.rbm.RBM": Spec(lambda n_visible, n_hidden, weight_scale, generator, dtype, device:
                                     rbm_mod.RBM(n_visible, n_hidden, weight_scale=weight_scale, generator=generator,
                                                 dtype=dtype, device=device),
                                     n_visible=I(6), n_hidden=I(4), weight_scale=F(0.01, zero_ok=True), generator=gen,
                                     dtype=Dt(D), device=Dev()),
    "energylab.models.rbm.RBM.visible_input": Spec(lambda v: (RBM.visible_input(v), GRBM.visible_input(v)),
                                                   v=T(XV, like=True),
                                                   note="both layers of the course: v (Bernoulli), v / sigma"),
    "energylab.models.rbm.RBM.bias_input": Spec(lambda v, b: (RBM.bias_input(v, b), GRBM.bias_input(v, b)),
                                                v=T(XV, like=True),
                                                b=T(torch.zeros(6, dtype=D), like=True, ndim=False,
                                                    bad={"(2, 6) per-row biases for 3 rows": torch.zeros(2, 6, dtype=D)}),
                                                note="-dE/db: v (Bernoulli: b does not enter), (v - b) / sigma^2"),
    "energylab.models.rbm.RBM.visible_mean": Spec(lambda h: (RBM.visible_mean(h), GRBM.visible_mean(h)),
                                                  h=T(HID, like=True),
                                                  note="the base class defines the interface; both subclasses walked"),
    "energylab.models.rbm.RBM.statistics": Spec(lambda v, probs, weights, biases: RBM.statistics(v, probs, weights,
                                                                                                biases=biases),
                                                v=T(V, like=True, aka=("probs",)), probs=rows_of(PROBS),
                                                weights=rows_of(WEIGHTS, last=False),
                                                biases=Raw(None, bad={"a string": "b", "b with 2 rows for 3": rbm_mod.Biases(
                                                    torch.zeros(2, 6, dtype=D), torch.zeros(4, dtype=D))})),
    "energylab.models.rbm.RBM.ascend_": Spec(lambda v, probs, weights: _updated(rbm := _rbm(), rbm.ascend_(v, probs, weights)),
                                             v=T(V, like=True, aka=("probs",)),
                                             probs=rows_of(PROBS), weights=rows_of(WEIGHTS, last=False),
                                             note="the result is the updated model (NaN in, NaN parameters out)"),
    "energylab.models.rbm.BernoulliRBM.annealing_path": Spec(lambda base_bias: RBM.annealing_path(base_bias),
                                                             base_bias=T(torch.zeros(6, dtype=D), like=True,
                                                                         empty=None)),
    "energylab.models.rbm.RBMAnnealingPath": Spec(lambda rbm, base_bias: rbm_mod.RBMAnnealingPath(rbm, base_bias),
                                                  rbm=O(RBM, bad={"a Gaussian RBM": GRBM}),
                                                  base_bias=T(torch.zeros(6, dtype=D), like=True, aka=("rbm",),
                                                              empty=None)),
    "energylab.models.rbm.RBMAnnealingPath.sample_base": Spec(lambda n_runs, generator: PATH.sample_base(
                                                                  n_runs, generator=generator),
                                                              n_runs=I(3), generator=gen),
    "energylab.models.rbm.RBMAnnealingPath.log_density": Spec(lambda v, beta: PATH.log_density(v, beta),
                                                              v=T(V, like=True), beta=P(0.5)),
    "energylab.models.rbm.RBMAnnealingPath.transition": Spec(lambda v, beta, generator: PATH.transition(
                                                                 v, beta, generator=generator),
                                                             v=T(V, like=True, inf_ok=True), beta=P(0.5), generator=gen,
                                                             note="sigmoid(±inf) is the right limit"),
}

# ----- conditional RBMs (Lecture 9) -----
CH = (torch.arange(15).reshape(3, 5) % 3 == 0).to(D)             # (3, 5) hidden states of CRBM


def _crbm():
    return crbm_mod.ConditionalRBM(3, 4, 5, generator=_g(), dtype=D)


def _crbm_gradient():
    return CRBM.gradient(CY, CX, generator=_g())


def _crbm_grad_bad():
    good = _crbm_gradient()
    return {"a W of the wrong shape": good._replace(W=good.W[:-1]),
            "no A for a model with A": good._replace(A=None),
            "a float32 B": good._replace(B=good.B.float()),
            "a tuple of three": tuple(good[:3])}


SPECS.update({
    "energylab.models.crbm.ConditionalRBM.biases": Spec(lambda x: CRBM.biases(x), x=T(CX, like=True)),
    "energylab.models.crbm.ConditionalRBM.energy": Spec(lambda y, h, x: CRBM.energy(y, h, x),
                                                        y=T(CY, like=True, empty=None), h=rows_of(CH),
                                                        x=rows_of(CX)),
    "energylab.models.crbm.ConditionalRBM.output_probs": Spec(lambda h, x: CRBM.output_probs(h, x),
                                                              h=T(CH, like=True, empty=None, inf_ok=True),
                                                              x=rows_of(CX, empty=None),
                                                              note="sigmoid(±inf) is the right limit"),
    "energylab.models.crbm.ConditionalRBM.log_partition": Spec(lambda x: CRBM.log_partition(x), x=T(CX, like=True)),
    "energylab.models.crbm.ConditionalRBM.from_joint": Spec(lambda rbm, n_inputs: crbm_mod.ConditionalRBM.from_joint(
                                                                rbm, n_inputs),
                                                            rbm=O(RBM, bad={"a Gaussian RBM": GRBM}),
                                                            n_inputs=I(2, maximum=5)),
    "energylab.models.crbm.ConditionalRBM.sample": Spec(lambda x, n_sweeps, generator: CRBM.sample(
                                                            x, n_sweeps, generator=generator),
                                                        x=T(CX, like=True), n_sweeps=I(2, minimum=0),
                                                        generator=gen),
    "energylab.models.crbm.ConditionalRBM.predict": Spec(lambda x, method, n_sweeps, n_restarts, beta_range, generator:
                                                         CRBM.predict(x, method=method, n_sweeps=n_sweeps,
                                                                      n_restarts=n_restarts, beta_range=beta_range,
                                                                      generator=generator),
                                                         x=T(CX, like=True), method=C("anneal"), n_sweeps=I(3),
                                                         n_restarts=I(2),
                                                         beta_range=Raw((0.5, 20.0), bad={
                                                             "start above end": (2.0, 1.0), "a zero start": (0.0, 1.0),
                                                             "an infinite end": (1.0, float("inf")), "a string": "0.5-20",
                                                             "a list": [0.5, 20.0], "three numbers": (0.5, 1.0, 2.0)}),
                                                         generator=gen,
                                                         note="a decoded output is discrete: non-finite x is refused"),
    "energylab.models.crbm.ConditionalRBM.gradient": Spec(lambda y, x, n_sweeps, chains, generator: CRBM.gradient(
                                                              y, x, n_sweeps, chains=chains, generator=generator),
                                                          y=T(CY, like=True, empty=None),
                                                          x=rows_of(CX, empty=None), n_sweeps=I(1),
                                                          chains=O(lambda: cdiv.PersistentChains(CRBM.rbm, 3), fresh=True,
                                                                   bad={"2 chains for 3 rows": cdiv.PersistentChains(
                                                                            CRBM.rbm, 2),
                                                                        "chains of 4 hidden units for 5":
                                                                            cdiv.PersistentChains(RBM, 3)}),
                                                          generator=gen),
    "energylab.models.crbm.ConditionalRBM.ascend_": Spec(lambda grad, lr, weight_decay: _updated(
                                                             crbm := _crbm(), crbm.ascend_(grad, lr, weight_decay)),
                                                         grad=O(_crbm_gradient, fresh=True, bad=_crbm_grad_bad()),
                                                         lr=F(0.1), weight_decay=F(0.0, zero_ok=True),
                                                         note="the result is the updated model"),
})

# ----- sigmoid belief nets and Helmholtz machines (Lecture 10) -----
SBN_LAYERS = [V4, (torch.arange(9).reshape(3, 3) % 2).to(D), (torch.arange(6).reshape(3, 2) % 3 == 0).to(D)]
SBN_P = sbn_mod.SigmoidBeliefNet([4, 3, 2], prior=rbm_mod.BernoulliRBM(2, 3, generator=_g(), dtype=D),
                                 generator=_g(), dtype=D)           # a deep belief net: an RBM prior on top
HM = sbn_mod.HelmholtzMachine([4, 3, 2], generator=_g(), dtype=D)
HM_P = sbn_mod.HelmholtzMachine([4, 3, 2], prior=rbm_mod.BernoulliRBM(2, 3, generator=_g(), dtype=D),
                                generator=_g(), dtype=D)


def layers(**kw):
    return Layers(lambda: list(SBN_LAYERS), fresh=True, **kw)


def row_weights(**kw):
    return Raw(None, bad={"2 weights for 3 rows": torch.ones(2, dtype=D), "a (3, 1) tensor": torch.ones(3, 1, dtype=D),
                          "float32 weights": torch.ones(3), "a list": [1.0, 1.0, 1.0]}, **kw)


def _sbn_grad_bad():
    good = SBN_.delta_rule(SBN_LAYERS)
    return {"one W too few": good._replace(W=good.W[:1]), "a b of the wrong shape": good._replace(b=(good.b[0][:-1],
                                                                                                   good.b[1])),
            "no top for a factorial top": good._replace(top=None), "a float32 W": good._replace(
                W=(good.W[0].float(), good.W[1]))}


def _sbn():
    return sbn_mod.SigmoidBeliefNet([4, 3, 2], generator=_g(), dtype=D)


def _hm():
    return sbn_mod.HelmholtzMachine([4, 3, 2], generator=_g(), dtype=D)


SPECS.update({
    "energylab.models.sbn.delta_rule": Spec(lambda x, parents, W, b, weights: sbn_mod.delta_rule(
                                                x, parents, W, b, weights=weights),
                                            x=T(SBN_LAYERS[1], empty="error"),
                                            parents=rows_of(SBN_LAYERS[2], aka=("x",)),
                                            W=T(SBN_.W[1].detach().clone(), like=True, aka=("x",)),
                                            b=T(SBN_.b[1].detach().clone(), like=True, aka=("x",), inf_ok=True),
                                            weights=row_weights(),
                                            note="an infinite bias is a unit that is always on/off: a finite rule"),
    "energylab.models.sbn.SigmoidBeliefNet.check_layers": Spec(lambda layers: SBN_.check_layers(layers),
                                                               layers=layers()),
    "energylab.models.sbn.SigmoidBeliefNet.log_conditionals": Spec(lambda layers: SBN_.log_conditionals(layers),
                                                                   layers=layers()),
    "energylab.models.sbn.SigmoidBeliefNet.log_joint": Spec(lambda layers, log_z: SBN_P.log_joint(layers, log_z=log_z),
                                                            layers=layers(), log_z=log_z_arg(None),
                                                            note="with an RBM prior, so that log_z counts"),
    "energylab.models.sbn.SigmoidBeliefNet.delta_rule": Spec(lambda layers, weights: SBN_.delta_rule(
                                                                 layers, weights=weights),
                                                             layers=layers(), weights=row_weights()),
    "energylab.models.sbn.SigmoidBeliefNet.ascend_": Spec(lambda grad, lr: _updated(sbn := _sbn(), sbn.ascend_(grad, lr)),
                                                          grad=O(lambda: SBN_.delta_rule(SBN_LAYERS), fresh=True,
                                                                 bad=_sbn_grad_bad()),
                                                          lr=F(0.1), note="the result is the updated model"),
    "energylab.models.sbn.SigmoidBeliefNet.hidden_states": Spec(lambda dtype, device: SBN_.hidden_states(
                                                                    dtype=dtype, device=device),
                                                                dtype=Dt(D), device=Dev()),
    "energylab.models.sbn.SigmoidBeliefNet.logits": Spec(lambda l, upper: SBN_.logits(l, upper),
                                                         l=I(1, minimum=0, maximum=1, aka=("upper",)),
                                                         upper=T(SBN_LAYERS[2], like=True)),
    "energylab.models.sbn.SigmoidBeliefNet.log_prior": Spec(lambda top, log_z: SBN_P.log_prior(top, log_z=log_z),
                                                            top=T(SBN_LAYERS[2], like=True), log_z=log_z_arg(None),
                                                            note="with an RBM prior, so that log_z counts"),
    "energylab.models.sbn.SigmoidBeliefNet.posterior": Spec(lambda v, log_z: SBN_P.posterior(v, log_z=log_z),
                                                            v=T(V4, like=True), log_z=log_z_arg(None)),
    "energylab.models.sbn.SigmoidBeliefNet.sample_prior": Spec(lambda n, n_sweeps, generator: SBN_P.sample_prior(
                                                                   n, n_sweeps=n_sweeps, generator=generator),
                                                               n=I(3), n_sweeps=I(2), generator=gen),
    "energylab.models.sbn.SigmoidBeliefNet.sample": Spec(lambda n, n_sweeps, generator: SBN_.sample(
                                                             n, n_sweeps=n_sweeps, generator=generator),
                                                         n=I(3), n_sweeps=I(2), generator=gen,
                                                         note="a factorial top: n_sweeps is checked though unused"),
    "energylab.models.sbn.HelmholtzMachine": Spec(lambda sizes, prior, weight_scale, generator, dtype, device:
                                                  sbn_mod.HelmholtzMachine(sizes, prior=prior, weight_scale=weight_scale,
                                                                           generator=generator, dtype=dtype,
                                                                           device=device),
                                                  sizes=Raw([4, 3, 2], bad={"a zero size": [4, 0, 2], "a string": "4,3,2",
                                                                            "a float size": [4, 2.5]}),
                                                  prior=Raw(None, bad={
                                                      "a string": "rbm",
                                                      "an RBM of the wrong size": rbm_mod.BernoulliRBM(3, 2, dtype=D),
                                                      "a float32 RBM": rbm_mod.BernoulliRBM(2, 3)}),
                                                  weight_scale=F(0.1, zero_ok=True), generator=gen, dtype=Dt(D),
                                                  device=Dev()),
    "energylab.models.sbn.HelmholtzMachine.recognition_probs": Spec(lambda l, lower: HM.recognition_probs(l, lower),
                                                                    l=I(0, minimum=0, maximum=1, aka=("lower",)),
                                                                    lower=T(V4, like=True, inf_ok=True),
                                                                    note="sigmoid(±inf) is the right limit"),
    "energylab.models.sbn.HelmholtzMachine.recognise": Spec(lambda v, sample, generator: HM.recognise(
                                                                v, sample=sample, generator=generator),
                                                            v=T(V4, like=True), sample=B(True),
                                                            generator=gen),
    "energylab.models.sbn.HelmholtzMachine.log_recognition": Spec(lambda layers: HM.log_recognition(layers),
                                                                  layers=layers()),
    "energylab.models.sbn.HelmholtzMachine.recognition_rule": Spec(lambda layers, weights: HM.recognition_rule(
                                                                       layers, weights=weights),
                                                                   layers=layers(), weights=row_weights()),
    "energylab.models.sbn.HelmholtzMachine.elbo": Spec(lambda v, n_samples, log_z, generator: HM_P.elbo(
                                                           v, n_samples=n_samples, log_z=log_z, generator=generator),
                                                       v=T(V4, like=True, empty=None), n_samples=I(2, none_ok=True),
                                                       log_z=log_z_arg(None), generator=gen,
                                                       note="with an RBM prior, so that log_z counts"),
    "energylab.models.sbn.wake_sleep_step": Spec(lambda machine, v, lr, n_sweeps, generator: _updated(
                                                     machine, sbn_mod.wake_sleep_step(machine, v, lr=lr,
                                                                                      n_sweeps=n_sweeps,
                                                                                      generator=generator)),
                                                 machine=O(_hm, fresh=True), v=T(V4, like=True, empty="error"),
                                                 lr=F(0.05), n_sweeps=I(1), generator=gen,
                                                 note="the result is the updated machine"),
    "energylab.models.sbn.train_wake_sleep": Spec(lambda machine, data, epochs, lr, batch_size, n_sweeps, shuffle,
                                                  generator, callback: _updated(machine, sbn_mod.train_wake_sleep(
                                                      machine, data, epochs=epochs, lr=lr, batch_size=batch_size,
                                                      n_sweeps=n_sweeps, shuffle=shuffle, generator=generator,
                                                      callback=callback)),
                                                  machine=O(_hm, fresh=True), data=T(V4, like=True, empty="error"),
                                                  epochs=I(1), lr=F(0.05), batch_size=I(2), n_sweeps=I(1),
                                                  shuffle=B(True), generator=gen,
                                                  callback=Raw(None, bad={"a number": 3, "a string": "print"}),
                                                  note="the result is the trained machine"),
})
