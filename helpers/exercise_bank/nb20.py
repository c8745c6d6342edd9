"""Checks for notebook 20 (LLMs and retrieval-augmented generation).

20.1  kv_cache_bytes(config, seq_len, batch_size, dtype_bytes): the KV cache's size for a model config (grouped-query
      and multi-query attention, a head size that is not hidden_size / heads)
20.2  left_pad(sequences, pad_id): a batch of token-id lists padded on the left, with its attention mask
20.3  recall_at_k(ranked, gold, k): the share of questions whose top k retrieved ids hold a gold id

Every expected answer is computed here at check time, from configs, token lists and rankings made up here (with
the traps that separate a right answer from a plausible wrong one: fewer key/value heads than query heads, a head
size set explicitly, sequences already of the longest length, a gold id at rank k exactly, a gold set of several
ids). No model is loaded: each check runs in milliseconds.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from helpers.exercises import Fail, as_float, attempt, exercise

# --------------------------------------------------------------------------- 20.1 KV-cache bytes


def _config(
    layers: int, heads: int, kv_heads: int, hidden: int, head_dim: int | None = None
) -> SimpleNamespace:
    """A model config with the attribute names transformers uses (what AutoConfig returns has them all)."""
    return SimpleNamespace(
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        hidden_size=hidden,
        head_dim=head_dim if head_dim is not None else hidden // heads,
        vocab_size=32000,
        intermediate_size=4 * hidden,
    )


def _kv_bytes(config: SimpleNamespace, seq_len: int, batch_size: int, dtype_bytes: int) -> int:
    per_token = 2 * config.num_hidden_layers * config.num_key_value_heads * config.head_dim * dtype_bytes
    return per_token * seq_len * batch_size


KV_CASES = [
    # (what, config, seq_len, batch_size, dtype_bytes)
    (
        "a grouped-query model (32 query heads, 8 key/value heads) in bf16",
        _config(32, 32, 8, 4096),
        4096,
        1,
        2,
    ),
    ("the same model, a batch of 4, in fp32", _config(32, 32, 8, 4096), 1000, 4, 4),
    ("a model whose head size (256) is not hidden_size / heads", _config(42, 16, 8, 3584, 256), 2048, 2, 2),
    ("a multi-query model (one key/value head)", _config(32, 71, 1, 4544, 64), 2048, 1, 2),
    ("a model with as many key/value heads as query heads", _config(12, 12, 12, 768), 512, 3, 4),
]


@exercise(
    "20.1",
    hint="Every layer stores a key AND a value vector for every token, for each KEY/VALUE head (not each query "
    "head): 2 * num_hidden_layers * num_key_value_heads * head_dim * dtype_bytes bytes per token, times seq_len "
    "times batch_size. Use config.head_dim: it is not always hidden_size / num_attention_heads.",
)
def _(kv_cache_bytes):
    for i, (what, config, seq_len, batch_size, dtype_bytes) in enumerate(KV_CASES):
        args = (config, seq_len, batch_size, dtype_bytes)
        got = attempt(kv_cache_bytes, *args) if i == 0 else kv_cache_bytes(*args)
        value = as_float(got, "kv_cache_bytes(...)")  # an int, a float (2 ** 30 * 1.5) or a 0-d tensor
        expected = _kv_bytes(config, seq_len, batch_size, dtype_bytes)
        if math.isclose(value, expected, rel_tol=1e-9):
            continue
        ratio = value / expected if expected else float("nan")
        layers, heads = config.num_hidden_layers, config.num_attention_heads
        kv_heads, head_dim = config.num_key_value_heads, config.head_dim
        as_mha = expected * heads / kv_heads
        wrong_head_dim = expected * (config.hidden_size // heads) / head_dim
        if kv_heads != heads and math.isclose(value, as_mha, rel_tol=1e-9):
            raise Fail(
                f"for {what} you counted every query head ({heads}); the cache stores keys and values only for "
                f"the {kv_heads} key/value head(s): config.num_key_value_heads. That is the whole point of "
                "grouped-query attention."
            )
        if head_dim != config.hidden_size // heads and math.isclose(value, wrong_head_dim, rel_tol=1e-9):
            raise Fail(
                f"for {what} you used hidden_size / num_attention_heads = {config.hidden_size // heads} as the "
                f"head size; this config sets head_dim = {head_dim}. Read config.head_dim."
            )
        if math.isclose(ratio, 0.5):
            raise Fail(f"for {what} you got half the answer: the cache holds keys AND values (the factor 2).")
        if math.isclose(ratio, 8.0):
            raise Fail(f"for {what} your answer is 8x too large: dtype_bytes is already in bytes, not bits.")
        if math.isclose(ratio, 1 / layers):
            raise Fail(
                f"for {what} you got one layer's cache: every one of the {layers} layers keeps its own."
            )
        if batch_size > 1 and math.isclose(ratio, 1 / batch_size):
            raise Fail(
                f"for {what} you left out the batch: each of the {batch_size} sequences has its own cache."
            )
        if dtype_bytes != 4 and math.isclose(ratio, 4 / dtype_bytes):
            raise Fail(f"for {what} you assumed 4 bytes per value; use dtype_bytes ({dtype_bytes}).")
        hidden_based = 2 * layers * config.hidden_size * dtype_bytes * seq_len * batch_size
        if kv_heads != heads and math.isclose(value, hidden_based, rel_tol=1e-9):
            raise Fail(
                f"for {what} you used hidden_size per token and layer: that is the size of all {heads} query "
                f"heads; the cache has num_key_value_heads * head_dim = {kv_heads * head_dim} values per token, "
                "layer and tensor."
            )
        raise Fail(
            f"for {what} (seq_len={seq_len}, batch_size={batch_size}) the cache takes {expected:,} bytes; "
            f"you returned {value:,.0f}."
        )


# --------------------------------------------------------------------------- 20.2 left padding


def _as_2d(value, what: str) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except ValueError:
        raise Fail(f"{what} should be a rectangle (every row as long as the longest sequence).") from None
    if array.dtype == object or array.ndim != 2:
        raise Fail(
            f"{what} should be 2-D (one row per sequence, every row as long as the longest), got "
            f"{'ragged rows' if array.dtype == object else f'{array.ndim} dimension(s)'}."
        )
    if array.dtype.kind == "f":
        if not np.all(array == np.round(array)):
            raise Fail(f"{what} should hold whole numbers.")
        array = array.astype(np.int64)
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    return array


def _left_pad(sequences: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(s) for s in sequences)
    ids = np.full((len(sequences), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), width), dtype=np.int64)
    for row, seq in enumerate(sequences):
        if seq:
            ids[row, width - len(seq) :] = seq
            mask[row, width - len(seq) :] = 1
    return ids, mask


PAD_CASES = [
    (
        "three prompts of different lengths",
        [[1, 9690, 198, 2683], [1, 4093], [1, 520, 9531, 198, 314, 260]],
        2,
    ),
    ("prompts of equal length (nothing to pad)", [[5, 6, 7], [8, 9, 10]], 0),
    ("one prompt", [[11, 12, 13, 14]], 49152),
    ("a pad id that also occurs inside a prompt", [[7, 0, 7], [0], [3, 4]], 0),
]


@exercise(
    "20.2",
    hint="width = the longest length; each row is [pad_id] * (width - len(seq)) + seq (the padding goes FIRST, so "
    "every prompt ends in the last column, where generation continues), and its mask is [0] * (width - len(seq)) "
    "+ [1] * len(seq). Build the mask from the lengths, not from `id != pad_id`: the pad id can be a real token.",
)
def _(left_pad):
    for i, (what, sequences, pad_id) in enumerate(PAD_CASES):
        given = [list(s) for s in sequences]
        got = attempt(left_pad, given, pad_id) if i == 0 else left_pad(given, pad_id)
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise Fail(
                f"left_pad should return a pair (input_ids, attention_mask), got {type(got).__name__}."
            )
        ids, mask = _as_2d(got[0], "input_ids"), _as_2d(got[1], "attention_mask")
        expected_ids, expected_mask = _left_pad(sequences, pad_id)
        if ids.shape != expected_ids.shape or mask.shape != expected_mask.shape:
            raise Fail(
                f"for {what} the batch should be {expected_ids.shape} (sequences x longest length), got "
                f"input_ids {ids.shape} and attention_mask {mask.shape}."
            )
        right_ids = np.full_like(expected_ids, pad_id)
        right_mask = np.zeros_like(expected_mask)
        for row, seq in enumerate(sequences):
            right_ids[row, : len(seq)] = seq
            right_mask[row, : len(seq)] = 1
        if np.array_equal(mask, expected_ids) or (
            np.array_equal(ids, expected_mask) and not np.array_equal(ids, mask)
        ):
            raise Fail("the pair is in the wrong order: return (input_ids, attention_mask).")
        if not np.array_equal(right_ids, expected_ids) and np.array_equal(ids, right_ids):
            raise Fail(
                f"for {what} you padded on the right: a decoder-only model continues from the LAST column, which "
                "would be padding for the shorter prompts. Put the pad ids first."
            )
        if not np.array_equal(ids, expected_ids):
            if np.array_equal(ids[expected_mask == 1], expected_ids[expected_mask == 1]):
                raise Fail(f"for {what} the padding positions should hold pad_id ({pad_id}).")
            raise Fail(f"for {what} input_ids should be\n{expected_ids.tolist()}\n   got\n{ids.tolist()}.")
        if np.array_equal(mask, 1 - expected_mask) and expected_mask.min() == 0:
            raise Fail(f"for {what} the mask is inverted: 1 marks a real token, 0 a pad.")
        if np.array_equal(mask, (expected_ids != pad_id).astype(np.int64)) and not np.array_equal(
            mask, expected_mask
        ):
            raise Fail(
                f"for {what} you built the mask as `input_ids != pad_id`, but here the pad id ({pad_id}) is also a "
                "real token inside a prompt (as SmolLM2's pad, <|im_end|>, ends every chat turn): build the mask "
                "from the lengths."
            )
        if np.array_equal(mask, right_mask) and not np.array_equal(right_mask, expected_mask):
            raise Fail(
                f"for {what} the ids are padded on the left but the mask on the right: pad both alike."
            )
        if not np.array_equal(mask, expected_mask):
            raise Fail(
                f"for {what} attention_mask should be\n{expected_mask.tolist()}\n   got\n{mask.tolist()}."
            )


# --------------------------------------------------------------------------- 20.3 recall@k


def _recall(ranked, gold, k: int) -> float:
    return float(
        np.mean([bool(set(np.asarray(r)[:k].tolist()) & set(g)) for r, g in zip(ranked, gold, strict=True)])
    )


def _rankings():
    """Rankings of 7 questions (best first): gold ids at ranks 1, 2, 3, 5 and 10, one missed, one with two gold ids.

    Chosen so that every wrong answer the check names gives a value of its own at some k."""
    ranked = np.array(
        [
            [17, 4, 9, 30, 2, 8, 11, 12, 13, 14],  # gold 17: rank 1
            [5, 6, 41, 7, 8, 9, 10, 1, 2, 3],  # gold 41: rank 3
            [20, 21, 22, 23, 24, 25, 26, 27, 28, 29],  # gold 24: rank 5
            [31, 32, 33, 34, 35, 36, 37, 38, 39, 40],  # gold 40: rank 10
            [50, 51, 52, 53, 54, 55, 56, 57, 58, 59],  # gold 99: missed
            [60, 61, 62, 63, 64, 65, 66, 67, 68, 69],  # gold {62, 61}: two passages of the gold article
            [70, 7, 71, 72, 73, 74, 75, 76, 77, 78],  # gold 7: rank 2
        ]
    )
    gold = [{17}, {41}, {24}, {40}, {99}, {62, 61}, {7}]
    return ranked, gold


@exercise(
    "20.3",
    hint="For each question, look at its first k ids (ranked[i][:k]): it is a hit when ANY of them is in its gold set "
    "(set(ranked[i][:k]) & gold[i]). recall@k is the number of hits divided by the number of questions: a "
    "fraction between 0 and 1, counting each question once however many gold ids it found.",
)
def _(recall_at_k):
    ranked, gold = _rankings()
    for i, k in enumerate((1, 3, 5, 10, 2, 20)):
        given_ranked = ranked.copy() if k != 20 else [list(r) for r in ranked]  # an array, or lists
        given_gold = [set(g) for g in gold]
        got = (
            attempt(recall_at_k, given_ranked, given_gold, k)
            if i == 0
            else recall_at_k(given_ranked, given_gold, k)
        )
        value = as_float(got, f"recall_at_k(..., k={k})")
        expected = _recall(ranked, gold, k)
        if math.isclose(value, expected, abs_tol=1e-9):
            continue
        n = len(gold)
        if math.isclose(value, 100 * expected, abs_tol=1e-6) and expected > 0:
            raise Fail(
                f"recall@{k} is a fraction between 0 and 1 ({expected:.3f}), not a percentage ({value:g})."
            )
        if math.isclose(value, _recall(ranked, gold, k + 1), abs_tol=1e-9):
            raise Fail(f"recall@{k} came out as recall@{k + 1}: the top k ids are ranked[i][:k] (k of them).")
        if math.isclose(value, _recall(ranked, gold, k - 1), abs_tol=1e-9):
            raise Fail(
                f"recall@{k} came out as recall@{k - 1}: the top k ids are ranked[i][:k], including rank k."
            )
        hits = sum(len(set(r[:k].tolist()) & g) for r, g in zip(ranked, gold, strict=True))
        if math.isclose(value, hits / (n * k), abs_tol=1e-9):
            raise Fail(
                f"that is precision@{k} (gold ids / (questions x k)); recall@{k} asks, per question, whether "
                "any gold id is in its top k."
            )
        if math.isclose(value, hits / n, abs_tol=1e-9):
            raise Fail(
                f"a question whose top {k} holds two of its gold ids counted twice: count each question "
                "once (any gold id in the top k is a hit)."
            )
        at_k = np.mean([bool({ranked[j][min(k, len(ranked[j])) - 1]} & gold[j]) for j in range(n)])
        if math.isclose(value, at_k, abs_tol=1e-9):
            raise Fail(
                f"you checked only the id AT rank {k}; recall@{k} counts a gold id anywhere in the top {k}."
            )
        raise Fail(
            f"recall@{k} of these rankings is {expected:.4f} ({round(expected * n)} of {n} questions); "
            f"you returned {value:.4f}."
        )
