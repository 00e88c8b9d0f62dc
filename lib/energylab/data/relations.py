r"""Pairs of images related by a transformation, made on the fly (Lecture 9 §5–6).

A factored gated RBM learns *how two images relate*, not what they show (Memisevic & Hinton,
2010).  The classic data: random-dot images ``x`` and a transformed copy ``y``,

* :func:`shift_pairs` -- ``y`` is ``x`` translated by an integer shift ``(dy, dx)``: both are
  ``size × size`` windows cut from one larger random-dot canvas, ``y``'s window displaced by
  ``(-dy, -dx)`` so that content moves down by ``dy`` and right by ``dx`` (new content enters
  at the border, nothing wraps around);
* :func:`rotation_pairs` -- ``y`` is ``x`` rotated by an angle (degrees, counter-clockwise)
  about the image centre, by bilinear interpolation of a larger canvas, so the corners are
  filled too.

A random-dot canvas has each pixel on with probability ``density``, blurred by a Gaussian of
width ``blur`` pixels (``blur=0``: binary dots) and scaled to a maximum of one.  Knowing ``x``
says nothing about ``y`` beyond the transformation, so the only way to predict ``y`` from
``x`` is to have found the transformation.

Every function returns an :class:`ImagePairs`: ``x``, ``y`` (N, size²) in reading order and
the ``transform`` of each pair -- (N, 2) integer shifts or (N,) angles -- which can be handed
back (``shifts=``, ``angles=``) to make *new* pairs with the same transformations: the
analogy test of Lecture 9 §6.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F

from .._checks import (check_device, check_dtype, check_generator, check_like, check_positive_float, check_positive_int,
                       check_tensor, describe)

__all__ = ["ImagePairs", "random_dots", "shift_pairs", "rotate_images", "rotation_pairs"]


class ImagePairs(NamedTuple):
    """Image pairs ``x -> y`` (N, size²) and the ``transform`` of each: (N, 2) integer shifts
    ``(dy, dx)`` or (N,) angles in degrees.  Lecture 9 §5–6."""

    x: torch.Tensor
    y: torch.Tensor
    transform: torch.Tensor


def random_dots(n: int, size: int = 13, *, density: float = 0.1, blur: float = 1.0, generator=None,
                dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor:
    """``n`` random-dot images (n, size, size): pixels on with probability ``density``, blurred
    by a Gaussian of ``blur`` pixels (0: binary dots), scaled so each image's maximum is 1
    (an empty image stays 0).  Lecture 9 §6 (through the pairs); Library only as a name of its own:
    the canvas of :func:`shift_pairs` and :func:`rotation_pairs`, public for exercises."""
    check_positive_int("n", n)
    check_positive_int("size", size)
    if not isinstance(density, (int, float)) or isinstance(density, bool) or not 0 < density < 1:
        raise ValueError(f"density: expected a number in (0, 1), got {describe(density)}")
    check_positive_float("blur", blur, allow_zero=True)
    check_generator("generator", generator)
    dtype, device = check_dtype("dtype", dtype), check_device("device", device)
    gen_device = generator.device if generator is not None else device
    dots = (torch.rand(n, size, size, generator=generator, dtype=dtype, device=gen_device) < density).to(dtype)
    dots = dots.to(device)
    if blur > 0:
        radius = max(1, math.ceil(3 * blur))
        t = torch.arange(-radius, radius + 1, dtype=dtype, device=dots.device)
        kernel = torch.exp(-t**2 / (2 * blur**2))
        kernel = kernel / kernel.sum()
        # separable blur: rows, then columns (zero padding)
        dots = F.conv2d(dots[:, None], kernel.view(1, 1, 1, -1), padding=(0, radius))
        dots = F.conv2d(dots, kernel.view(1, 1, -1, 1), padding=(radius, 0))[:, 0]
    peak = dots.amax(dim=(1, 2), keepdim=True)
    return torch.where(peak > 0, dots / peak.clamp_min(torch.finfo(dtype).tiny), dots)


def _check_transforms(name, value, n, shape, floating):
    if value is None:
        return None
    check_tensor(name, value, floating=floating)
    if tuple(value.shape) != (n, *shape):
        raise ValueError(f"{name}: expected shape {(n, *shape)} (one per pair), got {describe(value)}")
    return value


def shift_pairs(n: int, *, size: int = 13, max_shift: int = 3, shifts: torch.Tensor | None = None,
                density: float = 0.1, blur: float = 1.0, generator=None, dtype: torch.dtype = torch.float32,
                device=None) -> ImagePairs:
    """``n`` pairs ``(x, y)`` with ``y`` = ``x`` translated by ``(dy, dx)`` (down, right), drawn
    uniformly from the integers in ``[-max_shift, max_shift]`` unless ``shifts`` (n, 2) long are
    given.  Both are windows of one ``size + 2·max_shift`` canvas (see the module docstring).
    Lecture 9 §5–6."""
    check_positive_int("n", n)
    check_positive_int("size", size)
    check_positive_int("max_shift", max_shift, minimum=0)
    check_generator("generator", generator)
    dtype, device = check_dtype("dtype", dtype), check_device("device", device)
    if shifts is None:
        gen_device = generator.device if generator is not None else device
        shifts = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator, device=gen_device)
    elif not isinstance(shifts, torch.Tensor) or shifts.dtype != torch.long:
        raise TypeError(f"shifts: expected a long tensor of shape ({n}, 2), got {describe(shifts)}")
    _check_transforms("shifts", shifts, n, (2,), floating=False)
    if shifts.abs().max() > max_shift:
        raise ValueError(f"shifts: expected entries in [-{max_shift}, {max_shift}] (max_shift), "
                         f"got a largest |shift| of {int(shifts.abs().max())}")
    canvas = random_dots(n, size + 2 * max_shift, density=density, blur=blur, generator=generator,
                         dtype=dtype, device=device)
    shifts = shifts.to(canvas.device)
    rows = torch.arange(size, device=canvas.device)
    top = max_shift + rows                                  # x's window starts at (max_shift, max_shift)
    # y[i, j] = x[i - dy, j - dx]: y's window starts at (max_shift - dy, max_shift - dx)
    y_rows = (top[None, :] - shifts[:, :1])                 # (n, size)
    y_cols = (top[None, :] - shifts[:, 1:])
    batch = torch.arange(n, device=canvas.device)[:, None, None]
    x = canvas[:, max_shift:max_shift + size, max_shift:max_shift + size]
    y = canvas[batch, y_rows[:, :, None], y_cols[:, None, :]]
    return ImagePairs(x.reshape(n, -1), y.reshape(n, -1), shifts)


def rotate_images(images: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """Each image (n, H, W) turned counter-clockwise about its centre by its angle (n,) in degrees:
    ``out(p) = image(R⁻¹ p)`` by bilinear interpolation, zero outside the image.  Lecture 9 §6
    (the rotation pairs, and comparing a factor's output filter with its turned input filter)."""
    check_tensor("images", images, ndim=3)
    check_like("angles", check_tensor("angles", angles, ndim=1), images, "images")
    if angles.shape[0] != images.shape[0]:
        raise ValueError(f"angles: expected ({images.shape[0]},), one per image, got {describe(angles)}")
    n, height, width = images.shape
    theta = angles * math.pi / 180
    cos, sin = torch.cos(theta)[:, None, None], torch.sin(theta)[:, None, None]
    # normalised coordinates of every output pixel (x right, y up), then R^{-1} = rotation by -theta
    gy, gx = torch.meshgrid(torch.linspace(1, -1, height, dtype=images.dtype, device=images.device),
                            torch.linspace(-1, 1, width, dtype=images.dtype, device=images.device), indexing="ij")
    src_x = cos * gx * (width - 1) + sin * gy * (height - 1)             # in pixel units about the centre
    src_y = -sin * gx * (width - 1) + cos * gy * (height - 1)
    grid = torch.stack([src_x / (width - 1), -src_y / (height - 1)], -1)  # back to grid_sample's (x, y down)
    return F.grid_sample(images[:, None], grid, mode="bilinear", align_corners=True)[:, 0]


def rotation_pairs(n: int, *, size: int = 13, max_angle: float = 90.0, angles: torch.Tensor | None = None,
                   density: float = 0.1, blur: float = 1.0, generator=None, dtype: torch.dtype = torch.float32,
                   device=None) -> ImagePairs:
    """``n`` pairs ``(x, y)`` with ``y`` = ``x`` rotated counter-clockwise by an angle (degrees)
    drawn uniformly from ``[-max_angle, max_angle]`` unless ``angles`` (n,) are given: both are the
    central ``size × size`` window of a random-dot canvas large enough that the rotated window has
    no empty corners, before and after :func:`rotate_images`.  Lecture 9 §6."""
    check_positive_int("n", n)
    check_positive_int("size", size)
    check_positive_float("max_angle", max_angle)
    check_generator("generator", generator)
    dtype, device = check_dtype("dtype", dtype), check_device("device", device)
    if angles is None:
        gen_device = generator.device if generator is not None else device
        u = torch.rand(n, generator=generator, dtype=dtype, device=gen_device)
        angles = (2 * u - 1) * max_angle
    _check_transforms("angles", angles, n, (), floating=True)
    big = size + 2 * math.ceil(size * (math.sqrt(2) - 1) / 2 + 1)        # holds the rotated window
    canvas = random_dots(n, big, density=density, blur=blur, generator=generator, dtype=dtype, device=device)
    start = (big - size) // 2                                            # big - size is even: same centre
    window = (slice(None), slice(start, start + size), slice(start, start + size))
    y = rotate_images(canvas, angles.to(canvas))[window]
    return ImagePairs(canvas[window].reshape(n, -1), y.reshape(n, -1), angles)
