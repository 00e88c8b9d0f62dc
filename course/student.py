"""The student's commands: start an assignment, check it, hand it in.

    python -m course start [HW]            copy assignments/HW/ to work/HW/ (never overwrites your work)
    python -m course validate HW           run work/HW/HW.ipynb: which visible tests pass, part by part
    python -m course submit HW --student ID   validate, then write submit/HW-ID.zip to upload

Students work in ``work/`` (git-ignored): ``assignments/`` is what the course releases, and a
new release, ``git pull`` or nbgrader never touch ``work/``. The zip that ``submit`` writes
carries a small manifest (``submission.json``: assignment, student, time, file hashes), so that
``python -m course collect`` places it correctly whatever the course website renames it to.

This module works in both editions of the course (this repository and the student edition of
``python -m course publish``); it needs nbformat and nbclient only.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .parts import is_test_cell, nbgrader_meta, part_names

ROOT = Path(__file__).resolve().parents[1]
WORK, SUBMIT = "work", "submit"
MANIFEST = "submission.json"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
#: nbgrader's timestamp format (timestamp.txt in a submission folder)
TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f UTC"
IGNORED = (".ipynb_checkpoints", "__pycache__", ".DS_Store")
CELL_TIMEOUT_S = 300
#: stderr that does not zero a graded cell (nbgrader's IgnorePattern, set from this in nbgrader_config.py)
HARMLESS_STDERR = r"(?i)warning|tqdm|it/s\]"


def assignments(root: Path) -> list[str]:
    with open(root / "course" / "syllabus.toml", "rb") as f:
        return [a["id"] for a in tomllib.load(f).get("assignment", [])]


def _check(root: Path, hw: str) -> str:
    ids = assignments(root)
    if hw not in ids:
        raise SystemExit(f"assignment: expected one of {ids}, got {hw!r}")
    return hw


def work_notebook(root: Path, hw: str) -> Path:
    return root / WORK / hw / f"{hw}.ipynb"


# --------------------------------------------------------------------------- start
def start(root: Path = ROOT, hw: str | None = None, quiet: bool = False) -> list[Path]:
    """Copy each released assignment (or ``hw``) to work/<hw>/, unless it is already there."""
    made = []
    for assignment in [_check(root, hw)] if hw else assignments(root):
        release, work = root / "assignments" / assignment, root / WORK / assignment
        if not release.is_dir():
            if hw:
                raise SystemExit(f"start: assignments/{assignment}/ is not released yet")
            continue
        if work.exists():
            if not quiet:
                print(f"{assignment}: your work is in {WORK}/{assignment}/ (kept as it is)")
            continue
        shutil.copytree(release, work, ignore=shutil.ignore_patterns(*IGNORED))
        made.append(work)
        print(f"{assignment}: started {WORK}/{assignment}/{assignment}.ipynb (a copy of assignments/{assignment}/)")
    return made


# --------------------------------------------------------------------------- validate
@dataclass
class Report:
    """What running the notebook showed: per part, the visible checks that pass and fail."""

    hw: str
    parts: dict[str, dict] = field(default_factory=dict)    # part -> {"passed": [...], "failed": [(id, msg)]}
    changed: list[str] = field(default_factory=list)        # read-only cells edited
    seconds: float = 0.0

    @property
    def passing_parts(self) -> int:
        return sum(1 for p in self.parts.values() if not p["failed"])

    def lines(self) -> list[str]:
        out = [f"{self.hw}: ran the whole notebook in {self.seconds:.0f} s"]
        for name, part in self.parts.items():
            if not part["failed"]:
                out.append(f"  ok    {name}: the visible tests pass")
            else:
                grade_id, message = part["failed"][0]
                out.append(f"  FAIL  {name}: {message}")
        for grade_id in self.changed:
            out.append(f"  note  the read-only cell {grade_id} was edited: the original comes back at grading")
        out.append(f"Visible tests pass in {self.passing_parts} of {len(self.parts)} parts. This is not your grade: "
                   f"hidden tests (other inputs and shapes, float64, checks of how you compute) run only when "
                   f"your work is graded.")
        return out


def _error_message(cell) -> str | None:
    """The failure a test cell shows, in one line; None when it passed."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            name, value = out.get("ename", "Error"), str(out.get("evalue", "")).strip()
            if name == "NotImplementedError" and not value:
                return "not implemented yet (the answer cell still raises NotImplementedError)"
            return f"{name}: {value}"[:300] if value else name
        text = out.get("text", "")
        if (out.get("output_type") == "stream" and out.get("name") == "stderr" and text.strip()
                and not re.search(HARMLESS_STDERR, text)):
            return "it wrote to stderr (a graded cell must not: silence warnings and progress bars)"
    return None


def validate(root: Path = ROOT, hw: str = "", path: Path | None = None, quiet: bool = False) -> Report:
    """Run the student's notebook from a fresh kernel and report its visible tests, part by part."""
    from nbclient import NotebookClient

    path = path or work_notebook(root, _check(root, hw))
    if not path.exists():
        raise SystemExit(f"validate: {path.relative_to(root) if path.is_relative_to(root) else path} not found: "
                         f"run `make start HW={hw}` (or `python -m course start {hw}`) first")
    nb = nbformat.read(path, as_version=4)
    tests = [c for c in nb.cells if is_test_cell(c)]
    if not tests:
        raise SystemExit(f"validate: {path.name} has no tests (a lecture or your own notebook): nothing is graded here")
    names = part_names(nb)
    start_time = time.monotonic()
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    report = Report(hw or path.stem, seconds=time.monotonic() - start_time)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if is_test_cell(cell):
            part = report.parts.setdefault(names.get(meta["grade_id"], meta["grade_id"]), {"passed": [], "failed": []})
            message = _error_message(cell)
            (part["failed"].append((meta["grade_id"], message)) if message else part["passed"].append(meta["grade_id"]))
        if meta.get("locked") and meta.get("checksum") and not meta.get("solution"):
            from nbgrader.utils import compute_checksum
            if compute_checksum(cell) != meta["checksum"]:
                report.changed.append(meta["grade_id"])
    if not quiet:
        print("\n".join(report.lines()))
    return report


# --------------------------------------------------------------------------- submit
def _student_id(root: Path, given: str | None) -> str:
    remembered = root / WORK / ".student_id"
    student = given or os.environ.get("COURSE_STUDENT_ID") or (
        remembered.read_text().strip() if remembered.exists() else None)
    if not student and sys.stdin.isatty():
        student = input("Your student id (as the course website knows you): ").strip()
    if not student:
        raise SystemExit("submit: expected your student id: --student ID (or COURSE_STUDENT_ID=ID), got none")
    if not STUDENT_ID.match(student):
        raise SystemExit(f"submit: --student: expected letters, digits, '.', '_', '-' or '@' (at most 64), "
                         f"got {student!r}")
    remembered.parent.mkdir(exist_ok=True)
    remembered.write_text(student + "\n")
    return student


def submit(root: Path = ROOT, hw: str = "", student: str | None = None, check: bool = True) -> Path:
    """Validate work/<hw>/, then write submit/<hw>-<student>.zip: the notebook, its folder, a manifest."""
    hw = _check(root, hw)
    folder = root / WORK / hw
    if not work_notebook(root, hw).exists():
        raise SystemExit(f"submit: {WORK}/{hw}/{hw}.ipynb not found: run `make start HW={hw}` and do the work there")
    student = _student_id(root, student)
    report = validate(root, hw) if check else None
    now = dt.datetime.now(dt.timezone.utc)
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
             if p.is_file() and not any(part in IGNORED for part in p.parts)}
    files["timestamp.txt"] = now.strftime(TIMESTAMP).encode()
    manifest = {"assignment": hw, "student": student, "submitted": now.isoformat(timespec="seconds"),
                "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
                "visible_tests": f"{report.passing_parts}/{len(report.parts)} parts pass" if report else "not run"}
    out = root / SUBMIT / f"{hw}-{student}.zip"
    out.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(MANIFEST, json.dumps(manifest, indent=1))
        for name, data in files.items():
            z.writestr(f"{hw}/{name}", data)
    print(f"\nHand in: upload {out.relative_to(root)} to the course website, as it is (any name the website gives "
          f"it is fine). Hidden tests run when it is graded.")
    return out


# --------------------------------------------------------------------------- command line
def add_commands(sub) -> None:
    p = sub.add_parser("start", help="copy a released assignment to work/ (never overwrites)")
    p.add_argument("assignment", nargs="?", default=None)
    p.add_argument("--quiet", action="store_true", help="say nothing about assignments already started")
    p = sub.add_parser("validate", help="run work/HW/HW.ipynb and report its visible tests")
    p.add_argument("assignment")
    p = sub.add_parser("submit", help="validate, then write the zip to upload")
    p.add_argument("assignment")
    p.add_argument("--student", default=None, help="your student id (remembered in work/.student_id)")
    p.add_argument("--no-check", action="store_true", help="skip running the notebook")


def run_command(args, root: Path = ROOT) -> int:
    if args.command == "start":
        start(root, args.assignment, quiet=args.quiet)
    elif args.command == "validate":
        validate(root, args.assignment)
    elif args.command == "submit":
        submit(root, args.assignment, args.student, check=not args.no_check)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_commands(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(argv))
