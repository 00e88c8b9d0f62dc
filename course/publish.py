"""`python -m course publish`: the student edition of the course, in build/student/.

This repository is the instructor's (and the self-study reader's) edition: it holds
``solutions/`` with every answer and hidden test, on purpose. A graded class gets the student
edition instead: the lectures, the released assignments, the library, the environment files,
a student README and Makefile, and the student half of the course CLI (``start``, ``validate``,
``submit``) -- no solutions, no hidden tests, no grading tools. Its JupyterLab shows no
nbgrader instructor panels (Formgrader, Create Assignment, Assignment List).

The folder is ready to use and to push: it is a git repository with one commit (when git is
installed). Publishing checks that no file in it carries a solution or hidden-test marker or
any line of a solution.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import nbformat

from .layout import COURSE_DIR, Course

TEMPLATE = COURSE_DIR / "templates" / "student"
#: the course package files a student needs (the student CLI and what it imports)
STUDENT_MODULES = ("__init__.py", "parts.py", "student.py", "syllabus.toml")
COPIED = ("lectures", "assignments", "lib", "pyproject.toml", "constraints.txt", "environment.yml", "LICENSE")
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
IGNORED = ("__pycache__", ".ipynb_checkpoints", "*.pyc", "*.egg-info", ".DS_Store")


def solution_lines(course: Course, min_length: int = 25) -> set[str]:
    """Every substantial line that only the solutions hold (answers, hidden tests): not in the release,
    the lectures or the library."""
    public = [course.root / d for d in ("assignments", "lectures", "lib")]
    release_text = "\n".join(p.read_text(errors="replace") for d in public for p in d.rglob("*")
                             if p.is_file() and p.suffix in (".ipynb", ".py", ".md", ".txt", ".csv", ".json"))
    lines = set()
    for path in (course.root / "solutions").rglob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if any(m in line for m in MARKERS):
                    inside = "BEGIN" in line
                elif inside and len(line.strip()) >= min_length and line.strip() not in release_text:
                    lines.add(line.strip())
    return lines


def leaks(folder: Path, secret: set[str]) -> list[str]:
    """Files of ``folder`` that carry a solution marker or a solution line: 'path: what'."""
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or ".git" in path.relative_to(folder).parts:
            continue
        text = path.read_text(errors="replace")
        for marker in MARKERS:
            if marker in text:
                found.append(f"{path.relative_to(folder)}: {marker}")
        hits = [line for line in secret if line in text]
        if hits:
            found.append(f"{path.relative_to(folder)}: solution line {hits[0]!r}")
    return found


def publish(course: Course = Course(), out: Path | None = None, git: bool = True) -> Path:
    """Write the student edition to ``out`` (default build/student/), replacing what was there."""
    out = Path(out or course.root / "build" / "student")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in COPIED:
        source = course.root / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=shutil.ignore_patterns(*IGNORED))
        elif source.exists():
            shutil.copy2(source, out / name)
    (out / "course").mkdir()
    for name in STUDENT_MODULES:
        shutil.copy2(course.course_dir / name, out / "course" / name)
    (out / "course" / "__main__.py").write_text(
        "import sys\n\nfrom course.student import main\n\nsys.exit(main())\n")
    shutil.copytree(TEMPLATE / ".jupyter", out / ".jupyter")
    shutil.copy2(TEMPLATE / "Makefile", out / "Makefile")
    shutil.copy2(TEMPLATE / "README.md", out / "README.md")
    shutil.copy2(TEMPLATE / "gitignore", out / ".gitignore")
    problems = leaks(out, solution_lines(course))
    if problems:
        shutil.rmtree(out)
        raise SystemExit("publish: the student edition would leak solutions:\n  " + "\n  ".join(problems[:20]))
    if git and shutil.which("git"):
        run = dict(cwd=out, check=True, capture_output=True)
        subprocess.run(["git", "init", "-q", "-b", "main"], **run)
        subprocess.run(["git", "add", "-A"], **run)
        subprocess.run(["git", "-c", "user.name=course publish", "-c", "user.email=course@localhost", "commit",
                        "-q", "-m", "Student edition"], **run)
    files = sum(1 for p in out.rglob("*") if p.is_file() and ".git" not in p.relative_to(out).parts)
    print(f"student edition: {files} files in {out} ({'a git repository, ' if (out / '.git').exists() else ''}"
          f"no solutions, no hidden tests); push it where your class clones from")
    return out


def page_config(edition: Path) -> dict:
    return json.loads((edition / ".jupyter" / "labconfig" / "page_config.json").read_text())
