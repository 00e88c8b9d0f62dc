"""Grade many variants of one assignment in one process: a test of the hidden tests.

A *variant* replaces some answer cells of an assignment (``{grade_id: source}``): a plausible
wrong answer with one bug (``wrong``), a correct answer written differently (``correct``) or a
stub left as released (``missing``). Grading one through nbgrader costs a whole notebook run;
grading forty that way costs forty. Here the notebook that ``nbgrader autograde`` runs -- the
source notebook with the solutions' delimiters removed, test cells with their hidden tests, as
autograde restores them -- is executed once in an IPython shell, and the shell *forks* at the
first cell a variant changes: the child runs the variant's cells from there on, scores every
graded cell the way nbgrader does (0 for an error, or for output on stderr that the course's
``IgnorePattern`` does not drop) and reports through a pipe, while the parent's state stays
untouched for the next variant. Each child starts from exactly the state a fresh top-to-bottom
run has reached, so a result is the result nbgrader would give; `grade_with_nbgrader` grades the
same variants through the real autograder (sandbox, one kernel per submission) to confirm it.

``scope="part"`` runs a child only up to the next answer cell it does not replace (the tests of
its own part); ``scope="all"`` runs it to the end of the notebook (later parts too: that is where
a failure would cascade). `grade_alone` runs the released (blank) notebook and, at each answer
cell, forks a child with only that answer filled in: each part's tests must give it full marks
with every other part missing -- no part needs another one to score.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import select
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[3]
MUTANTS = Path(__file__).resolve().parent
#: stderr that nbgrader's IgnorePattern drops (course/nbgrader_config.py): it does not zero a cell
IGNORED_STDERR = re.compile(r"(?i)warning|tqdm|it/s\]")
#: a cell's wall-clock limit (nbgrader's is 120 s; generous here: a shared machine may be loaded 10-fold)
CELL_TIMEOUT_S = int(os.environ.get("MUTANTS_CELL_TIMEOUT", "900"))
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


@dataclass
class Variant:
    name: str
    kind: str                                  # wrong | correct | missing
    cells: dict[str, str]                      # grade_id -> source of that answer cell
    note: str = ""                             # what the bug is (wrong ones)


@dataclass
class Graded:
    name: str
    kind: str
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)     # grade_id -> (score, max)
    errors: dict[str, str] = field(default_factory=dict)                      # grade_id -> why it scored 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def lost(self) -> float:
        return sum(m - s for s, m in self.scores.values())

    @property
    def failed(self) -> list[str]:
        return [g for g, (s, m) in self.scores.items() if s < m]


# --------------------------------------------------------------------------- the notebook nbgrader runs
def _strip_solution(source: str) -> str:
    return "\n".join(ln for ln in source.splitlines() if "### BEGIN SOLUTION" not in ln and "### END SOLUTION" not in ln)


def _stub(source: str) -> str:
    """What nbgrader's ClearSolutions makes of an answer cell."""
    out, inside = [], False
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + s for s in STUB.splitlines()]
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


@dataclass
class Cell:
    index: int
    source: str
    grade_id: str | None
    points: float            # > 0 for a graded test cell
    answer: bool             # an answer (solution) cell


def notebook_cells(hw: str, root: Path = ROOT) -> tuple[list[Cell], dict[str, str]]:
    """The code cells autograde runs for a perfect student, and each answer cell's released stub."""
    nb = nbformat.read(root / "solutions" / hw / f"{hw}.ipynb", as_version=4)
    cells, stubs = [], {}
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        meta = c.metadata.get("nbgrader", {})
        answer = bool(meta.get("solution"))
        points = float(meta.get("points", 0) or 0) if meta.get("grade") and not answer else 0.0
        cells.append(Cell(i, _strip_solution(c.source) if answer else c.source, meta.get("grade_id"), points, answer))
        if answer:
            stubs[meta["grade_id"]] = _stub(c.source)
    return cells, stubs


def load_variants(hw: str, root: Path = ROOT) -> list[Variant]:
    """The variants kept in tests/grading/mutants/<hw>.py.

    That file lists ``WRONG`` and ``CORRECT`` entries ``(name, grade_id, change, note)``;
    ``change`` is the whole source of the answer cell, or a list of ``(old, new)`` replacements
    applied to the solution's source (each ``old`` must occur exactly once). A ``missing`` variant
    (the released stub) is added for every answer cell."""
    spec = importlib.util.spec_from_file_location(f"mutants_{hw}", MUTANTS / f"{hw}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cells, stubs = notebook_cells(hw, root)
    solutions = {c.grade_id: c.source for c in cells if c.answer}
    variants = []
    for kind, entries in (("wrong", module.WRONG), ("correct", module.CORRECT)):
        for name, grade_id, change, note in entries:
            if grade_id not in solutions:
                raise ValueError(f"{hw}/{name}: no answer cell {grade_id!r}")
            if isinstance(change, str):
                source = change
            else:
                source = solutions[grade_id]
                for old, new in change:
                    if source.count(old) != 1:
                        raise ValueError(f"{hw}/{name}: {old!r} occurs {source.count(old)} times in {grade_id}")
                    source = source.replace(old, new)
            if source == solutions[grade_id] and kind == "wrong":
                raise ValueError(f"{hw}/{name}: the change leaves the solution as it is")
            variants.append(Variant(name, kind, {grade_id: source}, note))
    for grade_id, stub in stubs.items():      # every answer left as released: costs its own part only
        variants.append(Variant(f"missing_{grade_id}", "missing", {grade_id: stub}, "the stub as released"))
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise ValueError(f"{hw}: variant names repeat")
    return variants


# --------------------------------------------------------------------------- running cells
class Shell:
    """An IPython shell that runs cells like a kernel and scores graded ones like nbgrader."""

    def __init__(self):
        os.environ.setdefault("MPLBACKEND", "Agg")
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        from IPython.core.interactiveshell import InteractiveShell

        self.ip = InteractiveShell.instance(history_length=0)
        self.ip.history_manager.enabled = False

    def run(self, cell: Cell) -> str | None:
        """Run one cell; return why it would score 0 (an error, stderr), None if it passes."""
        out, err = io.StringIO(), io.StringIO()

        def alarm(signum, frame):
            raise TimeoutError(f"cell {cell.index} ran longer than {CELL_TIMEOUT_S} s")

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.alarm(CELL_TIMEOUT_S)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                result = self.ip.run_cell(cell.source, store_history=False)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            return f"{type(error).__name__}: {str(error)[:300]}"
        text = err.getvalue()
        if text.strip() and not IGNORED_STDERR.search(text):
            return f"stderr: {text.strip()[:300]}"
        return None


def _run_child(shell: Shell, cells: list[Cell], start: int, stop: int, replaced: dict[str, str], name: str,
               kind: str, first_loss: bool = False) -> Graded:
    graded = Graded(name, kind)
    t0, c0 = time.perf_counter(), time.process_time()
    for cell in cells[start:stop]:
        if cell.answer and cell.grade_id in replaced:
            cell = Cell(cell.index, replaced[cell.grade_id], cell.grade_id, 0.0, True)
        why = shell.run(cell)
        if cell.points:
            graded.scores[cell.grade_id] = (0.0 if why else cell.points, cell.points)
            if why:
                graded.errors[cell.grade_id] = why
                if first_loss:              # caught: the rest cannot make it less caught
                    break
    graded.seconds, graded.cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    return graded


class _Pool:
    """Forked children running from the parent's current state, at most ``jobs`` at a time."""

    def __init__(self, jobs: int, timeout_s: float):
        self.jobs, self.timeout_s = jobs, timeout_s
        self.running: dict[int, tuple[int, str, str, float]] = {}     # pid -> (read fd, name, kind, started)
        self.results: list[Graded] = []

    def start(self, work, name: str, kind: str) -> None:
        while len(self.running) >= self.jobs:
            self._reap()
        sys.stdout.flush(), sys.stderr.flush()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:                                    # the child: run, report, leave without cleanup
            os.close(read)
            try:
                graded = work()
                payload = json.dumps({"scores": graded.scores, "errors": graded.errors, "seconds": graded.seconds,
                                      "cpu": graded.cpu_seconds})
            except BaseException as error:              # noqa: BLE001 -- the report must get out
                payload = json.dumps({"crash": f"{type(error).__name__}: {error}"})
            with os.fdopen(write, "w") as f:
                f.write(payload)
            os._exit(0)
        os.close(write)
        self.running[pid] = (read, name, kind, time.monotonic())

    def _reap(self, block: bool = True) -> None:
        while self.running:
            fds = {info[0]: pid for pid, info in self.running.items()}
            ready, _, _ = select.select(list(fds), [], [], 1.0)
            for fd in ready:
                self._collect(fds[fd])
            now = time.monotonic()
            for pid, (fd, name, kind, started) in list(self.running.items()):
                if now - started > self.timeout_s:
                    os.kill(pid, signal.SIGKILL)
                    self._collect(pid, timed_out=True)
            if ready or not block:
                return

    def _collect(self, pid: int, timed_out: bool = False) -> None:
        fd, name, kind, started = self.running.pop(pid)
        with os.fdopen(fd) as f:
            text = f.read()
        os.waitpid(pid, 0)
        graded = Graded(name, kind, seconds=time.monotonic() - started)
        try:
            data = json.loads(text)
        except ValueError:
            data = {"crash": "timed out" if timed_out else "the child died without a report"}
        if "crash" in data:
            graded.errors["*"] = data["crash"]
        else:
            graded.scores = {k: tuple(v) for k, v in data["scores"].items()}
            graded.errors, graded.cpu_seconds = data["errors"], data["cpu"]
        self.results.append(graded)

    def finish(self) -> list[Graded]:
        while self.running:
            self._reap()
        return self.results


# --------------------------------------------------------------------------- the three ways to grade
def _positions(cells: list[Cell]) -> dict[str, int]:
    return {c.grade_id: i for i, c in enumerate(cells) if c.answer}


def grade_variants(hw: str, variants: list[Variant], *, scope: str = "part", jobs: int = 1,
                   timeout_s: float = 1800, root: Path = ROOT, first_loss: bool = False) -> tuple[Graded, list[Graded]]:
    """Grade the solution (every cell, in the parent) and each variant (in a forked child).

    Returns (the solution's grades, the variants' grades). With ``scope="part"`` a variant's
    grades hold only the graded cells between its first replaced answer and the next answer cell
    it does not replace; with ``scope="all"`` every graded cell from its first replaced answer on.
    ``first_loss`` stops a variant at its first lost point (enough to know that it is caught)."""
    cells, stubs = notebook_cells(hw, root)
    where = _positions(cells)
    for v in variants:
        unknown = set(v.cells) - set(where)
        if unknown:
            raise ValueError(f"{hw}/{v.name}: no answer cell {sorted(unknown)}")
    shell, pool = Shell(), _Pool(jobs, timeout_s)
    order = sorted(variants, key=lambda v: min(where[g] for g in v.cells))
    solution, position = Graded("solution", "solution"), 0
    c0, t0 = time.process_time(), time.perf_counter()

    def advance(to: int) -> None:
        nonlocal position
        for cell in cells[position:to]:
            why = shell.run(cell)
            if cell.points:
                solution.scores[cell.grade_id] = (0.0 if why else cell.points, cell.points)
                if why:
                    solution.errors[cell.grade_id] = why
        position = max(position, to)

    for v in order:
        start = min(where[g] for g in v.cells)
        stop = len(cells)
        if scope == "part":
            last = max(where[g] for g in v.cells)
            later = [i for g, i in where.items() if i > last and g not in v.cells]
            stop = min(later, default=len(cells))
        advance(start)
        pool.start(lambda v=v, start=start, stop=stop: _run_child(shell, cells, start, stop, v.cells, v.name, v.kind,
                                                                  first_loss), v.name, v.kind)
    advance(len(cells))
    solution.cpu_seconds, solution.seconds = time.process_time() - c0, time.perf_counter() - t0
    results = {g.name: g for g in pool.finish()}
    return solution, [results[v.name] for v in variants]


def grade_alone(hw: str, *, jobs: int = 1, timeout_s: float = 1800, root: Path = ROOT) -> list[Graded]:
    """Run the blank release; at each answer cell, a child fills in only that answer and runs its part.

    One Graded per answer cell (named after it): the graded cells of its part, which must score
    full marks although every other answer is missing."""
    cells, stubs = notebook_cells(hw, root)
    where = _positions(cells)
    blank = [Cell(c.index, stubs[c.grade_id], c.grade_id, 0.0, True) if c.answer else c for c in cells]
    shell, pool = Shell(), _Pool(jobs, timeout_s)
    answers = sorted(where.items(), key=lambda kv: kv[1])
    position = 0
    for k, (grade_id, index) in enumerate(answers):
        for cell in blank[position:index]:
            shell.run(cell)
        position = index
        stop = answers[k + 1][1] if k + 1 < len(answers) else len(cells)
        pool.start(lambda index=index, stop=stop, g=grade_id: _run_child(shell, cells, index, stop, {}, g, "alone"),
                   grade_id, "alone")
    return pool.finish()


def grade_with_nbgrader(hw: str, variants: list[Variant], where: Path, *, jobs: int = 2,
                        root: Path = ROOT) -> dict[str, dict[str, tuple[float, float]]]:
    """The same variants graded by the real autograder (course.cli), each a student of a temporary course."""
    from nbgrader.api import Gradebook

    from course.cli import Course, autograde, make_temp_course, release, solved_notebook, submit

    temp = make_temp_course(Course(root), where)
    release(temp, hw)
    generated = nbformat.read(temp.release_notebook(hw), as_version=4)
    source = nbformat.read(temp.source_notebook(hw), as_version=4)
    solved = solved_notebook(generated, source)
    for v in variants:
        nb = nbformat.from_dict(json.loads(json.dumps(solved)))
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in v.cells:
                cell.source = v.cells[grade_id]
        submit(temp, hw, v.name, nb)
    autograde(temp, hw, jobs=jobs, progress=False)
    out = {}
    with Gradebook(temp.gradebook_url) as gb:
        for v in variants:
            submission = gb.find_submission(hw, v.name)
            out[v.name] = {g.name: (float(g.score), float(g.max_score)) for nb in submission.notebooks
                           for g in nb.grades if g.max_score}
    return out


# --------------------------------------------------------------------------- a report
def own_cells(hw: str, grade_ids, root: Path = ROOT) -> set[str]:
    """The graded cells of the parts whose answer cells are ``grade_ids`` (up to each next answer cell)."""
    cells, _ = notebook_cells(hw, root)
    own, inside = set(), False
    for cell in cells:
        if cell.answer:
            inside = cell.grade_id in grade_ids
        elif inside and cell.points:
            own.add(cell.grade_id)
    return own


def cascades(hw: str, variants: list[Variant], graded: list[Graded], root: Path = ROOT) -> dict[str, list[str]]:
    """Variant name -> the graded cells it lost outside its own part (each bug should cost its own points once)."""
    out = {}
    for v, g in zip(variants, graded):
        outside = sorted(set(g.failed) - own_cells(hw, v.cells, root))
        if outside:
            out[v.name] = outside
    return out


def summary(hw: str, solution: Graded, graded: list[Graded]) -> str:
    wrong = [g for g in graded if g.kind == "wrong"]
    correct = [g for g in graded if g.kind == "correct"]
    caught = [g for g in wrong if g.lost > 0 or "*" in g.errors]
    full = [g for g in correct if g.lost == 0 and "*" not in g.errors]
    lines = [f"{hw}: solution {sum(s for s, _ in solution.scores.values()):g}/"
             f"{sum(m for _, m in solution.scores.values()):g} ({solution.cpu_seconds:.0f} s CPU); "
             f"wrong caught {len(caught)}/{len(wrong)}; correct with full marks {len(full)}/{len(correct)}"]
    for g in graded:
        if (g.kind == "wrong" and g not in caught) or (g.kind == "correct" and g not in full):
            lines.append(f"  {g.kind:8s} {g.name:40s} lost {g.lost:g}: {g.errors}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="grade the variants of tests/grading/mutants/<hw>.py")
    parser.add_argument("hw", nargs="+")
    parser.add_argument("--scope", choices=("part", "all"), default="part")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=None, help="variant names")
    parser.add_argument("--alone", action="store_true", help="also each part with every other part missing")
    parser.add_argument("--first-loss", action="store_true", help="stop each variant at its first lost point")
    parser.add_argument("--root", type=Path, default=ROOT, help="grade the notebooks of another checkout")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report = {}
    for hw in args.hw:
        variants = [v for v in load_variants(hw, args.root) if args.only is None or v.name in args.only]
        solution, graded = grade_variants(hw, variants, scope=args.scope, jobs=args.jobs, root=args.root,
                                          first_loss=args.first_loss)
        print(summary(hw, solution, graded), flush=True)
        report[hw] = {"solution": solution.__dict__, "variants": [g.__dict__ for g in graded],
                      "own": {v.name: sorted(own_cells(hw, v.cells, args.root)) for v in variants}}
        if args.scope == "all" and not args.first_loss:
            report[hw]["cascades"] = cascades(hw, variants, graded, args.root)
            for name, cells in report[hw]["cascades"].items():
                print(f"  cascade  {name:40s} also lost {cells}")
        if args.alone:
            alone = grade_alone(hw, jobs=args.jobs, root=args.root)
            for g in alone:
                print(f"  alone {g.name:30s} lost {g.lost:g} {g.errors if g.lost else ''}")
            report[hw]["alone"] = [g.__dict__ for g in alone]
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
