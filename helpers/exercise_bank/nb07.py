"""Checks for notebook 07 (datasets: loading, transforming, streaming).

07.1  add_word_count(batch): a batched map that adds an n_words column
07.2  short_articles(ds, topic, max_words): filter by a topic name (ClassLabel) and a length
07.3  three_way_split(ds, validation_size, test_size, seed): a stratified train / validation / test split
07.4  drop_near_duplicates(ds): keep the first of the rows whose texts differ only in case and whitespace

Each check builds its own small data set (other texts, other label names, another label order than the
BBC data of the notebook) and computes the expected answer there, so an answer tuned to the notebook's
numbers cannot pass.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import datasets
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from helpers.exercises import Fail, attempt, exercise


@contextmanager
def _quiet():
    """No progress bars while a check runs (it maps and filters a few rows)."""
    was_disabled = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            datasets.enable_progress_bars()


# --------------------------------------------------------------------------- 07.1 batched word count

WORD_TEXTS = [
    "Markets rallied on Friday.",
    "Two  spaces,\nthen a new line\tand a tab.",
    "",
    "one",
    "  leading and trailing spaces  ",
    "Paragraph one.\n\nParagraph two has more words in it.",
    "hyphenated-words count once; numbers like 3.5 count too",
]


@exercise(
    "07.1",
    hint="With batched=True the function gets a dict of LISTS: batch['text'] is a list of strings. Return "
    "{'n_words': [len(text.split()) for text in batch['text']]}: one count per text. str.split() with no "
    "argument splits on any run of spaces, tabs and newlines.",
)
def _(add_word_count):
    texts = WORD_TEXTS
    expected = [len(t.split()) for t in texts]
    batch = {"text": list(texts), "label": list(range(len(texts)))}
    result = attempt(add_word_count, batch)
    if not isinstance(result, dict):
        raise Fail(
            f"the function should return a dict such as {{'n_words': [...]}}, got {type(result).__name__}."
        )
    if "n_words" not in result:
        raise Fail(f"the returned dict should have an 'n_words' key; it has {sorted(result)}.")
    counts = result["n_words"]
    if isinstance(counts, int | float):
        raise Fail(
            "'n_words' is one number for the whole batch; with batched=True return one count per text (a "
            "list)."
        )
    counts = list(counts)
    if len(counts) != len(texts):
        raise Fail(f"got {len(counts)} counts for a batch of {len(texts)} texts: return one count per text.")
    if [int(c) for c in counts] != expected:
        if counts == [len(t.split(" ")) for t in texts]:
            raise Fail(
                "you split on single spaces (split(' ')): double spaces, newlines and tabs give wrong "
                "counts, and an empty text gets 1 word. Use text.split() with no argument."
            )
        if counts == [len(t) for t in texts]:
            raise Fail("these are character counts: split each text into words first.")
        wrong = next(i for i, (c, e) in enumerate(zip(counts, expected, strict=True)) if c != e)
        raise Fail(
            f"the text {texts[wrong]!r} has {expected[wrong]} words; your function says {counts[wrong]}."
        )
    # The same function must work inside Dataset.map(batched=True), batch after batch.
    ds = Dataset.from_dict({"text": texts * 3, "label": list(range(3 * len(texts)))})
    with _quiet():
        try:
            mapped = ds.map(add_word_count, batched=True, batch_size=4)
        except Exception as err:  # e.g. a list that does not match the batch's length
            raise Fail(
                f"ds.map(add_word_count, batched=True, batch_size=4) raised {type(err).__name__}: {err}. "
                "Return exactly one count per text of the batch you get, whatever its size."
            ) from err
    if "n_words" not in mapped.column_names:
        raise Fail("after ds.map(add_word_count, batched=True) there is no 'n_words' column.")
    if "text" not in mapped.column_names:
        raise Fail("the 'text' column disappeared: return only the new column, map keeps the others.")
    if [int(c) for c in mapped["n_words"][:]] != expected * 3:
        raise Fail(
            "inside ds.map(batched=True, batch_size=4) the counts come out wrong: do not assume a batch size."
        )


# --------------------------------------------------------------------------- 07.2 filter with a ClassLabel

# "tech" is id 2 here, not 4 as in the BBC data (id 4 is "science"), so a hard-coded id fails.
FILTER_NAMES = ["weather", "music", "tech", "sport", "science"]
FILTER_ROWS = [
    ("tech", "New phone launched today"),  # 4 words
    ("tech", "Chip makers report record profits this quarter despite shortages"),  # 9 words
    ("sport", "Cup final tonight"),  # 3 words
    ("weather", "Rain later"),  # 2 words
    ("tech", "Robots   are\ncoming"),  # 3 words
    ("music", "A new album from the band arrives on Friday"),  # 9 words
    ("tech", "A five word tech headline"),  # exactly 5 words
    ("tech", "Six words in this tech headline"),  # 6 words
    ("sport", "Goal"),  # 1 word
    ("science", "Comet seen"),  # 2 words
    ("science", "New telescope sees distant galaxy clearly tonight"),  # 7 words
]


def _filter_dataset() -> Dataset:
    features = Features(
        {"id": Value("int64"), "text": Value("string"), "label": ClassLabel(names=FILTER_NAMES)}
    )
    return Dataset.from_dict(
        {
            "id": list(range(len(FILTER_ROWS))),
            "text": [text for _, text in FILTER_ROWS],
            "label": [FILTER_NAMES.index(name) for name, _ in FILTER_ROWS],
        },
        features=features,
    )


@exercise(
    "07.2",
    hint="Turn the topic name into its id with ds.features['label'].str2int(topic) (ids differ between data "
    "sets), then return ds.filter(lambda example: example['label'] == topic_id and "
    "len(example['text'].split()) <= max_words).",
)
def _(short_articles):
    ds = _filter_dataset()
    for topic, max_words in [("tech", 5), ("sport", 3), ("music", 20)]:
        topic_id = FILTER_NAMES.index(topic)
        expected = [
            i
            for i, (name, text) in enumerate(FILTER_ROWS)
            if name == topic and len(text.split()) <= max_words
        ]
        with _quiet():
            got = attempt(short_articles, ds, topic, max_words)
        call = f"short_articles(ds, {topic!r}, {max_words})"
        if not isinstance(got, Dataset):
            raise Fail(
                f"{call} should return a datasets.Dataset (what ds.filter returns), got {type(got).__name__}."
            )
        dropped = [name for name in ds.column_names if name not in got.column_names]
        if dropped:  # an extra column (such as a word count added by map before filtering) is fine
            raise Fail(
                f"{call} has lost the columns {dropped}: keep every column of the rows you return "
                "(filter does)."
            )
        kept = list(got["id"][:])
        rows = {i: (FILTER_NAMES.index(name), text) for i, (name, text) in enumerate(FILTER_ROWS)}
        if any(
            rows.get(i) != (label, text)
            for i, label, text in zip(kept, got["label"][:], got["text"][:], strict=True)
        ):
            raise Fail(f"{call} changed the text or label of some rows; return the rows as they are.")
        if sorted(kept) == expected:  # the rows matter, not their order
            continue
        labels = {FILTER_NAMES[label] for label in got["label"][:]}
        if labels - {topic}:
            raise Fail(
                f"{call} kept articles of other topics ({sorted(labels - {topic})}). In this data set "
                f"{topic!r} has id {topic_id}: look the id up with ds.features['label'].str2int(topic) "
                "instead of writing a number."
            )
        lengths = {i: len(FILTER_ROWS[i][1].split()) for i in range(len(FILTER_ROWS))}
        if any(lengths[i] > max_words for i in kept):
            raise Fail(
                f"{call} kept articles longer than {max_words} words: filter on the word count as well."
            )
        if not kept:
            raise Fail(
                f"{call} kept no rows; expected ids {expected}. Compare the label with the id of {topic!r}."
            )
        missing = [i for i in expected if i not in kept]
        if any(lengths[i] == max_words for i in missing):
            raise Fail(f"{call} dropped an article of exactly {max_words} words: 'at most' means <=.")
        raise Fail(f"{call} kept the rows with ids {kept}; expected ids {expected}.")


# --------------------------------------------------------------------------- 07.3 stratified three-way split

SPLIT_NAMES = ["rare", "common", "medium", "tiny"]
SPLIT_COUNTS = {"rare": 14, "common": 96, "medium": 42, "tiny": 8}  # 160 rows, strongly imbalanced
SPLIT_SEED = 7


def _split_dataset() -> Dataset:
    labels = [SPLIT_NAMES.index(name) for name, n in SPLIT_COUNTS.items() for _ in range(n)]
    # Interleave the classes so that taking the first or last rows is not accidentally balanced.
    order = sorted(range(len(labels)), key=lambda i: (i * 37) % len(labels))
    labels = [labels[i] for i in order]
    features = Features({"id": Value("int64"), "label": ClassLabel(names=SPLIT_NAMES)})
    return Dataset.from_dict({"id": list(range(len(labels))), "label": labels}, features=features)


@exercise(
    "07.3",
    hint="Split twice with stratify_by_column='label' and the same seed: first "
    "ds.train_test_split(test_size=test_size, ...) gives the test set; then split ITS train part with "
    "test_size=validation_size / (1 - test_size), because the second split sees only what is left.",
)
def _(three_way_split):
    ds = _split_dataset()
    validation_size, test_size = 0.125, 0.25
    with _quiet():
        got = attempt(three_way_split, ds, validation_size, test_size, SPLIT_SEED)
    call = f"three_way_split(ds, validation_size={validation_size}, test_size={test_size}, seed={SPLIT_SEED})"
    if not isinstance(got, DatasetDict):
        raise Fail(f"{call} should return a DatasetDict, got {type(got).__name__}.")
    if set(got) != {"train", "validation", "test"}:
        raise Fail(
            f"the DatasetDict should have the splits train, validation and test; it has {sorted(got)}."
        )
    n = ds.num_rows
    want_sizes = {
        "train": n * (1 - validation_size - test_size),
        "validation": n * validation_size,
        "test": n * test_size,
    }
    sizes = {name: got[name].num_rows for name in want_sizes}
    ids = {name: list(got[name]["id"][:]) for name in want_sizes}
    all_ids = ids["train"] + ids["validation"] + ids["test"]
    if len(set(all_ids)) != len(all_ids):
        raise Fail(
            "some rows are in two splits: split the test set off first, then split only what remains "
            "(the first split's 'train') into train and validation."
        )
    if sorted(all_ids) != list(range(n)):
        raise Fail(
            f"the three splits hold {len(all_ids)} of the {n} rows: every row belongs to exactly one split."
        )
    for name, want in want_sizes.items():
        if abs(sizes[name] - want) > 1:
            detail = ""
            if name != "test" and abs(sizes["validation"] - n * (1 - test_size) * validation_size) <= 1:
                detail = (
                    " The second split sees only the rows left after the test split: its test_size must be "
                    "validation_size / (1 - test_size)."
                )
            raise Fail(
                f"the {name} split has {sizes[name]} rows; expected about {want:.0f} "
                f"({validation_size:.1%} validation and {test_size:.0%} test of all {n} rows).{detail}"
            )
    totals = Counter(ds["label"][:])
    for name in want_sizes:
        counts = Counter(got[name]["label"][:])
        share = sizes[name] / n
        for label, total in totals.items():
            if abs(counts.get(label, 0) - total * share) > 1.0:
                raise Fail(
                    f"the {name} split has {counts.get(label, 0)} rows of class {SPLIT_NAMES[label]!r}; a "
                    f"stratified split would have about {total * share:.1f} ({share:.0%} of its {total}). "
                    "Pass stratify_by_column='label' to both train_test_split calls."
                )
    if got["train"].features["label"] != ds.features["label"]:
        raise Fail(
            "the label column lost its ClassLabel feature: split the Dataset itself, not a copy of its "
            "values."
        )


# --------------------------------------------------------------------------- 07.4 near-duplicates

DUPLICATE_NAMES = ["science", "sport", "tech"]
DUPLICATE_ROWS = [  # (label, text); the comments say what the expected answer does with the row
    ("tech", "New phone folds in half"),  # kept
    ("sport", "Cup final tonight"),  # kept
    ("tech", "new phone folds in HALF"),  # dropped: the first row, in other case
    ("science", "Comet seen over\n\nthe Alps"),  # kept
    ("sport", "Cup final tonight!"),  # kept: punctuation is part of the text
    ("science", "Comet seen over the Alps"),  # dropped: only the whitespace differs from row 3
    ("tech", "Chip makers report record profits"),  # kept
    ("sport", "Cup  final\ttonight "),  # dropped: whitespace again (row 1)
    ("science", "chip makers report record profits"),  # dropped, though labelled otherwise (row 6)
    ("tech", "New phone folds in half"),  # dropped: an exact copy of row 0
    ("science", "Telescope sees distant galaxy"),  # kept
]


def _near_duplicate_key(text: str) -> str:
    return " ".join(text.lower().split())


def _duplicates_dataset() -> Dataset:
    features = Features(
        {"id": Value("int64"), "text": Value("string"), "label": ClassLabel(names=DUPLICATE_NAMES)}
    )
    return Dataset.from_dict(
        {
            "id": [100 + i for i in range(len(DUPLICATE_ROWS))],
            "text": [text for _, text in DUPLICATE_ROWS],
            "label": [DUPLICATE_NAMES.index(name) for name, _ in DUPLICATE_ROWS],
        },
        features=features,
    )


def _first_of_each(keys: list) -> list[int]:
    seen, keep = set(), []
    for i, key in enumerate(keys):
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return keep


@exercise(
    "07.4",
    hint="Walk through ds['text'][:] once with a set of the keys seen so far, where a text's key is "
    "' '.join(text.lower().split()); keep the index of each text whose key is new, then return "
    "ds.select(kept_indices): the first row of each group, in the original order, every column and "
    "feature kept.",
)
def _(drop_near_duplicates):
    ds = _duplicates_dataset()
    before = ds[:]
    with _quiet():
        got = attempt(drop_near_duplicates, ds)
    if ds[:] != before:
        raise Fail("drop_near_duplicates changed the data set it was given; return a new one.")
    if not isinstance(got, Dataset):
        raise Fail(f"return a Dataset (ds.select(...) or ds.filter(...) give one), got {type(got).__name__}.")
    extra = [name for name in got.column_names if name not in ds.column_names]
    if "__index_level_0__" in extra:
        raise Fail(
            "Dataset.from_pandas kept the DataFrame's index as a column '__index_level_0__' (and drops the "
            "ClassLabel): select the rows of ds itself with ds.select(indices)."
        )
    if extra:
        raise Fail(f"remove the helper column(s) {extra}: return the rows of ds with its own columns.")
    missing = [name for name in ds.column_names if name not in got.column_names]
    if missing:
        raise Fail(f"the column(s) {missing} disappeared: keep every column of ds.")
    if got.features != ds.features:
        raise Fail(
            f"the features changed ({got.features} instead of {ds.features}): select rows with ds.select or "
            "ds.filter, which keep the schema (the label's ClassLabel included)."
        )
    texts = ds["text"][:]
    expected_ids = [ds["id"][i] for i in _first_of_each([_near_duplicate_key(t) for t in texts])]
    got_ids, got_texts = got["id"][:], got["text"][:]
    if got_ids == expected_ids:
        if got_texts != [texts[i - 100] for i in got_ids]:
            raise Fail("the texts changed: compare normalised keys, but return the texts as they were.")
        return
    by_id = {ds["id"][i]: i for i in range(ds.num_rows)}
    if any(i not in by_id for i in got_ids):
        raise Fail("your result holds rows that are not in ds: return rows of ds, unchanged.")
    if got_texts != [texts[by_id[i]] for i in got_ids]:
        raise Fail("the texts changed: compare normalised keys, but return the texts as they were.")
    if sorted(got_ids) == expected_ids:
        raise Fail("the right rows, in another order: keep the rows in the order of ds.")
    if got_ids == [ds["id"][i] for i in _first_of_each(texts)]:
        raise Fail(
            f"you dropped exact copies only ({len(got_ids)} rows left, expected {len(expected_ids)}): texts "
            "that differ only in upper/lower case or in spaces, tabs and newlines are duplicates too."
        )
    keys = [_near_duplicate_key(t) for t in texts]
    last = [i for i, key in enumerate(keys) if key not in keys[i + 1 :]]
    if sorted(got_ids) == sorted(ds["id"][i] for i in last):
        raise Fail("you kept the LAST row of each group of duplicates; keep the first.")
    labelled = [(key, label) for key, label in zip(keys, ds["label"][:], strict=True)]
    if got_ids == [ds["id"][i] for i in _first_of_each(labelled)]:
        raise Fail(
            "you compared the texts together with their labels: a near-duplicate with another label is a "
            "duplicate too (and a sign of label noise); compare the texts alone."
        )
    dropped = sorted(set(expected_ids) - set(got_ids))
    if dropped:
        i = by_id[dropped[0]]
        raise Fail(
            f"you dropped the row {texts[i]!r}, the first of its kind: only case and whitespace make two "
            "texts the same here (punctuation counts)."
        )
    kept = sorted(set(got_ids) - set(expected_ids))
    i = by_id[kept[0]]
    raise Fail(
        f"you kept the row {texts[i]!r}, but an earlier row has the same text once case and whitespace are "
        "ignored."
    )
