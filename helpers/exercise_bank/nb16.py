"""Checks for notebook 16 (LoRA and parameter-efficient fine-tuning).

16.1  merge_lora(weight, lora_A, lora_B, alpha, r, use_rslora=False): the merged weight of one LoRA layer
16.2  lora_trainable_params(config, r, target_modules): what LoRA trains on a Llama-style decoder (GQA)

Each reference is computed at check time by peft itself: 16.1 merges real peft LoRA layers
(``merge_and_unload``) built with random, non-zero B; 16.2 counts the trainable parameters of tiny random
Llama models wrapped by ``get_peft_model``.
"""

from __future__ import annotations

import math
import warnings

import torch

from helpers.exercises import Fail, as_int, attempt, exercise

# ---------------------------------------------------------------------------------------------------- 16.1

# (in_features, out_features, r, alpha, use_rslora): square and rectangular layers, alpha below, equal to and
# above r, and rsLoRA, whose scaling alpha / sqrt(r) differs from alpha / r whenever r > 1.
_MERGE_CASES = [
    (24, 10, 2, 2, False),
    (16, 16, 4, 8, False),
    (12, 30, 8, 4, False),
    (20, 20, 4, 8, True),
    (9, 14, 16, 16, True),
]


def _peft_lora_layer(in_features: int, out_features: int, r: int, alpha: int, use_rslora: bool, seed: int):
    """(W, A, B, merged W) of a real peft LoRA layer whose B is random (init_lora_weights=False), not zero."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(in_features, out_features))
    config = LoraConfig(
        r=r, lora_alpha=alpha, use_rslora=use_rslora, target_modules=["0"], init_lora_weights=False
    )
    # peft 0.21 calls a method that transformers 5 renamed: the FutureWarning is theirs, not the learner's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        wrapped = get_peft_model(net, config)
    layer = wrapped.base_model.model[0]
    weight = layer.base_layer.weight.detach().clone()
    lora_a = layer.lora_A["default"].weight.detach().clone()
    lora_b = layer.lora_B["default"].weight.detach().clone()
    merged = wrapped.merge_and_unload()[0].weight.detach().clone()
    return weight, lora_a, lora_b, merged


def _close(got: torch.Tensor, expected: torch.Tensor) -> bool:
    return got.shape == expected.shape and torch.allclose(got, expected, atol=1e-5, rtol=1e-5)


@exercise(
    "16.1",
    hint="h = W x + scaling * B (A x), so the merged weight is W + scaling * (B @ A): B is (out x r), A is "
    "(r x in), their product has W's shape (out x in). scaling = alpha / r, or alpha / sqrt(r) with rsLoRA.",
)
def _(merge_lora):
    for k, (d_in, d_out, r, alpha, rslora) in enumerate(_MERGE_CASES):
        weight, lora_a, lora_b, expected = _peft_lora_layer(d_in, d_out, r, alpha, rslora, seed=k)
        inputs = (weight.clone(), lora_a.clone(), lora_b.clone())
        got = attempt(merge_lora, *inputs, alpha, r, use_rslora=rslora)
        what = f"For a Linear({d_in}, {d_out}) with r={r}, alpha={alpha}, use_rslora={rslora}"
        if not isinstance(got, torch.Tensor):
            raise Fail(f"{what} you returned {type(got).__name__}; return a tensor (the merged weight).")
        got = got.detach().to(torch.float32)
        if got.shape != expected.shape:
            raise Fail(f"{what} your merged weight has shape {tuple(got.shape)}; it must keep W's shape "
                       f"{tuple(expected.shape)} (out x in): multiply B @ A, not A @ B.")  # fmt: skip
        if _close(got, expected):
            continue
        delta = lora_b @ lora_a
        scaling = alpha / math.sqrt(r) if rslora else alpha / r
        if _close(got, scaling * delta):
            raise Fail(
                f"{what} you returned the update scaling * B @ A alone; the merged weight is W plus it."
            )
        if _close(got, weight + delta):
            raise Fail(f"{what} you added B @ A without the scaling; multiply it by {scaling:g} first.")
        if rslora and _close(got, weight + alpha / r * delta):
            raise Fail(f"{what} you scaled by alpha / r = {alpha / r:g}; rsLoRA scales by alpha / sqrt(r) = "
                       f"{scaling:g}.")  # fmt: skip
        if not rslora and r != alpha and _close(got, weight + r / alpha * delta):
            raise Fail(f"{what} you scaled by r / alpha; the scaling is alpha / r = {scaling:g}.")
        if not rslora and _close(got, weight + alpha / math.sqrt(r) * delta):
            raise Fail(f"{what} you scaled by alpha / sqrt(r) (rsLoRA) although use_rslora=False; plain "
                       f"LoRA scales by alpha / r = {scaling:g}.")  # fmt: skip
        if _close(got, weight - scaling * delta):
            raise Fail(f"{what} you subtracted the update; merging adds it (unmerging subtracts it).")
        diff = (got - expected).abs().max().item()
        raise Fail(f"{what} your merged weight differs from peft's merge_and_unload() by up to {diff:.3g}.")


# ---------------------------------------------------------------------------------------------------- 16.2

_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def _llama_configs():
    """Tiny Llama configs with grouped-query attention (fewer key/value heads), and one without it."""
    from transformers import LlamaConfig

    common = {"vocab_size": 64, "max_position_embeddings": 64, "tie_word_embeddings": True}
    return [
        LlamaConfig(hidden_size=48, intermediate_size=128, num_hidden_layers=2, num_attention_heads=6,
                    num_key_value_heads=2, **common),
        LlamaConfig(hidden_size=32, intermediate_size=80, num_hidden_layers=3, num_attention_heads=4,
                    num_key_value_heads=1, **common),
        LlamaConfig(hidden_size=36, intermediate_size=96, num_hidden_layers=2, num_attention_heads=3,
                    num_key_value_heads=3, **common),
        LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=16, **common),  # head_dim set apart from hidden / heads
    ]  # fmt: skip


_TARGET_CASES = [
    (8, ["q_proj", "v_proj"]),
    (4, ["q_proj", "k_proj", "v_proj", "o_proj"]),
    (2, list(_PROJECTIONS)),
    (16, ["k_proj", "down_proj"]),
]


def _peft_count(config, r: int, targets: list[str]) -> int:
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    torch.manual_seed(0)
    with warnings.catch_warnings():  # peft's FutureWarning again (see _peft_lora_layer)
        warnings.simplefilter("ignore", FutureWarning)
        model = get_peft_model(
            LlamaForCausalLM(config), LoraConfig(r=r, lora_alpha=2 * r, target_modules=targets)
        )
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _shapes(config, targets: list[str], kv_heads: int | None = None, head_dim: int | None = None):
    """(in, out) of each targeted projection; kv_heads / head_dim override the config's (for wrong answers)."""
    head_dim = (
        head_dim or getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    )
    kv_heads = kv_heads or config.num_key_value_heads
    hidden, inter = config.hidden_size, config.intermediate_size
    q_out, kv_out = config.num_attention_heads * head_dim, kv_heads * head_dim
    shapes = {"q_proj": (hidden, q_out), "k_proj": (hidden, kv_out), "v_proj": (hidden, kv_out),
              "o_proj": (q_out, hidden), "gate_proj": (hidden, inter), "up_proj": (hidden, inter),
              "down_proj": (inter, hidden)}  # fmt: skip
    return [shapes[t] for t in targets]


def _count(config, r: int, targets: list[str], **overrides: int) -> int:
    """LoRA's count r * (in + out) per targeted layer, in every layer, under the given assumptions."""
    return config.num_hidden_layers * sum(
        r * (d_in + d_out) for d_in, d_out in _shapes(config, targets, **overrides)
    )


@exercise(
    "16.2",
    hint="Each targeted Linear(in, out) gets r * (in + out) parameters, in every one of num_hidden_layers "
    "layers. q_proj maps hidden_size to num_attention_heads * head_dim, but k_proj and v_proj map it to "
    "num_key_value_heads * head_dim (grouped-query attention); gate/up map hidden_size to intermediate_size "
    "and down_proj back.",
)
def _(lora_trainable_params):
    for k, config in enumerate(_llama_configs()):
        r, targets = _TARGET_CASES[k]
        got = as_int(
            attempt(lora_trainable_params, config, r, list(targets)),
            f"lora_trainable_params(config {k}, r={r}, {targets})",
        )
        expected = _peft_count(config, r, targets)
        if got == expected:
            continue
        what = (f"For config {k} (hidden_size {config.hidden_size}, {config.num_attention_heads} heads, "
                f"{config.num_key_value_heads} key/value heads, {config.num_hidden_layers} layers), r={r}, {targets}:")  # fmt: skip
        layers = config.num_hidden_layers
        if got == _count(config, r, targets, kv_heads=config.num_attention_heads):
            raise Fail(f"{what} you gave k_proj and v_proj as many outputs as q_proj. With grouped-query attention "
                       f"they have num_key_value_heads * head_dim outputs; peft counts {expected:,}.")  # fmt: skip
        if layers > 1 and got * layers == expected:
            raise Fail(
                f"{what} {got:,} is one layer's count; there are {layers} layers: peft counts {expected:,}."
            )
        if got == _count(config, r, targets, head_dim=config.hidden_size // config.num_attention_heads):
            raise Fail(f"{what} this config sets head_dim={config.head_dim} itself: use config.head_dim, "
                       f"not hidden_size // num_attention_heads; peft counts {expected:,}.")  # fmt: skip
        full = layers * sum(math.prod(s) for s in _shapes(config, targets))
        if got in (full, full * r):
            raise Fail(f"{what} you counted the weights of the targeted layers themselves; LoRA adds A (r x in) "
                       f"and B (out x r) beside each: r * (in + out). peft counts {expected:,}.")  # fmt: skip
        raise Fail(f"{what} you returned {got:,}; peft counts {expected:,} trainable parameters.")
