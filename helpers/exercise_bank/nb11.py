"""Checks for notebook 11 (fine-tuning four ways). Every expected answer is computed here, at check time:
entity spans and F1 from first principles (the same numbers as seqeval on valid BIO tags), perplexity from the
losses, and greedy decoding with ``generate`` on a tiny random T5 built from a config (no download, a fraction
of a second)."""

from __future__ import annotations

import math
import random

import torch

from helpers.exercises import Fail, attempt, exercise

# ---------------------------------------------------------------------------------------------------- 11.1

TYPES = ("person", "geo-loc", "company", "product")


def _spans(tags: list[str]) -> set[tuple[str, int, int]]:
    """Entities of one valid BIO sequence as (type, first index, last index): B-X starts one, I-X continues
    it."""
    spans, start, kind = set(), None, None
    for i, tag in enumerate([*tags, "O"]):  # a final "O" closes an entity that runs to the end
        if start is not None and tag != f"I-{kind}":
            spans.add((kind, start, i - 1))
            start, kind = None, None
        if tag.startswith("B-"):
            start, kind = i, tag[2:]
    return spans


def _entity_f1(true_tags: list[list[str]], pred_tags: list[list[str]]) -> float:
    """Micro-averaged entity-level F1 over all sentences (seqeval's default on valid BIO tags)."""
    n_true = n_pred = n_correct = 0
    for t, p in zip(true_tags, pred_tags, strict=True):
        true_spans, pred_spans = _spans(t), _spans(p)
        n_true, n_pred, n_correct = (
            n_true + len(true_spans),
            n_pred + len(pred_spans),
            n_correct + len(true_spans & pred_spans),
        )
    if n_correct == 0:
        return 0.0
    precision, recall = n_correct / n_pred, n_correct / n_true
    return 2 * precision * recall / (precision + recall)


def _random_sentence(rng: random.Random, length: int) -> list[str]:
    tags, i = ["O"] * length, 0
    while i < length:
        if rng.random() < 0.25:
            size, kind = rng.choice((1, 1, 2, 3)), rng.choice(TYPES)
            for k in range(i, min(i + size, length)):
                tags[k] = ("B-" if k == i else "I-") + kind
            i += size + 1  # leave an O after each entity so that edits below stay valid BIO
        else:
            i += 1
    return tags


def _perturb(rng: random.Random, tags: list[str]) -> list[str]:
    """A plausible prediction: some entities kept, some with the wrong type, cut short, missed or invented."""
    pred = list(tags)
    for kind, start, end in sorted(_spans(tags)):
        roll = rng.random()
        if roll < 0.2:  # missed
            pred[start : end + 1] = ["O"] * (end - start + 1)
        elif roll < 0.35:  # right place, wrong type
            other = rng.choice([t for t in TYPES if t != kind])
            pred[start : end + 1] = [f"B-{other}"] + [f"I-{other}"] * (end - start)
        elif roll < 0.5 and end > start:  # cut short: a partial match is no match
            pred[end] = "O"
    for i in range(len(pred)):  # invented entities on free words
        if pred[i] == "O" and (i == 0 or pred[i - 1] == "O") and (i + 1 == len(pred) or pred[i + 1] == "O"):
            if rng.random() < 0.06:
                pred[i] = "B-" + rng.choice(TYPES)
    return pred


def _ner_cases() -> list[tuple[list[list[str]], list[list[str]]]]:
    cases = []
    for seed in range(4):
        rng = random.Random(seed)
        true = [_random_sentence(rng, rng.randint(4, 20)) for _ in range(rng.randint(5, 12))]
        cases.append((true, [_perturb(rng, t) for t in true]))
    perfect = cases[0][0]
    cases.append((perfect, [list(t) for t in perfect]))  # a perfect prediction scores 1.0
    return cases


def _token_f1(true_tags, pred_tags):  # a plausible wrong answer, used in the messages below
    pairs = [(t, p) for ts, ps in zip(true_tags, pred_tags, strict=True) for t, p in zip(ts, ps, strict=True)]
    correct = sum(t == p != "O" for t, p in pairs)
    n_pred, n_true = sum(p != "O" for _, p in pairs), sum(t != "O" for t, _ in pairs)
    if correct == 0:
        return 0.0
    return 2 * correct / (n_pred + n_true)


@exercise(
    "11.1",
    hint="Turn each tag list into a set of (type, start, end) spans: B-X opens an entity, the I-X tags right "
    "after it extend it, anything else closes it. Count over ALL sentences: correct = |true & predicted| "
    "(exact spans, same type), precision = correct / n_predicted, recall = correct / n_true, F1 = 2PR / "
    "(P + R).",
)
def _(answer):
    for k, (true, pred) in enumerate(_ner_cases()):
        got = attempt(answer, [list(t) for t in true], [list(p) for p in pred])
        try:
            got = float(got)
        except (TypeError, ValueError) as err:
            raise Fail(f"return one number (the F1 score), got {type(got).__name__}") from err
        expected = _entity_f1(true, pred)
        if math.isclose(got, expected, abs_tol=1e-9):
            continue
        n_true, n_pred = sum(len(_spans(t)) for t in true), sum(len(_spans(p)) for p in pred)
        what = f"On test case {k} ({len(true)} sentences, {n_true} true and {n_pred} predicted entities)"
        if math.isclose(got, _token_f1(true, pred), abs_tol=1e-9):
            raise Fail(
                f"{what} you returned {got:.4f}, the token-level F1. Entity-level F1 counts whole entities: "
                f"an entity is right only if its type, start and end all match; expected {expected:.4f}."
            )
        untyped = _entity_f1(
            [[t[:2] + "X" if t != "O" else t for t in s] for s in true],
            [[t[:2] + "X" if t != "O" else t for t in s] for s in pred],
        )
        if math.isclose(got, untyped, abs_tol=1e-9):
            raise Fail(
                f"{what} you returned {got:.4f}: the spans match but the types are ignored. A person "
                f"tagged as a company is wrong; expected {expected:.4f}."
            )
        per_sentence = [_entity_f1([t], [p]) for t, p in zip(true, pred, strict=True)]
        if math.isclose(got, sum(per_sentence) / len(per_sentence), abs_tol=1e-9):
            raise Fail(
                f"{what} you returned {got:.4f}, the mean of per-sentence F1 scores. Count correct, "
                "predicted and true entities over all sentences first, then compute one F1; expected "
                f"{expected:.4f}."
            )
        raise Fail(f"{what} you returned {got:.4f}, expected {expected:.4f}.")


# ---------------------------------------------------------------------------------------------------- 11.2


def _ppl_cases() -> list[tuple[list[float], list[torch.Tensor]]]:
    """(mean loss of each batch, attention mask of each batch): right-padded batches of different lengths."""
    cases = []
    for seed in range(3):
        g = torch.Generator().manual_seed(seed)
        losses, masks = [], []
        for _ in range(int(torch.randint(3, 7, (1,), generator=g))):
            rows, width = (
                int(torch.randint(1, 5, (1,), generator=g)),
                int(torch.randint(4, 30, (1,), generator=g)),
            )
            lengths = torch.randint(2, width + 1, (rows,), generator=g)
            masks.append((torch.arange(width)[None, :] < lengths[:, None]).long())
            losses.append(float(1.5 + 2.5 * torch.rand(1, generator=g)))
        cases.append((losses, masks))
    return cases


def _ppl(losses, masks, shift=True, weighted=True):
    counts = [float(m.sum() - (m.shape[0] if shift else 0)) for m in masks]
    if not weighted:
        return math.exp(sum(losses) / len(losses))
    return math.exp(sum(loss * n for loss, n in zip(losses, counts, strict=True)) / sum(counts))


@exercise(
    "11.2",
    hint="Each batch's loss is a mean over its PREDICTED tokens: a row with n real tokens predicts n - 1 of "
    "them (the first token has no context). Weight each batch's loss by mask.sum() - mask.shape[0], add "
    "up, divide by the total count, then take math.exp once at the end.",
)
def _(answer):
    for k, (losses, masks) in enumerate(_ppl_cases()):
        got = attempt(answer, list(losses), [m.clone() for m in masks])
        got = float(got.item() if isinstance(got, torch.Tensor) else got)
        expected = _ppl(losses, masks)
        if math.isclose(got, expected, rel_tol=1e-6):
            continue
        what = f"Case {k} ({len(losses)} batches): you returned {got:.4f}, expected {expected:.4f}."
        if math.isclose(got, _ppl(losses, masks, shift=False), rel_tol=1e-6):
            raise Fail(
                f"{what} You weighted by all real tokens; a causal LM predicts each token from the ones "
                "before it, so a row of n real tokens contributes n - 1 predictions to its batch's mean loss."
            )
        if math.isclose(got, _ppl(losses, masks, weighted=False), rel_tol=1e-6):
            raise Fail(
                f"{what} You averaged the batch losses as if every batch held as many tokens; weight each "
                "by its number of predicted tokens."
            )
        if math.isclose(got, math.log(expected), rel_tol=1e-6):
            raise Fail(f"{what} That is the mean loss (cross-entropy per token); perplexity is exp of it.")
        counts = [float(m.sum() - m.shape[0]) for m in masks]
        mean_of_exp = sum(math.exp(x) * n for x, n in zip(losses, counts, strict=True)) / sum(counts)
        if math.isclose(got, mean_of_exp, rel_tol=1e-6):
            raise Fail(
                f"{what} You averaged per-batch perplexities; average the LOSSES (weighted), then take exp "
                "once: exp of a mean is not the mean of exps."
            )
        raise Fail(what)


# ---------------------------------------------------------------------------------------------------- 11.3


def _tiny_t5(seed: int):
    """A random T5 small enough to build in milliseconds, with a vocabulary of 12 so that EOS (id 1) comes
    up."""
    from transformers import T5Config, T5ForConditionalGeneration

    config = T5Config(
        vocab_size=12,
        d_model=16,
        d_kv=4,
        d_ff=32,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=4,
        dropout_rate=0.0,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config).eval()
    with (
        torch.no_grad()
    ):  # larger random weights than T5's init, so that greedy outputs vary from step to step
        for parameter in model.parameters():
            parameter.normal_(0, 0.5)
    return model


# seeds whose random model stops on EOS after a few tokens (25, 28) and ones that run to the limit (3, 10)
_DECODE_SEEDS = (3, 25, 28, 10)
_MAX_NEW = 8


@exercise(
    "11.3",
    hint="Start the decoder with [[model.config.decoder_start_token_id]]. Loop max_new_tokens times: logits "
    "= model(input_ids=..., attention_mask=..., decoder_input_ids=decoder).logits; take the argmax of "
    "the LAST position, append it, stop after appending eos_token_id. Return the ids after the start "
    "token.",
)
def _(answer):
    stops = 0
    for seed in _DECODE_SEEDS:
        model = _tiny_t5(seed)
        g = torch.Generator().manual_seed(100 + seed)
        input_ids = torch.cat(
            [torch.randint(2, 12, (1, 5 + seed % 4), generator=g), torch.tensor([[1]])], dim=1
        )
        attention_mask = torch.ones_like(input_ids)
        with torch.no_grad():
            reference = model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                max_new_tokens=_MAX_NEW,
                do_sample=False,
                num_beams=1,
            )[0, 1:].tolist()
            got = attempt(answer, model, input_ids.clone(), attention_mask.clone(), _MAX_NEW)
        got = got.flatten().tolist() if isinstance(got, torch.Tensor) else [int(t) for t in got]
        stops += reference[-1] == model.config.eos_token_id
        if got == reference:
            continue
        what = (
            f"Random model {seed}, input {input_ids[0].tolist()}: you generated {got}, generate() gives "
            f"{reference}."
        )
        if got and got[0] == model.config.decoder_start_token_id and got[1:] == reference[: len(got) - 1]:
            raise Fail(f"{what} Return only the generated tokens, without the decoder start token.")
        if len(got) > len(reference) and got[: len(reference)] == reference:
            raise Fail(
                f"{what} Stop once you have appended the end-of-sequence token (id "
                f"{model.config.eos_token_id})."
            )
        if len(got) > _MAX_NEW:
            raise Fail(f"{what} Generate at most max_new_tokens={_MAX_NEW} tokens.")
        raise Fail(
            f"{what} At each step feed ALL tokens generated so far (start token first) as decoder_input_ids "
            "and take the argmax of the last position's logits."
        )
    assert stops >= 1, "the check's cases must include one that stops on EOS"  # a guard on the check itself
