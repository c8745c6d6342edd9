"""The RAG question set of notebook 20 (data/rag_questions.jsonl) and the rules that scripts/build_rag_questions.py
checks it against: every answer a verbatim span found in exactly one passage (one paragraph of one BBC article),
that passage in the article whose headline the question records, no question containing its own answer, unique
ids and headlines, at most one question per article, every topic covered.

The shipped file is checked against the real corpus (all offline BBC articles), and every rule is shown to reject
a question that breaks it (on small corpora written here, and on real questions edited to break a rule).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from helpers.rag import (
    Article,
    answer_matches,
    bbc_passages,
    contains,
    load_rag_questions,
    normalise,
    span_pattern,
    split_article,
)

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location(
        "build_rag_questions", ROOT / "scripts" / "build_rag_questions.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _script()


@pytest.fixture(scope="module")
def corpus():
    return build.load_corpus()


@pytest.fixture(scope="module")
def questions():
    return load_rag_questions()


# --------------------------------------------------------------------------------------- the shipped file


def test_the_shipped_question_set_passes_every_check(corpus, questions):
    assert len(corpus) == 2127, "the offline BBC corpus (2,225 files less exact duplicates)"
    assert len(questions) >= 50, "notebook 20's evaluation needs at least 50 questions"
    assert build.problems(questions, corpus) == []
    assert set(Counter(q["topic"] for q in questions)) == {a.topic for a in corpus}


def test_the_check_command_passes_and_reports(capsys):
    assert build.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "all checks pass" in out and f"{len(load_rag_questions())} questions" in out


def test_every_answer_points_at_one_gold_passage(corpus, questions):
    """What notebook 20 relies on: exactly one passage (of bbc_passages) holds each answer, in the named article."""
    passages = [(p, normalise(p.text)) for p in bbc_passages(corpus)]
    for q in questions:
        span, pattern = normalise(q["answer"]), span_pattern(q["answer"])
        gold = [p for p, text in passages if span in text and pattern.search(text)]
        assert len(gold) == 1, q["id"]
        assert gold[0].headline == q["headline"] and gold[0].topic == q["topic"], q["id"]
        assert answer_matches(gold[0].text, q)


def test_the_file_is_one_json_object_per_line_with_the_documented_fields():
    lines = (ROOT / "data" / "rag_questions.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "no blank lines"
    for line in lines:
        q = json.loads(line)
        assert tuple(q) == build.FIELDS, f"fields in the documented order: {line[:80]}"
        assert isinstance(q["aliases"], list) and all(isinstance(a, str) and a for a in q["aliases"])
        assert q["question"].endswith("?") and q["answer"] == q["answer"].strip() and q["answer"]


# --------------------------------------------------------------------------------------- the checks can fail

SMALL = [
    Article("tech", "A new chip", ("The chip cost $5m to design.", "It was made by Ann Lee in Leeds.")),
    Article("tech", "Chip sales", ("Sales of $5m again this year.", "Up 176% on last year.")),
    Article("sport", "Cup final", ("The final ended 2-1.",)),
]


def _q(**changes):
    q = {
        "id": "q1",
        "topic": "tech",
        "headline": "A new chip",
        "question": "Who made the new chip?",
        "answer": "Ann Lee",
        "aliases": [],
    }
    return {**q, **changes}


def test_a_valid_question_on_a_small_corpus_passes():
    assert build.problems([_q(), _q(id="q2", topic="sport", headline="Cup final", answer="2-1")], SMALL) == []


@pytest.mark.parametrize(
    "question, message",
    [
        (_q(answer="$5m"), "occurs in 2 passages"),  # in two articles' paragraphs: ambiguous gold passage
        (_q(answer="Bob Smith"), "occurs in 0 passages"),  # not a verbatim span
        (_q(answer="76%", headline="Chip sales"), "occurs in 0 passages"),  # only in 176%: whole words
        (_q(headline="Chip sales"), "not in 'tech' article 'Chip sales'"),  # the wrong source article
        (_q(topic="sport"), "not in 'sport' article"),  # the wrong topic
        (_q(question="Did Ann Lee make the chip?"), "contains its answer"),
        (_q(headline="No such article"), "0 articles have the headline"),
    ],
)
def test_each_rule_rejects_a_question_that_breaks_it(question, message):
    found = build.problems([question, _q(id="q2", topic="sport", headline="Cup final", answer="2-1")], SMALL)
    assert any(message in problem for problem in found), found


def test_duplicate_ids_two_questions_on_one_article_missing_fields_and_topics_are_rejected():
    found = build.problems([_q(), _q(answer="Leeds", question="Where was it made?")], SMALL)
    assert any("the id is used 2 times" in p for p in found), found
    assert any("2 questions on the article 'A new chip'" in p for p in found), found
    assert any("no question on the topic 'sport'" in p for p in found), found
    bad = _q()
    del bad["aliases"]
    assert any("fields" in p for p in build.problems([bad], SMALL))


def test_real_questions_edited_to_break_a_rule_are_rejected(corpus, questions):
    q = questions[0]
    ambiguous = {**q, "answer": "the government"}  # words found in many passages of the corpus
    wrong_article = {**q, "headline": questions[1]["headline"], "topic": questions[1]["topic"]}
    found = build.problems([ambiguous, wrong_article, *questions[2:]], corpus)
    assert any(p.startswith(f"{q['id']}: the answer 'the government' occurs in") for p in found), found
    assert any("not in" in p and questions[1]["headline"] in p for p in found), found
    assert any("the id is used 2 times" in p for p in found), found


def test_the_check_command_fails_on_a_broken_file(tmp_path, questions, capsys):
    broken = tmp_path / "broken.jsonl"
    rows = [{**questions[0], "answer": "the"}, *questions[1:]]
    broken.write_text("".join(json.dumps(q) + "\n" for q in rows), encoding="utf-8")
    assert build.main(["check", "--path", str(broken)]) == 1
    assert "problem:" in capsys.readouterr().out


def test_passages_are_the_paragraphs_of_the_body_and_the_headline_is_the_source():
    headline, paragraphs = split_article("Chip sales\n\nSales  rose.\n \nThey  fell.\n")
    assert (headline, paragraphs) == ("Chip sales", ["Sales rose.", "They fell."])
    passages = bbc_passages(SMALL)
    assert [p.text for p in passages] == [t for a in SMALL for t in a.passages]
    assert {p.headline for p in passages} == {a.headline for a in SMALL}
    assert all(p.text != p.headline for p in passages)


def test_the_matching_rule():
    q = {"answer": "£4,895", "aliases": ["4,895"]}
    assert answer_matches("It rises to \u00a34,895 next month.", q)
    assert answer_matches("4,895 pounds", q)  # an alias
    assert not answer_matches("It rises to £14,895.", q)  # whole words: 14,895 is another number
    assert not answer_matches("It rises to £4,8950.", q)
    assert contains("He said \u201cno\u201d \u2013 twice", 'said "no" - twice')  # quotes, dashes normalised
    assert contains("ANN   LEE", "ann lee") and not contains("Annlee", "ann lee")
