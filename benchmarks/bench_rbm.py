"""RBM training epoch vs scikit-learn's BernoulliRBM over hidden sizes and both dtypes; AIS vs exact
log Z; Gibbs/PCD throughput on a GPU.

    .venv/bin/python benchmarks/bench_rbm.py [--hidden 64 128 256 512 1024 --seconds 1.5 --quick]
    .venv/bin/python benchmarks/bench_rbm.py --throughput-device cpu   # the GPU section, on the CPU

1. One epoch of PCD-1 on the 8x8 digits scaled to [0, 1] (scikit-learn's own test settings:
   lr 0.1, batch 10), ours (``train_rbm``) and scikit-learn's ``BernoulliRBM.fit(n_iter=1)``,
   **the same dtype on both sides** (float32 data into both, then float64 into both), one
   thread each (torch and numpy's BLAS), timed alternately in one process -- swapping which
   goes first on every repeat -- with the CPU time of the working thread (a busy machine
   inflates it far less than elapsed time; ``--clock wall`` for elapsed time).  Each cell is
   the median over repeats of the paired ratio ours / sklearn (< 1 = we are faster).  Goal
   (issue 18): <= 0.6x at 64 hidden units in both dtypes.  Then the pseudo-likelihood after
   ``--epochs`` epochs of each, as scikit-learn's test checks it (-21 +- 1.5).
2. AIS estimates of log Z for an RBM with 20 hidden units trained on binarised digits,
   against the exact value (enumerating 2**20 hidden states), for several numbers of
   intermediate distributions; 100 runs each.
3. With CUDA present (or ``--throughput-device``): block-Gibbs sweeps per second and PCD-1
   rows per second for large batches (784 visible, 1024 hidden, float32), on the device and
   on one CPU thread for the same problem.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
from sklearn.neural_network import BernoulliRBM as SkRBM
from threadpoolctl import threadpool_limits

from energylab.data import load_digits
from energylab.models.rbm import BernoulliRBM, base_rate_bias
from energylab.samplers import ais_log_partition
from energylab.train import train_rbm

GOAL = (64, 0.6)          # (hidden units, ratio) of issue 18
CLOCKS = {"cpu": time.thread_time, "wall": time.perf_counter}
DTYPES = {"float32": (torch.float32, np.float32), "float64": (torch.float64, np.float64)}


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def digits_scaled() -> np.ndarray:
    return load_digits("unit", dtype=torch.float64).images.numpy()


def epoch_pair(X: np.ndarray, n_hidden: int, dtype: torch.dtype, seed: int):
    """(ours, theirs): one PCD-1 epoch each on the same data in the same dtype, as callables."""
    data = torch.from_numpy(X)
    assert data.dtype == dtype

    def ours():
        g = torch.Generator().manual_seed(seed)
        rbm = BernoulliRBM(X.shape[1], n_hidden, generator=g, dtype=dtype)
        train_rbm(rbm, data, method="pcd", lr=0.1, batch_size=10, epochs=1, generator=g)

    def theirs():
        SkRBM(n_components=n_hidden, learning_rate=0.1, batch_size=10, n_iter=1, random_state=seed).fit(X)

    return ours, theirs


def paired_ratio(ours, theirs, *, seconds: float, min_repeats: int, clock) -> tuple[float, float, float, int]:
    """Alternating runs (ours first on even repeats) until sklearn used ``seconds``: the median
    paired ratio, the two median times and the number of repeats."""
    t_ours, t_theirs = [], []
    ours(), theirs()                                                    # warm-up
    while len(t_ours) < min_repeats or sum(t_theirs) < seconds:
        pair = [(ours, t_ours), (theirs, t_theirs)]
        for fn, times in pair if len(t_ours) % 2 == 0 else pair[::-1]:
            start = clock()
            fn()
            times.append(clock() - start)
    ratio = statistics.median(o / t for o, t in zip(t_ours, t_theirs))
    return ratio, statistics.median(t_ours), statistics.median(t_theirs), len(t_ours)


def bench_epoch(args) -> None:
    X = digits_scaled()
    clock = CLOCKS[args.clock]
    print(f"one PCD-1 epoch on the digits ({X.shape[0]} x {X.shape[1]}, lr 0.1, batch 10): energylab / "
          f"scikit-learn, same dtype on both sides, 1 thread each, paired alternating medians of {args.clock} "
          f"time; {load()}", flush=True)
    cells = {}
    for n_hidden in args.hidden:
        for name, (dtype, np_dtype) in DTYPES.items():
            ours, theirs = epoch_pair(X.astype(np_dtype), n_hidden, dtype, seed=n_hidden)
            cells[n_hidden, name] = paired_ratio(ours, theirs, seconds=args.seconds, min_repeats=args.min_repeats,
                                                 clock=clock)
            ratio, a, z, repeats = cells[n_hidden, name]
            print(f"  hidden {n_hidden:<5} {name}: {ratio:.3f}x  (ours {1e3 * a:.1f} ms, sklearn {1e3 * z:.1f} ms, "
                  f"{repeats} repeats)", flush=True)
    print(f"({load()})")
    hidden_goal, goal = GOAL
    print(f"\nPCD-1 epoch: time ratio energylab / scikit-learn (goal <= {goal}x at {hidden_goal} hidden, both dtypes)")
    print(f"{'hidden':<8}" + "".join(f"{name:>10}" for name in DTYPES))
    for n_hidden in args.hidden:
        marks = []
        for name in DTYPES:
            ratio = cells[n_hidden, name][0]
            missed = n_hidden == hidden_goal and ratio > goal
            marks.append(f"{ratio:>9.3f}{'!' if missed else ' '}")
        print(f"{n_hidden:<8}" + "".join(marks))
    if hidden_goal in args.hidden:
        met = sum(cells[hidden_goal, name][0] <= goal for name in DTYPES)
        print(f"goal met in {met}/{len(DTYPES)} dtypes" + ("" if met == len(DTYPES) else " (! = missed)"))


def bench_quality(epochs: int) -> None:
    X = digits_scaled()
    sk = SkRBM(n_components=64, learning_rate=0.1, batch_size=10, n_iter=epochs, random_state=9).fit(X)
    g = torch.Generator().manual_seed(9)
    rbm = BernoulliRBM(64, 64, generator=g, dtype=torch.float64)
    data = torch.from_numpy(X)
    train_rbm(rbm, data, method="pcd", lr=0.1, batch_size=10, epochs=epochs, generator=g)
    ours_pl = rbm.pseudo_log_likelihood(data, generator=g).mean().item()
    exact_pl = rbm.pseudo_log_likelihood(data).mean().item()
    print(f"\npseudo-likelihood after {epochs} epochs (64 hidden, float64): sklearn {sk.score_samples(X).mean():.2f}, "
          f"ours {ours_pl:.2f} (one-unit estimate, as sklearn) / {exact_pl:.2f} (all units)")


def bench_ais(betas_list, n_hidden: int = 20, n_runs: int = 100) -> None:
    data = load_digits("binary", dtype=torch.float64).images
    g = torch.Generator().manual_seed(0)
    rbm = BernoulliRBM(64, n_hidden, generator=g, dtype=torch.float64)
    train_rbm(rbm, data, method="pcd", lr=0.05, batch_size=20, epochs=10, shuffle=True, generator=g)
    start = time.perf_counter()
    exact = rbm.log_partition().item()
    exact_s = time.perf_counter() - start
    print(f"\nAIS vs exact log Z = {exact:.3f} (64 visible, {n_hidden} hidden; exact enumeration "
          f"of 2**{n_hidden} states took {exact_s:.2f} s), {n_runs} runs, base-rate model from the data")
    print(f"{'betas':>7}{'AIS log Z':>11}{'error':>9}{'-3sd':>8}{'+3sd':>8}{'time s':>8}")
    bias = base_rate_bias(data)
    for n_betas in betas_list:
        start = time.perf_counter()
        result = ais_log_partition(rbm.annealing_path(bias), n_betas=n_betas, n_runs=n_runs, generator=g)
        seconds = time.perf_counter() - start
        print(f"{n_betas:>7}{result.log_z:>11.3f}{result.log_z - exact:>+9.3f}"
              f"{result.log_z_low - result.log_z:>8.3f}{result.log_z_high - result.log_z:>+8.3f}{seconds:>8.2f}")


def _rates(device: str, batch: int, n_visible: int, n_hidden: int, n_sweeps: int, n_steps: int):
    """(Gibbs sweeps per second over ``batch`` chains, PCD-1 rows per second at batch size ``batch``)."""
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    g = torch.Generator(device=device).manual_seed(0)
    rbm = BernoulliRBM(n_visible, n_hidden, generator=g, device=device)
    data = torch.rand(batch * n_steps, n_visible, generator=g, device=device).round_()
    rbm.gibbs(data[:batch], 1, generator=g)                                   # warm-up
    train_rbm(rbm, data[:batch], batch_size=batch, generator=g)
    sync()
    start = time.perf_counter()
    rbm.gibbs(data[:batch], n_sweeps, generator=g)
    sync()
    gibbs = n_sweeps / (time.perf_counter() - start)
    start = time.perf_counter()
    train_rbm(rbm, data, batch_size=batch, generator=g)
    sync()
    return gibbs, data.shape[0] / (time.perf_counter() - start)


def throughput(args, device: str) -> None:
    name = torch.cuda.get_device_name(device) if device.startswith("cuda") else device
    n_visible, n_hidden = 784, args.gpu_hidden
    print(f"\n{name}: block-Gibbs sweeps per second over B chains and PCD-1 rows per second at batch size B "
          f"({n_visible} visible, {n_hidden} hidden, float32), and the same on one CPU thread")
    print(f"{'B':>7} {'sweeps/s':>10} {'CPU sweeps/s':>13} {'PCD rows/s':>12} {'CPU rows/s':>12}")
    for batch in args.gpu_batches:
        gibbs, rows = _rates(device, batch, n_visible, n_hidden, args.gpu_sweeps, args.gpu_steps)
        cpu_gibbs, cpu_rows = _rates("cpu", batch, n_visible, n_hidden, 2, 2)
        print(f"{batch:>7} {gibbs:>10.0f} {cpu_gibbs:>13.1f} {rows:>12.0f} {cpu_rows:>12.0f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    parser.add_argument("--seconds", type=float, default=1.5, help="sklearn time per cell")
    parser.add_argument("--min-repeats", type=int, default=9)
    parser.add_argument("--epochs", type=int, default=7, help="epochs of the pseudo-likelihood check")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: this thread's CPU time (robust on a busy machine); wall: elapsed time")
    parser.add_argument("--betas", type=int, nargs="*", default=[100, 300, 1000, 3000, 10000])
    parser.add_argument("--ais-hidden", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, hidden sizes and betas")
    parser.add_argument("--throughput-device", default=None,
                        help="run the throughput section on this device (default: cuda when present)")
    parser.add_argument("--gpu-batches", type=int, nargs="+", default=[1024, 4096, 16384])
    parser.add_argument("--gpu-hidden", type=int, default=1024)
    parser.add_argument("--gpu-sweeps", type=int, default=50)
    parser.add_argument("--gpu-steps", type=int, default=20)
    args = parser.parse_args()
    if args.quick:
        args.hidden, args.seconds, args.min_repeats, args.betas = [64, 256, 1024], 0.3, 5, [100, 300, 1000]
    torch.set_num_threads(1)
    with threadpool_limits(1):                    # numpy's BLAS (scikit-learn's) on one thread too
        bench_epoch(args)
        if args.epochs:
            bench_quality(args.epochs)
        if args.betas:
            bench_ais(args.betas, n_hidden=args.ais_hidden)
    device = args.throughput_device or ("cuda" if torch.cuda.is_available() else None)
    if device is None:
        print("\nGPU: CUDA is not available here; the GPU section (Gibbs/PCD throughput) is skipped "
              "(--throughput-device cpu runs it on the CPU).")
    else:
        throughput(args, device)


if __name__ == "__main__":
    main()
