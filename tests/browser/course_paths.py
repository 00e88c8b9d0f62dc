"""Where the browser tests find the course and keep what they make (all git-ignored)."""
from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = ROOT / "build" / "browser-tests"          # the students' copies, the lab's log, screenshots
SCREENSHOTS = SCRATCH / "screenshots"


def student_copy(source: Path, target: Path) -> Path:
    """A fresh copy of a committed folder for a test to open, run and save in JupyterLab
    (the committed notebooks stay untouched)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return target
