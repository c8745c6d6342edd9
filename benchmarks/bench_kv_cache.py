"""The KV cache of notebook 20 measured: SmolLM2-135M-Instruct generating on a CPU with the default (dynamic) KV
cache, with the static cache, and with no cache, side by side in one run on a fixed number of threads.

    python -m benchmarks.bench_kv_cache [--threads 1] [--rounds 3] [--new-tokens 32 128] [--prompt-words 80]

For each number of new tokens, every round generates the same greedy reply with each variant (``min_new_tokens``
= ``max_new_tokens``, so all do the same work), interleaved so that a change in the machine's load hits all of
them alike; the best round counts. The report gives tokens per second and the ratio to "no cache", and checks
that the three variants produced the very same tokens (a cache changes the cost, never the result).

Without a cache, step t runs the model over the prompt plus t tokens, so the cost of a reply grows with the square
of its length and the ratio grows with the number of new tokens. Timings on a shared machine vary; the ratios,
measured side by side, are what to compare. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

VARIANTS = {
    "dynamic cache (default)": {"use_cache": True},
    "static cache": {"cache_implementation": "static"},
    "no cache": {"use_cache": False},
}


def measure(model: Any, inputs: dict, new_tokens: list[int], rounds: int) -> dict:
    """{n: {variant: (best seconds, token ids)}} for every number of new tokens n."""
    import torch

    def run(settings: dict, n: int) -> tuple[float, Any]:
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False, **settings)
        return time.perf_counter() - start, out[0, inputs["input_ids"].shape[1] :]

    for settings in VARIANTS.values():  # warm-up: one-off costs (allocations, the static cache's set-up)
        run(settings, 2)
    results: dict[int, dict[str, tuple[float, Any]]] = {}
    for n in new_tokens:
        best: dict[str, tuple[float, Any]] = {}
        for _ in range(rounds):
            for name, settings in VARIANTS.items():
                seconds, tokens = run(settings, n)
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, tokens)
        results[n] = best
    return results


def report(
    results: dict,
    prompt_tokens: int,
    threads: int,
    rounds: int,
    load: tuple[float, float],
    model_name: str = "SmolLM2-135M-Instruct fp32",
) -> str:
    """A plain-text table: tokens/s per variant and ratio to no cache, for every number of new tokens."""
    lines = [
        f"{model_name}, prompt {prompt_tokens} tokens, {threads} thread(s), best of {rounds} "
        f"interleaved round(s); load average {load[0]:.2f} before, {load[1]:.2f} after",
        f"{'new tokens':>10}  " + "  ".join(f"{name:>24}" for name in VARIANTS),
    ]
    for n, best in results.items():
        base = n / best["no cache"][0]
        cells = [f"{n / best[name][0]:7.1f} tok/s ({n / best[name][0] / base:4.1f}x)" for name in VARIANTS]
        lines.append(f"{n:>10}  " + "  ".join(f"{c:>24}" for c in cells))
    same = all(
        all(bool((best[name][1] == best["no cache"][1]).all()) for name in VARIANTS)
        for best in results.values()
    )
    lines.append(
        "identical tokens in every variant: " + ("yes" if same else "NO (a cache must not change the reply)")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: steady on a shared machine)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved measurement rounds; the best counts"
    )
    parser.add_argument("--new-tokens", type=int, nargs="+", default=[32, 128], help="lengths of the reply")
    parser.add_argument(
        "--prompt-words", type=int, default=80, help="words of the BBC paragraph in the prompt"
    )
    args = parser.parse_args(argv)

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging

    from helpers.rag import load_articles
    from helpers.zoo import resolve

    logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    model_id = resolve("HuggingFaceTB/SmolLM2-135M-Instruct")
    tokenizer = AutoTokenizer.from_pretrained(model_id)
    model = AutoModelForCausalLM.from_pretrained(model_id, dtype=torch.float32).eval()
    text = " ".join(load_articles()[0].passages[0].split()[: args.prompt_words])
    messages = [{"role": "user", "content": f"Summarise this news story in two sentences.\n\n{text}"}]
    inputs = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    results = measure(model, inputs, args.new_tokens, args.rounds)
    print(
        report(
            results,
            inputs["input_ids"].shape[1],
            args.threads,
            args.rounds,
            (load_before, os.getloadavg()[0]),
        )
    )
    return {n: {name: n / seconds for name, (seconds, _) in best.items()} for n, best in results.items()}


if __name__ == "__main__":
    main()
