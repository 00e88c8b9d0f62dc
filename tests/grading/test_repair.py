"""course.repair: a submission gets back the release's graded cells and metadata (no grading run)."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

import hostile
from course.cli import Course, solved_notebook
from course.repair import defined_names, restore_cells

ROOT = Path(__file__).resolve().parents[2]


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def graded_view(nb) -> list[tuple]:
    """(grade_id, type, source) of the cells nbgrader will grade or lock, in order."""
    return [(meta(c)["grade_id"], c.cell_type, c.source) for c in nb.cells if meta(c).get("grade_id")]


@pytest.fixture(params=Course(ROOT).assignment_ids())
def notebooks(request):
    hw = request.param
    release = nbformat.read(ROOT / "assignments" / hw / f"{hw}.ipynb", as_version=4)
    source = nbformat.read(ROOT / "solutions" / hw / f"{hw}.ipynb", as_version=4)
    return release, solved_notebook(release, source)


def test_an_intact_notebook_is_unchanged(notebooks):
    release, solved = notebooks
    repaired, notes = restore_cells(solved, release)
    assert notes == []
    assert [(c.cell_type, c.source, meta(c)) for c in repaired.cells] == \
        [(c.cell_type, c.source, meta(c)) for c in solved.cells]


def test_deleted_test_cells_come_back_in_place(notebooks):
    release, solved = notebooks
    repaired, notes = restore_cells(hostile.without_test_cells(solved), release)
    assert graded_view(repaired) == graded_view(solved)
    assert any("put back" in n for n in notes)


def test_stripped_metadata_is_restored_and_answers_kept(notebooks):
    release, solved = notebooks
    repaired, notes = restore_cells(hostile.stripped(solved), release)
    assert graded_view(repaired) == graded_view(solved)          # answers stay the student's
    assert [c.source for c in repaired.cells] == [c.source for c in solved.cells]
    assert [c["id"] for c in repaired.cells if meta(c)] == [c["id"] for c in release.cells if meta(c)]
    assert any("restored the grading metadata" in n for n in notes)


def test_stripped_and_reordered_answers_are_found_by_what_they_define(notebooks):
    release, solved = notebooks
    nb = hostile.stripped(solved)
    answers = [i for i, c in enumerate(solved.cells) if meta(c).get("solution") and defined_names(c.source)]
    if len(answers) < 2:
        pytest.skip("fewer than two answer cells that define functions")
    i, j = answers[0], answers[1]
    nb.cells[i], nb.cells[j] = nb.cells[j], nb.cells[i]       # the student moved two answers around
    repaired, _ = restore_cells(nb, release)
    by_id = {meta(c)["grade_id"]: c.source for c in repaired.cells if meta(c).get("solution")}
    assert by_id[meta(solved.cells[i])["grade_id"]] == solved.cells[i].source
    assert by_id[meta(solved.cells[j])["grade_id"]] == solved.cells[j].source


def test_a_missing_answer_comes_back_as_the_stub(notebooks):
    release, solved = notebooks
    answer = next(c for c in solved.cells if meta(c).get("solution"))
    nb = nbformat.from_dict(json.loads(json.dumps(solved)))
    nb.cells = [c for c in nb.cells if meta(c).get("grade_id") != meta(answer)["grade_id"]]
    repaired, notes = restore_cells(nb, release)
    stub = next(c for c in release.cells if meta(c).get("grade_id") == meta(answer)["grade_id"])
    restored = [c for c in repaired.cells if meta(c).get("grade_id") == meta(answer)["grade_id"]]
    assert [c.source for c in restored] == [stub.source]
    assert any(f"no answer found for {meta(answer)['grade_id']}" in n for n in notes)


def test_forged_and_duplicated_metadata_is_removed(notebooks):
    release, solved = notebooks
    nb = nbformat.from_dict(json.loads(json.dumps(solved)))
    test_cell = next(c for c in nb.cells if meta(c).get("grade") and not meta(c).get("solution"))
    copy = nbformat.from_dict(json.loads(json.dumps(test_cell)))
    copy.source, copy["id"] = "pass  # my own 'test'", "forged-copy"
    forged = nbformat.v4.new_code_cell("print('free points')")
    forged.metadata["nbgrader"] = {"grade": True, "grade_id": "free_points", "points": 1000, "solution": False,
                                   "locked": True, "schema_version": 3}
    nb.cells += [copy, forged]
    repaired, notes = restore_cells(nb, release)
    assert sorted(meta(c)["grade_id"] for c in repaired.cells if meta(c)) == \
        sorted(meta(c)["grade_id"] for c in release.cells if meta(c))
    assert any("removed grading metadata" in n for n in notes)
    assert len({c["id"] for c in repaired.cells}) == len(repaired.cells)
