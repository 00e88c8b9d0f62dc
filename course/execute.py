"""nbgrader's executor, made to finish every notebook it is given.

`ResilientExecute` replaces nbgrader's ``Execute`` in autograding (see the generated
configuration in `course.grading`). Compared with it, it

* runs the kernel in the sandbox (`course.sandbox.SandboxedKernelManager`);
* survives a kernel that dies (``os._exit``, killed for memory or CPU time) or that ignores
  the interrupt after a cell's timeout: the cell gets an error output saying what happened
  (so a graded cell scores 0), the kernel is restarted in a fresh sandbox, the cells before
  it are run again to rebuild the state (except cells that killed the kernel or timed out),
  and grading goes on with the next cell;
* stops running cells at the submission's deadline (``COURSE_DEADLINE``, seconds since the
  epoch): the cells that could not run get an error output and score 0;
* keeps at most ``max_output_bytes`` of output per cell (a flood of prints cannot exhaust the
  grader's memory);
* writes one JSON line per event (restart, timeout, deadline, truncation) to the file named
  by ``COURSE_GRADING_EVENTS``, which the driver turns into the submission's reason.
"""
from __future__ import annotations

import json
import os
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from traitlets import Bool, Integer

from nbgrader.preprocessors import Execute

from .sandbox import SandboxedKernelManager

SIGNALS = {9: "SIGKILL: killed, e.g. for memory", 24: "SIGXCPU: CPU-time limit", 11: "SIGSEGV: crashed",
           6: "SIGABRT: aborted", 15: "SIGTERM"}


class ResilientExecute(Execute):
    sandbox = Bool(True, help="run each kernel in the bubblewrap sandbox").tag(config=True)
    max_restarts = Integer(5, help="kernel restarts per notebook before the remaining cells are given up").tag(
        config=True)
    max_output_bytes = Integer(2_000_000, help="output kept per cell (bytes)").tag(config=True)
    # after an interrupt, how long a busy kernel gets to come back (nbclient's default, 4 s, is too
    # short on a loaded machine: the kernel would be restarted needlessly)
    iopub_timeout = Integer(10).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        if self.sandbox:
            self.kernel_manager_class = SandboxedKernelManager
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._lost: set[int] = set()        # cells never to run again: they killed the kernel or timed out
        self._restarts = 0
        deadline = float(os.environ.get("COURSE_DEADLINE", "inf"))
        with self.setup_kernel():
            self._kernel_info()
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if time.time() >= deadline:
                    self._give_up(index, "the submission reached its grading time limit")
                    break
                if self._restarts > self.max_restarts:
                    self._give_up(index, f"the kernel died {self._restarts} times")
                    break
                self._run(index, deadline)
        self.set_widgets_metadata()
        return self.nb, self.resources

    # ------------------------------------------------------------------ one cell
    def _run(self, index: int, deadline: float) -> None:
        cell = self.nb.cells[index]
        self._deadline = deadline
        try:
            self.execute_cell(cell, index, store_history=True)
        except (DeadKernelError, CellTimeoutError) as error:
            what = self._failure(error)
            cell = self.nb.cells[index]
            cell.outputs = list(cell.get("outputs", [])) + [new_output(
                "error", ename=type(error).__name__, evalue=what,
                traceback=[f"{type(error).__name__}: {what}; the kernel was restarted and grading went on"])]
            self._lost.add(index)
            self._event("restart", index, what)
            self._restart_and_replay(index)
            return
        if any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError" for o in cell.outputs):
            self._lost.add(index)
            self._event("timeout", index, f"interrupted after {self._get_timeout(cell)} s")

    def _failure(self, error: Exception) -> str:
        if isinstance(error, CellTimeoutError):
            return "the cell timed out and the kernel did not answer the interrupt"
        code = self._exit_code()
        signal = code - 128 if code is not None and code > 128 else (-code if code is not None and code < 0 else None)
        if signal is not None:
            return f"the kernel died while running this cell (signal {signal}, {SIGNALS.get(signal, 'killed')})"
        return f"the kernel died while running this cell (exit status {code})"

    def _exit_code(self) -> int | None:
        try:
            process = self.km.provisioner.process
            process.wait(timeout=5)
            return process.returncode
        except Exception:
            return None

    def _restart_and_replay(self, failed: int) -> None:
        """A fresh kernel in a fresh sandbox, then the earlier cells again (outputs kept from the first run)."""
        while True:
            self._restarts += 1
            if self._restarts > self.max_restarts:
                return
            self._cleanup_kernel()
            self.km = self.create_kernel_manager()
            self.start_new_kernel()
            self.start_new_kernel_client()
            self._kernel_info()
            killer = self._replay(failed)
            if killer is None:
                return
            self._lost.add(killer)
            self._event("restart", killer, "the kernel died again when this cell was re-run")

    def _replay(self, upto: int) -> int | None:
        """Run cells before ``upto`` again; return the index of one that killed the kernel, if any."""
        for index in range(upto):
            cell = self.nb.cells[index]
            if index in self._lost or cell.cell_type != "code" or not cell.source.strip():
                continue
            kept = self.nb.cells[index]
            try:
                self.execute_cell(json_copy(cell), index, store_history=True)
            except (DeadKernelError, CellTimeoutError):
                return index
            finally:
                self.nb.cells[index] = kept
        return None

    def _give_up(self, start: int, why: str) -> None:
        for index in range(start, len(self.nb.cells)):
            cell = self.nb.cells[index]
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [new_output("error", ename="NotRun", evalue=why,
                                           traceback=[f"NotRun: this cell was not run: {why}"])]
        self._event("gave_up", start, why)

    def _kernel_info(self) -> None:
        info = self.wait_for_reply(self.kc.kernel_info())
        self.nb.metadata["language_info"] = info["content"]["language_info"]

    # ------------------------------------------------------------------ limits
    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        remaining = getattr(self, "_deadline", float("inf")) - time.time()
        if remaining == float("inf"):
            return timeout
        return max(1, int(min(timeout or remaining, remaining)))

    def output(self, outs, msg, display_id, cell_index):
        key = msg["parent_header"].get("msg_id")
        content = msg["content"]
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        used = self._sizes.get(key, 0) + size
        self._sizes[key] = used
        if used <= self.max_output_bytes or msg["msg_type"] not in ("stream", "display_data", "execute_result"):
            return super().output(outs, msg, display_id, cell_index)
        name = content.get("name", "stdout")
        if (key, name) not in self._truncated:
            self._truncated.add((key, name))
            note = f"\n... more output on {name} was dropped by the grader (over {self.max_output_bytes} bytes) ...\n"
            outs.append(new_output("stream", name=name if msg["msg_type"] == "stream" else "stdout", text=note))
            self._event("truncated", cell_index, f"output over {self.max_output_bytes} bytes dropped")
        return None

    def reset_execution_trackers(self) -> None:
        super().reset_execution_trackers()
        self._sizes: dict[str, int] = {}
        self._truncated: set = set()

    # ------------------------------------------------------------------ events
    def _event(self, kind: str, index: int, detail: str) -> None:
        path = os.environ.get("COURSE_GRADING_EVENTS")
        if not path:
            return
        cell = self.nb.cells[index] if index < len(self.nb.cells) else {}
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") if cell else None
        with open(path, "a") as f:
            f.write(json.dumps({"kind": kind, "cell": index, "grade_id": grade_id, "detail": detail}) + "\n")


def json_copy(node):
    import nbformat
    return nbformat.from_dict(json.loads(json.dumps(node)))
