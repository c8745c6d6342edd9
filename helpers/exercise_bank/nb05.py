"""Checks for notebook 05 (pipelines, and what replaced the removed ones).

05.1  top_label(scores): the best label in a pipeline's ``top_k=None`` output, and its margin over the next
05.2  make_messages(system, history, question): a conversation in the chat-template message format
05.3  best_span(start_logits, end_logits, context_mask, max_answer_len): extractive-QA span decoding

Each reference is computed at check time from first principles (max over a shuffled list; the message list
written out; a brute-force search over every (start, end) pair), on inputs made here, so that an answer that
relies on the order of the list, forgets a role or skips a constraint fails with a message saying which.
"""

import math
import random

import torch

from helpers.exercises import Fail, attempt, exercise

# ------------------------------------------------------------------------------------------- 05.1


def _score_lists(seed: int = 0) -> list[list[dict]]:
    """Score lists like text-classification's ``top_k=None`` output, but shuffled (the best is rarely
    first)."""
    rng = random.Random(seed)
    cases = []
    for labels in (
        ["negative", "neutral", "positive"],
        ["spam", "ham"],
        ["business", "entertainment", "politics", "sport", "tech"],
        ["negative", "neutral", "positive"],
    ):
        logits = [rng.gauss(0, 2) for _ in labels]
        total = sum(math.exp(x) for x in logits)
        scores = [{"label": lab, "score": math.exp(x) / total} for lab, x in zip(labels, logits, strict=True)]
        best = max(scores, key=lambda s: s["score"])
        while scores[0] is best:  # make sure "take the first entry" is wrong
            rng.shuffle(scores)
        cases.append(scores)
    return cases


@exercise(
    "05.1",
    hint="max(scores, key=lambda s: s['score']) finds the best entry whatever the order; "
    "sort the scores to find the runner-up.",
)
def _(answer):
    for scores in _score_lists():
        ranked = sorted(scores, key=lambda s: s["score"], reverse=True)
        want_label, want_margin = ranked[0]["label"], ranked[0]["score"] - ranked[1]["score"]
        got = attempt(answer, [dict(s) for s in scores])
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Fail(f"Return two things, (label, margin); got {got!r}.")
        label, margin = got
        if isinstance(label, dict):
            raise Fail("Return the label's name (a string), not the whole {'label', 'score'} dict.")
        if label != want_label:
            if label == scores[0]["label"]:
                raise Fail(
                    "You returned the first entry's label, but the list is not sorted here: "
                    f"the best is {want_label!r}."
                )
            raise Fail(f"For {scores} the best label is {want_label!r}, you returned {label!r}.")
        try:
            margin = float(margin)
        except (TypeError, ValueError):
            raise Fail(f"The margin should be a number, got {type(margin).__name__}.") from None
        if abs(margin - want_margin) > 1e-6:
            if abs(margin - ranked[0]["score"]) < 1e-6:
                raise Fail("The margin is the best score MINUS the second-best score, not the best score.")
            raise Fail(f"Margin {margin:.4f}, expected {want_margin:.4f} (best score minus second best).")


# ------------------------------------------------------------------------------------------- 05.2

_ROLES = {"system", "user", "assistant"}


def _reference_messages(system, history, question) -> list[dict]:
    messages = [{"role": "system", "content": system}] if system else []
    for user_text, assistant_text in history:
        messages.append({"role": "user", "content": user_text})
        messages.append({"role": "assistant", "content": assistant_text})
    messages.append({"role": "user", "content": question})
    return messages


_CONVERSATIONS = [
    ("You are a concise assistant.", [], "What is a tokenizer?"),
    (None, [], "Translate 'good morning' into French."),
    ("Answer in one sentence.", [("Hi!", "Hello! How can I help?")], "What is attention?"),
    (None, [("What is 2 + 2?", "4."), ("And times 3?", "12.")], "Now subtract 5."),
]


@exercise(
    "05.2",
    hint="One dict per message with exactly the keys 'role' and 'content'; roles are 'system', "
    "'user' and 'assistant'; the system message (if any) first, the new question last.",
)
def _(answer):
    for system, history, question in _CONVERSATIONS:
        want = _reference_messages(system, history, question)
        got = attempt(answer, system, [tuple(turn) for turn in history], question)
        if not isinstance(got, list):
            raise Fail(f"Return a list of messages, got {type(got).__name__}.")
        for message in got:
            if not isinstance(message, dict) or set(message) != {"role", "content"}:
                raise Fail(
                    f"Each message is a dict with exactly the keys 'role' and 'content'; got {message!r}."
                )
            if message["role"] not in _ROLES:
                raise Fail(
                    f"Unknown role {message['role']!r}: chat templates know 'system', 'user', 'assistant'."
                )
        where = f"(system={system!r}, {len(history)} earlier turns)"
        if system is None and any(m["role"] == "system" for m in got):
            raise Fail(f"No system prompt was given {where}, so add no system message.")
        if system and (not got or got[0] != want[0]):
            raise Fail(f"The system message must come first {where}: expected {want[0]!r}.")
        if not got or got[-1] != want[-1]:
            raise Fail(
                f"The last message must be the new question from the user {where}: expected {want[-1]!r}."
            )
        if len(got) != len(want):
            raise Fail(f"Expected {len(want)} messages {where}, got {len(got)}.")
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            if g != w:
                raise Fail(f"Message {i} {where} should be {w!r}, got {g!r} (user speaks before assistant).")


# ------------------------------------------------------------------------------------------- 05.3


def _reference_span(start_logits, end_logits, context_mask, max_answer_len) -> tuple[int, int]:
    """Brute force over every pair: the clearest statement of the rules. When several spans tie for the
    best score this returns the first in (start, end) order; the check accepts every one of them."""
    best, best_score = None, -math.inf
    n = len(start_logits)
    for i in range(n):
        for j in range(i, min(n, i + max_answer_len)):
            if context_mask[i] and context_mask[j]:
                score = _span_score(start_logits, end_logits, i, j)
                if score > best_score:
                    best, best_score = (i, j), score
    return best


def _span_score(start_logits, end_logits, i: int, j: int) -> float:
    return float(start_logits[i]) + float(end_logits[j])


def _span_cases() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, int, str]]:
    """(start_logits, end_logits, context_mask, max_answer_len, what the case tests)."""
    g = torch.Generator().manual_seed(5)
    cases = []
    n, q = 24, 7  # [CLS] + 5 question tokens + [SEP] = 7 tokens before the context; last token is [SEP]
    mask = torch.zeros(n, dtype=torch.bool)
    mask[q : n - 1] = True

    start, end = torch.zeros(n), torch.zeros(n)
    start[2], end[3] = 9.0, 9.0  # the best scores sit on question tokens: not allowed
    start[10], end[12] = 4.0, 4.0
    cases.append((start, end, mask, 15, "the highest scores are on question tokens, outside the context"))

    start, end = torch.zeros(n), torch.zeros(n)
    start[15], end[11] = 8.0, 8.0  # best start comes after the best end: not a span
    start[12], end[13] = 3.0, 3.0
    cases.append((start, end, mask, 15, "the best end comes before the best start"))

    start, end = torch.zeros(n), torch.zeros(n)
    start[8], end[8 + 5] = 6.0, 6.0  # 6 tokens long: too long for max_answer_len=5
    start[16], end[16 + 4] = 5.0, 5.0  # exactly 5 tokens long: allowed
    cases.append((start, end, mask, 5, "a span longer than max_answer_len scores higher"))

    start, end = torch.zeros(n), torch.zeros(n)
    start[9], end[9] = 7.0, 7.0  # a one-token answer (start == end) is a valid span
    start[14], end[16] = 5.0, 5.0
    cases.append((start, end, mask, 10, "a one-token answer (start == end) is the best"))

    for max_len in (3, 30):
        start, end = torch.randn(n, generator=g) * 3, torch.randn(n, generator=g) * 3
        cases.append((start, end, mask, max_len, f"random logits, max_answer_len={max_len}"))
    return cases


@exercise(
    "05.3",
    hint="Score every pair (i, j) as start_logits[i] + end_logits[j] and keep only pairs with "
    "i <= j, j - i + 1 <= max_answer_len, and both tokens in the context; take the best.",
)
def _(answer):
    for start, end, mask, max_len, what in _span_cases():
        want = _reference_span(start, end, mask, max_len)
        best_score = _span_score(start, end, *want)
        got = attempt(answer, start.clone(), end.clone(), mask.clone(), max_len)
        try:
            i, j = (int(x) for x in got)
        except (TypeError, ValueError):
            raise Fail(f"Return two token indices (start, end); got {got!r}.") from None
        n = len(start)
        if not (0 <= i < n and 0 <= j < n):
            raise Fail(f"Case '{what}': your span ({i}, {j}) is not a pair of token indices 0..{n - 1}.")
        if not (bool(mask[i]) and bool(mask[j])):
            raise Fail(f"Case '{what}': your span ({i}, {j}) uses tokens outside the context.")
        if i > j:
            raise Fail(f"Case '{what}': your span ({i}, {j}) ends before it starts.")
        if j - i + 1 > max_len:
            raise Fail(
                f"Case '{what}': your span ({i}, {j}) is {j - i + 1} tokens long; the maximum is {max_len}."
            )
        # Several valid spans may share the best score (a tie): any of them is right.
        score = _span_score(start, end, i, j)
        if score >= best_score - 1e-5 * max(1.0, abs(best_score)):
            continue
        raise Fail(
            f"Case '{what}': the best valid span is {want} (score {best_score:.3f}); your ({i}, {j}) "
            f"scores {score:.3f}."
        )
