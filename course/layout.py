"""Where a course lives, and how the instructor CLI runs nbgrader in it."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

COURSE_DIR = Path(__file__).resolve().parent
ROOT = COURSE_DIR.parent


@dataclass(frozen=True)
class Course:
    """A course: the repo root (solutions/, assignments/) and its course/ folder."""

    root: Path = ROOT

    @property
    def course_dir(self) -> Path:
        return self.root / "course"

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.course_dir / 'gradebook.db'}"

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


def tool_env(**extra: str) -> dict:
    """The environment for nbgrader: this interpreter's bin first on PATH (nbgrader calls alembic),
    the course package importable, one thread per library, no warnings."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONWARNINGS"] = "ignore"
    env.update(extra)
    return env


def nbgrader(course: Course, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run an nbgrader command inside course/."""
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course.course_dir, env=tool_env(),
                          capture_output=True, text=True, timeout=timeout)


def failure(what: str, proc: subprocess.CompletedProcess) -> SystemExit:
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
    return SystemExit(f"{what} failed (exit {proc.returncode}):\n{tail}")
