"""`python -m course`: the instructor's command line.

    python -m course release [HW]      solutions/ -> assignments/ (all, or one assignment)
    python -m course autograde [HW]    grade every submission in course/submitted/<student>/<HW>/
    python -m course feedback [HW]     HTML feedback in course/feedback/ (hidden tests stay hidden)
    python -m course grades            course/grades.csv: one row per student and assignment
    python -m course check [HW]        the whole round trip on a temporary copy

Autograding (course/grading.py) runs each submission in its own temporary course with its
kernel in a sandbox, N at once (--jobs) or on a Dask cluster (--scheduler); every submission
ends with a grade and, where needed, a recorded reason (course/autograde_log.csv).
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
from pathlib import Path

import nbformat

from .grading import SUBMISSION_TIMEOUT_S, autograde, last_log_rows
from .layout import ROOT, Course, failure, nbgrader

__all__ = ["Course", "ROOT", "autograde", "release", "feedback", "grades", "check", "solved_notebook",
           "comparable", "make_temp_course", "submit", "main"]


# --------------------------------------------------------------------------- release
def release(course: Course, hw: str | None = None) -> list[Path]:
    """Generate the student version of each assignment into assignments/."""
    made = []
    for assignment in course.select(hw):
        proc = nbgrader(course, "generate_assignment", assignment, "--force")
        if proc.returncode != 0:
            raise failure(f"release of {assignment}", proc)
        made.append(course.release_notebook(assignment))
        print(f"released {assignment} -> {made[-1].relative_to(course.root)}")
    return made


def _scores(course: Course, hw: str) -> dict[str, tuple[float, float, float]]:
    """(score, max_score, autograded max) per student with a graded submission of ``hw``.

    Manually graded cells count in ``max_score`` but score nothing until an instructor
    grades them; the autograded max leaves them out."""
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url) as gb:
        try:
            assignment = gb.find_assignment(hw)
        except Exception:
            return {}
        scores = {}
        for s in assignment.submissions:
            auto_max = sum(g.max_score for nb in s.notebooks for g in nb.grades if g.auto_score is not None)
            scores[s.student.id] = (float(s.score), float(s.max_score), float(auto_max))
        return scores


# --------------------------------------------------------------------------- feedback, grades
def feedback(course: Course, hw: str | None = None) -> None:
    """HTML feedback for every autograded submission (course/feedback/<student>/<hw>/)."""
    for assignment in course.select(hw):
        proc = nbgrader(course, "generate_feedback", assignment, "--force")
        if proc.returncode != 0:
            raise failure(f"feedback for {assignment}", proc)
        print(f"feedback for {assignment} -> course/feedback/")


def grades(course: Course, out: Path | None = None) -> Path:
    """Write one row per (student, assignment): score, max score, and the reason for a missing grade."""
    out = out or course.course_dir / "grades.csv"
    log = last_log_rows(course)
    students = sorted({s for (_, s) in log} | {p.name for p in (course.course_dir / "submitted").glob("*")
                                                if p.is_dir()})
    rows = []
    for hw in course.assignment_ids():
        scores = _scores(course, hw)
        for student in sorted(students | scores.keys()):
            entry = log.get((hw, student))
            if student in scores:
                score, max_score, _ = scores[student]
                rows.append({"student": student, "assignment": hw, "score": f"{score:g}",
                             "max_score": f"{max_score:g}", "status": entry["status"] if entry else "graded",
                             "reason": entry["reason"] if entry else ""})
            elif entry is not None:
                rows.append({"student": student, "assignment": hw, "score": "", "max_score": "",
                             "status": entry["status"], "reason": entry["reason"]})
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["student", "assignment", "score", "max_score", "status", "reason"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} rows -> {out}")
    return out


# --------------------------------------------------------------------------- check
def solved_notebook(release_nb: nbformat.NotebookNode, source_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What a perfect student submits: the release with every solution cell filled
    from the source notebook (solution delimiters removed)."""
    answers = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [ln for ln in cell.source.splitlines() if "### BEGIN SOLUTION" not in ln
                     and "### END SOLUTION" not in ln]
            answers[meta["grade_id"]] = "\n".join(lines)
    solved = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    for cell in solved.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return solved


def comparable(nb: nbformat.NotebookNode) -> list[tuple]:
    """The parts of a notebook that define an assignment (cell types, sources, nbgrader metadata)."""
    return [(c.cell_type, c.source, json.dumps(c.metadata.get("nbgrader", {}), sort_keys=True)) for c in nb.cells]


def make_temp_course(course: Course, where: Path) -> Course:
    """Copy what defines the course (solutions, assignments, course/*.py, syllabus) into ``where``."""
    shutil.copytree(course.root / "solutions", where / "solutions")
    if (course.root / "assignments").is_dir():
        shutil.copytree(course.root / "assignments", where / "committed_assignments")
    (where / "course").mkdir()
    for f in list(course.course_dir.glob("*.py")) + [course.course_dir / "syllabus.toml"]:
        shutil.copy2(f, where / "course" / f.name)
    shutil.copytree(course.course_dir / "templates", where / "course" / "templates")
    return Course(where)


def submit(course: Course, hw: str, student: str, nb: nbformat.NotebookNode) -> None:
    folder = course.course_dir / "submitted" / student / hw
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{hw}.ipynb")


def check(course: Course, hw: str | None = None) -> bool:
    """Generate, compare with assignments/, grade the solution (must be full marks)
    and the blank release (must be 0) -- on a temporary copy of the course."""
    ok = True
    with tempfile.TemporaryDirectory(prefix="course-check-") as tmp:
        temp = make_temp_course(course, Path(tmp))
        for assignment in course.select(hw):
            release(temp, assignment)
            generated = nbformat.read(temp.release_notebook(assignment), as_version=4)
            committed_path = temp.root / "committed_assignments" / assignment / f"{assignment}.ipynb"
            same = committed_path.exists() and comparable(nbformat.read(committed_path, as_version=4)) == comparable(generated)
            print(f"{assignment}: release {'matches' if same else 'DIFFERS FROM'} assignments/{assignment}/")
            ok &= same
            source = nbformat.read(temp.source_notebook(assignment), as_version=4)
            submit(temp, assignment, "solution", solved_notebook(generated, source))
            submit(temp, assignment, "blank", generated)
            rows = {r["student"]: r for r in autograde(temp, assignment)}
            sol, blank = rows.get("solution", {}), rows.get("blank", {})
            # full marks on everything the autograder grades (manual cells await an instructor)
            full = sol.get("status") == "graded" and float(sol["score"]) == float(sol["auto_max_score"])
            zero = blank.get("status") == "graded" and float(blank["score"]) == 0
            print(f"{assignment}: solution {sol.get('score')}/{sol.get('auto_max_score')} autograded "
                  f"(of {sol.get('max_score')} points) "
                  f"({'ok' if full else 'NOT FULL MARKS'}), blank {blank.get('score')} ({'ok' if zero else 'NOT ZERO'})")
            ok &= full and zero
    print("check passed" if ok else "check FAILED")
    return ok


# --------------------------------------------------------------------------- main
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    parsers = {}
    for name in ("release", "autograde", "feedback", "check"):
        parsers[name] = p = sub.add_parser(name)
        p.add_argument("assignment", nargs="?", default=None, help="assignment id (default: all)")
    sub.add_parser("grades")
    grading = parsers["autograde"]
    grading.add_argument("--jobs", "-j", type=positive_int, default=None,
                         help="submissions graded at once on this machine (default: the number of cores)")
    grading.add_argument("--scheduler", metavar="ADDRESS", default=None,
                         help="grade on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786")
    grading.add_argument("--force", action="store_true", help="grade again submissions already graded")
    grading.add_argument("--student", action="append", default=None, metavar="ID",
                         help="grade only this student (repeatable)")
    grading.add_argument("--timeout", type=positive_int, default=SUBMISSION_TIMEOUT_S, metavar="SECONDS",
                         help=f"wall-clock limit per submission (default {SUBMISSION_TIMEOUT_S})")
    grading.add_argument("--no-sandbox", action="store_true",
                         help="run student code unsandboxed (only where no sandbox exists; it is logged)")
    grading.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    course = Course()
    if args.command == "release":
        release(course, args.assignment)
    elif args.command == "autograde":
        autograde(course, args.assignment, jobs=args.jobs, scheduler=args.scheduler, force=args.force,
                  sandbox=not args.no_sandbox, students=args.student, timeout=args.timeout,
                  progress=not args.no_progress)
    elif args.command == "feedback":
        feedback(course, args.assignment)
    elif args.command == "grades":
        grades(course)
    elif args.command == "check":
        return 0 if check(course, args.assignment) else 1
    return 0
