"""Extractive question-answering pairs made from the BBC articles, for the zoo's QA stand-in.

No QA data set ships offline (the PyPI packages named after SQuAD and friends download at run time), so the
course makes its own training questions from text it has, by *cloze translation* (Lewis et al., 2019,
"Unsupervised Question Answering by Cloze Translation"): take a sentence of a paragraph, pick a span that
looks like an answer, and replace it by a question word. The paragraph is the context; the span, where it
stands in the paragraph, is the answer::

    "AOL lost 464,000 subscribers in the fourth quarter."
    -> question "AOL lost how many subscribers in the fourth quarter?"  answer "464,000"

Answer spans, by regular expression, and their question words:

=========  ===================================================  ==================
kind       what                                                 question word
=========  ===================================================  ==================
money      £, $ or € amounts, with m / bn / million...          how much
percent    12%, 3.5 per cent                                    what percentage
year       1950-2029, as a word of its own                      which year
count      other numbers, with million / billion                how many
name       two or more capitalised words (or a title + name)    who (before "said",
                                                                after a title) or what
=========  ===================================================  ==================

Two kinds of noise make the questions less like copies of their sentence, as real questions are: each word
outside the answer is dropped with probability 0.1, and half of the questions lose the end of the sentence
(keeping 3-10 words after the question word). The questions are ungrammatical ("Who said the film ...?" is
fine, "AOL lost how many subscribers?" is not English word order); a model trained on them learns to find
the span that fills the gap, which is most of what extractive QA is.

``cloze_pairs`` is deterministic for a given seed. ``helpers.zoo.standins.build_qa`` trains on it and tests
on questions people wrote (``data/qa_contexts.json`` and ``data/rag_questions.jsonl``, whose articles are
kept out of training).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
KINDS: list[tuple[str, re.Pattern[str], str]] = [
    ("money", re.compile(rf"(?:£|\$|€){NUMBER}(?:\s?(?:bn|m|billion|million|trillion)\b)?"), "how much"),
    ("percent", re.compile(rf"\b{NUMBER}(?:%|\s?per\s?cent\b)"), "what percentage"),
    ("year", re.compile(r"\b(?:19[5-9]\d|20[0-2]\d)\b(?![\w%])"), "which year"),
    ("count", re.compile(rf"\b{NUMBER}(?:\s(?:million|billion|bn)\b)?(?![\w%])"), "how many"),
    (
        "name",
        re.compile(r"\b(?:[A-Z][a-z]+|[A-Z]{2,})(?:\s(?:of\s|de\s|van\s)?(?:[A-Z][a-z]+|[A-Z]{2,}))*"),
        "what",
    ),
]
SAYS = re.compile(r"^\s*,?\s*(?:said|says|told|added|warned|argued|claimed|admitted|insisted)\b")
TITLE = re.compile(r"^(?:Mr|Ms|Mrs|Dr|Sir|Lord|President|Prime Minister|Chancellor)\b")
DROP_WORD = 0.1  # chance of dropping each word outside the answer
CUT_TAIL = 0.5  # chance of keeping only 3-10 words after the question word


@dataclass(frozen=True)
class ClozePair:
    """One training example: a question about ``context`` whose answer is ``context[start:start + len(answer)]``."""

    question: str
    context: str
    answer: str
    start: int
    kind: str


def sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph with 6 to 45 words (shorter ones rarely hold an answer worth asking for).

    Example:
        >>> sentences('He said "It works." Then it rained all day long in the town. Short one.')
        ['Then it rained all day long in the town.']
    """
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])|(?<=[.!?][\"'])\s+", paragraph)
    return [s for s in parts if 6 <= len(s.split()) <= 45]


def common_words(paragraphs: Iterable[str], min_count: int = 5) -> frozenset[str]:
    """Words seen at least ``min_count`` times in lower case: a capitalised one of them that starts a
    sentence ("The", "But") is not part of a name."""
    counts = Counter(w for p in paragraphs for w in re.findall(r"\b[a-z]+\b", p))
    return frozenset(w for w, c in counts.items() if c >= min_count)


def _question(sentence: str, start: int, end: int, wh: str, rng: random.Random) -> str:
    before, after = sentence[:start].split(), sentence[end:].split()
    if after and re.fullmatch(r"[.!?\"',;:]+", after[-1]):
        after = after[:-1]
    if after:
        after[-1] = after[-1].rstrip(".!?\"'")
    if rng.random() < CUT_TAIL:
        after = after[: rng.randint(3, 10)]
    words = (
        [w for w in before if rng.random() > DROP_WORD]
        + [wh]
        + [w for w in after if rng.random() > DROP_WORD]
    )
    text = " ".join(words).strip(" ,;:\"'")
    return text[0].upper() + text[1:] + "?"


def _candidates(sentence: str, common: frozenset[str]) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, question word) of each answer span in the sentence, earlier kinds winning overlaps."""
    found: list[tuple[str, int, int, str]] = []
    for kind, pattern, wh in KINDS:
        for match in pattern.finditer(sentence):
            start, end = match.start(), match.end()
            if kind == "name":
                words = match.group().split()
                if start == 0 and words[0].lower() in common:  # "The", "But": not part of a name
                    words = words[1:]
                    start = sentence.find(words[0], 1) if words else end
                if len(words) < 2 and not (words and TITLE.match(words[0])):
                    continue  # a single capitalised word is too often not an answer
                wh = "who" if SAYS.match(sentence[end:]) or TITLE.match(sentence[start:]) else "what"
            if any(start < e and s < end for _, s, e, _ in found):
                continue
            found.append((kind, start, end, wh))
    return found


def cloze_pairs(
    paragraphs: Iterable[str], seed: int = 0, per_paragraph: int = 2, common: frozenset[str] | None = None
) -> list[ClozePair]:
    """Up to ``per_paragraph`` questions from each paragraph (a seeded random choice among its answer spans).

    Example:
        >>> text = "The deal was signed in 2004 by the board. Shares rose 12% to £3.40 on the news in London."
        >>> pairs = cloze_pairs([text], per_paragraph=9, common=frozenset({"the"}))
        >>> sorted(p.kind for p in pairs)
        ['money', 'percent', 'year']
        >>> all(text[p.start : p.start + len(p.answer)] == p.answer for p in pairs)
        True
    """
    paragraphs = list(paragraphs)
    common = common_words(paragraphs) if common is None else common
    rng = random.Random(seed)
    pairs = []
    for paragraph in paragraphs:
        found = []
        for sentence in sentences(paragraph):
            offset = paragraph.find(sentence)
            for kind, start, end, wh in _candidates(sentence, common):
                question = _question(sentence, start, end, wh, rng)
                found.append(ClozePair(question, paragraph, sentence[start:end], offset + start, kind))
        rng.shuffle(found)
        pairs.extend(found[:per_paragraph])
    return pairs


__all__ = ["ClozePair", "cloze_pairs", "common_words", "sentences"]
