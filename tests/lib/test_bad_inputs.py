"""Every public function, class and method of energylab, fed bad inputs of each kind (issue 18).

The public names are found automatically (each module's ``__all__``, and the public methods the
classes define), so a new public function without a spec fails
``test_every_public_name_has_a_spec``.  A spec (tests/lib/bad_input_specs.py and its parts) is a valid call and
the kind of each argument; the kinds generate the bad variants -- wrong Python types, shapes,
dtypes, devices (a 'meta' tensor stands in for another device), NaN/inf, empty batches,
out-of-range numbers -- and what each must give: a ``ValueError``/``TypeError`` naming the
argument, or NaN out for NaN in (energylab._checks states the rules; tests/lib/bad_inputs.py the
machinery).

    .venv/bin/python tests/lib/test_bad_inputs.py            # counts of the outcomes, and any findings
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bad_input_specs import SPECS  # noqa: E402
from bad_inputs import ACCEPTABLE, Exempt, Spec, T, F, I, automatic_exemption, names_argument, outcome, public_names  # noqa: E402

PUBLIC = public_names()
WALKED = sorted(key for key, spec in SPECS.items() if isinstance(spec, Spec))


def test_every_public_name_has_a_spec():
    missing = [key for key, obj in PUBLIC.items()
               if key not in SPECS and automatic_exemption(key, obj) is None]
    assert not missing, ("public names without a bad-input spec in tests/lib/bad_input_specs.py (a valid call "
                         "and the kinds of its arguments):\n  " + "\n  ".join(sorted(missing)))
    stale = sorted(set(SPECS) - set(PUBLIC))
    assert not stale, "entries for names that are not public (renamed or removed?):\n  " + "\n  ".join(stale)
    for key, spec in SPECS.items():
        assert isinstance(spec, (Spec, Exempt)), key
        if isinstance(spec, Exempt):
            assert automatic_exemption(key, PUBLIC[key]) is None, f"{key}: exempt automatically, drop the entry"
            assert spec.reason, key


def run_spec(key: str) -> list[tuple[str, str, str, str, str]]:
    """(argument, variant, expected, outcome, detail) for every bad variant of ``key``'s spec."""
    spec = SPECS[key]
    spec.call(**spec.kwargs())                                   # the valid call works
    rows = []
    for name, arg in spec.args.items():
        for label, bad, expect in arg.all_variants():
            got, detail = outcome(spec, name, bad, expect)
            rows.append((name, label, expect, got, detail))
    return rows


@pytest.mark.parametrize("key", WALKED)
def test_bad_inputs_get_a_clear_error_or_nan_out(key):
    findings = [f"{name} = {label}: expected {expect}, got {got} ({detail})"
                for name, label, expect, got, detail in run_spec(key) if got not in ACCEPTABLE[expect]]
    assert not findings, f"{key}:\n  " + "\n  ".join(findings)


def test_the_walker_has_power():
    """A function that checks nothing fails the walk; the same function with checks passes."""
    def careless(x, n=2):
        return x.sum(-1) * n

    def careful(x, n=2):
        from energylab._checks import check_positive_int, check_tensor
        check_tensor("x", x, ndim=2, last_dim=3)
        return x.sum(-1) * check_positive_int("n", n)

    args = dict(x=T(torch.ones(4, 3)), n=I(2))
    outcomes = Counter(outcome(Spec(careless, **args), name, bad, expect)[0]
                       for name, arg in args.items() for _, bad, expect in arg.all_variants())
    assert outcomes["obscure"] and outcomes["silent"]
    spec = Spec(careful, **args)
    assert all(outcome(spec, name, bad, expect)[0] in ACCEPTABLE[expect]
               for name, arg in args.items() for _, bad, expect in arg.all_variants())
    assert names_argument("x: expected 2 dimensions", ["x"]) and not names_argument("expected x to be", ["x"])
    assert outcome(Spec(lambda s: torch.tensor(s).sqrt(), s=F(1.0)), "s", -1.0, "error")[0] == "silent"


def summary(keys=WALKED) -> Counter:
    counts = Counter()
    for key in keys:
        for name, label, expect, got, detail in run_spec(key):
            counts[got] += 1
            if got not in ACCEPTABLE[expect]:
                print(f"FINDING {key}: {name} = {label}: expected {expect}, got {got} ({detail})")
    return counts


if __name__ == "__main__":
    torch.set_num_threads(1)
    counts = summary(sys.argv[1:] or WALKED)
    print(f"{len(WALKED)} specs over {len(PUBLIC)} public names; bad-input cases by outcome: {dict(counts)}")
