r"""Sigmoid belief nets and the Helmholtz machine (Neal, 1992; Hinton, Dayan, Frey & Neal, 1995)
-- Lecture 10 §1–3 and §5.

A **sigmoid belief net** (SBN) is a *directed* generative model in layers ``x_0 = v`` (the
data, bottom), ``x_1, ..., x_L`` (binary hidden layers, ``x_L`` on top).  Sampling goes top
down; each unit is a coin flip given its parents in the layer above:

.. math::

    p(x_L) = \prod_j \sigma(a_j)^{x_{L,j}} (1 - \sigma(a_j))^{1 - x_{L,j}}, \qquad
    p(x_{l,i} = 1 \mid x_{l+1}) = \sigma\Big(\sum_j W^{(l)}_{ij} x_{l+1,j} + b^{(l)}_i\Big),

so ``log p(x_0, ..., x_L)`` is a sum of Bernoulli log-likelihoods (no partition function:
the model is normalised by construction).  Instead of the factorial top ``a`` the top layer
can have an **RBM prior** ``p(x_L) = e^{-F(x_L)} / Z`` -- that is a deep belief net (lecture
10 §4, :mod:`energylab.models.dbn`).

**Learning** by gradient ascent on ``log p(v)`` needs the posterior ``p(h | v)``:

.. math::

    \frac{\partial \log p(v)}{\partial W^{(l)}_{ij}} = \mathbb E_{p(h \mid v)}\big[(x_{l,i} - p_{l,i})\, x_{l+1,j}\big],
    \qquad p_{l,i} = p(x_{l,i} = 1 \mid x_{l+1}),

the **delta rule** (:func:`delta_rule`) averaged over the posterior.  The posterior does not
factorise -- two causes of one effect compete to explain it (**explaining away**) -- so there
is no one-step block sampler as in the RBM, and CD does not carry over.  For small nets we
enumerate: :meth:`SigmoidBeliefNet.log_prob` sums the hidden layers out one at a time
(``p(x_l) = Σ_{x_{l+1}} p(x_l | x_{l+1}) p(x_{l+1})``, a chain over layers) and
:meth:`SigmoidBeliefNet.posterior` lists ``p(h | v)`` over every hidden state.

The **Helmholtz machine** (:class:`HelmholtzMachine`) adds a bottom-up *recognition* net
``q(x_{l+1} | x_l) = Π σ(x_l R^{(l)\top} + r^{(l)})`` with its own weights (untied from the
generative ones) and learns both by **wake–sleep** (:func:`wake_sleep_step`): in the wake phase
the recognition net samples ``h`` for a data vector and the generative weights follow the delta
rule on ``(v, h)``; in the sleep phase the generative net dreams ``(v, h)`` top-down and the
recognition weights follow the delta rule to recover the dreamed ``h`` from ``v``.  The
variational bound ``log p(v) ≥ E_q[log p(v, h) − log q(h | v)]`` (:meth:`HelmholtzMachine.elbo`)
judges it.  :func:`tied_sbn` builds the infinitely deep (here: truncated) SBN with tied weights
``W, Wᵀ, W, ...`` whose samples approach an RBM's (lecture 10 §3).
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import (check_bool, check_callable, check_device, check_dtype, check_generator, check_index, check_like,
                       check_log_z, check_positive_float, check_positive_int, check_same_shape, check_tensor, describe)
from ..samplers.exact import MAX_ENUMERATED_UNITS, enumerate_states
from ..samplers.gibbs_sampling import sample_bernoulli
from ..train import contrastive_divergence as cdiv   # the module, not its names: it imports models.rbm
from ..train.loop import batches
from .mlp import check_widths
from .rbm import RBM, BernoulliRBM

__all__ = ["SBNGradient", "delta_rule", "bernoulli_log_prob", "SigmoidBeliefNet", "tied_sbn",
           "HelmholtzMachine", "wake_sleep_step", "train_wake_sleep"]


# ----- the one-layer pieces --------------------------------------------------------------
def bernoulli_log_prob(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """``Σ_i log Bernoulli(x_i; σ(logit_i)) = Σ_i [x_i · logit_i − softplus(logit_i)]`` over the
    last dimension, in log space (no ``log σ`` that underflows).  Shapes broadcast.  Lecture 10 §1."""
    check_like("logits", check_tensor("logits", logits), check_tensor("x", x), "x")
    try:
        torch.broadcast_shapes(x.shape, logits.shape)
    except RuntimeError:
        raise ValueError(f"logits: expected a shape that broadcasts with x {tuple(x.shape)}, got {describe(logits)}") from None
    return (x * logits - F.softplus(logits)).sum(-1)


def delta_rule(x: torch.Tensor, parents: torch.Tensor, W: torch.Tensor, b: torch.Tensor, *,
               weights: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The delta rule of one sigmoid layer ``p(x_i = 1 | parents) = σ(W_i · parents + b_i)``:

    .. math:: \Delta W_{ij} = \sum_r w_r\, (x_{r,i} - p_{r,i})\, \text{parents}_{r,j}, \qquad
              \Delta b_i = \sum_r w_r\, (x_{r,i} - p_{r,i}),

    the gradient of ``Σ_r w_r log p(x_r | parents_r)`` (per-row ``weights`` ``w`` (R,), default ``1/R``:
    the mean).  ``x`` (R, n_out), ``parents`` (R, n_in), ``W`` (n_out, n_in), ``b`` (n_out,).
    The generative and the recognition weights of wake–sleep both learn by it.  Lecture 10 §2 and §5."""
    n = check_tensor("x", x, ndim=2).shape[0]
    if n == 0:
        raise ValueError(f"x: expected at least one row, got {describe(x)}")
    for name, value, shape in (("parents", parents, (n, None)), ("W", W, (x.shape[1], None)), ("b", b, (x.shape[1],))):
        check_like(name, check_tensor(name, value, ndim=len(shape)), x, "x")
        if value.shape[0] != shape[0]:
            raise ValueError(f"{name}: expected first dimension {shape[0]} for x {tuple(x.shape)}, "
                             f"got {describe(value)}")
    if W.shape[1] != parents.shape[1]:
        raise ValueError(f"W: expected shape {(x.shape[1], parents.shape[1])} for parents {tuple(parents.shape)}, "
                         f"got {describe(W)}")
    return _delta_rule(x, parents, W, b, _row_weights(weights, x))


def _row_weights(weights, like: torch.Tensor) -> torch.Tensor:
    """Per-row ``weights`` (R,) checked against the rows of ``like``, or ``1/R`` each (the mean)."""
    n = like.shape[0]
    if weights is None:
        return torch.full((n,), 1.0 / n, dtype=like.dtype, device=like.device)
    check_like("weights", check_tensor("weights", weights, ndim=1), like, "the layers")
    if weights.shape[0] != n:
        raise ValueError(f"weights: expected one weight per row ({n},), got {describe(weights)}")
    return weights


def _delta_rule(x, parents, W, b, weights):
    """:func:`delta_rule` unchecked, with the weights given."""
    error = (x - torch.sigmoid(torch.addmm(b, parents, W.T))) * weights[:, None]  # (R, n_out)
    return error.T @ parents, error.sum(0)


class SBNGradient(NamedTuple):
    """Ascent direction for ``log p`` of a sigmoid belief net: one (n_l, n_{l+1}) entry of ``W`` and
    one (n_l,) entry of ``b`` per directed layer, and ``top`` (n_L,) for a factorial top (None
    with an RBM prior).  Lecture 10 §2."""

    W: tuple[torch.Tensor, ...]
    b: tuple[torch.Tensor, ...]
    top: torch.Tensor | None


def _enumerable(name: str, n_units: int) -> None:
    if n_units > MAX_ENUMERATED_UNITS:
        raise ValueError(f"{name}: exact enumeration lists 2**n states; expected at most {MAX_ENUMERATED_UNITS} "
                         f"units, got {n_units}")


# ----- the sigmoid belief net -------------------------------------------------------------
class SigmoidBeliefNet(nn.Module):
    """A layered sigmoid belief net with layer sizes ``sizes = (n_v, n_1, ..., n_L)``, bottom (data)
    first; equations in the module docstring.  Lecture 10 §1–3.

    Parameters: ``W[l]`` (n_l, n_{l+1}) and ``b[l]`` (n_l,) for the directed layers ``l = 0..L-1``;
    the top prior is factorial with logits ``top`` (n_L,), or -- with ``prior=`` an RBM whose visible
    layer is ``x_L`` -- that RBM (a deep belief net).  Weights start ``N(0, weight_scale²)``,
    biases 0.

    Layers travel as lists ``[x_0, x_1, ..., x_L]`` of (B, n_l) tensors.
    """

    def __init__(self, sizes: Sequence[int], *, prior: RBM | None = None, weight_scale: float = 0.1,
                 generator=None, dtype=torch.float32, device=None):
        super().__init__()
        self.sizes = check_widths("sizes", sizes, allow_empty=False)
        check_positive_float("weight_scale", weight_scale, allow_zero=True)
        check_generator("generator", generator)
        dtype, device = check_dtype("dtype", dtype), check_device("device", device)
        if prior is not None:
            if not isinstance(prior, RBM):
                raise TypeError(f"prior: expected an RBM over the top layer or None (factorial), got {describe(prior)}")
            if prior.n_visible != self.sizes[-1]:
                raise ValueError(f"prior: expected an RBM with {self.sizes[-1]} visible units (the top layer), "
                                 f"got n_visible={prior.n_visible}")
            check_like("prior", prior.W, torch.empty(0, dtype=dtype, device=device), "dtype= and device=")
        self.W = nn.ParameterList([
            nn.Parameter(torch.randn(lower, upper, generator=generator, dtype=dtype, device=device) * weight_scale)
            for lower, upper in zip(self.sizes[:-1], self.sizes[1:])])
        self.b = nn.ParameterList([nn.Parameter(torch.zeros(n, dtype=dtype, device=device)) for n in self.sizes[:-1]])
        self.prior = prior
        self.top = None if prior is not None else nn.Parameter(torch.zeros(self.sizes[-1], dtype=dtype, device=device))

    @property
    def n_layers(self) -> int:
        """``L``, the number of directed layers (= hidden layers when the top is factorial).  Lecture 10 §1."""
        return len(self.sizes) - 1

    def check_layers(self, layers, name="layers") -> list[torch.Tensor]:
        """``layers`` as a list of (B, n_l) tensors, one per layer of ``sizes``, or a clear error naming
        ``name``.  Library only (the argument check of every method that takes layers)."""
        if not isinstance(layers, (list, tuple)) or len(layers) != len(self.sizes):
            raise ValueError(f"{name}: expected a list of {len(self.sizes)} tensors [x_0, ..., x_L], got {describe(layers)}")
        for l, (x, n) in enumerate(zip(layers, self.sizes)):
            check_like(f"{name}[{l}]", check_tensor(f"{name}[{l}]", x, ndim=2, last_dim=n), next(self.parameters()),
                       "the model's parameters")
            if x.shape[0] != layers[0].shape[0]:
                raise ValueError(f"{name}[{l}]: expected {layers[0].shape[0]} rows like {name}[0], got {describe(x)}")
        return list(layers)

    def _check_visible(self, v, name="v") -> torch.Tensor:
        """``v`` (B, n_v) with the model's dtype and device (the data of every method that takes it)."""
        return check_like(name, check_tensor(name, v, ndim=2, last_dim=self.sizes[0]), next(self.parameters()),
                          "the model's parameters")

    # ----- conditionals --------------------------------------------------------------------
    def logits(self, l: int, upper: torch.Tensor) -> torch.Tensor:
        """The top-down input to layer ``l`` from the layer above: ``upper W[l]ᵀ + b[l]``, (B, n_l), the
        logits of ``p(x_l | x_{l+1})``.  Lecture 10 §1."""
        check_index("l", l, self.n_layers, what="a directed layer")
        check_like("upper", check_tensor("upper", upper, ndim=2, last_dim=self.sizes[l + 1]), self.W[l],
                   "the model's parameters")
        return self._logits(l, upper)

    def _logits(self, l, upper):
        return torch.addmm(self.b[l], upper, self.W[l].T)

    def log_prior(self, top: torch.Tensor, *, log_z: torch.Tensor | float | None = None) -> torch.Tensor:
        """``log p(x_L)``, (B,): factorial ``Σ_j [x_j a_j − softplus(a_j)]``, or ``−F(x_L) − log Z`` for an
        RBM prior (exact ``log Z`` unless ``log_z`` is given, e.g. from AIS).  Lecture 10 §1 and §4."""
        check_like("top", check_tensor("top", top, ndim=2, last_dim=self.sizes[-1]), next(self.parameters()),
                   "the model's parameters")
        self._check_log_z(log_z)
        if self.prior is None:
            return bernoulli_log_prob(top, self.top)
        log_z = self.prior.log_partition() if log_z is None else log_z
        return -self.prior.free_energy(top) - log_z

    def _check_log_z(self, log_z) -> None:
        """``log_z``: None, or -- for an RBM prior -- a number or a 0-dimensional tensor like the prior's."""
        if log_z is None:
            return
        if self.prior is None:
            raise ValueError(f"log_z: a factorial top is normalised (no log Z to give); expected None, "
                             f"got {describe(log_z)}")
        check_log_z("log_z", log_z, self.prior.W)

    def log_conditionals(self, layers) -> torch.Tensor:
        """``Σ_l log p(x_l | x_{l+1})`` over the directed layers, (B,).  Library only (the directed part of
        :meth:`log_joint`)."""
        layers = self.check_layers(layers)
        total = torch.zeros(layers[0].shape[0], dtype=layers[0].dtype, device=layers[0].device)
        for l in range(self.n_layers):
            total = total + bernoulli_log_prob(layers[l], self._logits(l, layers[l + 1]))
        return total

    def log_joint(self, layers, *, log_z=None) -> torch.Tensor:
        """``log p(x_0, x_1, ..., x_L) = log p(x_L) + Σ_l log p(x_l | x_{l+1})``, (B,).  Lecture 10 §1."""
        return self.log_conditionals(layers) + self.log_prior(layers[-1], log_z=log_z)

    # ----- sampling --------------------------------------------------------------------------
    @torch.no_grad()
    def sample_prior(self, n: int, *, n_sweeps: int = 1000, generator=None) -> torch.Tensor:
        """``n`` draws of the top layer: exact for a factorial top; ``n_sweeps`` block-Gibbs sweeps of the
        RBM prior from random states otherwise.  (n, n_L).  Lecture 10 §1 and §4."""
        check_positive_int("n", n)
        check_positive_int("n_sweeps", n_sweeps)
        check_generator("generator", generator)
        if self.prior is None:
            return sample_bernoulli(torch.sigmoid(self.top).expand(n, -1), generator=generator)
        like = self.prior.W
        start = sample_bernoulli(torch.full((n, self.sizes[-1]), 0.5, dtype=like.dtype, device=like.device),
                                 generator=generator)
        return self.prior.gibbs(start, n_sweeps, generator=generator)

    @torch.no_grad()
    def sample_down(self, top: torch.Tensor, *, generator=None) -> list[torch.Tensor]:
        """Ancestral sampling from a given top layer (B, n_L) down: ``[x_0, ..., x_L]`` (x_L = ``top``).
        Lecture 10 §5 (wake–sleep dreams from CD's negative sample with it)."""
        check_like("top", check_tensor("top", top, ndim=2, last_dim=self.sizes[-1]), next(self.parameters()), "the model's parameters")
        check_generator("generator", generator, like=top)
        layers = [top]
        for l in reversed(range(self.n_layers)):
            layers.insert(0, sample_bernoulli(torch.sigmoid(self._logits(l, layers[0])), generator=generator))
        return layers

    def sample(self, n: int, *, n_sweeps: int = 1000, generator=None) -> list[torch.Tensor]:
        """``n`` ancestral samples ``[x_0, ..., x_L]``: the top from the prior (:meth:`sample_prior`),
        then each layer given the one above.  Lecture 10 §1."""
        return self.sample_down(self.sample_prior(n, n_sweeps=n_sweeps, generator=generator), generator=generator)

    # ----- exact answers for small nets -------------------------------------------------------
    def log_prob(self, v: torch.Tensor, *, log_z=None) -> torch.Tensor:
        r"""Exact ``log p(v)``, (B,), by summing the hidden layers out top-down, one at a time:
        ``log p(x_l) = logsumexp_{x_{l+1}} [log p(x_l | x_{l+1}) + log p(x_{l+1})]`` over the ``2**n``
        states of each hidden layer (each at most 24 units, two adjacent ones at most 24 together).
        Lecture 10 §1 and §3."""
        v = self._check_visible(v)
        if self.n_layers == 0:
            return self.log_prior(v, log_z=log_z)
        for l in range(1, self.n_layers):
            _enumerable(f"sizes[{l}] + sizes[{l + 1}]", self.sizes[l] + self.sizes[l + 1])
        _enumerable(f"sizes[{self.n_layers}]", self.sizes[-1])
        upper = enumerate_states(self.sizes[-1], dtype=v.dtype, device=v.device)
        log_p = self.log_prior(upper, log_z=log_z)                                  # (S_L,)
        for l in range(self.n_layers - 1, 0, -1):
            lower = enumerate_states(self.sizes[l], dtype=v.dtype, device=v.device)
            log_p = torch.logsumexp(self._log_conditional_table(l, lower, upper) + log_p, 1)
            upper = lower
        return torch.logsumexp(self._log_conditional_table(0, v, upper) + log_p, 1)

    def _log_conditional_table(self, l, lower, upper) -> torch.Tensor:
        """``log p(x_l = lower_a | x_{l+1} = upper_s)`` for every pair, (A, S)."""
        logits = self._logits(l, upper)                                              # (S, n_l)
        return lower @ logits.T - F.softplus(logits).sum(-1)

    def posterior(self, v: torch.Tensor, *, log_z=None) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The exact posterior over all hidden units together: ``states`` (one (S, n_l) tensor per hidden
        layer, every joint state once) and ``probs`` (B, S) with ``probs[b, s] = p(h = s | v_b)``.  At
        most 24 hidden units in all.  Lecture 10 §1 (explaining away) and §2."""
        v = self._check_visible(v)
        states = self.hidden_states(dtype=v.dtype, device=v.device)
        log_joint = self.log_joint(self._pair_with_states(v, states), log_z=log_z).reshape(v.shape[0], len(states[0]))
        return states, torch.softmax(log_joint, 1)

    def hidden_states(self, *, dtype=torch.float32, device=None) -> list[torch.Tensor]:
        """Every joint state of the hidden layers ``x_1..x_L`` once: a list of (S, n_l) tensors,
        ``S = 2**(n_1 + ... + n_L)``.  Library only (the enumeration behind :meth:`posterior`)."""
        dtype, device = check_dtype("dtype", dtype), check_device("device", device)
        n_hidden = sum(self.sizes[1:])
        if n_hidden == 0:
            raise ValueError(f"sizes: expected at least one hidden layer to enumerate, got {self.sizes}")
        _enumerable("sum(sizes[1:])", n_hidden)
        joint = enumerate_states(n_hidden, dtype=dtype, device=device)
        return list(joint.split(list(self.sizes[1:]), dim=1))

    @staticmethod
    def _pair_with_states(v, states):
        """Every (v_b, h_s) pair as layers of B*S rows (b major)."""
        n_v, n_s = v.shape[0], states[0].shape[0]
        return [v.repeat_interleave(n_s, 0)] + [h.repeat(n_v, 1) for h in states]

    # ----- learning --------------------------------------------------------------------------
    def delta_rule(self, layers, *, weights: torch.Tensor | None = None) -> SBNGradient:
        """:func:`delta_rule` for every directed layer (and the factorial top: ``Σ_r w_r (x_L − σ(a))``):
        the gradient of ``Σ_r w_r log p(x_0, ..., x_L)_r`` for complete layers.  Averaged over the
        exact posterior (``weights = probs``) it is the gradient of ``log p(v)``.  Lecture 10 §2."""
        layers, weights = self._check_rule(layers, weights)
        pairs = [_delta_rule(layers[l], layers[l + 1], self.W[l], self.b[l], weights) for l in range(self.n_layers)]
        top = None if self.prior is not None else weights @ (layers[-1] - torch.sigmoid(self.top))
        return SBNGradient(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs), top)

    def _check_rule(self, layers, weights):
        """The layers of a delta rule (at least one row) and their per-row weights (default ``1/R``)."""
        layers = self.check_layers(layers)
        if layers[0].shape[0] == 0:
            raise ValueError(f"layers: expected at least one row, got {describe(layers[0])} as layers[0]")
        return layers, _row_weights(weights, layers[0])

    def ascend_(self, grad: SBNGradient, lr: float) -> None:
        """``θ += lr · grad`` in place (the prior RBM, if any, is left alone).  Lecture 10 §2."""
        if not isinstance(grad, SBNGradient):
            raise TypeError(f"grad: expected an SBNGradient (from delta_rule), got {describe(grad)}")
        for name, steps, params in (("W", grad.W, self.W), ("b", grad.b, self.b)):
            if not isinstance(steps, (tuple, list)) or len(steps) != self.n_layers:
                raise ValueError(f"grad.{name}: expected {self.n_layers} tensors, one per directed layer, "
                                 f"got {describe(steps)}")
            for l, (step, param) in enumerate(zip(steps, params)):
                check_same_shape(f"grad.{name}[{l}]", step, param, f"the model's {name}[{l}]")
        if self.top is None and grad.top is not None:
            raise ValueError(f"grad.top: expected None (the top is an RBM prior), got {describe(grad.top)}")
        if self.top is not None:
            check_same_shape("grad.top", grad.top, self.top, "the model's factorial top")
        self._ascend(grad, check_positive_float("lr", lr))

    @torch.no_grad()
    def _ascend(self, grad, lr):
        for l in range(self.n_layers):
            self.W[l].add_(grad.W[l], alpha=lr)
            self.b[l].add_(grad.b[l], alpha=lr)
        if grad.top is not None:
            self.top.add_(grad.top, alpha=lr)


def tied_sbn(rbm: BernoulliRBM, depth: int, *, top: torch.Tensor | None = None) -> SigmoidBeliefNet:
    r"""The RBM unrolled into a directed net of ``depth`` layers with **tied weights**
    (Hinton, Osindero & Teh, 2006): layer sizes ``(n_v, n_h, n_v, n_h, ...)``, each ``v``-layer given
    the ``h``-layer above by ``σ(b + W h)`` and each ``h``-layer given the ``v``-layer above by
    ``σ(c + Wᵀ v)``.  Ancestral sampling is then ``depth`` half-steps of block Gibbs, so as
    ``depth → ∞`` the bottom layer's distribution becomes the RBM's ``p(v)`` whatever the top.
    The factorial top has logits ``top`` (default: the RBM's own bias of that layer, ``b`` or
    ``c``).  Lecture 10 §3."""
    if not isinstance(rbm, BernoulliRBM):
        raise TypeError(f"rbm: expected a BernoulliRBM, got {describe(rbm)}")
    check_positive_int("depth", depth)
    sizes = [rbm.n_visible if k % 2 == 0 else rbm.n_hidden for k in range(depth + 1)]
    net = SigmoidBeliefNet(sizes, weight_scale=0.0, dtype=rbm.W.dtype, device=rbm.W.device)
    with torch.no_grad():
        for l in range(depth):
            net.W[l].copy_(rbm.W if l % 2 == 0 else rbm.W.T)
            net.b[l].copy_(rbm.b if l % 2 == 0 else rbm.c)
        default = rbm.b if depth % 2 == 0 else rbm.c
        net.top.copy_(default if top is None else check_tensor("top", top, ndim=1, last_dim=sizes[-1]))
    return net


# ----- the Helmholtz machine ----------------------------------------------------------------
class HelmholtzMachine(nn.Module):
    """A generative :class:`SigmoidBeliefNet` ``generative`` (sizes ``(n_v, n_1, ..., n_L)``, factorial
    top or an RBM ``prior``) and a bottom-up recognition net with **its own** weights:
    ``q(x_{l+1,j} = 1 | x_l) = σ(R[l]_j · x_l + r[l]_j)``, ``R[l]`` (n_{l+1}, n_l), ``r[l]`` (n_{l+1},).
    Trained by :func:`train_wake_sleep`.  Lecture 10 §5 (and the DBN's fine-tuning, §5)."""

    def __init__(self, sizes: Sequence[int], *, prior: RBM | None = None, weight_scale: float = 0.1,
                 generator=None, dtype=torch.float32, device=None):
        super().__init__()
        self.generative = SigmoidBeliefNet(sizes, prior=prior, weight_scale=weight_scale, generator=generator,
                                           dtype=dtype, device=device)
        sizes = self.generative.sizes
        self.R = nn.ParameterList([
            nn.Parameter(torch.randn(upper, lower, generator=generator, dtype=dtype, device=device) * weight_scale)
            for lower, upper in zip(sizes[:-1], sizes[1:])])
        self.r = nn.ParameterList([nn.Parameter(torch.zeros(n, dtype=dtype, device=device)) for n in sizes[1:]])

    @property
    def sizes(self) -> tuple[int, ...]:
        """The generative net's layer sizes ``(n_v, n_1, ..., n_L)``.  Lecture 10 §5."""
        return self.generative.sizes

    def recognition_probs(self, l: int, lower: torch.Tensor) -> torch.Tensor:
        """``q(x_{l+1} = 1 | x_l = lower)``, (B, n_{l+1}).  Lecture 10 §5."""
        check_index("l", l, len(self.R), what="a recognition layer")
        check_like("lower", check_tensor("lower", lower, ndim=2, last_dim=self.sizes[l]), self.R[l],
                   "the model's parameters")
        return self._recognition_probs(l, lower)

    def _recognition_probs(self, l, lower):
        return torch.addmm(self.r[l], lower, self.R[l].T).sigmoid()

    @torch.no_grad()
    def recognise(self, v: torch.Tensor, *, sample: bool = True, generator=None) -> list[torch.Tensor]:
        """The up pass ``[v, x_1, ..., x_L]``: each layer drawn from ``q(x_{l+1} | x_l)`` (or, with
        ``sample=False``, its probabilities fed to the next layer -- the deterministic up pass).
        Lecture 10 §4–5."""
        self.generative._check_visible(v)
        check_bool("sample", sample)
        check_generator("generator", generator, like=v)
        layers = [v]
        for l in range(len(self.R)):
            probs = self._recognition_probs(l, layers[-1])
            layers.append(sample_bernoulli(probs, generator=generator) if sample else probs)
        return layers

    def log_recognition(self, layers) -> torch.Tensor:
        """``log q(x_1, ..., x_L | x_0) = Σ_l log q(x_{l+1} | x_l)``, (B,).  Lecture 10 §5."""
        layers = self.generative.check_layers(layers)
        total = torch.zeros(layers[0].shape[0], dtype=layers[0].dtype, device=layers[0].device)
        for l in range(len(self.R)):
            total = total + bernoulli_log_prob(layers[l + 1], torch.addmm(self.r[l], layers[l], self.R[l].T))
        return total

    @torch.no_grad()
    def elbo(self, v: torch.Tensor, *, n_samples: int | None = 10, log_z=None, generator=None) -> torch.Tensor:
        r"""The variational lower bound
        ``log p(v) ≥ E_{q(h|v)}[log p(v, h) − log q(h | v)]``, (B,): a Monte-Carlo mean over
        ``n_samples`` up passes per row, or -- with ``n_samples=None`` -- exact, by enumerating the
        hidden layers (small nets).  With an RBM prior ``log_z`` is its ``log Z`` (exact if None).
        The gap is ``KL(q(h | v) ‖ p(h | v))``.  Lecture 10 §4–5."""
        self.generative._check_visible(v)
        if self.generative.prior is not None and log_z is None:
            log_z = self.generative.prior.log_partition()
        if not self.R:                                   # no hidden layer: the bound is log p(v) itself
            return self.generative.log_prior(v, log_z=log_z)
        if n_samples is None:
            states = self.generative.hidden_states(dtype=v.dtype, device=v.device)
            layers = SigmoidBeliefNet._pair_with_states(v, states)
            log_q = self.log_recognition(layers)
            terms = self.generative.log_joint(layers, log_z=log_z) - log_q
            q = log_q.exp().reshape(v.shape[0], -1)
            return (q * terms.reshape(v.shape[0], -1)).sum(1)
        check_positive_int("n_samples", n_samples)
        layers = self.recognise(v.repeat(n_samples, 1), generator=generator)
        terms = self.generative.log_joint(layers, log_z=log_z) - self.log_recognition(layers)
        return terms.reshape(n_samples, v.shape[0]).mean(0)

    def recognition_rule(self, layers, *, weights: torch.Tensor | None = None) -> tuple[tuple, tuple]:
        """The sleep-phase delta rule: for each layer, :func:`delta_rule` of ``q(x_{l+1} | x_l)`` on
        complete (dreamed) layers -- ``(ΔR per layer, Δr per layer)``.  Lecture 10 §5."""
        layers, weights = self.generative._check_rule(layers, weights)
        pairs = [_delta_rule(layers[l + 1], layers[l], self.R[l], self.r[l], weights) for l in range(len(self.R))]
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _ascend_rbm(rbm: RBM, grad, lr: float) -> None:
    with torch.no_grad():
        rbm.W.add_(grad.W, alpha=lr)
        rbm.b.add_(grad.b, alpha=lr)
        rbm.c.add_(grad.c, alpha=lr)


@torch.no_grad()
def wake_sleep_step(machine: HelmholtzMachine, v: torch.Tensor, *, lr: float = 0.05, n_sweeps: int = 1,
                    generator=None) -> None:
    r"""One wake–sleep update on the batch ``v`` (Hinton, Dayan, Frey & Neal, 1995).  Lecture 10 §5.

    * **wake**: ``h ~ q(h | v)`` (the recognition net's up pass), then the generative delta rule on
      the complete ``(v, h)`` -- ``ΔW[l] ∝ (x_l − σ(W[l] x_{l+1} + b[l])) x_{l+1}ᵀ`` and, for a
      factorial top, ``Δa ∝ x_L − σ(a)``.  With an RBM prior the top is learned by CD-k
      (``k = n_sweeps``, :func:`energylab.train.cd_gradient`) from the wake state ``x_L``;
    * **sleep**: a dream ``(v, h)`` from the generative net -- ancestral, or, with an RBM prior, the
      down pass from CD's negative sample (Hinton, Osindero & Teh's *up-down* fine-tuning) -- and
      the recognition delta rule ``ΔR[l] ∝ (x_{l+1} − q_{l+1}) x_lᵀ``.
    """
    _check_wake_sleep(machine, lr, n_sweeps)
    if machine.generative._check_visible(v).shape[0] == 0:
        raise ValueError(f"v: expected at least one row (a batch of data), got {describe(v)}")
    model = machine.generative
    wake = machine.recognise(v, generator=generator)
    model._ascend(model.delta_rule(wake), lr)
    if model.prior is None:
        dream = model.sample(v.shape[0], generator=generator)
    else:
        grad, top = cdiv.cd_gradient(model.prior, wake[-1], n_sweeps, generator=generator)
        _ascend_rbm(model.prior, grad, lr)
        dream = model.sample_down(top, generator=generator)
    dR, dr = machine.recognition_rule(dream)
    for l in range(len(machine.R)):
        machine.R[l].add_(dR[l], alpha=lr)
        machine.r[l].add_(dr[l], alpha=lr)


def _check_wake_sleep(machine, lr, n_sweeps) -> None:
    if not isinstance(machine, HelmholtzMachine):
        raise TypeError(f"machine: expected a HelmholtzMachine, got {describe(machine)}")
    check_positive_float("lr", lr)
    check_positive_int("n_sweeps", n_sweeps)


def train_wake_sleep(machine: HelmholtzMachine, data: torch.Tensor, *, epochs: int = 1, lr: float = 0.05,
                     batch_size: int = 10, n_sweeps: int = 1, shuffle: bool = True, generator=None,
                     callback=None) -> None:
    """Wake–sleep (:func:`wake_sleep_step`) over mini-batches of ``data`` (from
    :func:`energylab.train.batches`) for ``epochs`` epochs; ``callback(epoch, machine)`` after each.
    Lecture 10 §5."""
    _check_wake_sleep(machine, lr, n_sweeps)
    if machine.generative._check_visible(data, "data").shape[0] == 0:
        raise ValueError(f"data: expected at least one row to train on, got {describe(data)}")
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_bool("shuffle", shuffle)
    check_generator("generator", generator, like=data)
    if callback is not None:
        check_callable("callback", callback)
    for epoch in range(epochs):
        for (batch,) in batches((data,), batch_size, shuffle=shuffle, generator=generator):
            wake_sleep_step(machine, batch, lr=lr, n_sweeps=n_sweeps, generator=generator)
        if callback is not None:
            callback(epoch, machine)
