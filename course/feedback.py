"""Feedback a student can read offline: grades by part, their own outputs, never hidden tests.

Preprocessors (run by ``nbgrader generate_feedback``, see nbgrader_config.py) and the HTML
template in course/templates/course_feedback/:

* `HideHiddenTests` removes ``### BEGIN HIDDEN TESTS`` blocks and reduces the tracebacks they
  raise to the error's name and message; an error raised by a *visible* line of a test cell (the
  student's own stub or a visible assert) keeps its traceback, without the frames and lines of
  hidden code; a blank stub's bare ``NotImplementedError`` says "not implemented yet";
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


FRAME = re.compile(r"^Cell In\[(\d+)\], line (\d+)")          # IPython's frame header for notebook code
CONTEXT = re.compile(r"^(?:-+>|\s*)\s*(\d+) ")                # a numbered source line of a frame


def hidden_lines(source: str) -> set[int]:
    """The 1-based numbers of the lines of ``source`` inside hidden-test blocks (markers included)."""
    lines, inside = set(), False
    for number, line in enumerate(source.splitlines(), 1):
        if "### BEGIN HIDDEN TESTS" in line:
            inside = True
        if inside:
            lines.add(number)
        if "### END HIDDEN TESTS" in line:
            inside = False
    return lines


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden tests from graded test cells and shorten the errors they raise."""

    def preprocess(self, nb, resources):
        # execution count -> the hidden lines of that cell (None where a count is ambiguous)
        self._hidden = {}
        for cell in nb.cells:
            count = cell.get("execution_count")
            if cell.cell_type == "code" and count is not None:
                self._hidden[count] = None if count in self._hidden else hidden_lines(cell.source)
        return super().preprocess(nb, resources)

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
                    shown = self._visible_traceback(output.get("traceback", []), cell.get("execution_count"))
                    output["traceback"] = (shown + [f"{name}: {value}"] if shown else
                                           [f"{name}: {value}", "(the test code that raised this is hidden)"])
        return cell, resources

    def _visible_traceback(self, traceback: list, count) -> list | None:
        """The traceback of an error raised by a visible line of the cell run as ``In[count]``, without the frames
        and source lines of hidden code; None when a hidden line raised it (or the traceback cannot be read)."""
        entries = [ANSI.sub("", str(e)) for e in traceback]
        top = FRAME.match(entries[2]) if len(entries) > 3 else None          # header, header, frames..., message
        hidden = getattr(self, "_hidden", {})
        if top is None or int(top.group(1)) != count or hidden.get(count) is None or int(top.group(2)) in hidden[count]:
            return None
        shown = entries[:2]
        for entry in entries[2:-1]:
            match = FRAME.match(entry)
            if match is None:                                                  # library code: File ...:line
                shown.append(entry)
                continue
            lines = hidden.get(int(match.group(1)))
            if lines is None or int(match.group(2)) in lines:                  # hidden (or unknown) code
                if shown[-1] != "(hidden test code)":
                    shown.append("(hidden test code)")
                continue
            shown.append("\n".join(ln for ln in entry.splitlines()
                                   if not ((m := CONTEXT.match(ln)) and int(m.group(1)) in lines)))
        return shown


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
