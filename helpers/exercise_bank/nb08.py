"""Checks for notebook 08 (preprocessing and batching).

08.1  collate(features, pad_token_id): pad input_ids, build attention_mask, pad labels with -100
08.2  masking_breakdown(original_ids, input_ids, labels, mask_token_id): what the MLM collator did
08.3  shift_right(labels, decoder_start_token_id, pad_token_id): decoder inputs from seq2seq labels
08.4  packed_attention_mask(position_ids): the causal, block-diagonal mask of a flattened (packed) row

Every expected answer is computed here from first principles on inputs the learner never sees (random
lengths, pad and mask ids that differ from the notebook's), so hard-coded ids or shapes fail. No model or
tokenizer is loaded: each check runs in milliseconds.
"""

from __future__ import annotations

import random

import torch

from helpers.exercises import Fail, as_float, as_int, attempt, exercise

IGNORE = -100  # the label value PyTorch's cross_entropy skips (ignore_index)


def _as_long_tensor(value, what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise Fail(f"{what} should be a torch tensor, got {type(value).__name__}: use torch.tensor(...).")
    if value.dtype.is_floating_point or value.dtype == torch.bool:
        raise Fail(f"{what} has dtype {value.dtype}; token ids and labels are integers (torch.long).")
    return value.long()


# --------------------------------------------------------------------------- 08.1 collate by hand


def _features(rng: random.Random, n: int, vocab: int) -> list[dict[str, list[int]]]:
    features = []
    for _ in range(n):
        length = rng.randint(2, 12)
        ids = [rng.randint(5, vocab - 1) for _ in range(length)]
        labels = [IGNORE] + [rng.randint(0, 6) for _ in range(length - 2)] + [IGNORE]
        features.append({"input_ids": ids, "labels": labels})
    return features


def _reference_collate(features, pad_token_id: int, side: str = "right") -> dict[str, torch.Tensor]:
    width = max(len(f["input_ids"]) for f in features)
    input_ids = torch.full((len(features), width), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(features), width), dtype=torch.long)
    labels = torch.full((len(features), width), IGNORE, dtype=torch.long)
    for row, feature in enumerate(features):
        n = len(feature["input_ids"])
        where = slice(0, n) if side == "right" else slice(width - n, width)
        input_ids[row, where] = torch.tensor(feature["input_ids"])
        attention_mask[row, where] = 1
        labels[row, where] = torch.tensor(feature["labels"])
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


@exercise(
    "08.1",
    hint="width = the longest input_ids of the batch. Start from torch.full((n, width), pad_token_id) for "
    "the ids, zeros for the mask and torch.full(..., -100) for the labels, then copy each example into "
    "the left part of its row (right padding) and set its mask to 1 there.",
)
def _(collate):
    rng = random.Random(81)
    cases = [(_features(rng, 5, 50), 0), (_features(rng, 7, 400), 2), (_features(rng, 1, 30), 3)]
    # A batch where the longest example is not the first one, and one of equal lengths (no padding at all).
    cases.append(
        ([{"input_ids": [7, 8], "labels": [1, 2]}, {"input_ids": [9, 10, 11, 12], "labels": [3, 4, 5, 6]}], 1)
    )
    cases.append(([{"input_ids": [7, 8, 9], "labels": [0, 1, 0]}] * 3, 0))
    for features, pad_token_id in cases:
        frozen = [{k: list(v) for k, v in f.items()} for f in features]
        given = [{k: list(v) for k, v in f.items()} for f in features]
        got = attempt(collate, given, pad_token_id)
        if not isinstance(got, dict) and not hasattr(got, "keys"):
            raise Fail(f"collate should return a dict of tensors, got {type(got).__name__}.")
        expected = _reference_collate(frozen, pad_token_id)
        where = f"(batch of {len(features)} examples, pad_token_id={pad_token_id})"
        for key in ("input_ids", "attention_mask", "labels"):
            if key not in got:
                raise Fail(
                    f"Your batch has no {key!r} key {where}; it needs input_ids, attention_mask and labels."
                )
        got = {key: _as_long_tensor(got[key], f"batch[{key!r}]") for key in expected}
        width = expected["input_ids"].shape[1]
        for key, tensor in got.items():
            if tuple(tensor.shape) != tuple(expected[key].shape):
                raise Fail(
                    f"batch[{key!r}] has shape {tuple(tensor.shape)} {where}; expected "
                    f"{tuple(expected[key].shape)}: one row per example, padded to the longest example of "
                    f"the batch ({width} tokens)."
                )
        if torch.equal(got["attention_mask"], 1 - expected["attention_mask"]):
            raise Fail("Your attention_mask is inverted: it is 1 for real tokens and 0 for padding.")
        left = _reference_collate(frozen, pad_token_id, side="left")
        if torch.equal(got["input_ids"], left["input_ids"]) and not torch.equal(
            left["input_ids"], expected["input_ids"]
        ):
            raise Fail(
                "You padded on the left. Put the pad tokens on the right (after the real tokens), as "
                "encoder models and these collators do by default."
            )
        if not torch.equal(got["input_ids"], expected["input_ids"]):
            raise Fail(
                f"input_ids differ from the expected padded ids {where}: real ids first, then "
                f"pad_token_id ({pad_token_id}) up to the longest length."
            )
        if not torch.equal(got["attention_mask"], expected["attention_mask"]):
            raise Fail(
                f"attention_mask differs {where}: 1 where the example has a real token, 0 where you padded."
            )
        if not torch.equal(got["labels"], expected["labels"]):
            pads = expected["attention_mask"] == 0
            padded_with = got["labels"][pads]
            if pads.any() and (padded_with == pad_token_id).all():
                raise Fail(
                    "You padded the labels with the pad token id. Pad labels with -100, so that the loss "
                    "ignores those positions (a pad id is a real class for the loss)."
                )
            if pads.any() and (padded_with == 0).all():
                raise Fail(
                    "You padded the labels with 0, which is a real class (here 'O'). Pad them with -100."
                )
            raise Fail(
                f"labels differ {where}: each example's labels unchanged, then -100 for every padded "
                "position."
            )
        if given != frozen:
            raise Fail("collate changed the features it was given; build new tensors instead.")


# --------------------------------------------------------------------------- 08.2 masked-LM breakdown


def _mlm_case(seed: int, mask_token_id: int, vocab: int = 500, shape=(6, 24)):
    """A batch as DataCollatorForLanguageModeling makes it, with the counts it was built with."""
    g = torch.Generator().manual_seed(seed)
    original = torch.randint(10, vocab, shape, generator=g)
    original[:, 0] = 1  # a special token at the start of each row: never selected
    selected = torch.rand(shape, generator=g) < 0.3
    selected[:, 0] = False
    choice = torch.rand(shape, generator=g)
    to_mask = selected & (choice < 0.6)
    to_random = selected & (choice >= 0.6) & (choice < 0.8)
    inputs = original.clone()
    inputs[to_mask] = mask_token_id
    # random replacements that always differ from the original token
    inputs[to_random] = (
        original[to_random] + torch.randint(1, vocab - 10, (int(to_random.sum()),), generator=g) - 10
    ) % (vocab - 10) + 10
    labels = torch.where(selected, original, torch.full_like(original, IGNORE))
    counts = {
        "selected": int(selected.sum()),
        "mask": int(to_mask.sum()),
        "random": int(to_random.sum()),
        "kept": int((selected & ~to_mask & ~to_random).sum()),
    }
    return original, inputs, labels, counts


@exercise(
    "08.2",
    hint="selected = labels != -100 (the collator keeps the true id only where it chose to predict). Among "
    "those: mask where input_ids == mask_token_id, kept where input_ids == original_ids, random for the "
    "rest.",
)
def _(masking_breakdown):
    for seed, mask_token_id in [(0, 4), (1, 7), (2, 503)]:  # never equal to a word id (10..499)
        original, inputs, labels, expected = _mlm_case(seed, mask_token_id)
        got = attempt(masking_breakdown, original.clone(), inputs.clone(), labels.clone(), mask_token_id)
        if not isinstance(got, dict) and not hasattr(got, "keys"):
            raise Fail(
                f"masking_breakdown should return a dict with keys {sorted(expected)}, got "
                f"{type(got).__name__}."
            )
        missing = [k for k in expected if k not in got]
        if missing:
            raise Fail(f"your dict lacks the keys {missing}; expected the keys {list(expected)}.")
        values = {}
        for key in expected:
            value = as_float(got[key], f"{key!r}")
            if 0 < value < 1:
                raise Fail(f"{key!r} is {value:.3f}, a fraction; return counts of positions (whole numbers).")
            values[key] = as_int(value, f"{key!r} (a count)")
        if values == expected:
            continue
        n_changed = int((inputs != original).sum())
        if values["selected"] == n_changed:
            raise Fail(
                f"You counted {values['selected']} selected positions: those whose input changed. The "
                "collator also selects tokens it leaves unchanged; count labels != -100 "
                f"({expected['selected']})."
            )
        if values["mask"] == int((inputs == mask_token_id).sum()) != expected["mask"]:
            raise Fail("Count [MASK] only among the selected positions.")
        if values["random"] == expected["random"] + expected["kept"]:
            raise Fail(
                "Your 'random' count includes the selected tokens that were left unchanged: a random "
                "replacement has input_ids != original_ids."
            )
        if sum(values[k] for k in ("mask", "random", "kept")) != values["selected"]:
            raise Fail(f"mask + random + kept should add up to selected; you got {values}.")
        raise Fail(f"Expected {expected} (mask_token_id={mask_token_id}), got {values}.")


# --------------------------------------------------------------------------- 08.3 shift labels right


def _reference_shift(labels: torch.Tensor, start: int, pad: int) -> torch.Tensor:
    shifted = torch.full_like(labels, start)
    shifted[:, 1:] = labels[:, :-1]
    return shifted.masked_fill(shifted == IGNORE, pad)


@exercise(
    "08.3",
    hint="Make a new tensor: column 0 = decoder_start_token_id, columns 1.. = labels[:, :-1]; then replace "
    "every -100 by pad_token_id (masked_fill). Do not modify labels in place.",
)
def _(shift_right):
    g = torch.Generator().manual_seed(83)
    cases = []
    for start, pad, shape in [(0, 0, (3, 7)), (2, 1, (4, 9)), (5, 3, (1, 4))]:
        labels = torch.randint(6, 300, shape, generator=g)
        for row in range(shape[0]):
            cut = int(torch.randint(2, shape[1] + 1, (1,), generator=g))
            labels[row, cut:] = IGNORE  # padded labels, as DataCollatorForSeq2Seq returns them
        cases.append((labels, start, pad))
    for labels, start, pad in cases:
        before = labels.clone()
        got = _as_long_tensor(attempt(shift_right, labels, start, pad), "shift_right(...)")
        where = f"(decoder_start_token_id={start}, pad_token_id={pad})"
        if not torch.equal(labels, before):
            raise Fail(
                "shift_right changed `labels` in place: the collator's labels must stay as they are (with "
                "their -100). Work on a new tensor (labels.new_full, torch.full_like, or .clone())."
            )
        expected = _reference_shift(labels, start, pad)
        if tuple(got.shape) != tuple(expected.shape):
            raise Fail(
                f"shape {tuple(got.shape)}; decoder_input_ids have the same shape as labels "
                f"{tuple(labels.shape)}."
            )
        if torch.equal(got, expected):
            continue
        if (got == IGNORE).any():
            raise Fail(
                "Your decoder_input_ids contain -100: that is not a token id (the embedding lookup would "
                f"fail). Replace -100 by pad_token_id {where}."
            )
        unshifted = labels.masked_fill(labels == IGNORE, pad)
        if torch.equal(got, unshifted):
            raise Fail(
                "You returned the labels (with -100 replaced) without shifting: the decoder must read the "
                "token *before* the one it predicts. Shift one position to the right."
            )
        if torch.equal(got[:, :-1], unshifted[:, 1:]):
            raise Fail(
                "You shifted to the left. The decoder reads the previous target token: shift right, and "
                "put decoder_start_token_id in the first column."
            )
        if not (got[:, 0] == start).all():
            raise Fail(f"Every row must start with decoder_start_token_id {where}.")
        if torch.equal(got[:, 1:], unshifted[:, 1:]):
            raise Fail(
                "You replaced the first column but did not shift: column t must hold labels[:, t - 1]."
            )
        if torch.equal(got, _reference_shift(labels, start, 0)) and pad != 0:
            raise Fail(f"You replaced -100 by 0; use pad_token_id {where}.")
        raise Fail(f"decoder_input_ids differ from the expected shift {where}.")


# --------------------------------------------------------------------------- 08.4 packed attention mask


def packed_position_ids(lengths: list[int]) -> torch.Tensor:
    """The position_ids DataCollatorWithFlattening gives a row holding examples of these lengths."""
    return torch.cat([torch.arange(n) for n in lengths])


def reference_packed_mask(lengths: list[int]) -> torch.Tensor:
    """(n, n) bool: query i may attend to key j when both are in the same example and j <= i."""
    example = torch.tensor([k for k, n in enumerate(lengths) for _ in range(n)])
    position = torch.arange(len(example))
    return (example[:, None] == example[None, :]) & (position[None, :] <= position[:, None])


def _as_bool_matrix(value, n: int) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        try:
            value = torch.as_tensor(value)
        except (TypeError, ValueError, RuntimeError) as err:
            raise Fail(f"return an (n, n) tensor of booleans, got {type(value).__name__}.") from err
    if tuple(value.shape) != (n, n):
        raise Fail(
            f"for a row of {n} tokens the mask should have shape ({n}, {n}): one row per query token, one "
            f"column per key token; got {tuple(value.shape)}."
        )
    if value.dtype != torch.bool:
        if value.is_floating_point() and torch.isinf(value).any():
            raise Fail(
                "you returned an additive mask (0 and -inf); return True (or 1) where attention is allowed "
                "and False (or 0) where it is not."
            )
        if not ((value == 0) | (value == 1)).all():
            raise Fail("the mask should hold True/False (or 1/0) only.")
        value = value == 1
    return value


@exercise(
    "08.4",
    hint="A new example starts at every position_id 0, so (position_ids == 0).cumsum(0) numbers the example "
    "of each token. Query i may attend key j when both have the same number (an == between a column and a "
    "row of them) AND j <= i (torch.ones(n, n, dtype=torch.bool).tril()): combine the two with &.",
)
def _(packed_attention_mask):
    rng = random.Random(84)
    cases = [[3, 2, 4], [5], [1, 1, 3], [2, 1, 1, 2], [4, 1]]
    cases += [[rng.randint(1, 6) for _ in range(rng.randint(2, 5))] for _ in range(4)]
    for lengths in cases:
        position_ids = packed_position_ids(lengths)
        given = position_ids.clone()
        got = attempt(packed_attention_mask, given)
        if not torch.equal(given, position_ids):
            raise Fail("packed_attention_mask changed position_ids in place; leave its input as it is.")
        n = len(position_ids)
        got = _as_bool_matrix(got, n).cpu()
        expected = reference_packed_mask(lengths)
        if torch.equal(got, expected):
            continue
        where = f"For position_ids {position_ids.tolist()} (examples of {lengths} tokens)"
        causal = torch.arange(n)[None, :] <= torch.arange(n)[:, None]
        if torch.equal(got, causal):
            raise Fail(
                f"{where} you returned the plain causal mask: tokens of later examples then attend to the "
                "earlier examples in the row. Allow attention only inside each example."
            )
        if torch.equal(got, expected.T) or torch.equal(got, reference_packed_mask(lengths) | expected.T):
            raise Fail(
                f"{where} your mask lets tokens see later tokens of their example. Row i is the query, column "
                "j the key: a decoder may attend to j only when j <= i."
            )
        if torch.equal(got, expected & ~torch.eye(n, dtype=torch.bool)):
            raise Fail(
                f"{where} the diagonal is False: every token attends to itself too (j <= i, not j < i)."
            )
        starts_where_it_drops = torch.cat([torch.tensor([True]), position_ids[1:] < position_ids[:-1]])
        merged = reference_packed_mask(
            [int(k) for k in torch.diff(torch.nonzero(starts_where_it_drops)[:, 0], append=torch.tensor([n]))]
        )
        if torch.equal(got, merged):
            raise Fail(
                f"{where} two examples are merged into one: an example of one token has position_ids [0], "
                "so 0, 0 is a boundary too. A new example starts at every position 0, not only where the "
                "position goes down."
            )
        i, j = map(int, torch.nonzero(got != expected)[0])
        should = "may" if expected[i, j] else "may not"
        raise Fail(f"{where} token {i} {should} attend to token {j}, but your mask says the opposite.")
