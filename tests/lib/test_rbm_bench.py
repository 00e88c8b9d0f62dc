"""benchmarks/bench_rbm.py runs end to end on tiny settings, the GPU section on the CPU (a smoke
test: timings are for `make bench`, not for tests)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_loader import load_bench  # noqa: E402


def test_bench_rbm_prints_the_table_in_both_dtypes(monkeypatch, capsys):
    bench = load_bench("rbm")
    monkeypatch.setattr(sys, "argv", ["bench_rbm.py", "--hidden", "64", "8", "--seconds", "0", "--min-repeats", "1",
                                      "--epochs", "1", "--betas", "20", "--ais-hidden", "4",
                                      "--throughput-device", "cpu", "--gpu-batches", "16", "--gpu-hidden", "8",
                                      "--gpu-sweeps", "1", "--gpu-steps", "1"])
    bench.main()
    out = capsys.readouterr().out
    assert "same dtype on both sides" in out and "load average" in out
    table = out[out.index("PCD-1 epoch: time ratio"):].splitlines()
    assert table[1].split() == ["hidden", "float32", "float64"]
    assert [row.split()[0] for row in table[2:4]] == ["64", "8"]
    assert "goal met in" in out and "pseudo-likelihood" in out and "AIS vs exact" in out
    assert "block-Gibbs sweeps per second" in out


def test_both_sides_get_the_same_dtype():
    import numpy as np
    import torch

    bench = load_bench("rbm")
    X = bench.digits_scaled()[:20]
    for dtype, np_dtype in bench.DTYPES.values():
        ours, theirs = bench.epoch_pair(X.astype(np_dtype), 4, dtype, seed=0)   # asserts the data's dtype
        ours(), theirs()
    assert bench.DTYPES["float32"] == (torch.float32, np.float32)
