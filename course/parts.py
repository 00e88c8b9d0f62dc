"""The parts of an assignment notebook: which graded cell belongs to which "Part N — title".

Shared by validation (students), feedback and the wide grades table (instructors): each
graded cell belongs to the part whose markdown heading (``## Part 2 — The negative
log-likelihood (20 points)``) comes last before it; the points in brackets are left out.
"""
from __future__ import annotations

import re

HEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*$", re.M)
POINTS = re.compile(r"\s*\((?:\d+(?:\.\d+)?\s+points?|no new code|[^)]*\bpoints?\b[^)]*)\)\s*$", re.I)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    """An autograded test cell (graded, not an answer)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def heading(source: str) -> str | None:
    """The first heading of a markdown cell, without its points."""
    match = HEADING.search(source)
    return POINTS.sub("", match.group(1)).strip() if match else None


def part_names(nb) -> dict[str, str]:
    """grade_id -> the title of the part it belongs to, for every graded or answer cell.

    Where some headings start with "Part", only those count (an "(ungraded) look at ..."
    section does not start a part)."""
    titles = [heading(c.get("source", "")) if c.get("cell_type") == "markdown" else None for c in nb.cells]
    if any(t and t.lower().startswith("part") for t in titles):
        titles = [t if t and t.lower().startswith("part") else None for t in titles]
    names, current = {}, None
    for cell, title in zip(nb.cells, titles):
        if title:
            current = title
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id and (nbgrader_meta(cell).get("grade") or nbgrader_meta(cell).get("solution")):
            names[grade_id] = current or grade_id
    return names
