"""LoRA versus full fine-tuning of all-MiniLM-L6-v2 on BBC topics (notebook 16): trainable parameters, time per
training step and peak training memory, as ratios measured side by side in one run.

    python -m benchmarks.bench_lora [--batch-size 16] [--max-length 128] [--repeats 5] [--steps 3]

- Time per step: both models are built in this process and their training steps (forward, backward, AdamW) are
  timed in turns on the same batch of real articles, the best of ``repeats`` kept for each.
- Peak memory: each configuration runs in a fresh process (this module with ``--worker``), because a process's
  peak resident memory never goes down; the worker records the peak after loading and after ``steps`` training
  steps (``helpers.timing.peak_rss_mib``), and the difference is what training added (gradients, optimizer state,
  activations kept for the backward pass). Each worker is bounded by a timeout and waited for. On Linux the
  worker reads VmHWM from /proc/self/status (``peak_rss_mib`` does): ``ru_maxrss`` is carried over from the
  process that started the worker, so after ``make bench`` has loaded other models it would report their size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread: stable timings on a shared or loaded machine

BASE_ID = "sentence-transformers/all-MiniLM-L6-v2"
METHODS = ("full", "lora")
REPO_ROOT = Path(__file__).resolve().parent.parent


def build(method: str):
    """A fresh MiniLM classifier (5 topics, seeded head) trained fully, or with LoRA r=8 on query and value."""
    import torch
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging

    from helpers.zoo import resolve

    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
    logging.set_verbosity_error()  # the load report would only say that the head is new
    logging.disable_progress_bar()
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(resolve(BASE_ID, quiet=True), num_labels=5)
    if method == "lora":
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(
            task_type="SEQ_CLS", r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["query", "value"]
        )
        model = get_peft_model(model, config)
    elif method != "full":
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    return model.train()


def make_batch(batch_size: int, max_length: int) -> dict:
    """The first ``batch_size`` BBC training articles, tokenized to ``max_length``, with their labels."""
    import torch
    from transformers import AutoTokenizer

    from helpers.data import load_bbc_news
    from helpers.zoo import resolve

    news = load_bbc_news("offline")["train"].select(range(batch_size))
    tokenizer = AutoTokenizer.from_pretrained(resolve(BASE_ID, quiet=True))
    batch = tokenizer(
        news["text"][:], truncation=True, max_length=max_length, padding="max_length", return_tensors="pt"
    )
    batch["labels"] = torch.tensor(news["label"][:])
    return dict(batch)


def train_step(model, optimizer, batch: dict) -> None:
    model(**batch).loss.backward()
    optimizer.step()
    optimizer.zero_grad()


def optimizer_for(model):
    import torch

    return torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)


def peak_mib() -> float:
    """This process's peak resident memory in MiB (``helpers.timing.peak_rss_mib``: VmHWM on Linux)."""
    from helpers.timing import peak_rss_mib

    return peak_rss_mib()


def worker(method: str, batch_size: int, max_length: int, steps: int) -> dict[str, float]:
    """Run in a fresh process: peak memory after loading, and after ``steps`` training steps (MiB)."""
    model, batch = build(method), make_batch(batch_size, max_length)
    optimizer = optimizer_for(model)
    before = peak_mib()
    for _ in range(steps):
        train_step(model, optimizer, batch)
    return {"before_mib": before, "after_mib": peak_mib()}


def measure_memory(method: str, args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.bench_lora", "--worker", method,
               "--batch-size", str(args.batch_size), "--max-length", str(args.max_length), "--steps", str(args.steps)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout, cwd=REPO_ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"the memory worker for {method} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_lora")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument(
        "--repeats", type=int, default=5, help="rounds of timed steps (after one warm-up round)"
    )
    parser.add_argument("--steps", type=int, default=3, help="training steps in each memory worker")
    parser.add_argument("--timeout", type=int, default=600, help="seconds before a memory worker is stopped")
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = worker(args.worker, args.batch_size, args.max_length, args.steps)
        print(json.dumps(result))
        return result

    memory = {method: measure_memory(method, args) for method in METHODS}
    models = {method: build(method) for method in METHODS}
    optimizers = {method: optimizer_for(model) for method, model in models.items()}
    batch = make_batch(args.batch_size, args.max_length)
    times: dict[str, list[float]] = {method: [] for method in METHODS}
    for _ in range(args.repeats + 1):  # the first round warms up
        for method, model in models.items():
            start = time.perf_counter()
            train_step(model, optimizers[method], batch)
            times[method].append(time.perf_counter() - start)
    step_s = {method: min(t[1:]) for method, t in times.items()}
    trainable = {
        m: sum(p.numel() for p in model.parameters() if p.requires_grad) for m, model in models.items()
    }
    total = sum(p.numel() for p in models["full"].parameters())
    added = {m: v["after_mib"] - v["before_mib"] for m, v in memory.items()}
    result = {
        "full_step_s": step_s["full"],
        "lora_step_s": step_s["lora"],
        "time_ratio": step_s["lora"] / step_s["full"],
        "full_memory_added_mib": added["full"],
        "lora_memory_added_mib": added["lora"],
        "memory_ratio": added["lora"] / added["full"],
        "full_peak_mib": memory["full"]["after_mib"],
        "lora_peak_mib": memory["lora"]["after_mib"],
        "lora_trainable_share": trainable["lora"] / total,
    }
    print(
        f"MiniLM classifier, batch {args.batch_size} x {args.max_length} tokens, "
        f"{os.environ.get('OMP_NUM_THREADS')} thread(s):\n"
        f"  trainable parameters: full {trainable['full']:,}, LoRA {trainable['lora']:,} "
        f"({result['lora_trainable_share']:.2%})\n"
        f"  time per training step (best of {args.repeats}, in turns): full {step_s['full'] * 1e3:.0f} ms, "
        f"LoRA {step_s['lora'] * 1e3:.0f} ms -> LoRA takes {result['time_ratio']:.2f}x\n"
        f"  memory added by {args.steps} training steps (fresh process each): full {added['full']:.0f} MiB, "
        f"LoRA {added['lora']:.0f} MiB -> LoRA needs {result['memory_ratio']:.2f}x "
        f"(peaks {result['full_peak_mib']:.0f} vs {result['lora_peak_mib']:.0f} MiB)"
    )
    return result


if __name__ == "__main__":
    main()
