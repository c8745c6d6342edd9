"""The real data sets: sizes, features, fixed splits, and the Hub path (with a stand-in for the Hub)."""

import pytest
from datasets import ClassLabel, Dataset, DatasetDict

from helpers import data


@pytest.fixture(scope="module")
def bbc():
    return data.load_bbc_news("offline")


def test_bbc_news_sizes_features_and_stratified_splits(bbc):
    assert {k: len(v) for k, v in bbc.items()} == {"train": 1488, "validation": 213, "test": 426}
    assert sum(len(v) for v in bbc.values()) == data.BBC_SIZE - 98  # 98 exact duplicates dropped
    label = bbc["train"].features["label"]
    assert isinstance(label, ClassLabel) and label.names == data.BBC_LABELS
    # stratified: every split has every topic in about the same proportion
    for split in bbc.values():
        counts = [split["label"].count(i) for i in range(5)]
        shares = [c / len(split) for c in counts]
        assert min(shares) > 0.15 and max(shares) < 0.26, shares
    assert bbc["train"][0]["text"].strip() != ""


def test_bbc_splits_are_fixed_and_disjoint(bbc):
    again = data.load_bbc_news("offline")
    assert again["test"]["text"][:20] == bbc["test"]["text"][:20]
    train, val, test = (set(bbc[s]["text"]) for s in ("train", "validation", "test"))
    assert not (train & test) and not (train & val) and not (val & test)


def test_bbc_hub_path_converts_to_the_same_features(monkeypatch):
    fake = DatasetDict(
        train=Dataset.from_dict({"text": [f"t{i}" for i in range(50)], "label_text": ["sport", "tech"] * 25}),
        test=Dataset.from_dict({"text": ["a", "b"], "label_text": ["business", "politics"]}),
    )
    import datasets

    monkeypatch.setattr(datasets, "load_dataset", lambda name: fake if name == "SetFit/bbc-news" else None)
    ds = data.load_bbc_news("hub")
    assert ds["test"]["label"] == [0, 2]
    assert ds["train"].features["label"].names == data.BBC_LABELS
    assert len(ds["train"]) + len(ds["validation"]) == 50


def test_source_is_validated():
    with pytest.raises(ValueError, match="'auto', 'offline' or 'hub'"):
        data.load_bbc_news("internet")


def test_auto_source_is_offline_when_hub_unreachable(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert data._check_source("auto") == "offline"


def test_wnut16_bio_tags():
    ds = data.load_wnut16()
    assert sum(len(v) for v in ds.values()) == 2394
    names = ds["train"].features["ner_tags"].feature.names
    assert names[0] == "O" and len(names) == 21
    assert {n[2:] for n in names[1:]} >= {"person", "geo-loc", "company"}
    ex = ds["train"][0]
    assert len(ex["tokens"]) == len(ex["ner_tags"]) > 0
    # BIO is well formed: an I- tag continues an entity of the same type
    for tags in ds["train"]["ner_tags"][:500]:
        for prev, cur in zip(["O", *[names[t] for t in tags]], [names[t] for t in tags], strict=False):
            if cur.startswith("I-"):
                assert prev[2:] == cur[2:], (prev, cur)


def test_read_conll_reports_bad_lines(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_text("hello\tO\nworld O\n")
    with pytest.raises(ValueError, match="bad.txt:2: expected 'token<TAB>tag'"):
        data.read_conll(f)
    f.write_text("a\tO\n\t\nb\tB-person\n")
    assert data.read_conll(f) == ([["a"], ["b"]], [["O"], ["B-person"]])


def test_tweet_sentiment():
    ds = data.load_tweet_sentiment()
    assert ds["train"].features["label"].names == ["negative", "neutral", "positive"]
    n = sum(len(v) for v in ds.values())
    assert 36000 < n < 38158  # duplicates dropped
    texts = list(ds["train"]["text"]) + list(ds["test"]["text"])
    assert len(set(texts)) == len(texts), "no tweet may appear twice"
    with_dups = data.load_tweet_sentiment(drop_duplicates=False)
    assert sum(len(v) for v in with_dups.values()) == 38158


def test_splits_are_shuffled_so_slices_mix_classes(bbc):
    """Rows are read topic by topic; a split must not keep that order, or test[:50] would be one topic."""
    for split in bbc.values():
        head = split["label"][:50]
        assert len(set(head)) >= 4, f"the first 50 rows have labels {sorted(set(head))}"
