"""Notebook 06's exercises: plausible wrong answers fail, with a message that says what is wrong.

What every exercise must do (untouched -> "not attempted", a crash reported, the reference solution
passes) is tested for all notebooks in tests/test_exercises_all.py."""

from __future__ import annotations

import math

import numpy as np
import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb06  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 06.1 WordPiece tokens -> words


def test_06_1_wrong_answers():
    def keeps_specials(tokens):
        words = []
        for t in tokens:
            if t.startswith("##") and words:
                words[-1] += t[2:]
            else:
                words.append(t)
        return words

    def keeps_marker(tokens):
        words = []
        for t in tokens:
            if t in ("[CLS]", "[SEP]", "[PAD]"):
                continue
            if t.startswith("##") and words:
                words[-1] += t
            else:
                words.append(t)
        return words

    def every_token_a_word(tokens):
        return [t.removeprefix("##") for t in tokens if t not in ("[CLS]", "[SEP]", "[PAD]")]

    def forgets_pad(tokens):  # drops [CLS] and [SEP] only
        words = []
        for t in tokens:
            if t in ("[CLS]", "[SEP]"):
                continue
            if t.startswith("##") and words:
                words[-1] += t[2:]
            else:
                words.append(t)
        return words

    fails("06.1", keeps_specials, "special tokens")
    fails("06.1", keeps_marker, "'##'")
    fails("06.1", every_token_a_word, "continues the previous word")
    fails("06.1", forgets_pad, "special tokens")
    fails("06.1", lambda tokens: " ".join(tokens), "list of strings")


def test_06_1_right_answers_in_other_spellings_pass():
    def join_and_split(tokens):
        text = " ".join(t for t in tokens if t not in ("[CLS]", "[SEP]", "[PAD]"))
        return text.replace(" ##", "").split()

    def as_tuple(tokens):
        words = ()
        for t in tokens:
            if t in {"[CLS]", "[SEP]", "[PAD]"}:
                continue
            words = words[:-1] + (words[-1] + t[2:],) if t[:2] == "##" and words else words + (t,)
        return words

    passes("06.1", join_and_split)
    passes("06.1", as_tuple)


# --------------------------------------------------------------------------- 06.2 pad tokens


def test_06_2_wrong_answers():
    def global_max(lengths, batch_size):
        return max(lengths) * len(lengths) - sum(lengths)

    def drops_last_batch(lengths, batch_size):
        pads = 0
        for start in range(0, len(lengths) // batch_size * batch_size, batch_size):
            batch = lengths[start : start + batch_size]
            pads += max(batch) * len(batch) - sum(batch)
        return pads

    def full_last_batch(lengths, batch_size):  # pads the last batch with whole empty rows
        pads = 0
        for start in range(0, len(lengths), batch_size):
            batch = lengths[start : start + batch_size]
            pads += max(batch) * batch_size - sum(batch)
        return pads

    def real_tokens(lengths, batch_size):
        return sum(lengths)

    fails("06.2", global_max, "ALL texts")
    fails("06.2", drops_last_batch, "last, shorter batch")
    fails("06.2", full_last_batch, "expected")
    fails("06.2", real_tokens, "expected")
    fails("06.2", lambda lengths, batch_size: "many", "whole number")


def test_06_2_right_answers_in_other_spellings_pass():
    def with_numpy(lengths, batch_size):  # returns a NumPy integer
        batches = [np.array(lengths[i : i + batch_size]) for i in range(0, len(lengths), batch_size)]
        return sum((b.max() - b).sum() for b in batches)

    def with_torch(lengths, batch_size):  # returns a 0-d tensor
        return sum((b.max() - b).sum() for b in torch.tensor(lengths).split(batch_size))

    passes("06.2", with_numpy)
    passes("06.2", with_torch)


# --------------------------------------------------------------------------- 06.3 windows with stride


def test_06_3_wrong_answers():
    def ignores_specials(n_tokens, max_length, stride, n_special):
        room = max_length
        return 1 if n_tokens <= room else 1 + math.ceil((n_tokens - room) / (room - stride))

    def ignores_stride(n_tokens, max_length, stride, n_special):
        room = max_length - n_special
        return math.ceil(n_tokens / room)

    def naive(n_tokens, max_length, stride, n_special):
        return math.ceil(n_tokens / (max_length - stride))

    def floor_instead_of_ceil(n_tokens, max_length, stride, n_special):
        room = max_length - n_special
        return 1 if n_tokens <= room else 1 + (n_tokens - room) // (room - stride)

    fails("06.3", ignores_specials, "special tokens take")
    fails("06.3", ignores_stride, "overlap")
    fails("06.3", naive)
    fails("06.3", floor_instead_of_ceil, "expected")


def test_06_3_right_answers_in_other_spellings_pass():
    def simulate(n_tokens, max_length, stride, n_special):  # slide the window until it reaches the end
        room = max_length - n_special
        windows, start = 1, 0
        while start + room < n_tokens:
            start += room - stride
            windows += 1
        return windows

    def integer_ceil(n_tokens, max_length, stride, n_special):
        room = max_length - n_special
        return 1 + max(0, -(-(n_tokens - room) // (room - stride)))  # ceil with floor division

    passes("06.3", simulate)
    passes("06.3", integer_ceil)


# --------------------------------------------------------------------------- 06.4 label alignment


def test_06_4_wrong_answers():
    def every_piece(word_ids, word_labels):
        return [-100 if w is None else word_labels[w] for w in word_ids]

    def specials_as_zero(word_ids, word_labels):
        labels, previous = [], None
        for w in word_ids:
            if w is None:
                labels.append(0)
            elif w != previous:
                labels.append(word_labels[w])
            else:
                labels.append(-100)
            previous = w
        return labels

    def only_words(word_ids, word_labels):  # forgets the special tokens entirely
        return list(word_labels)

    def last_piece(word_ids, word_labels):  # labels the LAST piece of each word
        labels = []
        for i, w in enumerate(word_ids):
            nxt = word_ids[i + 1] if i + 1 < len(word_ids) else None
            labels.append(-100 if w is None or nxt == w else word_labels[w])
        return labels

    fails("06.4", every_piece, "FIRST piece")
    fails("06.4", specials_as_zero, "-100")
    fails("06.4", only_words, "one label per token")
    fails("06.4", last_piece, "expected")
    fails("06.4", lambda word_ids, word_labels: "labels", "list of ints")


def test_06_4_right_answers_in_other_spellings_pass():
    def compare_with_previous(word_ids, word_labels):
        return [
            -100 if w is None or (i > 0 and word_ids[i - 1] == w) else word_labels[w]
            for i, w in enumerate(word_ids)
        ]

    def as_tensor(word_ids, word_labels):  # a 1-d tensor of labels
        return torch.tensor(compare_with_previous(word_ids, word_labels))

    def as_array(word_ids, word_labels):  # a NumPy array, as a tokenizer with return_tensors="np" gives
        return np.array(compare_with_previous(word_ids, word_labels), dtype=np.int32)

    passes("06.4", compare_with_previous)
    passes("06.4", as_tensor)
    passes("06.4", as_array)
