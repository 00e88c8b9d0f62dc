r"""Deep Boltzmann machines (Salakhutdinov & Hinton, 2009) -- Lecture 10 §7–8.

A DBM is a Boltzmann machine whose units form layers ``x_0 = v, x_1, ..., x_L`` with connections
only between neighbouring layers, **all undirected** (unlike a DBN, whose lower layers are
directed).  Weights ``W[l]`` (n_l, n_{l+1}), biases ``b[l]`` (n_l,), temperature 1:

.. math::

    E(v, h_1, \dots, h_L) = -\sum_{l=0}^{L-1} x_l^\top W^{(l)} x_{l+1} - \sum_{l=0}^{L} b^{(l)\top} x_l,
    \qquad p = e^{-E} / Z.

Given its two neighbours a layer is factorial, ``p(x_l = 1 | rest) = σ(b_l + x_{l-1} W_{l-1} + x_{l+1} W_lᵀ)``
(:meth:`DBM.layer_input`), so odd and even layers can be resampled in two blocks (:meth:`DBM.gibbs`).
But ``p(h | v)`` is no longer factorial: ``h_1`` depends on ``h_2`` too.

**Inference**: a factorial ``q(h | v) = Π μ`` chosen by **mean field**, the fixed point of
``μ_l = σ(b_l + μ_{l-1} W_{l-1} + μ_{l+1} W_lᵀ)`` (``μ_0 = v``), iterated layer by layer until no
mean moves by more than ``tol`` (:meth:`DBM.mean_field`).  Each layer update maximises the bound

.. math::

    \log p(v) \ \ge\ -E(v, \mu) + \sum_{l \ge 1} H(\mu_l) - \log Z \qquad (:meth:`DBM.bound`)

over that layer, so the bound never decreases; its gap is ``KL(q ‖ p(h | v))``.

**Learning** (:func:`train_dbm`): the log-likelihood gradient is
``⟨x_l x_{l+1}ᵀ⟩_data − ⟨x_l x_{l+1}ᵀ⟩_model``; the data term uses the mean-field ``μ`` and the model
term **persistent** Gibbs chains (:class:`DBMChains`).  In the course's words: push the energy
down on ``(v, μ(v))`` and up on the chains' states -- the loss
``mean E(v, μ) − mean E(chains)`` minimised by :func:`energylab.train.fit` with its sampler hook.

**Pretraining** (:func:`pretrain_dbm`): a stack of RBMs trained greedily with the shared CD code,
with the **doubled-input trick** -- the bottom RBM sees two tied copies of ``v`` (one binomial
unit with two trials per pixel, :class:`BinomialRBM`), the top RBM has two tied copies of its hidden
layer, the middle RBMs' weights are halved -- so that each DBM layer, which gets input from both
neighbours, starts with about the input its RBM got from one neighbour counted twice.

**Judging it**: ``log Z`` exactly for tiny DBMs (:meth:`DBM.log_partition`, summing one parity of
layers out in closed form) and by AIS otherwise (:meth:`DBM.annealing_path` with
:func:`energylab.samplers.ais_log_partition`), then the mean-field bound on held-out data.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import (check_callable, check_device, check_dtype, check_generator, check_index, check_like, check_log_z,
                       check_positive_float, check_positive_int, check_probability, check_tensor, describe)
from ..samplers.exact import MAX_ENUMERATED_UNITS, enumerate_states
from ..samplers.gibbs_sampling import sample_bernoulli
from ..train import contrastive_divergence as cdiv   # the module, not its names: it imports models.rbm
from ..train.loop import fit
from .mlp import check_widths
from .rbm import RBM, BernoulliRBM, Biases

__all__ = ["DBM", "MeanField", "DBMChains", "DBMAnnealingPath", "BinomialRBM", "train_dbm", "pretrain_dbm"]

_CHUNK = 2**14  # states per chunk when enumerating


def _check_dbm(name: str, value) -> "DBM":
    if not isinstance(value, DBM):
        raise TypeError(f"{name}: expected a DBM, got {describe(value)}")
    return value


class MeanField(NamedTuple):
    """The result of :meth:`DBM.mean_field`: ``means = [v, μ_1, ..., μ_L]`` (each (B, n_l)), the number
    of sweeps ``n_iters`` and the largest change of a mean in the last sweep.  Lecture 10 §7."""

    means: list
    n_iters: int
    change: float


def _entropy(mu: torch.Tensor) -> torch.Tensor:
    """``Σ_j H(Bernoulli(μ_j))`` over the last dimension, 0 log 0 = 0."""
    return -(torch.xlogy(mu, mu) + torch.xlogy(1 - mu, 1 - mu)).sum(-1)


class DBM(nn.Module):
    """A deep Boltzmann machine with layer sizes ``sizes = (n_v, n_1, ..., n_L)`` (two or more hidden
    layers for a DBM proper; one gives an RBM); equations in the module docstring.  Weights start
    ``N(0, weight_scale²)``, biases 0.  States and means travel as lists ``[v, h_1, ..., h_L]``.
    Lecture 10 §7–8."""

    def __init__(self, sizes: Sequence[int], *, weight_scale: float = 0.01, generator=None,
                 dtype=torch.float32, device=None):
        super().__init__()
        self.sizes = check_widths("sizes", sizes, allow_empty=False)
        if len(self.sizes) < 2:
            raise ValueError(f"sizes: expected (n_v, n_1, ...) with at least one hidden layer, got {describe(sizes)}")
        check_positive_float("weight_scale", weight_scale, allow_zero=True)
        check_generator("generator", generator)
        dtype, device = check_dtype("dtype", dtype), check_device("device", device)
        self.W = nn.ParameterList([
            nn.Parameter(torch.randn(lower, upper, generator=generator, dtype=dtype, device=device) * weight_scale)
            for lower, upper in zip(self.sizes[:-1], self.sizes[1:])])
        self.b = nn.ParameterList([nn.Parameter(torch.zeros(n, dtype=dtype, device=device)) for n in self.sizes])

    @property
    def n_layers(self) -> int:
        """``L``, the number of hidden layers.  Lecture 10 §7."""
        return len(self.sizes) - 1

    def _check_v(self, v, name="v") -> torch.Tensor:
        return check_like(name, check_tensor(name, v, ndim=2, last_dim=self.sizes[0]), self.b[0], "the model's parameters")

    def check_layers(self, layers, name="layers", *, rows: int | None = None) -> list[torch.Tensor]:
        """``layers`` as a list ``[v, h_1, ..., h_L]`` of (B, n_l) tensors -- or, given ``rows`` (the B of a
        ``v`` checked apart), the hidden layers ``[h_1, ..., h_L]`` alone -- or a clear error naming
        ``name``.  Library only (the argument check of every method that takes layers)."""
        sizes, what = (self.sizes, "[v, h_1, ..., h_L]") if rows is None else (self.sizes[1:], "[h_1, ..., h_L]")
        like = f"{name}[0]" if rows is None else "v"
        if not isinstance(layers, (list, tuple)) or len(layers) != len(sizes):
            raise ValueError(f"{name}: expected a list of {len(sizes)} tensors {what}, got {describe(layers)}")
        for l, (x, n) in enumerate(zip(layers, sizes)):
            check_like(f"{name}[{l}]", check_tensor(f"{name}[{l}]", x, ndim=2, last_dim=n), self.b[0],
                       "the model's parameters")
            rows = x.shape[0] if rows is None else rows
            if x.shape[0] != rows:
                raise ValueError(f"{name}[{l}]: expected {rows} rows like {like}, got {describe(x)}")
        return list(layers)

    # ----- energy and conditionals --------------------------------------------------------------
    def energy(self, layers) -> torch.Tensor:
        """``E(v, h_1, ..., h_L)``, (B,), for binary states or (in the bound) means.  Lecture 10 §7."""
        layers = self.check_layers(layers)
        e = -sum(x @ b for x, b in zip(layers, self.b))
        for l, W in enumerate(self.W):
            e = e - ((layers[l] @ W) * layers[l + 1]).sum(-1)
        return e

    def layer_input(self, layers, l: int) -> torch.Tensor:
        """``b_l + x_{l-1} W_{l-1} + x_{l+1} W_lᵀ``, (B, n_l): what layer ``l`` hears from its neighbours
        (``p(x_l = 1 | rest)`` is its sigmoid).  The values of entries other than ``l ± 1`` are not read
        (their shapes are checked).  Lecture 10 §7."""
        layers = self.check_layers(layers)
        return self._layer_input(layers, check_index("l", l, self.n_layers + 1, what="a layer index"))

    def _layer_input(self, layers, l):
        """:meth:`layer_input` unchecked: the inner step of mean field, Gibbs and :meth:`sum_out`."""
        total = self.b[l]
        if l > 0:
            total = total + layers[l - 1] @ self.W[l - 1]
        if l < self.n_layers:
            total = total + layers[l + 1] @ self.W[l].T
        return total

    # ----- mean field and the bound ----------------------------------------------------------------
    @torch.no_grad()
    def bottom_up(self, v: torch.Tensor) -> list[torch.Tensor]:
        """The starting point of mean field: one bottom-up pass with the input from below doubled to stand in
        for the missing input from above (``μ_l = σ(b_l + 2 μ_{l-1} W_{l-1})``, the top layer undoubled)
        -- the recognition pass of the doubled-input pretraining.  ``[v, μ_1, ..., μ_L]``.  Lecture 10 §7."""
        means = [self._check_v(v)]
        for l in range(1, len(self.sizes)):
            scale = 1.0 if l == self.n_layers else 2.0
            means.append(torch.sigmoid(self.b[l] + scale * (means[-1] @ self.W[l - 1])))
        return means

    @torch.no_grad()
    def mean_field(self, v: torch.Tensor, *, tol: float = 1e-6, max_iters: int = 100,
                   init: Sequence[torch.Tensor] | None = None) -> MeanField:
        """Mean-field posterior ``q(h | v) = Π μ``: sweeps of ``μ_l ← σ(layer_input(μ, l))`` for
        ``l = 1..L`` in turn, from ``init`` (the hidden means ``[μ_1, ..., μ_L]``; default
        :meth:`bottom_up`), until no mean changes by more than ``tol`` or ``max_iters`` sweeps.  Lecture 10 §7."""
        v = self._check_v(v)
        if v.shape[0] == 0:
            raise ValueError(f"v: expected at least one row, got {describe(v)}")
        check_positive_float("tol", tol)
        check_positive_int("max_iters", max_iters)
        means = self.bottom_up(v) if init is None else [v, *self.check_layers(init, "init", rows=v.shape[0])]
        means = [m.clone() for m in means]
        change, n_iters = float("inf"), 0
        while n_iters < max_iters and change > tol:
            change = 0.0
            for l in range(1, len(self.sizes)):
                new = torch.sigmoid(self._layer_input(means, l))
                change = max(change, (new - means[l]).abs().max().item())
                means[l] = new
            n_iters += 1
        return MeanField(means, n_iters, change)

    def bound(self, v: torch.Tensor, *, log_z, means: Sequence[torch.Tensor] | None = None, tol: float = 1e-6,
              max_iters: int = 100) -> torch.Tensor:
        r"""The variational lower bound ``log p(v) ≥ −E(v, μ) + Σ_l H(μ_l) − log Z``, (B,), at the hidden
        means ``means`` ``[μ_1, ..., μ_L]`` (default: :meth:`mean_field` with ``tol``, ``max_iters``).
        ``log_z``: exact (:meth:`log_partition`) or an AIS estimate.  Lecture 10 §7–8."""
        v = self._check_v(v)
        check_log_z("log_z", log_z, self.b[0])
        if means is None:
            layers = self.mean_field(v, tol=tol, max_iters=max_iters).means
        else:
            layers = [v, *self.check_layers(means, "means", rows=v.shape[0])]
        return -self.energy(layers) + sum(_entropy(mu) for mu in layers[1:]) - log_z

    # ----- Gibbs sampling ------------------------------------------------------------------------------------
    def init_chains(self, n: int, *, generator=None) -> list[torch.Tensor]:
        """``n`` random binary states ``[v, h_1, ..., h_L]`` (every unit on with probability 1/2).  Library only
        (the start of :class:`DBMChains` and of the AIS base)."""
        check_positive_int("n", n)
        like = self.W[0]
        check_generator("generator", generator, like=like)
        return [sample_bernoulli(torch.full((n, size), 0.5, dtype=like.dtype, device=like.device), generator=generator)
                for size in self.sizes]

    @torch.no_grad()
    def gibbs(self, layers, n_sweeps: int = 1, *, generator=None) -> list[torch.Tensor]:
        """``n_sweeps`` sweeps of two-block Gibbs: the odd layers ``h_1, h_3, ...`` given the even ones,
        then the even layers ``v, h_2, ...`` given the odd ones (each block is factorial).  Lecture 10 §7."""
        layers = self.check_layers(layers)
        check_positive_int("n_sweeps", n_sweeps, minimum=0)
        check_generator("generator", generator, like=layers[0])
        for _ in range(n_sweeps):
            for parity in (1, 0):
                for l in range(parity, len(self.sizes), 2):
                    layers[l] = sample_bernoulli(torch.sigmoid(self._layer_input(layers, l)), generator=generator)
        return layers

    # ----- exact answers for tiny DBMs ----------------------------------------------------------------------------
    def sum_out(self, layers, parity: int, *, beta: float = 1.0) -> torch.Tensor:
        r"""``log Σ exp(−β E)`` over the layers of ``parity`` (1: the odd layers ``h_1, h_3, ...``; 0: the even
        ones ``v, h_2, ...``) given the others, in closed form, (B,):
        ``Σ_{kept l} β b_lᵀ x_l + Σ_{summed l} Σ_j softplus(β · layer_input_l)`` -- no two layers of one parity
        touch.  Library only (behind :meth:`log_partition`, :meth:`log_prob` and AIS)."""
        layers = self.check_layers(layers)
        if isinstance(parity, bool) or not isinstance(parity, int) or parity not in (0, 1):
            raise ValueError(f"parity: expected 0 (sum out v, h_2, ...) or 1 (sum out h_1, h_3, ...), "
                             f"got {describe(parity)}")
        return self._sum_out(layers, parity, check_positive_float("beta", beta, allow_zero=True))

    def _sum_out(self, layers, parity, beta=1.0):
        """:meth:`sum_out` unchecked (its callers build or check ``layers``)."""
        total = 0.0
        for l, x in enumerate(layers):
            if l % 2 == parity:
                total = total + F.softplus(beta * self._layer_input(layers, l)).sum(-1)
            else:
                total = total + beta * (x @ self.b[l])
        return total

    def _states(self, layer_ids, like) -> list:
        """Every joint state of the given layers, chunked: a list of chunks, each a dict layer -> (S, n_l)."""
        n = sum(self.sizes[l] for l in layer_ids)
        if n > MAX_ENUMERATED_UNITS:
            raise ValueError(f"sizes: exact enumeration lists 2**{n} states of layers {list(layer_ids)}; expected at "
                             f"most {MAX_ENUMERATED_UNITS} units in them, got sizes {self.sizes}")
        joint = enumerate_states(n, dtype=like.dtype, device=like.device)
        return [dict(zip(layer_ids, chunk.split([self.sizes[l] for l in layer_ids], 1))) for chunk in joint.split(_CHUNK)]

    def log_partition(self) -> torch.Tensor:
        """Exact ``log Z``: enumerate the parity of layers with fewer units and sum the other out
        (:meth:`sum_out`).  Tiny DBMs only (at most 24 units in that parity).  Lecture 10 §8."""
        odd, even = list(range(1, len(self.sizes), 2)), list(range(0, len(self.sizes), 2))
        kept = odd if sum(self.sizes[l] for l in odd) <= sum(self.sizes[l] for l in even) else even
        parity = 0 if kept is odd else 1
        parts = []
        for chunk in self._states(kept, self.W[0]):
            n = next(iter(chunk.values())).shape[0]
            layers = [chunk.get(l, torch.zeros(n, size, dtype=self.W[0].dtype, device=self.W[0].device))
                      for l, size in enumerate(self.sizes)]
            parts.append(torch.logsumexp(self._sum_out(layers, parity), 0))
        return torch.logsumexp(torch.stack(parts), 0)

    def log_prob(self, v: torch.Tensor, *, log_z=None) -> torch.Tensor:
        """Exact ``log p(v)``, (B,): enumerate the even hidden layers ``h_2, h_4, ...``, sum the odd ones out;
        ``log Z`` exact unless given.  Tiny DBMs only.  Lecture 10 §8."""
        v = self._check_v(v)
        log_z = self.log_partition() if log_z is None else check_log_z("log_z", log_z, self.b[0])
        even_hidden = list(range(2, len(self.sizes), 2))
        zeros = lambda n, size: torch.zeros(n, size, dtype=v.dtype, device=v.device)  # noqa: E731  (odd layers: unread)
        if not even_hidden:
            return self._sum_out([v] + [zeros(len(v), s) for s in self.sizes[1:]], 1) - log_z
        parts = []
        for chunk in self._states(even_hidden, v):
            s = next(iter(chunk.values())).shape[0]
            layers = [v.repeat_interleave(s, 0)] + [
                chunk[l].repeat(len(v), 1) if l in chunk else zeros(len(v) * s, size)
                for l, size in enumerate(self.sizes) if l > 0]
            parts.append(torch.logsumexp(self._sum_out(layers, 1).reshape(len(v), s), 1))
        return torch.logsumexp(torch.stack(parts, 1), 1) - log_z

    def annealing_path(self, base_bias: torch.Tensor | None = None) -> "DBMAnnealingPath":
        """The AIS path from the base-rate model (visible biases ``base_bias``, default 0; every hidden unit
        a fair coin) to this DBM; give it to :func:`energylab.samplers.ais_log_partition`.  Lecture 10 §8."""
        return DBMAnnealingPath(self, torch.zeros_like(self.b[0]) if base_bias is None else base_bias)


class DBMAnnealingPath:
    r"""The AIS path of a DBM (Salakhutdinov & Hinton, 2009), Lecture 10 §8.  With the odd layers summed out
    in closed form, the state is the even layers ``(v, h_2, ...)`` and

    .. math::

        \log p^*_\beta(v, h_2, \dots) = (1-\beta)\, b_A^\top v + \beta \sum_{\text{even } l} b_l^\top x_l
            + \sum_{\text{odd } l} \sum_j \operatorname{softplus}\big(\beta \cdot \text{input}_{l,j}\big),

    from independent units (``β = 0``: base-rate ``v``, fair-coin hidden units) to the DBM (``β = 1``).  Each
    transition is one two-block Gibbs sweep at ``β``.  It implements :class:`energylab.samplers.AnnealingPath`
    (states: tuples of full layers ``(v, h_1, ..., h_L)``, of which only the even layers count).  Each state is
    checked like :meth:`DBM.check_layers` except the one this path made last, which AIS hands straight back:
    checking it again at every temperature would cost more than the sweep of a small DBM.
    """

    def __init__(self, dbm: DBM, base_bias: torch.Tensor):
        _check_dbm("dbm", dbm)
        check_like("base_bias", check_tensor("base_bias", base_bias, ndim=1, last_dim=dbm.sizes[0]), dbm.b[0],
                   "the DBM's parameters")
        self.dbm, self.base_bias = dbm, base_bias.detach()
        self._made = None                           # the state this path returned last (a tuple: immutable)

    def _check(self, layers) -> list[torch.Tensor]:
        return list(layers) if layers is self._made else self.dbm.check_layers(layers)

    def _make(self, layers) -> tuple:
        self._made = tuple(layers)
        return self._made

    def sample_base(self, n_runs: int, *, generator=None) -> tuple:
        """``n_runs`` exact draws from the base model (the odd layers are placeholders, resampled first).
        Library only (called by :func:`energylab.samplers.ais_log_partition`)."""
        layers = self.dbm.init_chains(check_positive_int("n_runs", n_runs), generator=generator)
        layers[0] = sample_bernoulli(torch.sigmoid(self.base_bias).expand(n_runs, -1), generator=generator)
        return self._make(layers)

    def log_z_base(self) -> float:
        """``log Z_A = Σ_i softplus(b_A,i) + (n_1 + ... + n_L) log 2``.  Library only (called by AIS)."""
        return F.softplus(self.base_bias).sum().item() + sum(self.dbm.sizes[1:]) * math.log(2)

    def log_density(self, layers, beta: float) -> torch.Tensor:
        """``log p*_β`` of the even layers, (n_runs,).  Library only (called by AIS)."""
        layers, beta = self._check(layers), check_probability("beta", beta)
        return (1 - beta) * (layers[0] @ self.base_bias) + self.dbm._sum_out(layers, 1, beta)

    def transition(self, layers, beta: float, *, generator=None) -> tuple:
        """One two-block Gibbs sweep that leaves ``p_β`` invariant: odd layers, then even layers.  Library only
        (called by AIS)."""
        dbm, layers, beta = self.dbm, self._check(layers), check_probability("beta", beta)
        check_generator("generator", generator, like=layers[0])
        for parity in (1, 0):
            for l in range(parity, len(dbm.sizes), 2):
                logits = beta * dbm._layer_input(layers, l)
                if l == 0:
                    logits = logits + (1 - beta) * self.base_bias
                layers[l] = sample_bernoulli(torch.sigmoid(logits), generator=generator)
        return self._make(layers)


# ----- learning ---------------------------------------------------------------------------------------------
class DBMChains:
    """The persistent Gibbs chains of DBM learning: full states ``layers = [v, h_1, ..., h_L]`` (n_chains rows),
    kept between updates; random to start.  Lecture 10 §7."""

    def __init__(self, dbm: DBM, n_chains: int, *, generator=None):
        self.layers = _check_dbm("dbm", dbm).init_chains(check_positive_int("n_chains", n_chains), generator=generator)


def train_dbm(dbm: DBM, data: torch.Tensor, *, chains: DBMChains | None = None, n_chains: int = 100,
              n_sweeps: int = 1, lr: float = 0.01, batch_size: int = 100, epochs: int = 1, tol: float = 1e-4,
              max_iters: int = 30, shuffle: bool = True, generator=None, callback=None) -> DBMChains:
    r"""Stochastic approximation learning of a DBM (Salakhutdinov & Hinton, 2009), Lecture 10 §7: for each
    mini-batch,

    1. the **data term**: mean field ``μ(v)`` (:meth:`DBM.mean_field` with ``tol``, ``max_iters``);
    2. the **model term**: the persistent ``chains`` (``n_chains`` random states unless given) move on by
       ``n_sweeps`` Gibbs sweeps;
    3. gradient descent with step ``lr`` on ``mean E(v, μ) − mean E(chains)``, i.e.
       ``ΔW_l = lr (⟨μ_l μ_{l+1}ᵀ⟩_data − ⟨x_l x_{l+1}ᵀ⟩_chains)`` and likewise for the biases.

    This is :func:`energylab.train.fit` with SGD and its sampler hook (steps 1–2).  ``callback(epoch, dbm)``
    after each epoch.  Returns the chains (pass them back in to continue, e.g. with a smaller ``lr``).
    """
    _check_dbm("dbm", dbm)._check_v(data, "data")
    if data.shape[0] == 0:
        raise ValueError(f"data: expected at least one row, got {describe(data)}")
    check_generator("generator", generator, like=data)
    check_positive_int("n_sweeps", n_sweeps)
    check_positive_float("lr", lr)
    check_positive_int("batch_size", batch_size)
    if callback is not None:
        check_callable("callback", callback)
    chains = DBMChains(dbm, n_chains, generator=generator) if chains is None else chains
    if not isinstance(chains, DBMChains):
        raise TypeError(f"chains: expected DBMChains, got {describe(chains)}")
    dbm.check_layers(chains.layers, "chains.layers")

    def sample(model, v):                          # the sampler hook: runs with the parameters frozen
        means = model.mean_field(v, tol=tol, max_iters=max_iters).means
        chains.layers = model.gibbs(chains.layers, n_sweeps, generator=generator)
        return tuple(means), tuple(chains.layers)

    def loss(model, v, samples):                   # push down on (v, μ), pull up on the chains
        means, fantasies = samples
        return model.energy(list(means)).mean() - model.energy(list(fantasies)).mean()

    fit(dbm, loss, (data,), epochs=epochs, lr=lr, batch_size=batch_size, shuffle=shuffle,
        optimizer=torch.optim.SGD(dbm.parameters(), lr=lr), sample=sample, generator=generator, progress=False,
        callback=None if callback is None else (lambda epoch, history: callback(epoch, dbm)))
    return chains


# ----- pretraining ------------------------------------------------------------------------------------------------
class BinomialRBM(RBM):
    r"""An RBM whose visible units count ``n_trials`` tied binary copies: ``s_i ∈ {0, ..., n_trials}``, the
    sum of ``n_trials`` coins with ``p = σ(b_i + W_{i:} h)``, and ``p(h_j = 1 | s) = σ(c_j + sᵀ W_{:j})``.
    With ``n_trials = 2`` and data ``s = 2v`` it is the bottom RBM of DBM pretraining, which sees each pixel
    twice (two copies with tied weights).  Lecture 10 §7.

    .. math:: E(s, h) = -s^\top W h - b^\top s - c^\top h - \sum_i \log\binom{n}{s_i}

    (the binomial coefficient counts the copies' states with the same sum).  CD and PCD train it unchanged.
    Library only: the bottom RBM of :func:`pretrain_dbm`, public so that its callback's RBMs can be named.
    """

    def __init__(self, n_visible: int, n_hidden: int, *, n_trials: int = 2, weight_scale: float = 0.01,
                 generator=None, dtype=torch.float32, device=None):
        super().__init__(n_visible, n_hidden, weight_scale=weight_scale, generator=generator, dtype=dtype,
                         device=device)
        self.n_trials = check_positive_int("n_trials", n_trials)

    def _log_binomial(self, s):
        n = torch.tensor(float(self.n_trials), dtype=s.dtype, device=s.device)
        return (torch.lgamma(n + 1) - torch.lgamma(s + 1) - torch.lgamma(n - s + 1)).sum(-1)

    def _check_counts(self, v):
        """Counts in ``[0, n_trials]`` (outside, ``log C(n, s)`` through lgamma is no binomial coefficient)."""
        self.check_visible(v)
        if ((v < 0) | (v > self.n_trials)).any():
            raise ValueError(f"v: expected counts in [0, {self.n_trials}], got values from {v.min().item()} to "
                             f"{v.max().item()}")
        return v

    def energy(self, v: torch.Tensor, h: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``E(s, h)`` of the class docstring, (B,).  Lecture 10 §7."""
        return BernoulliRBM.energy(self, self._check_counts(v), h, biases=biases) - self._log_binomial(v)

    def visible_probs(self, h: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """The probability of each copy being on, ``σ(b + W h)``, (B, n_v).  Lecture 10 §7."""
        return BernoulliRBM.visible_probs(self, h, biases=biases)

    def visible_mean(self, h: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``E[s | h] = n_trials · σ(b + W h)``.  Lecture 10 §7."""
        return self.n_trials * self.visible_probs(h, biases=biases)

    def sample_visible(self, h: torch.Tensor, *, biases: Biases | None = None, generator=None) -> torch.Tensor:
        """``s ~ Binomial(n_trials, σ(b + W h))``: the sum of ``n_trials`` independent coins.  Lecture 10 §7."""
        probs = self.visible_probs(h, biases=biases)
        return sum(sample_bernoulli(probs, generator=generator) for _ in range(self.n_trials))

    def free_energy(self, v: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``F(s) = −bᵀ s − Σ_i log C(n, s_i) − Σ_j softplus(c_j + sᵀ W_:j)``, (B,).  Lecture 10 §7."""
        return BernoulliRBM.free_energy(self, self._check_counts(v), biases=biases) - self._log_binomial(v)

    def _log_z_over_hidden(self, h, biases):
        return h @ biases.c + self.n_trials * F.softplus(torch.addmm(biases.b, h, self.W.T)).sum(-1)


def _doubled_top(n_visible, n_hidden, options) -> BernoulliRBM:
    """The top RBM of DBM pretraining: two tied copies of each of the ``n_hidden`` units (equal weights and
    biases), ``2 · n_hidden`` in all.  CD keeps the copies equal -- both always see the same visible layer --
    while the visible layer hears both, ``σ(b + W h' + W h'')``: its input from above counted twice."""
    single = BernoulliRBM(n_visible, n_hidden, **options)
    doubled = BernoulliRBM(n_visible, 2 * n_hidden, weight_scale=0.0, dtype=single.W.dtype, device=single.W.device)
    with torch.no_grad():
        doubled.W.copy_(torch.cat([single.W, single.W], 1))
    return doubled


def pretrain_dbm(data: torch.Tensor, hidden_sizes: Sequence[int], *, method: str = "cd", n_sweeps: int = 1,
                 lr: float = 0.05, batch_size: int = 20, epochs: int = 10, shuffle: bool = True,
                 weight_scale: float = 0.01, generator=None, callback=None) -> DBM:
    """Greedy layer-wise pretraining of a DBM with the doubled-input trick (Salakhutdinov & Hinton, 2009),
    every RBM trained by :func:`energylab.train.train_rbm` on the hidden probabilities of the one below:

    * bottom: a :class:`BinomialRBM` with two trials on ``2 · data`` (two tied copies of ``v``), whose
      up-pass is ``σ(c + 2 vᵀ W)``;
    * middle (three or more hidden layers): plain RBMs, their weights **halved** in the DBM;
    * top: two tied copies of the top hidden layer (:func:`_doubled_top`), one copy kept.

    Each hidden layer's bias is the mean of its two RBMs' biases for it (hidden bias of the RBM below,
    visible bias of the one above); ``v`` keeps the bottom RBM's ``b``, the top layer its RBM's ``c``.
    ``callback(layer, rbm)`` after each RBM.  Lecture 10 §7.
    """
    check_tensor("data", data, ndim=2)
    hidden_sizes = check_widths("hidden_sizes", hidden_sizes, allow_empty=False)
    if len(hidden_sizes) < 2:
        raise ValueError(f"hidden_sizes: a DBM has at least two hidden layers, got {describe(hidden_sizes)}")
    check_generator("generator", generator, like=data)
    if callback is not None:
        check_callable("callback", callback)
    options = dict(weight_scale=weight_scale, generator=generator, dtype=data.dtype, device=data.device)
    sizes = (data.shape[1], *hidden_sizes)
    rbms, x = [], data
    for k, n_hidden in enumerate(hidden_sizes):
        if k == 0:
            rbm, inputs = BinomialRBM(sizes[0], n_hidden, n_trials=2, **options), 2 * data
        elif k == len(hidden_sizes) - 1:
            rbm, inputs = _doubled_top(sizes[k], n_hidden, options), x
        else:
            rbm, inputs = BernoulliRBM(sizes[k], n_hidden, **options), x
        cdiv.train_rbm(rbm, inputs, method=method, n_sweeps=n_sweeps, lr=lr, batch_size=batch_size, epochs=epochs,
                  shuffle=shuffle, generator=generator)
        x = rbm.hidden_probs(inputs).detach()
        rbms.append(rbm)
        if callback is not None:
            callback(k, rbm)
    dbm = DBM(sizes, weight_scale=0.0, dtype=data.dtype, device=data.device)
    with torch.no_grad():
        top_n = hidden_sizes[-1]
        for k, rbm in enumerate(rbms):
            top = k == len(rbms) - 1
            W = rbm.W[:, :top_n] if top else rbm.W
            dbm.W[k].copy_(W if k == 0 or top else W / 2)
        dbm.b[0].copy_(rbms[0].b)
        for l in range(1, len(sizes) - 1):
            dbm.b[l].copy_((rbms[l - 1].c + rbms[l].b) / 2)
        dbm.b[-1].copy_(rbms[-1].c[:top_n])
    return dbm
