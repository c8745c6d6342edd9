"""Wrong answers to notebook 16's exercises fail, with a message that says what is wrong; right answers written
another way pass. The generic properties (reference solutions pass, placeholders say "not attempted", crashes are
reported) are tested for every notebook in test_exercises_all.py."""

from __future__ import annotations

import math

import numpy as np
import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb16 as bank

# ------------------------------------------------------------------------------------------- 16.1 merge by hand


def _scaling(alpha, r, use_rslora):
    return alpha / math.sqrt(r) if use_rslora else alpha / r


def test_merge_right_answer_written_another_way_passes():
    def merge_lora(weight, lora_A, lora_B, alpha, r, use_rslora=False):  # column by column, with einsum
        delta = torch.einsum("or,ri->oi", lora_B, lora_A)
        return weight.clone().add_(delta, alpha=_scaling(alpha, r, use_rslora))

    passes("16.1", merge_lora)


def test_merge_in_float64_passes():
    def merge_lora(weight, lora_A, lora_B, alpha, r, use_rslora=False):
        merged = weight.double() + _scaling(alpha, r, use_rslora) * (lora_B.double() @ lora_A.double())
        return merged

    passes("16.1", merge_lora)


def test_merge_without_scaling_fails():
    fails("16.1", lambda w, a, b, alpha, r, use_rslora=False: w + b @ a, "without the scaling")


def test_merge_delta_only_fails():
    fails(
        "16.1",
        lambda w, a, b, alpha, r, use_rslora=False: _scaling(alpha, r, use_rslora) * (b @ a),
        "update",
        "W plus it",
    )


def test_merge_plain_scaling_for_rslora_fails():
    fails("16.1", lambda w, a, b, alpha, r, use_rslora=False: w + alpha / r * (b @ a), "sqrt(r)")


def test_merge_inverted_scaling_fails():
    fails("16.1", lambda w, a, b, alpha, r, use_rslora=False: w + r / alpha * (b @ a), "r / alpha")


def test_merge_wrong_order_fails():
    fails("16.1", lambda w, a, b, alpha, r, use_rslora=False: a.T @ b.T, "shape")


def test_merge_subtracting_fails():
    fails(
        "16.1",
        lambda w, a, b, alpha, r, use_rslora=False: w - _scaling(alpha, r, use_rslora) * (b @ a),
        "subtracted",
    )


def test_merge_not_a_tensor_fails():
    fails("16.1", lambda w, a, b, alpha, r, use_rslora=False: (w + b @ a).tolist(), "return a tensor")


def test_merge_reference_agrees_with_peft_forward():
    """The check's reference (peft's merge) computes what the unmerged layer computes."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(12, 7))
    model = get_peft_model(net, LoraConfig(r=4, lora_alpha=8, target_modules=["0"], init_lora_weights=False))
    x = torch.randn(3, 12)
    with torch.no_grad():
        unmerged = model(x)
        layer = model.base_model.model[0]
        merged_weight = layer.base_layer.weight + 2.0 * (
            layer.lora_B["default"].weight @ layer.lora_A["default"].weight
        )
        by_hand = x @ merged_weight.T + layer.base_layer.bias
    assert torch.allclose(unmerged, by_hand, atol=1e-6)


# ------------------------------------------------------------------------------- 16.2 LoRA on a GQA decoder


def _head_dim(config):
    return getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads


def test_count_right_answer_written_another_way_passes():
    def lora_trainable_params(config, r, target_modules):  # from the real module shapes of a meta model
        from transformers import LlamaForCausalLM

        with torch.device("meta"):
            model = LlamaForCausalLM(config)
        total = 0
        for name, module in model.named_modules():
            if name.split(".")[-1] in target_modules:
                total += r * (module.in_features + module.out_features)
        return np.int64(total)

    passes("16.2", lora_trainable_params)


def _formula(config, r, targets, kv_heads=None, head_dim=None, layers=None):
    head_dim = head_dim or _head_dim(config)
    kv = (kv_heads or config.num_key_value_heads) * head_dim
    q = config.num_attention_heads * head_dim
    h, i = config.hidden_size, config.intermediate_size
    shapes = {"q_proj": (h, q), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (q, h),
              "gate_proj": (h, i), "up_proj": (h, i), "down_proj": (i, h)}  # fmt: skip
    per_layer = sum(r * sum(shapes[t]) for t in targets)
    return per_layer * (config.num_hidden_layers if layers is None else layers)


def test_count_formula_as_float_passes():
    passes("16.2", lambda config, r, targets: float(_formula(config, r, targets)))


def test_count_ignoring_gqa_fails():
    fails(
        "16.2",
        lambda config, r, targets: _formula(config, r, targets, kv_heads=config.num_attention_heads),
        "grouped-query attention",
    )


def test_count_one_layer_fails():
    fails("16.2", lambda config, r, targets: _formula(config, r, targets, layers=1), "one layer's count")


def test_count_head_dim_from_hidden_size_fails():
    def guess(config, r, targets):
        return _formula(config, r, targets, head_dim=config.hidden_size // config.num_attention_heads)

    # the first three configs have head_dim = hidden_size // heads, so the guess passes them: the fourth fails
    fails("16.2", guess, "head_dim")


def test_count_frozen_weights_fails():
    def frozen(config, r, targets):
        return config.num_hidden_layers * sum(math.prod(s) for s in bank._shapes(config, targets))

    fails("16.2", frozen, "r * (in + out)")


def test_count_not_a_number_fails():
    fails("16.2", lambda config, r, targets: "a lot", "whole number")
