"""Notebook 02's exercises: plausible wrong answers fail, with a message that says what is wrong.

What every exercise must do (untouched -> "not attempted", a crash reported, the reference solution
passes) is tested for all notebooks in tests/test_exercises_all.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from exercise_support import fails, passes, reference_solutions

import helpers.exercise_bank.nb02  # noqa: F401  (registers the checks)
from helpers.exercises import check, last_result


def test_reference_solution_02_3_passes_and_matches_peft_on_the_model(capsys):
    # The solution also prints the count for all-MiniLM-L6-v2 (r=8 on query and value of 6 layers);
    # peft printed 73,728 trainable parameters for that model in the notebook.
    exec(reference_solutions("02")["02.4"], {"check": check})
    assert last_result("02.4").status == "pass", last_result("02.4").message
    out = capsys.readouterr().out
    assert "correct" in out and "whole model: 73728" in out


# --------------------------------------------------------------------------- 02.1 count tokens


def test_02_1_right_answers_in_other_spellings_pass():
    variants = [
        lambda tokenizer, text: len(tokenizer.encode(text)),
        lambda tokenizer, text: tokenizer(text, return_tensors="pt")["input_ids"].shape[1],
        lambda tokenizer, text: sum(tokenizer(text)["attention_mask"]),
        lambda tokenizer, text: len(tokenizer.tokenize(text)) + tokenizer.num_special_tokens_to_add(),
    ]
    for variant in variants:
        assert check("02.1", variant, quiet=True).status == "pass"


def test_02_1_wrong_answers():
    fails("02.1", lambda tokenizer, text: len(tokenizer.tokenize(text)), "special tokens")
    # right for BERT-style tokenizers only: T5 adds one special token, GPT-2 none
    fails("02.1", lambda tokenizer, text: len(tokenizer.tokenize(text)) + 2, "not every tokenizer adds two")
    fails("02.1", lambda tokenizer, text: len(text.split()), "words")
    fails("02.1", lambda tokenizer, text: len(text), "tokenizer")
    fails("02.1", lambda tokenizer, text: len(tokenizer(text)), "tokenizer")  # the number of keys
    fails("02.1", lambda tokenizer, text: 7, "tokenizer")


def test_02_1_uses_the_tokenizer_it_is_given():
    """A function that ignores its argument and uses another (e.g. the notebook's global) tokenizer fails."""
    from transformers import AutoTokenizer

    from helpers.zoo import resolve

    try:
        real = AutoTokenizer.from_pretrained(resolve("sentence-transformers/all-MiniLM-L6-v2", quiet=True))
    except (FileNotFoundError, KeyError, OSError):
        pytest.skip("the offline zoo is not prepared")
    fails("02.1", lambda tokenizer, text: len(real(text)["input_ids"]), "argument")


# --------------------------------------------------------------------------- 02.2 cosine similarity


def test_02_2_right_answers_in_other_spellings_pass():
    variants = [
        lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim=0),
        lambda a, b: float(torch.dot(a, b) / (a.norm() * b.norm())),
        lambda a, b: (a / a.norm()) @ (b / b.norm()),
    ]
    for variant in variants:
        assert check("02.2", variant, quiet=True).status == "pass"


def test_02_2_wrong_answers():
    fails("02.2", lambda a, b: a @ b, "dot product")
    fails("02.2", lambda a, b: a @ b / a.norm(), "expected")  # divides by one length only
    fails("02.2", lambda a, b: a @ b / (a.norm() + b.norm()), "expected")
    fails("02.2", lambda a, b: torch.dist(a, b), "expected")  # a distance, not a similarity
    fails("02.2", lambda a, b: a * b / (a.norm() * b.norm()), "one number")  # forgot to sum


# --------------------------------------------------------------------------- 02.4 LoRA parameters


def test_02_3_right_answers_in_other_spellings_pass():
    passes("02.4", lambda i, o, r: r * (i + o))
    passes("02.4", lambda i, o, r: np.int64(r) * (i + o))  # a NumPy integer
    passes("02.4", lambda i, o, r: float(torch.zeros(r, i).numel() + torch.zeros(o, r).numel()))


def test_02_3_wrong_answers():
    fails("02.4", lambda i, o, r: r * i * o, "thin")
    fails("02.4", lambda i, o, r: r * (i + o) + o, "bias")
    fails("02.4", lambda i, o, r: 2 * r * i, "peft trains")  # right only when in == out
    fails("02.4", lambda i, o, r: r * i, "peft trains")  # A only
    fails("02.4", lambda i, o, r: i * o, "peft trains")  # the frozen weight


# --------------------------------------------------------------------------- 02.3 masked max pooling


def _max_pool_right(h, m):
    return h.masked_fill(m.unsqueeze(-1) == 0, float("-inf")).amax(dim=1)


def test_02_4_right_answers_in_other_spellings_pass():
    passes("02.3", _max_pool_right)
    # anything below every real value works as well as -inf
    passes("02.3", lambda h, m: torch.where(m.bool().unsqueeze(-1), h, h.min() - 1).max(dim=1).values)
    passes(
        "02.3",
        lambda h, m: torch.stack([row[mask.bool()].amax(dim=0) for row, mask in zip(h, m, strict=True)]),
    )

    def sentence_transformers_style(h, m):  # its Pooling module, on a copy
        h = h.clone()
        h[m == 0] = -1e9
        return torch.max(h, 1)[0]

    passes("02.3", sentence_transformers_style)
    passes("02.3", lambda h, m: _max_pool_right(h, m).numpy())  # a NumPy array
    passes("02.3", lambda h, m: _max_pool_right(h.float(), m))  # float32 from a float64 input


def test_02_4_wrong_answers():
    fails("02.3", lambda h, m: (h * m.unsqueeze(-1)).amax(dim=1), "multiplying by the mask", "-inf")
    fails("02.3", lambda h, m: h.amax(dim=1), "padding took part")
    fails("02.3", lambda h, m: (h * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True), "mean")
    fails(
        "02.3",
        lambda h, m: torch.max(h.masked_fill(m.unsqueeze(-1) == 0, float("-inf")), 1),
        "pair",
        ".values",
    )
    fails("02.3", lambda h, m: _max_pool_right(h, m).T, "shape")
    fails("02.3", lambda h, m: h.masked_fill(m.unsqueeze(-1) == 0, float("-inf")).amax(dim=2), "shape")

    def in_place(h, m):  # sentence-transformers' way, without the copy: it writes into the model's output
        h[m == 0] = -1e9
        return torch.max(h, 1)[0]

    fails("02.3", in_place, "in place")
