r"""Metrics for image completion (Lecture 6 §6 and §10, homework 4).

:func:`completion_mse` compares one prediction with the truth and :func:`best_of_mse` the best
of S proposals.  Plain MSE rewards the average, which is optimal for it even when it is not a
plausible image; best-of-S asks "was the truth among what the model proposed?", which rewards
covering several modes.  :func:`nearest_completions` shows that the task is ambiguous: real
digits with almost the same visible pixels have different hidden ones.
"""
from __future__ import annotations

import torch

from .._checks import check_like, check_positive_int, check_tensor, describe

__all__ = ["completion_mse", "best_of_mse", "nearest_completions"]


def completion_mse(pred: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """Mean squared error per pixel, averaged over rows: ``mean_n mean_d (Ŷ − Y)²`` (a 0-d tensor).
    Lecture 6 §7."""
    check_tensor("truth", truth, ndim=2)
    check_like("pred", check_tensor("pred", pred, ndim=2), truth, "truth")
    if pred.shape != truth.shape:
        raise ValueError(f"pred: expected the shape of truth {tuple(truth.shape)}, got {describe(pred)}")
    return (pred - truth).pow(2).mean()


def best_of_mse(candidates: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """Best-of-S error: ``mean_n min_s mean_d (Ŷ_{s,n} − Y_n)²`` (a 0-d tensor).  Lecture 6 §10.

    ``candidates`` (S, N, D) are S proposals for each of the N rows of ``truth`` (N, D).
    With S = 1 it is :func:`completion_mse`.  A model that proposes several sharp,
    plausible completions scores well; one blurry average cannot improve with S.
    """
    check_tensor("truth", truth, ndim=2)
    check_like("candidates", check_tensor("candidates", candidates, ndim=3), truth, "truth")
    if candidates.shape[0] == 0 or candidates.shape[1:] != truth.shape:
        raise ValueError(f"candidates: expected shape (S, {truth.shape[0]}, {truth.shape[1]}) with S >= 1, "
                         f"got {describe(candidates)}")
    per_candidate = (candidates - truth).pow(2).mean(-1)                   # (S, N)
    return per_candidate.min(0).values.mean()


def nearest_completions(x: torch.Tensor, x_train: torch.Tensor, y_train: torch.Tensor, k: int = 5):
    """The ``k`` training examples whose visible pixels are closest to each row of ``x``.  Lecture 6 §6.

    Returns ``(index, distance)``, both (N, k), nearest first (Euclidean distance on the
    visible pixels).  ``y_train[index]`` (N, k, y_dim) are completions that real digits
    give to (almost) the same ``x``: when they differ, the completion is ambiguous.
    """
    check_tensor("x", x, ndim=2)
    check_like("x_train", check_tensor("x_train", x_train, ndim=2, last_dim=x.shape[1]), x, "x")
    if x_train.shape[0] == 0:
        raise ValueError(f"x_train: expected at least one training example, got {describe(x_train)}")
    for name, value in (("x", x), ("x_train", x_train)):    # the result is an index: no NaN may be ranked silently
        if not bool(value.isfinite().all()):
            raise ValueError(f"{name}: expected finite pixel values, a NaN or inf distance cannot be ranked")
    check_tensor("y_train", y_train, ndim=2)
    if y_train.shape[0] != x_train.shape[0]:
        raise ValueError(f"y_train: expected {x_train.shape[0]} rows like x_train, got {describe(y_train)}")
    check_positive_int("k", k)
    if k > x_train.shape[0]:
        raise ValueError(f"k: expected at most {x_train.shape[0]} (the training set size), got {k}")
    distance = torch.cdist(x, x_train)                                     # (N, N_train)
    nearest = distance.topk(k, dim=1, largest=False)
    return nearest.indices, nearest.values
