"""Forward algorithm and Viterbi: energylab.structured vs pytorch-crf, side by side.

    .venv/bin/python benchmarks/bench_structured.py [--batch 32 --length 128 --labels 16 --repeats 60]

Both libraries get the same problem (CRF scores = minus our energies, random lengths,
start/end terms) and are timed alternately in one process with one torch thread, swapping
which one goes first on every repeat (a call made right after the other library's runs on
colder caches and is measurably slower, so a fixed order favours one side); each
row reports the median time of each and the ratio ours / pytorch-crf (< 1 = we are faster),
and the ratio of the fastest runs (less sensitive to other processes on a busy machine).
Targets (issue 4): forward <= 1.0x, Viterbi >= 5x faster (ratio <= 0.2).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from energylab.structured import log_partition, sequence_nll_loss, viterbi


def timeit(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--labels", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from torchcrf import CRF

    g = torch.Generator().manual_seed(0)
    b, n, c = args.batch, args.length, args.labels
    crf = CRF(c, batch_first=True)
    emissions = torch.randn(b, n, c, generator=g)
    lengths = torch.randint(n // 2, n + 1, (b,), generator=g)
    lengths[0] = n
    mask = torch.arange(n)[None] < lengths[:, None]
    tags = torch.randint(0, c, (b, n), generator=g)
    unary = -emissions
    w, start, end = (-crf.transitions).detach(), (-crf.start_transitions).detach(), (-crf.end_transitions).detach()

    # same answers first
    ours_llh = -sequence_nll_loss(unary, w, tags, lengths, start=start, end=end, reduction="none")
    assert torch.allclose(ours_llh, crf(emissions, tags, mask=mask, reduction="none").detach(), atol=1e-3)
    ours_path = viterbi(unary, w, lengths, start=start, end=end).labels
    assert all(ours_path[i, : lengths[i]].tolist() == p for i, p in enumerate(crf.decode(emissions, mask=mask)))

    em_grad = emissions.clone().requires_grad_(True)
    un_grad = unary.clone().requires_grad_(True)
    w_grad = w.clone().requires_grad_(True)

    def crf_nll_backward():
        (-crf(em_grad, tags, mask=mask)).backward()

    def ours_nll_backward():
        sequence_nll_loss(un_grad, w_grad, tags, lengths, start=start, end=end, reduction="sum").backward()

    rows = [
        ("forward algorithm: log Z", lambda: log_partition(unary, w, lengths, start=start, end=end),
         lambda: crf._compute_normalizer(emissions.transpose(0, 1), mask.t())),
        ("NLL (energy of y + log Z)", lambda: sequence_nll_loss(unary, w, tags, lengths, start=start, end=end),
         lambda: crf(emissions, tags, mask=mask)),
        ("NLL forward + backward", ours_nll_backward, crf_nll_backward),
        ("Viterbi decode (batched)", lambda: viterbi(unary, w, lengths, start=start, end=end),
         lambda: crf.decode(emissions, mask=mask)),
    ]
    print(f"B={b} N={n} C={c}, float32, {args.threads} thread(s), median of {args.repeats} alternating runs")
    print(f"{'task':<28} {'energylab ms':>13} {'pytorch-crf ms':>15} {'ratio':>7} {'best-run ratio':>15}")
    for name, ours, theirs in rows:
        grad = "backward" in name
        context = torch.enable_grad() if grad else torch.no_grad()
        with context:
            ours(), theirs()                                           # warm-up
            t_ours, t_theirs = [], []
            for i in range(args.repeats):                          # ours first on even repeats
                pair = [(ours, t_ours), (theirs, t_theirs)]
                for fn, times in pair if i % 2 == 0 else pair[::-1]:
                    times += timeit(fn, 1)
        a, z = statistics.median(t_ours), statistics.median(t_theirs)
        best = min(t_ours) / min(t_theirs)
        print(f"{name:<28} {1e3 * a:>13.2f} {1e3 * z:>15.2f} {a / z:>6.2f}x {best:>14.2f}x")


if __name__ == "__main__":
    main()
