"""Forward algorithm (log Z) and Viterbi: energylab.structured vs pytorch-crf, side by side.

    .venv/bin/python benchmarks/bench_structured.py [--batch 32 --lengths 32 128 512 2048 --labels 8 32 128]

Both libraries get the same problem (CRF scores = minus our energies, random lengths
between N/2 and N, start/end terms, float32 on both sides) and are timed alternately in one
process with one torch thread, swapping which one goes first on every repeat (a call made
right after the other library's runs on colder caches, so a fixed order favours one side).
Each cell is the ratio of the two medians, ours / pytorch-crf (< 1 = we are faster), over
enough repeats to fill ``--seconds`` of pytorch-crf time (at least ``--min-repeats``).  Times
are the CPU time of the (one) working thread by default, which a busy machine inflates far
less than elapsed time (``--clock wall`` for elapsed time); the machine's load average is
printed before and after.  Goals (issue 18): log Z <= 0.5x and Viterbi <= 0.2x in every cell.

With CUDA present, a GPU section follows: log Z throughput (sequences per second) for large
batches on the GPU, ours and pytorch-crf's, and ours on one CPU thread for the same problem.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from energylab.structured import PAD, chain_energy, log_partition, viterbi

GOALS = {"log Z": 0.5, "Viterbi": 0.2}


def problem(b, n, c, *, device="cpu", seed=0):
    """A random CRF of pytorch-crf's and the same chain energy of ours."""
    from torchcrf import CRF

    g = torch.Generator().manual_seed(seed)
    crf = CRF(c, batch_first=True).to(device)
    emissions = torch.randn(b, n, c, generator=g).to(device)
    lengths = torch.randint(n // 2, n + 1, (b,), generator=g).to(device)
    lengths[0] = n
    mask = torch.arange(n, device=device)[None] < lengths[:, None]
    ours = dict(unary=-emissions, transitions=-crf.transitions.detach(), lengths=lengths,
                start=-crf.start_transitions.detach(), end=-crf.end_transitions.detach())
    return crf, emissions, mask, ours


def tasks(crf, emissions, mask, ours):
    """(name, ours, theirs) callables, checked to give the same answers first: the same log Z
    to float32 rounding, and decoded paths of the same (float64) energy -- in float32 a near
    tie may be broken differently by two correct implementations of Viterbi."""
    log_z = lambda: log_partition(**ours)                                       # noqa: E731
    their_log_z = lambda: crf._compute_normalizer(emissions.transpose(0, 1), mask.t())   # noqa: E731
    decode = lambda: viterbi(**ours).labels                                     # noqa: E731
    their_decode = lambda: crf.decode(emissions, mask=mask)                    # noqa: E731
    with torch.no_grad():
        assert torch.allclose(log_z(), their_log_z(), rtol=1e-4, atol=1e-2), "log Z differs from pytorch-crf"
        lengths = ours["lengths"]
        theirs = torch.full_like(emissions[..., 0], PAD, dtype=torch.long)
        for i, path in enumerate(their_decode()):
            theirs[i, : len(path)] = torch.tensor(path)
        as64 = {k: v.double() if v.is_floating_point() else v for k, v in ours.items()}
        e_ours = chain_energy(as64["unary"], as64["transitions"], decode(), lengths, start=as64["start"], end=as64["end"])
        e_theirs = chain_energy(as64["unary"], as64["transitions"], theirs, lengths, start=as64["start"],
                                end=as64["end"])
        assert torch.allclose(e_ours, e_theirs, rtol=1e-5, atol=1e-3), "Viterbi paths of different energy"
    return [("log Z", log_z, their_log_z), ("Viterbi", decode, their_decode)]


CLOCKS = {"cpu": time.thread_time, "wall": time.perf_counter}


def paired(ours, theirs, *, seconds, min_repeats, max_repeats=200, sync=lambda: None, clock=time.thread_time):
    """Median times of alternating runs (ours first on even repeats), until ``theirs`` used ``seconds``."""
    t_ours, t_theirs = [], []
    with torch.no_grad():
        ours(), theirs()                                                        # warm-up
        sync()
        while len(t_ours) < min_repeats or (sum(t_theirs) < seconds and len(t_ours) < max_repeats):
            pair = [(ours, t_ours), (theirs, t_theirs)]
            for fn, times in pair if len(t_ours) % 2 == 0 else pair[::-1]:
                start = clock()
                fn()
                sync()
                times.append(clock() - start)
    return statistics.median(t_ours), statistics.median(t_theirs), len(t_ours)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_grid(args):
    ratios = {}
    for n in args.lengths:
        for c in args.labels:
            crf, emissions, mask, ours = problem(args.batch, n, c)
            for name, fn_ours, fn_theirs in tasks(crf, emissions, mask, ours):
                a, z, repeats = paired(fn_ours, fn_theirs, seconds=args.seconds, min_repeats=args.min_repeats,
                                       clock=CLOCKS[args.clock])
                ratios[name, n, c] = (a / z, repeats)
            print(f"  N={n:<5} C={c:<4} log Z {ratios['log Z', n, c][0]:.3f}x   Viterbi "
                  f"{ratios['Viterbi', n, c][0]:.3f}x   ({ratios['log Z', n, c][1]}, "
                  f"{ratios['Viterbi', n, c][1]} repeats)", flush=True)
    return ratios


def print_table(name, ratios, args):
    goal = GOALS[name]
    print(f"\n{name}: time ratio energylab / pytorch-crf (B={args.batch}, float32, 1 thread; goal <= {goal}x)")
    print("N \\ C  " + "".join(f"{c:>9}" for c in args.labels))
    met = 0
    for n in args.lengths:
        cells = []
        for c in args.labels:
            r = ratios[name, n, c][0]
            met += r <= goal
            cells.append(f"{r:>8.3f}{' ' if r <= goal else '!'}")
        print(f"{n:<7}" + "".join(cells))
    total = len(args.lengths) * len(args.labels)
    print(f"goal met in {met}/{total} cells" + ("" if met == total else " (! = missed)"))


def throughput(args, device):
    """log Z for large batches on ``device``: sequences per second, ours and pytorch-crf's there,
    and ours on one CPU thread for the same problem."""
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    name = torch.cuda.get_device_name() if device.startswith("cuda") else device
    print(f"\n{name}: log Z throughput, N={args.gpu_length}, float32, sequences per second")
    print(f"{'B':>6} {'C':>5} {'energylab':>12} {'pytorch-crf':>12} {'ratio':>7} {'energylab, 1 CPU thread':>24}")
    for c in args.labels:
        for b in args.gpu_batches:
            crf, emissions, mask, ours = problem(b, args.gpu_length, c, device=device)
            (_, fn_ours, fn_theirs), _ = tasks(crf, emissions, mask, ours)
            a, z, _ = paired(fn_ours, fn_theirs, seconds=args.seconds, min_repeats=5, sync=sync,
                             clock=time.perf_counter)                           # the GPU works outside this thread
            on_cpu = {k: v.cpu() for k, v in ours.items()}
            start = time.perf_counter()
            with torch.no_grad():
                log_partition(**on_cpu)
            cpu = time.perf_counter() - start
            print(f"{b:>6} {c:>5} {b / a:>12.0f} {b / z:>12.0f} {a / z:>6.3f}x {b / cpu:>24.0f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lengths", type=int, nargs="+", default=[32, 128, 512, 2048])
    parser.add_argument("--labels", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--seconds", type=float, default=1.0, help="pytorch-crf time per cell and task")
    parser.add_argument("--min-repeats", type=int, default=7)
    parser.add_argument("--gpu-batches", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--gpu-length", type=int, default=128)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: this thread's CPU time (robust on a busy machine); wall: elapsed time")
    parser.add_argument("--throughput-device", default=None,
                        help="run the throughput section on this device (default: cuda when present)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"energylab vs pytorch-crf, paired alternating medians of {args.clock} time, 1 thread; {load()}",
          flush=True)
    ratios = cpu_grid(args)
    print(f"({load()})")
    for name in GOALS:
        print_table(name, ratios, args)
    device = args.throughput_device or ("cuda" if torch.cuda.is_available() else None)
    if device is None:
        print("\nGPU: CUDA is not available here; the GPU section (log Z throughput) is skipped.")
    else:
        throughput(args, device)


if __name__ == "__main__":
    main()
