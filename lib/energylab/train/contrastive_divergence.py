r"""Contrastive divergence: the CD-k and PCD estimators of the log-likelihood gradient, shared
by every RBM-like model (Lecture 8 §2, homework 2).

The log-likelihood of an RBM, ``mean log p(v) = -mean F(v) - log Z``, has the gradient

.. math::

    \Delta\theta = -\big\langle \partial F/\partial\theta \big\rangle_{\text{data}}
                   + \big\langle \partial F/\partial\theta \big\rangle_{\text{model}},

where ``-∂F/∂θ`` is ``-∂E/∂θ`` with ``h`` replaced by ``p(h | v)`` (:meth:`RBM.statistics
<energylab.models.RBM.statistics>`).  The model average needs samples ``v_model``;
:func:`likelihood_gradient` evaluates the formula for any samples, and the two estimators
differ only in where the samples come from:

* **CD-k** (Hinton, 2002; :func:`cd_gradient`): a chain started at the data, ``h_0 ~ p(h | v)``,
  then ``n_sweeps = k`` block-Gibbs sweeps give ``v_k``;
* **PCD** (Tieleman, 2008; :func:`pcd_gradient`): persistent chains (:class:`PersistentChains`)
  continue from where the previous update left them instead of restarting at the data.

:func:`train_rbm` is the minibatch loop (scikit-learn's defaults: PCD-1, lr 0.1, batch 10).

**The interface an RBM-like model offers** (every :class:`energylab.models.RBM`):
``check_visible``, ``check_hidden``, ``check_biases``, ``hidden_probs(v, biases=)``,
``sample_visible(h, biases=, generator=)``, ``sample_hidden``, ``statistics(v, probs, weights,
biases=)`` and, for :func:`train_rbm`'s in-place update, ``ascend_(v, probs, weights)`` -- the
loops here call the last two unchecked (``_statistics``, ``_ascend``), their arguments checked once.

**Conditional models** pass per-row ``biases`` (:class:`energylab.models.Biases`, ``b`` (B, n_v)
and ``c`` (B, n_h), row r shifted by the condition ``x_r``).  Chain r then runs with the
biases of row r, and the returned gradient's ``b`` and ``c`` are per row -- the gradient with
respect to the bias tensors that were passed -- so a conditional RBM with ``b_r = b + A x_r``
gets ``ΔA = grad.bᵀ x`` and ``Δb = grad.b.sum(0)`` by the chain rule.
"""
from __future__ import annotations

import torch

from .._checks import check_generator, check_positive_float, check_positive_int, check_rbm, describe
from ..models.rbm import RBM, Biases, RBMGradient
from ..samplers.gibbs_sampling import sample_bernoulli
from .loop import batches

__all__ = ["PersistentChains", "likelihood_gradient", "cd_gradient", "pcd_gradient", "train_rbm"]


class PersistentChains:
    """The fantasy particles of PCD: hidden states (n_chains, n_h) kept between updates.

    Like scikit-learn, the chains store *hidden* states and start at zero.  Lecture 8 §2."""

    def __init__(self, rbm: RBM, n_chains: int, *, hidden: torch.Tensor | None = None):
        check_rbm("rbm", rbm)
        check_positive_int("n_chains", n_chains)
        if hidden is None:
            hidden = torch.zeros(n_chains, rbm.n_hidden, dtype=rbm.W.dtype, device=rbm.W.device)
        rbm.check_hidden(hidden, "hidden")
        self.hidden = hidden


def _phase_weights(n_data: int, n_model: int, like: torch.Tensor) -> torch.Tensor:
    """``+1/n_data`` for each data row, then ``-1/n_model`` for each model row, (n_data + n_model,)."""
    return torch.cat([torch.full((n_data,), 1.0 / n_data, dtype=like.dtype, device=like.device),
                      torch.full((n_model,), -1.0 / n_model, dtype=like.dtype, device=like.device)])


def _stacked(biases: Biases | None, n_model: int) -> Biases | None:
    """Biases for the stacked rows ``[data; model]``: per-row biases repeat (chain r uses row r's);
    None (the model's own) and shared biases stay as they are."""
    if biases is None:
        return None
    b, c = biases
    if b.dim() == 1 and c.dim() == 1:
        return biases
    return Biases(b if b.dim() == 1 else torch.cat([b, b]), c if c.dim() == 1 else torch.cat([c, c]))


def _paired(grad: RBMGradient, n: int) -> RBMGradient:
    """Fold the per-row statistics of the stacked rows: data row r plus model row r."""
    if grad.b.dim() == 1 and grad.c.dim() == 1:
        return grad
    return RBMGradient(grad.W, *(t if t.dim() == 1 else t[:n] + t[n:] for t in (grad.b, grad.c)))


def _check_per_row(biases: Biases | None, n_data: int, n_model: int) -> None:
    if biases is not None and (biases.b.dim() == 2 or biases.c.dim() == 2) and n_model != n_data:
        raise ValueError(f"biases: per-row biases pair each model chain with a data row; expected "
                         f"{n_data} chains for {n_data} rows, got {n_model}")


def _gradient(rbm, rows, probs, n_data, biases):
    """The weighted statistics of the stacked rows (data +1/n, model -1/n), per-row biases folded."""
    weights = _phase_weights(n_data, rows.shape[0] - n_data, rows)
    grad = rbm._statistics(rows, probs, weights, biases=_stacked(biases, rows.shape[0] - n_data))
    return _paired(grad, n_data)


@torch.no_grad()
def likelihood_gradient(rbm: RBM, v_data: torch.Tensor, v_model: torch.Tensor, *,
                        biases: Biases | None = None) -> RBMGradient:
    """``<-∂F/∂θ>_data - <-∂F/∂θ>_model``: the log-likelihood gradient with the model average
    taken over the samples ``v_model`` (held fixed).  It is exactly ``-grad`` of
    ``mean F(v_data) - mean F(v_model)``.  Lecture 8 §2, homework 2."""
    check_rbm("rbm", rbm).check_visible(v_data, "v_data")
    rbm.check_visible(v_model, "v_model")
    for name, v in (("v_data", v_data), ("v_model", v_model)):
        if v.shape[0] == 0:
            raise ValueError(f"{name}: expected at least one row, got {describe(v)}")
    biases = None if biases is None else rbm.check_biases(biases, v_data.shape[0])
    _check_per_row(biases, v_data.shape[0], v_model.shape[0])
    rows = torch.cat([v_data, v_model])
    probs = rbm.hidden_probs(rows, biases=_stacked(biases, v_model.shape[0]))
    return _gradient(rbm, rows, probs, v_data.shape[0], biases)


def _model_visible(rbm, h, n_sweeps, biases, generator) -> torch.Tensor:
    """``n_sweeps`` block-Gibbs sweeps started from hidden states h, ending on the visible layer:
    ``v ~ p(v|h)``, then (n_sweeps - 1) times ``h ~ p(h|v), v ~ p(v|h)``."""
    v = rbm.sample_visible(h, biases=biases, generator=generator)
    for _ in range(n_sweeps - 1):
        v = rbm.sample_visible(rbm.sample_hidden(v, biases=biases, generator=generator), biases=biases,
                               generator=generator)
    return v


def _cd_rows(rbm, v, n_sweeps, biases, generator):
    """CD-k: stacked rows ``[v; v_k]`` and their ``p(h | .)``; the chain starts at ``h_0 ~ p(h | v)``."""
    probs = rbm.hidden_probs(v, biases=biases)
    v_model = _model_visible(rbm, sample_bernoulli(probs, generator=generator), n_sweeps, biases, generator)
    return torch.cat([v, v_model]), torch.cat([probs, rbm.hidden_probs(v_model, biases=biases)])


def _pcd_rows(rbm, v, chains, n_sweeps, biases, generator):
    """PCD-k: stacked rows ``[v; v_model]`` and their ``p(h | .)`` (one product for both
    phases); the chains move on to ``h ~ p(h | v_model)``. Draws per sweep: v, then h
    -- the order of scikit-learn's ``_fit``."""
    v_model = _model_visible(rbm, chains.hidden, n_sweeps, biases, generator)
    rows = torch.cat([v, v_model])
    probs = rbm.hidden_probs(rows, biases=None if biases is None else _stacked(biases, v_model.shape[0]))
    chains.hidden = sample_bernoulli(probs[v.shape[0]:], generator=generator)
    return rows, probs


def _check_common(rbm, v, n_sweeps, biases, generator) -> Biases | None:
    check_rbm("rbm", rbm).check_visible(v)
    if v.shape[0] == 0:
        raise ValueError(f"v: expected at least one row (a batch of data), got {describe(v)}")
    check_positive_int("n_sweeps", n_sweeps)
    check_generator("generator", generator, like=v)
    return None if biases is None else rbm.check_biases(biases, v.shape[0])


@torch.no_grad()
def cd_gradient(rbm: RBM, v: torch.Tensor, n_sweeps: int = 1, *, biases: Biases | None = None,
                generator=None) -> tuple[RBMGradient, torch.Tensor]:
    r"""CD-k with ``k = n_sweeps`` (Hinton, 2002): the chain starts at the data, ``h_0 ~ p(h | v)``,
    then ``n_sweeps`` block-Gibbs sweeps give ``v_k``.  Returns the ascent direction

    .. math:: \Delta\theta = -\langle \partial F/\partial\theta \rangle_{v} + \langle \partial F/\partial\theta \rangle_{v_k}

    (``v_k`` held fixed: exactly ``-grad`` of ``mean F(v) - mean F(v_k)``) and ``v_k``.
    Lecture 8 §2, homework 2.
    """
    biases = _check_common(rbm, v, n_sweeps, biases, generator)
    rows, probs = _cd_rows(rbm, v, n_sweeps, biases, generator)
    n = v.shape[0]
    return _gradient(rbm, rows, probs, n, biases), rows[n:]


@torch.no_grad()
def pcd_gradient(rbm: RBM, v: torch.Tensor, chains: PersistentChains, n_sweeps: int = 1, *,
                 biases: Biases | None = None, generator=None) -> RBMGradient:
    """PCD-k with ``k = n_sweeps`` (Tieleman, 2008): like CD-k but the model chains continue from
    ``chains`` (updated in place) instead of restarting at the data.  With ``n_sweeps = 1`` this
    is scikit-learn's BernoulliRBM update, draw for draw.  Lecture 8 §2.
    Library only as a function: train_rbm fuses it with the update; it is the PCD estimator for other loops (conditional RBMs, DBMs)."""
    biases = _check_common(rbm, v, n_sweeps, biases, generator)
    if not isinstance(chains, PersistentChains):
        raise TypeError(f"chains: expected PersistentChains, got {describe(chains)}")
    rbm.check_hidden(chains.hidden, "chains.hidden")
    _check_per_row(biases, v.shape[0], chains.hidden.shape[0])
    rows, probs = _pcd_rows(rbm, v, chains, n_sweeps, biases, generator)
    return _gradient(rbm, rows, probs, v.shape[0], biases)


class _PracticalUpdate:
    """The update of Hinton's practical guide (UTML TR 2010-003, §9–11), one mini-batch at a time:

    ``Δθ = lr · (g_θ − λ W [θ = W only] − s · ∂sparsity/∂θ)``,  ``v_θ ← m v_θ + Δθ``,  ``θ += v_θ``

    with ``g`` the CD/PCD ascent direction, ``λ`` the weight decay (an L2 penalty ``λ/2 ||W||²`` on
    the weights, not the biases), ``m`` the momentum, and the sparsity term: a running estimate
    ``q ← d q + (1 − d) mean_batch p(h = 1 | v_data)`` of each hidden unit's activity, whose
    cross-entropy with the target ``p`` has derivative ``q − p`` with respect to the unit's total
    input; scaled by the sparsity cost ``s`` it lowers the hidden bias by ``s (q − p)`` and the
    incoming weights by ``s (q − p) mean(v_data)``."""

    def __init__(self, rbm, lr, momentum, weight_decay, sparsity_target, sparsity_cost, sparsity_decay):
        self.rbm, self.lr, self.momentum, self.weight_decay = rbm, lr, momentum, weight_decay
        self.target, self.cost, self.decay = sparsity_target, sparsity_cost, sparsity_decay
        self.velocity = [torch.zeros_like(p) for p in (rbm.W, rbm.b, rbm.c)]
        self.activity = None                                                    # q, (n_h,)

    @torch.no_grad()
    def __call__(self, rows, probs, phase_weights, n_data):
        rbm = self.rbm
        grad = list(rbm._statistics(rows, probs, phase_weights))                 # [W, b, c], ascent direction
        if self.weight_decay:
            grad[0] = grad[0] - self.weight_decay * rbm.W
        if self.target is not None:
            batch_activity = probs[:n_data].mean(0)
            self.activity = batch_activity if self.activity is None else \
                self.decay * self.activity + (1 - self.decay) * batch_activity
            excess = self.cost * (self.activity - self.target)                 # s (q − p), (n_h,)
            grad[0] = grad[0] - torch.outer(rbm._visible_input(rows[:n_data]).mean(0), excess)
            grad[2] = grad[2] - excess
        for param, velocity, g in zip((rbm.W, rbm.b, rbm.c), self.velocity, grad):
            velocity.mul_(self.momentum).add_(g, alpha=self.lr)
            param.add_(velocity)


def train_rbm(
    rbm: RBM,
    data: torch.Tensor,
    *,
    method: str = "pcd",
    n_sweeps: int = 1,
    lr: float = 0.1,
    batch_size: int = 10,
    epochs: int = 1,
    shuffle: bool = False,
    chains: PersistentChains | None = None,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    sparsity_target: float | None = None,
    sparsity_cost: float = 0.0,
    sparsity_decay: float = 0.9,
    generator: torch.Generator | None = None,
    callback=None,
) -> PersistentChains | None:
    """Minibatch gradient ascent with CD-k (``method="cd"``) or PCD-k (``"pcd"``, chains of
    ``batch_size`` unless given), ``k = n_sweeps``.  Defaults follow scikit-learn (PCD-1,
    lr 0.1, batch 10, no shuffling); batches come from :func:`energylab.train.batches`.
    ``callback(epoch, rbm)`` runs after each epoch.  Returns the persistent chains (None for
    CD).  The model's own biases are trained; for a conditional model write the loop with
    :func:`cd_gradient` and per-row ``biases``.  Lecture 8 §2 and §5.

    The recipe of Hinton's practical guide, all off by default: ``momentum`` (e.g. 0.5–0.9),
    ``weight_decay`` (an L2 penalty on W, e.g. 1e-4) and a ``sparsity_target`` for the mean
    activity of each hidden unit (e.g. 0.1) with its ``sparsity_cost`` and the ``sparsity_decay``
    of the running activity estimate (see ``_PracticalUpdate``).  The velocity and the activity
    estimate start afresh at each call.  Lecture 8 §3.

    **PCD-1 and scikit-learn.**  Each update averages the data rows with ``+lr / len(batch)`` and
    the model chains with ``-lr / n_chains``.  scikit-learn's ``BernoulliRBM`` weights both by
    ``lr / len(batch)``, so the two agree draw for draw (same uniforms, same parameters to
    rounding) when ``batch_size`` divides the number of rows; on a short last batch scikit-learn
    gives the chains the larger weight ``lr / len(batch)`` (tests/lib/test_rbm.py checks both).

    The arguments are checked once per call, not once per step.  PCD-1 on a Bernoulli RBM runs
    :func:`_pcd1_epoch` (when the recipe is off), the same arithmetic with the per-step overheads
    taken out.
    """
    check_rbm("rbm", rbm).check_visible(data, "data")
    if data.shape[0] == 0:
        raise ValueError(f"data: expected at least one row to train on, got {describe(data)}")
    check_cd_arguments(method, epochs, batch_size, n_sweeps, lr)
    _check_fraction("momentum", momentum, upper_open=True)
    check_positive_float("weight_decay", weight_decay, allow_zero=True)
    if sparsity_target is not None:
        _check_fraction("sparsity_target", sparsity_target, lower_open=True, upper_open=True)
    check_positive_float("sparsity_cost", sparsity_cost, allow_zero=True)
    _check_fraction("sparsity_decay", sparsity_decay, upper_open=True)
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle: expected True or False, got {describe(shuffle)}")
    check_generator("generator", generator, like=data)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback: expected a function callback(epoch, rbm) or None, got {describe(callback)}")
    if method == "pcd" and chains is None:
        chains = PersistentChains(rbm, batch_size)
    if chains is not None:
        if not isinstance(chains, PersistentChains):
            raise TypeError(f"chains: expected PersistentChains or None, got {describe(chains)}")
        rbm.check_hidden(chains.hidden, "chains.hidden")
    practical = momentum > 0 or weight_decay > 0 or sparsity_target is not None
    update = _PracticalUpdate(rbm, lr, momentum, weight_decay, sparsity_target, sparsity_cost,
                              sparsity_decay) if practical else None
    fused = not practical and method == "pcd" and n_sweeps == 1 and _plain_bernoulli(rbm)
    weights = {}                    # batch size -> the phase weights (× lr for the plain update)
    for epoch in range(epochs):
        with torch.no_grad():
            if fused:
                _pcd1_epoch(rbm, data, chains, lr, batch_size, shuffle, generator)
            else:
                for (batch,) in batches((data,), batch_size, shuffle=shuffle, generator=generator):
                    _step(rbm, batch, method, chains, n_sweeps, lr, generator, weights, update)
        if callback is not None:
            callback(epoch, rbm)
    return chains


def check_cd_arguments(method, epochs, batch_size, n_sweeps, lr) -> None:
    """The arguments every CD/PCD trainer shares (train_rbm, train_crbm): ``method`` 'cd' or 'pcd',
    positive ``epochs``, ``batch_size``, ``n_sweeps`` and ``lr``.  Library only."""
    if method not in ("cd", "pcd"):
        raise ValueError(f"method: expected 'cd' or 'pcd', got {describe(method)}")
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_positive_int("n_sweeps", n_sweeps)
    check_positive_float("lr", lr)


def _check_fraction(name, value, *, lower_open=False, upper_open=False):
    """A number in [0, 1] (with open ends where asked), or a clear error."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and \
        (value > 0 if lower_open else value >= 0) and (value < 1 if upper_open else value <= 1)
    if not ok:
        interval = ("(" if lower_open else "[") + "0, 1" + (")" if upper_open else "]")
        raise ValueError(f"{name}: expected a number in {interval}, got {describe(value)}")


def _step(rbm, batch, method, chains, n_sweeps, lr, generator, weights, update=None) -> None:
    """One update of train_rbm, ``θ += lr (<-∂F/∂θ>_batch - <-∂F/∂θ>_model)``, or with ``update``
    (Hinton's recipe, ``_PracticalUpdate``) its step; ``weights`` caches the phase weights per
    batch size (``lr ×`` them for the plain update)."""
    n = batch.shape[0]
    if n not in weights:
        phase = _phase_weights(n, n if chains is None else chains.hidden.shape[0], batch)
        weights[n] = phase if update is not None else lr * phase
    if method == "pcd":
        rows, probs = _pcd_rows(rbm, batch, chains, n_sweeps, None, generator)
    else:
        rows, probs = _cd_rows(rbm, batch, n_sweeps, None, generator)
    if update is not None:
        update(rows, probs, weights[n], n)
    else:
        rbm._ascend(rows, probs, weights[n])


_BERNOULLI_LAYERS = ("_visible_input", "_bias_input", "visible_probs", "sample_visible", "hidden_probs", "_ascend")
_CHUNK_ELEMENTS = 2**16     # uniforms drawn ahead by _pcd1_epoch (small: the buffers stay in cache)


def _plain_bernoulli(rbm) -> bool:
    """True for a BernoulliRBM whose layers are BernoulliRBM's own (not a subclass's)."""
    from ..models.rbm import BernoulliRBM

    return isinstance(rbm, BernoulliRBM) and all(
        getattr(type(rbm), name) is getattr(BernoulliRBM, name) for name in _BERNOULLI_LAYERS)


def _pcd1_epoch(rbm, data, chains, lr, batch_size, shuffle, generator) -> None:
    """One epoch of PCD-1 on a Bernoulli RBM: exactly train_rbm's generic step (``_pcd_rows`` then
    ``_ascend``: the same products, in the same order, on the same uniforms), with its per-step
    overheads taken out -- the full batches' uniforms drawn a chunk of steps at a time (a CPU
    generator fills a tensor serially, so these are the numbers the step-by-step draws would
    give; on CUDA they are other, equally random, numbers), every buffer and view made once,
    no checks.  tests/lib/test_rbm.py checks it bit for bit against the generic step.

    Step t, with model chains ``h`` (m, n_h) and the batch ``x_t`` (n, n_v):
    ``v ~ σ(b + h Wᵀ)``, ``rows = [x_t; v]``, ``p = σ(c + rows W)``, ``h ~ p[n:]``, then
    ``θ += rowsᵀ (w ⊙ p)`` with ``w = lr · (+1/n, …, -1/m, …)``.
    """
    n = batch_size
    if shuffle:                                       # the permutation batches() would draw
        (data,) = next(batches((data,), data.shape[0], shuffle=True, generator=generator))
    n_full = data.shape[0] // n
    with torch.inference_mode():                      # no autograd bookkeeping on ~10 small ops per step
        h = _pcd1_full_batches(rbm, data, chains.hidden, lr, n, n_full, generator)
    chains.hidden = h.clone() if n_full else h        # an ordinary tensor again
    if data.shape[0] > n_full * n:                    # the short last batch: the generic step
        _step(rbm, data[n_full * n:], "pcd", chains, 1, lr, generator, {})


def _pcd1_full_batches(rbm, data, h, lr, n, n_full, generator) -> torch.Tensor:
    """The fused steps of :func:`_pcd1_epoch` over the ``n_full`` full batches of ``n`` rows, from
    model chains ``h``; returns the chains' hidden states after them (updates ``rbm`` in place)."""
    W, b, c = rbm.W, rbm.b, rbm.c
    n_v, n_h, m = rbm.n_visible, rbm.n_hidden, h.shape[0]
    like = dict(dtype=W.dtype, device=W.device)
    weights = lr * _phase_weights(n, m, W)
    weights_col = weights[:, None]
    visible = torch.empty(m, n_v, **like)             # σ(b + h Wᵀ)
    probs = torch.empty(n + m, n_h, **like)           # σ(c + rows W)
    weighted = torch.empty_like(probs)                # w ⊙ p
    model_probs, probs_T, W_T = probs[n:], probs.T, W.T
    per_step = (n + m) * n_v + m * n_h
    chunk = max(1, _CHUNK_ELEMENTS // per_step)
    for start in range(0, n_full, chunk):
        k = min(chunk, n_full - start)
        uniform = torch.rand(k, m * (n_v + n_h), generator=generator, **like)   # per step: v's, then h's
        rows = torch.empty(k, n + m, n_v, **like)     # [x_t; v_t], v_t starts as its uniforms
        rows[:, :n] = data[start * n:(start + k) * n].reshape(k, n, n_v)
        rows[:, n:] = uniform[:, :m * n_v].view(k, m, n_v)
        hidden_uniform = uniform[:, m * n_v:].view(k, m, n_h).unbind(0)
        model_rows = rows[:, n:].unbind(0)
        rows_T = rows.transpose(1, 2).unbind(0)
        for t, rows_t in enumerate(rows.unbind(0)):
            torch.addmm(b, h, W_T, out=visible)
            model_rows[t].lt_(visible.sigmoid_())                 # v ~ p(v | h), in place of its uniforms
            torch.addmm(c, rows_t, W, out=probs).sigmoid_()           # p(h | rows)
            h = hidden_uniform[t].lt_(model_probs)                    # the chains move on: h ~ p(h | v)
            torch.mul(probs, weights_col, out=weighted)
            b.addmv_(rows_T[t], weights)
            W.addmm_(rows_T[t], weighted)
            c.addmv_(probs_T, weights)
    return h