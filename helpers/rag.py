"""The retrieval corpus and question set of notebook 20: BBC News paragraphs as passages, and the matching rule.

Notebook 20 (retrieval-augmented generation) and ``scripts/build_rag_questions.py`` (which checks the question
set) read the corpus and score answers the same way, from here::

    from helpers.rag import bbc_passages, load_rag_questions, answer_matches

    passages = bbc_passages()          # one Passage per paragraph of every offline BBC article
    questions = load_rag_questions()   # data/rag_questions.jsonl: 59 questions, each answered in one passage
    answer_matches("It lost 464,000 subscribers.", questions[0])   # True

- **Passage**: one paragraph of an article's body, whitespace collapsed. The article's first line (its
  headline) is the passage's *source*, what an answer cites; it is not a passage itself.
- **Matching rule**: both texts lower-cased, curly quotes straightened, dashes made plain hyphens, whitespace
  collapsed; the answer must then occur as whole words (no letter or digit right before or after it), so
  ``76%`` does not match inside ``176%``. A reply is right when it contains the answer or one of its aliases.

The chunking, embedding, retrieval and prompts are taught in the notebook itself, not hidden here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)
QUESTION_FIELDS = ("id", "topic", "headline", "question", "answer", "aliases")


@dataclass(frozen=True)
class Article:
    """One BBC article: its topic, headline and passages (the paragraphs of its body)."""

    topic: str
    headline: str
    passages: tuple[str, ...]


@dataclass(frozen=True)
class Passage:
    """One retrievable paragraph: its text, the headline and topic of its article, and where it came from."""

    text: str
    headline: str
    topic: str
    article: int  # index of the article in load_articles()
    number: int  # index of the paragraph in its article's body


def normalise(text: str) -> str:
    """Lower case, straight quotes, plain hyphens, single spaces: the form every comparison uses.

    Example:
        >>> normalise("  The \u201cBig\u201d  Deal\\n")
        'the "big" deal'
    """
    return " ".join(text.translate(_QUOTES).lower().split())


def contains(text: str, answer: str) -> bool:
    """True when ``answer`` occurs in ``text`` as whole words, after both are normalised.

    Example:
        >>> contains("Profits rose 76% to $1.13bn.", "$1.13BN"), contains("up 176%", "76%")
        (True, False)
    """
    return span_pattern(answer).search(normalise(text)) is not None


def span_pattern(answer: str) -> re.Pattern[str]:
    """The compiled form of the matching rule for one answer, to search many *normalised* texts quickly.

    Example:
        >>> pattern = span_pattern("$1.13BN")
        >>> bool(pattern.search(normalise("Profits rose to $1.13bn."))), bool(pattern.search("$11.13bn"))
        (True, False)
    """
    return re.compile(r"(?<![^\W_])" + re.escape(normalise(answer)) + r"(?![^\W_])")


def answer_matches(reply: str, question: dict) -> bool:
    """True when ``reply`` contains the question's answer or one of its aliases (the matching rule).

    Example:
        >>> q = {"answer": "5.65bn", "aliases": ["5.65 billion"]}
        >>> answer_matches("About $5.65 billion.", q), answer_matches("About 5.6bn.", q)
        (True, False)
    """
    return any(contains(reply, span) for span in [question["answer"], *question.get("aliases", [])])


def split_article(text: str) -> tuple[str, list[str]]:
    """(headline, passages) of one article: the first block is the headline, each later one a passage.

    Example:
        >>> split_article("Title\\n\\nFirst  paragraph.\\n\\nSecond one.")
        ('Title', ['First paragraph.', 'Second one.'])
    """
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return blocks[0], blocks[1:]


def load_articles() -> list[Article]:
    """Every offline BBC article (all splits, in split order), split into headline and passages.

    Example (skipped by the doctests: it reads 2,127 files):
        >>> articles = load_articles()  # doctest: +SKIP
        >>> len(articles), articles[0].topic  # doctest: +SKIP
        (2127, 'business')
    """
    from helpers.data import load_bbc_news

    bbc = load_bbc_news("offline")
    names = bbc["train"].features["label"].names
    articles = []
    for split in ("train", "validation", "test"):
        for text, label in zip(bbc[split]["text"], bbc[split]["label"], strict=True):
            headline, passages = split_article(text)
            articles.append(Article(names[label], headline, tuple(passages)))
    return articles


def bbc_passages(articles: list[Article] | None = None) -> list[Passage]:
    """One :class:`Passage` per paragraph of every article (``load_articles()`` when none are given).

    Example:
        >>> found = bbc_passages([Article("tech", "A new chip", ("It is fast.", "It is cheap."))])
        >>> [(p.text, p.headline, p.number) for p in found]
        [('It is fast.', 'A new chip', 0), ('It is cheap.', 'A new chip', 1)]
    """
    articles = load_articles() if articles is None else articles
    return [
        Passage(text, article.headline, article.topic, index, number)
        for index, article in enumerate(articles)
        for number, text in enumerate(article.passages)
    ]


def questions_path() -> Path:
    """The question set shipped with the course: ``data/rag_questions.jsonl``.

    Example:
        >>> questions_path().name
        'rag_questions.jsonl'
    """
    from helpers.paths import data_path

    return data_path("rag_questions.jsonl")


def load_rag_questions(path: Path | None = None) -> list[dict]:
    """The RAG question set, one dict per line (fields id, topic, headline, question, answer, aliases).

    How the set was written and checked: ``scripts/build_rag_questions.py``.

    Example:
        >>> questions = load_rag_questions()
        >>> len(questions) >= 50, sorted(questions[0])
        (True, ['aliases', 'answer', 'headline', 'id', 'question', 'topic'])
    """
    with open(path or questions_path(), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


__all__ = [
    "QUESTION_FIELDS",
    "Article",
    "Passage",
    "answer_matches",
    "bbc_passages",
    "contains",
    "load_articles",
    "load_rag_questions",
    "normalise",
    "questions_path",
    "span_pattern",
    "split_article",
]
