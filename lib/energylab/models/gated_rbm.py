r"""The factored gated (three-way) RBM: a model of how an input image ``x`` relates to an
output image ``y`` (Memisevic & Hinton, 2010) -- Lecture 9 §5–6.

Binary *mapping units* ``h`` (n_h) gate the connection between input pixels ``x`` (n_x) and
output pixels ``y`` (n_y).  A full three-way weight tensor ``W_{ijk}`` would have
``n_x n_y n_h`` entries; the factored model writes it as a sum of ``n_f`` rank-one terms,

.. math::

    W_{ijk} = \sum_f W_{if}\, U_{jf}\, V_{kf},

with *input filters* ``W`` (n_x, n_f), *output filters* ``U`` (n_y, n_f) and hidden-to-factor
weights ``V`` (n_h, n_f).  Each factor multiplies three filter responses:

.. math::

    E(y, h; x) = -\sum_f (x^\top W_{:f})\,(y^\top U_{:f})\,(h^\top V_{:f}) - c^\top h
                 + \begin{cases} \tfrac12 \lVert y - b \rVert^2 & \text{Gaussian } y \text{ (unit variance)} \\
                                 -b^\top y & \text{binary } y \end{cases}

Given ``x``, this is an RBM over ``(y, h)`` whose weights ``U \operatorname{diag}(x^\top W) V^\top``
depend on ``x`` -- the input *gates* the output–hidden weights.  With ``f^x = x^\top W``,
``f^y = y^\top U``, ``f^h = h^\top V`` (each (n_f,)):

.. math::

    p(h_k = 1 \mid x, y) &= \sigma\big(c_k + \textstyle\sum_f V_{kf} f^x_f f^y_f\big), \\
    p(y \mid x, h) &= \mathcal N\big(b + U (f^x \odot f^h),\ I\big) \quad\text{or}\quad
                      \prod_j \operatorname{Bernoulli}\big(\sigma(b + U (f^x \odot f^h))_j\big), \\
    F(y, x) &= -\log \sum_h e^{-E(y, h; x)}
             = \tfrac12 \lVert y - b\rVert^2 \;(\text{or } -b^\top y)
               - \sum_k \operatorname{softplus}\big(c_k + \textstyle\sum_f V_{kf} f^x_f f^y_f\big).

**Learning** is CD with ``x`` clamped: :func:`train_gated_rbm` pushes ``F(y, x)`` down on the
training pairs and up on ``y_k``, the end of a k-sweep block-Gibbs chain ``y -> h -> y``
started at the data -- :func:`energylab.train.fit` with its sampler hook.  (Unlike the
conditional RBM of :mod:`energylab.models.crbm`, the input changes the *weights* of the RBM,
not only its biases, so the gradient of ``F`` goes through the factors and autograd computes
it; ``tests/lib/test_crbm.py`` checks it against the three-way CD statistics.)

**Analogies.** The mapping units inferred from one pair, ``h = p(h | x, y)``, encode the
transformation; :meth:`FactoredGatedRBM.apply_transformation` applies them to a new image
``x'``: ``E[y' | x', h]``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import (check_device, check_dtype, check_generator, check_like, check_positive_float, check_positive_int,
                       check_rows, check_tensor, describe)
from ..samplers.gibbs_sampling import sample_bernoulli
from ..train.loop import History, fit

__all__ = ["FactoredGatedRBM", "train_gated_rbm"]

_OUTPUT_KINDS = ("gaussian", "binary")


class FactoredGatedRBM(nn.Module):
    """Factored gated RBM ``p(y, h | x)`` with Gaussian (unit variance) or binary outputs
    ``y``; the equations are in the module docstring.  Lecture 9 §5–6.

    Args:
        n_inputs, n_outputs: pixels of ``x`` and ``y``.
        n_factors: rank-one terms of the three-way tensor (filter pairs).
        n_hidden: mapping units ``h``.
        output: ``"gaussian"`` (unit variance: standardise the data first) or ``"binary"``.
        weight_scale: the filters start ``N(0, weight_scale²)``, the biases at 0.
        generator: randomness for the initial weights.
    """

    def __init__(self, n_inputs: int, n_outputs: int, n_factors: int, n_hidden: int, *,
                 output: str = "gaussian", weight_scale: float = 0.01, generator=None,
                 dtype=torch.float32, device=None):
        super().__init__()
        for name, value in (("n_inputs", n_inputs), ("n_outputs", n_outputs), ("n_factors", n_factors),
                            ("n_hidden", n_hidden)):
            check_positive_int(name, value)
        if output not in _OUTPUT_KINDS:
            raise ValueError(f"output: expected one of {_OUTPUT_KINDS}, got {describe(output)}")
        check_positive_float("weight_scale", weight_scale, allow_zero=True)
        check_generator("generator", generator)
        dtype, device = check_dtype("dtype", dtype), check_device("device", device)
        self.n_inputs, self.n_outputs, self.n_factors, self.n_hidden = n_inputs, n_outputs, n_factors, n_hidden
        self.output = output

        def weights(*shape):
            return nn.Parameter(torch.randn(*shape, generator=generator, dtype=dtype, device=device) * weight_scale)

        self.W = weights(n_inputs, n_factors)     # input filters
        self.U = weights(n_outputs, n_factors)    # output filters
        self.V = weights(n_hidden, n_factors)     # hidden-to-factor weights
        self.b = nn.Parameter(torch.zeros(n_outputs, dtype=dtype, device=device))
        self.c = nn.Parameter(torch.zeros(n_hidden, dtype=dtype, device=device))

    # ----- checks -------------------------------------------------------------------------
    def _check(self, **named) -> int:
        """The named tensors as (n, size) rows of one batch; returns n."""
        sizes = {"x": self.n_inputs, "x_new": self.n_inputs, "y": self.n_outputs, "h": self.n_hidden}
        n = check_rows(sizes, **named)
        for name, value in named.items():
            check_like(name, value, self.b, "the model's parameters")
        return n

    # ----- energies -----------------------------------------------------------------------
    def interaction_tensor(self) -> torch.Tensor:
        """The three-way weights ``W_ijk = Σ_f W_if U_jf V_kf``, shape (n_x, n_y, n_h).
        Library only (the test oracle; never formed in computations).  Lecture 9 §5."""
        return torch.einsum("if,jf,kf->ijk", self.W, self.U, self.V)

    def _output_term(self, y: torch.Tensor) -> torch.Tensor:
        """``½‖y − b‖²`` (Gaussian) or ``−bᵀy`` (binary), shape (B,)."""
        return 0.5 * ((y - self.b) ** 2).sum(-1) if self.output == "gaussian" else -(y @ self.b)

    def energy(self, y: torch.Tensor, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``E(y, h; x) = −Σ_f f^x_f f^y_f f^h_f − cᵀh + (½‖y − b‖² or −bᵀy)``, shape (B,).  Lecture 9 §5."""
        self._check(y=y, h=h, x=x)
        three_way = ((x @ self.W) * (y @ self.U) * (h @ self.V)).sum(-1)
        return -three_way - h @ self.c + self._output_term(y)

    def hidden_input(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The mapping units' total input ``c + (f^x ⊙ f^y) Vᵀ``, shape (B, n_h).  Lecture 9 §5."""
        self._check(y=y, x=x)
        return torch.addmm(self.c, (x @ self.W) * (y @ self.U), self.V.T)

    def free_energy(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``F(y, x) = (½‖y − b‖² or −bᵀy) − Σ_k softplus(c_k + Σ_f V_kf f^x_f f^y_f)``, shape (B,).
        Lecture 9 §5."""
        hidden = self.hidden_input(y, x)           # checks y and x
        return self._output_term(y) - F.softplus(hidden).sum(-1)

    # ----- conditionals and block Gibbs with x clamped --------------------------------------
    def hidden_probs(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``p(h_k = 1 | x, y)``, shape (B, n_h): the transformation the pair shows.  Lecture 9 §5."""
        return torch.sigmoid(self.hidden_input(y, x))

    def output_mean(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``E[y | x, h]``: ``b + U (f^x ⊙ f^h)`` (Gaussian) or its sigmoid (binary), (B, n_y).
        Lecture 9 §5."""
        self._check(h=h, x=x)
        pre = torch.addmm(self.b, (x @ self.W) * (h @ self.V), self.U.T)
        return pre if self.output == "gaussian" else torch.sigmoid(pre)

    def sample_output(self, h: torch.Tensor, x: torch.Tensor, *, generator=None) -> torch.Tensor:
        """``y ~ p(y | x, h)``: ``N(mean, I)`` or Bernoulli, shape (B, n_y).  Lecture 9 §5."""
        mean = self.output_mean(h, x)
        if self.output == "binary":
            return sample_bernoulli(mean, generator=generator)
        return mean + torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)

    @torch.no_grad()
    def gibbs(self, y: torch.Tensor, x: torch.Tensor, n_sweeps: int = 1, *, generator=None) -> torch.Tensor:
        """``n_sweeps`` block-Gibbs sweeps ``h ~ p(h | x, y)``, ``y ~ p(y | x, h)`` with ``x``
        clamped; returns the final ``y``.  Lecture 9 §5."""
        self._check(y=y, x=x)
        check_positive_int("n_sweeps", n_sweeps, minimum=0)
        check_generator("generator", generator, like=y)
        for _ in range(n_sweeps):
            h = sample_bernoulli(self.hidden_probs(y, x), generator=generator)
            y = self.sample_output(h, x, generator=generator)
        return y

    # ----- analogies -------------------------------------------------------------------------
    @torch.no_grad()
    def infer_transformation(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The mapping units ``p(h | x, y)`` (B, n_h) of the pairs ``x -> y``.  Lecture 9 §6."""
        return self.hidden_probs(y, x)

    @torch.no_grad()
    def apply_transformation(self, h: torch.Tensor, x_new: torch.Tensor) -> torch.Tensor:
        """The output ``E[y' | x', h]`` (B, n_y) of transformation ``h`` applied to new images
        ``x_new`` -- row r of ``h`` to row r of ``x_new``.  Lecture 9 §6."""
        self._check(x_new=x_new, h=h)
        return self.output_mean(h, x_new)


def train_gated_rbm(model: FactoredGatedRBM, x: torch.Tensor, y: torch.Tensor, *, n_sweeps: int = 1,
                    epochs: int = 10, lr: float = 1e-3, batch_size: int = 100, weight_decay: float = 0.0,
                    optimizer: torch.optim.Optimizer | None = None, generator=None, progress: bool = False,
                    callback=None) -> History:
    r"""CD-k (``k = n_sweeps``) with ``x`` clamped, by :func:`energylab.train.fit` (shuffled
    minibatches; ``optimizer`` defaults to Adam at ``lr``).  Each step draws ``y_k`` by
    ``n_sweeps`` block-Gibbs sweeps from the batch's ``y`` (the sampler hook) and minimises

    .. math:: \overline{F(y, x)} - \overline{F(y_k, x)}
              + \tfrac{\lambda}{2}\,(\lVert W\rVert^2 + \lVert U\rVert^2 + \lVert V\rVert^2),

    whose gradient is minus the CD estimate of the conditional log-likelihood gradient;
    ``λ = weight_decay``.  Logs ``loss`` and ``gap`` (the free-energy difference alone) per
    epoch.  Lecture 9 §5.
    """
    if not isinstance(model, FactoredGatedRBM):
        raise TypeError(f"model: expected a FactoredGatedRBM, got {describe(model)}")
    if check_tensor("x", x, ndim=2).shape[0] == 0:
        raise ValueError(f"x: expected at least one training pair, got {describe(x)}")
    model._check(x=x, y=y)
    check_positive_int("n_sweeps", n_sweeps)
    check_positive_float("weight_decay", weight_decay, allow_zero=True)
    check_generator("generator", generator, like=x)

    def sample(m, xb, yb):
        return m.gibbs(yb, xb, n_sweeps, generator=generator)

    def loss(m, xb, yb, y_model):
        gap = m.free_energy(yb, xb).mean() - m.free_energy(y_model, xb).mean()
        decay = 0.5 * weight_decay * sum(p.pow(2).sum() for p in (m.W, m.U, m.V)) if weight_decay else 0.0
        return {"loss": gap + decay, "gap": gap}

    return fit(model, loss, (x, y), epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer,
               sample=sample, generator=generator, progress=progress, callback=callback)
