"""Feedback keeps the traceback of an error raised by a visible line of a test cell (issue 17): a student
whose own stub raises in the visible part sees where, and no line of hidden code."""
from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from course.feedback import HideHiddenTests

TEST_CELL = {"nbgrader": {"grade": True, "grade_id": "", "locked": True, "points": 1, "schema_version": 3,
                          "solution": False}}
STUDENT = "def answer(x):\n    y = 2 * x\n    raise NotImplementedError()\n"
HIDDEN_PROLOGUE = "### BEGIN HIDDEN TESTS\nsecret_value = 41\ndef secret_helper():\n    return answer(secret_value)\n### END HIDDEN TESTS\n"
CELLS = {
    # the visible part calls the student's stub: the traceback stays (the hidden prologue's lines do not)
    "visible": HIDDEN_PROLOGUE + "x = 2\nanswer(x)\nz = 4\n",
    # a visible line calls a hidden helper that calls the student: the helper's frame is left out
    "through_hidden": HIDDEN_PROLOGUE + "x = 2\nsecret_helper()\n",
    # a hidden assert fails: name and message only
    "hidden": "x = 2\n### BEGIN HIDDEN TESTS\nsecret_value = 1\nassert secret_value == 2, 'the hidden check failed'\n"
              "### END HIDDEN TESTS\n",
}


@pytest.fixture(scope="module")
def feedback_cells():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(STUDENT)]
    for name, source in CELLS.items():
        meta = {"nbgrader": {**TEST_CELL["nbgrader"], "grade_id": name}}
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata=meta))
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120).execute()
    nb, _ = HideHiddenTests().preprocess(nb, {})
    return {c.metadata["nbgrader"]["grade_id"]: "\n".join("\n".join(o.traceback) for o in c.outputs if o.output_type == "error")
            for c in nb.cells[1:]}


def test_visible_error_keeps_its_traceback(feedback_cells):
    text = feedback_cells["visible"]
    assert "----> 7 answer(x)" in text and "raise NotImplementedError()" in text and "not implemented yet" in text
    assert "secret" not in text and "HIDDEN" not in text


def test_hidden_frames_are_left_out(feedback_cells):
    text = feedback_cells["through_hidden"]
    assert "secret_helper()" in text and "(hidden test code)" in text and "y = 2 * x" in text
    assert "secret_value" not in text and "def secret_helper" not in text and "return answer" not in text


def test_hidden_error_is_reduced_to_its_message(feedback_cells):
    text = feedback_cells["hidden"]
    assert text.startswith("AssertionError: the hidden check failed") and "hidden" in text
    assert "secret_value" not in text
