r"""Conditional RBMs for structured output prediction (Taylor, Hinton & Roweis, 2007; Mnih,
Larochelle & Hinton, 2011) -- Lecture 9 §1–4.

Binary outputs ``y`` (n_y) and hidden units ``h`` (n_h); the input ``x`` (n_x, real or
binary) is always observed and only shifts the biases:

.. math::

    E(y, h; x) = -y^\top W h - \hat b(x)^\top y - \hat c(x)^\top h, \qquad
    \hat b(x) = b + x^\top A, \quad \hat c(x) = c + x^\top B,

with output–hidden weights ``W`` (n_y, n_h), biases ``b`` (n_y), ``c`` (n_h), input–output
weights ``A`` (n_x, n_y; optional) and input–hidden weights ``B`` (n_x, n_h).  The model is

.. math::

    p(y, h \mid x) = \frac{e^{-E(y, h; x)}}{Z(x)}, \qquad
    F(y, x) = -\hat b(x)^\top y - \sum_k \operatorname{softplus}\big(\hat c_k(x) + y^\top W_{:k}\big),

    p(h_k = 1 \mid x, y) = \sigma\big(\hat c_k(x) + y^\top W_{:k}\big), \qquad
    p(y_j = 1 \mid x, h) = \sigma\big(\hat b_j(x) + W_{j:} h\big).

``Z(x) = Σ_y e^{-F(y, x)}`` is **one partition function per input**.  Prediction is
``argmin_y F(y, x)`` (:meth:`ConditionalRBM.predict`).

**It is lecture 8's RBM with per-row biases.**  Given ``x`` the model is a
:class:`~energylab.models.BernoulliRBM` over ``y`` whose biases are ``(b̂(x), ĉ(x))``, one row
per example.  So the model *holds* that RBM (``self.rbm``, visible layer = ``y``) and
passes ``biases=self.biases(x)`` to its free energy, conditionals and block Gibbs, and to the
shared CD/PCD estimators :func:`energylab.train.cd_gradient` / :func:`~energylab.train.pcd_gradient`,
which return the gradient with respect to those per-row biases; the chain rule gives
``ΔA = xᵀ Δb̂`` and ``ΔB = xᵀ Δĉ`` (:meth:`ConditionalRBM.gradient`).

**Joint vs conditional.**  An RBM trained on ``p(x, y)`` with visible units ``[x, y]`` has the
conditional ``p(y | x)`` of a conditional RBM with ``A = 0`` and ``B = W_{x,:}``
(:meth:`ConditionalRBM.from_joint`): joint training spends capacity on modelling ``x``,
conditional training (:func:`train_crbm`) only on what ``x`` says about ``y``.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import (check_generator, check_like, check_positive_float, check_positive_int, check_rows,
                       check_same_shape, check_tensor, describe)
from ..inference import exhaustive_argmin
from ..samplers.exact import MAX_ENUMERATED_UNITS, enumerate_states
from ..samplers.gibbs_sampling import sample_bernoulli
from ..train import contrastive_divergence as cdiv   # the module (it imports models.rbm): no names
from ..train.loop import batches
from .rbm import BernoulliRBM, Biases

__all__ = ["ConditionalRBM", "CRBMGradient", "train_crbm"]

#: The ways :meth:`ConditionalRBM.predict` finds ``argmin_y F(y, x)`` (Lecture 9 §2).
_PREDICTION_METHODS = ("exhaustive", "mean_field", "anneal")
_MAX_EXHAUSTIVE_OUTPUTS = 16        # "auto" prediction enumerates y up to 2**16 candidates
_BLOCK = 2**22                      # elements per block when enumerating for many rows


class CRBMGradient(NamedTuple):
    """Ascent direction for ``mean log p(y | x)`` (Lecture 9 §3): ``W`` (n_y, n_h), ``b`` (n_y,),
    ``c`` (n_h,), ``A`` (n_x, n_y) or None, ``B`` (n_x, n_h)."""

    W: torch.Tensor
    b: torch.Tensor
    c: torch.Tensor
    A: torch.Tensor | None
    B: torch.Tensor


class ConditionalRBM(nn.Module):
    """A conditional RBM ``p(y, h | x)`` (equations in the module docstring).  Lecture 9 §1–4.

    Args:
        n_inputs: size of the input ``x`` (real or binary).
        n_outputs: binary outputs ``y``.
        n_hidden: binary hidden units ``h``.
        input_to_output: learn the direct input-to-output weights ``A`` (else ``A = 0``).
        weight_scale: ``W`` and ``B`` start ``N(0, weight_scale²)``; ``A`` and the biases at 0.
        generator: randomness for the initial weights.
    """

    def __init__(self, n_inputs: int, n_outputs: int, n_hidden: int, *, input_to_output: bool = True,
                 weight_scale: float = 0.01, generator=None, dtype=torch.float32, device=None):
        super().__init__()
        check_positive_int("n_inputs", n_inputs)
        check_positive_int("n_outputs", n_outputs)
        if not isinstance(input_to_output, bool):
            raise TypeError(f"input_to_output: expected a bool, got {describe(input_to_output)}")
        self.rbm = BernoulliRBM(n_outputs, n_hidden, weight_scale=weight_scale, generator=generator,
                                dtype=dtype, device=device)
        self.n_inputs, self.n_outputs, self.n_hidden = n_inputs, n_outputs, n_hidden
        weights = torch.randn(n_inputs, n_hidden, generator=generator, dtype=dtype, device=device)
        self.B = nn.Parameter(weights * weight_scale)
        if input_to_output:
            self.A = nn.Parameter(torch.zeros(n_inputs, n_outputs, dtype=dtype, device=device))
        else:
            self.register_parameter("A", None)

    # the RBM over y: its weights and biases are the conditional RBM's W, b, c
    @property
    def W(self) -> torch.Tensor:
        """Output–hidden weights (n_y, n_h): the RBM's ``W``.  Lecture 9 §1."""
        return self.rbm.W

    @property
    def b(self) -> torch.Tensor:
        """Output biases (n_y,): the RBM's ``b``.  Lecture 9 §1."""
        return self.rbm.b

    @property
    def c(self) -> torch.Tensor:
        """Hidden biases (n_h,): the RBM's ``c``.  Lecture 9 §1."""
        return self.rbm.c

    @classmethod
    def from_joint(cls, rbm: BernoulliRBM, n_inputs: int) -> "ConditionalRBM":
        """The conditional ``p(y | x)`` of a joint RBM over ``v = [x, y]`` (the first ``n_inputs``
        visible units are ``x``): ``W = W_{y,:}``, ``b = b_y``, ``c = c``, ``B = W_{x,:}``, ``A = 0``
        -- the ``x``-only terms ``b_xᵀx`` cancel in ``p(y | x)``.  A copy; the RBM is untouched.
        Lecture 9 §3."""
        if not isinstance(rbm, BernoulliRBM):
            raise TypeError(f"rbm: expected a BernoulliRBM over [x, y], got {describe(rbm)}")
        check_positive_int("n_inputs", n_inputs)
        if n_inputs >= rbm.n_visible:
            raise ValueError(f"n_inputs: expected fewer than the RBM's {rbm.n_visible} visible units "
                             f"(the rest are y), got {n_inputs}")
        W = rbm.W.detach()
        crbm = cls(n_inputs, rbm.n_visible - n_inputs, rbm.n_hidden, input_to_output=False, weight_scale=0.0,
                   generator=torch.Generator(device=W.device), dtype=W.dtype, device=W.device)  # overwritten below
        with torch.no_grad():
            crbm.W.copy_(W[n_inputs:])
            crbm.b.copy_(rbm.b.detach()[n_inputs:])
            crbm.c.copy_(rbm.c.detach())
            crbm.B.copy_(W[:n_inputs])
        return crbm

    # ----- checks and the biases of each row ------------------------------------------------
    def _check(self, **named) -> int:
        """The named tensors as (n, size) rows of one batch; returns n."""
        n = check_rows({"x": self.n_inputs, "y": self.n_outputs, "h": self.n_hidden}, **named)
        for name, value in named.items():
            check_like(name, value, self.B, "the model's parameters")
        return n

    def biases(self, x: torch.Tensor) -> Biases:
        """The per-row biases of the RBM over ``y``: ``b̂ = b + xA`` (n, n_y) and ``ĉ = c + xB``
        (n, n_h).  Lecture 9 §1."""
        self._check(x=x)
        b = self.b + x @ self.A if self.A is not None else self.b.expand(x.shape[0], -1)
        return Biases(b, torch.addmm(self.c, x, self.B))

    # ----- energy, free energy, conditionals ------------------------------------------------
    def energy(self, y: torch.Tensor, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``E(y, h; x) = -yᵀWh - b̂(x)ᵀy - ĉ(x)ᵀh``, shape (n,).  Lecture 9 §1."""
        self._check(y=y, h=h, x=x)
        return self.rbm.energy(y, h, biases=self.biases(x))

    def free_energy(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``F(y, x) = -b̂(x)ᵀy - Σ_k softplus(ĉ_k(x) + yᵀW_:k)``, shape (n,).  Lecture 9 §1."""
        self._check(y=y, x=x)
        return self.rbm.free_energy(y, biases=self.biases(x))

    def hidden_probs(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``p(h_k = 1 | x, y) = σ(ĉ_k(x) + yᵀW_:k)`` -- it depends on ``y`` (Lecture 9 §3 on the
        seed's error), shape (n, n_h).  Lecture 9 §1."""
        self._check(y=y, x=x)
        return self.rbm.hidden_probs(y, biases=self.biases(x))

    def output_probs(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``p(y_j = 1 | x, h) = σ(b̂_j(x) + W_j: h)``, shape (n, n_y).  Lecture 9 §1."""
        self._check(h=h, x=x)
        return self.rbm.visible_probs(h, biases=self.biases(x))

    @torch.no_grad()
    def gibbs(self, y: torch.Tensor, x: torch.Tensor, n_sweeps: int = 1, *, generator=None) -> torch.Tensor:
        """``n_sweeps`` block-Gibbs sweeps ``h ~ p(h | x, y)``, ``y ~ p(y | x, h)`` with ``x``
        clamped, one chain per row; returns the final ``y``.  Lecture 9 §2."""
        self._check(y=y, x=x)
        return self.rbm.gibbs(y, n_sweeps, biases=self.biases(x), generator=generator)

    @torch.no_grad()
    def sample(self, x: torch.Tensor, n_sweeps: int = 200, *, generator=None) -> torch.Tensor:
        """Samples ``y ~ p(y | x)``, one per row of ``x``: block Gibbs with ``x`` clamped for
        ``n_sweeps`` sweeps from ``y ~ Bernoulli(σ(b̂(x)))``.  Lecture 9 §2."""
        self._check(x=x)
        check_generator("generator", generator, like=x)
        y0 = sample_bernoulli(torch.sigmoid(self.biases(x).b), generator=generator)
        return self.gibbs(y0, x, n_sweeps, generator=generator)

    # ----- the exact conditional likelihood ------------------------------------------------------
    @torch.no_grad()
    def log_partition(self, x: torch.Tensor) -> torch.Tensor:
        r"""Exact ``log Z(x) = log Σ_y e^{-F(y, x)}`` for every row of ``x``, shape (n,), by
        enumerating the smaller layer: ``2**min(n_y, n_h)`` states.  Summing over ``y``,

        .. math:: \log Z(x) = \operatorname{logsumexp}_y \big[\hat b^\top y + \textstyle\sum_k
                  \operatorname{softplus}(\hat c_k + y^\top W_{:k})\big],

        and over ``h`` the same with the roles of ``(b̂, y)`` and ``(ĉ, h)`` swapped.  Lecture 9 §2."""
        self._check(x=x)
        b, c = self.biases(x)
        if self.n_outputs <= self.n_hidden:
            return _log_z_per_row(b, c, self.W)
        return _log_z_per_row(c, b, self.W.T)

    def log_prob(self, y: torch.Tensor, x: torch.Tensor, log_z: torch.Tensor | None = None) -> torch.Tensor:
        """Exact ``log p(y | x) = -F(y, x) - log Z(x)``, shape (n,) (pass ``log_z`` (n,) to reuse it).
        Lecture 9 §2."""
        n = self._check(y=y, x=x)
        if log_z is None:
            log_z = self.log_partition(x)
        else:
            check_tensor("log_z", log_z, ndim=1)
            if log_z.shape[0] != n:
                raise ValueError(f"log_z: expected ({n},), one per row of x, got {describe(log_z)}")
        return -self.free_energy(y, x) - log_z

    # ----- prediction: argmin_y F(y, x) ----------------------------------------------------------
    @torch.no_grad()
    def predict(self, x: torch.Tensor, *, method: str = "auto", n_sweeps: int = 100, n_restarts: int = 4,
                beta_range: tuple[float, float] = (0.5, 20.0), generator=None) -> torch.Tensor:
        r"""``ŷ = argmin_y F(y, x)`` for every row of ``x``, shape (n, n_y).  Lecture 9 §2.

        * ``"exhaustive"``: every one of the ``2**n_y`` outputs (exact; small ``n_y``);
        * ``"mean_field"``: ``n_sweeps`` rounds of ``μ_h = σ(ĉ + μ_y W)``, ``μ_y = σ(b̂ + μ_h Wᵀ)``
          from ``μ_y = σ(b̂)``, rounded at 1/2;
        * ``"anneal"``: Gibbs sampling of ``p_β(y | x) ∝ e^{-β F(y, x)}``, one output at a time,
          for ``n_sweeps`` sweeps with ``β`` rising geometrically through ``beta_range``; the best
          of ``n_restarts`` independent runs per row;
        * ``"auto"`` (default): exhaustive up to 16 outputs, else anneal.

        ``mean_field`` and ``anneal`` end with zero-temperature sweeps (flip any output whose flip
        lowers ``F``) until no single flip helps: their answer is always a local minimum of ``F``.
        """
        n = self._check(x=x)
        if not bool(torch.isfinite(x).all()):            # the answer is discrete: a NaN would vanish in it
            raise ValueError(f"x: expected finite inputs, got {describe(x)} with non-finite entries")
        if method == "auto":
            method = "exhaustive" if self.n_outputs <= _MAX_EXHAUSTIVE_OUTPUTS else "anneal"
        if method not in _PREDICTION_METHODS:
            raise ValueError(f"method: expected 'auto' or one of {_PREDICTION_METHODS}, got {describe(method)}")
        check_positive_int("n_sweeps", n_sweeps)
        check_positive_int("n_restarts", n_restarts)
        if (not isinstance(beta_range, tuple) or len(beta_range) != 2
                or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in beta_range)
                or not 0 < beta_range[0] <= beta_range[1] < math.inf):
            raise ValueError(f"beta_range: expected (beta_start, beta_end) with 0 < start <= end < inf, "
                             f"got {describe(beta_range)}")
        check_generator("generator", generator, like=x)
        if n == 0:
            return x.new_zeros(0, self.n_outputs)
        if method == "exhaustive":
            if self.n_outputs > MAX_ENUMERATED_UNITS:
                raise ValueError(f"method: 'exhaustive' enumerates 2**n_outputs outputs; expected at most "
                                 f"{MAX_ENUMERATED_UNITS} outputs, got {self.n_outputs}")
            candidates = enumerate_states(self.n_outputs, dtype=x.dtype, device=x.device)
            return torch.cat([exhaustive_argmin(self.free_energy, candidates, rows).y
                              for rows in x.split(max(1, _BLOCK // (len(candidates) * self.n_outputs)))])
        b, c = self.biases(x)
        if method == "mean_field":
            mu = torch.sigmoid(b)
            for _ in range(n_sweeps):
                mu = torch.sigmoid(torch.addmm(b, torch.sigmoid(torch.addmm(c, mu, self.W)), self.W.T))
            return self._descend((mu > 0.5).to(x.dtype), b, c)
        b, c = b.repeat(n_restarts, 1), c.repeat(n_restarts, 1)          # run r of row i is row r * n + i
        y = sample_bernoulli(torch.sigmoid(b), generator=generator)
        for beta in torch.logspace(math.log10(beta_range[0]), math.log10(beta_range[1]), n_sweeps).tolist():
            y = self._output_sweep(y, b, c, beta, generator)
        y = self._descend(y, b, c)
        best = self.rbm.free_energy(y, biases=Biases(b, c)).view(n_restarts, n).argmin(0)      # (n,)
        return y.view(n_restarts, n, -1)[best, torch.arange(n, device=x.device)]

    def _output_sweep(self, y, b, c, beta, generator=None):
        """One sweep of single-output Gibbs on ``p_β(y | x) ∝ e^{-βF}`` (``beta = inf``: flip to the
        lower ``F``): ``p(y_j = 1 | y_-j) = σ(β [F(y_j = 0) - F(y_j = 1)])``.  Returns a new ``y``."""
        y = y.clone()
        pre = torch.addmm(c, y, self.W)                          # ĉ + yW, kept up to date
        for j in range(self.n_outputs):
            w = self.W[j]
            on = pre + (1 - y[:, j:j + 1]) * w                   # pre-activations with y_j = 1
            gain = b[:, j] + (F.softplus(on) - F.softplus(on - w)).sum(-1)    # F(y_j=0) - F(y_j=1)
            if math.isinf(beta):
                new = (gain > 0).to(y.dtype)
            else:
                new = sample_bernoulli(torch.sigmoid(beta * gain), generator=generator)
            pre = on - (1 - new[:, None]) * w
            y[:, j] = new
        return y

    def _descend(self, y, b, c, max_sweeps: int = 1000):
        """Zero-temperature sweeps until no single flip lowers ``F`` (a local minimum)."""
        for _ in range(max_sweeps):
            new = self._output_sweep(y, b, c, math.inf)
            if torch.equal(new, y):
                return y
            y = new
        return y

    # ----- learning -------------------------------------------------------------------------------
    @torch.no_grad()
    def gradient(self, y: torch.Tensor, x: torch.Tensor, n_sweeps: int = 1, *,
                 chains: cdiv.PersistentChains | None = None, generator=None) -> CRBMGradient:
        r"""The CD-k estimate (``chains=None``) or PCD-k estimate (``chains``: one hidden state
        per row, updated in place) of ``∇ mean log p(y | x)``, ``k = n_sweeps``, with ``x``
        clamped.  The shared estimators give the gradient for the per-row biases ``b̂, ĉ``
        (Δb̂, Δĉ, (n, ·)); by the chain rule

        .. math:: \Delta b = \textstyle\sum_r \Delta\hat b_r, \quad \Delta A = x^\top \Delta\hat b, \quad
                  \Delta c = \textstyle\sum_r \Delta\hat c_r, \quad \Delta B = x^\top \Delta\hat c.

        Lecture 9 §3."""
        n = self._check(y=y, x=x)
        if chains is not None:
            self._check_chains(chains, n)
        biases = self.biases(x)
        if chains is None:
            grad, _ = cdiv.cd_gradient(self.rbm, y, n_sweeps, biases=biases, generator=generator)
        else:
            grad = cdiv.pcd_gradient(self.rbm, y, chains, n_sweeps, biases=biases, generator=generator)
        return CRBMGradient(grad.W, grad.b.sum(0), grad.c.sum(0),
                            None if self.A is None else x.T @ grad.b, x.T @ grad.c)

    def _check_chains(self, chains, n: int) -> None:
        """PCD chains with one hidden state per row (n of them)."""
        if not isinstance(chains, cdiv.PersistentChains):
            raise TypeError(f"chains: expected PersistentChains or None, got {describe(chains)}")
        self.rbm.check_hidden(chains.hidden, "chains.hidden")
        if chains.hidden.shape[0] != n:
            raise ValueError(f"chains: expected one chain per training example ({n} rows), "
                             f"got {describe(chains.hidden)}")

    def ascend_(self, grad: CRBMGradient, lr: float, weight_decay: float = 0.0) -> None:
        """``θ += lr · (Δθ − weight_decay · θ)`` for every parameter (no decay on the biases).
        Library only: the update of :func:`train_crbm`."""
        if not isinstance(grad, CRBMGradient):
            raise TypeError(f"grad: expected a CRBMGradient (from gradient()), got {describe(grad)}")
        for name in CRBMGradient._fields:
            param, step = getattr(self, name), getattr(grad, name)
            if param is None and step is not None:
                raise ValueError(f"grad.{name}: expected None (the model has no {name}), got {describe(step)}")
            if param is not None:
                check_same_shape(f"grad.{name}", step, param, f"the model's {name}")
        self._ascend(grad, check_positive_float("lr", lr), check_positive_float("weight_decay", weight_decay,
                                                                                allow_zero=True))

    @torch.no_grad()
    def _ascend(self, grad, lr, weight_decay):
        for param, step, decay in ((self.W, grad.W, weight_decay), (self.b, grad.b, 0.0), (self.c, grad.c, 0.0),
                                   (self.A, grad.A, weight_decay), (self.B, grad.B, weight_decay)):
            if param is not None:
                param.add_(step - decay * param if decay else step, alpha=lr)


def _log_z_per_row(p: torch.Tensor, q: torch.Tensor, M: torch.Tensor) -> torch.Tensor:
    """``logsumexp_s [p_r·s + Σ softplus(q_r + s M)]`` over the binary states ``s`` of the layer
    with biases ``p`` (n, d_s), for every row r; ``q`` (n, d_o), ``M`` (d_s, d_o).  Blocks of
    states and rows keep memory bounded.  (n,)."""
    d_s = p.shape[1]
    if d_s > MAX_ENUMERATED_UNITS:
        raise ValueError(f"exact log Z(x) enumerates the smaller layer; expected at most {MAX_ENUMERATED_UNITS} "
                         f"units in it, got {d_s} outputs and hidden units each")
    states = enumerate_states(d_s, dtype=p.dtype, device=p.device)
    rows = max(1, min(p.shape[0], _BLOCK // (len(states) * M.shape[1])))
    parts = []
    for s in states.split(max(1, _BLOCK // (rows * M.shape[1]))):
        sm = s @ M                                                                   # (S, d_o)
        per_rows = [(s @ pr.T).T + F.softplus(qr[:, None, :] + sm[None]).sum(-1)      # (rows, S)
                    for pr, qr in zip(p.split(rows), q.split(rows))]
        parts.append(torch.logsumexp(torch.cat(per_rows), 1))
    return torch.logsumexp(torch.stack(parts), 0)


def train_crbm(crbm: ConditionalRBM, y: torch.Tensor, x: torch.Tensor, *, method: str = "cd", n_sweeps: int = 1,
               lr: float = 0.05, batch_size: int = 20, epochs: int = 1, weight_decay: float = 0.0,
               shuffle: bool = True, chains: cdiv.PersistentChains | None = None, generator=None,
               callback=None) -> cdiv.PersistentChains | None:
    """Conditional training: minibatch ascent of ``mean log p(y | x)`` with CD-k (``method="cd"``)
    or PCD-k (``"pcd"``), ``k = n_sweeps``, ``x`` clamped (:meth:`ConditionalRBM.gradient`).
    PCD keeps **one chain per training example** (``chains`` (N, n_h), made when not given):
    each ``p(y | x_n)`` is its own distribution, so a chain can only continue for its own ``x_n``
    -- and it moves once per epoch.  ``callback(epoch, crbm)`` runs after each epoch; returns the
    chains (None for CD).  Lecture 9 §3."""
    if not isinstance(crbm, ConditionalRBM):
        raise TypeError(f"crbm: expected a ConditionalRBM, got {describe(crbm)}")
    n = crbm._check(y=y, x=x)
    cdiv.check_cd_arguments(method, epochs, batch_size, n_sweeps, lr)
    check_positive_float("weight_decay", weight_decay, allow_zero=True)
    check_generator("generator", generator, like=y)
    if method == "pcd":
        chains = chains if chains is not None else cdiv.PersistentChains(crbm.rbm, n)
        crbm._check_chains(chains, n)
    index = torch.arange(n, device=y.device)
    for epoch in range(epochs):
        for yb, xb, ib in batches((y, x, index), batch_size, shuffle=shuffle, generator=generator):
            rows = None if method == "cd" else cdiv.PersistentChains(crbm.rbm, len(ib), hidden=chains.hidden[ib])
            crbm._ascend(crbm.gradient(yb, xb, n_sweeps, chains=rows, generator=generator), lr, weight_decay)
            if rows is not None:
                chains.hidden[ib] = rows.hidden
        if callback is not None:
            callback(epoch, crbm)
    return chains if method == "pcd" else None
