"""The bad-input specs of tests/lib/test_bad_inputs.py: for each public function, class or method of
energylab, a valid call and the kind of each argument (tests/lib/bad_inputs.py makes the bad variants).

The specs of later parts of the library live in ``bad_input_specs_<part>.py`` (merged at the end of
this file).  A public name without a spec -- a new function -- fails the walk.
"""
from __future__ import annotations

import importlib
import math

import torch

import energylab.gibbs as gibbs
import energylab.losses as losses
from energylab.models import boltzmann, hopfield, mdn, rbm as rbm_mod
from energylab.samplers import langevin
from energylab.structured import chain, inference, losses as slosses
dtw_mod = importlib.import_module("energylab.structured.dtw")   # the package re-exports the function dtw
from energylab.train import contrastive_divergence as cdiv

from energylab.models import gan, vae
from energylab.structured import dp, fast
from energylab.structured.semiring import MIN_SUM
from energylab.models import crbm as crbm_mod

import energylab.diagnostics as diagnostics
import energylab.divergences as divergences
import energylab.energies as energies
import energylab.inference as einference
from energylab.data import toys
from energylab.models import dbm as dbm_mod, sbn as sbn_mod
from energylab.samplers import ais, exact, gibbs_sampling

from energylab.models import gated_rbm as gated_mod, jem as jem_mod, mlp_energy
mlp_mod = importlib.import_module("energylab.models.mlp")        # the package re-exports the function mlp
from energylab.models import generator as gen_mod
from energylab.samplers import replay
from energylab.structured import model as chain_model
from energylab.train import loop

from energylab.data import bars, digits as digits_mod, inverse, sequences
planets_mod = importlib.import_module("energylab.data.planets")     # the package re-exports the function planets
from energylab.structured import semiring as semiring_mod
from energylab.models import dbn as dbn_mod

from bad_inputs import B, C, Dev, Dt, Exempt, F, Fn, G, I, O, P, Raw, Spec, T  # noqa: F401

D = torch.float64


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def _trained(model, _result):
    """A training function's outcome is the model it trained."""
    return model


# ----- shared valid inputs ----------------------------------------------------------------------
E1 = torch.tensor([0.5, 1.0, 2.0], dtype=D)                     # (B,) energies of the answers
E2 = torch.tensor([[1.0, 2.0], [0.0, 3.0], [1.5, 0.5]], dtype=D)  # (B, K) energies of the others
ENERGIES = torch.tensor([[0.0, 1.0, 2.0], [1.0, 0.5, 3.0]], dtype=D)

B_, N_, C_ = 2, 4, 3
UNARY = torch.linspace(-1, 1, B_ * N_ * C_, dtype=D).reshape(B_, N_, C_)
TRANS = torch.linspace(0, 1, C_ * C_, dtype=D).reshape(C_, C_)
LABELS = torch.tensor([[0, 1, 2, 0], [0, 0, 2, 2]])     # W(0, 0) and U[.., 0, 0] on a path
LENGTHS = torch.tensor([4, 3])
EDGE = torch.zeros(C_, dtype=D)


def _rbm(dtype=D):
    return rbm_mod.BernoulliRBM(6, 4, generator=_g(), dtype=dtype)


RBM = _rbm()
GRBM = rbm_mod.GaussianBernoulliRBM(6, 4, generator=_g(), dtype=D)
V = (torch.arange(18).reshape(3, 6) % 2).to(D)                 # (3, 6) binary visibles
HID = (torch.arange(12).reshape(3, 4) % 3 == 0).to(D)           # (3, 4) binary hiddens
XV = torch.linspace(-1, 1, 18, dtype=D).reshape(3, 6)           # real visibles

SPINS = torch.tensor([[1.0, -1.0, 1.0, -1.0, 1.0], [-1.0, -1.0, 1.0, 1.0, 1.0]], dtype=D)
HW = hopfield.hebbian_weights(SPINS)
BM = boltzmann.BoltzmannMachine(4, 2, generator=_g(), dtype=D)
BITS = torch.tensor([[0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]], dtype=D)
BM_STATES = torch.tensor([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0, 0.0, 1.0]], dtype=D)

MDN = mdn.MixtureDensityNetwork(1, 1, 2, hidden=(4,)).double()
MX = torch.linspace(0, 1, 5, dtype=D)[:, None]
MY = torch.linspace(-1, 1, 5, dtype=D)[:, None]
PARAMS = MDN(MX)


def quadratic(x):
    return 0.5 * (x ** 2).sum(-1)


X0 = torch.zeros(3, 2, dtype=D)

# ----- argument kinds used often ------------------------------------------------------------------
reduction = C("mean")
beta = F(1.0)
beta_inf = F(1.0, inf_ok=True)
margin = F(1.0, zero_ok=True)
gen = G(None)


def pair_loss(fn, **more):
    return Spec(lambda e_pos, e_neg, **kw: fn(e_pos, e_neg, **kw),
                e_pos=T(E1, last=False, empty=None, inf_ok=True), e_neg=T(E2, rows=True, last=False, ndim=False, inf_ok=True),
                reduction=reduction, **more)


def all_loss(fn, **more):
    return Spec(lambda e_pos, e_all, **kw: fn(e_pos, e_all, **kw),
                e_pos=T(E1, last=False, empty=None, inf_ok=True), e_all=T(E2, rows=True, last=False, inf_ok=True), reduction=reduction, **more)


def chain_args(nan=True, **more):
    """unary, transitions, lengths, start, end of a chain (Lecture 5): shapes tied together."""
    return dict(unary=T(UNARY, inf_ok=True, empty=None, last=False, nan=nan),
                transitions=T(TRANS, like=True, inf_ok=True, ndim=True, nan=nan),
                lengths=T(LENGTHS, rows=True, last=False, bad={"a length 0": torch.tensor([4, 0]),
                                                              "a length above N": torch.tensor([5, 3])}),
                start=T(EDGE, like=True, inf_ok=True, nan=nan), end=T(EDGE, like=True, inf_ok=True, nan=nan), **more)


def labels(**bad):
    return T(LABELS, rows=True, bad={"a negative label": torch.tensor([[0, -1, 2, 1], [2, 2, 0, 0]]),
                                     "a label >= C": torch.tensor([[0, 3, 2, 1], [2, 2, 0, 0]]), **bad})


def chain_spec(fn, with_y=False, **more):
    args = chain_args(**more)
    if with_y:
        args["y"] = labels()
    return Spec(lambda **kw: fn(**kw), **args)


SPECS = {
    # ----- energylab.gibbs (Lecture 3) -----
    "energylab.gibbs.gibbs_probabilities": Spec(lambda energies, beta: gibbs.gibbs_probabilities(energies, beta),
                                                energies=T(ENERGIES, inf_ok=True, ndim=False, last=False),
                                                beta=beta_inf),
    "energylab.gibbs.gibbs_log_probabilities": Spec(lambda energies, beta: gibbs.gibbs_log_probabilities(energies, beta),
                                                    energies=T(ENERGIES, inf_ok=True, ndim=False, last=False),
                                                    beta=beta_inf),
    "energylab.gibbs.log_partition": Spec(lambda energies, beta: gibbs.log_partition(energies, beta),
                                          energies=T(ENERGIES, inf_ok=True, ndim=False, last=False), beta=beta),
    "energylab.gibbs.gibbs_density": Spec(lambda energies, beta: gibbs.gibbs_density(energies, beta),
                                          energies=T(ENERGIES, inf_ok=True, ndim=False, last=False), beta=beta),
    "energylab.gibbs.free_energy": Spec(lambda energies, beta: gibbs.free_energy(energies, beta),
                                        energies=T(ENERGIES, inf_ok=True, ndim=False, last=False), beta=beta_inf),
    "energylab.gibbs.make_grid": Spec(lambda bounds, n, dtype, device: gibbs.make_grid(bounds, n, dtype=dtype,
                                                                                       device=device),
                                      bounds=Raw((-1.0, 1.0), bad={"a string": "-1..1", "lo above hi": (1.0, -1.0),
                                                                   "a NaN bound": (math.nan, 1.0)}),
                                      n=I(5, minimum=2), dtype=Dt(), device=Dev()),

    # ----- energylab.losses (Lecture 4) -----
    "energylab.losses.energy_loss": Spec(lambda e_pos, reduction: losses.energy_loss(e_pos, reduction=reduction),
                                         e_pos=T(E1, last=False, inf_ok=True), reduction=reduction),
    "energylab.losses.perceptron_loss": all_loss(losses.perceptron_loss),
    "energylab.losses.hinge_loss": pair_loss(losses.hinge_loss, margin=margin),
    "energylab.losses.log_loss": pair_loss(losses.log_loss),
    "energylab.losses.lvq2_loss": pair_loss(losses.lvq2_loss, cap=F(1.0)),
    "energylab.losses.mce_loss": pair_loss(losses.mce_loss),
    "energylab.losses.square_square_loss": pair_loss(losses.square_square_loss, margin=margin),
    "energylab.losses.square_exp_loss": pair_loss(losses.square_exp_loss, gamma=F(1.0)),
    "energylab.losses.nll_loss": all_loss(losses.nll_loss, beta=beta),
    "energylab.losses.mee_loss": all_loss(losses.mee_loss, beta=beta),
    "energylab.losses.simple_loss": pair_loss(losses.simple_loss, margin=margin),
    "energylab.losses.infonce_loss": pair_loss(losses.infonce_loss, beta=beta),
    "energylab.losses.loss_on_answers": Spec(lambda name, energies, target, margin, beta, reduction: losses.loss_on_answers(
                                                 name, energies, target, margin=margin, beta=beta, reduction=reduction),
                                             name=C("hinge"), energies=T(ENERGIES, inf_ok=True, empty=None, last=False),
                                             margin=margin, beta=beta, reduction=reduction,
                                             target=T(torch.tensor([0, 2]), rows=True,
                                                      bad={"a class out of range": torch.tensor([0, 3]),
                                                           "a negative class": torch.tensor([0, -1])})),
    "energylab.losses.contrastive_loss": Spec(lambda e_pos, e_neg, energy_penalty: losses.contrastive_loss(
                                                  e_pos, e_neg, energy_penalty=energy_penalty),
                                              e_pos=T(E1, last=False, empty=None), e_neg=T(E1, last=False),
                                              energy_penalty=F(0.0, zero_ok=True)),

    # ----- energylab.structured (Lecture 5, homework 3) -----
    "energylab.structured.inference.log_partition": chain_spec(inference.log_partition, beta=beta),
    "energylab.structured.inference.free_energy": chain_spec(inference.free_energy, beta=beta_inf),
    "energylab.structured.inference.marginals": chain_spec(inference.marginals, beta=beta_inf),
    "energylab.structured.inference.viterbi": chain_spec(inference.viterbi),
    "energylab.structured.inference.kbest_viterbi": chain_spec(inference.kbest_viterbi, k=I(2)),
    "energylab.structured.inference.loss_augmented_viterbi": chain_spec(inference.loss_augmented_viterbi, with_y=True,
                                                                        margin=margin),
    "energylab.structured.inference.most_offending_incorrect": chain_spec(inference.most_offending_incorrect,
                                                                          with_y=True),
    "energylab.structured.chain.chain_energy": chain_spec(chain.chain_energy, with_y=True),
    "energylab.structured.losses.sequence_nll_loss": chain_spec(slosses.sequence_nll_loss, with_y=True, beta=beta_inf,
                                                                reduction=reduction),
    "energylab.structured.losses.sequence_hinge_loss": chain_spec(slosses.sequence_hinge_loss, with_y=True,
                                                                  margin=margin, hamming=B(True), reduction=reduction),
    "energylab.structured.losses.sequence_perceptron_loss": chain_spec(slosses.sequence_perceptron_loss, with_y=True,
                                                                       reduction=reduction),
    "energylab.structured.chain.hamming": Spec(lambda y, y_hat, lengths: chain.hamming(y, y_hat, lengths),
                                               y=T(LABELS, rows=True, bad={"a negative label": torch.tensor([[0, -1, 2, 0], [0, 0, 2, 2]])}),
                                               y_hat=T(LABELS.flip(0), rows=True),
                                               lengths=T(LENGTHS, rows=True, last=False,
                                                         bad={"a length 0": torch.tensor([4, 0]),
                                                              "a length above N": torch.tensor([5, 3])})),
    "energylab.structured.chain.mask_from_lengths": Spec(lambda lengths, n: chain.mask_from_lengths(lengths, n),
                                                         lengths=T(LENGTHS, last=False, ndim=True),
                                                         n=I(4, minimum=0)),
    "energylab.structured.dtw.dtw": Spec(lambda cost: dtw_mod.dtw(cost),
                                         cost=T(torch.rand(4, 5, generator=_g(), dtype=D), last=False, ndim=False,
                                                inf_ok=True, empty="error")),
    "energylab.structured.dtw.pairwise_distances": Spec(lambda a, b: dtw_mod.pairwise_distances(a, b),
                                                        a=T(XV[:, :2], ndim=False, last=False), b=T(XV[:2, :2], like=True,
                                                                                        ndim=False)),

    # ----- RBMs (Lecture 8, homework 2) -----
    "energylab.models.rbm.BernoulliRBM": Spec(lambda n_visible, n_hidden, weight_scale, generator, dtype, device:
                                              rbm_mod.BernoulliRBM(n_visible, n_hidden, weight_scale=weight_scale,
                                                                   generator=generator, dtype=dtype, device=device),
                                              n_visible=I(6), n_hidden=I(4), weight_scale=F(0.01, zero_ok=True),
                                              generator=gen, dtype=Dt(D), device=Dev()),
    "energylab.models.rbm.GaussianBernoulliRBM": Spec(lambda n_visible, n_hidden, sigma:
                                                      rbm_mod.GaussianBernoulliRBM(n_visible, n_hidden, sigma=sigma,
                                                                                   dtype=D),
                                                      n_visible=I(6), n_hidden=I(4),
                                                      sigma=Raw(1.0, bad={"a sigma of the wrong length":
                                                                          torch.ones(5, dtype=D),
                                                                          "a negative sigma": -1.0,
                                                                          "a zero entry": torch.zeros(6, dtype=D),
                                                                          "a string": "1"})),
    "energylab.models.rbm.RBM.free_energy": Spec(lambda v: RBM.free_energy(v), v=T(V, like=True)),
    "energylab.models.rbm.BernoulliRBM.free_energy": Spec(lambda v: RBM.free_energy(v), v=T(V, like=True)),
    "energylab.models.rbm.GaussianBernoulliRBM.free_energy": Spec(lambda v: GRBM.free_energy(v), v=T(XV, like=True)),
    "energylab.models.rbm.RBM.hidden_probs": Spec(lambda v: RBM.hidden_probs(v), v=T(V, like=True, inf_ok=True),
                                                  note="sigmoid(±inf) is the right limit"),
    "energylab.models.rbm.RBM.sample_hidden": Spec(lambda v, generator: RBM.sample_hidden(v, generator=generator),
                                                   v=T(V, like=True, inf_ok=True), generator=gen),
    "energylab.models.rbm.BernoulliRBM.visible_probs": Spec(lambda h: RBM.visible_probs(h), h=T(HID, like=True, inf_ok=True)),
    "energylab.models.rbm.BernoulliRBM.energy": Spec(lambda v, h: RBM.energy(v, h), v=T(V, like=True, empty=None),
                                                     h=T(HID, like=True, rows=True)),
    "energylab.models.rbm.RBM.gibbs": Spec(lambda v, n_sweeps, generator: RBM.gibbs(v, n_sweeps, generator=generator),
                                           v=T(V, like=True, inf_ok=True), n_sweeps=I(2, minimum=0), generator=gen),
    "energylab.models.rbm.RBM.log_prob": Spec(lambda v: RBM.log_prob(v), v=T(V, like=True)),
    "energylab.train.contrastive_divergence.train_rbm": Spec(
        lambda rbm, data, method, n_sweeps, lr, batch_size, epochs, generator:
        cdiv.train_rbm(rbm, data, method=method, n_sweeps=n_sweeps, lr=lr, batch_size=batch_size, epochs=epochs,
                       generator=generator),
        rbm=O(_rbm, fresh=True), data=T(V, like=True, empty="error"), method=C("pcd"), n_sweeps=I(1), lr=F(0.1),
        batch_size=I(2), epochs=I(1), generator=gen),
    "energylab.train.contrastive_divergence.cd_gradient": Spec(
        lambda rbm, v, n_sweeps, generator: cdiv.cd_gradient(rbm, v, n_sweeps, generator=generator),
        rbm=O(RBM), v=T(V, like=True), n_sweeps=I(1), generator=gen),

    # ----- Hopfield networks and Boltzmann machines (Lecture 7, homework 2) -----
    "energylab.models.hopfield.hebbian_weights": Spec(lambda patterns: hopfield.hebbian_weights(patterns),
                                                      patterns=T(SPINS, nan=False, inf=False, last=False,
                                                                 bad={"0/1 patterns": (SPINS > 0).to(D)})),
    "energylab.models.hopfield.hopfield_energy": Spec(lambda states, weights: hopfield.hopfield_energy(states, weights),
                                                      states=T(SPINS, like=True), weights=T(HW, like=True, aka=("states",))),
    "energylab.models.hopfield.async_update": Spec(lambda states, weights, n_sweeps, generator:
                                                   hopfield.async_update(states, weights, n_sweeps=n_sweeps,
                                                                         generator=generator),
                                                   states=T(SPINS, like=True, nan=False, inf=False,
                                                            bad={"0/1 states": (SPINS > 0).to(D),
                                                                 "a NaN entry": SPINS.clone().fill_(math.nan)}),
                                                   weights=T(HW, like=True, aka=("states",)), n_sweeps=I(1), generator=gen),
    "energylab.models.hopfield.sync_update": Spec(lambda states, weights, n_sweeps:
                                                  hopfield.sync_update(states, weights, n_sweeps=n_sweeps),
                                                  states=T(SPINS, like=True, nan=False, inf=False,
                                                           bad={"0/1 states": (SPINS > 0).to(D)}),
                                                  weights=T(HW, like=True, aka=("states",)), n_sweeps=I(1)),
    "energylab.models.hopfield.corrupt": Spec(lambda patterns, flip_fraction, generator:
                                              hopfield.corrupt(patterns, flip_fraction, generator=generator),
                                              patterns=T(SPINS, nan=False, inf=False, ndim=False, last=False),
                                              flip_fraction=P(0.2), generator=gen),
    "energylab.models.boltzmann.BoltzmannMachine.energy": Spec(lambda states: BM.energy(states),
                                                               states=T(BM_STATES, like=True)),
    "energylab.models.boltzmann.BoltzmannMachine.log_likelihood": Spec(
        lambda visible: BM.log_likelihood(visible),
        visible=T(BITS, like=True, nan=False, inf=False,
                  bad={"a 0.5 entry": torch.full_like(BITS, 0.5), "a NaN entry": BITS.clone().fill_(math.nan)})),

    # ----- MDNs (Lecture 2, homework 1) -----
    "energylab.models.mdn.MixtureDensityNetwork": Spec(lambda in_features, out_features, n_components, sigma_min:
                                                       mdn.MixtureDensityNetwork(in_features, out_features,
                                                                                 n_components, hidden=(4,),
                                                                                 sigma_min=sigma_min),
                                                       in_features=I(1), out_features=I(1), n_components=I(2),
                                                       sigma_min=F(1e-3, zero_ok=True)),
    "energylab.models.mdn.MixtureDensityNetwork.forward": Spec(lambda x: MDN(x), x=T(MX, like=True, inf_ok=True)),
    "energylab.models.mdn.MixtureDensityNetwork.nll": Spec(lambda y, x: MDN.nll(y, x), y=T(MY, like=True, rows=True, ndim=False),
                                                           x=T(MX, like=True, inf_ok=True, empty=None)),
    "energylab.models.mdn.mixture_log_prob": Spec(lambda params, y: mdn.mixture_log_prob(params, y),
                                                  params=O(PARAMS, bad={"unnormalised log_alpha":
                                                                        PARAMS._replace(log_alpha=PARAMS.log_alpha + 1)}),
                                                  y=T(MY, like=True, rows=True, ndim=False)),
    "energylab.models.mdn.sample_mixture": Spec(lambda params, n_samples, generator:
                                                mdn.sample_mixture(params, n_samples, generator=generator),
                                                params=O(PARAMS), n_samples=I(2), generator=gen),

    # ----- Langevin (Lecture 12, homework 5) -----
    "energylab.samplers.langevin.sgld": Spec(lambda energy, x0, n_steps, step_size, generator:
                                             langevin.sgld(energy, x0, n_steps=n_steps, step_size=step_size,
                                                           generator=generator),
                                             energy=Fn(quadratic), x0=T(X0, ndim=False, last=False, empty="error"),
                                             n_steps=I(3, minimum=0), step_size=F(0.1), generator=gen),
    "energylab.samplers.langevin.langevin_step": Spec(lambda energy, x, step_size, generator:
                                                      langevin.langevin_step(energy, x, step_size=step_size,
                                                                             generator=generator),
                                                      energy=Fn(quadratic), x=T(X0, ndim=False, last=False, empty="error"),
                                                      step_size=F(0.1), generator=gen),
}

# ----- VAEs and GANs (Lecture 11, homework 6) -----
ENC = vae.GaussianEncoder(6, 2, hidden=(4,), generator=_g()).double()
DEC = vae.BernoulliDecoder(2, 6, hidden=(4,), generator=_g()).double()
GDEC = vae.GaussianDecoder(2, 6, hidden=(4,), sigma=0.5, generator=_g()).double()
VAE_ = vae.VAE(ENC, DEC)
ZL = torch.linspace(-1, 1, 6, dtype=D).reshape(3, 2)
Q = vae.GaussianParams(ZL, torch.zeros(3, 2, dtype=D))
SAMPLER = gan.SamplerNet(2, 3, hidden=(4,), generator=_g()).double()
DISC = gan.Discriminator(3, hidden=(4,), generator=_g()).double()
LOGITS = torch.tensor([0.5, -1.0, 2.0], dtype=D)
XR = XV[:, :3]

# ----- conditional RBMs (Lecture 9) -----
CRBM = crbm_mod.ConditionalRBM(3, 4, 5, generator=_g(), dtype=D)
CX = V[:, :3]
CY = (torch.arange(12).reshape(3, 4) % 2).to(D)

SPECS.update({
    "energylab.models.vae.reparameterize": Spec(lambda mean, log_var, noise: vae.reparameterize(mean, log_var, noise),
                                                mean=T(ZL, ndim=False, last=False, empty=None),
                                                log_var=T(torch.zeros(3, 2, dtype=D), like=True),
                                                noise=T(torch.ones(3, 2, dtype=D), like=True, ndim=False, empty=None)),
    "energylab.models.vae.gaussian_kl": Spec(lambda mean, log_var: vae.gaussian_kl(mean, log_var),
                                             mean=T(ZL, ndim=False, last=False, empty=None),
                                             log_var=T(torch.zeros(3, 2, dtype=D), like=True, ndim=False)),
    "energylab.models.vae.log_normal": Spec(lambda z: vae.log_normal(z), z=T(ZL, ndim=False, last=False)),
    "energylab.models.vae.sample_latent": Spec(lambda q, n_samples, generator: vae.sample_latent(q, n_samples,
                                                                                                 generator=generator),
                                               q=O(Q), n_samples=I(2), generator=gen),
    "energylab.models.vae.elbo": Spec(lambda decoder, x, q, n_samples, kl, generator:
                                      vae.elbo(decoder, x, q, n_samples=n_samples, kl=kl, generator=generator),
                                      decoder=O(DEC), x=T(V, like=True, empty=None), q=O(Q),
                                      n_samples=I(1), kl=C("analytic"), generator=gen),
    "energylab.models.vae.iwae_bound": Spec(lambda decoder, x, q, n_samples, generator:
                                            vae.iwae_bound(decoder, x, q, n_samples, generator=generator),
                                            decoder=O(DEC), x=T(V, like=True, empty=None), q=O(Q),
                                            n_samples=I(2), generator=gen),
    "energylab.models.vae.GaussianEncoder": Spec(lambda x_dim, latent_dim, hidden, generator:
                                                 vae.GaussianEncoder(x_dim, latent_dim, hidden, generator=generator),
                                                 x_dim=I(6), latent_dim=I(2),
                                                 hidden=Raw((4,), bad={"a zero width": (0,), "a string": "4"}),
                                                 generator=gen),
    "energylab.models.vae.GaussianEncoder.forward": Spec(lambda x: ENC(x), x=T(V, like=True, inf_ok=True)),
    "energylab.models.vae.BernoulliDecoder.log_prob": Spec(lambda x, z: DEC.log_prob(x, z),
                                                           x=T(V, like=True, rows=True, ndim=False),
                                                           z=T(ZL, like=True, inf_ok=True, ndim=False,
                                                               empty=None)),
    "energylab.models.vae.GaussianDecoder.log_prob": Spec(lambda x, z: GDEC.log_prob(x, z),
                                                          x=T(XV, like=True, rows=True, ndim=False),
                                                          z=T(ZL, like=True, inf_ok=True, ndim=False, empty=None)),
    "energylab.models.vae.GaussianDecoder": Spec(lambda latent_dim, x_dim, sigma:
                                                 vae.GaussianDecoder(latent_dim, x_dim, (4,), sigma=sigma),
                                                 latent_dim=I(2), x_dim=I(6), sigma=F(0.5, none_ok=True)),
    "energylab.models.vae.VAE.elbo": Spec(lambda x, n_samples, kl, generator:
                                          VAE_.elbo(x, n_samples=n_samples, kl=kl, generator=generator),
                                          x=T(V, like=True, inf_ok=True), n_samples=I(1), kl=C("analytic"),
                                          generator=gen),
    "energylab.models.gan.discriminator_loss": Spec(lambda real_logits, fake_logits:
                                                    gan.discriminator_loss(real_logits, fake_logits),
                                                    real_logits=T(LOGITS, ndim=False, last=False, inf_ok=True,
                                                                  empty=None),
                                                    fake_logits=T(LOGITS, like=True, ndim=False, last=False,
                                                                  inf_ok=True, empty=None)),
    "energylab.models.gan.sampler_loss": Spec(lambda fake_logits, kind: gan.sampler_loss(fake_logits, kind),
                                              fake_logits=T(LOGITS, ndim=False, last=False, inf_ok=True,
                                                            empty=None),
                                              kind=C("non_saturating")),
    "energylab.models.gan.gan_value": Spec(lambda real_logits, fake_logits: gan.gan_value(real_logits, fake_logits),
                                           real_logits=T(LOGITS, ndim=False, last=False, inf_ok=True, empty=None),
                                           fake_logits=T(LOGITS, like=True, ndim=False, last=False, inf_ok=True,
                                                         empty=None)),
    "energylab.models.gan.optimal_discriminator_logit": Spec(lambda log_p_data, log_p_model:
                                                             gan.optimal_discriminator_logit(log_p_data, log_p_model),
                                                             log_p_data=T(LOGITS, ndim=False, last=False, inf_ok=True, empty=None),
                                                             log_p_model=T(LOGITS, like=True, ndim=False,
                                                                           rows=True, inf_ok=True, empty=None)),
    "energylab.models.gan.SamplerNet": Spec(lambda noise_dim, x_dim, output, generator:
                                            gan.SamplerNet(noise_dim, x_dim, (4,), output=output, generator=generator),
                                            noise_dim=I(2), x_dim=I(3), output=C("identity"), generator=gen),
    "energylab.models.gan.SamplerNet.forward": Spec(lambda z: SAMPLER(z), z=T(ZL, like=True, inf_ok=True)),
    "energylab.models.gan.Discriminator": Spec(lambda x_dim, generator: gan.Discriminator(x_dim, (4,),
                                                                                         generator=generator),
                                               x_dim=I(3), generator=gen),
    "energylab.models.gan.Discriminator.forward": Spec(lambda x: DISC(x), x=T(XR, like=True, inf_ok=True)),

    "energylab.structured.fast.meet_in_the_middle_viterbi": chain_spec(fast.meet_in_the_middle_viterbi),
    # the fast path answers None where it would not be exact (NaN inputs, beta = inf): the caller
    # runs the plain recursion (tests/lib/test_structured_fast.py); NaN through it is walked above
    "energylab.structured.fast.scaled_forward": Spec(lambda **kw: fast.scaled_forward(**kw),
                                                     **chain_args(nan=False, beta=beta_inf)),
    "energylab.structured.dp.chain_dp": Spec(lambda semiring, **kw: dp.chain_dp(semiring, **kw),
                                             semiring=O(MIN_SUM), **chain_args()),

    "energylab.models.crbm.ConditionalRBM": Spec(lambda n_inputs, n_outputs, n_hidden, input_to_output, dtype:
                                                 crbm_mod.ConditionalRBM(n_inputs, n_outputs, n_hidden,
                                                                         input_to_output=input_to_output, dtype=dtype),
                                                 n_inputs=I(3), n_outputs=I(4), n_hidden=I(5), input_to_output=B(True),
                                                 dtype=Dt(D)),
    "energylab.models.crbm.ConditionalRBM.free_energy": Spec(lambda y, x: CRBM.free_energy(y, x),
                                                             y=T(CY, like=True, empty=None), x=T(CX, like=True, rows=True, empty=None)),
    "energylab.models.crbm.ConditionalRBM.hidden_probs": Spec(lambda y, x: CRBM.hidden_probs(y, x),
                                                              y=T(CY, like=True, empty=None, inf_ok=True),
                                                              x=T(CX, like=True, rows=True, empty=None, inf_ok=True)),
    "energylab.models.crbm.ConditionalRBM.log_prob": Spec(lambda y, x: CRBM.log_prob(y, x),
                                                          y=T(CY, like=True, empty=None), x=T(CX, like=True, rows=True, empty=None)),
    "energylab.models.crbm.ConditionalRBM.gibbs": Spec(lambda y, x, n_sweeps, generator:
                                                       CRBM.gibbs(y, x, n_sweeps, generator=generator),
                                                       y=T(CY, like=True, empty=None, inf_ok=True),
                                                       x=T(CX, like=True, rows=True, empty=None, inf_ok=True),
                                                       n_sweeps=I(1, minimum=0), generator=gen),
    "energylab.models.crbm.train_crbm": Spec(lambda crbm, y, x, method, lr, batch_size, epochs:
                                             _trained(crbm, crbm_mod.train_crbm(crbm, y, x, method=method, lr=lr,
                                                                                batch_size=batch_size, epochs=epochs)),
                                             note="the result is the trained model (NaN in, NaN parameters out)",
                                             crbm=O(lambda: crbm_mod.ConditionalRBM(3, 4, 5, generator=_g(), dtype=D),
                                                    fresh=True),
                                             y=T(CY, like=True, empty=None),
                                             x=T(CX, like=True, rows=True, empty=None),
                                             method=C("cd"), lr=F(0.05), batch_size=I(2), epochs=I(1)),
})

# ----- samplers, inference, diagnostics, energies, toys, DBMs and SBNs -----
PROBS = torch.tensor([[0.2, 0.9, 0.5], [0.0, 1.0, 0.3]], dtype=D)
STATES01 = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]], dtype=D)
LOGP8 = torch.log_softmax(torch.linspace(0, 1, 8, dtype=D), 0)
PTS = torch.linspace(-1, 1, 10, dtype=D).reshape(5, 2)
GMM = energies.GaussianMixtureEnergy(torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=D), 0.3)
RING = energies.RingEnergy(1.0, 0.1)
DBM_ = dbm_mod.DBM([4, 3, 2], generator=_g(), dtype=D)
SBN_ = sbn_mod.SigmoidBeliefNet([4, 3, 2], generator=_g(), dtype=D)
V4 = (torch.arange(12).reshape(3, 4) % 2).to(D)

SPECS.update({
    "energylab.samplers.gibbs_sampling.sample_bernoulli": Spec(lambda probs, generator: gibbs_sampling.sample_bernoulli(
                                                                   probs, generator=generator),
                                                               probs=T(PROBS, ndim=False, last=False, inf=False,
                                                                       types=False),
                                                               generator=gen,
                                                               note="Library only, fed by the models' checked probabilities"),
    "energylab.samplers.exact.enumerate_states": Spec(lambda n_units, spins, dtype, device: exact.enumerate_states(
                                                          n_units, spins=spins, dtype=dtype, device=device),
                                                      n_units=I(3, maximum=30), spins=B(False), dtype=Dt(D, floating=False),
                                                      device=Dev()),
    "energylab.samplers.exact.state_index": Spec(lambda states: exact.state_index(states),
                                                 states=T(STATES01.long(), last=False,
                                                          bad={"a 0.5 entry": torch.full((2, 3), 0.5, dtype=D)})),
    "energylab.samplers.exact.empirical_distribution": Spec(lambda samples, n_states: exact.empirical_distribution(
                                                                samples, n_states),
                                                            samples=T(STATES01.long(), last=False, empty=None),
                                                            n_states=I(8, none_ok=True)),
    "energylab.samplers.exact.tv_distance": Spec(lambda samples, log_probs: exact.tv_distance(samples, log_probs),
                                                 samples=T(STATES01.long(), empty=None, last=False),
                                                 log_probs=T(LOGP8, inf_ok=True, empty=None, ndim=False, last=False)),
    "energylab.samplers.exact.tv_bound": Spec(lambda log_probs, n_samples, delta: exact.tv_bound(log_probs, n_samples,
                                                                                                 delta),
                                              log_probs=T(LOGP8, inf_ok=True, empty=None), n_samples=I(100),
                                              delta=P(0.001)),
    "energylab.samplers.ais.beta_schedule": Spec(lambda n_betas, dtype, device: ais.beta_schedule(n_betas, dtype=dtype,
                                                                                                  device=device),
                                                 n_betas=I(10, minimum=2), dtype=Dt(D), device=Dev()),
    "energylab.samplers.ais.ais_log_partition": Spec(lambda path, n_betas, n_runs, generator: ais.ais_log_partition(
                                                         path, n_betas=n_betas, n_runs=n_runs, generator=generator),
                                                     path=O(RBM.annealing_path()), n_betas=I(5, minimum=2),
                                                     n_runs=I(3), generator=gen),
    "energylab.inference.gradient_descent": Spec(lambda energy, starts, n_steps, step_size: einference.gradient_descent(
                                                     energy, starts, n_steps=n_steps, step_size=step_size),
                                                 energy=Fn(quadratic), starts=T(X0, last=False, empty="error"),
                                                 n_steps=I(3, minimum=0), step_size=F(0.1)),
    "energylab.inference.energy_table": Spec(lambda energy, candidates: einference.energy_table(energy, candidates),
                                             energy=Fn(quadratic), candidates=T(PTS, last=False, empty="error")),
    "energylab.inference.exhaustive_argmin": Spec(lambda energy, candidates: einference.exhaustive_argmin(energy,
                                                                                                          candidates),
                                                  energy=Fn(quadratic), candidates=T(PTS, last=False, empty="error")),
    "energylab.inference.most_offending": Spec(lambda energies, target: einference.most_offending(energies, target),
                                               energies=T(ENERGIES, inf_ok=True, empty=None, last=False),
                                               target=T(torch.tensor([0, 2]), rows=True,
                                                        bad={"a class out of range": torch.tensor([0, 3])})),
    "energylab.inference.random_starts": Spec(lambda n, dim, bounds, generator, dtype: einference.random_starts(
                                                  n, dim, bounds=bounds, generator=generator, dtype=dtype),
                                              n=I(4), dim=I(2), bounds=Raw((0.0, 1.0), bad={"lo above hi": (1.0, 0.0),
                                                                                          "a string": "0..1"}),
                                              generator=gen, dtype=Dt(D)),
    "energylab.diagnostics.auroc": Spec(lambda positive, negative: diagnostics.auroc(positive, negative),
                                        positive=T(E1, ndim=True, last=False, empty="error", inf_ok=True),
                                        negative=T(E1 + 1, last=False, empty="error", inf_ok=True),
                                        note="scores of another dtype are cast (a rank statistic loses nothing)"),
    "energylab.diagnostics.energy_distance": Spec(lambda x, y: diagnostics.energy_distance(x, y),
                                                  x=T(PTS, last=False, empty="error"),
                                                  y=T(PTS + 1, empty="error"), note="y is cast to x's dtype"),
    "energylab.diagnostics.effective_sample_size": Spec(lambda chain: diagnostics.effective_sample_size(chain),
                                                        chain=T(torch.rand(20, 2, generator=_g(), dtype=D),
                                                                ndim=False, last=False, empty="error")),
    "energylab.divergences.kl_on_grid": Spec(lambda log_p, log_q, cell: divergences.kl_on_grid(log_p, log_q, cell),
                                             log_p=T(LOGP8, last=False, empty=None, inf_ok=True),
                                             log_q=T(LOGP8.flip(0), like=True, inf_ok=True, empty=None),
                                             cell=F(0.5)),
    "energylab.divergences.js_on_grid": Spec(lambda log_p, log_q, cell: divergences.js_on_grid(log_p, log_q, cell),
                                             log_p=T(LOGP8, last=False, empty=None, inf_ok=True),
                                             log_q=T(LOGP8.flip(0), like=True, inf_ok=True, empty=None),
                                             cell=F(0.5)),
    "energylab.energies.GaussianMixtureEnergy": Spec(lambda means, stds: energies.GaussianMixtureEnergy(means, stds),
                                                     means=T(torch.zeros(2, 2, dtype=D), empty="error", last=False),
                                                     stds=Raw(0.3, bad={"a negative std": -0.3, "a string": "0.3",
                                                                        "zero": 0.0})),
    "energylab.energies.GaussianMixtureEnergy.forward": Spec(lambda y: GMM(y), y=T(PTS, like=True, ndim=False)),
    "energylab.energies.RingEnergy": Spec(lambda radius, width: energies.RingEnergy(radius, width),
                                          radius=F(1.0), width=F(0.1)),
    "energylab.energies.RingEnergy.forward": Spec(lambda y: RING(y), y=T(PTS, ndim=False)),
    "energylab.energies.RingEnergy.free_energy": Spec(lambda y, beta: RING.free_energy(y, beta),
                                                      y=T(PTS, ndim=False), beta=beta_inf),
    "energylab.data.toys.moons": Spec(lambda n, noise, generator: toys.moons(n, noise=noise, generator=generator),
                                      n=I(10), noise=F(0.05, zero_ok=True), generator=gen),
    "energylab.data.toys.rings": Spec(lambda n, noise, generator: toys.rings(n, noise=noise, generator=generator),
                                      n=I(10), noise=F(0.05, zero_ok=True), generator=gen),
    "energylab.data.toys.spirals": Spec(lambda n, turns, noise, generator: toys.spirals(n, turns=turns, noise=noise,
                                                                                        generator=generator),
                                        n=I(10), turns=F(1.5), noise=F(0.05, zero_ok=True), generator=gen),
    "energylab.data.toys.eight_gaussians": Spec(lambda n, radius, noise, generator: toys.eight_gaussians(
                                                    n, radius=radius, noise=noise, generator=generator),
                                                n=I(10), radius=F(2.0), noise=F(0.1, zero_ok=True), generator=gen),
    "energylab.data.toys.two_d_toy": Spec(lambda name, n: toys.two_d_toy(name, n), name=C("moons"), n=I(10)),
    "energylab.models.dbm.DBM": Spec(lambda sizes, weight_scale, generator, dtype, device: dbm_mod.DBM(
                                         sizes, weight_scale=weight_scale, generator=generator, dtype=dtype,
                                         device=device),
                                     sizes=Raw([4, 3, 2], bad={"one layer": [4], "a zero size": [4, 0, 2],
                                                               "a string": "4,3,2", "a float size": [4, 2.5]}),
                                     weight_scale=F(0.01, zero_ok=True), generator=gen, dtype=Dt(D), device=Dev()),
    "energylab.models.dbm.DBM.log_prob": Spec(lambda v: DBM_.log_prob(v), v=T(V4, like=True)),
    "energylab.models.dbm.DBM.bottom_up": Spec(lambda v: DBM_.bottom_up(v), v=T(V4, like=True, inf_ok=True)),
    "energylab.models.dbm.DBM.mean_field": Spec(lambda v, tol, max_iters: DBM_.mean_field(v, tol=tol,
                                                                                           max_iters=max_iters),
                                                v=T(V4, like=True, inf_ok=True, empty="error"), tol=F(1e-6),
                                                max_iters=I(10)),
    "energylab.models.sbn.SigmoidBeliefNet": Spec(lambda sizes, weight_scale, generator, dtype, device:
                                                  sbn_mod.SigmoidBeliefNet(sizes, weight_scale=weight_scale,
                                                                           generator=generator, dtype=dtype,
                                                                           device=device),
                                                  sizes=Raw([4, 3, 2], bad={"a zero size": [4, 0, 2], "a string": "4,3,2",
                                                                            "a float size": [4, 2.5]}),
                                                  weight_scale=F(0.1, zero_ok=True), generator=gen, dtype=Dt(D),
                                                  device=Dev()),
    "energylab.models.sbn.SigmoidBeliefNet.log_prob": Spec(lambda v: SBN_.log_prob(v), v=T(V4, like=True)),
    "energylab.models.sbn.SigmoidBeliefNet.sample_down": Spec(lambda top, generator: SBN_.sample_down(
                                                                  top, generator=generator),
                                                              top=T(torch.ones(3, 2, dtype=D), like=True,
                                                                    inf=False, nan=False), generator=gen),
})

# ----- models with networks, replay, the fit loop, Boltzmann/Hopfield/RBM methods -----
MLPE = mlp_energy.MLPEnergy(2, 0, hidden=4).double()
MLPE_X = mlp_energy.MLPEnergy(2, 3, hidden=4).double()
KME = mlp_energy.KMeansEnergy(3, 2, generator=_g()).double()
JEM_ = jem_mod.JEM(mlp_mod.mlp(6, (4,), 3, generator=_g()).double())
GATED = gated_mod.FactoredGatedRBM(3, 3, 4, 2, generator=_g(), dtype=D)
GX, GY = XV[:, :3], XV[:, 3:]
CHAIN = chain_model.ChainEnergy(3, 2).double()
CHX = torch.linspace(-1, 1, B_ * N_ * 2, dtype=D).reshape(B_, N_, 2)
BUFFER = replay.ReplayBuffer(2, capacity=8, dtype=D, generator=_g())
GENMLP = gen_mod.GeneratorMLP(3, 2, hidden=(4,), noise_dim=1).double()
HOP = hopfield.HopfieldNetwork(5, dtype=D).store(SPINS)


def _linear_loss(model, x, y):
    return ((model(x) - y) ** 2).mean()


SPECS.update({
    "energylab.losses.pairwise_hinge_loss": Spec(lambda e_pos, e_neg, margins: losses.pairwise_hinge_loss(
                                                     e_pos, e_neg, margins),
                                                 e_pos=T(E1, last=False, empty=None, inf_ok=True),
                                                 e_neg=T(E2, rows=True, last=False, ndim=False, inf_ok=True),
                                                 margins=T(torch.ones(3, 2, dtype=D), like=True, rows=True, last=False,
                                                           ndim=False),
                                                 note="margins broadcast against e_neg (B, K)"),
    "energylab.models.mlp.mlp": Spec(lambda in_features, hidden, out_features, generator: mlp_mod.mlp(
                                         in_features, hidden, out_features, generator=generator),
                                     in_features=I(3), hidden=Raw((4,), bad={"a zero width": (0,), "a string": "4",
                                                                              "a float width": (2.5,)}),
                                     out_features=I(2), generator=gen),
    "energylab.models.mlp_energy.MLPEnergy": Spec(lambda y_dim, x_dim, hidden, nonnegative: mlp_energy.MLPEnergy(
                                                      y_dim, x_dim, hidden, nonnegative=nonnegative),
                                                  y_dim=I(2), x_dim=I(0, minimum=0), hidden=I(4),
                                                  nonnegative=B(False)),
    "energylab.models.mlp_energy.MLPEnergy.forward": Spec(lambda y, x: MLPE_X(y, x), y=T(PTS[:3], like=True, empty=None),
                                                          x=T(XV[:, :3], like=True, rows=True, empty=None,
                                                              inf_ok=True)),
    "energylab.models.mlp_energy.KMeansEnergy": Spec(lambda n_prototypes, dim, scale, beta, generator:
                                                     mlp_energy.KMeansEnergy(n_prototypes, dim, scale=scale,
                                                                             beta=beta, generator=generator),
                                                     n_prototypes=I(3), dim=I(2), scale=F(1.0), beta=beta_inf,
                                                     generator=gen),
    "energylab.models.mlp_energy.KMeansEnergy.forward": Spec(lambda y: KME(y), y=T(PTS, like=True)),
    "energylab.models.jem.JEM": Spec(lambda net: jem_mod.JEM(net), net=O(JEM_.net)),
    "energylab.models.jem.JEM.logits": Spec(lambda x: JEM_.logits(x), x=T(XV, like=True, inf_ok=True, ndim=False)),
    "energylab.models.jem.JEM.free_energy": Spec(lambda x: JEM_.free_energy(x), x=T(XV, like=True, inf_ok=True,
                                                                                    ndim=False)),
    "energylab.models.jem.JEM.energy": Spec(lambda y, x: JEM_.energy(y, x),
                                            y=T(torch.tensor([0, 2, 1]), rows=True,
                                                bad={"a class out of range": torch.tensor([0, 3, 1]),
                                                     "a negative class": torch.tensor([0, -1, 1])}),
                                            x=T(XV, like=True, inf_ok=True, ndim=False, empty=None)),
    "energylab.models.jem.JEM.predict": Spec(lambda x: JEM_.predict(x), x=T(XV, like=True, ndim=False, nan=False,
                                                                            inf=False,
                                                                            bad={"a NaN entry": XV.clone().fill_(
                                                                                math.nan)})),
    "energylab.models.jem.jem_loss": Spec(lambda model, x, y, x_sampled, contrast_weight, energy_penalty:
                                          jem_mod.jem_loss(model, x, y, x_sampled, contrast_weight=contrast_weight,
                                                           energy_penalty=energy_penalty),
                                          model=O(JEM_), x=T(XV, like=True, empty=None),
                                          y=T(torch.tensor([0, 2, 1]), rows=True,
                                              bad={"a class out of range": torch.tensor([0, 3, 1])}),
                                          x_sampled=T(XV.flip(0), like=True, ndim=False, empty=None),
                                          contrast_weight=F(1.0, zero_ok=True), energy_penalty=F(0.1, zero_ok=True)),
    "energylab.models.gated_rbm.FactoredGatedRBM": Spec(lambda n_inputs, n_outputs, n_factors, n_hidden, output, dtype:
                                                        gated_mod.FactoredGatedRBM(n_inputs, n_outputs, n_factors,
                                                                                   n_hidden, output=output,
                                                                                   dtype=dtype),
                                                        n_inputs=I(3), n_outputs=I(3), n_factors=I(4), n_hidden=I(2),
                                                        output=C("gaussian"), dtype=Dt(D)),
    "energylab.models.gated_rbm.FactoredGatedRBM.free_energy": Spec(lambda y, x: GATED.free_energy(y, x),
                                                                    y=T(GY, like=True, empty=None),
                                                                    x=T(GX, like=True, rows=True, empty=None)),
    "energylab.models.gated_rbm.FactoredGatedRBM.hidden_probs": Spec(lambda y, x: GATED.hidden_probs(y, x),
                                                                     y=T(GY, like=True, empty=None, inf_ok=True),
                                                                     x=T(GX, like=True, rows=True, empty=None,
                                                                         inf_ok=True)),
    "energylab.models.gated_rbm.FactoredGatedRBM.gibbs": Spec(lambda y, x, n_sweeps, generator: GATED.gibbs(
                                                                  y, x, n_sweeps, generator=generator),
                                                              y=T(GY, like=True, empty=None, inf_ok=True),
                                                              x=T(GX, like=True, rows=True, empty=None, inf_ok=True),
                                                              n_sweeps=I(1, minimum=0), generator=gen),
    "energylab.structured.model.ChainEnergy": Spec(lambda n_labels, n_features, boundary, pairwise:
                                                   chain_model.ChainEnergy(n_labels, n_features, boundary=boundary,
                                                                           pairwise=pairwise),
                                                   n_labels=I(3), n_features=I(2, none_ok=True), boundary=B(False),
                                                   pairwise=B(True)),
    "energylab.structured.model.ChainEnergy.forward": Spec(lambda x, y, lengths: CHAIN(x, y, lengths),
                                                           x=T(CHX, like=True, empty=None),
                                                           y=T(LABELS, rows=True,
                                                               bad={"a label >= C": torch.tensor([[0, 3, 2, 0],
                                                                                                 [0, 0, 2, 2]])}),
                                                           lengths=T(LENGTHS, rows=True, last=False,
                                                                     bad={"a length 0": torch.tensor([4, 0])})),
    "energylab.structured.model.ChainEnergy.decode": Spec(lambda x, lengths: CHAIN.decode(x, lengths),
                                                          x=T(CHX, like=True, empty=None),
                                                          lengths=T(LENGTHS, rows=True, last=False,
                                                                    bad={"a length 0": torch.tensor([4, 0])})),
    "energylab.samplers.replay.ReplayBuffer": Spec(lambda shape, capacity, reinit_prob, dtype, generator:
                                                   replay.ReplayBuffer(shape, capacity, reinit_prob=reinit_prob,
                                                                       dtype=dtype, generator=generator),
                                                   shape=Raw(2, bad={"a zero size": 0, "a string": "2",
                                                                     "a float": 2.5}),
                                                   capacity=I(8), reinit_prob=P(0.05), dtype=Dt(D), generator=gen),
    "energylab.samplers.replay.ReplayBuffer.sample": Spec(lambda n, generator: BUFFER.sample(n, generator=generator),
                                                          n=I(3), generator=gen),
    "energylab.samplers.replay.persistent_sgld": Spec(lambda energy, buffer, n, n_steps, step_size, generator:
                                                      replay.persistent_sgld(energy, buffer, n, n_steps=n_steps,
                                                                             step_size=step_size,
                                                                             generator=generator),
                                                      energy=Fn(quadratic),
                                                      buffer=O(lambda: replay.ReplayBuffer(2, capacity=8, dtype=D,
                                                                                           generator=_g()),
                                                               fresh=True),
                                                      n=I(3), n_steps=I(2, minimum=0), step_size=F(0.1),
                                                      generator=gen),
    "energylab.samplers.langevin.mala": Spec(lambda energy, x0, n_steps, step_size, generator: langevin.mala(
                                                 energy, x0, n_steps=n_steps, step_size=step_size,
                                                 generator=generator),
                                             energy=Fn(quadratic), x0=T(X0, ndim=False, last=False, empty="error"),
                                             n_steps=I(3, minimum=0), step_size=F(0.1), generator=gen),
    "energylab.samplers.langevin.mala_step": Spec(lambda energy, x, step_size, generator: langevin.mala_step(
                                                      energy, x, step_size=step_size, generator=generator),
                                                  energy=Fn(quadratic), x=T(X0, ndim=False, last=False,
                                                                            empty="error"),
                                                  step_size=F(0.1), generator=gen),
    "energylab.samplers.langevin.energy_and_grad": Spec(lambda energy, x: langevin.energy_and_grad(energy, x),
                                                        energy=Fn(quadratic), x=T(X0, ndim=False, last=False)),
    "energylab.train.loop.batches": Spec(lambda tensors, batch_size, shuffle, generator: list(loop.batches(
                                             tensors, batch_size, shuffle=shuffle, generator=generator)),
                                         tensors=Raw((XV, V), bad={"tensors of different lengths": (XV, V[:2]),
                                                                   "a bare tensor": XV, "a list inside": (XV, [1])}),
                                         batch_size=I(2), shuffle=B(True), generator=gen),
    "energylab.train.loop.fit": Spec(lambda model, loss_fn, data, epochs, lr, batch_size: loop.fit(
                                         model, loss_fn, data, epochs=epochs, lr=lr, batch_size=batch_size,
                                         progress=False),
                                     model=O(lambda: torch.nn.Linear(6, 1).double(), fresh=True),
                                     loss_fn=Fn(_linear_loss), data=Raw((XV, XV[:, :1]), bad={
                                         "tensors of different lengths": (XV, XV[:2, :1]), "a bare tensor": XV,
                                         "no rows": (XV[:0], XV[:0, :1])}),
                                     epochs=I(2), lr=F(0.01), batch_size=I(2, none_ok=True)),
    "energylab.models.generator.GeneratorMLP.forward": Spec(lambda x, noise: GENMLP(x, noise),
                                                            x=T(XV[:, :3], like=True, inf_ok=True, empty=None),
                                                            noise=T(torch.zeros(3, 1, dtype=D), rows=True, inf_ok=True,
                                                                    bad={"on another device ('meta')":
                                                                         torch.zeros(3, 1, dtype=D, device="meta")})),
    "energylab.models.hopfield.HopfieldNetwork": Spec(lambda n_units, dtype, device: hopfield.HopfieldNetwork(
                                                          n_units, dtype=dtype, device=device),
                                                      n_units=I(5), dtype=Dt(D), device=Dev()),
    "energylab.models.hopfield.HopfieldNetwork.store": Spec(lambda patterns: hopfield.HopfieldNetwork(5, dtype=D)
                                                            .store(patterns),
                                                            patterns=T(SPINS, like=True, nan=False, inf=False,
                                                                       bad={"0/1 patterns": (SPINS > 0).to(D),
                                                                            "a NaN entry": SPINS.clone().fill_(
                                                                                math.nan)})),
    "energylab.models.hopfield.HopfieldNetwork.recall": Spec(lambda states, n_sweeps: HOP.recall(
                                                                 states, n_sweeps=n_sweeps, generator=_g()),
                                                             states=T(SPINS, like=True, nan=False, inf=False,
                                                                      bad={"0/1 states": (SPINS > 0).to(D)}),
                                                             n_sweeps=I(3)),
    "energylab.models.hopfield.random_patterns": Spec(lambda n_patterns, n_units, generator, dtype, device:
                                                      hopfield.random_patterns(n_patterns, n_units,
                                                                               generator=generator, dtype=dtype,
                                                                               device=device),
                                                      n_patterns=I(2), n_units=I(5), generator=gen, dtype=Dt(D),
                                                      device=Dev()),
    "energylab.models.boltzmann.BoltzmannMachine": Spec(lambda n_visible, n_hidden, weight_scale, generator, dtype,
                                                        device: boltzmann.BoltzmannMachine(
                                                            n_visible, n_hidden, weight_scale=weight_scale,
                                                            generator=generator, dtype=dtype, device=device),
                                                        n_visible=I(4), n_hidden=I(2, minimum=0),
                                                        weight_scale=F(0.1, zero_ok=True), generator=gen,
                                                        dtype=Dt(D), device=Dev()),
    "energylab.models.boltzmann.BoltzmannMachine.gibbs": Spec(lambda states, n_sweeps, clamp_visible, generator:
                                                              BM.gibbs(states, n_sweeps, clamp_visible=clamp_visible,
                                                                       generator=generator),
                                                              states=T(BM_STATES, like=True, nan=False, inf=False,
                                                                       bad={"a 0.5 entry": torch.full_like(
                                                                           BM_STATES, 0.5)}),
                                                              n_sweeps=I(1, minimum=0), clamp_visible=B(False),
                                                              generator=gen),
    "energylab.models.boltzmann.train_boltzmann": Spec(lambda bm, data, epochs, lr, batch_size, n_sweeps, n_chains:
                                                       _trained(bm, boltzmann.train_boltzmann(
                                                           bm, data, epochs=epochs, lr=lr, batch_size=batch_size,
                                                           n_sweeps=n_sweeps, n_chains=n_chains, generator=_g())),
                                                       bm=O(lambda: boltzmann.BoltzmannMachine(4, 2, generator=_g(),
                                                                                               dtype=D), fresh=True),
                                                       data=T(BITS, like=True, nan=False, inf=False, empty="error",
                                                              bad={"a 0.5 entry": torch.full_like(BITS, 0.5)}),
                                                       epochs=I(1), lr=F(0.1), batch_size=I(2), n_sweeps=I(1),
                                                       n_chains=I(3)),
    "energylab.models.rbm.RBM.sample_visible": Spec(lambda h, generator: RBM.sample_visible(h, generator=generator),
                                                    h=T(HID, like=True, inf_ok=True), generator=gen),
    "energylab.models.rbm.RBM.gibbs_chain": Spec(lambda v, n_sweeps, every: RBM.gibbs_chain(v, n_sweeps, every=every,
                                                                                           generator=_g()),
                                                 v=T(V, like=True, inf_ok=True), n_sweeps=I(3, minimum=0), every=I(1)),
    "energylab.models.rbm.RBM.reconstruction_error": Spec(lambda v: RBM.reconstruction_error(v), v=T(V, like=True)),
    "energylab.models.rbm.BernoulliRBM.pseudo_log_likelihood": Spec(lambda v, generator: RBM.pseudo_log_likelihood(
                                                                        v, generator=generator),
                                                                    v=T(V, like=True, nan=False, inf=False,
                                                                        bad={"a 1.5 entry": torch.full_like(V, 1.5),
                                                                             "a NaN entry": V.clone().fill_(math.nan)}),
                                                                    generator=gen),
    "energylab.train.contrastive_divergence.PersistentChains": Spec(lambda rbm, n_chains: cdiv.PersistentChains(
                                                                        rbm, n_chains),
                                                                    rbm=O(RBM), n_chains=I(3)),
    "energylab.train.contrastive_divergence.pcd_gradient": Spec(lambda rbm, v, chains, n_sweeps: cdiv.pcd_gradient(
                                                                    rbm, v, chains, n_sweeps, generator=_g()),
                                                                rbm=O(RBM), v=T(V, like=True),
                                                                chains=O(lambda: cdiv.PersistentChains(RBM, 3),
                                                                         fresh=True),
                                                                n_sweeps=I(1)),
    "energylab.train.contrastive_divergence.likelihood_gradient": Spec(
        lambda rbm, v_data, v_model: cdiv.likelihood_gradient(rbm, v_data, v_model),
        rbm=O(RBM), v_data=T(V, like=True, empty="error"), v_model=T(V.flip(0), like=True, empty="error")),
})

# ----- data, MDN helpers, Hopfield recall, structured checks, small helpers -----
RAW = torch.linspace(-1, 1, 5 * 6, dtype=D).reshape(5, 6)          # (B, K + 2 K D) for K=2, D=1
IMAGES = torch.rand(3, 64, generator=_g(), dtype=D)

SPECS.update({
    "energylab.data.bars.bars_and_stripes": Spec(lambda side, dtype, device: bars.bars_and_stripes(side, dtype=dtype,
                                                                                                  device=device),
                                                 side=I(3), dtype=Dt(D), device=Dev()),
    "energylab.data.digits.load_digits": Spec(lambda scaling, dtype: digits_mod.load_digits(scaling, dtype=dtype),
                                              scaling=C("unit"), dtype=Dt(D)),
    "energylab.data.digits.split_images": Spec(lambda images, hidden: digits_mod.split_images(images, hidden),
                                               images=T(IMAGES), hidden=C("bottom")),
    "energylab.data.digits.join_images": Spec(lambda x, y, hidden: digits_mod.join_images(x, y, hidden),
                                              x=T(IMAGES[:, :32], empty=None),
                                              y=T(IMAGES[:, 32:], like=True, rows=True, empty=None),
                                              hidden=C("bottom")),
    "energylab.data.digits.hidden_pixels": Spec(lambda hidden: digits_mod.hidden_pixels(hidden), hidden=C("bottom")),
    "energylab.data.inverse.bishop_forward": Spec(lambda n, noise, generator, dtype: inverse.bishop_forward(
                                                      n, noise=noise, generator=generator, dtype=dtype),
                                                  n=I(10), noise=F(0.1, zero_ok=True), generator=gen, dtype=Dt(D)),
    "energylab.data.inverse.bishop_inverse": Spec(lambda n, noise, generator, dtype: inverse.bishop_inverse(
                                                      n, noise=noise, generator=generator, dtype=dtype),
                                                  n=I(10), noise=F(0.1, zero_ok=True), generator=gen, dtype=Dt(D)),
    "energylab.data.planets.planets": Spec(lambda n, radius_noise, generator, dtype: planets_mod.planets(
                                               n, radius_noise=radius_noise, generator=generator, dtype=dtype),
                                           n=I(10), radius_noise=F(0.01, zero_ok=True), generator=gen, dtype=Dt(D)),
    "energylab.data.planets.pure_planet_radius": Spec(lambda mass, material: planets_mod.pure_planet_radius(mass,
                                                                                                           material),
                                                      mass=T(torch.tensor([1.0, 2.0], dtype=D), ndim=False, last=False,
                                                             bad={"a negative mass": torch.tensor([-1.0, 2.0],
                                                                                                  dtype=D)}),
                                                      material=C("iron")),
    "energylab.data.sequences.grammar_transitions": Spec(lambda stay: sequences.grammar_transitions(stay), stay=P(0.6)),
    "energylab.data.sequences.grammar_sequences": Spec(lambda n, noise, stay, generator: sequences.grammar_sequences(
                                                           n, noise=noise, stay=stay, generator=generator),
                                                       n=I(3), noise=F(0.6, zero_ok=True), stay=P(0.6), generator=gen),
    "energylab.models.mdn.mdn_heads": Spec(lambda raw, n_components, out_features, sigma_min: mdn.mdn_heads(
                                               raw, n_components, out_features, sigma_min),
                                           raw=T(RAW, inf_ok=True), n_components=I(2), out_features=I(1),
                                           sigma_min=F(1e-3, zero_ok=True)),
    "energylab.models.mdn.mixture_mean": Spec(lambda params: mdn.mixture_mean(params), params=O(PARAMS)),
    "energylab.models.mdn.mixture_modes": Spec(lambda params, n_steps, tol: mdn.mixture_modes(params, n_steps=n_steps,
                                                                                             tol=tol),
                                               params=O(PARAMS), n_steps=I(5), tol=F(1e-7)),
    "energylab.models.mdn.MixtureDensityNetwork.log_prob": Spec(lambda y, x: MDN.log_prob(y, x),
                                                                y=T(MY, like=True, rows=True, ndim=False),
                                                                x=T(MX, like=True, inf_ok=True, empty=None)),
    "energylab.models.mdn.MixtureDensityNetwork.sample": Spec(lambda x, n_samples, generator: MDN.sample(
                                                                  x, n_samples, generator=generator),
                                                              x=T(MX, like=True, inf_ok=True, aka=("params",)),
                                                              n_samples=I(2),
                                                              generator=gen),
    "energylab.models.hopfield.recall": Spec(lambda states, weights, n_sweeps, generator: hopfield.recall(
                                                 states, weights, n_sweeps=n_sweeps, generator=generator),
                                             states=T(SPINS, like=True, nan=False, inf=False,
                                                      bad={"0/1 states": (SPINS > 0).to(D)}),
                                             weights=T(HW, like=True, aka=("states",)), n_sweeps=I(3), generator=gen),
    "energylab.models.rbm.base_rate_bias": Spec(lambda data, eps: rbm_mod.base_rate_bias(data, eps=eps),
                                                data=T(V, empty="error", last=False), eps=F(1e-3)),
    "energylab.models.dbn.transposed_rbm": Spec(lambda rbm: dbn_mod.transposed_rbm(rbm), rbm=O(RBM)),
    "energylab.models.sbn.tied_sbn": Spec(lambda rbm, depth: sbn_mod.tied_sbn(rbm, depth), rbm=O(RBM), depth=I(2)),
    "energylab.samplers.ais.summarize_ais": Spec(lambda log_weights, log_z_base: ais.summarize_ais(log_weights,
                                                                                                   log_z_base),
                                                 log_weights=T(E1, last=False, empty="error"),
                                                 log_z_base=F(0.5, minimum=None)),
    "energylab.structured.losses.sequence_loss": Spec(lambda kind, **kw: slosses.sequence_loss(kind, **kw),
                                                      kind=C("nll"), **chain_args(nan=True, y=labels())),
    "energylab.structured.chain.check_chain": Spec(lambda **kw: chain.check_chain(**kw), **chain_args(nan=False)),
})


# ----- Lecture 4 §7 (NCE, score matching, autoencoders, sparse coding, shaping), Lecture 12 (R-hat) -----
from energylab import nce as nce_mod, score_matching as sm_mod, shaping as shaping_mod  # noqa: E402
from energylab.models import autoencoder as ae_mod, sparse_coding as sc_mod  # noqa: E402

SC = sc_mod.SparseCoding(3, 4, sparsity=0.1, n_steps=5, generator=_g()).double()
SCY = XV[:, :3]
SCZ = torch.linspace(-1, 1, 12, dtype=D).reshape(3, 4)
DAE = ae_mod.DenoisingAutoencoder(3, (4,), corruption="gaussian").double()
MAE = ae_mod.DenoisingAutoencoder(3, (4,), corruption="mask", mask_prob=0.5).double()
SNE = nce_mod.SelfNormalisedEnergy(MLPE).double()
LOG_DATA = torch.tensor([-1.0, -2.0, -0.5], dtype=D)
LOG_NOISE = torch.tensor([-1.5, -2.5, -0.7, -3.0, -1.0, -2.0], dtype=D)


def log_density(value):
    """A log-density (N,): -inf is a zero density, +inf the limit of the loss."""
    return T(value, last=False, empty="error", inf_ok=True, like=True, aka=("log_p_data",))


SPECS.update({
    "energylab.diagnostics.r_hat": Spec(lambda chain: diagnostics.r_hat(chain),
                                        chain=T(torch.rand(20, 2, generator=_g(), dtype=D),
                                                ndim=False, last=False, empty="error")),
    "energylab.models.sparse_coding.soft_threshold": Spec(lambda v, threshold: sc_mod.soft_threshold(v, threshold),
                                                          v=T(SCZ, ndim=False, last=False, inf_ok=True),
                                                          threshold=F(0.5, zero_ok=True)),
    "energylab.models.sparse_coding.SparseCoding": Spec(lambda dim, n_atoms, sparsity, n_steps, generator:
                                                        sc_mod.SparseCoding(dim, n_atoms, sparsity=sparsity,
                                                                            n_steps=n_steps, generator=generator),
                                                        dim=I(3), n_atoms=I(4), sparsity=F(0.1, zero_ok=True),
                                                        n_steps=I(5), generator=gen),
    "energylab.models.sparse_coding.SparseCoding.latent_energy": Spec(lambda y, z: SC.latent_energy(y, z),
                                                                      y=T(SCY, like=True, empty=None),
                                                                      z=T(SCZ, like=True, rows=True)),
    "energylab.models.sparse_coding.SparseCoding.codes": Spec(lambda y: SC.codes(y), y=T(SCY, like=True)),
    "energylab.models.sparse_coding.SparseCoding.forward": Spec(lambda y: SC(y), y=T(SCY, like=True)),
    "energylab.models.autoencoder.DenoisingAutoencoder": Spec(
        lambda dim, hidden, corruption, noise_std, mask_prob: ae_mod.DenoisingAutoencoder(
            dim, hidden, corruption=corruption, noise_std=noise_std, mask_prob=mask_prob),
        dim=I(3), hidden=Raw((4,), bad={"a zero width": (0,), "a string": "4"}), corruption=C("mask"),
        noise_std=F(0.2), mask_prob=Raw(0.5, bad={"0 (nothing hidden)": 0.0, "1 (all hidden)": 1.0, "NaN": math.nan,
                                                   "a string": "0.5", "None": None})),
    "energylab.models.autoencoder.DenoisingAutoencoder.forward": Spec(lambda y_tilde, mask: MAE(y_tilde, mask),
                                                                      y_tilde=T(SCY, like=True, inf_ok=True),
                                                                      mask=T(torch.eye(3, dtype=D), like=True,
                                                                             rows=True, nan=False, inf=False)),
    "energylab.models.autoencoder.DenoisingAutoencoder.corrupt": Spec(lambda y, generator: MAE.corrupt(
                                                                          y, generator=generator),
                                                                      y=T(SCY, nan=False, inf=False), generator=gen,
                                                                      note="masking copies y: its values are free"),
    "energylab.models.autoencoder.DenoisingAutoencoder.energy": Spec(lambda y: MAE.energy(y),
                                                                     y=T(SCY, like=True, inf_ok=True)),
    "energylab.models.autoencoder.DenoisingAutoencoder.loss": Spec(lambda y, generator: DAE.loss(y, generator=generator),
                                                                   y=T(SCY, like=True, empty=None), generator=gen),
    "energylab.nce.nce_loss": Spec(lambda log_p_data, log_q_data, log_p_noise, log_q_noise: nce_mod.nce_loss(
                                       log_p_data, log_q_data, log_p_noise, log_q_noise),
                                   log_p_data=T(LOG_DATA, last=False, empty="error", inf_ok=True),
                                   log_q_data=log_density(LOG_DATA - 0.5), log_p_noise=log_density(LOG_NOISE),
                                   log_q_noise=log_density(LOG_NOISE - 0.2)),
    "energylab.nce.SelfNormalisedEnergy": Spec(lambda energy: nce_mod.SelfNormalisedEnergy(energy), energy=O(MLPE)),
    "energylab.nce.SelfNormalisedEnergy.forward": Spec(lambda y: SNE(y), y=T(PTS[:3], like=True)),
    "energylab.nce.SelfNormalisedEnergy.log_prob": Spec(lambda y: SNE.log_prob(y), y=T(PTS[:3], like=True)),
    "energylab.score_matching.score_matching_loss": Spec(lambda energy, y: sm_mod.score_matching_loss(energy, y),
                                                         energy=Fn(quadratic), y=T(XV[:, :2], last=False, empty="error")),
    "energylab.score_matching.denoising_score_matching_loss": Spec(
        lambda energy, y, noise_std, noise, generator: sm_mod.denoising_score_matching_loss(
            energy, y, noise_std, noise=noise, generator=generator),
        energy=Fn(quadratic), y=T(XV[:, :2], last=False, empty="error"), noise_std=F(0.5),
        noise=T(XV[:, 2:4], like=True, aka=("y",)), generator=gen),
    "energylab.shaping.contrastive_points": Spec(lambda data, k, bounds, near_fraction, noise_std, generator:
                                                 shaping_mod.contrastive_points(data, k, bounds=bounds,
                                                                                near_fraction=near_fraction,
                                                                                noise_std=noise_std, generator=generator),
                                                 data=T(PTS[:3], last=False), k=I(2),
                                                 bounds=Raw((-1.0, 1.0), bad={"lo above hi": (1.0, -1.0),
                                                                              "a string": "-1..1"}),
                                                 near_fraction=P(1.0), noise_std=F(0.3), generator=gen,
                                                 note="near_fraction 1: every point is a noisy data point"),
    "energylab.shaping.train_energy": Spec(
        lambda model, data, loss, negatives, margin, beta, n_steps, lr, snapshot_points, snapshot_steps, progress:
        shaping_mod.train_energy(model, data, loss, negatives=negatives, margin=margin, beta=beta, n_steps=n_steps,
                                 lr=lr, snapshot_points=snapshot_points, snapshot_steps=snapshot_steps,
                                 progress=progress),
        model=O(lambda: mlp_energy.MLPEnergy(2, 0, hidden=4).double(), fresh=True),
        data=T(PTS, like=True, last=False, empty=None), loss=C("InfoNCE"), negatives=Fn(lambda: PTS.repeat(2, 1) + 0.1),
        margin=margin, beta=F(1.0), n_steps=I(2), lr=F(0.01), snapshot_points=T(PTS[:3], like=True, aka=("data",)),
        snapshot_steps=Raw((2,), bad={"a string": "2", "a step after the last": (3,), "step 0": (0,), "a float": (1.5,)}),
        progress=B(False), note="two Adam steps; the energy checks data's width when it scores it (MLPEnergy: 'y: ...')"),
    "energylab.structured.dtw.accumulate": Spec(lambda cost, semiring: dtw_mod.accumulate(cost, semiring),
                                                cost=T(torch.rand(2, 3, 4, generator=_g(), dtype=D), last=False,
                                                       inf_ok=True),
                                                semiring=O(MIN_SUM)),
})

# ----- HMMs and DTW templates (Lecture 5 §3.1, §4.1) -----
from energylab.structured import hmm as hmm_mod, templates as tpl_mod  # noqa: E402

HMM_P = hmm_mod.Counts(torch.tensor([0.6, 0.4], dtype=D), torch.tensor([[0.7, 0.3], [0.2, 0.8]], dtype=D),
                       torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]], dtype=D))
HMM_ = hmm_mod.HMM(*(p.log() for p in HMM_P))
ALPHA = hmm_mod.Counts(*(1 + 2 * p for p in HMM_P))
PRIOR = hmm_mod.Counts(*(torch.ones_like(p) for p in HMM_P))
HX = torch.tensor([[0, 1, 2, 1], [2, 2, 0, -1]])             # symbols, PAD after the second length
H_LENGTHS = T(LENGTHS, rows=True, last=False, bad={"a length 0": torch.tensor([4, 0]),
                                                   "a length above N": torch.tensor([5, 3])})


def symbols():
    return T(HX, aka=("lengths",), bad={"a symbol >= V": torch.tensor([[0, 3, 2, 1], [2, 2, 0, -1]]),
                                        "a negative symbol": torch.tensor([[0, -2, 2, 1], [2, 2, 0, -1]])})


def hmm_arg(value, kind):
    wrong = value._replace(**{value._fields[1]: value[1][:1]})
    return O(value, bad={f"a {kind} with (1, K) transitions": wrong})


TPL = torch.linspace(-1, 1, 12, dtype=D).reshape(2, 3, 2)    # K=2 templates of M=3 frames in D=2
REC = tpl_mod.DTWRecogniser(TPL)
RX = torch.linspace(-1, 1, 16, dtype=D).reshape(2, 4, 2)     # B=2 recordings of N=4 frames
DTW_COST = torch.rand(2, 4, 3, generator=_g(), dtype=D)

SPECS.update({
    "energylab.structured.hmm.HMM.potentials": Spec(lambda hmm, x, lengths: hmm_mod.HMM.potentials(hmm, x, lengths),
                                                    hmm=hmm_arg(HMM_, "HMM"), x=symbols(), lengths=H_LENGTHS),
    "energylab.structured.hmm.expected_counts": Spec(lambda hmm, x, lengths: hmm_mod.expected_counts(hmm, x, lengths),
                                                     hmm=hmm_arg(HMM_, "HMM"), x=symbols(), lengths=H_LENGTHS),
    "energylab.structured.hmm.maximise": Spec(lambda counts: hmm_mod.maximise(counts),
                                              counts=O(HMM_P, bad={"a negative count": HMM_P._replace(
                                                  start=torch.tensor([-0.1, 1.0], dtype=D))})),
    "energylab.structured.hmm.baum_welch": Spec(lambda x, init, lengths, n_steps: hmm_mod.baum_welch(
                                                    x, init, lengths, n_steps=n_steps),
                                                x=symbols(), init=hmm_arg(HMM_, "HMM"), lengths=H_LENGTHS, n_steps=I(2)),
    "energylab.structured.hmm.expected_log_parameters": Spec(lambda alpha: hmm_mod.expected_log_parameters(alpha),
                                                             alpha=O(ALPHA, bad={"a zero concentration": ALPHA._replace(
                                                                 start=torch.tensor([0.0, 1.0], dtype=D))})),
    "energylab.structured.hmm.dirichlet_kl": Spec(lambda alpha, prior: hmm_mod.dirichlet_kl(alpha, prior),
                                                  alpha=hmm_arg(ALPHA, "Counts"),
                                                  prior=O(PRIOR, bad={"a negative concentration": PRIOR._replace(
                                                      start=torch.tensor([-1.0, 1.0], dtype=D))})),
    "energylab.structured.hmm.variational_bayes": Spec(lambda x, prior, init, lengths, n_steps: hmm_mod.variational_bayes(
                                                           x, prior, init, lengths, n_steps=n_steps),
                                                       x=symbols(), prior=hmm_arg(PRIOR, "Counts"),
                                                       init=hmm_arg(HMM_, "HMM"), lengths=H_LENGTHS, n_steps=I(2)),
    "energylab.structured.hmm.sample_hmm": Spec(lambda probabilities, n, length, generator: hmm_mod.sample_hmm(
                                                    probabilities, n, length=length, generator=generator),
                                                probabilities=O(HMM_P, bad={
                                                    "a negative probability": HMM_P._replace(
                                                        start=torch.tensor([-0.5, 1.5], dtype=D)),
                                                    "a row of zeros": HMM_P._replace(start=torch.zeros(2, dtype=D))}),
                                                n=I(3), length=Raw((2, 4), bad={
                                                    "shortest above longest": (4, 2), "a zero shortest": (0, 3),
                                                    "float lengths": (2.5, 4.0), "a string": "2-4"}),
                                                generator=gen),
    "energylab.structured.hmm.match_states": Spec(lambda predicted, truth: hmm_mod.match_states(predicted, truth),
                                                  predicted=T(HX.flip(1), rows=True, bad={
                                                      "a tag -2": torch.tensor([[0, -2, 2, 1], [2, 2, 0, -1]]),
                                                      "9 states": torch.tensor([[0, 8, 2, 1], [2, 2, 0, -1]])}),
                                                  truth=T(HX, rows=True, bad={
                                                      "a tag -2": torch.tensor([[0, -2, 2, 1], [2, 2, 0, -1]]),
                                                      "9 states": torch.tensor([[0, 8, 2, 1], [2, 2, 0, -1]])})),
    "energylab.structured.templates.dtw_free_energy": Spec(lambda cost, lengths, beta: tpl_mod.dtw_free_energy(
                                                               cost, lengths, beta=beta),
                                                           cost=T(DTW_COST, last=False, inf_ok=True, aka=("lengths",)),
                                                           lengths=H_LENGTHS, beta=beta_inf),
    "energylab.structured.templates.DTWRecogniser": Spec(lambda templates, learn_relevances: tpl_mod.DTWRecogniser(
                                                             templates, learn_relevances=learn_relevances),
                                                         templates=T(TPL, last=False, empty="error"),
                                                         learn_relevances=B(True)),
    "energylab.structured.templates.DTWRecogniser.frame_costs": Spec(lambda x: REC.frame_costs(x),
                                                                     x=T(RX, like=True, last=True)),
    "energylab.structured.templates.DTWRecogniser.free_energies": Spec(
        lambda x, lengths, beta: REC.free_energies(x, lengths, beta=beta),
        x=T(RX, like=True, aka=("lengths",)), lengths=H_LENGTHS, beta=beta_inf),
    "energylab.structured.templates.DTWRecogniser.classify": Spec(lambda x, lengths: REC.classify(x, lengths),
                                                                  x=T(RX, like=True, aka=("lengths",)),
                                                                  lengths=H_LENGTHS),
    "energylab.structured.templates.DTWRecogniser.loss": Spec(
        lambda y, x, lengths, margin, beta: REC.loss(y, x, lengths, margin=margin, beta=beta),
        y=T(torch.tensor([0, 1]), rows=True, last=False, bad={"a class >= K": torch.tensor([0, 2]),
                                                              "a negative class": torch.tensor([0, -1])}),
        x=T(RX, like=True, aka=("lengths",)), lengths=H_LENGTHS, margin=margin, beta=beta_inf),
})

# ----- recognition graphs and grammars (Lecture 5 §5.1) -----
from energylab.structured import graphs as graphs_mod, segmentation as seg_mod  # noqa: E402


def _graph():
    g = _g(1)
    w = torch.randn(4, 4, generator=g, dtype=D)
    w[0, 3] = math.inf                                           # a forbidden move
    return graphs_mod.ChainGraph(torch.randn(2, 4, 4, generator=g, dtype=D), w, torch.zeros(4, dtype=D),
                                 torch.zeros(4, dtype=D), torch.tensor([graphs_mod.EPS, 0, 1, 0]),
                                 torch.tensor([0, 1, 2, 1]))


GRAPH = _graph()
GRAMMAR = graphs_mod.Grammar(torch.tensor([[0, 0, 1], [1, 1, 0], [0, 1, 0]]), torch.tensor([0.5, 0.2, 1.0], dtype=D),
                             torch.tensor([0.0, math.inf], dtype=D))
with torch.random.fork_rng():                                   # the reader takes no generator: seed its weights
    torch.manual_seed(0)
    READER = seg_mod.DigitStringReader(hidden=4, min_width=2, max_width=3).double()
GRAPH_IMAGES = torch.rand(2, 8, 6, generator=_g(), dtype=D)


def graph_arg():
    return O(GRAPH, bad={"a bare tensor": GRAPH.unary, "a Grammar": GRAMMAR})


SPECS.update({
    "energylab.structured.graphs.compose": Spec(lambda graph, grammar: graphs_mod.compose(graph, grammar),
                                                graph=graph_arg(), grammar=O(GRAMMAR, bad={
                                                    "float arcs": GRAMMAR._replace(arcs=GRAMMAR.arcs.double()),
                                                    "a repeated arc": GRAMMAR._replace(
                                                        arcs=torch.tensor([[0, 0, 1], [0, 0, 1], [0, 1, 0]])),
                                                    "an arc into state 2 of 2": GRAMMAR._replace(
                                                        arcs=torch.tensor([[0, 0, 2], [1, 1, 0], [0, 1, 0]])),
                                                    "energies of the wrong length": GRAMMAR._replace(
                                                        energies=GRAMMAR.energies[:2]),
                                                    "float32 energies": GRAMMAR._replace(
                                                        energies=GRAMMAR.energies.float())})),
    "energylab.structured.graphs.graph_free_energy": Spec(lambda graph, lengths, beta: graphs_mod.graph_free_energy(
                                                              graph, lengths, beta=beta),
                                                          graph=graph_arg(), lengths=H_LENGTHS, beta=beta_inf),
    "energylab.structured.graphs.graph_viterbi": Spec(lambda graph, lengths: graphs_mod.graph_viterbi(graph, lengths),
                                                      graph=graph_arg(), lengths=H_LENGTHS),
    "energylab.structured.graphs.segmentation_graph": Spec(lambda reader, images: graphs_mod.segmentation_graph(
                                                               reader, images),
                                                           reader=O(READER, bad={"a graph": GRAPH}),
                                                           images=T(GRAPH_IMAGES, like=True, last=False)),
    "energylab.structured.segmentation.DigitStringReader.arc_energies": Spec(lambda images: READER.arc_energies(images),
                                                                             images=T(GRAPH_IMAGES, like=True,
                                                                                      last=False)),
    "energylab.structured.segmentation.DigitStringReader.digit_energies": Spec(
        lambda canvases: READER.digit_energies(canvases),
        canvases=T(torch.rand(2, 8, 8, generator=_g(), dtype=D), like=True, ndim=False, inf_ok=True),
        note="a network: a ReLU may cut an infinite pixel to a finite energy (NaN still comes out)"),
})

# ----- small helpers: softmin, Bernoulli log-probabilities, digit canvases, planet radii -----
from energylab.data import canvases as canvases_mod  # noqa: E402

SPECS.update({
    "energylab.structured.semiring.softmin": Spec(lambda values, dim, beta: semiring_mod.softmin(values, dim, beta),
                                                  values=T(E2, ndim=False, last=False, inf_ok=True),
                                                  dim=I(-1, minimum=None, bad={"dim 2 of a (B, K) tensor": 2}),
                                                  beta=F(2.0)),
    "energylab.models.sbn.bernoulli_log_prob": Spec(lambda x, logits: sbn_mod.bernoulli_log_prob(x, logits),
                                                    x=T(V, ndim=False, last=False),
                                                    logits=T(XV, like=True, ndim=False, inf_ok=True),
                                                    note="shapes broadcast: only the last dimensions must agree"),
    "energylab.data.canvases.centre_canvas": Spec(lambda crop: canvases_mod.centre_canvas(crop),
                                                  crop=T(torch.rand(8, 5, generator=_g(), dtype=D), last=False,
                                                         empty="error", bad={"9 columns": torch.zeros(8, 9, dtype=D)})),
    "energylab.data.canvases.segment_canvases": Spec(lambda images, widths: canvases_mod.segment_canvases(images, widths),
                                                     images=T(GRAPH_IMAGES, last=False),
                                                     widths=Raw([2, 3], bad={"a width 9": [2, 9], "no widths": [],
                                                                             "a float width": [2.5], "a bare int": 3})),
    "energylab.data.planets.planet_radius": Spec(lambda mass, fractions: planets_mod.planet_radius(mass, fractions),
                                                 mass=T(torch.tensor([1.0, 2.0, 5.0], dtype=D), last=False, empty=None),
                                                 fractions=T(torch.tensor([[0.3, 0.7, 0.0], [0.2, 0.5, 0.3],
                                                                           [0.0, 1.0, 0.0]], dtype=D),
                                                             like=True, rows=True, nan=False, inf=False,
                                                             bad={"a row summing to 2": torch.tensor(
                                                                 [[0.6, 1.4, 0.0], [0.2, 0.5, 0.3], [0.0, 1.0, 0.0]],
                                                                 dtype=D),
                                                                  "a negative fraction": torch.tensor(
                                                                 [[-0.3, 1.3, 0.0], [0.2, 0.5, 0.3], [0.0, 1.0, 0.0]],
                                                                 dtype=D)})),
})

# ----- the rest of the VAE (Lecture 11) -----
VAE2 = vae.VAE(vae.GaussianEncoder(6, 2, hidden=(4,), generator=_g()).double(),
               vae.GaussianDecoder(2, 6, hidden=(4,), generator=_g()).double())


def latent(**kw):
    return T(ZL, like=True, ndim=False, **kw)


SPECS.update({
    "energylab.models.vae.BernoulliDecoder": Spec(lambda latent_dim, x_dim, hidden, generator: vae.BernoulliDecoder(
                                                      latent_dim, x_dim, hidden, generator=generator),
                                                  latent_dim=I(2), x_dim=I(6),
                                                  hidden=Raw((4,), bad={"a zero width": (0,), "a string": "4"}),
                                                  generator=gen),
    "energylab.models.vae.BernoulliDecoder.forward": Spec(lambda z: DEC(z), z=latent(inf_ok=True)),
    "energylab.models.vae.BernoulliDecoder.mean": Spec(lambda z: DEC.mean(z), z=latent(inf_ok=True),
                                                       note="sigmoid(±inf) is the right limit"),
    "energylab.models.vae.BernoulliDecoder.sample": Spec(lambda z, generator: DEC.sample(z, generator=generator),
                                                         z=latent(inf_ok=True), generator=gen),
    "energylab.models.vae.GaussianDecoder.forward": Spec(lambda z: GDEC(z), z=latent()),
    "energylab.models.vae.GaussianDecoder.mean": Spec(lambda z: GDEC.mean(z), z=latent()),
    "energylab.models.vae.GaussianDecoder.sample": Spec(lambda z, generator: GDEC.sample(z, generator=generator),
                                                        z=latent(), generator=gen),
    "energylab.models.vae.VAE": Spec(lambda encoder, decoder: vae.VAE(encoder, decoder), encoder=O(ENC),
                                     decoder=O(DEC, bad={"a decoder of latent_dim 3": vae.BernoulliDecoder(
                                         3, 6, (4,), generator=_g()).double()})),
    "energylab.models.vae.VAE.energy": Spec(lambda x, z: VAE_.energy(x, z), x=T(V, like=True, rows=True, ndim=False),
                                            z=latent(inf_ok=True, empty=None)),
    "energylab.models.vae.VAE.variational_free_energy": Spec(lambda x: VAE_.variational_free_energy(x),
                                                             x=T(V, like=True, inf_ok=True)),
    "energylab.models.vae.VAE.iwae_bound": Spec(lambda x, n_samples, generator: VAE_.iwae_bound(
                                                    x, n_samples, generator=generator),
                                                x=T(V, like=True, inf_ok=True), n_samples=I(2), generator=gen),
    "energylab.models.vae.VAE.reconstruct": Spec(lambda x: VAE2.reconstruct(x), x=T(XV, like=True)),
    "energylab.models.vae.VAE.sample": Spec(lambda n, generator, mean: VAE_.sample(n, generator=generator, mean=mean),
                                            n=I(3), generator=gen, mean=B(False)),
    "energylab.models.vae.train_vae": Spec(lambda vae_, x, epochs, lr, batch_size, n_samples, kl, generator:
                                           _trained(vae_, vae.train_vae(vae_, x, epochs=epochs, lr=lr,
                                                                        batch_size=batch_size, n_samples=n_samples,
                                                                        kl=kl, generator=generator, progress=False)),
                                           vae_=O(lambda: vae.VAE(vae.GaussianEncoder(6, 2, hidden=(4,)).double(),
                                                                  vae.BernoulliDecoder(2, 6, hidden=(4,)).double()),
                                                  fresh=True, aka=("vae",)),
                                           x=T(V, like=True, empty="error"), epochs=I(1), lr=F(0.01),
                                           batch_size=I(2, none_ok=True), n_samples=I(1), kl=C("mc"), generator=gen),
    "energylab.models.vae.latent_traversal": Spec(lambda vae_, z, dim, values: vae.latent_traversal(vae_, z, dim, values),
                                                  vae_=O(VAE_, aka=("vae",)), z=T(ZL[0], like=True, last=True),
                                                  dim=I(1, minimum=0, maximum=1),
                                                  values=T(torch.linspace(-1, 1, 4, dtype=D), last=False)),
    "energylab.models.vae.latent_grid": Spec(lambda vae_, n, span: vae.latent_grid(vae_, n, span=span),
                                             vae_=O(VAE_, aka=("vae",)), n=I(3, minimum=2),
                                             span=Raw(0.9, bad={"0": 0.0, "1": 1.0, "NaN": math.nan, "a string": "0.9",
                                                                "None": None})),
})

# ----- the rest of the GAN (Lecture 11 §7) -----
def _sampler():
    return gan.SamplerNet(2, 3, hidden=(4,), generator=_g()).double()


def _discriminator():
    return gan.Discriminator(3, hidden=(4,), generator=_g()).double()


SPECS.update({
    "energylab.models.gan.SamplerNet.sample_noise": Spec(lambda n, generator: SAMPLER.sample_noise(n, generator=generator),
                                                         n=I(3), generator=gen),
    "energylab.models.gan.SamplerNet.sample": Spec(lambda n, generator: SAMPLER.sample(n, generator=generator),
                                                   n=I(3), generator=gen),
    "energylab.models.gan.Discriminator.energy": Spec(lambda x: DISC.energy(x), x=T(XR, like=True, inf_ok=True)),
    "energylab.models.gan.gan_losses": Spec(lambda sampler, discriminator, x, kind, generator: gan.gan_losses(
                                                sampler, discriminator, x, kind=kind, generator=generator),
                                            sampler=O(SAMPLER, bad={"a Discriminator": DISC}),
                                            discriminator=O(DISC, bad={"a SamplerNet": SAMPLER}),
                                            x=T(XR, like=True, inf_ok=True), kind=C("non_saturating"), generator=gen),
    "energylab.models.gan.train_gan": Spec(lambda sampler, discriminator, x, epochs, lr, lr_ratio, betas, batch_size,
                                           kind, generator:
                                           _trained((sampler, discriminator), gan.train_gan(
                                               sampler, discriminator, x, epochs=epochs, lr=lr,
                                                                           lr_ratio=lr_ratio, betas=betas,
                                                                           batch_size=batch_size, kind=kind,
                                                                           generator=generator, progress=False)),
                                           sampler=O(_sampler, fresh=True), discriminator=O(_discriminator, fresh=True),
                                           x=T(XR, like=True, empty="error"), epochs=I(1), lr=F(0.01), lr_ratio=F(1.0),
                                           betas=Raw((0.5, 0.999), bad={"a beta of 1": (0.5, 1.0), "one beta": (0.5,),
                                                                        "a string": "0.5"}),
                                           batch_size=I(2, none_ok=True), kind=C("minimax"), generator=gen),
})

# ----- the Hopfield network's methods and the capacity experiment (Lecture 7) -----
def spin_states(**bad):
    return T(SPINS, like=True, nan=False, inf=False, bad={"0/1 states": (SPINS > 0).to(D), **bad})


SPECS.update({
    "energylab.models.hopfield.HopfieldNetwork.energy": Spec(lambda states: HOP.energy(states),
                                                             states=T(SPINS, like=True)),
    "energylab.models.hopfield.HopfieldNetwork.async_update": Spec(lambda states, n_sweeps, generator: HOP.async_update(
                                                                       states, n_sweeps=n_sweeps, generator=generator),
                                                                   states=spin_states(), n_sweeps=I(1), generator=gen),
    "energylab.models.hopfield.HopfieldNetwork.sync_update": Spec(lambda states, n_sweeps: HOP.sync_update(
                                                                      states, n_sweeps=n_sweeps),
                                                                  states=spin_states(), n_sweeps=I(1)),
    "energylab.models.hopfield.capacity_curve": Spec(lambda n_units, loads, n_trials, flip_fraction, n_sweeps, generator:
                                                     hopfield.capacity_curve(n_units, loads, n_trials=n_trials,
                                                                             flip_fraction=flip_fraction,
                                                                             n_sweeps=n_sweeps, generator=generator),
                                                     n_units=I(8), loads=Raw((0.1, 0.25), bad={
                                                         "a bare number": 0.1, "a string": "0.1", "a negative load": (-0.1,),
                                                         "a NaN load": (math.nan,), "no loads": ()}),
                                                     n_trials=I(1), flip_fraction=P(0.1), n_sweeps=I(2), generator=gen),
})

# ----- the rest of the MDN (Lecture 2, homework 1) -----
SPECS.update({
    "energylab.models.mdn.mdn_nll": Spec(lambda params, y, reduction: mdn.mdn_nll(params, y, reduction),
                                         params=O(PARAMS, bad={"unnormalised log_alpha":
                                                               PARAMS._replace(log_alpha=PARAMS.log_alpha + 1)}),
                                         y=T(MY, like=True, rows=True, ndim=False, aka=("params",)),
                                         reduction=C("mean")),
    "energylab.models.mdn.MixtureDensityNetwork.energy": Spec(lambda y, x: MDN.energy(y, x),
                                                              y=T(MY, like=True, rows=True, ndim=False),
                                                              x=T(MX, like=True, inf_ok=True, empty=None)),
    "energylab.models.mdn.MixtureDensityNetwork.modes": Spec(lambda x, n_steps: MDN.modes(x, n_steps=n_steps),
                                                             x=T(MX, like=True, inf_ok=True), n_steps=I(5)),
    "energylab.models.mdn.MixtureDensityNetwork.density_grid": Spec(lambda y_grid, x: MDN.density_grid(y_grid, x),
                                                                    y_grid=T(MY, like=True, inf_ok=True),
                                                                    x=T(MX, like=True, inf_ok=True),
                                                                    note="a density of 0 at an infinite y is the limit"),
    "energylab.models.mdn.MixtureParams.select": Spec(lambda rows: PARAMS.select(rows),
                                                      rows=Raw(1, bad={"a string": "1", "a float": 0.5,
                                                                       "row 5 of 5": 5, "a float tensor": torch.ones(2),
                                                                       "True": True})),
})

# ----- more RBM methods (Lecture 8) -----
def biases_arg():
    return Raw(None, bad={"a bare tensor": torch.zeros(6, dtype=D), "a string": "b",
                          "b of the wrong size": rbm_mod.Biases(torch.zeros(5, dtype=D), torch.zeros(4, dtype=D)),
                          "float32 biases": rbm_mod.Biases(torch.zeros(6), torch.zeros(4))})


SPECS.update({
    "energylab.models.rbm.BernoulliRBM.visible_mean": Spec(lambda h: RBM.visible_mean(h),
                                                           h=T(HID, like=True, inf_ok=True)),
    "energylab.models.rbm.BernoulliRBM.sample_visible": Spec(lambda h, generator: RBM.sample_visible(
                                                                 h, generator=generator),
                                                             h=T(HID, like=True, inf_ok=True), generator=gen),
    "energylab.models.rbm.BernoulliRBM.log_partition": Spec(lambda biases: RBM.log_partition(biases=biases),
                                                            biases=biases_arg()),
    "energylab.models.rbm.RBM.log_partition": Spec(lambda biases: rbm_mod.RBM.log_partition(GRBM, biases=biases),
                                                   biases=biases_arg(), note="the hidden-side enumeration (GRBM)"),
    "energylab.models.rbm.RBM.check_biases": Spec(lambda biases, rows: RBM.check_biases(biases, rows),
                                                  biases=Raw(rbm_mod.Biases(torch.zeros(3, 6, dtype=D),
                                                                            torch.zeros(4, dtype=D)),
                                                             bad={"a string": "b", "b with 2 rows for 3":
                                                                  rbm_mod.Biases(torch.zeros(2, 6, dtype=D),
                                                                                 torch.zeros(4, dtype=D))}),
                                                  rows=Raw(3)),
    "energylab.models.rbm.RBM.check_visible": Spec(lambda v: RBM.check_visible(v), v=T(V, like=True)),
    "energylab.models.rbm.RBM.check_hidden": Spec(lambda h: RBM.check_hidden(h), h=T(HID, like=True)),
    "energylab.models.rbm.GaussianBernoulliRBM.energy": Spec(lambda v, h: GRBM.energy(v, h),
                                                             v=T(XV, like=True, empty=None),
                                                             h=T(HID, like=True, rows=True)),
    "energylab.models.rbm.GaussianBernoulliRBM.visible_mean": Spec(lambda h: GRBM.visible_mean(h),
                                                                   h=T(HID, like=True)),
    "energylab.models.rbm.GaussianBernoulliRBM.sample_visible": Spec(lambda h, generator: GRBM.sample_visible(
                                                                         h, generator=generator),
                                                                     h=T(HID, like=True), generator=gen),
})

# ----- more Boltzmann machine methods (Lecture 7 §5) -----
def bits(**kw):
    return T(BITS, like=True, nan=False, inf=False, bad={"a 0.5 entry": torch.full_like(BITS, 0.5)}, **kw)


SPECS.update({
    "energylab.models.boltzmann.BoltzmannMachine.unit_probs": Spec(lambda states, i: BM.unit_probs(states, i),
                                                                   states=T(BM_STATES, like=True, inf_ok=True),
                                                                   i=I(1, minimum=0, maximum=5),
                                                                   note="sigmoid(±inf) is the right limit"),
    "energylab.models.boltzmann.BoltzmannMachine.random_states": Spec(lambda n_chains, generator: BM.random_states(
                                                                          n_chains, generator=generator),
                                                                      n_chains=I(3), generator=gen),
    "energylab.models.boltzmann.BoltzmannMachine.clamp": Spec(lambda visible, generator: BM.clamp(
                                                                  visible, generator=generator),
                                                              visible=T(BITS), generator=gen),
    "energylab.models.boltzmann.BoltzmannMachine.exact_gradient": Spec(lambda visible: BM.exact_gradient(visible),
                                                                       visible=bits()),
    "energylab.models.boltzmann.boltzmann_gradient": Spec(lambda bm, visible, free_chains, n_sweeps, generator:
                                                          boltzmann.boltzmann_gradient(bm, visible, free_chains,
                                                                                       n_sweeps=n_sweeps,
                                                                                       generator=generator),
                                                          bm=O(BM), visible=bits(),
                                                          free_chains=T(BM_STATES, like=True, nan=False, inf=False, bad={
                                                              "a 0.5 entry": torch.full_like(BM_STATES, 0.5),
                                                              "a NaN entry": BM_STATES.clone().fill_(math.nan)}),
                                                          n_sweeps=I(1), generator=gen),
})

# ----- more toy energies (Lecture 3) -----
BISHOP = energies.BishopInverseEnergy(0.05)

SPECS.update({
    "energylab.energies.BishopInverseEnergy": Spec(lambda noise: energies.BishopInverseEnergy(noise), noise=F(0.05)),
    "energylab.energies.BishopInverseEnergy.forward": Spec(lambda y, x: BISHOP(y, x), y=T(MY, empty=None),
                                                           x=T(MX, like=True, rows=True, aka=("y",))),
    "energylab.energies.BishopInverseEnergy.forward_map": Spec(lambda y: energies.BishopInverseEnergy.forward_map(y),
                                                               y=T(MY, ndim=False, last=False),
                                                               note="sin(inf) is NaN"),
    "energylab.energies.GaussianMixtureEnergy.log_components": Spec(lambda y: GMM.log_components(y),
                                                                    y=T(PTS, like=True, ndim=False)),
    "energylab.energies.GaussianMixtureEnergy.log_normaliser": Spec(lambda beta: GMM.log_normaliser(beta), beta=F(1.0)),
    "energylab.energies.RingEnergy.latent_energy": Spec(lambda y, z: RING.latent_energy(y, z), y=T(PTS),
                                                        z=T(torch.linspace(0, 3, 4, dtype=D), like=True, last=False)),
    "energylab.energies.RingEnergy.log_normaliser": Spec(lambda beta: RING.log_normaliser(beta), beta=F(1.0)),
})

# ----- divergences (Lecture 11 §4) and the minima of Lecture 3 -----
FIT = divergences.forward_kl_fit(GMM)
ENDS = torch.tensor([[0.0, 0.0], [0.01, 0.0], [1.0, 1.0]], dtype=D)

SPECS.update({
    "energylab.divergences.GaussianFit.log_prob": Spec(lambda y: FIT.log_prob(y), y=T(PTS, like=True)),
    "energylab.divergences.forward_kl_fit": Spec(lambda mixture: divergences.forward_kl_fit(mixture), mixture=O(GMM)),
    "energylab.divergences.reverse_kl_fit": Spec(lambda energy, mean, std, n_steps, lr, n_samples, generator:
                                                 divergences.reverse_kl_fit(energy, mean, std=std, n_steps=n_steps, lr=lr,
                                                                            n_samples=n_samples, generator=generator),
                                                 energy=Fn(quadratic), mean=T(torch.zeros(2, dtype=D), last=False),
                                                 std=F(1.0), n_steps=I(2), lr=F(0.05), n_samples=I(4), generator=gen),
    "energylab.inference.distinct_minima": Spec(lambda points, energies, tol, max_energy: einference.distinct_minima(
                                                    points, energies, tol=tol, max_energy=max_energy),
                                                points=T(ENDS, last=False, empty="error", aka=("energies",)),
                                                energies=T(torch.tensor([0.5, 0.2, 1.0], dtype=D), rows=True,
                                                           inf_ok=True),
                                                tol=F(0.05), max_energy=F(0.8, minimum=None, none_ok=True)),
    "energylab.inference.find_minima": Spec(lambda energy, starts, n_steps, step_size, tol: einference.find_minima(
                                                energy, starts, n_steps=n_steps, step_size=step_size, tol=tol),
                                            energy=Fn(quadratic), starts=T(X0, last=False, empty="error"),
                                            n_steps=I(3, minimum=0), step_size=F(0.1), tol=F(0.05)),
})

# ----- shared by the parts ----------------------------------------------------------------------
def log_z_arg(value):
    """A given ``log Z`` (exact, or an AIS estimate; ``value`` valid, e.g. None for 'exact'): a number or a
    0-d floating tensor with the model's dtype and device; a NaN estimate gives NaN out."""
    return Raw(value, bad={"a string": "0.5", "True": True, "a (2,) tensor": torch.zeros(2, dtype=D),
                           "an integer tensor": torch.tensor(1), "a float32 tensor": torch.tensor(0.5),
                           "a tensor on another device ('meta')": torch.tensor(0.5, dtype=D, device="meta")})


#: The specs of each part of the library (one file each, so that they can grow independently).
import bad_input_specs_deep, bad_input_specs_misc, bad_input_specs_plots, bad_input_specs_rbm, bad_input_specs_structured  # noqa: E402,E401

PARTS = (bad_input_specs_deep, bad_input_specs_misc, bad_input_specs_plots, bad_input_specs_rbm, bad_input_specs_structured)
for _part in PARTS:
    _twice = set(_part.SPECS) & set(SPECS)
    assert not _twice, f"{_part.__name__}: specs given twice: {sorted(_twice)}"
    SPECS.update(_part.SPECS)
