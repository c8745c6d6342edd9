"""benchmarks/bench_kv_cache.py measures what it says, on a tiny random Llama model (no download; no timing asserted):
every variant generates exactly the requested number of tokens, the same tokens, and the report says so."""

from __future__ import annotations

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from benchmarks.bench_kv_cache import VARIANTS, measure, report


def tiny_model():
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         bos_token_id=1, eos_token_id=2, pad_token_id=0)  # fmt: skip
    return LlamaForCausalLM(config).eval()


def test_every_variant_generates_the_same_tokens_and_the_report_says_so():
    model = tiny_model()
    inputs = {
        "input_ids": torch.randint(3, 96, (1, 12)),
        "attention_mask": torch.ones(1, 12, dtype=torch.long),
    }
    results = measure(model, inputs, [4, 9], rounds=2)
    assert list(results) == [4, 9]
    for n, best in results.items():
        assert set(best) == set(VARIANTS)
        for seconds, tokens in best.values():
            assert seconds > 0 and tokens.shape == (n,), (
                "exactly n new tokens (min_new_tokens = max_new_tokens)"
            )
        assert all(torch.equal(tokens, best["no cache"][1]) for _, tokens in best.values())
    text = report(results, 12, 1, 2, (0.5, 0.6), model_name="a tiny random Llama")
    assert (
        text.startswith("a tiny random Llama, prompt 12 tokens")
        and "identical tokens in every variant: yes" in text
    )
    rows = [line for line in text.splitlines() if "tok/s" in line]
    assert len(rows) == 2 and all(row.count("tok/s") == len(VARIANTS) for row in rows)
    assert all(row.rstrip().endswith("1.0x)") for row in rows), (
        "no cache (the last column) is the 1.0x reference"
    )


def test_the_report_flags_different_tokens():
    model = tiny_model()
    inputs = {"input_ids": torch.randint(3, 96, (1, 8)), "attention_mask": torch.ones(1, 8, dtype=torch.long)}
    results = measure(model, inputs, [3], rounds=1)
    seconds, tokens = results[3]["static cache"]
    results[3]["static cache"] = (seconds, (tokens + 1) % 96)  # as if a cache had changed the reply
    assert "NO (a cache must not change the reply)" in report(results, 8, 1, 1, (0.0, 0.0))
