r"""Restricted Boltzmann machines (Smolensky, 1986; Hinton, 2002) -- Lecture 8, homework 2.

A Boltzmann machine whose units form two layers, visible ``v`` (n_v) and hidden
``h`` (n_h), with no connections inside a layer. Weights ``W`` (n_v, n_h),
visible bias ``b`` (n_v), hidden bias ``c`` (n_h); temperature 1, low energy =
likely, ``p(v, h) = exp(-E(v, h)) / Z``.

**Bernoulli–Bernoulli** (v, h in {0, 1}):

.. math::

    E(v, h) = -v^\top W h - b^\top v - c^\top h, \qquad
    F(v) = -\log \sum_h e^{-E(v,h)} = -b^\top v - \sum_j \operatorname{softplus}(c_j + v^\top W_{:j}),

    p(h_j = 1 \mid v) = \sigma(c_j + v^\top W_{:j}), \qquad
    p(v_i = 1 \mid h) = \sigma(b_i + W_{i:} h).

**Gaussian–Bernoulli** (real v, fixed widths ``sigma``):

.. math::

    E(v, h) = \sum_i \frac{(v_i - b_i)^2}{2\sigma_i^2} - \sum_{ij} \frac{v_i}{\sigma_i} W_{ij} h_j - c^\top h,
    \quad p(v \mid h) = \mathcal N(b + \sigma \odot W h,\ \operatorname{diag}\sigma^2),
    \quad p(h_j = 1 \mid v) = \sigma(c_j + (v / \sigma)^\top W_{:j}).

Because each layer is conditionally independent given the other, **block Gibbs**
resamples a whole layer at once (Lecture 8 §4). ``Z`` is computed exactly by enumerating
the smaller layer (``2**min(n_v, n_h)`` terms) and estimated by annealed importance
sampling otherwise (:meth:`BernoulliRBM.annealing_path` with
:func:`energylab.samplers.ais_log_partition`, Lecture 8 §2 and §5).  Learning (CD-k, PCD)
lives in :mod:`energylab.train.contrastive_divergence`.

**Per-row biases.** Every method that uses the biases takes an optional ``biases``
(:class:`Biases`): ``b`` of shape (n_v,) or (B, n_v), ``c`` of shape (n_h,) or (B, n_h), one
row per row of the batch.  By default the model's own ``(self.b, self.c)`` are used.  A
conditional RBM (lecture 9), whose input ``x`` shifts the biases of each example
(``b + A x``, ``c + B x``), passes its shifted biases and reuses all of this -- Gibbs chains,
free energies and the CD/PCD estimators, which return the gradient with respect to the
bias tensors it was given (per row when they are per row).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import (check_device, check_dtype, check_generator, check_like, check_positive_float,
                       check_positive_int, check_probability, check_tensor, describe)
from ..samplers.exact import MAX_ENUMERATED_UNITS, enumerate_states
from ..samplers.gibbs_sampling import sample_bernoulli

__all__ = [
    "Biases",
    "RBMGradient",
    "RBM",
    "BernoulliRBM",
    "GaussianBernoulliRBM",
    "RBMAnnealingPath",
    "base_rate_bias",
]

_CHUNK = 2**14  # states per chunk when enumerating


class Biases(NamedTuple):
    """The biases an RBM computes with: visible ``b`` (n_v,) or (B, n_v) and hidden ``c`` (n_h,)
    or (B, n_h) -- shared by every row, or one row per example (a conditional RBM).
    Lecture 8 §1 (and lecture 9's conditional RBM)."""

    b: torch.Tensor
    c: torch.Tensor


class RBMGradient(NamedTuple):
    """Ascent direction for ``mean log p(v)`` (or sufficient statistics), one entry per
    parameter: ``W`` (n_v, n_h), ``b`` (n_v,) and ``c`` (n_h,) -- or (B, ·) for per-row
    biases.  Lecture 8 §2, homework 2."""

    W: torch.Tensor
    b: torch.Tensor
    c: torch.Tensor


class RBM(nn.Module):
    """What every RBM shares (Lecture 8 §1): the parameters ``W`` (n_v, n_h), ``b`` (n_v,),
    ``c`` (n_h,); the hidden conditional; block Gibbs; the weighted sufficient statistics
    that CD/PCD ascend; the exact ``log Z`` over the hidden layer.

    A subclass defines its visible layer with five methods: ``_visible_input`` (what the
    visible layer sends up, :meth:`visible_input`), ``_bias_input`` (``-∂E/∂b``, :meth:`bias_input`),
    :meth:`visible_mean`, :meth:`sample_visible` and :meth:`free_energy`, plus ``_log_z_over_hidden``
    for the exact partition function.  (The two private ones run unchecked inside every Gibbs
    and CD step; their public versions check their arguments first.)  :class:`BernoulliRBM` and
    :class:`GaussianBernoulliRBM` are the two of the course; conditional RBMs, DBN layers and DBMs
    build on the same methods.
    """

    def __init__(self, n_visible, n_hidden, *, weight_scale, generator, dtype, device):
        super().__init__()
        check_positive_int("n_visible", n_visible)
        check_positive_int("n_hidden", n_hidden)
        check_positive_float("weight_scale", weight_scale, allow_zero=True)
        check_generator("generator", generator)
        dtype, device = check_dtype("dtype", dtype), check_device("device", device)
        self.n_visible, self.n_hidden = n_visible, n_hidden
        weights = torch.randn(n_visible, n_hidden, generator=generator, dtype=dtype, device=device)
        self.W = nn.Parameter(weights * weight_scale)
        self.b = nn.Parameter(torch.zeros(n_visible, dtype=dtype, device=device))
        self.c = nn.Parameter(torch.zeros(n_hidden, dtype=dtype, device=device))

    # ----- checks --------------------------------------------------------------
    def check_visible(self, v, name="v") -> torch.Tensor:
        """``v`` as a (B, n_v) tensor with the model's dtype and device, or a clear error naming ``name``.
        Library only: the argument check shared by the RBM family and train.contrastive_divergence."""
        return check_like(name, check_tensor(name, v, ndim=2, last_dim=self.n_visible), self.W, "the model's parameters")

    def check_hidden(self, h, name="h") -> torch.Tensor:
        """``h`` as a (B, n_h) tensor with the model's dtype and device, or a clear error naming ``name``.
        Library only: the argument check shared by the RBM family and train.contrastive_divergence."""
        return check_like(name, check_tensor(name, h, ndim=2, last_dim=self.n_hidden), self.W, "the model's parameters")

    def check_biases(self, biases: Biases | None = None, rows: int | None = None) -> Biases:
        """The biases to compute with: the model's own ``(b, c)`` when ``biases`` is None, else
        ``biases`` checked -- ``b`` (n_v,) or (rows, n_v), ``c`` (n_h,) or (rows, n_h).
        Library only: the argument check shared by the RBM family and train.contrastive_divergence."""
        if biases is None:
            return Biases(self.b, self.c)
        if not isinstance(biases, tuple) or len(biases) != 2:
            raise TypeError(f"biases: expected Biases(b, c), got {describe(biases)}")
        self._check_bias("biases.b", biases[0], self.n_visible, rows)
        self._check_bias("biases.c", biases[1], self.n_hidden, rows)
        return Biases(*biases)

    def _check_bias(self, name, value, size, rows):
        """A bias (size,) shared by every row, or (rows, size), one per row; the model's dtype and device."""
        check_like(name, check_tensor(name, value, ndim=(1, 2), last_dim=size), self.W, "the model's parameters")
        if value.dim() == 2 and rows is not None and value.shape[0] != rows:
            raise ValueError(f"{name}: expected ({size},) or ({rows}, {size}) (one row per example), "
                             f"got {describe(value)}")
        return value

    def _check_statistics(self, v, probs, weights) -> int:
        """``v`` (R, n_v), ``probs`` (R, n_h) and ``weights`` (R,) with the model's dtype and device; returns R."""
        n = self.check_visible(v).shape[0]
        self.check_hidden(probs, "probs")
        check_like("weights", check_tensor("weights", weights, ndim=1), self.W, "the model's parameters")
        for name, value in (("probs", probs), ("weights", weights)):
            if value.shape[0] != n:
                raise ValueError(f"{name}: expected {n} rows like v, got {describe(value)}")
        return n

    def _resolve(self, biases, rows_like):
        """The model's ``(b, c)`` when ``biases`` is None (the fast, common case), else checked ones."""
        if biases is None:
            return self.b, self.c
        return self.check_biases(biases, rows_like.shape[0])

    def _visible_bias(self, biases, rows_like):
        return self.b if biases is None else self.check_biases(biases, rows_like.shape[0]).b

    def _hidden_bias(self, biases, rows_like):
        return self.c if biases is None else self.check_biases(biases, rows_like.shape[0]).c

    # ----- the visible layer (defined by subclasses) ------------------------------
    def visible_input(self, v: torch.Tensor) -> torch.Tensor:
        """What the visible layer sends up to the hidden units: ``v`` (Bernoulli) or ``v / σ`` (Gaussian),
        (B, n_v).  Lecture 8 §1–2 (the statistics CD ascends)."""
        return self._visible_input(self.check_visible(v))

    def bias_input(self, v: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """``-∂E/∂b`` at ``v`` for visible biases ``b`` (n_v,) or (B, n_v): ``v`` (Bernoulli) or
        ``(v - b) / σ²`` (Gaussian), (B, n_v).  Lecture 8 §1–2 (the statistics CD ascends)."""
        self._check_bias("b", b, self.n_visible, self.check_visible(v).shape[0])
        return self._bias_input(v, b)

    def _visible_input(self, v):
        return v

    def _bias_input(self, v, b):
        return v

    def visible_mean(self, h: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``E[v | h]``, shape (B, n_v).  Lecture 8 §4 (the frames of gibbs_chain)."""
        raise NotImplementedError

    def sample_visible(self, h: torch.Tensor, *, biases: Biases | None = None, generator=None) -> torch.Tensor:
        """``v ~ p(v | h)``, shape (B, n_v).  Lecture 8 §4, homework 2."""
        raise NotImplementedError

    def free_energy(self, v: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``F(v) = -log Σ_h e^{-E(v, h)}``, shape (B,).  Lecture 8 §1–2, §5."""
        raise NotImplementedError

    def _log_z_over_hidden(self, h: torch.Tensor, biases: Biases) -> torch.Tensor:
        """``log Σ_v exp(-E(v, h))`` for a (S, n_h) batch of hidden states, (S,)."""
        raise NotImplementedError

    # ----- the hidden layer and block Gibbs ------------------------------------------
    def hidden_probs(self, v: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``p(h_j = 1 | v) = σ(c_j + visible_input(v)^T W_:j)``, shape (B, n_h).  Lecture 8 §1."""
        c = self._hidden_bias(biases, self.check_visible(v))
        return torch.addmm(c, self._visible_input(v), self.W).sigmoid_()

    def sample_hidden(self, v: torch.Tensor, *, biases: Biases | None = None, generator=None) -> torch.Tensor:
        """``h ~ p(h | v)``, shape (B, n_h).  Lecture 8 §4."""
        return sample_bernoulli(self.hidden_probs(v, biases=biases), generator=generator)

    @torch.no_grad()
    def gibbs(self, v: torch.Tensor, n_sweeps: int = 1, *, biases: Biases | None = None,
              generator=None) -> torch.Tensor:
        """``n_sweeps`` block-Gibbs sweeps ``v -> h ~ p(h|v) -> v ~ p(v|h)`` for every row of ``v``.
        Lecture 8 §4."""
        self.check_visible(v)
        check_positive_int("n_sweeps", n_sweeps, minimum=0)
        check_generator("generator", generator, like=v)
        for _ in range(n_sweeps):
            h = self.sample_hidden(v, biases=biases, generator=generator)
            v = self.sample_visible(h, biases=biases, generator=generator)
        return v

    @torch.no_grad()
    def gibbs_chain(self, v: torch.Tensor, n_sweeps: int, *, every: int = 1, biases: Biases | None = None,
                    generator=None) -> torch.Tensor:
        """The visible states of block-Gibbs chains started at ``v`` (B, n_v), recorded every
        ``every`` sweeps: shape (n_sweeps // every + 1, B, n_v), first row = ``v``.  Recorded
        frames are the *means* ``E[v | h]`` (clearer pictures than samples).  Lecture 8 §4."""
        self.check_visible(v)
        check_positive_int("n_sweeps", n_sweeps, minimum=0)
        check_positive_int("every", every)
        frames = [v]
        for sweep in range(1, n_sweeps + 1):
            h = self.sample_hidden(v, biases=biases, generator=generator)
            v = self.sample_visible(h, biases=biases, generator=generator)
            if sweep % every == 0:
                frames.append(self.visible_mean(h, biases=biases))
        return torch.stack(frames)

    # ----- sufficient statistics (what CD/PCD ascend) ------------------------------------
    def statistics(self, v: torch.Tensor, probs: torch.Tensor, weights: torch.Tensor, *,
                   biases: Biases | None = None) -> RBMGradient:
        """``Σ_r weights_r · (-∂E/∂θ)(v_r, h = probs_r)`` over the rows r of ``v`` (R, n_v), with
        ``probs = p(h | v)`` (R, n_h) and ``weights`` (R,).  For Bernoulli units:
        ``W: vᵀ diag(w) probs``, ``b: wᵀ v``, ``c: wᵀ probs``.  With per-row ``biases`` (R, ·)
        the ``b`` and ``c`` entries stay per row, ``w_r · (-∂E/∂b_r)``, shape (R, ·).
        Lecture 8 §2; :mod:`energylab.train.contrastive_divergence` builds CD and PCD on it."""
        n = self._check_statistics(v, probs, weights)
        return self._statistics(v, probs, weights, self.check_biases(biases, n))

    def _statistics(self, v, probs, weights, biases=None) -> RBMGradient:
        """:meth:`statistics` unchecked (the CD/PCD loops check their arguments once)."""
        b, c = self._resolve(biases, v)
        stat_W = self._visible_input(v).T @ (probs * weights[:, None])
        if b.dim() == 2 or c.dim() == 2:
            stat_b = weights[:, None] * self._bias_input(v, b)
            stat_c = weights[:, None] * probs
            return RBMGradient(stat_W, stat_b if b.dim() == 2 else stat_b.sum(0),
                               stat_c if c.dim() == 2 else stat_c.sum(0))
        return RBMGradient(stat_W, weights @ self._bias_input(v, b), weights @ probs)

    def ascend_(self, v: torch.Tensor, probs: torch.Tensor, weights: torch.Tensor) -> None:
        """``θ += statistics(v, probs, weights)`` in place, with the model's own biases (the
        update of :func:`energylab.train.train_rbm`; fold the learning rate into ``weights``).
        Library only: the in-place update of train_rbm (Lecture 8 §2)."""
        self._check_statistics(v, probs, weights)
        self._ascend(v, probs, weights)

    @torch.no_grad()
    def _ascend(self, v, probs, weights) -> None:
        """:meth:`ascend_` unchecked (train_rbm's step)."""
        self.b.addmv_(self._bias_input(v, self.b).T, weights)  # before W: the Gaussian b-statistic reads b
        self.W.addmm_(self._visible_input(v).T, probs * weights[:, None])
        self.c.addmv_(probs.T, weights)

    # ----- the partition function ---------------------------------------------------------
    def log_partition(self, *, biases: Biases | None = None) -> torch.Tensor:
        """Exact ``log Z`` by enumerating the hidden layer (``2**n_h`` states, chunked).
        ``biases`` may replace the model's (shared (D,) biases only).  Lecture 8 §5."""
        biases = self._shared_biases(biases)
        if self.n_hidden > MAX_ENUMERATED_UNITS:
            raise ValueError(f"n_hidden: exact log Z enumerates 2**n_hidden states; expected at most "
                             f"{MAX_ENUMERATED_UNITS} hidden units, got {self.n_hidden}")
        return _chunked_logsumexp(self.n_hidden, lambda h: self._log_z_over_hidden(h, biases), self.W)

    def _shared_biases(self, biases):
        biases = self.check_biases(biases)
        if biases.b.dim() != 1 or biases.c.dim() != 1:
            raise ValueError(f"biases: exact log Z needs shared biases b (n_v,) and c (n_h,) -- call it once per "
                             f"row for per-row biases; got b {describe(biases.b)}, c {describe(biases.c)}")
        return biases

    def log_prob(self, v: torch.Tensor, log_z: torch.Tensor | None = None, *,
                 biases: Biases | None = None) -> torch.Tensor:
        """Exact ``log p(v) = -F(v) - log Z`` (pass ``log_z`` to reuse it), shape (B,).  Lecture 8 §5–6."""
        log_z = self.log_partition(biases=biases) if log_z is None else log_z
        return -self.free_energy(v, biases=biases) - log_z

    def reconstruction_error(self, v: torch.Tensor) -> torch.Tensor:
        """Mean squared difference between ``v`` and its mean-field reconstruction
        ``E[v | h = p(h | v)]``: cheap to monitor, but *not* the likelihood.  Lecture 8, what can go wrong."""
        return ((v - self.visible_mean(self.hidden_probs(v))) ** 2).sum(-1).mean()


def _dot(rows: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``rows · bias`` per row, for a shared (D,) or a per-row (B, D) bias: (B,)."""
    return rows @ bias if bias.dim() == 1 else (rows * bias).sum(-1)


def _chunked_logsumexp(n_units, log_terms, like) -> torch.Tensor:
    """``logsumexp`` of ``log_terms(states)`` over all ``2**n_units`` binary states, in chunks."""
    states = enumerate_states(n_units, dtype=like.dtype, device=like.device)
    parts = [torch.logsumexp(log_terms(chunk), 0) for chunk in states.split(_CHUNK)]
    return torch.logsumexp(torch.stack(parts), 0)


class BernoulliRBM(RBM):
    """Bernoulli–Bernoulli RBM (binary visible and hidden units); equations in the module
    docstring.  Lecture 8 §1–5, homework 2.

    Args:
        n_visible, n_hidden: layer sizes.
        weight_scale: initial weights are ``N(0, weight_scale^2)`` (biases start at 0).
        generator: randomness for the initial weights.
    """

    def __init__(self, n_visible: int, n_hidden: int, *, weight_scale: float = 0.01,
                 generator=None, dtype=torch.float32, device=None):
        super().__init__(n_visible, n_hidden, weight_scale=weight_scale, generator=generator,
                         dtype=dtype, device=device)

    def energy(self, v: torch.Tensor, h: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``E(v, h) = -v^T W h - b^T v - c^T h``, shape (B,).  Lecture 8 §1."""
        self.check_visible(v), self.check_hidden(h)
        if h.shape[0] != v.shape[0]:
            raise ValueError(f"h: expected {v.shape[0]} rows like v, got {describe(h)}")
        b, c = self.check_biases(biases, v.shape[0])
        return -((v @ self.W) * h).sum(-1) - _dot(v, b) - _dot(h, c)

    def visible_probs(self, h: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``p(v_i = 1 | h) = σ(b_i + W_i: h)``, shape (B, n_v).  Lecture 8 §1."""
        b = self._visible_bias(biases, self.check_hidden(h))
        return torch.addmm(b, h, self.W.T).sigmoid_()

    visible_mean = visible_probs

    def sample_visible(self, h: torch.Tensor, *, biases: Biases | None = None, generator=None) -> torch.Tensor:
        """``v ~ p(v | h)``, shape (B, n_v).  Lecture 8 §4."""
        return sample_bernoulli(self.visible_probs(h, biases=biases), generator=generator)

    def free_energy(self, v: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``F(v) = -b^T v - Σ_j softplus(c_j + v^T W_:j)``, shape (B,).  Lecture 8 §1."""
        b, c = self._resolve(biases, self.check_visible(v))
        return -_dot(v, b) - F.softplus(torch.addmm(c, v, self.W)).sum(-1)

    def _log_z_over_hidden(self, h, biases):
        # sum over v of exp(-E) factorises: exp(c.h) prod_i (1 + exp(b_i + W_i. h))
        return h @ biases.c + F.softplus(torch.addmm(biases.b, h, self.W.T)).sum(-1)

    def log_partition(self, *, biases: Biases | None = None) -> torch.Tensor:
        """Exact ``log Z``, enumerating the smaller layer: ``logsumexp_v(-F(v))`` when
        ``n_v <= n_h``, otherwise the hidden-side sum.  Lecture 8 §5."""
        biases = self._shared_biases(biases)
        if self.n_visible <= self.n_hidden:
            if self.n_visible > MAX_ENUMERATED_UNITS:
                raise ValueError(f"exact log Z enumerates the smaller layer; expected at most "
                                 f"{MAX_ENUMERATED_UNITS} units in it, got {self.n_visible} visible "
                                 f"and {self.n_hidden} hidden")
            return _chunked_logsumexp(self.n_visible, lambda v: -self.free_energy(v, biases=biases), self.W)
        return super().log_partition(biases=biases)

    def pseudo_log_likelihood(self, v: torch.Tensor, *, generator=None) -> torch.Tensor:
        r"""Log pseudo-likelihood ``sum_i log p(v_i | v_{-i})``, shape (B,).  Lecture 8 §2.

        For binary ``v``, ``log p(v_i | v_{-i}) = log sigma(F(v^{(i)}) - F(v))`` where
        ``v^{(i)}`` has unit ``i`` flipped (``v_i -> 1 - v_i``). Without a generator
        the sum runs over all units; with one, each row uses one random unit times
        ``n_v`` -- an unbiased estimate and exactly scikit-learn's ``score_samples``.
        """
        self.check_visible(v)
        if not bool(((v >= 0) & (v <= 1)).all()):                   # grey levels in [0, 1] as scikit-learn
            raise ValueError(f"v: expected visible values in [0, 1] (the flipped-bit likelihood flips v to 1 - v), "
                             f"got values in [{float(v.min())}, {float(v.max())}]")
        check_generator("generator", generator, like=v)
        free = self.free_energy(v)  # (B,)
        if generator is not None:
            rows = torch.arange(v.shape[0], device=v.device)
            cols = torch.randint(0, self.n_visible, (v.shape[0],), generator=generator, device=v.device)
            flipped = v.clone()
            flipped[rows, cols] = 1 - flipped[rows, cols]
            return self.n_visible * F.logsigmoid(self.free_energy(flipped) - free)
        # all flips at once: v^{(i)} W = v W + (1 - 2 v_i) W_i.   (B, n_v, n_h)
        delta = 1 - 2 * v  # (B, n_v)
        pre = torch.addmm(self.c, v, self.W)[:, None, :] + delta[:, :, None] * self.W[None]
        free_flipped = -(v @ self.b)[:, None] - delta * self.b - F.softplus(pre).sum(-1)
        return F.logsigmoid(free_flipped - free[:, None]).sum(-1)

    def annealing_path(self, base_bias: torch.Tensor | None = None) -> "RBMAnnealingPath":
        """The AIS path from the base-rate model with visible biases ``base_bias`` (default 0,
        see :func:`base_rate_bias`) to this RBM; give it to
        :func:`energylab.samplers.ais_log_partition`.  Lecture 8 §2 and §5."""
        return RBMAnnealingPath(self, torch.zeros_like(self.b) if base_bias is None else base_bias)


class GaussianBernoulliRBM(RBM):
    """Gaussian–Bernoulli RBM: real visible units with fixed widths ``sigma`` (a buffer,
    default 1: standardise the data first), binary hidden units.  Lecture 8 §6."""

    def __init__(self, n_visible: int, n_hidden: int, *, sigma: float | torch.Tensor = 1.0,
                 weight_scale: float = 0.01, generator=None, dtype=torch.float32, device=None):
        super().__init__(n_visible, n_hidden, weight_scale=weight_scale, generator=generator,
                         dtype=dtype, device=device)
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float, torch.Tensor)):
            raise TypeError(f"sigma: expected a number or a ({n_visible},) tensor of widths, got {describe(sigma)}")
        sigma = torch.as_tensor(sigma, dtype=dtype, device=device)
        if sigma.shape not in ((), (1,), (n_visible,)):
            raise ValueError(f"sigma: expected a number or a ({n_visible},) tensor of widths, got {describe(sigma)}")
        sigma = sigma.expand(n_visible).clone()
        if not torch.all(sigma > 0):
            raise ValueError(f"sigma: expected positive widths, got {describe(sigma)}")
        self.register_buffer("sigma", sigma)

    def _visible_input(self, v):
        return v / self.sigma                       # what the Gaussian visible layer sends up (Lecture 8 §6)

    def _bias_input(self, v, b):
        return (v - b) / self.sigma**2              # -dE/db (Lecture 8 §6)

    def energy(self, v: torch.Tensor, h: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``E(v, h) = Σ_i (v_i - b_i)² / 2σ_i² - (v/σ)^T W h - c^T h``, shape (B,).  Lecture 8 §6."""
        self.check_visible(v), self.check_hidden(h)
        if h.shape[0] != v.shape[0]:
            raise ValueError(f"h: expected {v.shape[0]} rows like v, got {describe(h)}")
        b, c = self.check_biases(biases, v.shape[0])
        quad = (((v - b) / self.sigma) ** 2).sum(-1) / 2
        return quad - ((self._visible_input(v) @ self.W) * h).sum(-1) - _dot(h, c)

    def visible_mean(self, h: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``E[v | h] = b + σ ⊙ (W h)``, shape (B, n_v).  Lecture 8 §6."""
        b = self._visible_bias(biases, self.check_hidden(h))
        return b + self.sigma * (h @ self.W.T)

    def sample_visible(self, h: torch.Tensor, *, biases: Biases | None = None, generator=None) -> torch.Tensor:
        """``v ~ N(b + σ ⊙ W h, σ²)``, shape (B, n_v).  Lecture 8 §6."""
        mean = self.visible_mean(h, biases=biases)
        check_generator("generator", generator, like=mean)
        noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        return mean + self.sigma * noise

    def free_energy(self, v: torch.Tensor, *, biases: Biases | None = None) -> torch.Tensor:
        """``F(v) = Σ_i (v_i - b_i)² / 2σ_i² - Σ_j softplus(c_j + (v/σ)^T W_:j)``.  Lecture 8 §6."""
        b, c = self._resolve(biases, self.check_visible(v))
        quad = (((v - b) / self.sigma) ** 2).sum(-1) / 2
        return quad - F.softplus(torch.addmm(c, self._visible_input(v), self.W)).sum(-1)

    def _log_z_over_hidden(self, h, biases):
        # the Gaussian integral over v: c.h + (b/sigma).(W h) + |W h|^2 / 2 + sum_i log(sqrt(2 pi) sigma_i)
        wh = h @ self.W.T  # (S, n_v)
        const = (0.5 * math.log(2 * math.pi) + self.sigma.log()).sum()
        return h @ biases.c + wh @ (biases.b / self.sigma) + 0.5 * (wh**2).sum(-1) + const


# ----- annealed importance sampling ------------------------------------------------------
def base_rate_bias(data: torch.Tensor, *, eps: float = 1e-3) -> torch.Tensor:
    """Visible biases of the base-rate model ``p_A(v) = Π_i Bernoulli(mean_i)``:
    ``log(p_i / (1 - p_i))`` with the data marginals ``p_i`` clipped to [eps, 1 - eps].
    The usual start of an AIS path for binary visible units.  Lecture 8 §2."""
    check_tensor("data", data, ndim=2)
    if data.shape[0] == 0 or not bool(((data >= 0) & (data <= 1)).all()):
        raise ValueError(f"data: expected at least one row of values in [0, 1], got {describe(data)}")
    eps = check_positive_float("eps", eps)
    if eps >= 0.5:
        raise ValueError(f"eps: expected a number in (0, 0.5), got {eps!r}")
    p = data.mean(0).clamp(eps, 1 - eps)
    return torch.log(p) - torch.log1p(-p)


class RBMAnnealingPath:
    r"""The AIS path of a Bernoulli RBM (Salakhutdinov & Murray, 2008), Lecture 8 §2 and §5:

    .. math::

        \log p^*_\beta(v) = (1-\beta)\, b_A^\top v + \beta\, b^\top v
                            + \sum_j \operatorname{softplus}\big(\beta (c_j + v^\top W_{:j})\big),

    from the base-rate model (biases ``b_A``, ``log Z_A = Σ_i softplus(b_A,i) + n_h log 2``)
    at ``β = 0`` to the RBM at ``β = 1``.  Each transition is one block-Gibbs sweep at ``β``:
    ``h ~ σ(β (c + v W))``, ``v ~ σ((1-β) b_A + β (b + W h))``.  It implements the
    :class:`energylab.samplers.AnnealingPath` protocol.
    """

    def __init__(self, rbm: BernoulliRBM, base_bias: torch.Tensor):
        if not isinstance(rbm, BernoulliRBM):
            raise TypeError(f"rbm: expected a BernoulliRBM, got {describe(rbm)}")
        check_like("base_bias", check_tensor("base_bias", base_bias, ndim=1, last_dim=rbm.n_visible), rbm.W,
                   "the RBM's parameters")
        self.rbm, self.base_bias = rbm, base_bias.detach()

    def _check(self, v, beta) -> None:
        """Called at every step of AIS: shape, dtype and device (like ``base_bias``, which has the RBM's)
        and a number in [0, 1]; no value scans."""
        check_like("v", check_tensor("v", v, ndim=2, last_dim=len(self.base_bias)), self.base_bias,
                   "the RBM's parameters")
        check_probability("beta", beta)

    def sample_base(self, n_runs: int, *, generator=None) -> torch.Tensor:
        """``n_runs`` exact draws from the base-rate model, (n_runs, n_v).  Lecture 8 §2, §5."""
        check_positive_int("n_runs", n_runs)
        return sample_bernoulli(torch.sigmoid(self.base_bias).expand(n_runs, -1), generator=generator)

    def log_z_base(self) -> float:
        """``log Z_A = Σ_i softplus(b_A,i) + n_h log 2``.  Lecture 8 §2, §5."""
        return F.softplus(self.base_bias).sum().item() + self.rbm.n_hidden * math.log(2)

    def log_density(self, v: torch.Tensor, beta: float) -> torch.Tensor:
        """``log p*_β(v)``, shape (n_runs,).  Lecture 8 §2, §5."""
        self._check(v, beta)
        rbm = self.rbm
        pre = torch.addmm(rbm.c, v, rbm.W)
        return (1 - beta) * (v @ self.base_bias) + beta * (v @ rbm.b) + F.softplus(beta * pre).sum(-1)

    def transition(self, v: torch.Tensor, beta: float, *, generator=None) -> torch.Tensor:
        """One block-Gibbs sweep that leaves ``p_β`` invariant.  Lecture 8 §2, §5."""
        self._check(v, beta)
        rbm = self.rbm
        h = sample_bernoulli(torch.sigmoid(beta * torch.addmm(rbm.c, v, rbm.W)), generator=generator)
        return sample_bernoulli(torch.sigmoid((1 - beta) * self.base_bias + beta * torch.addmm(rbm.b, h, rbm.W.T)),
                                generator=generator)
