"""`python -m course`: the course's command line.

Instructor (this repository):

    python -m course release [HW]               solutions/ -> assignments/ (all, or one assignment)
    python -m course publish [--out DIR]        the student edition -> build/student/ (no solutions)
    python -m course collect HW DOWNLOAD        an LMS zip or folder -> course/submitted/<student>/HW/
    python -m course autograde [HW]             grade every submission (sandboxed, parallel, resumable)
    python -m course feedback [HW]              HTML feedback in course/feedback/ (hidden tests stay hidden)
    python -m course return HW                  one feedback zip per student in course/return/HW/
    python -m course grades [--roster CSV]      course/grades.csv (long) and course/grades_wide.csv (LMS)
    python -m course check [HW]                 the whole round trip on a temporary copy

Student (both editions): start [HW], validate HW, submit HW --student ID (see course/student.py).

Autograding (course/grading.py) runs each submission in its own temporary course with its
kernel in a sandbox, N at once (--jobs) or on a Dask cluster (--scheduler); every submission
ends with a grade and, where needed, a recorded reason (course/autograde_log.csv).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import nbformat

from . import student
from .collect import collect
from .grades import grades, return_feedback
from .grading import SUBMISSION_TIMEOUT_S, autograde
from .layout import ROOT, Course, failure, nbgrader
from .publish import publish

__all__ = ["Course", "ROOT", "autograde", "release", "feedback", "grades", "return_feedback", "collect",
           "publish", "check", "solved_notebook", "comparable", "make_temp_course", "submit", "main"]


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


# --------------------------------------------------------------------------- feedback, grades
def feedback(course: Course, hw: str | None = None) -> None:
    """HTML feedback for every autograded submission (course/feedback/<student>/<hw>/); without ``hw``,
    for every assignment that has autograded submissions."""
    autograded = course.course_dir / "autograded"
    for assignment in course.select(hw):
        if hw is None and not any(autograded.glob(f"*/{assignment}/*.ipynb")):
            print(f"feedback: {assignment} has no autograded submissions (skipped)")
            continue
        proc = nbgrader(course, "generate_feedback", assignment, "--force")
        if proc.returncode != 0:
            raise failure(f"feedback for {assignment}", proc)
        print(f"feedback for {assignment} -> course/feedback/")


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
    p = sub.add_parser("grades")
    p.add_argument("--roster", type=Path, default=None, help="CSV with student_id (or id), first_name, last_name, email")
    p = sub.add_parser("publish")
    p.add_argument("--out", type=Path, default=None, help="where (default build/student/)")
    p = sub.add_parser("collect")
    p.add_argument("assignment")
    p.add_argument("download", type=Path, help="the LMS's zip, or a folder")
    p.add_argument("--regex", default=None, help="a regular expression with a (?P<student_id>...) group, matched "
                                                 "against each file's path in the download")
    p = sub.add_parser("return")
    p.add_argument("assignment")
    student.add_commands(sub)
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
        grades(course, args.roster)
    elif args.command == "publish":
        publish(course, args.out)
    elif args.command == "collect":
        collect(course, args.assignment, args.download, args.regex)
    elif args.command == "return":
        return_feedback(course, args.assignment)
    elif args.command in ("start", "validate", "submit"):
        return student.run_command(args, course.root)
    elif args.command == "check":
        return 0 if check(course, args.assignment) else 1
    return 0
