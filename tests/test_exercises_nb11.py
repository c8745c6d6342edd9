"""Wrong answers to notebook 11's exercises fail, with a message that says what is wrong; the checks' own
references agree with the libraries (seqeval, generate). The generic properties (reference solutions pass,
placeholders say "not attempted", crashes are reported) are tested for every notebook in
tests/test_exercises_all.py."""

from __future__ import annotations

import math

import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb11 as bank

# ------------------------------------------------------------------------------------------- 11.1 entity F1


def _spans(tags):
    found, start, kind = set(), None, None
    for i, tag in enumerate([*tags, "O"]):
        if start is not None and tag != f"I-{kind}":
            found.add((kind, start, i - 1))
            start = None
        if tag.startswith("B-"):
            start, kind = i, tag[2:]
    return found


def _f1(n_correct, n_pred, n_true):
    if n_correct == 0:
        return 0.0
    p, r = n_correct / n_pred, n_correct / n_true
    return 2 * p * r / (p + r)


def entity_f1(true_tags, pred_tags):
    counts = [0, 0, 0]
    for t, p in zip(true_tags, pred_tags, strict=True):
        ts, ps = _spans(t), _spans(p)
        counts = [counts[0] + len(ts & ps), counts[1] + len(ps), counts[2] + len(ts)]
    return _f1(*counts)


def test_entity_f1_reference_agrees_with_seqeval():
    from seqeval.metrics import f1_score

    for true, pred in bank._ner_cases():
        assert math.isclose(bank._entity_f1(true, pred), f1_score(true, pred), abs_tol=1e-12)


def test_entity_f1_right_answer_passes():
    passes("11.1", entity_f1)


def test_entity_f1_right_answers_in_other_spellings_pass():
    import numpy as np
    from seqeval.metrics import f1_score

    def spans_with_sentence_index(true_tags, pred_tags):  # one set over all sentences; a NumPy float back
        def all_spans(sentences):
            return {(k, *span) for k, tags in enumerate(sentences) for span in _spans(tags)}

        true_spans, pred_spans = all_spans(true_tags), all_spans(pred_tags)
        correct = len(true_spans & pred_spans)
        return np.float64(2 * correct / (len(true_spans) + len(pred_spans))) if correct else np.float64(0)

    passes("11.1", lambda true_tags, pred_tags: f1_score(true_tags, pred_tags))  # seqeval itself
    passes("11.1", spans_with_sentence_index)


def test_entity_f1_token_level_fails():
    def token_f1(true_tags, pred_tags):
        pairs = [
            (t, p) for ts, ps in zip(true_tags, pred_tags, strict=False) for t, p in zip(ts, ps, strict=False)
        ]
        correct = sum(t == p != "O" for t, p in pairs)
        return _f1(correct, sum(p != "O" for _, p in pairs), sum(t != "O" for t, _ in pairs))

    fails("11.1", token_f1, "token-level F1")


def test_entity_f1_ignoring_types_fails():
    def untyped(true_tags, pred_tags):
        strip = [[tag[:2] + "X" if tag != "O" else tag for tag in s] for s in true_tags]
        return entity_f1(strip, [[tag[:2] + "X" if tag != "O" else tag for tag in s] for s in pred_tags])

    fails("11.1", untyped, "types are ignored")


def test_entity_f1_mean_of_sentences_fails():
    def per_sentence(true_tags, pred_tags):
        scores = [entity_f1([t], [p]) for t, p in zip(true_tags, pred_tags, strict=False)]
        return sum(scores) / len(scores)

    fails("11.1", per_sentence, "per-sentence")


def test_entity_f1_partial_overlap_counted_fails():
    def overlapping(
        true_tags, pred_tags
    ):  # an entity counts when its type matches and it overlaps a true one
        counts = [0, 0, 0]
        for t, p in zip(true_tags, pred_tags, strict=False):
            ts, ps = _spans(t), _spans(p)
            hits = sum(any(k == k2 and s <= e2 and s2 <= e for k2, s2, e2 in ts) for k, s, e in ps)
            counts = [counts[0] + hits, counts[1] + len(ps), counts[2] + len(ts)]
        return _f1(*counts)

    fails("11.1", overlapping, "expected")


def test_entity_f1_precision_only_fails():
    def precision(true_tags, pred_tags):
        correct = sum(len(_spans(t) & _spans(p)) for t, p in zip(true_tags, pred_tags, strict=False))
        return correct / sum(len(_spans(p)) for p in pred_tags)

    fails("11.1", precision, "expected")


# ------------------------------------------------------------------------------------------- 11.2 perplexity


def _counts(masks, shift=True):
    return [int(m.sum()) - (m.shape[0] if shift else 0) for m in masks]


def test_perplexity_right_answer_passes():
    def right(losses, masks):
        counts = _counts(masks)
        return math.exp(sum(x * n for x, n in zip(losses, counts, strict=False)) / sum(counts))

    passes("11.2", right)
    passes("11.2", lambda losses, masks: torch.tensor(right(losses, masks)))  # a 0-d tensor is fine too


def test_perplexity_without_the_shift_fails():
    def no_shift(losses, masks):
        counts = _counts(masks, shift=False)
        return math.exp(sum(x * n for x, n in zip(losses, counts, strict=False)) / sum(counts))

    fails("11.2", no_shift, "n - 1")


def test_perplexity_unweighted_fails():
    fails("11.2", lambda losses, masks: math.exp(sum(losses) / len(losses)), "as if every batch held as many")


def test_perplexity_mean_loss_fails():
    def mean_loss(losses, masks):
        counts = _counts(masks)
        return sum(x * n for x, n in zip(losses, counts, strict=False)) / sum(counts)

    fails("11.2", mean_loss, "exp of it")


def test_perplexity_mean_of_exps_fails():
    def mean_of_exps(losses, masks):
        counts = _counts(masks)
        return sum(math.exp(x) * n for x, n in zip(losses, counts, strict=False)) / sum(counts)

    fails("11.2", mean_of_exps, "exp of a mean is not the mean of exps")


# --------------------------------------------------------------------------- 11.3 greedy decoding


def _greedy(model, input_ids, attention_mask, max_new_tokens, *, keep_start=False, stop=True, position=-1):
    decoder = torch.tensor([[model.config.decoder_start_token_id]])
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(
                input_ids=input_ids, attention_mask=attention_mask, decoder_input_ids=decoder
            ).logits
            next_id = logits[0, position].argmax()
            decoder = torch.cat([decoder, next_id.view(1, 1)], dim=1)
            if stop and next_id == model.config.eos_token_id:
                break
    return decoder[0, (0 if keep_start else 1) :].tolist()


def test_greedy_right_answer_passes():
    passes("11.3", _greedy)
    passes("11.3", lambda *args: torch.tensor(_greedy(*args)))  # a tensor of ids is fine too


def test_greedy_cases_cover_both_endings():
    ends = []
    for seed in bank._DECODE_SEEDS:
        model = bank._tiny_t5(seed)
        g = torch.Generator().manual_seed(100 + seed)
        x = torch.cat([torch.randint(2, 12, (1, 5 + seed % 4), generator=g), torch.tensor([[1]])], dim=1)
        out = model.generate(input_ids=x, max_new_tokens=bank._MAX_NEW, do_sample=False)[0, 1:].tolist()
        ends.append("eos" if out[-1] == 1 and len(out) < bank._MAX_NEW else "limit")
        assert len(set(out)) >= 3, "each random model should write varied tokens"
    assert set(ends) == {"eos", "limit"}, ends


def test_greedy_keeping_the_start_token_fails():
    fails("11.3", lambda *args: _greedy(*args, keep_start=True), "without the decoder start token")


def test_greedy_not_stopping_at_eos_fails():
    fails("11.3", lambda *args: _greedy(*args, stop=False), "Stop once")


def test_greedy_first_position_fails():
    fails("11.3", lambda *args: _greedy(*args, position=0), "argmax of the last position")


def test_greedy_decoding_from_the_input_fails():
    def from_input(
        model, input_ids, attention_mask, max_new_tokens
    ):  # the decoder fed the source, not the start token
        decoder = input_ids.clone()
        with torch.no_grad():
            for _ in range(max_new_tokens):
                next_id = (
                    model(input_ids=input_ids, attention_mask=attention_mask, decoder_input_ids=decoder)
                    .logits[0, -1]
                    .argmax()
                )
                decoder = torch.cat([decoder, next_id.view(1, 1)], dim=1)
                if next_id == model.config.eos_token_id:
                    break
        return decoder[0, input_ids.shape[1] :].tolist()

    fails("11.3", from_input, "generate() gives")
