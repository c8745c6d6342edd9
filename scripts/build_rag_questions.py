"""Check (and help write) the RAG question set of notebook 20: ``data/rag_questions.jsonl``.

No question-answering data set with known answer passages is available offline, so the course built one from
text it already ships: the BBC News articles of ``helpers.data.load_bbc_news("offline")``. The method:

- **Corpus.** All 2,127 offline BBC articles (the 2,225 files less exact duplicates), every split.
- **Passages** (``helpers.rag.bbc_passages``). An article is its headline (the first line) and a body of paragraphs separated by blank
  lines. One passage is one paragraph of the body, with its whitespace collapsed; the headline is the
  passage's *source* (what an answer cites), not a passage itself. Notebook 20 chunks the corpus this way.
- **Questions.** Written by hand (by the AI assistant that wrote notebook 20, reading the articles) from one
  paragraph each of articles drawn at random per topic (``python scripts/build_rag_questions.py candidates``
  lists, for drawn articles, the paragraphs and the spans in them that occur in no other paragraph). Each
  answer is a short span copied verbatim from its paragraph (a name, a number, an amount of money) that a
  small model cannot know without reading it, and each question names enough of the paragraph's content
  (who, what, when) to point at it, without containing the answer. At most one question per article.
- **Checks.** ``python scripts/build_rag_questions.py check`` (and ``tests/test_rag_questions.py``) verify
  that every answer occurs in exactly one passage of the whole corpus, that this passage belongs to the
  article whose headline the question records, that the question does not contain the answer, that the
  article's headline is unique, that ids are unique and that every topic has questions.

Matching rule (``helpers.rag.contains``, used by the checks and by notebook 20's scores): both texts are lower-cased, curly quotes
straightened, dashes made plain hyphens and whitespace collapsed; the answer must then occur as whole words
(no letter or digit right before or after it), so ``76%`` does not match inside ``176%``.

Each line of the file is one JSON object: ``id``, ``topic``, ``headline`` (the source article), ``question``,
``answer`` (the span), and ``aliases`` (other spellings a correct reply may use, such as ``5.65 billion``
for ``5.65bn``; they are accepted when scoring a reply but need not be unique).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python scripts/build_rag_questions.py` from anywhere
    sys.path.insert(0, str(ROOT))

# The corpus, the passage definition and the matching rule live in helpers.rag (notebook 20 uses the same ones).
from helpers.rag import QUESTION_FIELDS as FIELDS  # noqa: E402
from helpers.rag import Article, contains, normalise, span_pattern, split_article  # noqa: E402, F401
from helpers.rag import load_articles as load_corpus  # noqa: E402
from helpers.rag import load_rag_questions as load_questions  # noqa: E402

QUESTIONS = ROOT / "data" / "rag_questions.jsonl"


def problems(questions: list[dict], corpus: list[Article]) -> list[str]:
    """Every way the question set breaks its rules (an empty list when it keeps them all).

    Example:
        >>> corpus = [Article("tech", "A", ("It cost $5m.", "Made by Ann Lee.")), Article("tech", "B", ("$5m again",))]
        >>> q = {"id": "q1", "topic": "tech", "headline": "A", "question": "Who made it?", "answer": "Ann Lee",
        ...      "aliases": []}
        >>> problems([q], corpus)
        []
        >>> problems([{**q, "answer": "$5m"}], corpus)
        ["q1: the answer '$5m' occurs in 2 passages of the corpus (must be exactly one)"]
    """
    found = []
    headlines = Counter(article.headline for article in corpus)
    # normalised once: the matching rule (helpers.rag.contains) compares normalised texts
    passages = [(article, normalise(passage)) for article in corpus for passage in article.passages]
    ids = Counter(q.get("id") for q in questions)
    for q in questions:
        qid = q.get("id", "?")
        if set(q) != set(FIELDS):
            found.append(f"{qid}: fields {sorted(q)}; expected {sorted(FIELDS)}")
            continue
        if ids[qid] > 1:
            found.append(f"{qid}: the id is used {ids[qid]} times")
        if headlines[q["headline"]] != 1:
            found.append(f"{qid}: {headlines[q['headline']]} articles have the headline {q['headline']!r}")
        if contains(q["question"], q["answer"]):
            found.append(f"{qid}: the question contains its answer {q['answer']!r}")
        span, pattern = normalise(q["answer"]), span_pattern(q["answer"])
        # `span in p` first: a fast pre-filter before the whole-word regular expression
        hits = [(article, p) for article, p in passages if span in p and pattern.search(p)]
        if len(hits) != 1:
            found.append(
                f"{qid}: the answer {q['answer']!r} occurs in {len(hits)} passages of the corpus "
                "(must be exactly one)"
            )
            continue
        article = hits[0][0]
        if article.headline != q["headline"] or article.topic != q["topic"]:
            found.append(
                f"{qid}: the answer is in {article.topic!r} article {article.headline!r}, "
                f"not in {q['topic']!r} article {q['headline']!r}"
            )
    per_article = Counter(q.get("headline") for q in questions)
    found += [f"{n} questions on the article {h!r} (at most one)" for h, n in per_article.items() if n > 1]
    topics = {article.topic for article in corpus}
    found += [f"no question on the topic {t!r}" for t in sorted(topics - {q.get("topic") for q in questions})]
    return found


_CANDIDATE = re.compile(
    r"[£$€]\s?\d[\d,.]*(?:bn|m)?|\d[\d,.]*\s?(?:%|bn|m\b)|\b\d{1,3}(?:,\d{3})+\b"  # money, percentages, counts
    r"|\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+"  # names of two or more capitalised words
)


def candidates(corpus: list[Article], seed: int, per_topic: int, max_words: int = 200) -> str:
    """For ``per_topic`` articles drawn per topic: each paragraph and the spans in it that no other has."""
    all_passages = [p for article in corpus for p in article.passages]
    headlines = Counter(article.headline for article in corpus)
    rng = random.Random(seed)
    lines = []
    for topic in sorted({article.topic for article in corpus}):
        pool = [a for a in corpus if a.topic == topic and headlines[a.headline] == 1]
        for article in rng.sample(pool, per_topic):
            lines.append(f"=== {topic} | {article.headline}")
            for number, passage in enumerate(article.passages):
                if len(passage.split()) > max_words:
                    continue
                spans = sorted({m.group(0) for m in _CANDIDATE.finditer(passage)})
                unique = [s for s in spans if sum(contains(p, s) for p in all_passages) == 1]
                if unique:
                    lines += [f"  ({number}) {passage}", f"      unique spans: {unique}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check data/rag_questions.jsonl against the corpus")
    check.add_argument("--path", type=Path, default=QUESTIONS)
    show = commands.add_parser("candidates", help="print paragraphs and unique spans of drawn articles")
    show.add_argument("--seed", type=int, default=0)
    show.add_argument("--per-topic", type=int, default=12)
    args = parser.parse_args(argv)
    corpus = load_corpus()
    if args.command == "candidates":
        print(candidates(corpus, args.seed, args.per_topic))
        return 0
    questions = load_questions(args.path)
    found = problems(questions, corpus)
    per_topic = Counter(q.get("topic") for q in questions)
    print(
        f"{len(questions)} questions ({dict(sorted(per_topic.items()))}) over {len(corpus)} articles, "
        f"{sum(len(a.passages) for a in corpus)} passages"
    )
    for problem in found:
        print("  problem:", problem)
    print("all checks pass" if not found else f"{len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
