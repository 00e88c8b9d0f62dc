r"""Deep belief nets (Hinton, Osindero & Teh, 2006) -- Lecture 10 §3–6.

A DBN with RBMs ``rbms[0], ..., rbms[L-1]`` is a sigmoid belief net (lecture 10 §1) whose top
prior is an RBM: the **top** two layers ``(x_{L-1}, h_top)`` form the undirected RBM
``rbms[-1]``, every layer below is generated top-down by the *visible* conditional of its RBM,

.. math::

    p(x_l \mid x_{l+1}) = \prod_i \sigma(b^{(l)}_i + W^{(l)}_{i:} x_{l+1}), \qquad x_0 = v,

and is recognised bottom-up by the *hidden* conditional with the same (tied, transposed) weights,
``q(x_{l+1} | x_l) = Π_j σ(c^{(l)}_j + x_l^\top W^{(l)}_{:j})`` (the **up pass**).

**Why stacking works** (lecture 10 §3).  An RBM is an infinitely deep sigmoid belief net with tied
weights ``W, Wᵀ, W, ...`` (:func:`energylab.models.sbn.tied_sbn`).  Keep the bottom layer's ``W``
and replace everything above ``x_1`` by a second RBM: initialised as the first one turned upside
down (:func:`transposed_rbm`), the model is unchanged and the variational bound

.. math::

    \log p(v) \ \ge\ \mathbb E_{q(h_1|v)}\big[\log p(v \mid h_1) + \log p(h_1)\big] + H\big(q(h_1 \mid v)\big)

is tight (``q`` is then the exact posterior).  Training the second RBM on samples (or probabilities)
of ``q(h_1 | v)`` raises ``E_q[log p(h_1)]`` and so the bound: **greedy layer-wise training**
(:func:`greedy_pretrain`, each RBM trained by :func:`energylab.train.train_rbm` on the previous
layer's hidden probabilities or samples).  The bound is :meth:`DBN.lower_bound`, through the same
code as the Helmholtz machine's (:meth:`DBN.to_helmholtz`), with the top RBM's ``log Z`` from AIS.

**Labels** (lecture 10 §4).  The top RBM may be a :class:`LabelledRBM` whose visible layer is the
features ``x_{L-1}`` plus a one-hot label ``y`` (a softmax group).  Clamping ``y`` and running long
alternating Gibbs at the top, then one down pass, draws digits of a chosen class
(:meth:`DBN.sample`); ``p(y | x) ∝ e^{-F(x, y)}`` classifies (:meth:`LabelledRBM.label_log_probs`).

**Fine-tuning** (lecture 10 §5–6): :meth:`DBN.to_helmholtz` unties the recognition weights from the
generative ones for wake–sleep (the *up-down* algorithm); :meth:`DBN.unroll_autoencoder` and
:meth:`DBN.unroll_classifier` turn the up pass (and its mirror, the down pass) into deterministic
networks for backpropagation (Hinton & Salakhutdinov, 2006).
"""
from __future__ import annotations

import copy
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import (check_bool, check_callable, check_generator, check_like, check_log_z, check_positive_int,
                       check_tensor, describe)
from ..samplers.exact import MAX_ENUMERATED_UNITS, enumerate_states
from ..samplers.gibbs_sampling import sample_bernoulli
from ..train import contrastive_divergence as cdiv   # the module, not its names: it imports models.rbm
from .mlp import check_widths, mlp
from .rbm import RBM, BernoulliRBM, Biases
from .sbn import HelmholtzMachine

__all__ = ["LabelledRBM", "DBN", "transposed_rbm", "greedy_pretrain"]


class LabelledRBM(RBM):
    r"""An RBM whose visible layer is ``n_features`` binary units and a one-hot label of
    ``n_labels`` classes (a softmax group), ``v = [x, y]`` (B, n_features + n_labels); the top of a
    labelled DBN.  Lecture 10 §4.

    Same energy and free energy as :class:`BernoulliRBM` (a one-hot group is a set of binary
    units that may only be on one at a time); only the label's conditional changes:
    ``p(y = k | h) = softmax_k(b_k + W_{k:} h)``.  CD and PCD (:func:`energylab.train.train_rbm`)
    train it unchanged, on rows ``[x, one_hot(y)]`` (:meth:`with_labels`).
    """

    def __init__(self, n_features: int, n_labels: int, n_hidden: int, *, weight_scale: float = 0.01,
                 generator=None, dtype=torch.float32, device=None):
        check_positive_int("n_features", n_features)
        check_positive_int("n_labels", n_labels, minimum=2)
        super().__init__(n_features + n_labels, n_hidden, weight_scale=weight_scale, generator=generator,
                         dtype=dtype, device=device)
        self.n_features, self.n_labels = n_features, n_labels

    energy = BernoulliRBM.energy
    free_energy = BernoulliRBM.free_energy

    def _check_features(self, x) -> torch.Tensor:
        """``x`` as (B, n_features) like the model's parameters, or a clear error naming it."""
        return check_like("x", check_tensor("x", x, ndim=2, last_dim=self.n_features), self.W, "the model's parameters")

    def with_labels(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The visible rows ``[x, one_hot(labels)]``, (B, n_features + n_labels): the training data of the
        labelled top RBM.  Lecture 10 §4."""
        self._check_features(x)
        _check_labels(labels, x.shape[0], self.n_labels, x.device)
        return torch.cat([x, F.one_hot(labels, self.n_labels).to(x)], 1)

    def visible_probs(self, h: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``[σ(b_x + W_x h), softmax(b_y + W_y h)]``, (B, n_features + n_labels).  Lecture 10 §4."""
        b, _ = self._resolve(biases, self.check_hidden(h))
        logits = torch.addmm(b, h, self.W.T)
        return torch.cat([logits[:, :self.n_features].sigmoid(), logits[:, self.n_features:].softmax(-1)], 1)

    visible_mean = visible_probs

    def sample_visible(self, h: torch.Tensor, *, biases: Biases | None = None, generator=None) -> torch.Tensor:
        """Binary features ``x ~ σ(...)`` and one label ``y ~ softmax(...)`` per row, one-hot: the visible
        step of CD on the labelled RBM.  Lecture 10 §4."""
        probs = self.visible_probs(h, biases=biases)
        x, p_y = sample_bernoulli(probs[:, :self.n_features], generator=generator), probs[:, self.n_features:]
        y = torch.multinomial(p_y.nan_to_num(1.0), 1, generator=generator).squeeze(1)   # a NaN row draws any label...
        return torch.cat([x, F.one_hot(y, self.n_labels).to(x) + p_y * 0], 1)          # ...and comes out NaN

    def _log_z_over_hidden(self, h, biases):
        logits = torch.addmm(biases.b, h, self.W.T)
        return (h @ biases.c + F.softplus(logits[:, :self.n_features]).sum(-1)
                + torch.logsumexp(logits[:, self.n_features:], -1))

    def log_partition(self, *, biases: Biases | None = None) -> torch.Tensor:
        """Exact ``log Z``: by the hidden layer when it is the smaller side, else over the
        ``2**n_features · n_labels`` visible states.  Lecture 10 §4."""
        if self.n_hidden <= min(self.n_features, MAX_ENUMERATED_UNITS):
            return super().log_partition(biases=biases)
        biases = self._shared_biases(biases)
        if self.n_features > MAX_ENUMERATED_UNITS:
            raise ValueError(f"exact log Z enumerates the smaller side; expected at most {MAX_ENUMERATED_UNITS} "
                             f"features or hidden units, got {self.n_features} and {self.n_hidden}")
        x = enumerate_states(self.n_features, dtype=self.W.dtype, device=self.W.device)
        per_label = [-self.free_energy(self.with_labels(x, torch.full((len(x),), k, device=x.device)), biases=biases)
                     for k in range(self.n_labels)]
        return torch.logsumexp(torch.cat(per_label), 0)

    def label_log_probs(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(y | x) = log softmax_y(−F([x, e_y]))``, (B, n_labels): the free-energy classifier of
        the top RBM.  Lecture 10 §4."""
        self._check_features(x)
        ks = torch.arange(self.n_labels, device=x.device)
        free = torch.stack([self.free_energy(self.with_labels(x, k.expand(x.shape[0]))) for k in ks], 1)
        return torch.log_softmax(-free, 1)

    @torch.no_grad()
    def clamped_gibbs(self, x: torch.Tensor, labels: torch.Tensor, n_sweeps: int = 1, *,
                      generator=None) -> torch.Tensor:
        """``n_sweeps`` sweeps of alternating Gibbs with the label clamped:
        ``h ~ p(h | x, y)``, ``x ~ p(x | h)``; returns the features (B, n_features), which then follow
        ``p(x | y)``.  Lecture 10 §4."""
        check_positive_int("n_sweeps", n_sweeps, minimum=0)
        check_generator("generator", generator, like=x)
        onehot = self.with_labels(x, labels)[:, self.n_features:]
        for _ in range(n_sweeps):
            h = self.sample_hidden(torch.cat([x, onehot], 1), generator=generator)
            x = sample_bernoulli(self.visible_probs(h)[:, :self.n_features], generator=generator)
        return x


def _check_labels(labels, n_rows: int | None, n_labels: int | None, device) -> torch.Tensor:
    """``labels`` as class indices: a 1-D integer tensor (of ``n_rows`` entries) on ``device``, with values in
    ``0..n_labels - 1`` (or just >= 0 while ``n_labels`` is None); they pick one-hot rows."""
    shape = "(B,)" if n_rows is None else f"({n_rows},)"
    if (not isinstance(labels, torch.Tensor) or labels.dim() != 1 or labels.is_floating_point()
            or labels.dtype == torch.bool or (n_rows is not None and labels.shape[0] != n_rows)):
        raise ValueError(f"labels: expected an integer tensor of shape {shape}, got {describe(labels)}")
    if labels.device != device:
        raise TypeError(f"labels: expected a tensor on {device}, got {describe(labels)}")
    if labels.numel() and (labels.min() < 0 or (n_labels is not None and labels.max() >= n_labels)):
        wanted = "values >= 0" if n_labels is None else f"values in 0..{n_labels - 1}"
        raise ValueError(f"labels: expected {wanted}, got {describe(labels)}")
    return labels


def transposed_rbm(rbm: BernoulliRBM) -> BernoulliRBM:
    """The RBM turned upside down: visible and hidden swapped (``Wᵀ``, ``b ↔ c``) -- the same joint
    distribution seen from the other layer.  Stacked on ``rbm`` it leaves the DBN's ``p(v)`` unchanged,
    the start of ``greedy_pretrain(init="transpose")``.  A copy, detached from ``rbm``.  Lecture 10 §4."""
    if not isinstance(rbm, BernoulliRBM):
        raise TypeError(f"rbm: expected a BernoulliRBM, got {describe(rbm)}")
    flipped = BernoulliRBM(rbm.n_hidden, rbm.n_visible, weight_scale=0.0, dtype=rbm.W.dtype, device=rbm.W.device)
    with torch.no_grad():
        flipped.W.copy_(rbm.W.T)
        flipped.b.copy_(rbm.c)
        flipped.c.copy_(rbm.b)
    return flipped


class DBN(nn.Module):
    """A deep belief net from a stack of RBMs, bottom first (see the module docstring): the lower ones
    are :class:`BernoulliRBM` s used as directed layers, the top one an RBM (a :class:`BernoulliRBM`
    or a :class:`LabelledRBM`).  Layer sizes ``sizes = (n_v, n_1, ..., n_top)``.  Lecture 10 §3–6."""

    def __init__(self, rbms: Sequence[RBM]):
        super().__init__()
        if not isinstance(rbms, (list, tuple)) or not rbms:
            raise TypeError(f"rbms: expected a non-empty list of RBMs, bottom first, got {describe(rbms)}")
        for k, rbm in enumerate(rbms):
            expected = (BernoulliRBM, LabelledRBM) if k == len(rbms) - 1 else (BernoulliRBM,)
            if not isinstance(rbm, expected):
                raise TypeError(f"rbms[{k}]: expected a BernoulliRBM{' or LabelledRBM' if k == len(rbms) - 1 else ''}, "
                                f"got {describe(rbm)}")
        for k in range(1, len(rbms)):
            n_in = rbms[k].n_features if isinstance(rbms[k], LabelledRBM) else rbms[k].n_visible
            if n_in != rbms[k - 1].n_hidden:
                raise ValueError(f"rbms[{k}]: expected {rbms[k - 1].n_hidden} input units (the hidden layer of "
                                 f"rbms[{k - 1}]), got {n_in}")
            check_like(f"rbms[{k}]", rbms[k].W, rbms[0].W, "rbms[0]")
        self.rbms = nn.ModuleList(rbms)

    @property
    def top(self) -> RBM:
        """The top (undirected) RBM.  Lecture 10 §4."""
        return self.rbms[-1]

    @property
    def labelled(self) -> bool:
        """Whether the top RBM has label units.  Library only (the checks of sampling and unrolling)."""
        return isinstance(self.top, LabelledRBM)

    @property
    def n_features(self) -> int:
        """``n_{L-1}``: the units the top RBM reads from below (its visible layer less any label units).
        Library only (the shape of :meth:`down`'s input)."""
        return self.top.n_features if self.labelled else self.top.n_visible

    @property
    def sizes(self) -> tuple[int, ...]:
        """``(n_v, n_1, ..., n_top)``: the visible layer and every RBM's hidden layer.  Lecture 10 §4."""
        return (self.rbms[0].n_visible, *(rbm.n_hidden for rbm in self.rbms))

    # ----- recognition and generation -----------------------------------------------------------
    @torch.no_grad()
    def up(self, v: torch.Tensor, *, sample: bool = False, generator=None) -> list[torch.Tensor]:
        """The up pass through the directed layers with the tied recognition weights:
        ``[v, x_1, ..., x_{L-1}]`` with ``x_{l+1} = p(h | x_l)`` of ``rbms[l]`` (or a sample of it); the last
        entry is the top RBM's (feature) input.  Lecture 10 §4."""
        self.rbms[0].check_visible(v)
        check_bool("sample", sample)
        check_generator("generator", generator, like=v)
        layers = [v]
        for rbm in self.rbms[:-1]:
            probs = rbm.hidden_probs(layers[-1])
            layers.append(sample_bernoulli(probs, generator=generator) if sample else probs)
        return layers

    @torch.no_grad()
    def down(self, x: torch.Tensor, *, generator=None) -> torch.Tensor:
        """One down pass from the top RBM's feature layer ``x`` (B, n_{L-1}) through the directed layers:
        each hidden layer sampled from ``p(x_l | x_{l+1})``, the visible layer returned as its
        probabilities ``p(v = 1 | x_1)`` (B, n_v).  (A one-RBM DBN has no directed layer: ``x`` is returned.)
        Lecture 10 §4."""
        check_like("x", check_tensor("x", x, ndim=2, last_dim=self.n_features), self.top.W, "the model's parameters")
        check_generator("generator", generator, like=x)
        if len(self.rbms) == 1:
            return x
        for rbm in reversed(self.rbms[1:-1]):
            x = rbm.sample_visible(x, generator=generator)
        return self.rbms[0].visible_probs(x)

    @torch.no_grad()
    def sample(self, n: int | None = None, *, labels: torch.Tensor | None = None, n_sweeps: int = 1000,
               generator=None) -> torch.Tensor:
        """``p(v = 1 | x_1)`` for new samples (B, n_v): ``n_sweeps`` sweeps of block Gibbs in the top RBM from
        random features -- with ``labels`` (B,) clamped for a labelled DBN (one class per row) -- then one
        down pass (:meth:`down`); ``n`` is then None or ``len(labels)``.  Lecture 10 §4."""
        top = self.top
        if n is not None:
            check_positive_int("n", n)
        if self.labelled:
            if labels is None:
                raise ValueError("labels: a labelled DBN samples a class per row; expected an integer tensor (B,)")
            if _check_labels(labels, None, top.n_labels, top.W.device).shape[0] == 0:
                raise ValueError(f"labels: expected at least one label, got {describe(labels)}")
            if n not in (None, labels.shape[0]):
                raise ValueError(f"n: expected None or len(labels) = {labels.shape[0]} (a sample per label), got {n!r}")
            n = labels.shape[0]
        elif labels is not None:
            raise ValueError("labels: this DBN's top RBM has no label units; got labels")
        check_positive_int("n", n)
        start = sample_bernoulli(torch.full((n, self.n_features), 0.5, dtype=top.W.dtype, device=top.W.device),
                                 generator=generator)
        if self.labelled:
            x = top.clamped_gibbs(start, labels, n_sweeps, generator=generator)
        else:
            x = top.gibbs(start, n_sweeps, generator=generator)
        return self.down(x, generator=generator)

    # ----- the bound -------------------------------------------------------------------------------------
    def to_helmholtz(self) -> HelmholtzMachine:
        """The DBN as a :class:`energylab.models.HelmholtzMachine` with **untied** copies of its weights:
        generative ``W[l] = rbms[l].W``, ``b[l] = rbms[l].b``; recognition ``R[l] = rbms[l].Wᵀ``,
        ``r[l] = rbms[l].c``; the prior is a copy of the top RBM.  Wake–sleep on it is the up-down
        fine-tuning of Hinton, Osindero & Teh (2006).  Unlabelled DBNs only.  Lecture 10 §4–5."""
        if self.labelled:
            raise ValueError("to_helmholtz: expected a DBN with an unlabelled top RBM (the bound is on p(v)); "
                             "stack a BernoulliRBM on the same lower layers instead")
        lower = self.rbms[:-1]
        sizes = (self.rbms[0].n_visible, *(rbm.n_hidden for rbm in lower))
        machine = HelmholtzMachine(sizes, prior=copy.deepcopy(self.top), weight_scale=0.0, dtype=self.top.W.dtype,
                                   device=self.top.W.device)
        with torch.no_grad():
            for l, rbm in enumerate(lower):
                machine.generative.W[l].copy_(rbm.W)
                machine.generative.b[l].copy_(rbm.b)
                machine.R[l].copy_(rbm.W.T)
                machine.r[l].copy_(rbm.c)
        return machine

    @torch.no_grad()
    def lower_bound(self, v: torch.Tensor, *, log_z=None, n_samples: int | None = 10, generator=None) -> torch.Tensor:
        r"""The variational lower bound on ``log p(v)`` with the up pass as ``q`` (Salakhutdinov & Murray,
        2008), (B,):
        ``E_q[log p(v | x_1) + ... + log p(x_{L-2} | x_{L-1}) − F_top(x_{L-1}) − log Z_top − log q(x_1, ... | v)]``.
        Monte-Carlo over ``n_samples`` up passes per row, or exact (``n_samples=None``, small nets);
        ``log_z`` is the top RBM's ``log Z`` (exact if None; pass an AIS estimate for big ones).  For one
        RBM it is its ``log p(v)``.  Lecture 10 §4."""
        if self.labelled:
            raise ValueError("lower_bound: expected a DBN with an unlabelled top RBM (the bound is on p(v), and a "
                             "labelled top's free energy needs the label); stack a BernoulliRBM on the same lower layers")
        log_z = None if log_z is None else check_log_z("log_z", log_z, self.top.W)
        return self.to_helmholtz().elbo(v, n_samples=n_samples, log_z=log_z, generator=generator)

    # ----- unrolling for backpropagation ---------------------------------------------------------------------
    def _encoder(self) -> nn.Sequential:
        """``Linear(Wᵀ, c) -> sigmoid`` for every RBM whose hidden layer the up pass reaches."""
        rbms = self.rbms[:-1] if self.labelled else self.rbms
        if not rbms:
            raise ValueError("rbms: a labelled DBN needs at least one RBM below the top to unroll")
        sizes = (rbms[0].n_visible, *(rbm.n_hidden for rbm in rbms))
        net = nn.Sequential(*mlp(sizes[0], sizes[1:-1], sizes[-1], activation=nn.Sigmoid), nn.Sigmoid())
        net = net.to(dtype=self.top.W.dtype, device=self.top.W.device)
        with torch.no_grad():
            for layer, rbm in zip([m for m in net if isinstance(m, nn.Linear)], rbms):
                layer.weight.copy_(rbm.W.T)
                layer.bias.copy_(rbm.c)
        return net

    def unroll_autoencoder(self) -> nn.Sequential:
        """A deterministic deep autoencoder (Hinton & Salakhutdinov, 2006): the **encoder** is the up
        pass (``Linear(Wᵀ, c) -> sigmoid`` per RBM, the top RBM's hidden probabilities are the code), the
        **decoder** its mirror (``Linear(W, b) -> sigmoid``, ending in pixel probabilities).
        ``model[0]`` encodes, ``model[1]`` decodes; the weights are untied copies, ready to fine-tune by
        backpropagation (e.g. :func:`energylab.train.fit` on the cross-entropy).  Lecture 10 §6."""
        if self.labelled:
            raise ValueError("unroll_autoencoder: expected an unlabelled DBN (the code is the top hidden layer)")
        encoder = self._encoder()
        sizes = self.sizes
        decoder = nn.Sequential(*mlp(sizes[-1], sizes[-2:0:-1], sizes[0], activation=nn.Sigmoid), nn.Sigmoid())
        decoder = decoder.to(dtype=self.top.W.dtype, device=self.top.W.device)
        with torch.no_grad():
            for layer, rbm in zip([m for m in decoder if isinstance(m, nn.Linear)], reversed(self.rbms)):
                layer.weight.copy_(rbm.W)
                layer.bias.copy_(rbm.b)
        return nn.Sequential(encoder, decoder)

    def unroll_classifier(self, n_classes: int, *, generator=None) -> nn.Sequential:
        """The up pass as a feed-forward network with a new linear output layer of ``n_classes`` logits
        (initialised from ``generator``): pretraining as initialisation for backprop.  For a labelled DBN
        the up pass stops below the top RBM.  Lecture 10 §6."""
        check_positive_int("n_classes", n_classes, minimum=2)
        encoder = self._encoder()
        head = mlp(encoder[-2].out_features, (), n_classes, generator=generator)
        return nn.Sequential(encoder, head.to(dtype=self.top.W.dtype, device=self.top.W.device))


def greedy_pretrain(data: torch.Tensor, hidden_sizes: Sequence[int], *, labels: torch.Tensor | None = None,
                    n_labels: int | None = None, lower: DBN | None = None, propagate: str = "probs", init: str = "random",
                    method: str = "cd", n_sweeps: int = 1, lr: float = 0.1, batch_size: int = 20, epochs: int = 10,
                    shuffle: bool = True, weight_scale: float = 0.01, generator=None, callback=None) -> DBN:
    """Greedy layer-wise training (Hinton, Osindero & Teh, 2006): one RBM per entry of ``hidden_sizes``,
    bottom first, each trained by :func:`energylab.train.train_rbm` (``method``, ``n_sweeps``, ``lr``,
    ``batch_size``, ``epochs``, ``shuffle``) on the previous layer's hidden **probabilities**
    (``propagate="probs"``) or one **sample** of them (``"samples"``).  With ``labels`` (N,) the top RBM is a
    :class:`LabelledRBM` over ``[features, one_hot(label)]``.  ``lower``: an unlabelled DBN whose RBMs are
    kept (not retrained) below the new ones.  ``init="random"`` starts every RBM from ``N(0,
    weight_scale²)`` weights; ``init="transpose"`` starts each new RBM (after the first) as the one below
    turned upside down (:func:`transposed_rbm`; it needs ``n_hidden`` equal to that RBM's ``n_visible``):
    the start at which adding the layer leaves the bound unchanged, so that training can only raise it
    (Hinton, Osindero & Teh, 2006).  ``callback(layer, dbn)`` runs after each new layer with the DBN so
    far.  Lecture 10 §4."""
    check_tensor("data", data, ndim=2)
    if data.shape[0] == 0:
        raise ValueError(f"data: expected at least one row, got {describe(data)}")
    hidden_sizes = check_widths("hidden_sizes", hidden_sizes, allow_empty=False)
    if propagate not in ("probs", "samples"):
        raise ValueError(f"propagate: expected 'probs' or 'samples', got {describe(propagate)}")
    if init not in ("random", "transpose"):
        raise ValueError(f"init: expected 'random' or 'transpose', got {describe(init)}")
    check_generator("generator", generator, like=data)
    if callback is not None:
        check_callable("callback", callback)
    rbms = []
    x = data
    if lower is not None:
        if not isinstance(lower, DBN) or lower.labelled:
            raise TypeError(f"lower: expected an unlabelled DBN, got {describe(lower)}")
        check_like("data", data, lower.top.W, "lower (the DBN below)")
        if data.shape[1] != lower.sizes[0]:
            raise ValueError(f"lower: expected a DBN over the {data.shape[1]} columns of data, got sizes {lower.sizes}")
        rbms = list(lower.rbms)
        x = _propagate(lower.rbms, data, propagate, generator)
    if labels is not None:
        if n_labels is not None:
            check_positive_int("n_labels", n_labels, minimum=2)
        _check_labels(labels, data.shape[0], n_labels, data.device)
        n_labels = int(labels.max()) + 1 if n_labels is None else n_labels
    for k, n_hidden in enumerate(hidden_sizes):
        options = dict(weight_scale=weight_scale, generator=generator, dtype=data.dtype, device=data.device)
        if labels is not None and k == len(hidden_sizes) - 1:
            rbm = LabelledRBM(x.shape[1], n_labels, n_hidden, **options)
            inputs = rbm.with_labels(x, labels)
        elif init == "transpose" and rbms:
            if n_hidden != rbms[-1].n_visible:
                raise ValueError(f"hidden_sizes[{k}]: init='transpose' needs {rbms[-1].n_visible} hidden units (the "
                                 f"visible layer of the RBM below), got {n_hidden}")
            rbm, inputs = transposed_rbm(rbms[-1]), x
        else:
            rbm, inputs = BernoulliRBM(x.shape[1], n_hidden, **options), x
        cdiv.train_rbm(rbm, inputs, method=method, n_sweeps=n_sweeps, lr=lr, batch_size=batch_size, epochs=epochs,
                  shuffle=shuffle, generator=generator)
        rbms.append(rbm)
        if k < len(hidden_sizes) - 1:
            x = _propagate([rbm], x, propagate, generator)
        if callback is not None:
            callback(len(rbms) - 1, DBN(rbms))
    return DBN(rbms)


@torch.no_grad()
def _propagate(rbms, x, propagate, generator):
    """The data seen by the next RBM: hidden probabilities (or one sample) up through ``rbms``."""
    for rbm in rbms:
        x = rbm.hidden_probs(x)
        if propagate == "samples":
            x = sample_bernoulli(x, generator=generator)
    return x
