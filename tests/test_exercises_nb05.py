"""Notebook 05's exercises: plausible wrong answers fail, with a message that says what is wrong.

What every exercise must do (untouched -> "not attempted", a crash reported, the reference solution
passes) is tested for all notebooks in tests/test_exercises_all.py."""

from __future__ import annotations

import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb05  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 05.1 top label and margin


def test_05_1_right_answers_in_other_spellings_pass():
    def by_sorting(scores):
        ranked = sorted(scores, key=lambda s: s["score"], reverse=True)
        return ranked[0]["label"], ranked[0]["score"] - ranked[1]["score"]

    def with_torch(scores):
        values = torch.tensor([s["score"] for s in scores])
        top = values.topk(2)
        return scores[top.indices[0]]["label"], top.values[0] - top.values[1]  # a tensor margin is fine

    passes("05.1", by_sorting)
    passes("05.1", with_torch)


def test_05_1_wrong_answers_fail():
    fails("05.1", lambda scores: (scores[0]["label"], scores[0]["score"] - scores[1]["score"]), "first entry")
    fails("05.1", lambda scores: (min(scores, key=lambda s: s["score"])["label"], 0.0), "best")
    best = lambda scores: max(scores, key=lambda s: s["score"])  # noqa: E731
    fails("05.1", lambda scores: best(scores)["label"], "two things")
    fails("05.1", lambda scores: (best(scores), 0.0), "name")
    fails("05.1", lambda scores: (best(scores)["label"], best(scores)["score"]), "MINUS")
    fails("05.1", lambda scores: (best(scores)["label"], 1 - best(scores)["score"]), "Margin")


# --------------------------------------------------------------------------- 05.2 chat messages


def reference_messages(system, history, question):
    messages = [{"role": "system", "content": system}] if system else []
    for user_text, assistant_text in history:
        messages += [{"role": "user", "content": user_text}, {"role": "assistant", "content": assistant_text}]
    return messages + [{"role": "user", "content": question}]


def test_05_2_right_answer_passes():
    passes("05.2", reference_messages)


def test_05_2_right_answers_in_other_spellings_pass():
    from itertools import chain

    def flattened(system, history, question):
        system_part = [dict(role="system", content=system)] if system is not None else []
        turns = chain.from_iterable(
            (dict(role="user", content=turn[0]), dict(role="assistant", content=turn[1])) for turn in history
        )
        return [*system_part, *turns, dict(role="user", content=question)]

    def key_order_differs(system, history, question):  # dicts compare equal whatever their key order
        return [
            {"content": m["content"], "role": m["role"]}
            for m in reference_messages(system, history, question)
        ]

    passes("05.2", flattened)
    passes("05.2", key_order_differs)


def test_05_2_wrong_answers_fail():
    def bot_role(system, history, question):
        return [
            {**m, "role": "bot"} if m["role"] == "assistant" else m
            for m in reference_messages(system, history, question)
        ]

    def always_system(system, history, question):
        return [{"role": "system", "content": system}] + reference_messages(None, history, question)

    def no_system(system, history, question):
        return reference_messages(None, history, question)

    def flipped(system, history, question):
        return reference_messages(system, [(a, u) for u, a in history], question)

    def no_question(system, history, question):
        return reference_messages(system, history, question)[:-1]

    def text_key(system, history, question):
        return [
            {"role": m["role"], "text": m["content"]} for m in reference_messages(system, history, question)
        ]

    def tuples(system, history, question):
        return [(m["role"], m["content"]) for m in reference_messages(system, history, question)]

    fails("05.2", bot_role, "Unknown role 'bot'")
    fails("05.2", always_system, "No system prompt")
    fails("05.2", no_system, "system message must come first")
    fails("05.2", flipped, "should be")
    fails("05.2", no_question, "last message")
    fails("05.2", text_key, "'role' and 'content'")
    fails("05.2", tuples, "'role' and 'content'")
    fails("05.2", lambda system, history, question: "user: " + question, "list")


# --------------------------------------------------------------------------- 05.3 span decoding


def reference_span(start_logits, end_logits, context_mask, max_answer_len):
    scores = start_logits[:, None] + end_logits[None, :]
    n = len(start_logits)
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    valid = (i <= j) & (j - i < max_answer_len) & context_mask[:, None] & context_mask[None, :]
    best = scores.masked_fill(~valid, float("-inf")).argmax().item()
    return divmod(best, n)


def test_05_3_right_answers_pass():
    def loops(start_logits, end_logits, context_mask, max_answer_len):
        best, best_score = None, float("-inf")
        for i in range(len(start_logits)):
            for j in range(i, min(len(start_logits), i + max_answer_len)):
                if context_mask[i] and context_mask[j] and start_logits[i] + end_logits[j] > best_score:
                    best, best_score = (i, j), start_logits[i] + end_logits[j]
        return best

    passes("05.3", reference_span)
    passes("05.3", loops)
    passes("05.3", lambda *args: torch.tensor(reference_span(*args)))  # a tensor of two indices is fine


def test_05_3_every_best_span_passes_when_several_tie():
    import helpers.exercise_bank.nb05 as bank

    def last_of_ties(start_logits, end_logits, context_mask, max_answer_len):  # >=: a later tie wins
        best, best_score = None, float("-inf")
        n = len(start_logits)
        for i in range(n):
            for j in range(i, min(n, i + max_answer_len)):
                if context_mask[i] and context_mask[j] and start_logits[i] + end_logits[j] >= best_score:
                    best, best_score = (i, j), start_logits[i] + end_logits[j]
        return best

    def shortest_of_ties(start_logits, end_logits, context_mask, max_answer_len):
        n = len(start_logits)
        valid = [
            (i, j)
            for i in range(n)
            for j in range(i, min(n, i + max_answer_len))
            if context_mask[i] and context_mask[j]
        ]
        best = max(float(start_logits[i] + end_logits[j]) for i, j in valid)
        ties = [(i, j) for i, j in valid if float(start_logits[i] + end_logits[j]) == best]
        return min(ties, key=lambda span: (span[1] - span[0], -span[0]))

    cases = [case[:4] for case in bank._span_cases()]
    # the check's cases do hold ties, broken differently by these answers and by the reference
    assert any(last_of_ties(*c) != reference_span(*c) for c in cases)
    assert any(shortest_of_ties(*c) not in (reference_span(*c), last_of_ties(*c)) for c in cases)
    passes("05.3", last_of_ties)
    passes("05.3", shortest_of_ties)


def test_05_3_wrong_answers_fail():
    def independent(start_logits, end_logits, context_mask, max_answer_len):
        return start_logits.argmax().item(), end_logits.argmax().item()

    def no_mask(start_logits, end_logits, context_mask, max_answer_len):
        return reference_span(start_logits, end_logits, torch.ones_like(context_mask), max_answer_len)

    def no_order(start_logits, end_logits, context_mask, max_answer_len):
        ok = context_mask.nonzero().flatten().tolist()
        pairs = [(i, j) for i in ok for j in ok if abs(j - i) < max_answer_len]
        return max(pairs, key=lambda p: start_logits[p[0]] + end_logits[p[1]])

    def one_too_long(start_logits, end_logits, context_mask, max_answer_len):
        return reference_span(start_logits, end_logits, context_mask, max_answer_len + 1)

    def one_too_short(start_logits, end_logits, context_mask, max_answer_len):
        return reference_span(start_logits, end_logits, context_mask, max_answer_len - 1)

    def no_length_limit(start_logits, end_logits, context_mask, max_answer_len):
        return reference_span(start_logits, end_logits, context_mask, len(start_logits))

    fails("05.3", independent, "outside the context")
    fails("05.3", no_mask, "outside the context")
    fails("05.3", no_order, "ends before it starts")
    fails("05.3", one_too_long, "tokens long")
    fails("05.3", one_too_short, "best valid span")
    fails("05.3", no_length_limit, "tokens long")
    fails("05.3", lambda *args: 3, "two token indices")
    fails("05.3", lambda *args: (-1, -1), "not a pair of token indices")
