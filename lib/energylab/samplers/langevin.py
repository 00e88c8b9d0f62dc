r"""Langevin samplers for continuous energies: unadjusted Langevin / SGLD and MALA.

Convention (as in every lecture): the energy is low where ``x`` is likely,

.. math::

    p(x) \propto \exp(-E(x)).

(For an inverse temperature ``beta`` pass the energy ``lambda x: beta * E(x)``.)

**Unadjusted Langevin (ULA) / SGLD.** One step with step size :math:`\alpha` and
noise scale :math:`\sigma`, set independently as practitioners do:

.. math::

    x' = x - \alpha \nabla_x E(x) + \sigma\,\xi, \qquad \xi \sim \mathcal{N}(0, I).

With :math:`\sigma = \sqrt{2\alpha}` (the default) this is the Euler discretisation of
the Langevin diffusion whose stationary law is :math:`p`; with any other
:math:`\sigma` it samples (for small steps) :math:`\exp(-E/T)` with temperature
:math:`T = \sigma^2 / (2\alpha)`.  JEM and IGEBM use e.g. :math:`\alpha = 1`,
:math:`\sigma = 0.01` -- a very cold chain that is closer to noisy gradient descent.
Without a Metropolis correction ULA is biased: for :math:`E = x^2 / (2 s^2)` its
stationary variance is :math:`s^2 / (1 - \alpha / (2 s^2))`, not :math:`s^2`.

**MALA** (Metropolis-adjusted Langevin) uses the Langevin step with
:math:`\sigma = \sqrt{2\alpha}` as a proposal :math:`q(x' \mid x) = \mathcal{N}(x - \alpha
\nabla E(x),\ 2\alpha I)` and accepts it with probability

.. math::

    \min\Big(1,\ \frac{e^{-E(x')}\, q(x \mid x')}{e^{-E(x)}\, q(x' \mid x)}\Big),

which makes :math:`p` exactly stationary for every step size.

Shapes: ``x`` is ``(n_chains, *event_shape)``; ``energy(x)`` returns ``(n_chains,)``.
Arguments are named as everywhere in the library: ``n_steps`` steps of size ``step_size``
(the ``α`` of ``-α ∇E``; ``lr`` is reserved for optimisers' learning rates), ``grad_clip``
caps each chain's gradient norm, ``bounds=(low, high)`` keeps the chains in a box (numbers, or
tensors broadcastable to the event shape), ``generator`` is a ``torch.Generator``.  With
``noise_scale=0`` a Langevin step is plain gradient descent (:func:`energylab.inference.gradient_descent`).
All chains move at once.  While sampling, the parameters of the energy (when it is an
``nn.Module`` or a bound method of one) have ``requires_grad`` switched off and restored
afterwards, so sampling never builds a graph through them nor touches their ``.grad``.
"""
from __future__ import annotations

import contextlib
import math
from typing import Callable, NamedTuple

import torch
from torch import nn

from .._checks import check_callable, check_generator, check_positive_float, check_positive_int, check_tensor, describe

__all__ = [
    "frozen",
    "check_bounds",
    "energy_and_grad",
    "langevin_step",
    "sgld",
    "mala_step",
    "mala",
    "MALAResult",
]

Energy = Callable[[torch.Tensor], torch.Tensor]


# --------------------------------------------------------------------------- helpers
def _modules_of(energy) -> list[nn.Module]:
    """The nn.Modules whose parameters ``energy`` uses: the energy itself or the owner
    of a bound method such as ``model.energy``."""
    if isinstance(energy, nn.Module):
        return [energy]
    owner = getattr(energy, "__self__", None)
    return [owner] if isinstance(owner, nn.Module) else []


@contextlib.contextmanager
def frozen(energy):
    """Switch off ``requires_grad`` of the energy's parameters; restore each flag on exit.
    Lecture 12 §2 (sampling never trains the model); train.fit freezes the model around its sampler hook."""
    check_callable("energy", energy)
    params = [p for module in _modules_of(energy) for p in module.parameters()]
    flags = [p.requires_grad for p in params]
    try:
        for p in params:
            p.requires_grad_(False)
        yield
    finally:
        for p, flag in zip(params, flags):
            p.requires_grad_(flag)


def _check_energy_output(e: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    if not isinstance(e, torch.Tensor) or e.shape != (x.shape[0],):
        raise ValueError(
            f"energy: expected energy(x) to return one value per chain, shape ({x.shape[0]},), "
            f"got {describe(e)}"
        )
    return e


def energy_and_grad(energy: Energy, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(E(x), grad_x E(x))`` for a batch of chains; works inside ``torch.no_grad()``.
    Lecture 12 §1 (the gradient inside every Langevin step).

    Only ``x`` is differentiated (``torch.autograd.grad``), so no parameter ``.grad``
    is ever written.
    """
    check_callable("energy", energy)
    check_tensor("x", x)
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        e = _check_energy_output(energy(x), x)                      # (n_chains,)
        (grad,) = torch.autograd.grad(e.sum(), x)                   # like x
    return e.detach(), grad


def _clip_per_chain(grad: torch.Tensor, max_norm: float) -> torch.Tensor:
    """Rescale each chain's gradient to Euclidean norm at most ``max_norm``."""
    norms = grad.flatten(1).norm(dim=1).clamp_min(1e-12)           # (n_chains,)
    scale = (max_norm / norms).clamp(max=1.0)
    return grad * scale.view(-1, *([1] * (grad.dim() - 1)))


def check_bounds(bounds, name: str = "bounds"):
    """``bounds=(low, high)`` as a pair with low < high everywhere (numbers or tensors), or None.
    Lecture 3 §2, Lecture 12 §2."""
    if bounds is None:
        return None
    if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
        raise ValueError(f"{name}: expected a pair (low, high), got {describe(bounds)}")
    try:
        low, high = (torch.as_tensor(b, dtype=torch.float64) for b in bounds)
        ordered = bool((low < high).all())
    except (RuntimeError, TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected low and high as numbers or tensors of broadcastable shapes, "
                         f"got {describe(bounds)}") from error
    if not ordered:
        raise ValueError(f"{name}: expected a pair (low, high) with low < high, got {describe(bounds)}")
    return tuple(bounds)


def _clip_to_bounds(x: torch.Tensor, bounds) -> torch.Tensor:
    """``x`` clamped into ``bounds=(low, high)`` (numbers, or tensors broadcastable to a row of x);
    unchanged for None.  Lecture 3 §2, Lecture 12 §2."""
    if bounds is None:
        return x
    low, high = bounds
    if isinstance(low, (int, float)) and isinstance(high, (int, float)):
        return x.clamp(float(low), float(high))
    low = torch.as_tensor(low, dtype=x.dtype, device=x.device)
    high = torch.as_tensor(high, dtype=x.dtype, device=x.device)
    return torch.maximum(torch.minimum(x, high), low)


def _check_common(energy, x, step_size, noise_scale, grad_clip, bounds, generator, name="x"):
    check_callable("energy", energy)
    check_tensor(name, x)
    if x.dim() < 1 or x.shape[0] == 0:
        raise ValueError(f"{name}: expected shape (n_chains, ...) with n_chains >= 1, got {describe(x)}")
    check_positive_float("step_size", step_size)
    if noise_scale is not None:
        check_positive_float("noise_scale", noise_scale, allow_zero=True)
    if grad_clip is not None:
        check_positive_float("grad_clip", grad_clip)
    check_bounds(bounds)
    check_generator("generator", generator, like=x)


# --------------------------------------------------------------------------- ULA / SGLD
def _langevin_update(energy, x, step_size, sigma, grad_clip, bounds, noise):
    """The ULA/SGLD update itself, without argument checks (parameters already frozen);
    ``noise`` is None for the noise-free step (gradient descent)."""
    _, grad = energy_and_grad(energy, x)
    if grad_clip is not None:
        grad = _clip_per_chain(grad, grad_clip)
    x_new = x.detach() - step_size * grad
    if noise is not None:
        x_new = x_new + sigma * noise
    return _clip_to_bounds(x_new, bounds)


def _draw_noise(x, sigma, generator):
    """Standard normal noise of the shape of x, or None when ``sigma == 0`` (no draw: gradient descent)."""
    if sigma == 0:
        return None
    return torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)


def langevin_step(energy: Energy, x: torch.Tensor, *, step_size: float, noise_scale: float | None = None,
                  grad_clip: float | None = None, bounds: tuple | None = None,
                  noise: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""One unadjusted Langevin step :math:`x' = x - \alpha \nabla E(x) + \sigma \xi`.  Lecture 12 §1.

    ``noise_scale`` :math:`\sigma` defaults to :math:`\sqrt{2\alpha}` (exact Langevin
    at temperature 1; ``0`` is a gradient-descent step and draws nothing).  ``grad_clip``
    caps each chain's gradient norm; ``bounds=(low, high)`` keeps the new point inside the
    data range.  ``noise`` (shape of ``x``) supplies :math:`\xi` explicitly; otherwise it is
    drawn with ``generator``.
    """
    _check_common(energy, x, step_size, noise_scale, grad_clip, bounds, generator)
    sigma = math.sqrt(2.0 * step_size) if noise_scale is None else noise_scale
    if noise is None:
        noise = _draw_noise(x, sigma, generator)
    elif not isinstance(noise, torch.Tensor) or noise.shape != x.shape:
        raise ValueError(f"noise: expected a tensor of the shape of x {tuple(x.shape)}, got {describe(noise)}")
    with frozen(energy):
        return _langevin_update(energy, x, step_size, sigma, grad_clip, bounds, noise)


def sgld(energy: Energy, x0: torch.Tensor, *, n_steps: int, step_size: float, noise_scale: float | None = None,
         grad_clip: float | None = None, bounds: tuple | None = None,
         generator: torch.Generator | None = None, return_chain: bool = False):
    r"""Run ``n_steps`` of unadjusted Langevin / SGLD from ``x0`` (all chains at once).
    Lecture 12 §1–3, homework 5.

    Returns the final points (shape of ``x0``); with ``return_chain=True`` returns
    ``(x, chain)`` where ``chain`` has shape ``(n_steps + 1, *x0.shape)`` and starts at ``x0``.
    See :func:`langevin_step` for the update and the arguments.
    """
    check_positive_int("n_steps", n_steps, minimum=0)
    _check_common(energy, x0, step_size, noise_scale, grad_clip, bounds, generator, name="x0")
    sigma = math.sqrt(2.0 * step_size) if noise_scale is None else noise_scale
    x = x0.detach()
    chain = [x] if return_chain else None
    with frozen(energy):
        for _ in range(n_steps):
            x = _langevin_update(energy, x, step_size, sigma, grad_clip, bounds, _draw_noise(x, sigma, generator))
            if return_chain:
                chain.append(x)
    return (x, torch.stack(chain)) if return_chain else x


# --------------------------------------------------------------------------- MALA
class MALAResult(NamedTuple):
    """Output of :func:`mala`.  Lecture 12 §1."""

    x: torch.Tensor                     # (n_chains, *event) final points
    acceptance: torch.Tensor            # (n_chains,) fraction of accepted proposals per chain
    chain: torch.Tensor | None          # (n_steps + 1, n_chains, *event) or None


def _log_q(x_to: torch.Tensor, x_from: torch.Tensor, grad_from: torch.Tensor, step_size: float) -> torch.Tensor:
    """log N(x_to; x_from - step * grad_from, 2 step I) up to a constant that cancels; (n_chains,)."""
    diff = x_to - x_from + step_size * grad_from
    return -(diff.flatten(1) ** 2).sum(dim=1) / (4.0 * step_size)


def mala_step(energy: Energy, x: torch.Tensor, *, step_size: float,
              generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""One Metropolis-adjusted Langevin step; returns ``(x_new, accepted)`` with
    ``accepted`` a boolean ``(n_chains,)`` tensor.  Lecture 12 §1 (one step of mala).

    Proposal :math:`x' = x - \alpha\nabla E(x) + \sqrt{2\alpha}\,\xi`, accepted with
    probability :math:`\min(1, \exp(E(x) - E(x') + \log q(x|x') - \log q(x'|x)))`.
    """
    _check_common(energy, x, step_size, None, None, None, generator)
    with frozen(energy):
        return _mala_update(energy, x.detach(), step_size, generator)


def _mala_update(energy, x, step_size, generator):
    """The MALA update itself, without argument checks (parameters already frozen)."""
    e, grad = energy_and_grad(energy, x)
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    proposal = x - step_size * grad + math.sqrt(2.0 * step_size) * noise
    e_prop, grad_prop = energy_and_grad(energy, proposal)
    log_ratio = (e - e_prop) + _log_q(x, proposal, grad_prop, step_size) - _log_q(proposal, x, grad, step_size)
    u = torch.rand(x.shape[0], generator=generator, device=x.device, dtype=x.dtype)
    accepted = torch.log(u) < log_ratio                              # (n_chains,)
    keep = accepted.view(-1, *([1] * (x.dim() - 1)))
    return torch.where(keep, proposal, x), accepted


def mala(energy: Energy, x0: torch.Tensor, *, n_steps: int, step_size: float,
         generator: torch.Generator | None = None, return_chain: bool = False) -> MALAResult:
    """Run ``n_steps`` of MALA from ``x0`` (all chains at once); see :func:`mala_step`.
    Lecture 12 §1, homework 5.

    Returns a :class:`MALAResult` with the final points, each chain's acceptance rate
    and (``return_chain=True``) the whole chain of shape ``(n_steps + 1, *x0.shape)``.
    """
    check_positive_int("n_steps", n_steps)
    _check_common(energy, x0, step_size, None, None, None, generator, name="x0")
    x = x0.detach()
    chain = [x] if return_chain else None
    n_accepted = torch.zeros(x.shape[0], device=x.device, dtype=x.dtype)
    with frozen(energy):
        for _ in range(n_steps):
            x, accepted = _mala_update(energy, x, step_size, generator)
            n_accepted += accepted.to(x.dtype)
            if return_chain:
                chain.append(x)
    return MALAResult(x, n_accepted / n_steps, torch.stack(chain) if return_chain else None)
