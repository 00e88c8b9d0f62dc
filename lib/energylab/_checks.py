"""Argument checks shared by the library: every message names the argument,
what was expected and what came.  Library only.

The library's rules for bad input (tests/lib/test_bad_inputs.py walks every public function
with bad inputs of each kind and holds the library to them):

* **Types and shapes** are checked on entry: a wrong Python type is a ``TypeError``, a wrong
  shape, size or out-of-range number a ``ValueError``; the message names the argument, says
  what was expected and what came.
* **dtype and device: never a silent cast.**  A tensor that meets a model's parameters (or
  another tensor argument) must have their dtype and device; otherwise a ``TypeError`` says
  which dtype and device were expected and how to convert (:func:`check_like`).  Casting
  silently would hide a float64 -> float32 precision loss or a host-device copy per call.
* **NaN in, NaN out.**  Tensor *values* are not scanned on the way in (a pass over the data
  and, on a GPU, a synchronisation per call): a NaN in a tensor argument propagates to the
  floating-point results that depend on it -- energies, free energies, probabilities,
  log-likelihoods, gradients, losses, and the samples drawn from a NaN probability.  Where a
  result is discrete (a decoded path, an index, a count) or a NaN would be lost silently, the
  function checks its values and raises a ``ValueError`` instead; so do functions whose
  argument values must be discrete (labels, lengths, ±1 spins, 0/1 states).  Infinities are
  ordinary values where they mean something (an infinite energy forbids a state).
* **Scalar settings** (step sizes, learning rates, temperatures) must be finite real numbers
  in range: ``inf`` and NaN are rejected, except ``beta=math.inf`` where zero temperature is
  defined.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch


def describe(value) -> str:
    """A short description of a value for error messages."""
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {tuple(value.shape)}, dtype {value.dtype}, device {value.device}"
    return f"{type(value).__name__} {value!r}"[:200]


def check_tensor(
    name: str,
    value,
    *,
    ndim: int | Sequence[int] | None = None,
    last_dim: int | None = None,
    floating: bool = True,
) -> torch.Tensor:
    """Check that ``value`` is a tensor with the given number of dimensions,
    last dimension and a floating dtype; return it unchanged."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {describe(value)}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name}: expected a floating-point tensor, got {describe(value)}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if value.dim() not in allowed:
            wanted = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name}: expected {wanted} dimensions, got {describe(value)}")
    if last_dim is not None and (value.dim() == 0 or value.shape[-1] != last_dim):
        raise ValueError(f"{name}: expected last dimension {last_dim}, got {describe(value)}")
    return value


def check_integer_tensor(name: str, value, *, ndim: int | Sequence[int] | None = None,
                         last_dim: int | None = None, what: str = "an integer tensor") -> torch.Tensor:
    """Check that ``value`` is a tensor of integers (labels, indices, lengths: not floating, complex
    or bool) with the given number of dimensions and last dimension; return it unchanged."""
    if (not isinstance(value, torch.Tensor) or value.is_floating_point() or value.is_complex()
            or value.dtype == torch.bool):
        raise TypeError(f"{name}: expected {what}, got {describe(value)}")
    return check_tensor(name, value, ndim=ndim, last_dim=last_dim, floating=False)


def check_rows(sizes: dict, **tensors: torch.Tensor) -> int:
    """Check that each named tensor is (n, sizes[name]) floating, all with the same n; return n.
    E.g. ``check_rows({"x": 3, "y": 5}, y=y, x=x)`` (the conditional models of lecture 9)."""
    first = None
    for name, value in tensors.items():
        check_tensor(name, value, ndim=2, last_dim=sizes[name])
        if first is not None and value.shape[0] != first[1]:
            raise ValueError(f"{name}: expected {first[1]} rows like {first[0]}, got {describe(value)}")
        first = first or (name, value.shape[0])
    return first[1]


def check_positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Check that ``value`` is an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum}, got {describe(value)}")
    return value


def check_index(name: str, value, size: int, *, what: str = "an index") -> int:
    """Check that ``value`` is an int (not a bool) in ``[0, size)``: ``what`` into ``size`` things
    (a layer, a unit, an answer)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected {what} (an int in [0, {size - 1}]), got {describe(value)}")
    if not 0 <= value < size:
        raise ValueError(f"{name}: expected {what} in [0, {size - 1}], got {value}")
    return value


def check_positive_float(name: str, value, *, allow_zero: bool = False) -> float:
    """Check that ``value`` is a finite real number > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number, got {describe(value)}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: expected a finite number {bound}, got {value!r}")
    return float(value)


def check_real(name: str, value, *, none_ok: bool = False) -> float | None:
    """Check that ``value`` is a finite real number of any sign (or None with ``none_ok``): the
    ends of a colour scale, a viewing angle."""
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number{' or None' if none_ok else ''}, got {describe(value)}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


def check_probability(name: str, value) -> float:
    """Check that ``value`` is a real number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a probability (a number in [0, 1]), got {describe(value)}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name}: expected a probability in [0, 1], got {value!r}")
    return float(value)


def check_like(name: str, value: torch.Tensor, like: torch.Tensor, owner: str) -> torch.Tensor:
    """The dtype/device rule: ``value`` must have the dtype and device of ``like`` (a model's
    parameters, or the tensor argument ``owner`` names); no silent cast.  Returns ``value``."""
    if value.dtype != like.dtype or value.device != like.device:
        raise TypeError(f"{name}: expected dtype {like.dtype} on {like.device} like {owner}, got {describe(value)}; "
                        f"convert it with .to({like.dtype}, {str(like.device)!r}) (or the model with .to())")
    return value


def check_input(name: str, value, module, *, ndim: int | Sequence[int] | None = None,
                last_dim: int | None = None) -> torch.Tensor:
    """:func:`check_tensor`, then the dtype/device rule against ``module``'s parameters (a network's input)."""
    check_tensor(name, value, ndim=ndim, last_dim=last_dim)
    for parameter in module.parameters():
        return check_like(name, value, parameter, "the model's parameters")
    return value


def run_network(name: str, net, value: torch.Tensor) -> torch.Tensor:
    """``net(value)`` for a user-supplied network, its shape errors reported against the argument ``name``."""
    try:
        return net(value)
    except RuntimeError as error:                 # a shape the network cannot read (torch says "mat1 and mat2 ...")
        raise ValueError(f"{name}: the network cannot read {describe(value)}: {str(error).splitlines()[0]}") from None


def check_same_shape(name: str, value, like: torch.Tensor, owner: str) -> torch.Tensor:
    """A floating tensor with the shape, dtype and device of ``like`` (the argument ``owner``)."""
    check_like(name, check_tensor(name, value), like, owner)
    if value.shape != like.shape:
        raise ValueError(f"{name}: expected the shape of {owner} {tuple(like.shape)}, got {describe(value)}")
    return value


def check_callable(name: str, value):
    """Check that ``value`` can be called (an energy function, a network, a callback)."""
    if not callable(value):
        raise TypeError(f"{name}: expected a callable, got {describe(value)}")
    return value


def check_bool(name: str, value) -> bool:
    """Check that ``value`` is True or False (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False, got {describe(value)}")
    return value


def check_binary(name: str, value: torch.Tensor) -> torch.Tensor:
    """Check that the tensor ``value`` holds only 0 and 1 (states of binary units; a NaN is refused).
    A pass over the values: for public entry points, not inner loops."""
    if not bool(((value == 0) | (value == 1)).all()):
        raise ValueError(f"{name}: expected 0/1 states, got values {value.unique()[:6].tolist()}")
    return value


def check_rbm(name: str, value):
    """Check that ``value`` is an RBM of :mod:`energylab.models.rbm` (the training functions need its
    checks and statistics)."""
    from .models.rbm import RBM
    if not isinstance(value, RBM):
        raise TypeError(f"{name}: expected an RBM (BernoulliRBM, GaussianBernoulliRBM, ...), got {describe(value)}")
    return value


def check_dtype(name: str, dtype, *, floating: bool = True) -> torch.dtype:
    """Check that ``dtype`` is a ``torch.dtype`` (a floating-point one with ``floating``)."""
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"{name}: expected a torch.dtype such as torch.float32, got {describe(dtype)}")
    if floating and not dtype.is_floating_point:
        raise TypeError(f"{name}: expected a floating-point dtype such as torch.float32, got {dtype}")
    return dtype


def check_device(name: str, device) -> torch.device | None:
    """Check that ``device`` is None, a ``torch.device`` or a device name such as ``"cpu"``; return it
    as a ``torch.device`` (None stays None)."""
    if device is None or isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"{name}: expected None, a torch.device or a name such as 'cpu' or 'cuda:0', "
                        f"got {describe(device)}")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"{name}: expected a device name such as 'cpu' or 'cuda:0', got {device!r}") from None


def check_generator(name: str, generator, like: torch.Tensor | None = None):
    """Check that ``generator`` is None or a ``torch.Generator`` on the device of ``like``."""
    if generator is None:
        return None
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"{name}: expected a torch.Generator or None, got {describe(generator)}")
    if like is not None and generator.device.type != like.device.type:
        raise ValueError(
            f"{name}: generator is on {generator.device} but the tensors are on {like.device}; "
            f"create it with torch.Generator(device={str(like.device)!r})"
        )
    return generator


def check_beta(name: str, value, *, allow_inf: bool = True) -> float:
    """Check an inverse temperature: a real number > 0, or ``math.inf`` (zero temperature)
    where ``allow_inf``.  Library-only helper (used by :mod:`energylab.structured`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number > 0 (math.inf for zero temperature), got {describe(value)}")
    if not value > 0 or (value == math.inf and not allow_inf):
        wanted = "a number > 0 or math.inf" if allow_inf else "a finite number > 0"
        raise ValueError(f"{name}: expected {wanted}, got {value!r}")
    return float(value)


def check_log_z(name: str, value, like: torch.Tensor):
    """Check a given ``log Z`` (exact or an AIS estimate): a real number, or a 0-d floating tensor with
    the dtype and device of ``like`` (the model's parameters).  Its value is not checked (a NaN
    estimate gives NaN out).  Returns ``value``."""
    if isinstance(value, torch.Tensor):
        if value.dim() != 0 or not value.is_floating_point():
            raise ValueError(f"{name}: expected a number or a 0-d floating tensor, got {describe(value)}")
        check_like(name, value, like, "the model's parameters")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected a number (e.g. the log_z of an AIS estimate), got {describe(value)}")
    return value
