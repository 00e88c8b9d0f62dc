r"""Integrated training of DTW with the recogniser (Lecture 5 §4.1): templates and frame features
learned *through* the alignment.

A recording ``x = (x_1 .. x_N)`` (frames in ``R^D``) is compared with one template
``m_y = (m_{y,1} .. m_{y,M})`` per class ``y``.  The frame cost weighs the channels by
relevances ``lambda_d >= 0`` (``sum_d lambda_d = D``; all ones is the plain squared distance):

.. math::

    c_y[i, j] = \sum_d \lambda_d\, (x_{i,d} - m_{y,j,d})^2, \qquad
    E(y, x, z) = \sum_{(i, j) \in z} c_y[i, j], \qquad
    F_\beta(y, x) = -\frac1\beta \log \sum_z e^{-\beta E(y, x, z)}
    \;\xrightarrow{\beta\to\infty}\; \min_z E(y, x, z),

``z`` running over the monotone alignments of :mod:`.dtw`.  A **fixed** DTW recogniser stores one
recording per class as its template and answers ``argmin_y F(y, x)``.  **Integrated training**
(the LVQ2 idea applied through the alignment; Bottou's and LeCun's DTW-trained speech
recognisers, LeCun et al. 1998, §VIII) makes the templates and relevances parameters and
minimises a margin loss between the correct class and the most offending wrong one:

.. math::

    \mathcal L = \max\big(0,\; m + F(y, x) - \min_{\bar y \ne y} F(\bar y, x)\big).

The gradient goes *through the min over alignments*: ``dF / dc[i, j]`` is the indicator of the
best alignment (``beta = inf``) or the expected alignment ``p_beta(z \ni (i, j))`` (finite
``beta``, soft-DTW), so each template frame moves towards the frames it is aligned with in
recordings of its own class and away from those of the most offending class.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .. import losses as zoo
from .._checks import check_beta, check_bool, check_positive_float, check_tensor, describe
from .chain import check_lengths, mask_from_lengths
from .dtw import accumulate
from .semiring import Semiring

__all__ = ["dtw_free_energy", "DTWRecogniser"]


def dtw_free_energy(cost: torch.Tensor, lengths=None, *, beta: float = math.inf) -> torch.Tensor:
    r"""``F_beta = -(1/beta) log sum_z exp(-beta sum_{(i,j) in z} c[i, j])``: (B,) (Lecture 5 §4.1).

    ``cost`` (B, N, M); alignments run from ``(0, 0)`` to ``(L_b - 1, M - 1)`` (``lengths`` (B,),
    default ``N``: the rows after ``L_b`` are padding and never enter).  ``beta = inf`` is the DTW
    distance ``min_z E`` (:func:`.dtw.dtw`), finite ``beta`` soft-DTW (Cuturi & Blondel 2017).
    Differentiable: ``dF / dc[i, j]`` is the best path's indicator at ``beta = inf`` and the
    probability that the alignment visits ``(i, j)`` at finite ``beta``.
    """
    check_tensor("cost", cost, ndim=3)
    beta = check_beta("beta", beta)
    b, n, m = cost.shape
    if n == 0 or m == 0:
        raise ValueError(f"cost: expected shape (B, N, M) with N, M >= 1, got {describe(cost)}")
    lengths = check_lengths(lengths, b, n, cost.device)
    valid = mask_from_lengths(lengths, n).unsqueeze(2)                  # (B, N, 1)
    cost = torch.where(valid, cost, cost.new_zeros(()))                # padding is inert
    big = accumulate(cost, Semiring(beta))                             # (B, N + 1, M + 1)
    return big[torch.arange(b, device=cost.device), lengths, m]


class DTWRecogniser(nn.Module):
    r"""Template matching by DTW with learnable templates and channel relevances (Lecture 5 §4.1).

    ``templates`` (K, M, D): one template of ``M`` frames per class (a copy becomes the
    parameter).  ``learn_relevances=False`` keeps ``lambda = 1`` (the plain squared distance).
    The relevances are ``lambda = D softmax(theta)``: positive and summing to ``D``, so they can
    re-weight the channels but not shrink every energy towards zero (which would make any
    margin cheap).
    """

    def __init__(self, templates: torch.Tensor, *, learn_relevances: bool = True):
        super().__init__()
        check_tensor("templates", templates, ndim=3)
        if templates.shape[0] == 0 or templates.shape[1] == 0:
            raise ValueError(f"templates: expected (K, M, D) with K, M >= 1, got {describe(templates)}")
        check_bool("learn_relevances", learn_relevances)
        self.templates = nn.Parameter(templates.detach().clone())
        d = templates.shape[2]
        self.theta = nn.Parameter(templates.new_zeros(d), requires_grad=learn_relevances)

    @property
    def relevances(self) -> torch.Tensor:
        """The channel weights ``lambda = D softmax(theta)``: (D,) (Lecture 5 §4.1)."""
        return self.theta.shape[0] * torch.softmax(self.theta, 0)

    def frame_costs(self, x: torch.Tensor) -> torch.Tensor:
        """``c_y[i, j] = sum_d lambda_d (x_{i,d} - m_{y,j,d})^2`` for recordings ``x`` (B, N, D):
        (B, K, N, M) (Lecture 5 §4.1)."""
        check_tensor("x", x, ndim=3, last_dim=self.templates.shape[2])
        if x.dtype != self.templates.dtype or x.device != self.templates.device:
            raise TypeError(f"x: expected dtype {self.templates.dtype} on {self.templates.device} like the "
                            f"templates, got {describe(x)}")
        diff = x[:, None, :, None, :] - self.templates[None, :, None, :, :]   # (B, K, N, M, D)
        return (diff ** 2 * self.relevances).sum(-1)

    def free_energies(self, x: torch.Tensor, lengths=None, *, beta: float = math.inf) -> torch.Tensor:
        """``F_beta(y, x)`` for every class ``y``: (B, K) (Lecture 5 §4.1)."""
        cost = self.frame_costs(x)
        b, k, n, m = cost.shape
        lengths = check_lengths(lengths, b, n, x.device)
        free = dtw_free_energy(cost.reshape(b * k, n, m), lengths.repeat_interleave(k), beta=beta)
        return free.view(b, k)

    @torch.no_grad()
    def classify(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        """``argmin_y F(y, x)``: (B,) class indices (Lecture 5 §4.1)."""
        free = self.free_energies(x, lengths)
        if not bool((free.isfinite().any(1) & ~free.isnan().any(1)).all()):
            raise ValueError("x: expected recordings with a finite, non-NaN free energy for some class "
                             f"(NaN or inf frames?), got free energies {free.tolist()}")
        return free.argmin(1)

    def loss(self, y: torch.Tensor, x: torch.Tensor, lengths=None, *, margin: float = 1.0,
             beta: float = math.inf) -> torch.Tensor:
        r"""Mean of ``max(0, m + F(y, x) - min_{y' != y} F(y', x))`` (Lecture 5 §4.1), the hinge of
        :func:`energylab.losses.hinge_loss` on the most offending wrong class."""
        check_positive_float("margin", margin, allow_zero=True)
        free = self.free_energies(x, lengths, beta=beta)                # (B, K)
        if not isinstance(y, torch.Tensor) or y.is_floating_point() or tuple(y.shape) != (free.shape[0],):
            raise TypeError(f"y: expected an integer tensor of shape ({free.shape[0]},), got {describe(y)}")
        if bool(((y < 0) | (y >= free.shape[1])).any()):
            raise ValueError(f"y: expected classes in [0, {free.shape[1] - 1}], got {y.tolist()}")
        correct = free.gather(1, y[:, None]).squeeze(1)
        wrong = free.scatter(1, y[:, None], math.inf).amin(1)           # the most offending wrong class
        return zoo.hinge_loss(correct, wrong, margin)
