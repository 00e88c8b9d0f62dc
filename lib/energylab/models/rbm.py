r"""Restricted Boltzmann machines (Smolensky, 1986; Hinton, 2002).

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

Because each layer is conditionally independent given the other, **block
Gibbs** resamples a whole layer at once. Learning ascends ``mean log p(v)``,
whose gradient is ``-<dF/dθ>_data + <dF/dθ>_model``; **CD-k** starts the model
chain at the data and runs k block-Gibbs steps, **PCD** (Tieleman, 2008) keeps
persistent chains between updates. ``Z`` can be computed exactly by
enumerating the smaller layer (``2**min(n_v, n_h)`` terms) and estimated by
**annealed importance sampling** otherwise (Salakhutdinov & Murray, 2008).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_generator, check_positive_float, check_positive_int, check_tensor, describe
from ..samplers.ais import AISResult, beta_schedule, summarize_ais
from ..samplers.exact import enumerate_states
from ..samplers.gibbs import sample_bernoulli

__all__ = [
    "BernoulliRBM",
    "GaussianBernoulliRBM",
    "RBMGradient",
    "PersistentChains",
    "cd_gradient",
    "pcd_gradient",
    "apply_gradient",
    "train_rbm",
    "ais_log_partition",
    "base_rate_bias",
]

#: Enumerate at most 2**MAX_EXACT_UNITS states for the exact partition function.
MAX_EXACT_UNITS = 24
_CHUNK = 2**14  # states per chunk when enumerating


class RBMGradient(NamedTuple):
    """Ascent direction for ``mean log p(v)`` (or sufficient statistics), one entry per parameter."""

    W: torch.Tensor  # (n_v, n_h)
    b: torch.Tensor  # (n_v,)
    c: torch.Tensor  # (n_h,)


class _RBM(nn.Module):
    """What both RBMs share: parameters, hidden conditionals, block Gibbs, the
    hidden-side partition function. Subclasses define the visible layer."""

    def __init__(self, n_visible, n_hidden, *, weight_scale, generator, dtype, device):
        super().__init__()
        check_positive_int("n_visible", n_visible)
        check_positive_int("n_hidden", n_hidden)
        check_positive_float("weight_scale", weight_scale, allow_zero=True)
        check_generator("generator", generator)
        self.n_visible, self.n_hidden = n_visible, n_hidden
        weights = torch.randn(n_visible, n_hidden, generator=generator, dtype=dtype, device=device)
        self.W = nn.Parameter(weights * weight_scale)
        self.b = nn.Parameter(torch.zeros(n_visible, dtype=dtype, device=device))
        self.c = nn.Parameter(torch.zeros(n_hidden, dtype=dtype, device=device))

    # ----- checks --------------------------------------------------------------
    def _v(self, v, name="v"):
        return check_tensor(name, v, ndim=2, last_dim=self.n_visible)

    def _h(self, h, name="h"):
        return check_tensor(name, h, ndim=2, last_dim=self.n_hidden)

    # ----- conditionals ----------------------------------------------------------
    def _visible_input(self, v):
        """What the visible layer sends up: ``v`` (Bernoulli) or ``v / sigma`` (Gaussian)."""
        return v

    def hidden_probs(self, v: torch.Tensor) -> torch.Tensor:
        """``p(h_j = 1 | v)``, shape (B, n_h)."""
        return self._hidden_probs(self._v(v))

    def _hidden_probs(self, v):  # unchecked: the training loops check once, then call these
        return torch.addmm(self.c, self._visible_input(v), self.W).sigmoid_()

    def sample_hidden(self, v: torch.Tensor, *, generator=None) -> torch.Tensor:
        """``h ~ p(h | v)``, shape (B, n_h)."""
        return sample_bernoulli(self.hidden_probs(v), generator=generator)

    def sample_visible(self, h: torch.Tensor, *, generator=None) -> torch.Tensor:
        """``v ~ p(v | h)``, shape (B, n_v)."""
        return self._sample_visible(self._h(h), generator)

    def _sample_visible(self, h, generator):
        raise NotImplementedError

    @torch.no_grad()
    def gibbs(self, v: torch.Tensor, n_steps: int = 1, *, generator=None) -> torch.Tensor:
        """``n_steps`` of block Gibbs ``v -> h ~ p(h|v) -> v ~ p(v|h)`` for every row of ``v``."""
        self._v(v)
        check_positive_int("n_steps", n_steps, minimum=0)
        check_generator("generator", generator, like=v)
        for _ in range(n_steps):
            v = self.sample_visible(self.sample_hidden(v, generator=generator), generator=generator)
        return v

    @torch.no_grad()
    def gibbs_chain(self, v: torch.Tensor, n_steps: int, *, every: int = 1, generator=None) -> torch.Tensor:
        """The visible states of block-Gibbs chains started at ``v`` (B, n_v), recorded
        every ``every`` steps: shape (n_steps // every + 1, B, n_v), first row = ``v``.
        Recorded frames are the *means* ``E[v | h]`` (clearer pictures than samples)."""
        self._v(v)
        check_positive_int("n_steps", n_steps, minimum=0)
        check_positive_int("every", every)
        frames = [v]
        for step in range(1, n_steps + 1):
            h = self.sample_hidden(v, generator=generator)
            v = self.sample_visible(h, generator=generator)
            if step % every == 0:
                frames.append(self.visible_mean(h))
        return torch.stack(frames)

    # ----- energies ------------------------------------------------------------------
    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _bias_input(self, v):
        """``-dE/db``: ``v`` (Bernoulli) or ``(v - b) / sigma^2`` (Gaussian)."""
        return v

    def weighted_statistics(self, x: torch.Tensor, probs: torch.Tensor, weights: torch.Tensor) -> RBMGradient:
        """``sum_r weights_r * (-dE/dθ)(x_r, h = probs_r)`` over the rows r of ``x`` (R, n_v),
        ``probs = p(h | x)`` (R, n_h), ``weights`` (R,). For Bernoulli units:
        ``W: x^T diag(w) probs``, ``b: w^T x``, ``c: w^T probs``."""
        return RBMGradient(self._visible_input(x).T @ (probs * weights[:, None]),
                           weights @ self._bias_input(x), weights @ probs)

    def gradient(self, v_data, probs_data, v_model, probs_model) -> RBMGradient:
        """``<-dF/dθ>_data - <-dF/dθ>_model`` (``-dF/dθ`` is ``-dE/dθ`` with ``h`` replaced
        by ``p(h | v)``): the weighted statistics of the stacked rows, data rows
        weighted ``+1/n_data`` and model rows ``-1/n_model``."""
        weights = _phase_weights(v_data.shape[0], v_model.shape[0], v_data)
        return self.weighted_statistics(torch.cat([v_data, v_model]), torch.cat([probs_data, probs_model]), weights)

    @torch.no_grad()
    def _ascend_(self, x, probs, weights):
        """``θ += weighted_statistics(x, probs, weights)``, in place (the training loop's update)."""
        self.b.addmv_(self._bias_input(x).T, weights)  # before W: the Gaussian b-statistic reads b
        self.W.addmm_(self._visible_input(x).T, probs * weights[:, None])
        self.c.addmv_(probs.T, weights)

    def _log_z_over_hidden(self, h: torch.Tensor) -> torch.Tensor:
        """``log sum_v exp(-E(v, h))`` for a (S, n_h) batch of hidden states, (S,)."""
        raise NotImplementedError

    def log_partition(self) -> torch.Tensor:
        """Exact ``log Z`` by enumerating the hidden layer (``2**n_h`` states, chunked)."""
        if self.n_hidden > MAX_EXACT_UNITS:
            raise ValueError(f"n_hidden: exact log Z enumerates 2**n_hidden states; expected at most "
                             f"{MAX_EXACT_UNITS} hidden units, got {self.n_hidden}")
        return _chunked_logsumexp(self.n_hidden, self._log_z_over_hidden, self.W)

    def log_prob(self, v: torch.Tensor, log_z: torch.Tensor | None = None) -> torch.Tensor:
        """Exact ``log p(v) = -F(v) - log Z`` (pass ``log_z`` to reuse it), shape (B,)."""
        return -self.free_energy(v) - (self.log_partition() if log_z is None else log_z)

    def reconstruction_error(self, v: torch.Tensor) -> torch.Tensor:
        """Mean squared difference between ``v`` and its mean-field reconstruction
        ``E[v | h = p(h | v)]``: cheap to monitor, but *not* the likelihood."""
        self._v(v)
        return ((v - self.visible_mean(self.hidden_probs(v))) ** 2).sum(-1).mean()


def _chunked_logsumexp(n_units, log_terms, like) -> torch.Tensor:
    """``logsumexp`` of ``log_terms(states)`` over all ``2**n_units`` binary states, in chunks."""
    states = enumerate_states(n_units, dtype=like.dtype, device=like.device)
    parts = [torch.logsumexp(log_terms(chunk), 0) for chunk in states.split(_CHUNK)]
    return torch.logsumexp(torch.stack(parts), 0)


class BernoulliRBM(_RBM):
    """Bernoulli–Bernoulli RBM (binary visible and hidden units); equations in the module docstring.

    Args:
        n_visible, n_hidden: layer sizes.
        weight_scale: initial weights are ``N(0, weight_scale^2)`` (biases start at 0).
        generator: randomness for the initial weights.
    """

    def __init__(self, n_visible: int, n_hidden: int, *, weight_scale: float = 0.01,
                 generator=None, dtype=torch.float32, device=None):
        super().__init__(n_visible, n_hidden, weight_scale=weight_scale, generator=generator,
                         dtype=dtype, device=device)

    def energy(self, v: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """``E(v, h) = -v^T W h - b^T v - c^T h``, shape (B,)."""
        self._v(v), self._h(h)
        return -((v @ self.W) * h).sum(-1) - v @ self.b - h @ self.c

    def visible_probs(self, h: torch.Tensor) -> torch.Tensor:
        """``p(v_i = 1 | h)``, shape (B, n_v)."""
        return self._visible_probs(self._h(h))

    visible_mean = visible_probs

    def _visible_probs(self, h):
        return torch.addmm(self.b, h, self.W.T).sigmoid_()

    def _sample_visible(self, h, generator):
        return sample_bernoulli(self._visible_probs(h), generator=generator)

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """``F(v) = -b^T v - sum_j softplus(c_j + v^T W_:j)``, shape (B,)."""
        self._v(v)
        return -v @ self.b - F.softplus(torch.addmm(self.c, v, self.W)).sum(-1)

    def _log_z_over_hidden(self, h):
        # sum over v of exp(-E) factorises: exp(c.h) prod_i (1 + exp(b_i + W_i. h))
        return h @ self.c + F.softplus(torch.addmm(self.b, h, self.W.T)).sum(-1)

    def log_partition(self) -> torch.Tensor:
        """Exact ``log Z``, enumerating the smaller layer: ``logsumexp_v(-F(v))`` when
        ``n_v <= n_h``, otherwise the hidden-side sum."""
        if self.n_visible <= self.n_hidden:
            if self.n_visible > MAX_EXACT_UNITS:
                raise ValueError(f"exact log Z enumerates the smaller layer; expected at most "
                                 f"{MAX_EXACT_UNITS} units in it, got {self.n_visible} visible "
                                 f"and {self.n_hidden} hidden")
            return _chunked_logsumexp(self.n_visible, lambda v: -self.free_energy(v), self.W)
        return super().log_partition()

    def pseudo_log_likelihood(self, v: torch.Tensor, *, generator=None) -> torch.Tensor:
        r"""Log pseudo-likelihood ``sum_i log p(v_i | v_{-i})``, shape (B,).

        For binary ``v``, ``log p(v_i | v_{-i}) = log sigma(F(v^{(i)}) - F(v))`` where
        ``v^{(i)}`` has unit ``i`` flipped (``v_i -> 1 - v_i``). Without a generator
        the sum runs over all units; with one, each row uses one random unit times
        ``n_v`` -- an unbiased estimate and exactly scikit-learn's ``score_samples``.
        """
        self._v(v)
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


class GaussianBernoulliRBM(_RBM):
    """Gaussian–Bernoulli RBM: real visible units with fixed widths ``sigma``
    (a buffer, default 1: standardise the data first), binary hidden units."""

    def __init__(self, n_visible: int, n_hidden: int, *, sigma: float | torch.Tensor = 1.0,
                 weight_scale: float = 0.01, generator=None, dtype=torch.float32, device=None):
        super().__init__(n_visible, n_hidden, weight_scale=weight_scale, generator=generator,
                         dtype=dtype, device=device)
        sigma = torch.as_tensor(sigma, dtype=dtype, device=device).expand(n_visible).clone()
        if not torch.all(sigma > 0):
            raise ValueError(f"sigma: expected positive widths, got {describe(sigma)}")
        self.register_buffer("sigma", sigma)

    def _visible_input(self, v):
        return v / self.sigma

    def energy(self, v: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """``E(v, h) = sum_i (v_i - b_i)^2 / 2 sigma_i^2 - (v/sigma)^T W h - c^T h``, shape (B,)."""
        self._v(v), self._h(h)
        quad = (((v - self.b) / self.sigma) ** 2).sum(-1) / 2
        return quad - ((self._visible_input(v) @ self.W) * h).sum(-1) - h @ self.c

    def visible_mean(self, h: torch.Tensor) -> torch.Tensor:
        """``E[v | h] = b + sigma * (W h)``, shape (B, n_v)."""
        self._h(h)
        return self.b + self.sigma * (h @ self.W.T)

    def _sample_visible(self, h, generator):
        """``v ~ N(b + sigma * W h, sigma^2)``, shape (B, n_v)."""
        mean = self.visible_mean(h)
        noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        return mean + self.sigma * noise

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """``F(v) = sum_i (v_i - b_i)^2 / 2 sigma_i^2 - sum_j softplus(c_j + (v/sigma)^T W_:j)``."""
        self._v(v)
        quad = (((v - self.b) / self.sigma) ** 2).sum(-1) / 2
        return quad - F.softplus(torch.addmm(self.c, self._visible_input(v), self.W)).sum(-1)

    def _bias_input(self, v):
        return (v - self.b) / self.sigma**2

    def _log_z_over_hidden(self, h):
        # the Gaussian integral over v: c.h + (b/sigma).(W h) + |W h|^2 / 2 + sum_i log(sqrt(2 pi) sigma_i)
        wh = h @ self.W.T  # (S, n_v)
        const = (0.5 * math.log(2 * math.pi) + self.sigma.log()).sum()
        return h @ self.c + wh @ (self.b / self.sigma) + 0.5 * (wh**2).sum(-1) + const


# ----- learning ------------------------------------------------------------------------
class PersistentChains:
    """The fantasy particles of PCD: hidden states (n_chains, n_h) kept between updates.

    Like scikit-learn, the chains store *hidden* states and start at zero."""

    def __init__(self, rbm: _RBM, n_chains: int, *, hidden: torch.Tensor | None = None):
        check_positive_int("n_chains", n_chains)
        if hidden is None:
            hidden = torch.zeros(n_chains, rbm.n_hidden, dtype=rbm.W.dtype, device=rbm.W.device)
        rbm._h(hidden, "hidden")
        self.hidden = hidden


def _phase_weights(n_data: int, n_model: int, like: torch.Tensor) -> torch.Tensor:
    """``+1/n_data`` for each data row, then ``-1/n_model`` for each model row, (n_data + n_model,)."""
    return torch.cat([torch.full((n_data,), 1.0 / n_data, dtype=like.dtype, device=like.device),
                      torch.full((n_model,), -1.0 / n_model, dtype=like.dtype, device=like.device)])


def _model_visible(rbm: _RBM, h: torch.Tensor, k: int, generator) -> torch.Tensor:
    """k block-Gibbs steps started from hidden states h, ending on the visible layer:
    ``v ~ p(v|h)``, then (k - 1) times ``h ~ p(h|v), v ~ p(v|h)``."""
    v = rbm._sample_visible(h, generator)
    for _ in range(k - 1):
        v = rbm._sample_visible(rbm.sample_hidden(v, generator=generator), generator)
    return v


def _cd_rows(rbm, v, k, generator):
    """CD-k: stacked rows ``[v; v_k]`` and their ``p(h | .)``; the chain starts at ``h_0 ~ p(h | v)``."""
    probs = rbm._hidden_probs(v)
    v_model = _model_visible(rbm, sample_bernoulli(probs, generator=generator), k, generator)
    return torch.cat([v, v_model]), torch.cat([probs, rbm._hidden_probs(v_model)])


def _pcd_rows(rbm, v, chains, k, generator):
    """PCD-k: stacked rows ``[v; v_model]`` and their ``p(h | .)`` (one product for both
    phases); the chains move on to ``h ~ p(h | v_model)``. Draws per step: v, then h
    -- the order of scikit-learn's ``_fit``."""
    v_model = _model_visible(rbm, chains.hidden, k, generator)
    rows = torch.cat([v, v_model])
    probs = rbm._hidden_probs(rows)
    chains.hidden = sample_bernoulli(probs[v.shape[0]:], generator=generator)
    return rows, probs


@torch.no_grad()
def cd_gradient(rbm: _RBM, v: torch.Tensor, k: int = 1, *, generator=None) -> tuple[RBMGradient, torch.Tensor]:
    r"""CD-k (Hinton, 2002): the chain starts at the data, ``h_0 ~ p(h | v)``, then k
    block-Gibbs steps give ``v_k``. Returns the ascent direction

    .. math:: \Delta\theta = -\langle \partial F/\partial\theta \rangle_{v} + \langle \partial F/\partial\theta \rangle_{v_k}

    (``v_k`` held fixed: exactly ``-grad`` of ``mean F(v) - mean F(v_k)``) and ``v_k``.
    """
    rbm._v(v)
    check_positive_int("k", k)
    check_generator("generator", generator, like=v)
    rows, probs = _cd_rows(rbm, v, k, generator)
    n = v.shape[0]
    return rbm.weighted_statistics(rows, probs, _phase_weights(n, n, v)), rows[n:]


@torch.no_grad()
def pcd_gradient(rbm: _RBM, v: torch.Tensor, chains: PersistentChains, k: int = 1, *, generator=None) -> RBMGradient:
    """PCD-k (Tieleman, 2008): like CD-k but the model chains continue from
    ``chains`` (updated in place) instead of restarting at the data. With k = 1
    this is scikit-learn's BernoulliRBM update, draw for draw."""
    rbm._v(v)
    check_positive_int("k", k)
    check_generator("generator", generator, like=v)
    rbm._h(chains.hidden, "chains.hidden")
    rows, probs = _pcd_rows(rbm, v, chains, k, generator)
    return rbm.weighted_statistics(rows, probs, _phase_weights(v.shape[0], chains.hidden.shape[0], v))


@torch.no_grad()
def apply_gradient(rbm: _RBM, grad: RBMGradient, lr: float) -> None:
    """Gradient *ascent* on the log-likelihood: ``θ <- θ + lr * Δθ``."""
    rbm.W.add_(grad.W, alpha=lr)
    rbm.b.add_(grad.b, alpha=lr)
    rbm.c.add_(grad.c, alpha=lr)


def train_rbm(
    rbm: _RBM,
    data: torch.Tensor,
    *,
    method: str = "pcd",
    k: int = 1,
    lr: float = 0.1,
    batch_size: int = 10,
    epochs: int = 1,
    shuffle: bool = False,
    chains: PersistentChains | None = None,
    generator: torch.Generator | None = None,
    callback=None,
) -> PersistentChains | None:
    """Minibatch training with CD-k (``method="cd"``) or PCD-k (``"pcd"``, chains of
    ``batch_size`` unless given). Defaults follow scikit-learn (PCD-1, lr 0.1,
    batch 10, no shuffling). ``callback(epoch, rbm)`` runs after each epoch.
    Returns the persistent chains (None for CD)."""
    rbm._v(data, "data")
    if method not in ("cd", "pcd"):
        raise ValueError(f"method: expected 'cd' or 'pcd', got {method!r}")
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_positive_int("k", k)
    check_positive_float("lr", lr)
    check_generator("generator", generator, like=data)
    if method == "pcd" and chains is None:
        chains = PersistentChains(rbm, batch_size)
    if chains is not None:
        rbm._h(chains.hidden, "chains.hidden")
    weights = {}  # batch size -> lr * phase weights
    for epoch in range(epochs):
        if shuffle:
            order = torch.randperm(data.shape[0], generator=generator,
                                   device=generator.device if generator is not None else data.device)
            batches = data[order.to(data.device)].split(batch_size)
        else:
            batches = data.split(batch_size)
        with torch.no_grad():
            for batch in batches:  # pcd_gradient / cd_gradient + apply_gradient, fused and checked once above
                n = batch.shape[0]
                if n not in weights:
                    weights[n] = lr * _phase_weights(n, n if chains is None else chains.hidden.shape[0], data)
                if method == "pcd":
                    rows, probs = _pcd_rows(rbm, batch, chains, k, generator)
                else:
                    rows, probs = _cd_rows(rbm, batch, k, generator)
                rbm._ascend_(rows, probs, weights[n])
        if callback is not None:
            callback(epoch, rbm)
    return chains


# ----- annealed importance sampling --------------------------------------------------
def base_rate_bias(data: torch.Tensor, *, eps: float = 1e-3) -> torch.Tensor:
    """Visible biases of the base-rate model ``p_A(v) = prod_i Bernoulli(mean_i)``:
    ``log(p_i / (1 - p_i))`` with the data marginals ``p_i`` clipped to [eps, 1 - eps]."""
    check_tensor("data", data, ndim=2)
    p = data.mean(0).clamp(eps, 1 - eps)
    return torch.log(p) - torch.log1p(-p)


@torch.no_grad()
def ais_log_partition(
    rbm: BernoulliRBM,
    *,
    base_bias: torch.Tensor | None = None,
    n_betas: int = 1000,
    n_runs: int = 100,
    generator: torch.Generator | None = None,
) -> AISResult:
    r"""AIS estimate of ``log Z`` for a Bernoulli RBM (Salakhutdinov & Murray, 2008).

    Intermediate models, with the base-rate biases ``b_A`` (:func:`base_rate_bias`):

    .. math::

        \log p^*_\beta(v) = (1-\beta)\, b_A^\top v + \beta\, b^\top v
                            + \sum_j \operatorname{softplus}\big(\beta (c_j + v^\top W_{:j})\big),

    so ``log Z_A = sum_i softplus(b_A,i) + n_h log 2``. Transitions at each ``beta``:
    ``h ~ sigma(beta (c + v W))``, ``v ~ sigma((1-beta) b_A + beta (b + W h))``.
    ``beta`` follows :func:`energylab.samplers.beta_schedule`; ``n_runs`` runs in parallel.
    """
    if not isinstance(rbm, BernoulliRBM):
        raise TypeError(f"rbm: expected a BernoulliRBM, got {describe(rbm)}")
    check_positive_int("n_runs", n_runs)
    W, b, c = rbm.W, rbm.b, rbm.c
    base = torch.zeros_like(b) if base_bias is None else check_tensor("base_bias", base_bias, ndim=1, last_dim=rbm.n_visible).to(b)
    check_generator("generator", generator, like=W)
    betas = beta_schedule(n_betas, dtype=W.dtype, device=W.device).tolist()

    def log_p_star(v_b, v_base, pre, beta):  # v.b, v.b_A, (c + v W), beta -> (M,)
        return (1 - beta) * v_base + beta * v_b + F.softplus(beta * pre).sum(-1)

    v = sample_bernoulli(torch.sigmoid(base).expand(n_runs, -1), generator=generator)
    log_w = torch.zeros(n_runs, dtype=W.dtype, device=W.device)
    for beta_prev, beta in zip(betas[:-1], betas[1:]):
        v_b, v_base, pre = v @ b, v @ base, torch.addmm(c, v, W)
        log_w += log_p_star(v_b, v_base, pre, beta) - log_p_star(v_b, v_base, pre, beta_prev)
        h = sample_bernoulli(torch.sigmoid(beta * pre), generator=generator)
        v = sample_bernoulli(torch.sigmoid((1 - beta) * base + beta * torch.addmm(b, h, W.T)), generator=generator)
    log_z_base = F.softplus(base).sum().item() + rbm.n_hidden * math.log(2)
    return summarize_ais(log_w, log_z_base)
