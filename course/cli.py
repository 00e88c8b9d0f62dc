"""`python -m course`: the instructor's command line.

    python -m course release [HW]      solutions/ -> assignments/ (all, or one assignment)
    python -m course autograde [HW]    grade every submission in course/submitted/<student>/<HW>/
    python -m course feedback [HW]     HTML feedback in course/feedback/ (hidden tests stay hidden)
    python -m course grades            course/grades.csv: one row per student and assignment
    python -m course check [HW]        the whole round trip on a temporary copy

Autograding runs each submission in its own process with a time limit: one
broken submission never stops or erases the others, and every submission ends
with a grade or a recorded reason (course/autograde_log.csv).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

COURSE_DIR = Path(__file__).resolve().parent
ROOT = COURSE_DIR.parent
#: wall-clock limit for grading one submission (cells have their own limit in nbgrader_config.py)
SUBMISSION_TIMEOUT_S = 30 * 60
LOG_FIELDS = ["time", "assignment", "student", "status", "score", "max_score", "auto_max_score", "reason"]


# --------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class Course:
    """Where a course lives: the repo root (solutions/, assignments/) and course/."""

    root: Path = ROOT

    @property
    def course_dir(self) -> Path:
        return self.root / "course"

    def syllabus(self) -> dict:
        with open(self.course_dir / "syllabus.toml", "rb") as f:
            return tomllib.load(f)

    def assignment_ids(self) -> list[str]:
        return [a["id"] for a in self.syllabus().get("assignment", [])]

    def select(self, hw: str | None) -> list[str]:
        ids = self.assignment_ids()
        if hw is None:
            return ids
        if hw not in ids:
            raise SystemExit(f"assignment: expected one of {ids}, got {hw!r}")
        return [hw]

    def source_notebook(self, hw: str) -> Path:
        return self.root / "solutions" / hw / f"{hw}.ipynb"

    def release_notebook(self, hw: str) -> Path:
        return self.root / "assignments" / hw / f"{hw}.ipynb"

    def submissions(self, hw: str) -> list[Path]:
        """The folders course/submitted/<student>/<hw>/, sorted by student."""
        base = self.course_dir / "submitted"
        return sorted(p for p in base.glob(f"*/{hw}") if p.is_dir()) if base.is_dir() else []


def nbgrader(course: Course, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run an nbgrader command inside course/ with this interpreter's bin first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONWARNINGS"] = "ignore"
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course.course_dir, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _fail(what: str, proc: subprocess.CompletedProcess) -> SystemExit:
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
    return SystemExit(f"{what} failed (exit {proc.returncode}):\n{tail}")


# --------------------------------------------------------------------------- release
def release(course: Course, hw: str | None = None) -> list[Path]:
    """Generate the student version of each assignment into assignments/."""
    made = []
    for assignment in course.select(hw):
        proc = nbgrader(course, "generate_assignment", assignment, "--force")
        if proc.returncode != 0:
            raise _fail(f"release of {assignment}", proc)
        made.append(course.release_notebook(assignment))
        print(f"released {assignment} -> {made[-1].relative_to(course.root)}")
    return made


# --------------------------------------------------------------------------- autograde
def _scores(course: Course, hw: str) -> dict[str, tuple[float, float, float]]:
    """(score, max_score, autograded max) per student with a graded submission of ``hw``.

    Manually graded cells count in ``max_score`` but score nothing until an instructor
    grades them; the autograded max leaves them out."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.course_dir / 'gradebook.db'}") as gb:
        try:
            assignment = gb.find_assignment(hw)
        except Exception:
            return {}
        scores = {}
        for s in assignment.submissions:
            auto_max = sum(g.max_score for nb in s.notebooks for g in nb.grades if g.auto_score is not None)
            scores[s.student.id] = (float(s.score), float(s.max_score), float(auto_max))
        return scores


def _log(course: Course, rows: list[dict]) -> None:
    path = course.course_dir / "autograde_log.csv"
    new = not path.exists()
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=LOG_FIELDS)
        if new:
            writer.writeheader()
        writer.writerows(rows)


def _reason(proc: subprocess.CompletedProcess) -> str:
    """The most telling line of a failed nbgrader run: the last exception, else its last error."""
    lines = (proc.stdout + proc.stderr).splitlines()
    exceptions = [ln for ln in lines if re.match(r"^\s*[\w.]+(Error|Exception|Timeout\w*)\b(:|$)", ln)]
    errors = [ln for ln in lines if "| ERROR]" in ln and "Please see" not in ln]
    chosen = exceptions or errors
    return (chosen[-1] if chosen else f"nbgrader exited with {proc.returncode}").strip()[:300]


def autograde_one(course: Course, hw: str, student: str, timeout: float = SUBMISSION_TIMEOUT_S) -> dict:
    """Grade one submission in its own process; never raises. Returns a log row."""
    row = {"time": dt.datetime.now().isoformat(timespec="seconds"), "assignment": hw, "student": student,
           "status": "failed", "score": "", "max_score": "", "auto_max_score": "", "reason": ""}
    try:
        proc = nbgrader(course, "autograde", hw, "--student", student, "--force", timeout=timeout)
    except subprocess.TimeoutExpired:
        row["reason"] = f"grading took longer than {timeout:.0f} s and was stopped"
        return row
    score = _scores(course, hw).get(student)
    if proc.returncode == 0 and score is not None:
        row.update(status="graded", score=f"{score[0]:g}", max_score=f"{score[1]:g}", auto_max_score=f"{score[2]:g}")
    else:
        row["reason"] = _reason(proc)
    return row


def autograde(course: Course, hw: str | None = None, timeout: float = SUBMISSION_TIMEOUT_S) -> list[dict]:
    """Grade every submission of the selected assignments, one process each."""
    rows = []
    for assignment in course.select(hw):
        for folder in course.submissions(assignment):
            student = folder.parent.name
            row = autograde_one(course, assignment, student, timeout)
            rows.append(row)
            _log(course, [row])
            result = f"{row['score']}/{row['max_score']}" if row["status"] == "graded" else row["reason"]
            print(f"{assignment:14s} {student:20s} {row['status']:7s} {result}")
    if not rows:
        print("no submissions found under course/submitted/<student>/<assignment>/")
    return rows


# --------------------------------------------------------------------------- feedback, grades
def feedback(course: Course, hw: str | None = None) -> None:
    """HTML feedback for every autograded submission (course/feedback/<student>/<hw>/)."""
    for assignment in course.select(hw):
        proc = nbgrader(course, "generate_feedback", assignment, "--force")
        if proc.returncode != 0:
            raise _fail(f"feedback for {assignment}", proc)
        print(f"feedback for {assignment} -> course/feedback/")


def _last_log_rows(course: Course) -> dict[tuple[str, str], dict]:
    path = course.course_dir / "autograde_log.csv"
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        return {(r["assignment"], r["student"]): r for r in csv.DictReader(f)}


def grades(course: Course, out: Path | None = None) -> Path:
    """Write one row per (student, assignment): score, max score, and the reason for a missing grade."""
    out = out or course.course_dir / "grades.csv"
    log = _last_log_rows(course)
    students = sorted({s for (_, s) in log} | {p.name for p in (course.course_dir / "submitted").glob("*")
                                                if p.is_dir()})
    rows = []
    for hw in course.assignment_ids():
        scores = _scores(course, hw)
        for student in sorted(students | scores.keys()):
            entry = log.get((hw, student))
            if student in scores and (entry is None or entry["status"] == "graded"):
                score, max_score, _ = scores[student]
                rows.append({"student": student, "assignment": hw, "score": f"{score:g}",
                             "max_score": f"{max_score:g}", "status": "graded", "reason": ""})
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
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("release", "autograde", "feedback", "check"):
        p = sub.add_parser(name)
        p.add_argument("assignment", nargs="?", default=None, help="assignment id (default: all)")
    sub.add_parser("grades")
    args = parser.parse_args(argv)
    course = Course()
    if args.command == "release":
        release(course, args.assignment)
    elif args.command == "autograde":
        autograde(course, args.assignment)
    elif args.command == "feedback":
        feedback(course, args.assignment)
    elif args.command == "grades":
        grades(course)
    elif args.command == "check":
        return 0 if check(course, args.assignment) else 1
    return 0
