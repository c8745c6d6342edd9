"""How many threads should torch use on a 2-core laptop that is also running a browser and a video call?

Runs the same small training workload (MiniLM-sized BERT, forward + backward + AdamW step, batch 16 x 128
tokens, random weights: the arithmetic is what matters) in a fresh process per configuration — thread count
and OpenMP wait policy must be set before torch starts its thread pool — once on the machine as it is
("quiet") and once with busy processes competing for the cores ("loaded", simulating other programs), and
prints the time per step of each configuration as a ratio to torch's default in the same condition. The
configurations take turns, round after round (``--rounds``), and each reports the median of its rounds: one round
on a "quiet" machine varies by tens of percent from run to run.

    python -m benchmarks.bench_threads [--steps 6] [--load 2] [--rounds 3]

``helpers/__init__.py`` sets ``OMP_WAIT_POLICY=PASSIVE`` because of this measurement (see its docstring).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time

CONFIGS = {
    # name: (environment set before torch starts, torch.set_num_threads value or None)
    "default (all cores, active wait)": ({}, None),
    "all cores, OMP_WAIT_POLICY=PASSIVE": ({"OMP_WAIT_POLICY": "PASSIVE"}, None),
    "1 thread": ({"OMP_NUM_THREADS": "1"}, 1),
    "1 thread, PASSIVE": ({"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}, 1),
}

WORKLOAD = r"""
import json, sys, time, torch
from transformers import BertConfig, BertForSequenceClassification
if {threads!r} is not None:
    torch.set_num_threads({threads!r})
torch.manual_seed(0)
config = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                    intermediate_size=1536, num_labels=5)
model = BertForSequenceClassification(config)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
ids = torch.randint(1000, 30000, (16, 128))
labels = torch.randint(0, 5, (16,))
times = []
for step in range({steps} + 1):
    start = time.perf_counter()
    loss = model(input_ids=ids, labels=labels).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    times.append(time.perf_counter() - start)
times = sorted(times[1:])  # the first step warms up
print(json.dumps({{"median_s": times[len(times) // 2], "threads": torch.get_num_threads()}}))
"""


def _busy(stop_at: float) -> None:
    x = 0
    while time.time() < stop_at:
        x += 1


def run_config(env_extra: dict[str, str], threads: int | None, steps: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    env.update(env_extra)
    code = WORKLOAD.format(threads=threads, steps=steps)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(steps: int, load: int, rounds: int = 1) -> dict[str, dict[str, float]]:
    workers: list[mp.Process] = []
    if load:
        stop_at = time.time() + 3600
        workers = [mp.Process(target=_busy, args=(stop_at,), daemon=True) for _ in range(load)]
        for w in workers:
            w.start()
    try:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in CONFIGS}
        for _ in range(rounds):  # interleaved: a change in the machine's state hits every configuration alike
            for name, (env, threads) in CONFIGS.items():
                runs[name].append(run_config(env, threads, steps))
        return {
            name: {"median_s": statistics.median(r["median_s"] for r in rows), "threads": rows[0]["threads"]}
            for name, rows in runs.items()
        }
    finally:
        for w in workers:
            w.terminate()
            w.join()


def main(argv: list[str] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=6, help="timed training steps per configuration")
    parser.add_argument("--load", type=int, default=2, help="busy processes in the loaded condition")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per condition (median reported)")
    args = parser.parse_args(argv)
    cores = os.cpu_count()
    print(f"{cores} cores; load average before: {os.getloadavg()[0]:.1f}")
    results = {
        "quiet": measure(args.steps, 0, args.rounds),
        f"loaded (+{args.load} busy)": measure(args.steps, args.load, args.rounds),
    }
    for condition, rows in results.items():
        base = rows["default (all cores, active wait)"]["median_s"]
        print(
            f"\n{condition}: seconds per training step (median of {args.steps} steps, then of {args.rounds} rounds), "
            "ratio to the default"
        )
        for name, row in rows.items():
            print(
                f"  {name:<36} {row['median_s']:6.2f} s  x{row['median_s'] / base:5.2f}  ({row['threads']} threads)"
            )
    return results


if __name__ == "__main__":
    main()
