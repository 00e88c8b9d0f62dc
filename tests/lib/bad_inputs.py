"""The machinery of tests/lib/test_bad_inputs.py: argument kinds that generate their own bad
variants, the outcome of one bad call, and the walk over every public name of energylab.

A spec (tests/lib/bad_input_specs.py) gives, for one public function, class or method, a valid
call and the kind of each argument::

    "energylab.models.rbm.BernoulliRBM.free_energy":
        Spec(lambda v, biases=None: rbm().free_energy(v, biases=biases), v=T(V, like=True)),

and each kind makes the bad variants of its argument with what must happen:

* ``error`` -- a ``ValueError`` or ``TypeError`` whose message names the argument
  (``"v: expected ..."``; see :func:`names_argument`);
* ``nan`` -- NaN in: a clear error, or NaN somewhere in what the call returns (the library's
  NaN-in/NaN-out rule, see ``energylab._checks``);
* ``inf`` -- a clear error, a non-finite value in the result, or (``inf_ok``) any result: an
  infinite energy is an ordinary value in this course;
* ``ok`` -- anything but an obscure error (an empty batch may give an empty result).

Anything else is a finding: an **obscure** error (any other exception, or a message that does
not name the argument) or a **silent** result (a structurally bad input accepted, or a NaN that
vanished).
"""
from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

import energylab

META = torch.device("meta")


# ----- argument kinds ---------------------------------------------------------------------
class Arg:
    """An argument: its valid value (or a factory, called for every call) and its bad variants."""

    def __init__(self, value, *, aka=(), bad=None, fresh=False):
        self._value, self.fresh = value, fresh
        self.aka = tuple(aka)
        self.extra = dict(bad or {})          # label -> bad value (expect "error")

    def value(self):
        return self._value() if self.fresh else self._value

    def variants(self):
        """(label, bad value, expectation) for this kind of argument."""
        return []

    def all_variants(self):
        return list(self.variants()) + [(label, v, "error") for label, v in self.extra.items()]


def _with(t: torch.Tensor, value: float) -> torch.Tensor:
    t = t.clone()
    t.view(-1)[0] = value
    return t


class T(Arg):
    """A tensor argument.

    like: its dtype and device must match the model's or another tensor's (a float64 and a
        'meta' -- standing in for another device -- copy are errors);
    ndim: False when any number of leading dimensions is accepted (no extra-dimension variant);
    last: False when the size of the last dimension is free;
    rows: True when its first dimension must match another argument's;
    integer: the argument holds integers (labels, lengths): a float copy is an error;
    nan / inf: False where values are checked elsewhere or meaningless to corrupt;
    nan_ok: a NaN entry may give any result (a plot draws it as a gap; say so in the spec's note);
    inf_ok: an infinite entry is meaningful (an energy): any result is fine;
    empty: "ok" (an empty result is fine), "error" (must be refused) or None (no variant).
    """

    def __init__(self, value, *, like=False, ndim=True, last=True, rows=False, integer=None, nan=True, inf=True,
                 nan_ok=False, inf_ok=False, empty="ok", types=True, **kw):
        super().__init__(value, **kw)
        self.like, self.ndim, self.last, self.rows = like, ndim, last, rows
        self.integer, self.nan, self.inf, self.empty, self.types = integer, nan, inf, empty, types
        self.nan_ok, self.inf_ok = nan_ok, inf_ok

    def variants(self):
        v = self.value()
        integer = (not v.is_floating_point()) if self.integer is None else self.integer
        out = []
        if self.types:
            out += [("a list", v.tolist(), "error"), ("a numpy array", v.numpy(), "error")]
        if integer:
            out.append(("float values", v.double() + 0.5, "error"))
        else:
            out.append(("an integer tensor", v.round().long(), "error"))
        if self.like:
            other = torch.float32 if v.dtype == torch.float64 else torch.float64
            out += [(f"dtype {other}", v.to(other), "error"), ("on another device ('meta')", v.to(META), "error")]
        if self.ndim:
            out.append(("an extra leading dimension", v[None], "error"))
            if v.dim() >= 1:
                out.append(("one dimension fewer", v.reshape(-1) if v.dim() >= 2 else v[0], "error"))
        if self.last and v.dim() >= 1:
            size = v.shape[-1]
            wrong = v[..., :-1] if size >= 2 else torch.cat([v, v], -1)
            out.append((f"last dimension {wrong.shape[-1]} instead of {size}", wrong, "error"))
        if self.rows and v.dim() >= 1 and v.shape[0] >= 2:
            out.append((f"{v.shape[0] - 1} rows instead of {v.shape[0]}", v[:-1], "error"))
        if not integer and v.numel():
            if self.nan:
                out.append(("a NaN entry", _with(v, math.nan), "ok" if self.nan_ok else "nan"))
            if self.inf:
                out.append(("an inf entry", _with(v, math.inf), "ok" if self.inf_ok else "inf"))
        if self.empty and v.dim() >= 1 and v.shape[0]:
            out.append(("no rows", v[:0], self.empty))
        return out


class I(Arg):
    """An int (not a bool) in [minimum, maximum]; ``none_ok`` where None means 'default'."""

    def __init__(self, value, *, minimum=1, maximum=None, none_ok=False, **kw):
        super().__init__(value, **kw)
        self.minimum, self.maximum, self.none_ok = minimum, maximum, none_ok

    def variants(self):
        out = [("2.5", 2.5, "error"), ("the string '3'", "3", "error"), ("True", True, "error")]
        if self.minimum is not None:
            out.append((f"{self.minimum - 1} (below {self.minimum})", self.minimum - 1, "error"))
        if self.maximum is not None:
            out.append((f"{self.maximum + 1} (above {self.maximum})", self.maximum + 1, "error"))
        if not self.none_ok:
            out.append(("None", None, "error"))
        return out


class F(Arg):
    """A real number >= minimum (> minimum unless ``zero_ok``); inf only with ``inf_ok``."""

    def __init__(self, value, *, minimum=0.0, zero_ok=False, inf_ok=False, none_ok=False, **kw):
        super().__init__(value, **kw)
        self.minimum, self.zero_ok, self.inf_ok, self.none_ok = minimum, zero_ok, inf_ok, none_ok

    def variants(self):
        out = [("NaN", math.nan, "error"), ("the string '1'", "1", "error"), ("True", True, "error")]
        if not self.inf_ok:
            out.append(("inf", math.inf, "error"))
        if self.minimum is not None:
            out.append((f"{self.minimum - 1.5} (below {self.minimum})", self.minimum - 1.5, "error"))
            if not self.zero_ok:
                out.append((f"{self.minimum} (not above it)", self.minimum, "error"))
        if not self.none_ok:
            out.append(("None", None, "error"))
        return out


class P(Arg):
    """A probability: a real number in [0, 1]."""

    def variants(self):
        return [("-0.1", -0.1, "error"), ("1.5", 1.5, "error"), ("NaN", math.nan, "error"),
                ("the string '0.5'", "0.5", "error"), ("None", None, "error")]


class C(Arg):
    """One of a few strings."""

    def variants(self):
        return [("an unknown name", "no-such-choice", "error"), ("a number", 3, "error")]


class B(Arg):
    """True or False."""

    def variants(self):
        return [("the string 'yes'", "yes", "error"), ("the int 2", 2, "error")]


class G(Arg):
    """A torch.Generator (or None)."""

    def __init__(self, value=None, **kw):
        super().__init__(value, **kw)

    def variants(self):
        return [("an int seed", 3, "error"), ("a string", "seed", "error")]


class Fn(Arg):
    """A callable."""

    def variants(self):
        return [("a number", 3, "error"), ("a string", "f", "error")]


class O(Arg):
    """An object of some type (a model, a result record): bad variants are other objects."""

    def variants(self):
        return [("a string", "a model", "error"), ("a number", 3, "error")]


class Dt(Arg):
    """A torch dtype (a floating one unless ``floating=False``)."""

    def __init__(self, value=torch.float32, *, floating=True, **kw):
        super().__init__(value, **kw)
        self.floating = floating

    def variants(self):
        out = [("the string 'float32'", "float32", "error")]
        if self.floating:
            out.append(("torch.int64", torch.int64, "error"))
        return out


class Dev(Arg):
    """A device (None = the default)."""

    def __init__(self, value=None, **kw):
        super().__init__(value, **kw)

    def variants(self):
        return [("an unknown device name", "no-such-device", "error"), ("a number", 2.5, "error")]


class Layers(Arg):
    """A list of layer tensors ``[x_0, x_1, ...]`` (the states or means of a DBM, an SBN): a wrong count, a wrong type,
    every tensor variant of each entry in turn (``layers[l] ...``), and a batch with no rows.  ``unread``: the
    layers whose values the call does not read (resampled or summed out before use), so no NaN/inf variant."""

    def __init__(self, value, *, inf_ok=False, unread=(), **kw):
        super().__init__(value, **kw)
        self.inf_ok, self.unread = inf_ok, unread

    def variants(self):
        layers = list(self.value())
        out = [("one layer too few", layers[:-1], "error"), ("one layer too many", layers + layers[-1:], "error"),
               ("a string", "layers", "error"), ("a bare tensor", layers[0], "error")]
        for l, x in enumerate(layers):
            read = l not in self.unread
            kind = T(x, like=True, rows=l > 0, empty=None, inf_ok=self.inf_ok, nan=read, inf=read)
            out += [(f"[{l}] {label}", layers[:l] + [bad] + layers[l + 1:], expect)
                    for label, bad, expect in kind.variants()]
        out.append(("no rows in any layer", [x[:0] for x in layers], "ok"))
        return out


class Raw(Arg):
    """An argument with only the bad variants given in ``bad``."""


# ----- specs ------------------------------------------------------------------------------
@dataclass
class Spec:
    """A valid call and the kinds of its arguments: ``call(**{name: arg.value()})`` must work."""

    call: Callable[..., Any]
    args: dict = field(default_factory=dict)
    note: str = ""

    def __init__(self, call, note: str = "", **args):
        self.call, self.args, self.note = call, args, note

    def kwargs(self):
        return {name: arg.value() for name, arg in self.args.items()}


@dataclass
class Exempt:
    """A public name with no arguments to feed, and why."""

    reason: str


# ----- outcomes -----------------------------------------------------------------------------
def names_argument(message: str, names) -> bool:
    """The message names one of ``names`` as the library writes it: ``name:``, ``name[i]: ...``,
    ``name.field:`` or ``name (...)``."""
    return any(re.search(rf"(?<![\w.]){re.escape(n)}(\[[^\]]*\]|\.\w+)*\s*[:(]", message) for n in names)


def _tensors(obj, depth=0):
    if depth > 4:
        return
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, np.ndarray):
        yield torch.from_numpy(np.asarray(obj, dtype=float)) if obj.dtype.kind in "fc" else torch.zeros(0)
    elif isinstance(obj, float):
        yield torch.tensor(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors(v, depth + 1)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            yield from _tensors(v, depth + 1)
    elif isinstance(obj, torch.nn.Module):
        yield from obj.parameters()
        yield from obj.buffers()
    elif hasattr(obj, "__dict__") and not inspect.isroutine(obj) and not isinstance(obj, type):
        for v in vars(obj).values():
            if isinstance(v, (torch.Tensor, tuple, list, dict, torch.nn.Module)):
                yield from _tensors(v, depth + 1)


def has_non_finite(result, *, nan_only: bool) -> bool:
    for t in _tensors(result):
        if t.device.type == "meta" or not (t.is_floating_point() or t.is_complex()):
            continue
        if (t.isnan() if nan_only else ~t.isfinite()).any():
            return True
    return False


def outcome(spec: Spec, name: str, bad, expect: str) -> tuple[str, str]:
    """Run ``spec`` with argument ``name`` replaced by ``bad``: (outcome, detail), where outcome is
    ``error`` (a clear error), ``nan`` (NaN came out), ``inf`` (non-finite came out), ``ok``
    (returned where that is fine), ``obscure`` or ``silent``."""
    import matplotlib.pyplot as plt

    kwargs = spec.kwargs()
    kwargs[name] = bad
    names = (name,) + spec.args[name].aka
    try:
        result = spec.call(**kwargs)
    except (ValueError, TypeError) as error:
        message = str(error)
        if names_argument(message, names):
            return "error", message.splitlines()[0][:160]
        return "obscure", f"{type(error).__name__}: {message.splitlines()[0][:160] if message else ''}"
    except Exception as error:                                 # noqa: BLE001 -- what the finding is about
        return "obscure", f"{type(error).__name__}: {str(error).splitlines()[0][:160] if str(error) else ''}"
    finally:
        plt.close("all")
    if expect == "ok":
        return "ok", "returned"
    if expect == "nan" and has_non_finite(result, nan_only=True):
        return "nan", "NaN in the result"
    if expect == "inf" and has_non_finite(result, nan_only=False):
        return "inf", "non-finite result"
    return "silent", f"returned {type(result).__name__} without complaint"


ACCEPTABLE = {"error": {"error"}, "nan": {"error", "nan"}, "inf": {"error", "inf"}, "ok": {"error", "ok"}}


# ----- the public names ----------------------------------------------------------------------
def public_names():
    """``{"module.name": obj}`` for every function and class that a module of energylab lists in
    ``__all__`` (keyed by the module that defines it, so re-exports count once and a module without
    ``__all__`` is covered through its package), and ``{"module.Class.method": function}`` for the
    public methods a public class defines itself (``forward`` included: calling a model runs it)."""
    found = {}
    for info in pkgutil.walk_packages(energylab.__path__, prefix="energylab."):
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or not obj.__module__.startswith("energylab."):
                continue
            key = f"{obj.__module__}.{obj.__qualname__}"
            found[key] = obj
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    func = getattr(value, "__func__", value)
                    if not attr.startswith("_") and inspect.isfunction(func):
                        found[f"{key}.{attr}"] = value
    return found


def automatic_exemption(key: str, obj) -> str | None:
    """Why a public name needs no spec, or None: result records (NamedTuples), typing Protocols,
    functions and methods without parameters."""
    if inspect.isclass(obj):
        if hasattr(obj, "_fields"):
            return "a record type (NamedTuple): the functions that take one check its fields"
        if getattr(obj, "_is_protocol", False):
            return "a typing.Protocol: its implementations are walked"
        return None
    func = getattr(obj, "__func__", obj)
    owner = key.rsplit(".", 2)
    parent = getattr(importlib.import_module(owner[0]), owner[1], None) if len(owner) == 3 else None
    if inspect.isclass(parent) and getattr(parent, "_is_protocol", False):
        return "a typing.Protocol method: its implementations are walked"
    params = [p for p in inspect.signature(func).parameters.values() if p.name not in ("self", "cls")]
    if not params:
        return "takes no arguments"
    return None
