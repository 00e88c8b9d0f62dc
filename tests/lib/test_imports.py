"""Every module of energylab imports when it is the first energylab module imported (no import
cycle that only works because another package happened to be imported before)."""
import importlib
import pkgutil
import sys

import energylab


def _modules():
    return sorted(m.name for m in pkgutil.walk_packages(energylab.__path__, "energylab."))


def _forget_energylab():
    for name in [n for n in sys.modules if n == "energylab" or n.startswith("energylab.")]:
        del sys.modules[name]


def test_every_module_imports_first():
    modules = _modules()
    assert len(modules) > 30, modules
    saved = {n: m for n, m in sys.modules.items() if n == "energylab" or n.startswith("energylab.")}
    failures = []
    try:
        for name in modules:
            _forget_energylab()          # torch and friends stay loaded: each round costs milliseconds
            try:
                importlib.import_module(name)
            except ImportError as error:
                failures.append(f"{name}: {error}")
    finally:
        _forget_energylab()
        sys.modules.update(saved)
    assert not failures, "\n".join(failures)
