"""The chat app of notebook 20: a Gradio Blocks page around any retrieval-augmented answer function.

Notebook 20 builds a RAG pipeline (retrieve passages, put them in a prompt with numbers, let SmolLM2 answer and
cite one); this page puts a chat box in front of it. ``tests/test_rag_app.py`` drives the same page in headless
Chromium, so it lives here, once::

    from helpers.rag_app import build_chat
    chat = build_chat(answer)  # answer(question) -> {"answer": str, "sources": [headline, ...], "cited": 1 or None}
    chat.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    ...
    chat.close()

``answer(question)`` returns a dict: ``answer`` (the reply's text), ``sources`` (the headlines of the retrieved
passages, numbered from 1 in the order the prompt gave them) and ``cited`` (the number of the source the reply
rests on, or None when it cites none). The page shows the reply with its cited source under it, and lists every
retrieved source beside the chat. Each question is answered on its own: the history is shown, not sent back to
the model (a follow-up such as "and how much did it cost?" would need the question rewritten first).

Element ids, for a browser test or your own CSS: ``question`` (the text box), ``ask`` (the button), ``chat`` (the
conversation), ``sources`` (the retrieved sources). The event's API name is ``/ask``: ``gradio_client.Client(url).
predict(question, [], api_name="/ask")`` returns the cleared text box, the conversation (its messages' text:
``message_text``) and the sources' Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

NO_SOURCE = "no source cited"


def format_reply(reply: dict[str, Any]) -> str:
    """The chat message for one reply: its text, then the source it cites (by number and headline).

    Example:
        >>> format_reply({"answer": "464,000.", "sources": ["Ad sales boost Time Warner profit"], "cited": 1})
        '464,000.\\n\\nSource [1]: Ad sales boost Time Warner profit'
        >>> format_reply({"answer": "I do not know.", "sources": ["A"], "cited": None})
        'I do not know.\\n\\n(no source cited)'
    """
    text = str(reply.get("answer", "")).strip() or "(no answer)"
    sources, cited = list(reply.get("sources", [])), reply.get("cited")
    if cited is None:
        return f"{text}\n\n({NO_SOURCE})"
    if not 1 <= int(cited) <= len(sources):
        raise ValueError(f"cited={cited!r} but there are {len(sources)} sources (numbered from 1)")
    return f"{text}\n\nSource [{int(cited)}]: {sources[int(cited) - 1]}"


def format_sources(reply: dict[str, Any]) -> str:
    """The sources panel: every retrieved headline, numbered as in the prompt, the cited one in bold.

    Example:
        >>> print(format_sources({"answer": "x", "sources": ["A", "B"], "cited": 2}))
        **Retrieved sources**
        1. A
        2. **B** (cited)
    """
    lines = ["**Retrieved sources**"]
    for number, headline in enumerate(reply.get("sources", []), start=1):
        cited = reply.get("cited") is not None and int(reply["cited"]) == number
        lines.append(f"{number}. **{headline}** (cited)" if cited else f"{number}. {headline}")
    if len(lines) == 1:
        lines.append("(none retrieved)")
    return "\n".join(lines)


def message_text(message: dict[str, Any]) -> str:
    """The text of one chat message as ``gradio_client`` returns it.

    Gradio 6 sends a message's ``content`` as a list of parts (``[{"type": "text", "text": ...}]``; files and
    images are other parts); older versions sent a plain string. This joins the text parts of either form.

    Example:
        >>> message_text({"role": "assistant", "content": [{"type": "text", "text": "464,000."}]})
        '464,000.'
        >>> message_text({"role": "user", "content": "How many?"})
        'How many?'
    """
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def build_chat(
    answer: Callable[[str], dict[str, Any]],
    *,
    title: str = "Ask the BBC News archive",
    description: str = "Questions about 2004-2005 BBC News articles. Each answer comes from a small language model "
    "that reads the passages a search finds, and names the article it used. A 135M-parameter model often gets it "
    "wrong: check the cited source.",
    examples: Sequence[str] = (),
) -> Any:
    """A ``gr.Blocks`` chat page: a question in, the reply with its cited source and the retrieved sources out.

    Empty questions are answered with a ``gr.Error`` (a message in the page; ``gradio_client`` raises
    ``AppError``), not a call to ``answer``.

    Example (skipped by the doctests: importing gradio takes seconds; tests/test_rag_app.py runs the page in a
    browser instead):
        >>> chat = build_chat(lambda q: {"answer": "42", "sources": ["A"], "cited": 1})  # doctest: +SKIP
        >>> type(chat).__name__  # doctest: +SKIP
        'Blocks'
    """
    import gradio as gr

    def on_ask(question: str, history: list[dict[str, Any]] | None) -> tuple[str, list[dict[str, Any]], str]:
        question = (question or "").strip()
        if not question:
            raise gr.Error("Type a question first.", print_exception=False)
        reply = answer(question)
        history = [*(history or []), {"role": "user", "content": question},
                   {"role": "assistant", "content": format_reply(reply)}]  # fmt: skip
        return "", history, format_sources(reply)

    with gr.Blocks(title=title) as chat:
        gr.Markdown(f"## {title}\n{description}")
        with gr.Row():
            with gr.Column(scale=3):
                conversation = gr.Chatbot(label="Conversation", elem_id="chat", height=360)
                question = gr.Textbox(label="Your question", lines=1, elem_id="question")
                with gr.Row():
                    ask = gr.Button("Ask", variant="primary", elem_id="ask")
                    gr.ClearButton([question, conversation], value="Clear")
            with gr.Column(scale=2):
                sources = gr.Markdown(elem_id="sources")
        if examples:
            gr.Examples(list(examples), inputs=[question], label="Examples: click one, then Ask")
        events = {
            "fn": on_ask,
            "inputs": [question, conversation],
            "outputs": [question, conversation, sources],
        }
        ask.click(**events, api_name="ask")
        question.submit(**events, api_name=False)  # Enter in the text box does the same (no second API entry)
    return chat


__all__ = ["NO_SOURCE", "build_chat", "format_reply", "format_sources", "message_text"]
