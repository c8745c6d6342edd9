"""Data parallelism and mixed precision on CPU cores: 1 process against 2, and bf16 against fp32, as ratios
measured side by side in one run.

Runs notebook 13's own training script (all-MiniLM-L6-v2 fine-tuned on BBC News topics, taken from the
notebook's ``%%writefile`` cell) in the four configurations {1, 2} processes x {fp32, bf16}, each in fresh
processes with one thread per process (one core each, as each process would get one GPU), the same global
batch and the same articles. Time per epoch is the slowest process's, on the last epoch (the first one pays
one-off costs); peak memory is per process. With ``--repeats`` > 1 the configurations take turns and the
median counts, so that a change in the machine's load hits all of them alike.

    python -m benchmarks.bench_distributed [--articles 128] [--max-length 128] [--batch-size 16]
                                           [--epochs 2] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CONFIGS = [(1, "fp32"), (2, "fp32"), (1, "bf16"), (2, "bf16")]
TIMEOUT = 1800  # seconds per launch


def training_script() -> str:
    """The source of train_bbc.py, as notebook 13 writes it."""
    import nbformat

    from helpers.paths import REPO_ROOT

    notebook = REPO_ROOT / "notebooks" / "13_accelerate_distributed.ipynb"
    for cell in nbformat.read(notebook, as_version=4).cells:
        first, _, body = cell.source.partition("\n")
        if cell.cell_type == "code" and first.startswith("%%writefile") and "train_bbc.py" in first:
            return body
    raise RuntimeError(f"{notebook.name} has no %%writefile cell for train_bbc.py")


def prepare_data(folder: Path, articles: int, max_length: int) -> tuple[Path, str, int]:
    """The first BBC training articles, tokenized to max_length, in a safetensors file; the model and label count."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    from helpers.data import load_bbc_news
    from helpers.zoo import resolve

    model = resolve("sentence-transformers/all-MiniLM-L6-v2", quiet=True)
    bbc = load_bbc_news()["train"]
    rows = bbc.select(range(min(articles, bbc.num_rows)))
    tokens = AutoTokenizer.from_pretrained(model)(
        rows["text"][:], truncation=True, max_length=max_length, padding="max_length", return_tensors="pt"
    )
    path = folder / "bbc.safetensors"
    save_file(
        {
            "input_ids": tokens["input_ids"],
            "attention_mask": tokens["attention_mask"],
            "labels": torch.tensor(rows["label"][:]),
        },
        path,
    )
    return path, model, bbc.features["label"].num_classes


def launch(command: list, cwd: Path) -> None:
    """Run one launch (one thread per process); on failure or timeout stop it and every process it started."""
    import psutil

    from helpers.paths import REPO_ROOT

    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(
        [str(c) for c in command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except BaseException:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        for member in tree:
            member.terminate()
        for member in psutil.wait_procs(tree, timeout=10)[1]:
            member.kill()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"{command[:4]} ... failed:\n" + "\n".join(output.splitlines()[-30:]))


def run_config(work: Path, common: list, processes: int, precision: str, repeat: int) -> dict:
    """One configuration in fresh processes: time per epoch (last epoch, slowest process), peak MiB per process."""
    from helpers.servers import free_port

    folder = work / f"{processes}-{precision}-{repeat}"
    script = [
        work / "train_bbc.py",
        *common,
        "--out",
        folder,
        "--precision",
        "no" if precision == "fp32" else precision,
    ]
    if processes == 1:
        command = [sys.executable, *script]
    else:
        command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", processes]
        command += ["--master_addr", "127.0.0.1", "--master_port", free_port(), *script]
    launch(command, work)
    reports = [json.loads(p.read_text()) for p in folder.glob("rank*.json")]
    assert len(reports) == processes and all(r["world_size"] == processes for r in reports), reports
    return {
        "seconds": max(r["epoch_seconds"][-1] for r in reports),
        "peak_mib": max(r["peak_mib"] for r in reports),
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=128)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument(
        "--batch-size", type=int, default=16, help="articles per optimizer step, all processes"
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_distributed_") as tmp:
        work = Path(tmp)
        (work / "train_bbc.py").write_text(training_script())
        data, model, num_labels = prepare_data(work, args.articles, args.max_length)
        common = ["--data", data, "--model", model, "--num-labels", num_labels, "--cpu"]
        common += ["--global-batch-size", args.batch_size, "--epochs", args.epochs]
        measured: dict[tuple[int, str], list[dict]] = {config: [] for config in CONFIGS}
        for repeat in range(args.repeats):
            for processes, precision in CONFIGS:  # the configurations take turns
                measured[(processes, precision)].append(
                    run_config(work, common, processes, precision, repeat)
                )
    median = {
        config: {key: statistics.median(run[key] for run in runs) for key in ("seconds", "peak_mib")}
        for config, runs in measured.items()
    }
    result = {
        "two_vs_one_fp32": median[(2, "fp32")]["seconds"] / median[(1, "fp32")]["seconds"],
        "two_vs_one_bf16": median[(2, "bf16")]["seconds"] / median[(1, "bf16")]["seconds"],
        "bf16_vs_fp32_one_process": median[(1, "bf16")]["seconds"] / median[(1, "fp32")]["seconds"],
        "bf16_vs_fp32_two_processes": median[(2, "bf16")]["seconds"] / median[(2, "fp32")]["seconds"],
        "memory_two_vs_one_fp32": median[(2, "fp32")]["peak_mib"] / median[(1, "fp32")]["peak_mib"],
    }
    for (processes, precision), values in median.items():
        print(
            f"  {processes} process{'es' if processes > 1 else ''}, {precision}: {values['seconds']:.1f} s per "
            f"epoch, peak {values['peak_mib']:.0f} MiB per process"
        )
    print(
        f"MiniLM on {args.articles} BBC articles x {args.max_length} tokens, batch {args.batch_size}, 1 thread per "
        f"process, median of {args.repeats}: time per epoch, 2 processes / 1 = {result['two_vs_one_fp32']:.2f} "
        f"(fp32), {result['two_vs_one_bf16']:.2f} (bf16); bf16 / fp32 = {result['bf16_vs_fp32_one_process']:.2f} "
        f"(1 process), {result['bf16_vs_fp32_two_processes']:.2f} (2 processes); peak memory per process, "
        f"2 processes / 1 = {result['memory_two_vs_one_fp32']:.2f}"
    )
    return result


if __name__ == "__main__":
    main()
