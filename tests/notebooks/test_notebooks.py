"""Every lecture runs from a fresh kernel, without error, inside its budget; every
committed notebook (lectures, solutions, assignments) has no outputs and the
python3 kernel."""
from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SYLLABUS = tomllib.loads((ROOT / "course" / "syllabus.toml").read_text())
LECTURES = {entry["file"]: entry for entry in SYLLABUS.get("lecture", [])}
COMMITTED = sorted(
    p for folder in ("lectures", "solutions", "assignments") for p in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)


def test_every_lecture_is_in_the_syllabus():
    on_disk = {p.name for p in (ROOT / "lectures").glob("*.ipynb")}
    assert on_disk == set(LECTURES), "lectures/ and course/syllabus.toml disagree"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_without_outputs_and_python3_kernel(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs"
            assert cell.execution_count is None, f"cell {i} has an execution count"


def run_notebook(path: Path, timeout_per_cell: int = 600) -> float:
    """Execute a notebook in a fresh python3 kernel (cwd = its folder); return seconds taken."""
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
    client = NotebookClient(nb, timeout=timeout_per_cell, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(env=env)
    return time.perf_counter() - start


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LECTURES))
def test_lecture_runs_within_budget(name):
    budget = LECTURES[name]["budget_s"]
    elapsed = run_notebook(ROOT / "lectures" / name)
    print(f"{name}: {elapsed:.1f} s (budget {budget} s)")
    assert elapsed <= budget, f"{name} took {elapsed:.0f} s, budget {budget} s"
