r"""Annealed importance sampling (Neal, 2001), the model-independent parts.

AIS estimates ``Z_B`` of a hard model from a base model with known ``Z_A``
through intermediate distributions ``p_k ∝ p_A^{1-beta_k} p_B^{beta_k}``,
``0 = beta_0 < ... < beta_K = 1``. One run draws ``x_0 ~ p_A`` and then moves
with a Markov step that leaves ``p_k`` invariant, accumulating

.. math::

    \log w = \sum_{k=1}^{K} \big[\log p^*_k(x_{k-1}) - \log p^*_{k-1}(x_{k-1})\big],

and ``E[w] = Z_B / Z_A``. Many independent runs give ``log Z_B ≈ log Z_A +
log mean(w)``; the spread of ``w`` says how much to trust it (Lecture 8 §2 and §5).

The loop (:func:`ais_log_partition`) is the same for every model; a model takes part by
exposing its path, an object with the four methods of :class:`AnnealingPath` -- exact
draws from the base ``p_A``, ``log Z_A``, the unnormalised ``log p*_β`` and a Markov
transition that leaves ``p_β`` invariant.  The RBM's is
:meth:`energylab.models.BernoulliRBM.annealing_path`; a deep Boltzmann machine exposes
one the same way.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Protocol

import torch

from .._checks import check_device, check_dtype, check_generator, check_positive_int, check_tensor, describe

__all__ = ["AISResult", "AnnealingPath", "ais_log_partition", "beta_schedule", "summarize_ais"]


class AnnealingPath(Protocol):
    """What :func:`ais_log_partition` needs from a model: the path ``p_β``, β from 0 to 1.
    Lecture 8 §5 (the RBM); lecture 10 (the DBM).

    ``states`` are whatever the model samples (a (n_runs, n_v) tensor for an RBM, a tuple of
    layers for a DBM); every method is vectorised over the ``n_runs`` runs.
    """

    def sample_base(self, n_runs: int, *, generator=None):
        """``n_runs`` exact draws from the base model ``p_A = p_0``.  Lecture 8 §5."""

    def log_z_base(self) -> float:
        """``log Z_A``, known in closed form.  Lecture 8 §5."""

    def log_density(self, states, beta: float) -> torch.Tensor:
        """The unnormalised ``log p*_β(states)``, shape (n_runs,); ``p*_1`` is the model's.  Lecture 8 §5."""

    def transition(self, states, beta: float, *, generator=None):
        """One Markov step that leaves ``p_β`` invariant.  Lecture 8 §5."""


class AISResult(NamedTuple):
    """An AIS estimate of ``log Z`` (Lecture 8 §2 and §5).

    ``log_z`` is ``log Z_A + log mean(w)``; ``log_z_low``/``log_z_high`` are
    ``log(mean(w) -/+ 3 std(w)/sqrt(M))`` (the band of Salakhutdinov & Murray, 2008;
    the lower end is ``-inf`` when the band reaches zero); ``log_weights`` are the
    M per-run ``log w``.
    """

    log_z: float
    log_z_low: float
    log_z_high: float
    log_weights: torch.Tensor


def beta_schedule(n_betas: int, *, dtype=torch.float64, device=None) -> torch.Tensor:
    """Inverse temperatures from 0 to 1, shape (n_betas + 1,), denser near 1.
    Library only: the schedule of ais_log_partition (Lecture 8 §5), public for paths that run their own loop.

    Salakhutdinov & Murray (2008) use 500 steps on [0, 0.5], 4000 on [0.5, 0.9]
    and 10000 on [0.9, 1]; we keep those proportions for any ``n_betas`` >= 3.  Lecture 8 §5.
    """
    check_positive_int("n_betas", n_betas, minimum=3)
    dtype, device = check_dtype("dtype", dtype), check_device("device", device)
    n1 = max(1, round(n_betas * 500 / 14500))
    n2 = max(1, round(n_betas * 4000 / 14500))
    n3 = n_betas - n1 - n2
    pieces = [
        torch.linspace(0.0, 0.5, n1 + 1, dtype=dtype, device=device)[:-1],
        torch.linspace(0.5, 0.9, n2 + 1, dtype=dtype, device=device)[:-1],
        torch.linspace(0.9, 1.0, n3 + 1, dtype=dtype, device=device),
    ]
    return torch.cat(pieces)


def summarize_ais(log_weights: torch.Tensor, log_z_base: float) -> AISResult:
    """Turn per-run ``log w`` (M,) into the estimate and its 3-sigma band (log space).
    Library only: the last step of :func:`ais_log_partition`, public for paths that run their own loop."""
    check_tensor("log_weights", log_weights, ndim=1)
    if log_weights.numel() == 0:
        raise ValueError(f"log_weights: expected at least one run, got {describe(log_weights)}")
    if isinstance(log_z_base, bool) or not isinstance(log_z_base, (int, float)) or not math.isfinite(log_z_base):
        raise TypeError(f"log_z_base: expected a finite number, got {describe(log_z_base)}")
    m = log_weights.shape[0]
    shift = log_weights.max()
    w = (log_weights - shift).exp()  # rescaled weights, max = 1
    mean = w.mean()
    half_band = 3 * w.std(correction=1) / math.sqrt(m) if m > 1 else torch.zeros_like(mean)
    base = float(log_z_base) + shift.item()
    low = mean - half_band
    return AISResult(
        log_z=base + mean.log().item(),
        log_z_low=base + low.log().item() if low > 0 else -math.inf,
        log_z_high=base + (mean + half_band).log().item(),
        log_weights=log_weights,
    )


@torch.no_grad()
def ais_log_partition(path: AnnealingPath, *, n_betas: int = 1000, n_runs: int = 100,
                      generator: torch.Generator | None = None) -> AISResult:
    r"""AIS estimate of ``log Z`` along ``path`` (see :class:`AnnealingPath`): ``n_runs`` runs in
    parallel through the ``n_betas + 1`` inverse temperatures of :func:`beta_schedule`,

    .. math:: \log w \mathrel{+}= \log p^*_{\beta_k}(x) - \log p^*_{\beta_{k-1}}(x),
              \qquad x \leftarrow T_{\beta_k}(x),

    then :func:`summarize_ais`.  E.g. ``ais_log_partition(rbm.annealing_path(base_rate_bias(data)))``.
    Lecture 8 §2 and §5.
    """
    for method in ("sample_base", "log_z_base", "log_density", "transition"):
        if not callable(getattr(path, method, None)):
            raise TypeError(f"path: expected an AnnealingPath with a {method}() method "
                            f"(e.g. rbm.annealing_path()), got {describe(path)}")
    check_positive_int("n_runs", n_runs)
    check_generator("generator", generator)
    betas = beta_schedule(n_betas).tolist()
    x = path.sample_base(n_runs, generator=generator)
    log_w = 0.0
    for beta_prev, beta in zip(betas[:-1], betas[1:]):
        log_w = log_w + (path.log_density(x, beta) - path.log_density(x, beta_prev))
        x = path.transition(x, beta, generator=generator)
    return summarize_ais(log_w, path.log_z_base())
