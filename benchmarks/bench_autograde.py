"""Autograde throughput: ``--jobs 2`` against ``--jobs 1``, and the sandbox against no sandbox.

    .venv/bin/python benchmarks/bench_autograde.py [--submissions 6 12] [--repeats 1] [--hw hw1_mdn]

1. A temporary course with N submissions of one assignment (half solved, half blank, as a
   class hands in) is graded with ``--jobs 1`` and with ``--jobs 2`` (``--force``, in
   alternating order), then with ``--jobs 1 --no-sandbox``. Reported: the wall-clock ratio
   jobs 2 / jobs 1 for the batch (target on a 2-core machine: <= 0.7) and the per-submission
   ratio sandbox / no sandbox (the median of each submission's own grading time, paired).
2. The sandbox's fixed cost: start a kernel, run ``1 + 1``, shut it down, with
   `SandboxedKernelManager` and with jupyter_client's plain kernel manager, alternating.

Both sides of every ratio are measured in this run, on this machine; numbers taken while other
work runs on the machine are upper bounds.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from course.cli import Course, make_temp_course, solved_notebook, submit  # noqa: E402
from course.grading import autograde  # noqa: E402


def make_class(where: Path, hw: str, n: int) -> Course:
    course = make_temp_course(Course(ROOT), where)
    release = nbformat.read(course.root / "committed_assignments" / hw / f"{hw}.ipynb", as_version=4)
    solved = solved_notebook(release, nbformat.read(course.source_notebook(hw), as_version=4))
    for i in range(n):
        submit(course, hw, f"student{i:03d}", solved if i % 2 == 0 else release)
    return course


def timed_batch(course: Course, hw: str, **kw) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    rows = autograde(course, hw, force=True, progress=False, **kw)
    wall = time.perf_counter() - start
    assert all(r["status"] == "graded" for r in rows), rows
    return wall, {r["student"]: float(r["seconds"]) for r in rows}


def bench_batches(hw: str, sizes: list[int], repeats: int) -> None:
    print(f"autograde {hw}: N submissions (half solved, half blank), graded with --force")
    print(f"{'N':>4}{'jobs1 s':>10}{'jobs2 s':>10}{'jobs2/jobs1':>13}{'sandbox s/sub':>15}{'none s/sub':>12}"
          f"{'sandbox/none':>14}")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
            course = make_class(Path(tmp), hw, n)
            autograde(course, hw, jobs=2, progress=False)          # warm-up: gradebook, caches
            one, two, per_box, per_none = [], [], [], []
            for rep in range(repeats):
                order = [1, 2] if rep % 2 == 0 else [2, 1]
                for jobs in order:
                    wall, per = timed_batch(course, hw, jobs=jobs)
                    (one if jobs == 1 else two).append(wall)
                    if jobs == 1:
                        box = per
                _, none = timed_batch(course, hw, jobs=1, sandbox=False)
                per_box += [box[s] for s in sorted(box)]
                per_none += [none[s] for s in sorted(box)]
            paired = statistics.median(b / u for b, u in zip(per_box, per_none))
            print(f"{n:>4}{statistics.median(one):>10.1f}{statistics.median(two):>10.1f}"
                  f"{statistics.median(two) / statistics.median(one):>13.2f}{statistics.median(per_box):>15.1f}"
                  f"{statistics.median(per_none):>12.1f}{paired:>14.2f}")


async def kernel_round_trip(manager_class) -> float:
    from jupyter_client.manager import AsyncKernelManager  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="bench-kernel-") as tmp:
        km = manager_class(kernel_name="python3")
        start = time.perf_counter()
        await km.start_kernel(cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        reply = await kc.execute_interactive("1 + 1", timeout=60, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok"
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        return time.perf_counter() - start


def bench_kernel(repeats: int) -> None:
    from jupyter_client.manager import AsyncKernelManager

    from course.sandbox import SandboxedKernelManager

    times = {"sandbox": [], "plain": []}
    sides = [("sandbox", SandboxedKernelManager), ("plain", AsyncKernelManager)]
    for rep in range(repeats):
        for name, cls in (sides if rep % 2 == 0 else sides[::-1]):     # alternate which goes first
            times[name].append(asyncio.run(kernel_round_trip(cls)))
    box, plain = statistics.median(times["sandbox"]), statistics.median(times["plain"])
    paired = statistics.median(b / p for b, p in zip(times["sandbox"], times["plain"]))
    print(f"\nkernel start + `1 + 1` + shutdown, {repeats} alternating repeats")
    print(f"{'sandbox s':>10}{'plain s':>10}{'ratio':>8}")
    print(f"{box:>10.2f}{plain:>10.2f}{paired:>8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hw", default=Course(ROOT).assignment_ids()[0])
    parser.add_argument("--submissions", type=int, nargs="+", default=[6])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--kernel-repeats", type=int, default=6)
    args = parser.parse_args()
    if min(args.submissions) < 6:
        parser.error(f"--submissions: expected at least 6 per batch, got {min(args.submissions)}")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    bench_kernel(args.kernel_repeats)
    bench_batches(args.hw, args.submissions, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
