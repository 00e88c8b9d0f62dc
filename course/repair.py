"""Give a submitted notebook back the cells and grading metadata of its release.

nbgrader grades a cell only when it carries the release's ``nbgrader`` metadata (its
``grade_id``): a student who deleted a test cell, or who copied the cells into a fresh notebook
(metadata stripped), would otherwise score 0 on work that is there. `restore_cells` matches
every graded or locked cell of the release with a cell of the submission,

1. by ``grade_id`` (the metadata is intact),
2. by cell id (the metadata was stripped but the cell kept its id),
3. by source (a locked cell, a test or an untouched answer stub is unchanged),
4. for answer cells, by the names the release's stub defines (``def sample_mixture(``), or as
   the only unmatched cell of that type between two matched neighbours (graded cells, or
   ungraded text and code cells that are unchanged),

copies the release's metadata onto the match, and puts back every release cell that has no
match at its place (a deleted test cell is restored, and nbgrader then overwrites its source
with the version in the gradebook). Answer cells that cannot be found come back as the
release's stub and score 0. Graded metadata on any other cell is removed.
"""
from __future__ import annotations

import ast
import copy
import threading
import uuid

import nbformat


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _key(cell) -> str:
    return cell.get("source", "").strip()


# CPython 3.11 keeps the AST builder's recursion depth per interpreter, not per thread: two
# threads parsing at once (autograde --jobs N grades in threads) can raise "SystemError: AST
# constructor recursion depth mismatch".  One parse at a time.
_PARSE_LOCK = threading.Lock()


def defined_names(source: str) -> set[str]:
    """Top-level functions and classes a code cell defines (empty when it does not parse)."""
    try:
        with _PARSE_LOCK:
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def restore_cells(submitted: nbformat.NotebookNode, release: nbformat.NotebookNode
                  ) -> tuple[nbformat.NotebookNode, list[str]]:
    """The submission with the release's graded cells in place, and notes on what was changed."""
    cells = [copy.deepcopy(c) for c in submitted.cells]
    graded = [i for i, c in enumerate(release.cells) if _meta(c).get("grade_id")]
    match: dict[int, int] = {}             # release index -> submission index
    how: dict[int, str] = {}
    taken: set[int] = set()

    def pair(r: int, s: int, reason: str) -> None:
        match[r], how[r] = s, reason
        taken.add(s)

    def same_type(r: int, s: int) -> bool:
        return cells[s].cell_type == release.cells[r].cell_type

    by_grade_id: dict[str, list[int]] = {}
    for s, c in enumerate(cells):
        if _meta(c).get("grade_id"):
            by_grade_id.setdefault(_meta(c)["grade_id"], []).append(s)
    for r in graded:
        found = by_grade_id.get(_meta(release.cells[r])["grade_id"], [])
        if len(found) == 1 and same_type(r, found[0]):
            pair(r, found[0], "grade_id")
    by_id = {c.get("id"): s for s, c in enumerate(cells) if c.get("id")}
    for r in graded:
        s = by_id.get(release.cells[r].get("id"))
        if r not in match and s is not None and s not in taken and same_type(r, s):
            pair(r, s, "cell id")
    for r in graded:
        if r in match:
            continue
        for s, c in enumerate(cells):
            if s not in taken and same_type(r, s) and _key(c) == _key(release.cells[r]):
                pair(r, s, "source")
                break
    for r in graded:                         # answers: what the stub defines
        names = defined_names(release.cells[r].source) if release.cells[r].cell_type == "code" else set()
        if r in match or not names or not _meta(release.cells[r]).get("solution"):
            continue
        found = [s for s, c in enumerate(cells) if s not in taken and same_type(r, s)
                 and names <= defined_names(c.source)]
        if len(found) == 1:
            pair(r, found[0], "definitions")
    # unchanged ungraded cells (text, plots) are landmarks too
    landmarks = dict(match)
    for r, rel in enumerate(release.cells):
        if r in landmarks or _meta(rel).get("grade_id"):
            continue
        s = by_id.get(rel.get("id"))
        if s is None or _key(cells[s]) != _key(rel):
            s = next((s for s, c in enumerate(cells) if s not in taken and s not in landmarks.values()
                      and same_type(r, s) and _key(c) == _key(rel)), None)
        if s is not None and s not in taken:
            landmarks[r] = s
    for r in graded:                         # answers: the only candidate between matched neighbours
        if r in match or not _meta(release.cells[r]).get("solution"):
            continue
        before = max((landmarks[q] for q in landmarks if q < r), default=-1)
        after = min((landmarks[q] for q in landmarks if q > r), default=len(cells))
        found = [s for s in range(before + 1, after) if s not in taken and same_type(r, s)]
        if len(found) == 1:
            pair(r, found[0], "position")

    notes = []
    forged = [s for s, c in enumerate(cells) if _meta(c) and s not in taken]
    for s in forged:
        cells[s].metadata.pop("nbgrader", None)
    if forged:
        notes.append(f"removed grading metadata from {len(forged)} cell(s) that match no graded cell of the release")
    for r, s in match.items():
        rel = release.cells[r]
        if how[r] != "grade_id" or _meta(cells[s]) != _meta(rel):
            cells[s].metadata["nbgrader"] = copy.deepcopy(_meta(rel))
        if rel.get("id") and cells[s].get("id") != rel.get("id"):
            for other in cells:              # the release id goes to its match; a clash gets a fresh id
                if other is not cells[s] and other.get("id") == rel.get("id"):
                    other["id"] = uuid.uuid4().hex[:8]
            cells[s]["id"] = rel["id"]
    relabelled = sorted(_meta(release.cells[r])["grade_id"] for r in match if how[r] != "grade_id")
    if relabelled:
        notes.append(f"restored the grading metadata of {len(relabelled)} cell(s) from the release "
                     f"(matched by cell id, source or content): {', '.join(relabelled)}")

    # put back the release cells that have no match, after the cell of their predecessor
    placed = {r: cells[s] for r, s in match.items()}       # release index -> cell object in the output
    out = list(cells)
    restored, missing_answers = [], []
    for r in graded:
        if r in placed:
            continue
        cell = copy.deepcopy(release.cells[r])
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        previous = [q for q in placed if q < r]
        position = _index(out, placed[max(previous)]) + 1 if previous else 0
        out.insert(position, cell)
        placed[r] = cell
        (missing_answers if _meta(cell).get("solution") else restored).append(_meta(cell)["grade_id"])
    if restored:
        notes.append(f"put back {len(restored)} cell(s) missing from the notebook: {', '.join(restored)}")
    if missing_answers:
        notes.append(f"no answer found for {', '.join(missing_answers)} (scored 0)")
    result = nbformat.from_dict(copy.deepcopy(dict(submitted)))
    result.cells = out
    result.nbformat, result.nbformat_minor = 4, max(5, submitted.get("nbformat_minor", 5))
    seen = set()
    for c in result.cells:                   # nbformat 4.5: every cell has a unique id
        if not c.get("id") or c["id"] in seen:
            c["id"] = uuid.uuid4().hex[:8]
        seen.add(c["id"])
    return result, notes


def _index(cells: list, target) -> int:
    return next(i for i, c in enumerate(cells) if c is target)
