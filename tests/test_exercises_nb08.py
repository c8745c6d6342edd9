"""Notebook 08's exercises: plausible wrong answers fail, with a message that says what is wrong.

What every exercise must do (untouched -> "not attempted", a crash reported, the reference solution
passes) is tested for all notebooks in tests/test_exercises_all.py."""

from __future__ import annotations

import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb08  # noqa: F401  (registers the checks)
from helpers.exercises import check

# --------------------------------------------------------------------------- 08.1 collate by hand


def _collate(
    features, pad_token_id, *, label_pad=-100, side="right", width=None, mask_real=1, dtype=torch.long
):
    """A parametrised collator: the right answer with the defaults, a typical mistake otherwise."""
    width = width or max(len(f["input_ids"]) for f in features)
    input_ids = torch.full((len(features), width), pad_token_id, dtype=dtype)
    attention_mask = torch.full((len(features), width), 1 - mask_real, dtype=dtype)
    labels = torch.full((len(features), width), label_pad, dtype=dtype)
    for row, f in enumerate(features):
        n = len(f["input_ids"])
        where = slice(0, n) if side == "right" else slice(width - n, width)
        input_ids[row, where] = torch.tensor(f["input_ids"], dtype=dtype)
        attention_mask[row, where] = mask_real
        labels[row, where] = torch.tensor(f["labels"], dtype=dtype)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def test_08_1_wrong_answers():
    def no_labels(features, pad_token_id):
        batch = _collate(features, pad_token_id)
        del batch["labels"]
        return batch

    def as_lists(features, pad_token_id):
        return {k: v.tolist() for k, v in _collate(features, pad_token_id).items()}

    def hard_coded_pad_0(features, pad_token_id):
        return _collate(features, 0)

    def mutates(features, pad_token_id):
        batch = _collate(features, pad_token_id)
        for f in features:
            f["labels"].append(-100)
        return batch

    assert check("08.1", lambda f, p: _collate(f, p), quiet=True).passed
    fails("08.1", lambda f, p: _collate(f, p, label_pad=p), "pad token id", "-100")
    fails("08.1", lambda f, p: _collate(f, p, label_pad=0), "-100")
    fails("08.1", lambda f, p: _collate(f, p, side="left"), "left")
    fails("08.1", lambda f, p: _collate(f, p, width=16), "shape", "longest")
    fails("08.1", lambda f, p: _collate(f, p, mask_real=0), "inverted")
    fails("08.1", lambda f, p: _collate(f, p, dtype=torch.float32), "dtype")
    fails("08.1", no_labels, "'labels'")
    fails("08.1", as_lists, "torch tensor")
    fails("08.1", hard_coded_pad_0, "input_ids differ")
    fails("08.1", mutates, "changed the features")


def test_08_1_right_answers_in_other_spellings_pass():
    from torch.nn.utils.rnn import pad_sequence
    from transformers import BatchEncoding

    def with_pad_sequence(features, pad_token_id):
        def pad(key, value):
            return pad_sequence(
                [torch.tensor(f[key]) for f in features], batch_first=True, padding_value=value
            )

        input_ids = pad("input_ids", pad_token_id)
        mask = pad_sequence(
            [torch.ones(len(f["input_ids"]), dtype=torch.long) for f in features], batch_first=True
        )
        return {"input_ids": input_ids, "attention_mask": mask, "labels": pad("labels", -100)}

    def padded_lists(features, pad_token_id):  # lists padded by hand, then one tensor each, as int32
        width = max(len(f["input_ids"]) for f in features)
        rows = {"input_ids": [], "attention_mask": [], "labels": []}
        for f in features:
            extra = width - len(f["input_ids"])
            rows["input_ids"].append(f["input_ids"] + [pad_token_id] * extra)
            rows["attention_mask"].append([1] * len(f["input_ids"]) + [0] * extra)
            rows["labels"].append(f["labels"] + [-100] * extra)
        return BatchEncoding({key: torch.tensor(value, dtype=torch.int32) for key, value in rows.items()})

    passes("08.1", with_pad_sequence)
    passes("08.1", padded_lists)


# --------------------------------------------------------------------------- 08.2 masked-LM breakdown


def _breakdown(original_ids, input_ids, labels, mask_token_id):
    selected = labels != -100
    mask = selected & (input_ids == mask_token_id)
    kept = selected & (input_ids == original_ids)
    random = selected & ~mask & ~kept
    return {
        "selected": int(selected.sum()),
        "mask": int(mask.sum()),
        "random": int(random.sum()),
        "kept": int(kept.sum()),
    }


def test_08_2_wrong_answers():
    def changed_only(original_ids, input_ids, labels, mask_token_id):
        result = _breakdown(original_ids, input_ids, labels, mask_token_id)
        result["selected"] = int((input_ids != original_ids).sum())
        return result

    def random_includes_kept(original_ids, input_ids, labels, mask_token_id):
        result = _breakdown(original_ids, input_ids, labels, mask_token_id)
        result["random"] += result["kept"]
        return result

    def fractions(original_ids, input_ids, labels, mask_token_id):
        result = _breakdown(original_ids, input_ids, labels, mask_token_id)
        return {k: (v / result["selected"] if k != "selected" else v) for k, v in result.items()}

    def hard_coded_103(original_ids, input_ids, labels, mask_token_id):
        return _breakdown(original_ids, input_ids, labels, 103)

    def missing_key(original_ids, input_ids, labels, mask_token_id):
        result = _breakdown(original_ids, input_ids, labels, mask_token_id)
        del result["kept"]
        return result

    def as_tensors(original_ids, input_ids, labels, mask_token_id):
        return {
            k: torch.tensor(v) for k, v in _breakdown(original_ids, input_ids, labels, mask_token_id).items()
        }

    assert check("08.2", _breakdown, quiet=True).passed
    assert check("08.2", as_tensors, quiet=True).passed  # 0-d tensors are fine
    fails("08.2", changed_only, "labels != -100")
    fails("08.2", random_includes_kept, "left unchanged")
    fails("08.2", fractions, "fraction")
    fails("08.2", hard_coded_103, "mask_token_id")
    fails("08.2", missing_key, "'kept'")
    fails("08.2", lambda *args: [1, 2, 3, 4], "dict")


# --------------------------------------------------------------------------- 08.3 shift right


def _shift(labels, start, pad):
    shifted = labels.new_full(labels.shape, start)
    shifted[:, 1:] = labels[:, :-1]
    return shifted.masked_fill(shifted == -100, pad)


def test_08_3_wrong_answers():
    def keeps_minus_100(labels, start, pad):
        shifted = labels.new_full(labels.shape, start)
        shifted[:, 1:] = labels[:, :-1]
        return shifted

    def in_place(labels, start, pad):
        result = _shift(labels, start, pad)
        labels.masked_fill_(labels == -100, pad)
        return result

    def shift_left(labels, start, pad):
        shifted = labels.new_full(labels.shape, pad)
        shifted[:, :-1] = labels[:, 1:]
        return shifted.masked_fill(shifted == -100, pad)

    def no_shift(labels, start, pad):
        return labels.masked_fill(labels == -100, pad)

    def start_replaces_first(labels, start, pad):
        shifted = labels.masked_fill(labels == -100, pad)
        shifted[:, 0] = start
        return shifted

    def pad_zero(labels, start, pad):
        return _shift(labels, start, 0)

    def no_start(labels, start, pad):
        return _shift(labels, pad, pad)

    def extra_column(labels, start, pad):
        return torch.cat(
            [labels.new_full((labels.shape[0], 1), start), labels.masked_fill(labels == -100, pad)], 1
        )

    assert check("08.3", _shift, quiet=True).passed
    fails("08.3", keeps_minus_100, "-100")
    fails("08.3", in_place, "in place")
    fails("08.3", shift_left, "left")
    fails("08.3", no_shift, "without shifting")
    fails("08.3", start_replaces_first, "did not shift")
    fails("08.3", pad_zero, "by 0")
    fails("08.3", no_start, "decoder_start_token_id")
    fails("08.3", extra_column, "shape")
    fails("08.3", lambda labels, start, pad: _shift(labels, start, pad).float(), "dtype")


def test_08_3_right_answers_in_other_spellings_pass():
    def concatenate(labels, start, pad):
        first = torch.full((labels.shape[0], 1), start)
        shifted = torch.cat([first, labels[:, :-1]], dim=1)
        return torch.where(shifted == -100, pad, shifted)

    def roll(labels, start, pad):  # roll returns a new tensor: labels stays as it was
        shifted = labels.roll(1, dims=1)
        shifted[:, 0] = start
        shifted[shifted == -100] = pad
        return shifted

    passes("08.3", concatenate)
    passes("08.3", roll)


# --------------------------------------------------------------------------- 08.4 packed attention mask


def _packed_right(position_ids):
    example = (position_ids == 0).cumsum(0)
    n = len(position_ids)
    return (example[:, None] == example[None, :]) & torch.ones(n, n, dtype=torch.bool).tril()


def test_08_4_reference_agrees_with_transformers():
    """The check's mask = transformers' own packed-sequence rule (find_packed_sequence_indices) & causal."""
    from transformers.masking_utils import find_packed_sequence_indices

    from helpers.exercise_bank.nb08 import packed_position_ids, reference_packed_mask

    for lengths in ([3, 2, 4], [1, 1, 3], [2, 1, 1, 2], [4, 1], [1, 1, 1]):
        position_ids = packed_position_ids(lengths)
        sequence = find_packed_sequence_indices(position_ids[None])[0]
        n = len(position_ids)
        causal = torch.ones(n, n, dtype=torch.bool).tril()
        assert torch.equal(reference_packed_mask(lengths), (sequence[:, None] == sequence[None, :]) & causal)


def test_08_4_right_answers_in_other_spellings_pass():
    passes("08.4", _packed_right)
    passes("08.4", lambda p: _packed_right(p).int())  # 1/0 instead of True/False
    passes("08.4", lambda p: _packed_right(p).numpy())

    def with_loops(position_ids):
        starts = [i for i, p in enumerate(position_ids.tolist()) if p == 0]
        n = len(position_ids)
        mask = torch.zeros(n, n, dtype=torch.bool)
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else n
            mask[start:end, start:end] = torch.ones(end - start, end - start, dtype=torch.bool).tril()
        return mask

    def like_transformers(position_ids):  # a new sequence wherever the position does not go up by 1
        diff = torch.diff(position_ids, prepend=position_ids[:1] - 1)
        sequence = (diff != 1).cumsum(0)
        return (sequence[:, None] == sequence[None, :]) & (
            torch.arange(len(sequence))[None, :] <= torch.arange(len(sequence))[:, None]
        )

    passes("08.4", with_loops)
    passes("08.4", like_transformers)


def test_08_4_wrong_answers():
    def causal_only(position_ids):
        n = len(position_ids)
        return torch.ones(n, n, dtype=torch.bool).tril()

    def blocks_only(position_ids):
        example = (position_ids == 0).cumsum(0)
        return example[:, None] == example[None, :]

    def transposed(position_ids):
        return _packed_right(position_ids).T

    def strict(position_ids):
        return _packed_right(position_ids) & ~torch.eye(len(position_ids), dtype=torch.bool)

    def starts_where_position_drops(position_ids):  # misses the boundary between two 1-token examples
        starts = torch.cat([torch.tensor([1]), (position_ids[1:] < position_ids[:-1]).long()])
        example = starts.cumsum(0)
        n = len(position_ids)
        return (example[:, None] == example[None, :]) & torch.ones(n, n, dtype=torch.bool).tril()

    def additive(position_ids):
        return torch.zeros(len(position_ids), len(position_ids)).masked_fill(
            ~_packed_right(position_ids), float("-inf")
        )

    fails("08.4", causal_only, "plain causal mask")
    fails("08.4", blocks_only, "later tokens")
    fails("08.4", transposed, "later tokens")
    fails("08.4", strict, "diagonal")
    fails("08.4", starts_where_position_drops, "0, 0")
    fails("08.4", additive, "additive")
    fails("08.4", lambda p: _packed_right(p)[None, None], "shape")

    def in_place(position_ids):
        mask = _packed_right(position_ids)
        position_ids += 1
        return mask

    fails("08.4", in_place, "in place")
