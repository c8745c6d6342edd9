"""The web demo of notebook 18: a Gradio Blocks app around any text classifier.

Notebook 18 builds a ``gr.Interface`` in a few lines, then this app, whose layout and events are its own: a text
box, a button, the topic probabilities and the time the model took, and example articles to click. The same app
is what ``tests/test_serving.py`` drives in headless Chromium, so it lives here, once::

    from helpers.gradio_app import build_demo
    demo = build_demo(classify)  # classify(text) -> {label: probability}
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    ...
    demo.close()

Element ids, for a browser test or your own CSS: ``article`` (the text box), ``classify`` (the button), ``topic``
(the label), ``timing`` (the time taken). The event's API name is ``/classify``: ``gradio_client.Client(url).
predict(text, api_name="/classify")`` returns the label's value and the timing text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

EXAMPLES = (
    "Shares in the carmaker fell sharply after it warned that profits would be lower than expected this year.",
    "The striker scored twice in the second half as the champions came from behind to win the cup final.",
    "The new handset has a faster chip, a brighter screen and a battery that lasts two days, the firm said.",
)


def build_demo(
    classify: Callable[[str], dict[str, float]],
    *,
    title: str = "BBC News topic classifier",
    description: str = "Paste an English news article: the model reads its first sentences and says which of five "
    "topics it is about.",
    examples: Sequence[str] = EXAMPLES,
) -> Any:
    """A ``gr.Blocks`` app: an article in, the topic probabilities and the model's time out.

    ``classify(text)`` returns ``{label: probability}`` for one text (what ``gr.Label`` shows). Empty text is
    answered with a ``gr.Error`` (a message in the page; ``gradio_client`` raises ``AppError``), not a call to
    the model.

    Example (skipped by the doctests: importing gradio takes seconds, and it sets HF_HUB_DISABLE_TELEMETRY in
    os.environ; tests/test_serving.py runs the app in a browser instead):
        >>> demo = build_demo(lambda text: {"sport": 0.9, "tech": 0.1})  # doctest: +SKIP
        >>> type(demo).__name__  # doctest: +SKIP
        'Blocks'
    """
    import gradio as gr

    def on_classify(text: str) -> tuple[dict[str, float], str]:
        text = (text or "").strip()
        if not text:
            raise gr.Error("Paste a news article first.", print_exception=False)
        start = time.perf_counter()
        probabilities = classify(text)
        return probabilities, f"answered in {1000 * (time.perf_counter() - start):.0f} ms"

    with gr.Blocks(title=title) as demo:
        gr.Markdown(f"## {title}\n{description}")
        with gr.Row():
            with gr.Column(scale=3):
                article = gr.Textbox(lines=8, label="News article", elem_id="article")
                with gr.Row():
                    button = gr.Button("Classify", variant="primary", elem_id="classify")
                    gr.ClearButton([article], value="Clear")
            with gr.Column(scale=2):
                topic = gr.Label(num_top_classes=5, label="Topic", elem_id="topic")
                timing = gr.Markdown(elem_id="timing")
        gr.Examples(list(examples), inputs=[article], label="Examples: click one, then Classify")
        button.click(on_classify, inputs=article, outputs=[topic, timing], api_name="classify")
    return demo


__all__ = ["EXAMPLES", "build_demo"]
