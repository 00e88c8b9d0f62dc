"""Bad-input specs for the rest: gated RBM, generator, JEM, MLPs, inpainting, data, losses, samplers, train.loop, gibbs.

Part of tests/lib/bad_input_specs.py (which merges the ``SPECS`` of every
``bad_input_specs_*.py``): the same kinds, the same rules.  Shared valid inputs may be imported from
``bad_input_specs`` (it imports this file last, once its own names exist).
"""
from __future__ import annotations

import importlib
import math

import torch

import energylab.gibbs as gibbs
import energylab.losses as losses
from energylab.data import relations, sequences
from energylab.inpainting import baselines, metrics
from energylab.models import gated_rbm as gated_mod, generator as gen_mod, jem as jem_mod, mlp_energy
from energylab.samplers import gibbs_sampling, langevin, replay
from energylab.train import loop

from bad_input_specs import CRBM, D, GATED, GENMLP, GX, GY, JEM_, KME, MLPE_X, PTS, XV, _g, _trained, gen, quadratic
from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401

digits_mod = importlib.import_module("energylab.data.digits")
mlp_mod = importlib.import_module("energylab.models.mlp")        # the package re-exports the function mlp

# ----- shared valid inputs of this part ---------------------------------------------------------
GH = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=D)        # (3, n_h=2) mapping units
GATED_BIN = gated_mod.FactoredGatedRBM(3, 3, 4, 2, output="binary", generator=_g(), dtype=D)
IMG = torch.rand(2, 5, 5, generator=_g(), dtype=D)                       # (n, H, W) images
ANGLES = torch.tensor([30.0, -45.0], dtype=D)
GRID = gibbs.make_grid((-1.0, 1.0), 5, dim=2, dtype=D)                    # 25 points, image (5, 5)
PX = torch.rand(6, 4, generator=_g(), dtype=D)                           # inpainting: visible x (N, 4)
PY = torch.rand(6, 3, generator=_g(), dtype=D)                           # hidden y (N, 3)
PCA = baselines.PCACompletion(2).fit(PX, PY)
REG = baselines.RegressionMLP(4, 3, hidden=(4,)).double()
GY2 = torch.rand(3, 2, generator=_g(), dtype=D)                          # completions for MLPE_X / GENMLP
GX3 = XV[:, :3]
SPINS01 = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]], dtype=D)      # (B, n) 0/1 states
SW = torch.tensor([[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]], dtype=D)
SB = torch.tensor([0.1, -0.2, 0.0], dtype=D)
BUF = replay.ReplayBuffer(2, capacity=8, dtype=D, generator=_g())
HIST = loop.History({"loss": [3.0, 2.0, 1.0], "acc": [0.1, 0.5, 0.9]})
ROW = losses.LOSS_TABLE[0]


def _mlp_energy():
    return mlp_energy.MLPEnergy(2, 3, hidden=4).double()


def _proposer():
    torch.manual_seed(0)
    return gen_mod.GeneratorMLP(3, 2, hidden=(4,), noise_dim=1).double()


def _gated():
    return gated_mod.FactoredGatedRBM(3, 3, 4, 2, generator=_g(), dtype=D)


def _frozen(energy):
    with langevin.frozen(energy):
        return [p.requires_grad for p in energy.parameters()]


def _pushed(x, index):
    """A fresh buffer after ``push``: what push changes is the buffer's contents."""
    buffer = replay.ReplayBuffer(2, capacity=8, dtype=D, generator=_g())
    buffer.push(x, index)
    return buffer.data


def gated_h(**kw):
    return T(GH, like=True, nan=False, inf=False, **kw)


SPECS: dict = {
    # ----- the factored gated RBM (Lecture 9 §5-6) -----
    "energylab.models.gated_rbm.FactoredGatedRBM.energy": Spec(lambda y, h, x: GATED.energy(y, h, x),
                                                               y=T(GY, like=True, empty=None), h=gated_h(rows=True),
                                                               x=T(GX, like=True, rows=True)),
    "energylab.models.gated_rbm.FactoredGatedRBM.hidden_input": Spec(lambda y, x: GATED.hidden_input(y, x),
                                                                     y=T(GY, like=True, empty=None, inf_ok=True),
                                                                     x=T(GX, like=True, rows=True, inf_ok=True)),
    "energylab.models.gated_rbm.FactoredGatedRBM.infer_transformation": Spec(
        lambda x, y: GATED.infer_transformation(x, y), x=T(GX, like=True, empty=None, inf_ok=True),
        y=T(GY, like=True, rows=True, inf_ok=True, aka=("x",))),
    "energylab.models.gated_rbm.FactoredGatedRBM.output_mean": Spec(lambda h, x: GATED.output_mean(h, x),
                                                                    h=gated_h(empty=None),
                                                                    x=T(GX, like=True, rows=True, inf_ok=True)),
    "energylab.models.gated_rbm.FactoredGatedRBM.apply_transformation": Spec(
        lambda h, x_new: GATED.apply_transformation(h, x_new), h=gated_h(empty=None),
        x_new=T(GX, like=True, rows=True, inf_ok=True, aka=("h",))),
    "energylab.models.gated_rbm.FactoredGatedRBM.sample_output": Spec(
        lambda h, x, generator: GATED_BIN.sample_output(h, x, generator=generator), h=gated_h(empty=None),
        x=T(GX, like=True, rows=True, inf_ok=True), generator=gen, note="binary outputs: Bernoulli draws"),
    "energylab.models.gated_rbm.train_gated_rbm": Spec(
        lambda model, x, y, n_sweeps, epochs, lr, batch_size, weight_decay, generator, progress:
        _trained(model, gated_mod.train_gated_rbm(model, x, y, n_sweeps=n_sweeps, epochs=epochs, lr=lr,
                                                  batch_size=batch_size, weight_decay=weight_decay,
                                                  generator=generator, progress=progress)),
        model=O(_gated, fresh=True, bad={"a ConditionalRBM": CRBM}),
        x=T(GX, like=True, empty="error"), y=T(GY, like=True, rows=True), n_sweeps=I(1), epochs=I(1), lr=F(0.01),
        batch_size=I(2, none_ok=True), weight_decay=F(0.0, zero_ok=True), generator=gen, progress=B(False)),

    # ----- the generator pair (Lecture 6, homework 4) -----
    "energylab.models.generator.flip_gradient": Spec(lambda y: gen_mod.flip_gradient(y), y=T(GY2, ndim=False,
                                                                                             last=False)),
    "energylab.models.generator.GeneratorMLP": Spec(lambda x_dim, y_dim, hidden, noise_dim: gen_mod.GeneratorMLP(
                                                        x_dim, y_dim, hidden, noise_dim=noise_dim),
                                                    x_dim=I(3), y_dim=I(2),
                                                    hidden=Raw((4,), bad={"no hidden layer": (), "a zero width": (0,),
                                                                          "a string": "4"}),
                                                    noise_dim=I(1, minimum=0)),
    "energylab.models.generator.GeneratorMLP.sample_noise": Spec(lambda x, generator: GENMLP.sample_noise(
                                                                     x, generator=generator),
                                                                 x=T(GX3, like=True, nan=False, inf=False),
                                                                 generator=gen,
                                                                 note="only x's rows, dtype and device are read"),
    "energylab.models.generator.generator_pair_loss": Spec(
        lambda energy, proposer, x, y, energy_penalty, data_noise, mismatch, generator: gen_mod.generator_pair_loss(
            energy, proposer, x, y, energy_penalty=energy_penalty, data_noise=data_noise, mismatch=mismatch,
            generator=generator),
        energy=O(MLPE_X), proposer=O(GENMLP, bad={"a plain MLP": mlp_mod.mlp(3, (4,), 2).double()}),
        x=T(GX3, like=True, empty=None), y=T(GY2, like=True, rows=True, empty=None),
        energy_penalty=F(0.1, zero_ok=True), data_noise=F(0.1, zero_ok=True), mismatch=F(0.5, zero_ok=True),
        generator=gen),
    "energylab.models.generator.train_generator_pair": Spec(
        lambda energy, proposer, x, y, epochs, lr, lr_ratio, energy_penalty, data_noise, mismatch, betas, batch_size,
        generator, progress: _trained(proposer, gen_mod.train_generator_pair(
            energy, proposer, x, y, epochs=epochs, lr=lr, lr_ratio=lr_ratio, energy_penalty=energy_penalty,
            data_noise=data_noise, mismatch=mismatch, betas=betas, batch_size=batch_size, generator=generator,
            progress=progress)),
        energy=O(_mlp_energy, fresh=True), proposer=O(_proposer, fresh=True),
        x=T(GX3, like=True, empty="error"), y=T(GY2, like=True, rows=True),
        epochs=I(1), lr=F(0.01), lr_ratio=F(1.0), energy_penalty=F(0.1, zero_ok=True),
        data_noise=F(0.1, zero_ok=True), mismatch=F(0.5, zero_ok=True),
        betas=Raw((0.5, 0.999), bad={"a beta of 1": (0.5, 1.0), "one beta": (0.5,), "a string": "0.5"}),
        batch_size=I(2, none_ok=True), generator=gen, progress=B(False)),
    "energylab.models.generator.energy_descent": Spec(
        lambda energy, y0, x, n_steps, step_size, bounds: gen_mod.energy_descent(
            energy, y0, x, n_steps=n_steps, step_size=step_size, bounds=bounds),
        energy=Fn(MLPE_X), y0=T(GY2, like=True, empty="error", aka=("y",)), x=T(GX3, like=True, rows=True),
        n_steps=I(2, minimum=0), step_size=F(0.01),
        bounds=Raw((0.0, 1.0), bad={"lo above hi": (1.0, 0.0), "a string": "0..1", "a NaN bound": (math.nan, 1.0)}),
        note="y0's width is the energy's to check (MLPEnergy: 'y: expected last dimension ...')"),

    # ----- JEM, MLPs, K-means (Lectures 4, 6, 12) -----
    "energylab.models.jem.JEM.forward": Spec(lambda x: JEM_(x), x=T(XV, like=True, inf_ok=True, ndim=False)),
    "energylab.models.jem.digits_classifier": Spec(lambda n_inputs, n_classes, hidden, generator:
                                                   jem_mod.digits_classifier(n_inputs, n_classes, hidden,
                                                                             generator=generator),
                                                   n_inputs=I(6), n_classes=I(3), hidden=I(4), generator=gen),
    "energylab.models.mlp.check_widths": Spec(lambda name, widths, allow_empty: mlp_mod.check_widths(
                                                  name, widths, allow_empty=allow_empty),
                                              name=Raw("hidden"),    # the caller's label for the message: any text
                                              widths=Raw((4, 2), aka=("hidden",),
                                                         bad={"a zero width": (4, 0), "a string": "4",
                                                              "a float width": (2.5,), "a bool width": (True,)}),
                                              allow_empty=B(True),
                                              note="a Library-only helper: the message names the caller's argument"),
    "energylab.models.mlp_energy.KMeansEnergy.latent_energy": Spec(lambda y: KME.latent_energy(y),
                                                                   y=T(PTS, like=True, inf_ok=True)),

    # ----- inpainting (Lecture 6 §6-10, homework 4) -----
    "energylab.inpainting.baselines.PCACompletion": Spec(lambda n_components, probabilistic: baselines.PCACompletion(
                                                             n_components, probabilistic),
                                                         n_components=I(2), probabilistic=B(True)),
    "energylab.inpainting.baselines.PCACompletion.fit": Spec(lambda x, y: baselines.PCACompletion(2).fit(x, y),
                                                             x=T(PX, empty="error", last=False),
                                                             y=T(PY, like=True, rows=True, last=False),
                                                             note="fit learns x_dim and y_dim; NaN/inf pixels are refused"),
    "energylab.inpainting.baselines.PCACompletion.complete": Spec(lambda x: PCA.complete(x),
                                                                  x=T(PX, like=True)),
    "energylab.inpainting.baselines.RegressionMLP": Spec(lambda x_dim, y_dim, hidden: baselines.RegressionMLP(
                                                             x_dim, y_dim, hidden),
                                                         x_dim=I(4), y_dim=I(3),
                                                         hidden=Raw((4,), bad={"no hidden layer": (), "a string": "4",
                                                                               "a zero width": (0,)})),
    "energylab.inpainting.baselines.RegressionMLP.forward": Spec(lambda x: REG(x), x=T(PX, like=True, inf_ok=True)),
    "energylab.inpainting.baselines.fit_regression": Spec(
        lambda model, x, y, epochs, lr, batch_size, generator, progress: _trained(model, baselines.fit_regression(
            model, x, y, epochs=epochs, lr=lr, batch_size=batch_size, generator=generator, progress=progress)),
        model=O(lambda: baselines.RegressionMLP(4, 3, hidden=(4,)).double(), fresh=True),
        x=T(PX, like=True, empty="error"), y=T(PY, like=True, rows=True), epochs=I(1), lr=F(0.01),
        batch_size=I(2, none_ok=True), generator=gen, progress=B(False)),
    "energylab.inpainting.metrics.completion_mse": Spec(lambda pred, truth: metrics.completion_mse(pred, truth),
                                                        pred=T(PY.flip(0), like=True, rows=True, aka=("truth",)),
                                                        truth=T(PY, empty=None)),
    "energylab.inpainting.metrics.best_of_mse": Spec(lambda candidates, truth: metrics.best_of_mse(candidates, truth),
                                                     candidates=T(torch.stack([PY, PY.flip(0)]), like=True,
                                                                  empty="error", aka=("truth",), inf_ok=True),
                                                     truth=T(PY, empty=None, aka=("candidates",)),
                                                     note="an infinite error on one proposal loses to a finite one: "
                                                          "best-of-S is a minimum"),
    "energylab.inpainting.metrics.nearest_completions": Spec(
        lambda x, x_train, y_train, k: metrics.nearest_completions(x, x_train, y_train, k),
        x=T(PX[:2], empty=None, aka=("x_train",)), x_train=T(PX, like=True, empty="error", aka=("x",)),
        # y_train is only counted (its rows match x_train's): the caller indexes it with the result
        y_train=T(PY, rows=True, aka=("x_train",), last=False, nan=False, inf=False), k=I(2, maximum=6),
        note="the result is an index: NaN/inf pixels are refused"),

    # ----- data (Lectures 5, 6, 9) -----
    "energylab.data.digits.digits_inpainting": Spec(lambda hidden, test_fraction, scaling, generator, dtype, device:
                                                    digits_mod.digits_inpainting(hidden, test_fraction=test_fraction,
                                                                                 scaling=scaling, generator=generator,
                                                                                 dtype=dtype, device=device),
                                                    hidden=C("bottom"),
                                                    test_fraction=Raw(0.25, bad={"0": 0.0, "1": 1.0, "NaN": math.nan,
                                                                                 "a string": "0.25", "True": True}),
                                                    scaling=C("unit"), generator=gen, dtype=Dt(D), device=Dev()),
    "energylab.data.relations.random_dots": Spec(lambda n, size, density, blur, generator, dtype, device:
                                                 relations.random_dots(n, size, density=density, blur=blur,
                                                                       generator=generator, dtype=dtype, device=device),
                                                 n=I(2), size=I(5),
                                                 density=Raw(0.2, bad={"0": 0.0, "1": 1.0, "NaN": math.nan,
                                                                       "a string": "0.2", "True": True}),
                                                 blur=F(1.0, zero_ok=True), generator=gen, dtype=Dt(D), device=Dev()),
    "energylab.data.relations.shift_pairs": Spec(lambda n, size, max_shift, shifts, generator, dtype, device:
                                                 relations.shift_pairs(n, size=size, max_shift=max_shift,
                                                                       shifts=shifts, generator=generator,
                                                                       dtype=dtype, device=device),
                                                 n=I(2), size=I(5), max_shift=I(1, minimum=0),
                                                 shifts=T(torch.tensor([[1, 0], [-1, 1]]), rows=True,
                                                          bad={"a shift above max_shift": torch.tensor([[2, 0], [0, 0]]),
                                                               "a shift below -max_shift": torch.tensor([[0, -2], [0, 0]])}),
                                                 generator=gen, dtype=Dt(D), device=Dev()),
    "energylab.data.relations.rotate_images": Spec(lambda images, angles: relations.rotate_images(images, angles),
                                                   images=T(IMG, last=False, aka=("angles",)), angles=T(ANGLES, like=True, rows=True,
                                                                                        last=False)),
    "energylab.data.relations.rotation_pairs": Spec(lambda n, size, max_angle, angles, generator, dtype, device:
                                                    relations.rotation_pairs(n, size=size, max_angle=max_angle,
                                                                             angles=angles, generator=generator,
                                                                             dtype=dtype, device=device),
                                                    n=I(2), size=I(5), max_angle=F(90.0),
                                                    angles=T(ANGLES, rows=True, last=False), generator=gen,
                                                    dtype=Dt(D), device=Dev()),
    "energylab.data.sequences.digit_crops": Spec(lambda split: sequences.digit_crops(split), split=C("train")),
    "energylab.data.sequences.digit_strings": Spec(lambda n, n_digits, gap, split, generator: sequences.digit_strings(
                                                       n, n_digits=n_digits, gap=gap, split=split,
                                                       generator=generator),
                                                   n=I(2),
                                                   n_digits=Raw((2, 3), bad={"low above high": (3, 2), "zero digits": (0, 2),
                                                                             "a float": (2.5, 3), "a string": "2-3"}),
                                                   gap=Raw((0, 2), bad={"a negative gap": (-1, 2), "a float": (0, 1.5),
                                                                        "a list of one": [1]}),
                                                   split=C("train"), generator=gen),

    # ----- the loss table (Lecture 4 §1) -----
    "energylab.losses.LossInfo": Spec(lambda name, formula, margin, function: losses.LossInfo(
                                          name, formula, margin, function),
                                      name=Raw("hinge", bad={"a number": 3, "an empty name": ""}),
                                      formula=Raw("max(0, m + E⁺ − E⁻)", bad={"a number": 3}),
                                      margin=Raw("m", bad={"a number": 1.0}), function=Fn(losses.hinge_loss)),
    "energylab.losses.loss_table_markdown": Spec(lambda rows: losses.loss_table_markdown(rows),
                                                 rows=Raw((ROW,), bad={"a bare row": ROW, "a string": "energy",
                                                                       "a row that is not a LossInfo": (ROW, ("a", "b"))})),

    # ----- grids, samplers (Lectures 3, 7, 12) -----
    "energylab.gibbs.Grid.image": Spec(lambda values: GRID.image(values),
                                       values=T(torch.linspace(0, 1, 25, dtype=D), ndim=False, inf_ok=True,
                                                empty=None, bad={"2 values per point": torch.zeros(25, 2, dtype=D)})),
    "energylab.samplers.gibbs_sampling.sequential_gibbs_sweep": Spec(
        lambda states, weights, bias, update, beta, generator: gibbs_sampling.sequential_gibbs_sweep(
            states, weights, bias, update=update, beta=beta, generator=generator),
        states=T(SPINS01, nan=False, inf=False, aka=("weights",), bad={"±1 spins": 2 * SPINS01 - 1, "a 0.5 entry": SPINS01 * 0 + 0.5}),
        weights=T(SW, like=True, aka=("states",), bad={"asymmetric": SW.triu(), "a non-zero diagonal": SW + 1}),
        bias=T(SB, like=True, aka=("states",), inf_ok=True),
        update=Raw(None, bad={"a float mask": torch.tensor([0.0, 1.0, 1.0]),
                                                            "a mask of 2 units": torch.tensor([True, False]),
                                                            "a list": [False, True, True]}),
        beta=F(1.0, zero_ok=True), generator=gen,
        note="states 0/1 and weights symmetric are checked (values); BoltzmannMachine.gibbs loops unchecked"),
    "energylab.samplers.langevin.check_bounds": Spec(lambda bounds, name: langevin.check_bounds(bounds, name),
                                                     bounds=Raw((0.0, 1.0), bad={"lo above hi": (1.0, 0.0),
                                                                                 "a string": "0..1",
                                                                                 "a NaN bound": (math.nan, 1.0),
                                                                                 "three numbers": (0.0, 1.0, 2.0),
                                                                                 "strings": ("a", "b")}),
                                                     name=Raw("bounds"),    # the caller's label for the message
                                                     note="Library only: the message names the caller's argument"),
    "energylab.samplers.langevin.frozen": Spec(lambda energy: _frozen(energy), energy=Fn(KME)),
    "energylab.samplers.replay.ReplayBuffer.noise": Spec(lambda n, device, dtype, generator: BUF.noise(
                                                             n, device=device, dtype=dtype, generator=generator),
                                                         n=I(3), device=Dev(), dtype=Dt(D),
                                                         generator=gen),
    "energylab.samplers.replay.ReplayBuffer.push": Spec(lambda x, index: _pushed(x, index),
                                                        x=T(PTS[:3], like=True, rows=True, empty=None, aka=("index",)),
                                                        index=T(torch.tensor([0, 5, 2]), rows=True,
                                                                bad={"an index >= capacity": torch.tensor([0, 8, 2]),
                                                                     "a negative index": torch.tensor([0, -1, 2]),
                                                                     "a repeated index": torch.tensor([0, 0, 2])})),

    # ----- the fit loop's history -----
    "energylab.train.loop.History": Spec(lambda records: loop.History(records),
                                         records=Raw({"loss": [1.0]}, bad={"a string": "loss", "a number": 3})),
    "energylab.train.loop.History.last": Spec(lambda key: HIST.last(key),
                                              key=Raw("loss", bad={"an unknown key": "no-such-key", "a number": 3})),
    "energylab.train.loop.History.plot": Spec(lambda keys, logy, xlabel: HIST.plot(keys, logy=logy, xlabel=xlabel),
                                              keys=Raw(["loss"], bad={"an unknown key": ["no-such-key"],
                                                                      "a bare string": "loss", "a number": 3}),
                                              logy=B(False), xlabel=Raw("epoch", bad={"a number": 3})),
}
