"""benchmarks/bench_structured.py runs and checks its answers against pytorch-crf (a smoke
test on a tiny grid: timings are for `make bench`, not for tests)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_loader import load_bench  # noqa: E402


def test_bench_structured_prints_the_grid(monkeypatch, capsys):
    pytest.importorskip("torchcrf")
    bench = load_bench("structured")
    monkeypatch.setattr(sys, "argv", ["bench_structured.py", "--lengths", "3", "9", "--labels", "2", "5",
                                      "--seconds", "0", "--min-repeats", "1", "--throughput-device", "cpu",
                                      "--gpu-batches", "8", "--gpu-length", "6"])
    bench.main()
    out = capsys.readouterr().out
    assert "log Z: time ratio" in out and "Viterbi: time ratio" in out and "throughput" in out
    assert out.count("goal met in") == 2


def test_bench_checks_answers_against_pytorch_crf():
    pytest.importorskip("torchcrf")
    bench = load_bench("structured")
    crf, emissions, mask, ours = bench.problem(6, 40, 7, seed=3)
    names = [name for name, _, _ in bench.tasks(crf, emissions, mask, ours)]   # asserts inside
    assert names == ["log Z", "Viterbi"]
