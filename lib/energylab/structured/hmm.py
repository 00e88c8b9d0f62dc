r"""Hidden Markov models as chain energies: EM (Baum–Welch) and variational Bayes (Lecture 5 §3.1).

An HMM over tags ``y_t in {0 .. K-1}`` and symbols ``x_t in {0 .. V-1}`` has
``p(x, y | theta) = pi(y_1) prod_t A(y_{t-1}, y_t) prod_t B(y_t, x_t)``.  Its energy is a chain
energy (:mod:`.chain`) with start ``S = -log pi``, transitions ``W = -log A`` and unary energies
``U_t(c) = -log B(c, x_t)``:

.. math::

    E(y, x) = -\log p(x, y \mid \theta), \qquad \log Z(x) = \log p(x \mid \theta) \quad (\beta = 1),

so the forward algorithm of :mod:`.inference` is the likelihood, and because
``log p(x, y | theta) = sum_theta n_theta(y) log theta`` (``n_theta`` the number of times a
parameter is used), the gradient of ``log Z`` with respect to ``log theta`` is the posterior
expected count ``E_{p(y | x)}[n_theta]`` -- forward-backward by autograd (:func:`expected_counts`).

* **EM** (:func:`baum_welch`) maximises ``log p(x | theta)``: E-step the expected counts, M-step
  ``theta = counts / row sums``.  It is coordinate ascent on the ELBO
  ``L(q, theta) = E_q[log p(x, y | theta)] + H(q) <= log p(x | theta)``, tight after each E-step
  (Neal & Hinton 1998), so the log-likelihood never decreases.
* **Variational Bayes** (:func:`variational_bayes`) puts Dirichlet priors on the rows of
  ``pi, A, B`` and keeps a mean-field posterior ``q(y) q(theta)``.  ``q(theta)`` is Dirichlet with
  ``alpha = prior + expected counts``; ``q(y)`` is the chain with the *expected* log-parameters
  ``E_q[log theta] = psi(alpha) - psi(sum alpha)`` (which sum to less than one).  After each
  ``q(y)`` update the bound is exact (MacKay 1997; Beal 2003, ch. 3):

  .. math::

      \log p(x) \;\ge\; \mathcal L(q) = \log \tilde Z(x) - \mathrm{KL}\big(q(\theta)\,\|\,p(\theta)\big),

  ``log Z~`` the forward algorithm with the expected log-parameters.  Each update raises it.

Padded positions (``t >= lengths[b]``) may hold any symbol (e.g. ``PAD``); they never count.
"""
from __future__ import annotations

import itertools
from typing import NamedTuple

import torch

from .._checks import check_generator, check_integer_tensor, check_like, check_positive_int, check_tensor, describe
from .chain import PAD, check_lengths, mask_from_lengths
from .inference import log_partition

__all__ = ["HMM", "Counts", "sample_hmm", "expected_counts", "maximise", "baum_welch",
           "expected_log_parameters", "dirichlet_kl", "variational_bayes", "match_states"]


class HMM(NamedTuple):
    r"""An HMM's log-parameters (Lecture 5 §3.1): ``log_start`` (K,), ``log_transitions`` (K, K)
    (row ``i``: ``log A(i, .)``), ``log_emissions`` (K, V).  For variational Bayes they are the
    expected log-parameters ``E_q[log theta]``, whose rows sum (after ``exp``) to less than one."""

    log_start: torch.Tensor
    log_transitions: torch.Tensor
    log_emissions: torch.Tensor

    def potentials(self, x: torch.Tensor, lengths=None) -> dict:
        """The chain energy ``E(y, x) = -log p(x, y)`` of symbols ``x`` (B, N): ``dict(unary, transitions,
        start)`` for the functions of :mod:`.inference` (Lecture 5 §3.1)."""
        _check_parameters("hmm", self, HMM)
        v = self.log_emissions.shape[1]
        _check_symbols(x, v)
        lengths = check_lengths(lengths, x.shape[0], x.shape[1], x.device)
        safe = torch.where(mask_from_lengths(lengths, x.shape[1]), x, 0)         # padding -> symbol 0, inert
        if safe.numel() and (int(safe.min()) < 0 or int(safe.max()) >= v):
            raise ValueError(f"x: expected symbols in [0, {v - 1}] before each length, got {x.tolist()}")
        unary = -self.log_emissions.t()[safe]                                     # (B, N, K)
        return dict(unary=unary, transitions=-self.log_transitions, start=-self.log_start)


class Counts(NamedTuple):
    """Counts with the shapes of an HMM's parameters (Lecture 5 §3.1): ``start`` (K,), ``transitions``
    (K, K), ``emissions`` (K, V) -- expected counts, or the concentrations of Dirichlet rows."""

    start: torch.Tensor
    transitions: torch.Tensor
    emissions: torch.Tensor


def _check_symbols(x, v: int) -> None:
    check_integer_tensor("x", x, ndim=2, what="an integer tensor of symbols (B, N)")


def _check_parameters(name: str, params, kind: type) -> None:
    """``params`` a ``kind`` (:class:`HMM` or :class:`Counts`) of floating tensors (K,), (K, K), (K, V)."""
    if not isinstance(params, kind):
        raise TypeError(f"{name}: expected an energylab.structured.{kind.__name__}, got {describe(params)}")
    for field, value in zip(kind._fields, params):
        check_tensor(f"{name}.{field}", value)
    k = params[0].shape[0] if params[0].dim() == 1 else -1
    v = params[2].shape[1] if params[2].dim() == 2 else -1
    for field, value, shape in zip(kind._fields, params, [(k,), (k, k), (k, v)]):
        if k < 1 or v < 1 or tuple(value.shape) != shape:
            raise ValueError(f"{name}.{field}: expected shapes (K,), (K, K), (K, V) across {kind._fields}, "
                             f"got {describe(value)}")


def _check_positive(name: str, counts: Counts, *, zero_ok: bool) -> None:
    """Every entry of ``counts`` > 0 (Dirichlet concentrations), or >= 0 (counts, probabilities) with ``zero_ok``."""
    _check_parameters(name, counts, Counts)
    for field, value in zip(Counts._fields, counts):
        if not bool(((value >= 0) if zero_ok else (value > 0)).all()):
            wanted = "counts >= 0" if zero_ok else "Dirichlet concentrations > 0"
            raise ValueError(f"{name}.{field}: expected {wanted}, got {value.tolist()}")


def sample_hmm(probabilities: Counts, n: int, *, length: tuple[int, int] = (6, 12),
               generator: torch.Generator | None = None):
    """``n`` sequences ``(x, y, lengths)`` from an HMM given by its ``probabilities`` (a :class:`Counts`
    of normalised rows): symbols ``x`` (n, N) and tags ``y`` (n, N) with ``PAD`` after each length,
    lengths uniform in ``length``  (Lecture 5 §3.1)."""
    check_positive_int("n", n)
    check_generator("generator", generator)
    _check_positive("probabilities", probabilities, zero_ok=True)
    for field, value in zip(Counts._fields, probabilities):
        if not bool((value.sum(-1) > 0).all() and value.isfinite().all()):
            raise ValueError(f"probabilities.{field}: expected finite rows with a positive sum, got {value.tolist()}")
    if not (isinstance(length, tuple) and len(length) == 2 and all(type(n) is int for n in length)
            and 1 <= length[0] <= length[1]):
        raise ValueError(f"length: expected (shortest, longest) with 1 <= shortest <= longest, got {describe(length)}")
    pi, a, b = probabilities
    longest = length[1]
    y = torch.empty(n, longest, dtype=torch.long)
    y[:, 0] = torch.multinomial(pi.expand(n, -1), 1, generator=generator).squeeze(1)
    for t in range(1, longest):                                     # all chains at once
        y[:, t] = torch.multinomial(a[y[:, t - 1]], 1, generator=generator).squeeze(1)
    x = torch.multinomial(b[y.flatten()], 1, generator=generator).view(n, longest)
    lengths = torch.randint(length[0], longest + 1, (n,), generator=generator)
    pad = ~mask_from_lengths(lengths, longest)
    return x.masked_fill(pad, PAD), y.masked_fill(pad, PAD), lengths


def expected_counts(hmm: HMM, x: torch.Tensor, lengths=None) -> tuple[Counts, torch.Tensor]:
    r"""The E-step (Lecture 5 §3.1): posterior expected counts ``E_{p(y | x)}[n_theta]`` summed over the
    batch, and ``log Z(x)`` (B,) (``= log p(x | theta)`` for normalised parameters).

    ``n_theta = d log Z / d log theta``: the gradient of the forward algorithm is forward-backward.
    """
    _check_parameters("hmm", hmm, HMM)
    with torch.enable_grad():
        leaves = [p.detach().requires_grad_(True) for p in hmm]
        log_z = log_partition(**HMM(*leaves).potentials(x, lengths), lengths=lengths)
        grads = torch.autograd.grad(log_z.sum(), leaves)
    return Counts(*grads), log_z.detach()


def maximise(counts: Counts) -> HMM:
    """The M-step (Lecture 5 §3.1): each row of ``theta`` = its counts / their sum, as log-parameters
    (a row that was never used gets ``-inf`` everywhere: its state is unreachable)."""
    _check_positive("counts", counts, zero_ok=True)
    return HMM(*(torch.log(c / c.sum(-1, keepdim=True).clamp_min(torch.finfo(c.dtype).tiny)) for c in counts))


def baum_welch(x: torch.Tensor, init: HMM, lengths=None, *, n_steps: int = 50) -> tuple[HMM, list[float]]:
    """EM for an HMM (Lecture 5 §3.1): ``n_steps`` of E-step + M-step from ``init``.  Returns the last
    parameters and ``log p(x | theta)`` (summed over the batch) before each M-step -- never decreasing."""
    check_positive_int("n_steps", n_steps)
    _check_parameters("init", init, HMM)
    hmm, history = init, []
    for _ in range(n_steps):
        counts, log_z = expected_counts(hmm, x, lengths)
        history.append(float(log_z.sum()))
        hmm = maximise(counts)
    return hmm, history


def expected_log_parameters(alpha: Counts) -> HMM:
    r"""``E_q[log theta] = psi(alpha) - psi(sum_row alpha)`` for Dirichlet rows ``alpha`` (Lecture 5 §3.1).
    Library only: a step of :func:`variational_bayes`, public so that the tests can check it."""
    _check_positive("alpha", alpha, zero_ok=False)
    return HMM(*(torch.digamma(a) - torch.digamma(a.sum(-1, keepdim=True)) for a in alpha))


def dirichlet_kl(alpha: Counts, prior: Counts) -> torch.Tensor:
    r"""``sum_rows KL(Dir(alpha) || Dir(prior))`` (Lecture 5 §3.1):
    ``log Gamma(a_0) - sum log Gamma(a) - log Gamma(b_0) + sum log Gamma(b)
    + sum (a - b)(psi(a) - psi(a_0))`` per row, ``a_0 = sum a``.  Library only: the ELBO's penalty in
    :func:`variational_bayes`, public so that the tests can check it."""
    _check_positive("alpha", alpha, zero_ok=False)
    _check_positive("prior", prior, zero_ok=False)
    for field, a, b in zip(Counts._fields, alpha, prior):
        check_like(f"alpha.{field}", a, b, f"prior.{field}")
        if a.shape != b.shape:
            raise ValueError(f"alpha.{field}: expected the shape of prior.{field} {tuple(b.shape)}, got {describe(a)}")
    total = 0.0
    for a, b in zip(alpha, prior):
        a0, b0 = a.sum(-1), b.sum(-1)
        row = (torch.lgamma(a0) - torch.lgamma(a).sum(-1) - torch.lgamma(b0) + torch.lgamma(b).sum(-1)
               + ((a - b) * (torch.digamma(a) - torch.digamma(a0).unsqueeze(-1))).sum(-1))
        total = total + row.sum()
    return total


def variational_bayes(x: torch.Tensor, prior: Counts, init: HMM, lengths=None, *, n_steps: int = 50
                      ) -> tuple[Counts, list[float]]:
    r"""Mean-field variational Bayes for an HMM with Dirichlet priors (Lecture 5 §3.1).

    Starting from the expected counts under ``init``, repeat: ``q(theta)``: ``alpha = prior + counts``;
    ``q(y)``: the counts and ``log Z~`` under ``E_q[log theta]``; record the ELBO
    ``log Z~ - KL(q(theta) || p(theta))``.  Returns the last ``alpha`` and the ELBO of every step
    (never decreasing).  Every ``prior`` concentration must be > 0.
    """
    check_positive_int("n_steps", n_steps)
    _check_parameters("init", init, HMM)
    _check_positive("prior", prior, zero_ok=False)
    counts, _ = expected_counts(init, x, lengths)
    history = []
    for _ in range(n_steps):
        alpha = Counts(*(p + c for p, c in zip(prior, counts)))
        counts, log_z = expected_counts(expected_log_parameters(alpha), x, lengths)
        history.append(float(log_z.sum() - dirichlet_kl(alpha, prior)))
    return alpha, history


def match_states(predicted: torch.Tensor, truth: torch.Tensor) -> list[int]:
    """The relabelling ``perm`` of learned states maximising ``#{perm[predicted] == truth}`` over
    tag tensors of one shape (``PAD`` entries ignored) (Lecture 5 §3.1): unsupervised EM names its
    states arbitrarily.  Tries all permutations (K <= 8)."""
    for name, tags in (("predicted", predicted), ("truth", truth)):
        check_integer_tensor(name, tags, what="an integer tensor of tags")
    if predicted.shape != truth.shape:
        raise ValueError(f"predicted: expected the shape of truth {tuple(truth.shape)}, got {describe(predicted)}")
    keep = (truth != PAD) & (predicted != PAD)
    for name, tags in (("predicted", predicted), ("truth", truth)):
        if bool(((tags < 0) & (tags != PAD)).any()) or (bool(keep.any()) and int(tags[keep].max()) >= 8):
            raise ValueError(f"{name}: expected tags in [0, 7] (at most 8 states for the exhaustive search) "
                             f"or PAD={PAD}, got {tags.tolist()}")
    k = int(max(predicted[keep].max(), truth[keep].max())) + 1 if bool(keep.any()) else 1
    confusion = torch.zeros(k, k, dtype=torch.long)
    confusion.index_put_((predicted[keep].cpu(), truth[keep].cpu()), torch.ones((), dtype=torch.long), accumulate=True)
    best = max(itertools.permutations(range(k)), key=lambda perm: sum(int(confusion[i, perm[i]]) for i in range(k)))
    return list(best)
