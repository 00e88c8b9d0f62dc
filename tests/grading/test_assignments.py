"""Every assignment, end to end through nbgrader, on a temporary copy of the course.

One batch per assignment, graded by the instructor CLI (`course.cli.autograde`):

* ``perfect``  -- the release with every solution filled in from solutions/: full marks;
* ``blank``    -- the release as students get it: zero, without crashing;
* ``adversary``-- a student who deletes the tests, hard-codes answers, calls the library's
  reference instead of writing the code, and starts with an infinite loop: the tests are
  restored, the cheats fail the hidden tests, the loop times out and the rest is graded;
* ``corrupt``  -- a file that is not a notebook: 0 points with the reason, the batch goes on.

Kernels run in the sandbox (course/sandbox.py); tests/grading/test_hostile.py attacks it.

The adversary's cheats are assignment-specific and live in ``cases/<assignment>.py``:
``HARD_CODED`` and ``LIBRARY_CALLING`` map a solution cell's grade_id to replacement code that
passes the visible asserts, and ``CHEATED_TESTS`` lists the test cells that must then score 0.
"""
from __future__ import annotations

import csv
import html
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from course.cli import (
    Course,
    autograde,
    comparable,
    feedback,
    grades,
    make_temp_course,
    release,
    solved_notebook,
    submit,
)

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = Course(ROOT).assignment_ids()
CASES = Path(__file__).resolve().parent / "cases"
LOOP_TIMEOUT_S = 60     # the temporary course's cell timeout (the real one is 120 s)


def load_cases(hw: str):
    path = CASES / f"{hw}.py"
    assert path.exists(), f"every assignment needs its cheating student: {path.relative_to(ROOT)}"
    spec = importlib.util.spec_from_file_location(f"cases_{hw}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cells_by_id(nb) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "grade_id" in c.metadata.get("nbgrader", {})}


def adversary_notebook(solved, cases):
    """The solved notebook, with every test cell emptied, cheats in place, and an infinite loop first."""
    nb = nbformat.from_dict(json.loads(json.dumps(solved)))
    cells = cells_by_id(nb)
    for grade_id, source in {**cases.HARD_CODED, **cases.LIBRARY_CALLING}.items():
        assert grade_id in cells and cells[grade_id].metadata["nbgrader"].get("solution"), grade_id
        cells[grade_id].source = source
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            cell.source = "# the tests were in my way\npass"
    loop = nbformat.v4.new_code_cell("while True:\n    pass")
    nb.cells.insert(1, loop)
    return nb


@dataclass
class Graded:
    hw: str
    course: Course
    rows: dict
    generated: nbformat.NotebookNode
    source: nbformat.NotebookNode
    cases: object

    def cell_score(self, student: str, grade_id: str) -> tuple[float, float]:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.course.course_dir / 'gradebook.db'}") as gb:
            grade = gb.find_grade(grade_id, self.hw, self.hw, student)
            return float(grade.score), float(grade.max_score)


def grade_batch(hw: str, tmp_path_factory) -> Graded:
    """Release ``hw`` in a temporary course and autograde the four students in one batch."""
    cases = load_cases(hw)
    temp = make_temp_course(Course(ROOT), tmp_path_factory.mktemp(hw))
    with open(temp.course_dir / "nbgrader_config.py", "a") as f:
        f.write(f"\nc.Execute.timeout = {LOOP_TIMEOUT_S}\n")
    release(temp, hw)
    generated = nbformat.read(temp.release_notebook(hw), as_version=4)
    source = nbformat.read(temp.source_notebook(hw), as_version=4)
    solved = solved_notebook(generated, source)
    submit(temp, hw, "perfect", solved)
    submit(temp, hw, "blank", generated)
    submit(temp, hw, "adversary", adversary_notebook(solved, cases))
    corrupt = temp.course_dir / "submitted" / "corrupt" / hw
    corrupt.mkdir(parents=True)
    (corrupt / f"{hw}.ipynb").write_text("{ this is not a notebook")
    rows = {r["student"]: r for r in autograde(temp, hw, jobs=2, progress=False)}
    return Graded(hw, temp, rows, generated, source, cases)


@pytest.fixture(scope="class")
def graded(request, tmp_path_factory) -> Graded:
    """The graded batch of the requesting class's assignment, made once per assignment.

    pytest-xdist (``--dist loadscope``) sends each class to one worker; the batch is cached
    because a worker may tear class fixtures down before it knows the next test."""
    hw = request.cls.hw
    if hw not in _GRADED:
        _GRADED[hw] = grade_batch(hw, tmp_path_factory)
    return _GRADED[hw]


@pytest.mark.slow
class AssignmentRoundTrip:
    """The checks of one assignment; a subclass per assignment (below) sets ``hw``."""

    hw: str

    def test_release_equals_committed_assignment(self, graded):
        committed = nbformat.read(ROOT / "assignments" / graded.hw / f"{graded.hw}.ipynb", as_version=4)
        assert comparable(committed) == comparable(graded.generated), \
            f"assignments/{graded.hw} is stale: run `make release HW={graded.hw}` and commit it"
        released_text = json.dumps(graded.generated)
        assert "BEGIN SOLUTION" not in released_text and "BEGIN HIDDEN TESTS" not in released_text
        # nbgrader copies every file of solutions/<hw>/ into the release: nothing there may leak answers
        generated_dir = graded.course.release_notebook(graded.hw).parent
        files = sorted(p.relative_to(generated_dir) for p in generated_dir.rglob("*") if p.is_file())
        committed_dir = ROOT / "assignments" / graded.hw
        assert files == sorted(p.relative_to(committed_dir) for p in committed_dir.rglob("*") if p.is_file())
        for name in files:
            text = (generated_dir / name).read_bytes()
            assert b"BEGIN SOLUTION" not in text and b"BEGIN HIDDEN TESTS" not in text, name


    def test_assignment_is_worth_100_points(self, graded):
        points = sum(c.metadata["nbgrader"].get("points", 0) for c in graded.source.cells
                     if c.metadata.get("nbgrader", {}).get("grade"))
        assert points == 100


    def test_perfect_student_gets_full_marks(self, graded):
        row = graded.rows["perfect"]
        assert row["status"] == "graded", row
        assert float(row["max_score"]) == 100, row
        assert float(row["score"]) == float(row["auto_max_score"]), row     # manual cells await the instructor


    def test_blank_release_scores_zero_without_crashing(self, graded):
        row = graded.rows["blank"]
        assert row["status"] == "graded", row
        assert float(row["score"]) == 0, row


    def test_adversary_tests_restored_cheats_fail_loop_times_out(self, graded):
        row = graded.rows["adversary"]
        assert row["status"] == "graded", row          # the infinite loop did not stop grading
        for grade_id in graded.cases.CHEATED_TESTS:
            score, max_score = graded.cell_score("adversary", grade_id)
            assert score == 0 < max_score, f"{grade_id}: a cheating answer passed (tests restored?)"
        honest = [gid for gid, c in cells_by_id(graded.source).items()
                  if c.metadata["nbgrader"].get("grade") and gid not in graded.cases.CHEATED_TESTS
                  and c.cell_type == "code"]
        # tests of honest cells were deleted by the student, restored by nbgrader, and pass
        for grade_id in honest:
            score, max_score = graded.cell_score("adversary", grade_id)
            assert score == max_score, f"{grade_id}: an honest answer lost points in the adversary's notebook"
        autograded = graded.course.course_dir / "autograded" / "adversary" / graded.hw / f"{graded.hw}.ipynb"
        loop = nbformat.read(autograded, as_version=4).cells[1]
        assert loop.source.startswith("while True") and any(o.get("output_type") == "error" for o in loop.outputs)


    def test_corrupt_submission_scores_zero_with_reason_and_grades_exported(self, graded):
        row = graded.rows["corrupt"]
        assert row["status"] == "zero" and float(row["score"]) == 0 and "not a readable notebook" in row["reason"], row
        out, _ = grades(graded.course)
        with open(out, newline="") as f:
            table = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
        assert table[("perfect", graded.hw)]["score"] == graded.rows["perfect"]["score"]
        assert table[("blank", graded.hw)]["score"] == "0"
        corrupt = table[("corrupt", graded.hw)]
        assert corrupt["score"] == "0" and corrupt["status"] == "zero" and corrupt["reason"], corrupt


    def test_feedback_hides_hidden_tests(self, graded):
        feedback(graded.course, graded.hw)
        hidden = []
        for cell in graded.source.cells:
            inside = False
            for line in cell.source.splitlines():
                if "### BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "### END HIDDEN TESTS" in line:
                    inside = False
                elif inside and len(line.strip()) > 30:
                    hidden.append(line.strip())
        assert hidden, "the assignment has no hidden tests"
        for student in ("perfect", "adversary"):
            page = graded.course.course_dir / "feedback" / student / graded.hw / f"{graded.hw}.html"
            text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))     # code without highlighting spans
            leaked = [line for line in hidden if line in text]
            assert leaked == [], f"feedback for {student} shows hidden test code: {leaked[:3]}"


_GRADED: dict[str, Graded] = {}
for _hw in ASSIGNMENTS:  # TestAssignment_hw1_mdn, ...
    globals()[f"TestAssignment_{_hw}"] = type(f"TestAssignment_{_hw}", (AssignmentRoundTrip,), {"hw": _hw})
