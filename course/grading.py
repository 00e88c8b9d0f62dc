"""Autograding a class: every submission in its own temporary course, sandboxed, in parallel.

The driver (`autograde`, run by the instructor) reads ``course/submitted/<student>/<hw>/``
(never writing there) and sends one task per submission to a pool of local workers
(``jobs``) or to a Dask ``distributed`` cluster (``scheduler``). A task (`grade_submission`)
needs nothing but its arguments: it builds a temporary course holding only this assignment's
gradebook and release, restores deleted test cells and stripped metadata
(`course.repair`), runs ``nbgrader autograde`` there with the sandboxed, restarting executor
(`course.execute`), and returns the grades and the autograded notebook. Only the driver
writes the real gradebook (one transaction per submission), ``course/autograded/`` and
``course/autograde_log.csv`` -- so parallel grading never meets "database is locked", and a
batch killed at any moment leaves every submission either fully recorded or not at all.

Every submission ends with a grade in the gradebook. Where it is not the plain result of
running the notebook, the log says why (status ``zero``: the submission could not be run, e.g.
not a notebook; ``error``: the grading itself failed, 0 points for now and retried on the next
run). A submission already graded (same files, status ``graded`` or ``zero``) is skipped
unless ``force``.
"""
from __future__ import annotations

import concurrent.futures
import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .layout import Course, failure, nbgrader, tool_env
from .repair import restore_cells

#: wall-clock limit for grading one submission (cells have their own limit in nbgrader_config.py)
SUBMISSION_TIMEOUT_S = 30 * 60
#: memory of the nbgrader process that drives one kernel (the kernel has its own, smaller limit)
DRIVER_MEMORY_MB = 8192
#: a submission folder larger than this is not graded (0, with the reason)
MAX_SUBMISSION_BYTES = 200 * 1024 * 1024
LOG_FIELDS = ["time", "assignment", "student", "status", "score", "max_score", "auto_max_score", "reason",
              "sha256", "seconds", "worker"]
FINAL = ("graded", "zero")
IGNORED = (".ipynb_checkpoints", "__pycache__", ".DS_Store")


# --------------------------------------------------------------------------- what travels
@dataclass
class AssignmentPack:
    """The instructor's definition of one assignment, as every worker needs it."""

    hw: str
    config: str                   # the text of course/nbgrader_config.py
    gradebook: bytes              # a gradebook holding only this assignment
    release: dict[str, bytes]     # the released files, by path inside the assignment folder
    sandbox: bool = True

    @property
    def notebooks(self) -> list[str]:
        return sorted(Path(p).stem for p in self.release if p.endswith(".ipynb") and "/" not in p)


@dataclass
class Task:
    hw: str
    student: str
    files: dict[str, bytes]
    sha256: str
    timeout_s: float = SUBMISSION_TIMEOUT_S


@dataclass
class Result:
    hw: str
    student: str
    sha256: str
    status: str                                   # graded | zero | error
    reasons: list[str] = field(default_factory=list)
    grades: dict = field(default_factory=dict)    # notebook -> grade_id -> {auto_score, needs_manual_grade}
    comments: dict = field(default_factory=dict)  # notebook -> grade_id -> auto comment
    penalties: dict = field(default_factory=dict)  # notebook -> late-submission penalty
    timestamp: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)   # the autograded folder
    seconds: float = 0.0
    worker: str = ""


def read_submission(folder: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and not any(part in IGNORED for part in path.parts):
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


# --------------------------------------------------------------------------- the instructor's side
def _grading_config(config: str, sandbox: bool) -> str:
    """The course configuration, moved into a temporary course (sources in ./source, release in ./release)."""
    return config + f"""

# ---- added by course.grading for a temporary course
import os as _os
_here = _os.path.dirname(_os.path.abspath(__file__))
c.CourseDirectory.root = _here
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.db_url = "sqlite:///" + _os.path.join(_here, "gradebook.db")
c.ResilientExecute.sandbox = {sandbox!r}
"""


_PACKS: dict[str, tuple[bytes, dict]] = {}     # generated once per content of solutions/<hw> and config


def prepare(course: Course, hw: str, sandbox: bool = True) -> AssignmentPack:
    """Generate ``hw`` from solutions/ in a temporary course: its gradebook and release travel to workers.

    The course's own gradebook gets the assignment too when it lacks it (``release`` not run yet)."""
    config = (course.course_dir / "nbgrader_config.py").read_text()
    key = digest({**read_submission(course.root / "solutions" / hw), "\0config": config.encode(), "\0hw": hw.encode()})
    if key in _PACKS:
        gradebook, release = _PACKS[key]
        with tempfile.TemporaryDirectory(prefix=f"prepare-{hw}-") as tmp:
            (Path(tmp) / "gradebook.db").write_bytes(gradebook)
            _ensure_in_gradebook(course, hw, Path(tmp) / "gradebook.db")
        return AssignmentPack(hw, config, gradebook, release, sandbox)
    with tempfile.TemporaryDirectory(prefix=f"prepare-{hw}-") as tmp:
        temp = Path(tmp) / "grade"
        (temp / "source").mkdir(parents=True)
        shutil.copytree(course.root / "solutions" / hw, temp / "source" / hw,
                        ignore=shutil.ignore_patterns(*IGNORED))
        (temp / "nbgrader_config.py").write_text(_grading_config(config, sandbox))
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", hw, "--force"],
                              cwd=temp, env=tool_env(), capture_output=True, text=True)
        if proc.returncode != 0:
            raise failure(f"generating {hw} from solutions/{hw}", proc)
        release = read_submission(temp / "release" / hw)
        pack = AssignmentPack(hw, config, (temp / "gradebook.db").read_bytes(), release, sandbox)
        _ensure_in_gradebook(course, hw, temp / "gradebook.db")
    _PACKS[key] = (pack.gradebook, pack.release)
    return pack


def _signature(db_url: str, hw: str) -> list[tuple] | None:
    """What grading needs to agree on: each notebook's graded cells and points (None: no such assignment)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            assignment = gb.find_assignment(hw)
        except MissingEntry:
            return None
        return sorted((nb.name, cell.name, float(cell.max_score or 0))
                      for nb in assignment.notebooks for cell in nb.grade_cells)


def _ensure_in_gradebook(course: Course, hw: str, template: Path) -> None:
    wanted = _signature(f"sqlite:///{template}", hw)
    have = _signature(course.gradebook_url, hw)
    if have is None:
        with tempfile.TemporaryDirectory(prefix=f"release-{hw}-") as tmp:
            proc = nbgrader(course, "generate_assignment", hw, "--force",
                            f"--CourseDirectory.release_directory={tmp}")
        if proc.returncode != 0:
            raise failure(f"adding {hw} to the gradebook", proc)
        print(f"{hw}: added to the gradebook (course/gradebook.db)")
        have = _signature(course.gradebook_url, hw)
    if have != wanted:
        raise SystemExit(f"autograde: the gradebook's {hw} differs from solutions/{hw} (graded cells or points "
                         f"changed); run `python -m course release {hw}` first")


# --------------------------------------------------------------------------- the worker's side
_LAUNCH = """import ctypes, os, resource, sys
ctypes.CDLL(None).prctl(1, 9)   # PR_SET_PDEATHSIG: SIGKILL when the grading thread goes away
limit = int(sys.argv[1]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
os.execv(sys.executable, [sys.executable] + sys.argv[3:])
"""
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


def grade_submission(pack: AssignmentPack, task: Task) -> Result:
    """Grade one submission in a temporary course; never raises (a failure is a Result with reasons)."""
    start = time.monotonic()
    try:
        result = _grade(pack, task)
    except Exception as error:        # a bug in the grader must not lose the submission either
        result = Result(task.hw, task.student, task.sha256, "error",
                        [f"the grader failed: {type(error).__name__}: {error}"])
    result.seconds = round(time.monotonic() - start, 1)
    result.worker = socket.gethostname()
    return result


def _pick_notebook(files: dict[str, bytes], name: str) -> tuple[str | None, list[str]]:
    """The submitted file to grade as ``name``.ipynb: that file, else the only other notebook."""
    if f"{name}.ipynb" in files:
        return f"{name}.ipynb", []
    others = [p for p in files if p.endswith(".ipynb")]
    if len(others) == 1:
        return others[0], [f"graded {others[0]!r} as {name}.ipynb"]
    return None, [f"no {name}.ipynb in the submission" + (f" (found {', '.join(sorted(others))})" if others else "")]


def _read_notebook(raw: bytes, path: str) -> tuple[nbformat.NotebookNode | None, str]:
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no list of cells")
        for cell in nb.cells:
            if cell.get("cell_type") not in ("code", "markdown", "raw") or not isinstance(cell.get("source"), str):
                raise ValueError("a cell has no type or no source")
        return nb, ""
    except Exception as error:
        return None, f"{path} is not a readable notebook ({type(error).__name__}: {str(error)[:120]})"


def _grade(pack: AssignmentPack, task: Task) -> Result:
    result = Result(task.hw, task.student, task.sha256, "graded")
    if pack.sandbox:
        from .sandbox import probe
        why = probe()
        if why:                        # a cluster worker without a working sandbox grades nothing
            result.status = "error"
            result.reasons.append(f"no sandbox on worker {socket.gethostname()}: {why}")
            return result
    size = sum(len(b) for b in task.files.values())
    if size > MAX_SUBMISSION_BYTES:
        result.status = "zero"
        result.reasons.append(f"the submission is {size / 2**20:.0f} MiB (more than {MAX_SUBMISSION_BYTES // 2**20})")
        return result
    with tempfile.TemporaryDirectory(prefix=f"grade-{task.hw}-") as tmp:
        temp = Path(tmp) / "grade"
        submitted = temp / "submitted" / task.student / task.hw
        submitted.mkdir(parents=True)
        (temp / "gradebook.db").write_bytes(pack.gradebook)
        (temp / "nbgrader_config.py").write_text(_grading_config(pack.config, pack.sandbox))
        for rel, data in pack.release.items():         # data files the assignment ships
            if not rel.endswith(".ipynb"):
                (temp / "source" / task.hw / rel).parent.mkdir(parents=True, exist_ok=True)
                (temp / "source" / task.hw / rel).write_bytes(data)
        (temp / "source" / task.hw).mkdir(parents=True, exist_ok=True)
        graded_any = False
        for name in pack.notebooks:
            path, notes = _pick_notebook(task.files, name)
            result.reasons += notes
            if path is None:
                continue
            nb, problem = _read_notebook(task.files[path], path)
            if nb is None:
                result.reasons.append(problem)
                continue
            release = nbformat.reads(pack.release[f"{name}.ipynb"].decode(), as_version=4)
            nb, notes = restore_cells(nb, release)
            result.reasons += notes
            nbformat.write(nb, submitted / f"{name}.ipynb")
            graded_any = True
        for rel, data in task.files.items():          # the student's other files (and timestamp.txt)
            if not rel.endswith(".ipynb"):
                (submitted / rel).parent.mkdir(parents=True, exist_ok=True)
                (submitted / rel).write_bytes(data)
        if not graded_any:
            result.status = "zero"
            return result
        events = temp / "events.jsonl"
        proc, output = _run_nbgrader(temp, task, events)
        result.reasons += _describe_events(events)
        if proc is None or proc.returncode != 0:
            result.status = "error"
            result.reasons.append(output if proc is None else _reason(output, proc.returncode))
            return result
        _read_grades(temp, task, result)
        autograded = temp / "autograded" / task.student / task.hw
        result.files = read_submission(autograded) if autograded.is_dir() else {}
    return result


def _run_nbgrader(temp: Path, task: Task, events: Path) -> tuple[subprocess.Popen | None, str]:
    env = tool_env(COURSE_DEADLINE=str(time.time() + task.timeout_s), COURSE_GRADING_EVENTS=str(events))
    argv = [sys.executable, "-c", _LAUNCH, str(DRIVER_MEMORY_MB), "--",
            "-m", "nbgrader", "autograde", task.hw, "--student", task.student, "--force"]
    proc = subprocess.Popen(argv, cwd=temp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace", start_new_session=True)
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
    try:
        output, _ = proc.communicate(timeout=task.timeout_s + 180)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        return None, f"grading did not finish within {task.timeout_s + 180:.0f} s and was stopped"
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    return proc, output


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_running() -> None:
    """Stop every grading process this driver started (Ctrl-C)."""
    with _RUNNING_LOCK:
        for proc in list(_RUNNING):
            _kill(proc)


def _reason(output: str, code: int) -> str:
    """The most telling line of a failed nbgrader run: the last exception, else its last error."""
    lines = output.splitlines()
    exceptions = [ln for ln in lines if re.match(r"^\s*[\w.]+(Error|Exception|Timeout\w*)\b(:|$)", ln)]
    errors = [ln for ln in lines if "| ERROR]" in ln and "Please see" not in ln]
    chosen = exceptions or errors
    if code < 0:
        return f"the grading process was killed (signal {-code})"
    return (chosen[-1] if chosen else f"nbgrader exited with {code}").strip()[:300]


def _describe_events(path: Path) -> list[str]:
    if not path.exists():
        return []
    reasons = []
    for line in path.read_text().splitlines():
        event = json.loads(line)
        where = event["grade_id"] or f"cell {event['cell'] + 1}"
        reasons.append(f"{where}: {event['detail']}")
    return reasons


def _read_grades(temp: Path, task: Task, result: Result) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{temp / 'gradebook.db'}") as gb:
        submission = gb.find_submission(task.hw, task.student)
        result.timestamp = submission.timestamp.isoformat() if submission.timestamp else None
        for nb in submission.notebooks:
            result.grades[nb.name] = {g.name: {"auto_score": g.auto_score, "needs_manual_grade": g.needs_manual_grade}
                                      for g in nb.grades}
            result.comments[nb.name] = {c.name: c.auto_comment for c in nb.comments}
            result.penalties[nb.name] = nb.late_submission_penalty


# --------------------------------------------------------------------------- back on the driver
def store(course: Course, result: Result) -> dict:
    """Record one result: autograded files, then the gradebook (one transaction), then the log row."""
    folder = course.course_dir / "autograded" / result.student / result.hw
    _replace_folder(folder, result.files)
    score = _store_grades(course, result)
    row = {"time": dt.datetime.now().isoformat(timespec="seconds"), "assignment": result.hw,
           "student": result.student, "status": result.status, "score": f"{score[0]:g}",
           "max_score": f"{score[1]:g}", "auto_max_score": f"{score[2]:g}", "reason": "; ".join(result.reasons),
           "sha256": result.sha256, "seconds": f"{result.seconds:g}", "worker": result.worker}
    _log(course, row)
    return row


def _replace_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Swap in the new autograded folder (none when nothing could be graded)."""
    if not files:
        shutil.rmtree(folder, ignore_errors=True)
        return
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for rel, data in files.items():
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / rel).write_bytes(data)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def _store_grades(course: Course, result: Result) -> tuple[float, float, float]:
    """Write the result into the course gradebook; a submission without grades scores 0 everywhere."""
    from nbgrader.api import (Comment, Grade, Gradebook, MissingEntry, Student, SubmittedAssignment,
                              SubmittedNotebook, utils)

    with Gradebook(course.gradebook_url) as gb:
        try:
            student = gb.find_student(result.student)
        except MissingEntry:
            student = Student(id=result.student)
            gb.db.add(student)
        try:
            submission = gb.find_submission(result.hw, result.student)
        except MissingEntry:
            assignment = gb.find_assignment(result.hw)
            with gb.db.no_autoflush:          # the same rows as nbgrader's Gradebook.add_submission
                submission = SubmittedAssignment(assignment=assignment, student=student)
                for notebook in assignment.notebooks:
                    nb = SubmittedNotebook(notebook=notebook, assignment=submission)
                    for cell in notebook.grade_cells:
                        Grade(cell_id=cell.id, notebook=nb)
                    for cell in notebook.solution_cells + notebook.task_cells:
                        Comment(cell_id=cell.id, notebook=nb)
                    for cell in notebook.task_cells:
                        Grade(cell_id=cell.id, notebook=nb)
                gb.db.add(submission)
            gb.db.flush()
        submission.timestamp = utils.parse_utc(result.timestamp) if result.timestamp else None
        for nb in submission.notebooks:
            for grade in nb.grades:
                got = result.grades.get(nb.name, {}).get(grade.name)
                grade.auto_score = got["auto_score"] if got else 0.0
                grade.needs_manual_grade = got["needs_manual_grade"] if got else False
            for comment in nb.comments:
                comment.auto_comment = result.comments.get(nb.name, {}).get(comment.name)
            nb.late_submission_penalty = result.penalties.get(nb.name)
        gb.db.commit()
        auto_max = sum(g.max_score for nb in submission.notebooks for g in nb.grades if g.auto_score is not None)
        return float(submission.score), float(submission.max_score), float(auto_max)


def _log(course: Course, row: dict) -> None:
    path = course.course_dir / "autograde_log.csv"
    if path.exists():
        with open(path, newline="") as f:
            header = next(csv.reader(f), [])
        if header != LOG_FIELDS:                  # a log from an older version: keep it aside
            path.rename(path.with_name(f"autograde_log.{int(time.time())}.csv"))
    new = not path.exists()
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=LOG_FIELDS)
        if new:
            writer.writeheader()
        writer.writerow(row)


def last_log_rows(course: Course) -> dict[tuple[str, str], dict]:
    path = course.course_dir / "autograde_log.csv"
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        return {(r["assignment"], r["student"]): r for r in csv.DictReader(f)}


def _graded_students(course: Course, hw: str) -> set[str]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.gradebook_url) as gb:
        try:
            return {s.student.id for s in gb.find_assignment(hw).submissions}
        except MissingEntry:
            return set()


# --------------------------------------------------------------------------- running a batch
def _local_results(pack: AssignmentPack, tasks: list[Task], jobs: int):
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
    futures = []
    try:
        futures = [pool.submit(grade_submission, pack, t) for t in tasks]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()
    finally:                               # interrupted: stop what still runs
        if any(not f.done() for f in futures):
            kill_running()
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_results(pack: AssignmentPack, tasks: list[Task], address: str):
    from distributed import Client, as_completed

    with Client(address, timeout="60s") as client:
        shared = client.scatter(pack, broadcast=True)
        futures = {client.submit(grade_submission, shared, t, pure=False, retries=1,
                                 key=f"grade-{t.hw}-{t.student}-{t.sha256[:12]}"): t for t in tasks}
        try:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    yield future.result()
                except Exception as error:   # e.g. KilledWorker: the worker died more than once
                    yield Result(task.hw, task.student, task.sha256, "error",
                                 [f"the Dask task failed: {type(error).__name__}: {error}"])
        finally:
            client.cancel(list(futures))


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def autograde(course: Course, hw: str | None = None, *, jobs: int | None = None, scheduler: str | None = None,
              force: bool = False, sandbox: bool = True, students: list[str] | None = None,
              timeout: float = SUBMISSION_TIMEOUT_S, progress: bool | None = None) -> list[dict]:
    """Grade every submission of the selected assignments; return one row per submission."""
    from tqdm.auto import tqdm
    from .sandbox import probe

    if sandbox:
        why = probe()
        if why:
            raise SystemExit(f"autograde: cannot sandbox student code here: {why}.\n"
                             f"Pass --no-sandbox to grade without one (student code then runs with your rights "
                             f"and can read solutions/, the gradebook and other students' work).")
    else:
        print("autograde: WARNING: --no-sandbox: student code runs with your rights, with network access, and "
              "can read or change solutions/, the gradebook and other submissions", file=sys.stderr)
    jobs = jobs or default_jobs()
    rows, started = [], time.monotonic()
    _warn_about_strays(course)
    for assignment in course.select(hw):
        folders = [f for f in course.submissions(assignment) if students is None or f.parent.name in students]
        if not folders:
            continue
        pack = prepare(course, assignment, sandbox)
        done, in_gradebook = last_log_rows(course), _graded_students(course, assignment)
        tasks = []
        for folder in folders:
            files = read_submission(folder)
            task = Task(assignment, folder.parent.name, files, digest(files), timeout)
            previous = done.get((assignment, task.student))
            if (not force and previous and previous["sha256"] == task.sha256 and previous["status"] in FINAL
                    and task.student in in_gradebook):
                rows.append({**previous, "status": "skipped", "previous_status": previous["status"]})
                continue
            tasks.append(task)
        results = _dask_results(pack, tasks, scheduler) if scheduler else _local_results(pack, tasks, jobs)
        bar = tqdm(total=len(tasks), desc=assignment, unit="submission", disable=progress is False or not tasks,
                   file=sys.stderr, leave=False)
        try:
            for result in results:
                row = store(course, result)
                rows.append(row)
                outcome = f"{row['score']}/{row['max_score']}" + (f"  ({row['reason']})" if row["reason"] else "")
                bar.write(f"{assignment:14s} {row['student']:20s} {row['status']:6s} {outcome}")
                bar.update()
        except KeyboardInterrupt:
            kill_running()
            results.close()
            bar.close()
            graded = sum(1 for r in rows if r["status"] != "skipped")
            raise SystemExit(f"autograde interrupted: {graded} submission(s) recorded; run it again to grade "
                             f"the rest (recorded ones are skipped)") from None
        bar.close()
    _summary(rows, time.monotonic() - started)
    return rows


def _warn_about_strays(course: Course) -> None:
    """Say which files under course/submitted/ no assignment will grade (nothing is skipped silently)."""
    ids = set(course.assignment_ids())
    base = course.course_dir / "submitted"
    for path in sorted(base.glob("*/*")) if base.is_dir() else []:
        if path.name not in ids:
            print(f"not graded: {path.relative_to(course.root)} (expected course/submitted/<student>/<assignment>/ "
                  f"with an assignment of the syllabus; `python -m course collect` puts files there)")


def _summary(rows: list[dict], seconds: float) -> None:
    if not rows:
        print("no submissions found under course/submitted/<student>/<assignment>/")
        return
    count = {s: sum(1 for r in rows if r["status"] == s) for s in ("graded", "zero", "error", "skipped")}
    reasons = sum(1 for r in rows if r["status"] != "skipped" and r["reason"])
    print(f"autograde: {len(rows)} submission(s): {count['graded']} graded, {count['zero']} scored 0 "
          f"(could not be run), {count['error']} failed to grade (0 for now; run again), {count['skipped']} "
          f"skipped (already graded); {reasons} with a reason in course/autograde_log.csv; "
          f"{seconds:.0f} s")
