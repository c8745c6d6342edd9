"""Serving notebook 11's classifier on a CPU: PyTorch fp32, ONNX Runtime fp32, ONNX Runtime int8 and PyTorch's
dynamic int8, measured side by side in one run on a fixed number of threads.

    python -m benchmarks.bench_onnx [--threads 2] [--rounds 5] [--n-latency 20] [--n-test 426]

It loads the fine-tuned classifier (``helpers.finetuned.load_classifier``: notebook 11's, rebuilt if missing),
exports it with ``torch.export`` and the dynamo ONNX exporter (dynamic batch and sequence axes) into a temporary
folder, quantizes the ONNX model with ``onnxruntime.quantization.quantize_dynamic`` (int8 weights) and the PyTorch
model with ``torch.ao.quantization.quantize_dynamic`` (if this torch still has it), then measures, for each:

- latency at batch 1 (every call of ``--n-latency`` single test articles, in every round: median and p95) and
  the throughput that gives (texts per second, one request at a time);
- latency and throughput at batch 32 (one batch of test articles per round);
- size on disk (the ONNX files; the safetensors file; the serialised state dict of the torch int8 model);
- accuracy on the test split, and agreement with PyTorch fp32's predictions.

Rounds interleave the backends, so a change in the machine's load hits all of them alike; ratios to PyTorch fp32
are what to compare across machines. The goal notebook 18 sets: ONNX Runtime int8 at least 2x PyTorch fp32's
throughput at batch 1, with at most 1 point of accuracy lost. The report says whether this run met it.
Torch is the backend that suffers most when the cores are busy with other work (oversubscription): the load
average is printed before and after.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

GOAL_SPEEDUP = 2.0  # ONNX Runtime int8 vs PyTorch fp32, throughput at batch 1
GOAL_MAX_DROP = 0.01  # accuracy points lost by int8 (as a fraction)


def export_onnx(model: Any, example: dict[str, Any], path: Path) -> Path:
    """torch.export with dynamic batch and sequence axes, then the ExportedProgram to ONNX, saved as one file."""
    import torch

    batch, sequence = torch.export.Dim("batch", max=1024), torch.export.Dim("sequence", max=512)
    shapes = {name: {0: batch, 1: sequence} for name in example}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch's exporter uses its own deprecated pytree API
        program = torch.export.export(model, (), kwargs=example, dynamic_shapes=shapes, strict=False)
        onnx_program = torch.onnx.export(
            program, (), kwargs=example, input_names=list(example), output_names=["logits"], verbose=False
        )
    onnx_program.save(str(path), external_data=False)
    return path


def torch_int8(model: Any) -> Any | None:
    """PyTorch's dynamic int8 quantisation of the Linear layers, or None when this torch no longer has it."""
    import torch

    quantization = getattr(getattr(torch, "ao", None), "quantization", None)
    if quantization is None or not hasattr(quantization, "quantize_dynamic"):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "deprecated, migrate to torchao": it still works
        return quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def serialized_bytes(model: Any) -> int:
    """Bytes of ``torch.save(model.state_dict())``, written to memory (no pickle file is ever written or loaded)."""
    import torch

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return len(buffer.getvalue())


def make_backends(model: Any, folder: Path, model_dir: Path, threads: int, example: dict[str, Any]) -> dict:
    """{name: (run(encoded numpy batch) -> logits, size in bytes)}."""
    import numpy as np
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32_path = export_onnx(model, example, folder / "model.onnx")
    int8_path = folder / "model.int8.onnx"
    quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8)

    def torch_runner(m: Any):
        def run(batch: dict[str, np.ndarray]) -> np.ndarray:
            with torch.inference_mode():
                inputs = {k: torch.from_numpy(v) for k, v in batch.items()}
                return m(**inputs).logits.float().numpy()

        return run

    def ort_runner(path: Path):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return lambda batch: session.run(None, batch)[0]

    backends = {
        "PyTorch fp32": (torch_runner(model), (model_dir / "model.safetensors").stat().st_size),
        "ORT fp32": (ort_runner(fp32_path), fp32_path.stat().st_size),
        "ORT int8": (ort_runner(int8_path), int8_path.stat().st_size),
    }
    quantized = torch_int8(model)
    if quantized is not None:
        backends["PyTorch dynamic int8"] = (torch_runner(quantized), serialized_bytes(quantized))
    return backends


def measure(
    backends: dict, tokenizer: Any, texts: list[str], labels: list[int], args: argparse.Namespace
) -> dict:
    import numpy as np

    def encode(batch: list[str]) -> dict[str, np.ndarray]:
        enc = tokenizer(batch, padding=True, truncation=True, max_length=args.max_length, return_tensors="np")
        return {
            "input_ids": enc["input_ids"].astype(np.int64),
            "attention_mask": enc["attention_mask"].astype(np.int64),
        }

    results: dict[str, dict[str, float]] = {name: {} for name in backends}
    batches = [encode(texts[i : i + 32]) for i in range(0, len(texts), 32)]
    reference = None
    for name, (run, size) in backends.items():  # accuracy, and the warm-up
        logits = np.concatenate([run(b) for b in batches])
        predictions = logits.argmax(-1)
        reference = predictions if reference is None else reference
        results[name].update(
            size_mb=size / 1e6,
            accuracy=float((predictions == np.asarray(labels)).mean()),
            agreement=float((predictions == reference).mean()),
        )
    singles = [encode([t]) for t in texts[: args.n_latency]]
    one_times: dict[str, list[float]] = {name: [] for name in backends}
    batch_times: dict[str, list[float]] = {name: [] for name in backends}
    for r in range(args.rounds):
        for name, (run, _) in backends.items():  # interleaved: every backend in every round
            for single in singles:
                start = time.perf_counter()
                run(single)
                one_times[name].append(time.perf_counter() - start)
            big = batches[r % len(batches)]
            start = time.perf_counter()
            run(big)
            batch_times[name].append((time.perf_counter() - start) / len(big["input_ids"]))
    for name in backends:
        median_1 = statistics.median(one_times[name])
        per_text_32 = statistics.median(batch_times[name])
        results[name].update(
            latency_1_ms=1000 * median_1,
            p95_1_ms=1000 * float(np.percentile(one_times[name], 95)),
            throughput_1=1 / statistics.fmean(one_times[name]),
            latency_32_ms=1000 * per_text_32 * 32,
            throughput_32=1 / per_text_32,
        )
    return results


def report(results: dict, threads: int, load_before: float) -> str:
    base = results["PyTorch fp32"]
    lines = [
        f"{threads} thread(s); load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
        f"({os.cpu_count()} cores)",
        f"{'backend':<22}{'batch 1 ms':>11}{'p95 ms':>8}{'texts/s':>9}{'x':>6}{'batch 32 ms':>13}{'texts/s':>9}"
        f"{'x':>6}{'MB':>7}{'accuracy':>10}{'agree':>7}",
    ]
    for name, r in results.items():
        lines.append(
            f"{name:<22}{r['latency_1_ms']:>11.1f}{r['p95_1_ms']:>8.1f}{r['throughput_1']:>9.1f}"
            f"{r['throughput_1'] / base['throughput_1']:>6.2f}{r['latency_32_ms']:>13.0f}{r['throughput_32']:>9.1f}"
            f"{r['throughput_32'] / base['throughput_32']:>6.2f}{r['size_mb']:>7.1f}{r['accuracy']:>10.3f}"
            f"{r['agreement']:>7.3f}"
        )
    int8 = results["ORT int8"]
    speedup = int8["throughput_1"] / base["throughput_1"]
    drop = base["accuracy"] - int8["accuracy"]
    met = speedup >= GOAL_SPEEDUP and drop <= GOAL_MAX_DROP
    lines.append(
        f"goal (ORT int8 >= {GOAL_SPEEDUP:.0f}x PyTorch fp32 throughput at batch 1, <= {100 * GOAL_MAX_DROP:.0f} point "
        f"accuracy lost): {speedup:.2f}x, {100 * drop:+.1f} points lost -> {'met' if met else 'NOT met'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--threads", type=int, default=2, help="threads of every backend (torch and onnxruntime)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved measurement rounds")
    parser.add_argument("--n-latency", type=int, default=20, help="single texts timed per backend and round")
    parser.add_argument("--n-test", type=int, default=None, help="test articles for accuracy (default: all)")
    args = parser.parse_args(argv)

    import torch
    from transformers.utils import logging

    from helpers.data import load_bbc_news
    from helpers.finetuned import classifier_dir, load_classifier

    logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    model, tokenizer, info = load_classifier()
    args.max_length = int(info.get("max_length", 64))
    test = load_bbc_news()["test"]
    if args.n_test is not None:
        test = test.select(range(min(args.n_test, len(test))))
    example = tokenizer(
        ["A short example.", "A second, longer example sentence."], padding=True, return_tensors="pt"
    )
    example = {k: example[k] for k in ("input_ids", "attention_mask")}
    with tempfile.TemporaryDirectory() as tmp:
        backends = make_backends(model, Path(tmp), classifier_dir(), args.threads, example)
        results = measure(backends, tokenizer, test["text"], test["label"], args)
    print(
        f"notebook 11's classifier ({info.get('trained_by', '?')}), {len(test)} test articles, "
        f"max_length {args.max_length}"
    )
    print(report(results, args.threads, load_before))
    return results


if __name__ == "__main__":
    main()
