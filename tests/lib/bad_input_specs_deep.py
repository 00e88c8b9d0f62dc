"""Bad-input specs for DBM/DBN: energylab.models.dbm and energylab.models.dbn (Lectures 08 §6, 10).

Part of tests/lib/bad_input_specs.py (which merges the ``SPECS`` of every
``bad_input_specs_*.py``): the same kinds, the same rules.  Shared valid inputs may be imported from
``bad_input_specs`` (it imports this file last, once its own names exist).
"""
from __future__ import annotations

import torch

from bad_input_specs import D, DBM_, HID, V4, _g, _trained, biases_arg, gen, log_z_arg
from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401
from bad_inputs import Layers
from energylab.models import dbm as dbm_mod, dbn as dbn_mod, rbm as rbm_mod


# ----- shared valid inputs ---------------------------------------------------------------------
def _binary(rows, cols, k=2):
    return (torch.arange(rows * cols).reshape(rows, cols) % k == 0).to(D)


H3, H2 = _binary(3, 3), _binary(3, 2, 3)
LAYERS = [V4, H3, H2]                                  # a state [v, h_1, h_2] of DBM_ (sizes 4, 3, 2)
MEANS = [torch.full((3, 3), 0.4, dtype=D), torch.full((3, 2), 0.6, dtype=D)]
COUNTS = (torch.arange(18).reshape(3, 6) % 3).to(D)   # (3, 6) counts in 0..2 of a two-trial BinomialRBM
BIN = dbm_mod.BinomialRBM(6, 4, n_trials=2, generator=_g(), dtype=D)
LRBM = dbn_mod.LabelledRBM(4, 2, 4, generator=_g(), dtype=D)   # 4 features + 2 labels = 6 visible, 4 hidden
LX = V4                                                         # (3, 4) features
LY = torch.tensor([0, 1, 1])                                    # (3,) labels
LV = LRBM.with_labels(LX, LY)                                   # (3, 6) rows [x, one_hot(y)]
DBN_U = dbn_mod.DBN([rbm_mod.BernoulliRBM(4, 3, generator=_g(), dtype=D),
                     rbm_mod.BernoulliRBM(3, 2, generator=_g(1), dtype=D)])
DBN_L = dbn_mod.DBN([rbm_mod.BernoulliRBM(4, 3, generator=_g(), dtype=D),
                     dbn_mod.LabelledRBM(3, 2, 2, generator=_g(1), dtype=D)])
CALLBACK = Raw(None, bad={"a number": 3, "a string": "print"})
#: ``lower`` of greedy_pretrain; a DBN that does not fit ``data`` may be reported against either (aka).
LOWER = Raw(None, aka=("data",), bad={"a string": "dbn", "a labelled DBN": DBN_L,
                                      "a DBN of another visible size": dbn_mod.DBN([rbm_mod.BernoulliRBM(5, 4, dtype=D)]),
                                      "a float32 DBN": dbn_mod.DBN([rbm_mod.BernoulliRBM(4, 4)])})
#: the data of the pretraining functions: its width sets n_v (no wrong last dimension without a lower DBN)
PRETRAIN_DATA = T(V4, empty="error", last=False)


def _dbm():
    return dbm_mod.DBM([4, 3, 2], generator=_g(), dtype=D)


def counts(**kw):
    """Binomial counts: values outside 0..n_trials have no binomial coefficient."""
    return T(COUNTS, like=True, bad={"a count above n_trials": COUNTS + 0.5, "a negative count": COUNTS - 0.5}, **kw)


def labels(n_labels=2, rows=True, **kw):
    return T(LY, rows=rows, bad={"a label >= n_labels": torch.tensor([0, n_labels, 1]),
                                 "a negative label": torch.tensor([0, -1, 1])}, **kw)


def hidden_sizes(more=None):
    return Raw((3, 2), bad={"a zero size": (3, 0), "a string": "3,2", "a float size": (3, 2.5), **(more or {})})


SPECS: dict = {
    # ----- BinomialRBM: the bottom RBM of DBM pretraining (Lecture 10 §7) -----
    "energylab.models.dbm.BinomialRBM": Spec(lambda n_visible, n_hidden, n_trials, weight_scale, generator, dtype,
                                             device: dbm_mod.BinomialRBM(n_visible, n_hidden, n_trials=n_trials,
                                                                         weight_scale=weight_scale, generator=generator,
                                                                         dtype=dtype, device=device),
                                             n_visible=I(6), n_hidden=I(4), n_trials=I(2),
                                             weight_scale=F(0.01, zero_ok=True), generator=gen, dtype=Dt(D),
                                             device=Dev()),
    "energylab.models.dbm.BinomialRBM.energy": Spec(lambda v, h, biases: BIN.energy(v, h, biases=biases),
                                                    v=counts(empty=None), h=T(HID, like=True, rows=True),
                                                    biases=biases_arg()),
    "energylab.models.dbm.BinomialRBM.free_energy": Spec(lambda v, biases: BIN.free_energy(v, biases=biases),
                                                         v=counts(), biases=biases_arg()),
    "energylab.models.dbm.BinomialRBM.sample_visible": Spec(lambda h, biases, generator: BIN.sample_visible(
                                                                h, biases=biases, generator=generator),
                                                            h=T(HID, like=True, inf_ok=True), biases=biases_arg(),
                                                            generator=gen),
    "energylab.models.dbm.BinomialRBM.visible_mean": Spec(lambda h, biases: BIN.visible_mean(h, biases=biases),
                                                          h=T(HID, like=True, inf_ok=True), biases=biases_arg()),
    "energylab.models.dbm.BinomialRBM.visible_probs": Spec(lambda h, biases: BIN.visible_probs(h, biases=biases),
                                                           h=T(HID, like=True, inf_ok=True), biases=biases_arg()),

    # ----- DBM (Lecture 10 §7-8) -----
    "energylab.models.dbm.DBM.check_layers": Spec(lambda layers: DBM_.check_layers(layers), layers=Layers(LAYERS)),
    "energylab.models.dbm.DBM.energy": Spec(lambda layers: DBM_.energy(layers), layers=Layers(LAYERS)),
    "energylab.models.dbm.DBM.layer_input": Spec(lambda layers, l: DBM_.layer_input(layers, l),
                                                 layers=Layers(LAYERS, unread=(1,)),
                                                 l=I(1, minimum=0, maximum=2), note="layer 1 hears layers 0 and 2 only"),
    "energylab.models.dbm.DBM.bound": Spec(lambda v, log_z, means, tol, max_iters: DBM_.bound(
                                               v, log_z=log_z, means=means, tol=tol, max_iters=max_iters),
                                           v=T(V4, like=True, empty="error"), log_z=log_z_arg(0.5),
                                           means=Raw(None, bad={"a string": "mu", "one mean for two hidden layers":
                                                                MEANS[:1],
                                                                "a mean of the wrong width": [MEANS[0][:, :2], MEANS[1]],
                                                                "a mean with 2 rows for 3": [MEANS[0][:2], MEANS[1]],
                                                                "float32 means": [m.float() for m in MEANS]}),
                                           tol=F(1e-6), max_iters=I(10),
                                           note="v: mean field needs a row (empty='error', as in mean_field)"),
    "energylab.models.dbm.DBM.init_chains": Spec(lambda n, generator: DBM_.init_chains(n, generator=generator),
                                                 n=I(3), generator=gen),
    "energylab.models.dbm.DBM.gibbs": Spec(lambda layers, n_sweeps, generator: DBM_.gibbs(layers, n_sweeps,
                                                                                        generator=generator),
                                           layers=Layers(LAYERS, inf_ok=True, unread=(1,)), n_sweeps=I(2, minimum=0),
                                           generator=gen, note="sigmoid(±inf) is the right limit; h_1 is resampled "
                                                               "from v and h_2 before it is read"),
    "energylab.models.dbm.DBM.sum_out": Spec(lambda layers, parity, beta: DBM_.sum_out(layers, parity, beta=beta),
                                             layers=Layers(LAYERS, unread=(1,)),
                                             parity=I(1, minimum=0, maximum=1), beta=F(1.0, zero_ok=True),
                                             note="parity 1: h_1 is summed out, its values unread"),
    "energylab.models.dbm.DBM.annealing_path": Spec(lambda base_bias: DBM_.annealing_path(base_bias),
                                                    base_bias=T(torch.full((4,), -0.5, dtype=D), like=True)),
    "energylab.models.dbm.DBMAnnealingPath": Spec(lambda dbm, base_bias: dbm_mod.DBMAnnealingPath(dbm, base_bias),
                                                  dbm=O(DBM_), base_bias=T(torch.zeros(4, dtype=D), like=True)),
    "energylab.models.dbm.DBMAnnealingPath.sample_base": Spec(lambda n_runs, generator: DBM_.annealing_path().sample_base(
                                                                  n_runs, generator=generator),
                                                              n_runs=I(3), generator=gen),
    "energylab.models.dbm.DBMAnnealingPath.log_density": Spec(lambda layers, beta: DBM_.annealing_path().log_density(
                                                                  layers, beta),
                                                              layers=Layers(LAYERS, unread=(1,)),
                                                              beta=P(0.5), note="the odd layers are summed out"),
    "energylab.models.dbm.DBMAnnealingPath.transition": Spec(lambda layers, beta, generator:
                                                             DBM_.annealing_path().transition(layers, beta,
                                                                                              generator=generator),
                                                             layers=Layers(LAYERS, inf_ok=True, unread=(1,)),
                                                             beta=P(0.5), generator=gen,
                                                             note="the odd layers are resampled first"),
    "energylab.models.dbm.DBMChains": Spec(lambda dbm, n_chains, generator: dbm_mod.DBMChains(dbm, n_chains,
                                                                                            generator=generator),
                                           dbm=O(DBM_), n_chains=I(3), generator=gen),
    "energylab.models.dbm.train_dbm": Spec(lambda dbm, data, chains, n_chains, n_sweeps, lr, batch_size, epochs, tol,
                                           max_iters, shuffle, generator, callback:
                                           _trained(dbm, dbm_mod.train_dbm(
                                               dbm, data, chains=chains, n_chains=n_chains, n_sweeps=n_sweeps, lr=lr,
                                               batch_size=batch_size, epochs=epochs, tol=tol, max_iters=max_iters,
                                               shuffle=shuffle, generator=generator, callback=callback)),
                                           dbm=O(_dbm, fresh=True), data=T(V4, like=True, empty="error"),
                                           chains=Raw(None, bad={"a string": "chains", "the chains of another DBM":
                                                                 dbm_mod.DBMChains(dbm_mod.DBM([5, 3, 2], dtype=D), 3)}),
                                           n_chains=I(3), n_sweeps=I(1), lr=F(0.05), batch_size=I(2), epochs=I(1),
                                           tol=F(1e-4), max_iters=I(5), shuffle=B(True), generator=gen,
                                           callback=CALLBACK),
    "energylab.models.dbm.pretrain_dbm": Spec(lambda data, hidden_sizes, method, n_sweeps, lr, batch_size, epochs,
                                              shuffle, weight_scale, generator, callback: dbm_mod.pretrain_dbm(
                                                  data, hidden_sizes, method=method, n_sweeps=n_sweeps, lr=lr,
                                                  batch_size=batch_size, epochs=epochs, shuffle=shuffle,
                                                  weight_scale=weight_scale, generator=generator, callback=callback),
                                              data=PRETRAIN_DATA,
                                              hidden_sizes=hidden_sizes({"one hidden layer": (3,)}),
                                              method=C("cd"), n_sweeps=I(1), lr=F(0.05), batch_size=I(2), epochs=I(1),
                                              shuffle=B(True), weight_scale=F(0.01, zero_ok=True), generator=gen,
                                              callback=CALLBACK),

    # ----- LabelledRBM: the labelled top of a DBN (Lecture 10 §4) -----
    "energylab.models.dbn.LabelledRBM": Spec(lambda n_features, n_labels, n_hidden, weight_scale, generator, dtype,
                                             device: dbn_mod.LabelledRBM(n_features, n_labels, n_hidden,
                                                                         weight_scale=weight_scale, generator=generator,
                                                                         dtype=dtype, device=device),
                                             n_features=I(4), n_labels=I(2, minimum=2), n_hidden=I(4),
                                             weight_scale=F(0.01, zero_ok=True), generator=gen, dtype=Dt(D),
                                             device=Dev()),
    "energylab.models.dbn.LabelledRBM.energy": Spec(lambda v, h, biases: LRBM.energy(v, h, biases=biases),
                                                    v=T(LV, like=True, empty=None), h=T(HID, like=True, rows=True),
                                                    biases=biases_arg()),
    "energylab.models.dbn.LabelledRBM.free_energy": Spec(lambda v, biases: LRBM.free_energy(v, biases=biases),
                                                         v=T(LV, like=True), biases=biases_arg()),
    "energylab.models.dbn.LabelledRBM.visible_probs": Spec(lambda h, biases: LRBM.visible_probs(h, biases=biases),
                                                           h=T(HID, like=True, inf_ok=True), biases=biases_arg(),
                                                           note="h = ±inf: a saturated sigmoid, NaN in the softmax"),
    "energylab.models.dbn.LabelledRBM.visible_mean": Spec(lambda h, biases: LRBM.visible_mean(h, biases=biases),
                                                          h=T(HID, like=True, inf_ok=True), biases=biases_arg()),
    "energylab.models.dbn.LabelledRBM.sample_visible": Spec(lambda h, biases, generator: LRBM.sample_visible(
                                                                h, biases=biases, generator=generator),
                                                            h=T(HID, like=True, inf_ok=True), biases=biases_arg(),
                                                            generator=gen),
    "energylab.models.dbn.LabelledRBM.log_partition": Spec(lambda biases: LRBM.log_partition(biases=biases),
                                                           biases=biases_arg()),
    "energylab.models.dbn.LabelledRBM.label_log_probs": Spec(lambda x: LRBM.label_log_probs(x), x=T(LX, like=True)),
    "energylab.models.dbn.LabelledRBM.with_labels": Spec(lambda x, labels: LRBM.with_labels(x, labels),
                                                         x=T(LX, like=True, aka=("labels",)), labels=labels()),
    "energylab.models.dbn.LabelledRBM.clamped_gibbs": Spec(lambda x, labels, n_sweeps, generator: LRBM.clamped_gibbs(
                                                               x, labels, n_sweeps, generator=generator),
                                                           x=T(LX, like=True, inf_ok=True, aka=("labels",)),
                                                           labels=labels(),
                                                           n_sweeps=I(2, minimum=0), generator=gen,
                                                           note="x = ±inf: sigmoid(±inf) is the right limit"),

    # ----- DBN (Lecture 10 §3-6) -----
    "energylab.models.dbn.DBN": Spec(lambda rbms: dbn_mod.DBN(rbms),
                                     rbms=Raw(list(DBN_U.rbms), bad={
                                         "a string": "rbm", "an empty list": [], "a bare RBM": DBN_U.rbms[0],
                                         "sizes that do not chain": [DBN_U.rbms[0], rbm_mod.BernoulliRBM(2, 2, dtype=D)],
                                         "a LabelledRBM below the top": [LRBM, rbm_mod.BernoulliRBM(4, 2, dtype=D)],
                                         "a GaussianBernoulliRBM": [rbm_mod.GaussianBernoulliRBM(4, 3, dtype=D)],
                                         "RBMs of different dtypes": [DBN_U.rbms[0], rbm_mod.BernoulliRBM(3, 2)]})),
    "energylab.models.dbn.DBN.up": Spec(lambda v, sample, generator: DBN_U.up(v, sample=sample, generator=generator),
                                        v=T(V4, like=True, inf_ok=True), sample=B(False), generator=gen,
                                        note="sigmoid(±inf) is the right limit"),
    "energylab.models.dbn.DBN.down": Spec(lambda x, generator: DBN_U.down(x, generator=generator),
                                          x=T(H3, like=True, inf_ok=True), generator=gen,
                                          note="sigmoid(±inf) is the right limit"),
    "energylab.models.dbn.DBN.sample": Spec(lambda n, labels, n_sweeps, generator: DBN_L.sample(
                                                n, labels=labels, n_sweeps=n_sweeps, generator=generator),
                                            n=I(None, none_ok=True, minimum=None, bad={"2 for 3 labels": 2}),
                                            labels=labels(rows=False, last=False), n_sweeps=I(2, minimum=0),
                                            generator=gen,  # labels of any length: with n=None they set the batch
                                            note="a labelled DBN: n is None or len(labels)"),
    "energylab.models.dbn.DBN.lower_bound": Spec(lambda v, log_z, n_samples, generator: DBN_U.lower_bound(
                                                     v, log_z=log_z, n_samples=n_samples, generator=generator),
                                                 v=T(V4, like=True), log_z=log_z_arg(0.5), n_samples=I(4, none_ok=True),
                                                 generator=gen),
    "energylab.models.dbn.DBN.unroll_classifier": Spec(lambda n_classes, generator: DBN_U.unroll_classifier(
                                                           n_classes, generator=generator),
                                                       n_classes=I(3, minimum=2), generator=gen),
    "energylab.models.dbn.greedy_pretrain": Spec(lambda data, hidden_sizes, labels, n_labels, lower, propagate, init,
                                                 method, n_sweeps, lr, batch_size, epochs, shuffle, weight_scale,
                                                 generator, callback: dbn_mod.greedy_pretrain(
                                                     data, hidden_sizes, labels=labels, n_labels=n_labels, lower=lower,
                                                     propagate=propagate, init=init, method=method, n_sweeps=n_sweeps,
                                                     lr=lr, batch_size=batch_size, epochs=epochs, shuffle=shuffle,
                                                     weight_scale=weight_scale, generator=generator, callback=callback),
                                                 data=PRETRAIN_DATA, hidden_sizes=hidden_sizes(),
                                                 labels=labels(n_labels=3), n_labels=I(3, minimum=2, none_ok=True),
                                                 lower=LOWER,
                                                 propagate=C("probs"), init=C("random"), method=C("cd"), n_sweeps=I(1),
                                                 lr=F(0.1), batch_size=I(2), epochs=I(1), shuffle=B(True),
                                                 weight_scale=F(0.01, zero_ok=True), generator=gen, callback=CALLBACK,
                                                 note="with labels: the top RBM is a LabelledRBM"),
}
