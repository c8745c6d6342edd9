"""Notebook 14's exercises: plausible wrong answers fail with a message that says what is wrong, and correct
answers written another way pass.

What every exercise must do (untouched -> "not attempted", a crash reported, the reference solution passes) is
tested for all notebooks in tests/test_exercises_all.py."""

from __future__ import annotations

import math

import numpy as np
import torch
from exercise_support import fails, passes
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertTokenizer

import helpers.exercise_bank.nb14  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 14.1 a tweet-aware WordPiece

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
REGEX = r"[@#]?\w+|[^\w\s]"


def make_builder(
    *,
    normalizer=normalizers.NFC,
    pre_tokenizer=lambda: pre_tokenizers.Split(Regex(REGEX), behavior="removed", invert=True),
    special=SPECIAL,
    decoder=True,
    post_processor=True,
    pair="[CLS] $A [SEP] $B:1 [SEP]:1",
    model=models.WordPiece,
    wrap=False,
):
    """A build_tweet_wordpiece with one ingredient changed (the defaults give a correct answer)."""

    def build(texts, vocab_size):
        tok = Tokenizer(model(unk_token="[UNK]"))
        if normalizer is not None:
            tok.normalizer = normalizer()
        tok.pre_tokenizer = pre_tokenizer()
        if decoder:
            tok.decoder = decoders.WordPiece()
        trainer_class = trainers.WordPieceTrainer if model is models.WordPiece else trainers.BpeTrainer
        tok.train_from_iterator(texts, trainer=trainer_class(vocab_size=vocab_size, special_tokens=special,
                                                             show_progress=False))  # fmt: skip
        if post_processor:
            tok.post_processor = processors.TemplateProcessing(
                single="[CLS] $A [SEP]", pair=pair,
                special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
            )  # fmt: skip
        return BertTokenizer(tokenizer_object=tok) if wrap else tok

    return build


def test_14_1_right_answers_written_other_ways_pass():
    passes("14.1", make_builder())
    # Whitespace first, then the regex in "isolated" mode; NFKC (which includes NFC); wrapped for transformers.
    passes("14.1", make_builder(
        pre_tokenizer=lambda: pre_tokenizers.Sequence(
            [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex(REGEX), behavior="isolated")]),
        normalizer=normalizers.NFKC, wrap=True,
    ))  # fmt: skip


def test_14_1_wrong_answers_fail():
    fails("14.1", make_builder(pre_tokenizer=pre_tokenizers.BertPreTokenizer), "cut off")
    fails("14.1", make_builder(pre_tokenizer=lambda: pre_tokenizers.Split(Regex(REGEX), behavior="isolated")),
          "spaces")  # fmt: skip
    fails("14.1", make_builder(pre_tokenizer=lambda: pre_tokenizers.Split(
        Regex(r"[@#]?\w+|[^\w\s]+"), behavior="removed", invert=True)), "single pieces")  # fmt: skip
    fails("14.1", make_builder(normalizer=lambda: normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])),
          "cased")  # fmt: skip
    fails("14.1", make_builder(normalizer=None), "NFC")
    fails("14.1", make_builder(special=["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]"]), "[PAD]=1")
    fails("14.1", make_builder(post_processor=False), "post-processor")
    fails("14.1", make_builder(pair="[CLS] $A [SEP] $B [SEP]"), "type id 1")
    fails("14.1", make_builder(decoder=False), "decoders.WordPiece")
    fails("14.1", make_builder(model=models.BPE), "models.WordPiece")
    fails("14.1", lambda texts, vocab_size: "a tokenizer", "tokenizers.Tokenizer")


# --------------------------------------------------------------------------- 14.2 rows from the pieces


def test_14_2_right_answers_written_other_ways_pass():
    def with_numpy(embeddings, old_tokenizer, new_tokens):  # NumPy rows, a list of arrays
        matrix = embeddings.numpy()
        return np.array(
            [matrix[old_tokenizer.encode(t, add_special_tokens=False)].mean(axis=0) for t in new_tokens]
        )

    def by_tokens(embeddings, old_tokenizer, new_tokens):  # tokenize, then convert the pieces to ids
        rows = torch.zeros(len(new_tokens), embeddings.shape[1])
        for i, token in enumerate(new_tokens):
            ids = old_tokenizer.convert_tokens_to_ids(old_tokenizer.tokenize(token))
            rows[i] = sum(embeddings[j] for j in ids) / len(ids)
        return rows

    passes("14.2", with_numpy)
    passes("14.2", by_tokens)


def test_14_2_wrong_answers_fail():
    def with_specials(embeddings, old_tokenizer, new_tokens):
        return torch.stack([embeddings[old_tokenizer(t)["input_ids"]].mean(0) for t in new_tokens])

    def summed(embeddings, old_tokenizer, new_tokens):
        return torch.stack([embeddings[old_tokenizer(t, add_special_tokens=False)["input_ids"]].sum(0)
                            for t in new_tokens])  # fmt: skip

    def overall_mean(embeddings, old_tokenizer, new_tokens):
        return embeddings.mean(0).repeat(len(new_tokens), 1)

    def first_piece(embeddings, old_tokenizer, new_tokens):
        return torch.stack([embeddings[old_tokenizer(t, add_special_tokens=False)["input_ids"][0]]
                            for t in new_tokens])  # fmt: skip

    def one_row(embeddings, old_tokenizer, new_tokens):
        return embeddings[old_tokenizer(new_tokens[0], add_special_tokens=False)["input_ids"]].mean(0)

    def in_place(embeddings, old_tokenizer, new_tokens):
        embeddings *= 1.0 + 1e-3
        return torch.stack([embeddings[old_tokenizer(t, add_special_tokens=False)["input_ids"]].mean(0)
                            for t in new_tokens])  # fmt: skip

    fails("14.2", with_specials, "special tokens", "add_special_tokens=False")
    fails("14.2", summed, "sums")
    fails("14.2", overall_mean, "mean of ALL rows")
    fails("14.2", first_piece, "first piece")
    fails("14.2", one_row, "shape")
    fails("14.2", in_place, "changed `embeddings`")
    fails("14.2", lambda e, t, n: "rows", "tensor")


# --------------------------------------------------------------------------- 14.3 nats per character


def test_14_3_right_answers_written_other_ways_pass():
    passes("14.3", lambda m, t, c: float(np.dot(m, t) / np.sum(c)))
    passes("14.3", lambda m, t, c: (torch.tensor(m, dtype=torch.float64) * torch.tensor(t)).sum() / sum(c))


def test_14_3_wrong_answers_fail():
    def bits(m, t, c):
        return sum(x * y for x, y in zip(m, t, strict=True)) / sum(c) / math.log(2)

    fails("14.3", bits, "bits per character")
    fails(
        "14.3",
        lambda m, t, c: float(np.mean([x * y / z for x, y, z in zip(m, t, c, strict=True)])),
        "per-batch ratios",
    )
    fails("14.3", lambda m, t, c: sum(m) / sum(c), "multiply each by its n_tokens")
    fails("14.3", lambda m, t, c: float(np.mean(m)) * sum(t) / sum(c), "weight each mean")
    fails("14.3", lambda m, t, c: sum(x * y for x, y in zip(m, t, strict=True)) / sum(t), "nats per TOKEN")
    fails("14.3", lambda m, t, c: "1.4", "one number")
