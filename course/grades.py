"""Grades an LMS can import, and the feedback packages students get back.

``grades`` writes two tables from the gradebook (``nbgrader export``'s numbers: score = raw score
minus the late penalty, never below 0):

* course/grades.csv, long: one row per student and assignment, with status and reason;
* course/grades_wide.csv, wide: one row per student (the roster's, in its order, when one is
  given), per assignment a total column, one column per part and a note column; a missing
  submission is an empty cell with the reason in the note.

A roster (CSV with a ``student_id`` or ``id`` column, optionally ``first_name``, ``last_name``,
``email``) also puts its students in the gradebook, so that ``nbgrader export`` and these
tables agree on who is in the class.

``return_feedback`` zips each student's feedback (HTML, and a text summary by part) into
course/return/<hw>/<student>.zip, one file to send each student.
"""
from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import nbformat

from .grading import last_log_rows
from .layout import Course
from .parts import part_names

PEOPLE = ["first_name", "last_name", "email"]


def read_roster(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"roster: {path} has no students")
    key = next((k for k in ("student_id", "id") if k in rows[0]), None)
    if key is None:
        raise SystemExit(f"roster: expected a 'student_id' or 'id' column in {path}, got {list(rows[0])}")
    return [{"student_id": r[key].strip(), **{k: (r.get(k) or "").strip() for k in PEOPLE}} for r in rows
            if r[key].strip()]


def _enrol(course: Course, roster: list[dict]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url) as gb:
        for person in roster:
            gb.update_or_create_student(person["student_id"], **{k: person[k] or None for k in PEOPLE})


def _parts(course: Course, hw: str) -> dict[str, str]:
    release = course.release_notebook(hw)
    return part_names(nbformat.read(release, as_version=4)) if release.exists() else {}


def table(course: Course, roster: list[dict] | None = None) -> tuple[list[dict], list[str]]:
    """The long table, plus the parts of each assignment in order (for the wide one)."""
    from nbgrader.api import Gradebook, MissingEntry

    log = last_log_rows(course)
    rows, part_columns = [], []
    with Gradebook(course.gradebook_url) as gb:
        people = {s.id: {"student_id": s.id, "first_name": s.first_name or "", "last_name": s.last_name or "",
                         "email": s.email or ""} for s in gb.students}
        order = [p["student_id"] for p in roster] if roster else sorted(
            set(people) | {s for (_, s) in log}
            | {p.name for p in (course.course_dir / "submitted").glob("*") if p.is_dir()})
        for person in roster or []:
            people.setdefault(person["student_id"], person)
        for hw in course.assignment_ids():
            names = _parts(course, hw)
            try:
                assignment = gb.find_assignment(hw)
                max_score = float(assignment.max_score)
            except MissingEntry:
                assignment, max_score = None, None
            parts = list(dict.fromkeys(names.values()))
            part_columns += [f"{hw} | {p}" for p in parts]
            for student in order:
                person = people.get(student, {"student_id": student, "first_name": "", "last_name": "", "email": ""})
                row = {**person, "assignment": hw, "score": "", "max_score": "" if max_score is None else f"{max_score:g}",
                       "status": "missing", "reason": "no submission", "timestamp": "", "parts": {}}
                entry = log.get((hw, student))
                submission = None
                if assignment is not None:
                    try:
                        submission = gb.find_submission(hw, student)
                    except MissingEntry:
                        pass
                if submission is not None:
                    score = max(0.0, float(submission.score) - float(submission.late_submission_penalty or 0))
                    row.update(score=f"{score:g}", status=entry["status"] if entry else "graded",
                               reason=entry["reason"] if entry else "",
                               timestamp=submission.timestamp.isoformat() if submission.timestamp else "")
                    for nb in submission.notebooks:
                        for grade in nb.grades:
                            part = names.get(grade.name, grade.name)
                            got, out_of = row["parts"].get(part, (0.0, 0.0))
                            row["parts"][part] = (got + float(grade.score or 0), out_of + float(grade.max_score or 0))
                elif entry is not None:
                    row.update(status=entry["status"], reason=entry["reason"])
                rows.append(row)
    return rows, part_columns


def grades(course: Course, roster_path: Path | None = None) -> tuple[Path, Path]:
    """Write course/grades.csv (long) and course/grades_wide.csv (wide)."""
    roster = read_roster(roster_path) if roster_path else None
    if roster:
        _enrol(course, roster)
    rows, part_columns = table(course, roster)
    long_path, wide_path = course.course_dir / "grades.csv", course.course_dir / "grades_wide.csv"
    fields = ["student_id", *PEOPLE, "assignment", "score", "max_score", "status", "reason", "timestamp"]
    with open(long_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    wide: dict[str, dict] = {}
    columns = ["student_id", *PEOPLE]
    for hw in course.assignment_ids():
        columns += [hw] + [c for c in part_columns if c.startswith(f"{hw} | ")] + [f"{hw} note"]
    for row in rows:
        out = wide.setdefault(row["student_id"], {k: row[k] for k in ["student_id", *PEOPLE]})
        hw = row["assignment"]
        out[hw] = row["score"]
        for part, (got, _) in row["parts"].items():
            out[f"{hw} | {part}"] = f"{got:g}"
        out[f"{hw} note"] = row["reason"] if row["status"] != "graded" or row["reason"] else ""
    with open(wide_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(wide.values())
    print(f"{len(rows)} rows -> {long_path}; {len(wide)} students x {len(columns) - 4} columns -> {wide_path}")
    return long_path, wide_path


def return_feedback(course: Course, hw: str) -> list[Path]:
    """One zip per student: the feedback pages of ``hw`` and a plain-text summary by part."""
    course.select(hw)
    rows = [r for r in table(course)[0] if r["assignment"] == hw and r["status"] != "missing"]
    out_dir = course.course_dir / "return" / hw
    out_dir.mkdir(parents=True, exist_ok=True)
    made, without = [], []
    for row in rows:
        student = row["student_id"]
        pages = sorted((course.course_dir / "feedback" / student / hw).glob("*.html"))
        summary = [f"{hw}: {row['score']} / {row['max_score']} points"]
        summary += [f"  {part}: {got:g} / {out_of:g}" for part, (got, out_of) in row["parts"].items()]
        if row["reason"]:
            summary.append(f"Note from the grader: {row['reason']}")
        if not pages:
            without.append(student)
            summary.append("There is no feedback page: the submission could not be run (see the note).")
        path = out_dir / f"{student}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"{hw}-feedback/summary.txt", "\n".join(summary) + "\n")
            for page in pages:
                z.write(page, f"{hw}-feedback/{page.name}")
        made.append(path)
    print(f"return {hw}: {len(made)} zip(s) in course/return/{hw}/ (send each to its student)"
          + (f"; without a feedback page: {', '.join(without)}" if without else ""))
    return made
