"""No line of hidden test code can reach a student's feedback through what the visible part shows.

``test_assignments.py::test_feedback_hides_hidden_tests`` grades a whole batch to find a leak; this
checks the two ways one gets there, for every assignment, in a second: a message the hidden tests
raise (an assert's message, the "reference disabled" error a library-calling student sees) that
repeats a hidden line -- e.g. a docstring line that is also part of the error's text -- and a hidden
line that also stands in the visible code (test cells outside the hidden blocks, the solution).
Lines are compared as that test compares them: stripped, longer than 30 characters, as substrings.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())


def split_hidden(source: str) -> tuple[list[str], list[str]]:
    """(the lines inside ``### BEGIN/END HIDDEN TESTS``, the other lines) of a cell."""
    hidden, visible, inside = [], [], False
    for line in source.splitlines():
        if "### BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "### END HIDDEN TESTS" in line:
            inside = False
        else:
            (hidden if inside else visible).append(line)
    return hidden, visible


def messages(source: str) -> list[str]:
    """Every string constant of ``source`` that is not a docstring (the texts an error or assert can show);
    an f-string gives each of its constant pieces."""
    tree = ast.parse(source)
    docstrings = {id(node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            out.append(node.value)
    return out


def leaks(sources: list[str]) -> list[str]:
    """The hidden lines of these code cells that a message of theirs or their visible code repeats."""
    hidden, shown = [], []
    for source in sources:
        inside, outside = split_hidden(source)
        hidden += [ln.strip() for ln in inside if len(ln.strip()) > 30]
        shown += [ln for ln in outside if "### BEGIN SOLUTION" not in ln and "### END SOLUTION" not in ln]
        if inside:
            shown += messages(source)
    assert hidden, "no hidden tests"
    return sorted({line for line in hidden for text in shown if line in text})


@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_no_hidden_line_is_shown(hw):
    nb = nbformat.read(ROOT / "solutions" / hw / f"{hw}.ipynb", as_version=4)
    found = leaks([c.source for c in nb.cells if c.cell_type == "code"])
    assert not found, f"{hw}: hidden lines that a message or the visible code repeats: {found[:3]}"


def test_the_leak_main_had_is_found():
    """hw2's old disabling helper: a docstring line naming the modules was also a piece of its error."""
    cell = ('x = 1\n### BEGIN HIDDEN TESTS\ndef disabled():\n    """Every function of\n'
            '    energylab.models.boltzmann, energylab.samplers.ais\n    raises while the block runs."""\n'
            '    raise RuntimeError("YOUR code: energylab.models.boltzmann, energylab.samplers.ais are off")\n'
            '### END HIDDEN TESTS\n')
    assert leaks([cell]) == ["energylab.models.boltzmann, energylab.samplers.ais"]
    visible = "assert torch.allclose(result, expected_value)\n" + cell.replace("x = 1", "")
    shown_twice = visible.replace("### END", "assert torch.allclose(result, expected_value)\n### END")
    assert "assert torch.allclose(result, expected_value)" in leaks([shown_twice])
