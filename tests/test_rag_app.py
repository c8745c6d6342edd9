"""Notebook 20's chat app (helpers/rag_app.py) on a real server on 127.0.0.1, driven in headless Chromium and
through gradio_client, then stopped with no port left open.

The answer function is small but real: a bag-of-words retrieval (cosine of TF-IDF vectors, numpy) over a handful
of news passages written here, and an extractive "model" that replies with the sentence of the best passage sharing
the most words with the question, citing that passage. So every reply and cited source can be predicted, and a
broken retrieval, citation or page shows up as a wrong answer. Notebook 20 runs the same page on MiniLM + SmolLM2.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest
from server_support import launched

from helpers.rag_app import NO_SOURCE, build_chat, format_reply, format_sources, message_text

PASSAGES = [
    (
        "Ad sales boost Time Warner profit",
        "Time Warner said AOL lost 464,000 subscribers in the fourth quarter.",
    ),
    ("Chip maker shares rise", "The firm sold 12 million processors in the quarter, up from nine million."),
    ("Striker signs new deal", "The striker has agreed a contract until 2008 with the Scottish champions."),
    ("Election date talk grows", "The minister refused to say whether the election would be held on 5 May."),
    ("Film festival opens in Berlin", "The festival opened with a drama directed by Peter Chelsom."),
    (
        "Broadband take-up doubles",
        "Some 6.4 million homes now have a broadband connection, the regulator said.",
    ),
]
STOP = set("the a in of to did how many what who which was is by with on".split())


def words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP]


class TinyRag:
    """TF-IDF retrieval over PASSAGES and an extractive reply from the best passage, citing it."""

    def __init__(self, passages, k: int = 3):
        self.passages, self.k = passages, k
        docs = [Counter(words(text)) for _, text in passages]
        n = len(docs)
        self.idf = {w: math.log((1 + n) / (1 + sum(w in d for d in docs))) + 1 for d in docs for w in d}
        self.vectors = [self.vector(d) for d in docs]

    def vector(self, counts: Counter) -> dict[str, float]:
        v = {w: c * self.idf.get(w, 0.0) for w, c in counts.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    def retrieve(self, question: str) -> list[int]:
        q = self.vector(Counter(words(question)))
        scores = [sum(q.get(w, 0.0) * x for w, x in v.items()) for v in self.vectors]
        return sorted(range(len(scores)), key=lambda i: -scores[i])[: self.k]

    def __call__(self, question: str) -> dict:
        top = self.retrieve(question)
        headline, text = self.passages[top[0]]
        shared = set(words(question)) & set(words(text))
        return {
            "answer": text if shared else "I could not find that in the archive.",
            "sources": [self.passages[i][0] for i in top],
            "cited": 1 if shared else None,
        }


rag = TinyRag(PASSAGES)


def test_the_tiny_rag_answers_from_the_right_passage():
    reply = rag("How many subscribers did AOL lose?")
    assert "464,000" in reply["answer"] and reply["sources"][0] == "Ad sales boost Time Warner profit"
    assert rag("Who directed the drama that opened the Berlin festival?")["sources"][0] == PASSAGES[4][0]
    assert rag("zebra quantum")["cited"] is None


def test_format_reply_and_sources():
    reply = {"answer": " 464,000 ", "sources": ["A", "B"], "cited": 2}
    assert format_reply(reply) == "464,000\n\nSource [2]: B"
    assert format_reply({**reply, "cited": None}).endswith(f"({NO_SOURCE})")
    assert format_sources(reply) == "**Retrieved sources**\n1. A\n2. **B** (cited)"
    assert "(none retrieved)" in format_sources({"answer": "x", "sources": [], "cited": None})
    with pytest.raises(ValueError, match="numbered from 1"):
        format_reply({**reply, "cited": 3})


@pytest.fixture(scope="module")
def chat_app():
    """helpers.rag_app's page around the tiny RAG, launched on 127.0.0.1; closed afterwards."""
    with launched(
        build_chat(rag, examples=["How many subscribers did AOL lose?"]), "the chat app"
    ) as running:
        yield running


def _last_reply(page) -> str:
    return page.evaluate(
        "() => { const m = document.querySelectorAll('#chat [data-testid=\"bot\"]');"
        " return m.length ? m[m.length - 1].innerText : ''; }"
    )


@pytest.mark.browser
def test_chat_app_in_chromium(chat_app, browser, tmp_path):
    _, url, _ = chat_app
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    failed = []
    page.on("requestfailed", lambda request: failed.append((request.url, request.failure)))
    try:
        page.goto(url, wait_until="networkidle", timeout=60_000)
        turns = [
            ("How many subscribers did AOL lose in the fourth quarter?", "464,000", PASSAGES[0][0]),
            ("Who directed the drama at the Berlin festival?", "Peter Chelsom", PASSAGES[4][0]),
        ]
        for number, (question, span, headline) in enumerate(turns, start=1):
            page.locator("#question textarea").fill(question)
            if number == 1:
                page.locator("#ask").click()
            else:
                page.locator("#question textarea").press("Enter")  # Enter submits too
            page.wait_for_function(
                "n => document.querySelectorAll('#chat [data-testid=\"bot\"]').length >= n",
                arg=number,
                timeout=30_000,
            )
            reply = _last_reply(page)
            assert span in reply, reply
            assert f"Source [1]: {headline}" in reply, reply
            items = page.locator("#sources li").all_inner_texts()  # the numbered list (numbers drawn by CSS)
            assert len(items) == rag.k and items[0] == f"{headline} (cited)", items
            assert page.locator("#sources li strong").all_inner_texts() == [headline], (
                "the cited source in bold"
            )
        assert page.locator("#question textarea").input_value() == "", "the box is cleared after a question"
        # Gradio's page closes the event stream of each finished event itself (net::ERR_ABORTED): not a failure
        broken = [
            (u, why)
            for u, why in failed
            if u.startswith(url) and not ("/queue/data" in u and "ABORTED" in why)
        ]
        assert not broken, f"failed requests to the app: {broken}"
        shot = tmp_path / "rag-chat.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000, "the screenshot is (nearly) empty"
        page.locator("#question textarea").fill("   ")
        page.locator("#ask").click()
        page.get_by_text("Type a question first.").first.wait_for(timeout=30_000)
        assert page.locator("#chat [data-testid='bot']").count() == 2, "an empty question reaches no model"
    finally:
        page.close()


def test_gradio_client_calls_the_chat(chat_app):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    _, url, _ = chat_app
    client = Client(url, verbose=False)
    box, history, sources = client.predict("How many homes have broadband?", [], api_name="/ask")
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    text = message_text(history[-1])
    assert "6.4 million" in text and text.endswith("Source [1]: Broadband take-up doubles"), text
    assert "1. **Broadband take-up doubles** (cited)" in sources
    _, history, sources = client.predict("zebra quantum", history, api_name="/ask")
    assert (
        len(history) == 4
        and message_text(history[-1]).endswith(f"({NO_SOURCE})")
        and "(cited)" not in sources
    )
    assert message_text(history[2]) == "zebra quantum"
    with pytest.raises(AppError, match="Type a question first"):
        client.predict("  ", [], api_name="/ask")
