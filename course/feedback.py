"""Feedback preprocessing: students see their grades and their own outputs,
never the code of the hidden tests."""
from __future__ import annotations

import re

from nbgrader.preprocessors import ClearHiddenTests

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HideHiddenTests(ClearHiddenTests):
    """Remove ``### BEGIN HIDDEN TESTS`` blocks from graded test cells and
    reduce their error tracebacks (which quote the failing hidden line) to the
    error's name and message."""

    def preprocess_cell(self, cell, resources, cell_index):
        is_test_cell = cell.metadata.get("nbgrader", {}).get("grade", False) and not cell.metadata.get(
            "nbgrader", {}).get("solution", False)
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if is_test_cell and cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    message = ANSI.sub("", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
                    output["traceback"] = [message, "(the test code that raised this is hidden)"]
        return cell, resources
