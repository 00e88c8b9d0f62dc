"""Run every benchmarks/bench_*.py script in turn (what `make bench` does).

    python benchmarks/run.py                 # all of them (bench_autograde.py, bench_rbm.py, ...)
    python benchmarks/run.py autograde rbm   # only bench_autograde.py and bench_rbm.py
"""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        unknown = [n for n in names if not (HERE / f"bench_{n}.py").exists()]
        if unknown:
            print(f"run.py: expected benchmark names from {[s.stem[6:] for s in scripts]}, got {unknown}")
            return 2
        scripts = [HERE / f"bench_{n}.py" for n in names]
    if not scripts:
        print("bench: no benchmarks yet")
        return 0
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
