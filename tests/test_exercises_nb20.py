"""Notebook 20's exercises: right answers written other ways pass, plausible wrong answers fail with a message that
names the mistake.

(The generic properties, reference solutions passing included, are tested for every notebook in
tests/test_exercises_all.py.)"""

from __future__ import annotations

import numpy as np
import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb20  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 20.1 KV-cache bytes


def _kv(config, seq_len, batch_size, dtype_bytes):
    per_token = 2 * config.num_hidden_layers * config.num_key_value_heads * config.head_dim * dtype_bytes
    return per_token * seq_len * batch_size


def test_kv_cache_bytes_right_answers_pass():
    passes("20.1", _kv)

    def as_tensor(config, seq_len, batch_size, dtype_bytes):  # a 0-d tensor, keys and values counted apart
        keys = torch.tensor(config.num_hidden_layers * config.num_key_value_heads * config.head_dim)
        return (keys + keys) * seq_len * batch_size * dtype_bytes

    passes("20.1", as_tensor)
    passes("20.1", lambda c, s, b, d: float(_kv(c, s, b, d)))  # a float
    passes(
        "20.1",
        lambda c, s, b, d: np.int64(2 * d * c.num_hidden_layers) * c.num_key_value_heads * c.head_dim * s * b,
    )


def test_kv_cache_bytes_wrong_answers_fail():
    def query_heads(c, s, b, d):
        return 2 * c.num_hidden_layers * c.num_attention_heads * c.head_dim * d * s * b

    fails("20.1", query_heads, "query head", "num_key_value_heads")

    def hidden_over_heads(c, s, b, d):
        return (
            2
            * c.num_hidden_layers
            * c.num_key_value_heads
            * (c.hidden_size // c.num_attention_heads)
            * d
            * s
            * b
        )

    fails("20.1", hidden_over_heads, "head_dim = 256")
    fails("20.1", lambda c, s, b, d: _kv(c, s, b, d) // 2, "keys AND values")
    fails("20.1", lambda c, s, b, d: 8 * _kv(c, s, b, d), "bits")
    fails("20.1", lambda c, s, b, d: _kv(c, s, b, d) // c.num_hidden_layers, "one layer")
    fails("20.1", lambda c, s, b, d: _kv(c, s, 1, d), "batch")
    fails("20.1", lambda c, s, b, d: _kv(c, s, b, 4), "4 bytes")
    fails("20.1", lambda c, s, b, d: 2 * c.num_hidden_layers * c.hidden_size * d * s * b, "query heads")
    fails("20.1", lambda c, s, b, d: _kv(c, s, b, d) + 1, "takes")


# --------------------------------------------------------------------------- 20.2 left padding


def _left_pad(sequences, pad_id):
    width = max(len(s) for s in sequences)
    ids = [[pad_id] * (width - len(s)) + list(s) for s in sequences]
    mask = [[0] * (width - len(s)) + [1] * len(s) for s in sequences]
    return ids, mask


def test_left_pad_right_answers_pass():
    passes("20.2", _left_pad)

    def with_torch(sequences, pad_id):  # tensors, a bool mask, a tuple of arrays
        width = max(map(len, sequences))
        ids = torch.full((len(sequences), width), pad_id)
        mask = torch.zeros((len(sequences), width), dtype=torch.bool)
        for row, seq in enumerate(sequences):
            ids[row, width - len(seq) :] = torch.tensor(seq)
            mask[row, width - len(seq) :] = True
        return ids, mask

    passes("20.2", with_torch)

    def with_flip(sequences, pad_id):  # reverse each sequence, pad on the right, reverse the rows back
        rev = [list(reversed(s)) for s in sequences]
        width = max(map(len, rev))
        ids = np.array([s + [pad_id] * (width - len(s)) for s in rev])[:, ::-1]
        mask = np.array([[1] * len(s) + [0] * (width - len(s)) for s in rev], dtype=np.float32)[:, ::-1]
        return [ids, mask]

    passes("20.2", with_flip)


def test_left_pad_wrong_answers_fail():
    def right_pad(sequences, pad_id):
        width = max(len(s) for s in sequences)
        return (
            [list(s) + [pad_id] * (width - len(s)) for s in sequences],
            [[1] * len(s) + [0] * (width - len(s)) for s in sequences],
        )

    fails("20.2", right_pad, "padded on the right", "LAST column")

    def mask_from_ids(sequences, pad_id):
        ids, _ = _left_pad(sequences, pad_id)
        return ids, (np.array(ids) != pad_id).astype(int)

    fails("20.2", mask_from_ids, "input_ids != pad_id", "from the lengths")
    fails("20.2", lambda s, p: (_left_pad(s, p)[0], 1 - np.array(_left_pad(s, p)[1])), "inverted")
    fails("20.2", lambda s, p: _left_pad(s, p)[::-1], "wrong order")
    fails("20.2", lambda s, p: (_left_pad(s, 0)[0], _left_pad(s, p)[1]) if p else _left_pad(s, 1), "pad_id")
    fails("20.2", lambda s, p: (_left_pad(s, p)[0], right_pad(s, p)[1]), "mask on the right")
    fails("20.2", lambda s, p: ([list(x) for x in s], _left_pad(s, p)[1]), "rectangle")
    fails("20.2", lambda s, p: _left_pad(s, p)[0], "pair")

    def one_too_wide(sequences, pad_id):
        return _left_pad([*sequences, [pad_id] * (1 + max(map(len, sequences)))], pad_id)

    fails("20.2", one_too_wide, "should be")


# --------------------------------------------------------------------------- 20.3 recall@k


def _recall(ranked, gold, k):
    return sum(bool(set(list(r)[:k]) & set(g)) for r, g in zip(ranked, gold, strict=True)) / len(gold)


def test_recall_at_k_right_answers_pass():
    passes("20.3", _recall)

    def with_numpy(ranked, gold, k):  # a NumPy float, membership by np.isin
        return np.mean([np.isin(np.asarray(r)[:k], list(g)).any() for r, g in zip(ranked, gold, strict=True)])

    passes("20.3", with_numpy)

    def by_rank(ranked, gold, k):  # the rank of the first gold id, compared with k; a tensor
        ranks = []
        for r, g in zip(ranked, gold, strict=True):
            positions = [i for i, x in enumerate(list(r)) if x in g]
            ranks.append(positions[0] + 1 if positions else float("inf"))
        return torch.tensor([rank <= k for rank in ranks], dtype=torch.float64).mean()

    passes("20.3", by_rank)


def test_recall_at_k_wrong_answers_fail():
    fails("20.3", lambda r, g, k: _recall(r, g, k + 1), "ranked[i][:k]")
    fails("20.3", lambda r, g, k: _recall(r, g, k - 1), "including rank k")
    fails("20.3", lambda r, g, k: 100 * _recall(r, g, k), "percentage")

    def precision(ranked, gold, k):
        return sum(len(set(list(r)[:k]) & set(g)) for r, g in zip(ranked, gold, strict=True)) / (
            len(gold) * k
        )

    fails("20.3", precision, "precision@")

    def counts_every_gold_id(ranked, gold, k):
        return sum(len(set(list(r)[:k]) & set(g)) for r, g in zip(ranked, gold, strict=True)) / len(gold)

    fails("20.3", counts_every_gold_id, "counted twice")

    def only_at_rank_k(ranked, gold, k):
        return np.mean([list(r)[min(k, len(r)) - 1] in g for r, g in zip(ranked, gold, strict=True)])

    fails("20.3", only_at_rank_k, "AT rank")
