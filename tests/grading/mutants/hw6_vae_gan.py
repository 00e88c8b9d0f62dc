"""Plausible answers to hw6_vae_gan for the test of its hidden tests (see hw1_mdn.py for the format).

The answers themselves are kept, as one-change edits of template solution cells, in
tests/grading/cases/hw6_vae_gan.py (``WRONG`` and ``CORRECT``: ``{name: (grade_id, source)}``); this file
only puts them into the harness's ``(name, grade_id, change, note)`` form. The cases' ``MISSING`` stubs are
not repeated: the harness adds a ``missing_<grade_id>`` variant for every answer cell.
"""
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "cases_hw6_vae_gan", Path(__file__).resolve().parents[1] / "cases" / "hw6_vae_gan.py")
_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cases)

WRONG = [(name, grade_id, source, name.replace("_", " ")) for name, (grade_id, source) in _cases.WRONG.items()]
CORRECT = [(name, grade_id, source, "") for name, (grade_id, source) in _cases.CORRECT.items()]
