"""Feedback a student can read offline: grades by part, their own outputs, never hidden tests.

Preprocessors (run by ``nbgrader generate_feedback``, see nbgrader_config.py) and the HTML
template in course/templates/course_feedback/:

* `HideHiddenTests` removes ``### BEGIN HIDDEN TESTS`` blocks and reduces the tracebacks they
  raise to the error's name and message; a blank stub's bare ``NotImplementedError`` says
  "not implemented yet";
* `NameParts` gives every graded cell the title of its part ("Part 2 — The negative
  log-likelihood, in log space"), which the summary at the top lists with its score;
* `OfflineMath` turns the LaTeX of markdown cells into MathML, which browsers draw without
  MathJax or any network (the template loads no script at all).
"""
from __future__ import annotations

import html
import re

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor   # enabled by default
from nbgrader.preprocessors import ClearHiddenTests

from .parts import part_names

ANSI = re.compile(r"\x1b\[[0-9;]*m")
NOT_IMPLEMENTED = "not implemented yet: the answer cell this test uses still raises NotImplementedError"
MATH = re.compile(r"(?<!\\)\$\$(.+?)\$\$|(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$", re.S)


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden tests from graded test cells and shorten the errors they raise."""

    def preprocess_cell(self, cell, resources, cell_index):
        is_test_cell = cell.metadata.get("nbgrader", {}).get("grade", False) and not cell.metadata.get(
            "nbgrader", {}).get("solution", False)
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if is_test_cell and cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    name, value = output.get("ename", "Error"), ANSI.sub("", str(output.get("evalue", ""))).strip()
                    if name == "NotImplementedError" and not value:
                        output["evalue"] = value = NOT_IMPLEMENTED
                    output["traceback"] = [f"{name}: {value}", "(the test code that raised this is hidden)"]
        return cell, resources


class NameParts(Preprocessor):
    """Store each graded cell's part title in ``cell.metadata.course.part``."""

    def preprocess(self, nb, resources):
        names = part_names(nb)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in names:
                cell.metadata.setdefault("course", {})["part"] = names[grade_id]
        return nb, resources


def latex_to_mathml(tex: str, display: bool) -> str:
    """MathML for one formula; the LaTeX itself, as code, if it cannot be converted."""
    from latex2mathml.converter import convert

    try:
        return convert(tex.strip(), display="block" if display else "inline")
    except Exception:
        return f"<code>{html.escape(tex)}</code>"


def math_to_mathml(markdown: str) -> str:
    """Replace ``$...$`` and ``$$...$$`` in markdown by MathML (code spans and blocks are left alone)."""
    pieces = re.split(r"(```.*?```|`[^`\n]*`)", markdown, flags=re.S)
    for i in range(0, len(pieces), 2):
        pieces[i] = MATH.sub(lambda m: latex_to_mathml(m.group(1) or m.group(2), display=m.group(1) is not None),
                             pieces[i])
    return "".join(pieces)


class OfflineMath(Preprocessor):
    """Markdown maths as MathML, so feedback needs no MathJax from the network."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = math_to_mathml(cell.source)
        return cell, resources
