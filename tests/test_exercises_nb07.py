"""Notebook 07's exercises: plausible wrong answers fail, with a message that says what is wrong.

What every exercise must do (untouched -> "not attempted", a crash reported, the reference solution
passes) is tested for all notebooks in tests/test_exercises_all.py."""

from __future__ import annotations

import numpy as np
from datasets import DatasetDict
from exercise_support import fails, passes

import helpers.exercise_bank.nb07  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 07.1 batched word count


def test_07_1_wrong_answers():
    def single_spaces(batch):
        return {"n_words": [len(text.split(" ")) for text in batch["text"]]}

    def characters(batch):
        return {"n_words": [len(text) for text in batch["text"]]}

    def unbatched(example):  # written for map without batched=True: gets a list, calls .split on it
        return {"n_words": len(example["text"].split())}

    def one_total(batch):
        return {"n_words": sum(len(text.split()) for text in batch["text"])}

    def bare_list(batch):
        return [len(text.split()) for text in batch["text"]]

    def wrong_key(batch):
        return {"word_count": [len(text.split()) for text in batch["text"]]}

    def off_by_one(batch):
        return {"n_words": [len(text.split()) + 1 for text in batch["text"]]}

    def fixed_batch(batch):  # assumes 7 texts per batch
        return {
            "n_words": [len(text.split()) for text in batch["text"]][:7]
            + [0] * max(0, 7 - len(batch["text"]))
        }

    fails("07.1", single_spaces, "split(' ')")
    fails("07.1", characters, "character counts")
    fails("07.1", unbatched, "AttributeError")
    fails("07.1", one_total, "one count per text")
    fails("07.1", bare_list, "dict")
    fails("07.1", wrong_key, "'n_words' key")
    fails("07.1", off_by_one, "words; your function says")
    fails("07.1", fixed_batch, "batch_size=4", "one count per text")


def test_07_1_right_answers_in_other_spellings_pass():
    def with_map(batch):
        return {"n_words": list(map(len, map(str.split, batch["text"])))}

    def numpy_counts(batch):  # map accepts an array as a column
        return {"n_words": np.array([len(text.split()) for text in batch["text"]], dtype=np.int32)}

    def returns_the_batch_too(batch):  # map merges the returned columns with the existing ones
        return {**batch, "n_words": [len(text.split()) for text in batch["text"]]}

    passes("07.1", with_map)
    passes("07.1", numpy_counts)
    passes("07.1", returns_the_batch_too)


# --------------------------------------------------------------------------- 07.2 filter with a ClassLabel


def test_07_2_wrong_answers():
    def hard_coded_id(ds, topic, max_words):  # "tech" is 4 in the BBC data
        return ds.filter(lambda example: example["label"] == 4 and len(example["text"].split()) <= max_words)

    def strictly_shorter(ds, topic, max_words):
        topic_id = ds.features["label"].str2int(topic)
        return ds.filter(
            lambda example: example["label"] == topic_id and len(example["text"].split()) < max_words
        )

    def topic_only(ds, topic, max_words):
        topic_id = ds.features["label"].str2int(topic)
        return ds.filter(lambda example: example["label"] == topic_id)

    def compares_name_to_id(ds, topic, max_words):  # the label is an int: nothing matches a name
        return ds.filter(
            lambda example: example["label"] == topic and len(example["text"].split()) <= max_words
        )

    def as_list(ds, topic, max_words):
        topic_id = ds.features["label"].str2int(topic)
        return [row for row in ds if row["label"] == topic_id and len(row["text"].split()) <= max_words]

    def drops_columns(ds, topic, max_words):
        topic_id = ds.features["label"].str2int(topic)
        kept = ds.filter(
            lambda example: example["label"] == topic_id and len(example["text"].split()) <= max_words
        )
        return kept.select_columns(["id", "label"])

    def counts_characters(ds, topic, max_words):
        topic_id = ds.features["label"].str2int(topic)
        return ds.filter(lambda example: example["label"] == topic_id and len(example["text"]) <= max_words)

    fails("07.2", hard_coded_id, "other topics", "str2int")
    fails("07.2", strictly_shorter, "exactly 5 words", "<=")
    fails("07.2", topic_only, "longer than")
    fails("07.2", compares_name_to_id, "kept no rows")
    fails("07.2", as_list, "datasets.Dataset")
    fails("07.2", drops_columns, "keep every column")
    fails("07.2", counts_characters, "expected ids")

    def changes_text(ds, topic, max_words):
        topic_id = ds.features["label"].str2int(topic)
        kept = ds.filter(lambda e: e["label"] == topic_id and len(e["text"].split()) <= max_words)
        return kept.map(lambda e: {"text": e["text"].lower()})

    fails("07.2", changes_text, "changed the text or label")


def test_07_2_right_answers_in_other_spellings_pass():
    def map_then_filter(ds, topic, max_words):  # a helper column is fine
        topic_id = ds.features["label"].str2int(topic)
        counted = ds.map(lambda example: {"n_words": len(example["text"].split())})
        return counted.filter(
            lambda example: example["label"] == topic_id and example["n_words"] <= max_words
        )

    def map_filter_and_drop(ds, topic, max_words):
        return map_then_filter(ds, topic, max_words).remove_columns("n_words")

    def two_filters_newest_first(ds, topic, max_words):  # the same rows in another order
        topic_id = ds.features["label"].names.index(topic)
        on_topic = ds.filter(lambda example: example["label"] == topic_id)
        short = on_topic.filter(lambda example: len(example["text"].split()) <= max_words)
        return short.select(reversed(range(short.num_rows)))

    def batched_filter(ds, topic, max_words):
        topic_id = ds.features["label"].str2int(topic)
        return ds.filter(
            lambda batch: [
                label == topic_id and len(text.split()) <= max_words
                for label, text in zip(batch["label"], batch["text"], strict=True)
            ],
            batched=True,
        )

    passes("07.2", map_then_filter)
    passes("07.2", map_filter_and_drop)
    passes("07.2", two_filters_newest_first)
    passes("07.2", batched_filter)


# --------------------------------------------------------------------------- 07.3 stratified three-way split


def _split(ds, test_size, seed, stratify=True):
    return ds.train_test_split(
        test_size=test_size, seed=seed, stratify_by_column="label" if stratify else None
    )


def test_07_3_wrong_answers():
    def unstratified(ds, validation_size, test_size, seed):
        first = _split(ds, test_size, seed, stratify=False)
        second = _split(first["train"], validation_size / (1 - test_size), seed, stratify=False)
        return DatasetDict(train=second["train"], validation=second["test"], test=first["test"])

    def shuffle_and_cut(ds, validation_size, test_size, seed):
        mixed = ds.shuffle(seed=seed)
        n_test, n_val = round(len(mixed) * test_size), round(len(mixed) * validation_size)
        return DatasetDict(
            test=mixed.select(range(n_test)),
            validation=mixed.select(range(n_test, n_test + n_val)),
            train=mixed.select(range(n_test + n_val, len(mixed))),
        )

    def validation_not_rescaled(ds, validation_size, test_size, seed):
        first = _split(ds, test_size, seed)
        second = _split(first["train"], validation_size, seed)
        return DatasetDict(train=second["train"], validation=second["test"], test=first["test"])

    def splits_the_whole_twice(ds, validation_size, test_size, seed):
        first = _split(ds, test_size, seed)
        second = _split(ds, validation_size, seed)
        return DatasetDict(train=second["train"], validation=second["test"], test=first["test"])

    def two_splits_only(ds, validation_size, test_size, seed):
        return _split(ds, test_size, seed)

    def a_tuple(ds, validation_size, test_size, seed):
        first = _split(ds, test_size, seed)
        second = _split(first["train"], validation_size / (1 - test_size), seed)
        return second["train"], second["test"], first["test"]

    def plain_dict(ds, validation_size, test_size, seed):
        first = _split(ds, test_size, seed)
        second = _split(first["train"], validation_size / (1 - test_size), seed)
        return {"train": second["train"], "validation": second["test"], "test": first["test"]}

    def loses_rows(ds, validation_size, test_size, seed):
        first = _split(ds, test_size, seed)
        second = _split(first["train"], validation_size / (1 - test_size), seed)
        return DatasetDict(
            train=second["train"].select(range(90)), validation=second["test"], test=first["test"]
        )

    fails("07.3", unstratified, "stratify_by_column")
    fails("07.3", shuffle_and_cut, "stratify_by_column")
    fails("07.3", validation_not_rescaled, "validation_size / (1 - test_size)")
    fails("07.3", splits_the_whole_twice, "two splits")
    fails("07.3", two_splits_only, "train, validation and test")
    fails("07.3", a_tuple, "DatasetDict")
    fails("07.3", plain_dict, "DatasetDict")
    fails("07.3", loses_rows, "exactly one split")


def test_07_3_right_answers_in_other_spellings_pass():
    def holdout_first(ds, validation_size, test_size, seed):  # split off validation + test, then halve it
        first = _split(ds, validation_size + test_size, seed)
        second = _split(first["test"], test_size / (validation_size + test_size), seed)
        return DatasetDict(train=first["train"], validation=second["train"], test=second["test"])

    def validation_first(ds, validation_size, test_size, seed):
        first = _split(ds, validation_size, seed)
        second = _split(first["train"], test_size / (1 - validation_size), seed)
        return DatasetDict(train=second["train"], validation=first["test"], test=second["test"])

    def with_train_size(ds, validation_size, test_size, seed):
        first = ds.train_test_split(train_size=1 - test_size, seed=seed, stratify_by_column="label")
        second = first["train"].train_test_split(
            train_size=(1 - validation_size - test_size) / (1 - test_size),
            seed=seed,
            stratify_by_column="label",
        )
        return DatasetDict({"test": first["test"], "validation": second["test"], "train": second["train"]})

    passes("07.3", holdout_first)
    passes("07.3", validation_first)
    passes("07.3", with_train_size)


# --------------------------------------------------------------------------- 07.4 near-duplicates


def _key(text):
    return " ".join(text.lower().split())


def _dedup_right(ds):
    seen, keep = set(), []
    for i, text in enumerate(ds["text"][:]):
        if _key(text) not in seen:
            seen.add(_key(text))
            keep.append(i)
    return ds.select(keep)


def test_07_4_right_answers_in_other_spellings_pass():
    passes("07.4", _dedup_right)

    def with_filter(ds):  # filter with_indices against the first index of every key
        first = {}
        for i, text in enumerate(ds["text"][:]):
            first.setdefault(_key(text), i)
        return ds.filter(lambda example, i: first[_key(example["text"])] == i, with_indices=True)

    def with_pandas_indices(ds):  # pandas finds the rows, the Dataset selects them
        frame = ds.to_pandas()
        keep = ~frame["text"].map(_key).duplicated(keep="first")
        return ds.select(np.flatnonzero(keep.to_numpy()))

    def with_regex(ds):
        import re

        keys = [re.sub(r"\s+", " ", text.lower()).strip() for text in ds["text"][:]]
        return ds.select([i for i, key in enumerate(keys) if key not in keys[:i]])

    passes("07.4", with_filter)
    passes("07.4", with_pandas_indices)
    passes("07.4", with_regex)


def test_07_4_wrong_answers():
    from datasets import Dataset

    def exact_only(ds):
        texts = ds["text"][:]
        return ds.select([i for i, t in enumerate(texts) if t not in texts[:i]])

    def keeps_last(ds):
        keys = [_key(t) for t in ds["text"][:]]
        return ds.select([i for i, key in enumerate(keys) if key not in keys[i + 1 :]])

    def reversed_order(ds):
        kept = _dedup_right(ds)
        return kept.select(range(kept.num_rows - 1, -1, -1))

    def with_label(ds):
        pairs = [(_key(t), label) for t, label in zip(ds["text"][:], ds["label"][:], strict=True)]
        return ds.select([i for i, pair in enumerate(pairs) if pair not in pairs[:i]])

    def no_punctuation(ds):
        import string

        keys = [_key(t).translate(str.maketrans("", "", string.punctuation)) for t in ds["text"][:]]
        return ds.select([i for i, key in enumerate(keys) if key not in keys[:i]])

    def normalised_texts(ds):
        return _dedup_right(ds).map(lambda example: {"text": _key(example["text"])})

    def via_pandas(ds):
        frame = ds.to_pandas()
        return Dataset.from_pandas(frame[~frame["text"].map(_key).duplicated()])

    def via_pandas_no_index(ds):
        frame = ds.to_pandas()
        return Dataset.from_pandas(frame[~frame["text"].map(_key).duplicated()], preserve_index=False)

    def helper_column_left(ds):
        return _dedup_right(ds).map(lambda example: {"key": _key(example["text"])})

    fails("07.4", exact_only, "exact copies only")
    fails("07.4", keeps_last, "LAST")
    fails("07.4", reversed_order, "order")
    fails("07.4", with_label, "labels")
    fails("07.4", no_punctuation, "punctuation counts")
    fails("07.4", normalised_texts, "texts changed")
    fails("07.4", via_pandas, "__index_level_0__")
    fails("07.4", via_pandas_no_index, "ClassLabel")
    fails("07.4", helper_column_left, "helper column")
    fails("07.4", lambda ds: _dedup_right(ds).remove_columns(["id"]), "disappeared")
    fails("07.4", lambda ds: _dedup_right(ds)[:], "return a Dataset")
