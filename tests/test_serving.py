"""Reliability of notebook 18's FastAPI service (helpers/serving_app.py) and Gradio app (helpers/gradio_app.py),
on real servers on 127.0.0.1: start-up, answers, bad inputs, a bounded load, dynamic batching, clean shutdown
with no port left open, and the Gradio app driven in headless Chromium.

The servers are real; the model is a tiny real ONNX classifier written here (a bag of topic keywords: about a
kilobyte, built in milliseconds), so that every answer can be predicted exactly and the tests need neither
notebook 11's classifier nor an export. Notebook 18 runs the same service on the fine-tuned MiniLM.
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from server_support import launched

from helpers.servers import LocalServer, free_port, port_open
from helpers.serving_app import MAX_BODY_BYTES, MAX_CHARS, MAX_TEXTS, OnnxClassifier

ROOT = Path(__file__).resolve().parents[1]
TOPICS = ["business", "entertainment", "politics", "sport", "tech"]
KEYWORDS = {
    "business": ["shares", "profits", "bank", "market"],
    "entertainment": ["film", "actor", "music", "award"],
    "politics": ["minister", "election", "party", "vote"],
    "sport": ["striker", "goal", "match", "cup"],
    "tech": ["chip", "software", "phone", "internet"],
}
BIAS = [0.5, 0.0, 0.0, 0.0, 0.0]  # a text with no keyword is "business"
TEXTS = [
    "The striker scored a late goal to win the cup match.",
    "Shares rose as bank profits beat the market forecast.",
    "The minister called an election after the party vote.",
    "A new phone chip runs the software faster.",
    "The actor won an award for the film music.",
    "Nothing in this sentence is a keyword.",
]
LOAD_REQUESTS, CONCURRENCY = 160, 8


# ------------------------------------------------------------------------------------------ the tiny model


def write_tiny_model(folder: Path) -> Path:
    """A real ONNX text classifier with the service's interface: logits = bias + 2 x (keyword hits per topic).

    input_ids and attention_mask (batch x sequence, int64) in, logits (batch x 5) out; a WordLevel tokenizer
    with BERT's special tokens; config.json with id2label. Saved as model.int8.onnx, the service's default file.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}
    for words in KEYWORDS.values():
        for word in words:
            vocab[word] = len(vocab)
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {"id2label": {str(i): t for i, t in enumerate(TOPICS)}, "pad_token_id": 0}
    (folder / "config.json").write_text(json.dumps(config))

    weights = np.zeros((len(vocab), len(TOPICS)), dtype=np.float32)
    for k, topic in enumerate(TOPICS):
        for word in KEYWORDS[topic]:
            weights[vocab[word], k] = 2.0
    nodes = [
        helper.make_node("Gather", ["weights", "input_ids"], ["per_token"]),  # batch x seq x 5
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "last_axis"], ["mask3"]),
        helper.make_node("Mul", ["per_token", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "seq_axis"], ["hits"], keepdims=0),
        helper.make_node("Add", ["hits", "bias"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "keyword_topics",
        inputs=[
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(TOPICS)])],
        initializer=[
            numpy_helper.from_array(weights, "weights"),
            numpy_helper.from_array(np.array(BIAS, dtype=np.float32), "bias"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "last_axis"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "seq_axis"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, folder / "model.int8.onnx")
    return folder


def expected_topic(text: str) -> str:
    words = text.lower().replace(".", " ").split()
    scores = [BIAS[k] + 2.0 * sum(words.count(w) for w in KEYWORDS[t]) for k, t in enumerate(TOPICS)]
    return TOPICS[int(np.argmax(scores))]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("tiny-model"))


def start_service(model_dir: Path, log_path: Path, **settings: str) -> LocalServer:
    """uvicorn serving helpers.serving_app:app on a free port of 127.0.0.1, started and answering /health."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "helpers.serving_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {"MODEL_DIR": str(model_dir), "THREADS": "1", "OMP_NUM_THREADS": "1", **settings}
    server = LocalServer(
        command,
        url=f"http://127.0.0.1:{port}/health",
        cwd=ROOT,
        env=env,
        log_path=log_path,
        startup_timeout=120,
    )
    server.port = port
    server.base = f"http://127.0.0.1:{port}"
    return server.start()


@pytest.fixture(scope="module")
def service(model_dir, tmp_path_factory):
    """The service with dynamic batching (up to 16 texts, 5 ms wait), for the whole module."""
    log_path = tmp_path_factory.mktemp("service") / "uvicorn.log"
    server = start_service(model_dir, log_path, MAX_BATCH="16", BATCH_WAIT_MS="5")
    try:
        yield server
    finally:
        server.stop()
    assert not port_open(server.port), "the service's port is still open after stop()"


# ----------------------------------------------------------------------------------------- the service


def test_the_tiny_model_predicts_as_designed(model_dir):
    classifier = OnnxClassifier(model_dir)
    predictions = classifier.predict(TEXTS)
    assert [p["label"] for p in predictions] == [expected_topic(t) for t in TEXTS]
    assert len({p["label"] for p in predictions}) == len(TOPICS), "the texts cover every topic"
    for p in predictions:
        assert sum(p["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)


def test_health_says_the_model_is_loaded(service):
    response = httpx.get(f"{service.base}/health")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok" and health["labels"] == TOPICS
    assert health["max_batch"] == 16 and health["model"].endswith("model.int8.onnx")


def test_predict_and_batch_answer_in_order(service):
    for text in TEXTS:
        response = httpx.post(f"{service.base}/predict", json={"text": text})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["label"] == expected_topic(text)
        assert body["score"] == pytest.approx(max(body["probabilities"].values()))
    texts = TEXTS[::-1] + TEXTS
    response = httpx.post(f"{service.base}/predict/batch", json={"texts": texts})
    assert response.status_code == 200, response.text
    assert [p["label"] for p in response.json()["predictions"]] == [expected_topic(t) for t in texts]
    # surrounding whitespace is stripped before the model sees the text
    padded = httpx.post(f"{service.base}/predict", json={"text": "  \n" + TEXTS[0] + "\t "}).json()
    assert padded == httpx.post(f"{service.base}/predict", json={"text": TEXTS[0]}).json()


BAD_INPUTS = {
    # name: (method, path, keyword arguments for httpx, expected status, parts of the message)
    "empty text": ("POST", "/predict", {"json": {"text": ""}}, 422, ["body.text", "at least 1 character"]),
    "whitespace only": ("POST", "/predict", {"json": {"text": " \n\t "}}, 422, ["at least 1 character"]),
    "a number": ("POST", "/predict", {"json": {"text": 42}}, 422, ["body.text", "valid string"]),
    "null": ("POST", "/predict", {"json": {"text": None}}, 422, ["valid string"]),
    "a list as text": ("POST", "/predict", {"json": {"text": ["a"]}}, 422, ["valid string"]),
    "missing field": ("POST", "/predict", {"json": {}}, 422, ["body.text", "Field required"]),
    "misspelt field": ("POST", "/predict", {"json": {"txt": "hello"}}, 422, ["Extra inputs"]),
    "text too long": (
        "POST",
        "/predict",
        {"json": {"text": "a" * (MAX_CHARS + 1)}},
        422,
        [f"at most {MAX_CHARS}"],
    ),
    "no texts": ("POST", "/predict/batch", {"json": {"texts": []}}, 422, ["body.texts", "at least 1 item"]),
    "too many texts": (
        "POST",
        "/predict/batch",
        {"json": {"texts": ["a"] * (MAX_TEXTS + 1)}},
        422,
        [f"at most {MAX_TEXTS} items"],
    ),
    "texts as a string": ("POST", "/predict/batch", {"json": {"texts": "abc"}}, 422, ["valid list"]),
    "one empty text of several": (
        "POST",
        "/predict/batch",
        {"json": {"texts": ["fine", ""]}},
        422,
        ["body.texts.1", "at least 1 character"],
    ),
    "malformed JSON": (
        "POST",
        "/predict",
        {"content": b'{"text": ', "headers": {"content-type": "application/json"}},
        422,
        ["JSON"],
    ),
    "JSON that is not an object": ("POST", "/predict", {"json": "just a string"}, 422, ["valid dictionary"]),
    "form data instead of JSON": ("POST", "/predict", {"data": {"text": "hello"}}, 422, ["body"]),
    "body too large": (
        "POST",
        "/predict/batch",
        {"content": b"x" * (MAX_BODY_BYTES + 1), "headers": {"content-type": "application/json"}},
        413,
        ["larger than"],
    ),
    "GET instead of POST": ("GET", "/predict", {}, 405, ["Method Not Allowed"]),
    "unknown path": ("POST", "/classify", {"json": {"text": "hello"}}, 404, ["Not Found"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gets_a_clear_4xx(service, case):
    method, path, kwargs, status, parts = BAD_INPUTS[case]
    response = httpx.request(method, f"{service.base}{path}", timeout=30, **kwargs)
    assert response.status_code == status, f"{case}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/json")
    detail = json.dumps(response.json()["detail"])
    for part in parts:
        assert part in detail, f"{case}: expected {part!r} in the message {detail[:300]}"
    assert len(response.content) < 2_000, (
        f"{case}: the answer echoes the input back ({len(response.content)} bytes)"
    )


def test_bad_inputs_leave_the_server_healthy(service):
    for method, path, kwargs, _, _ in BAD_INPUTS.values():
        assert httpx.request(method, f"{service.base}{path}", timeout=30, **kwargs).status_code < 500
    assert service.running
    assert httpx.get(f"{service.base}/health").json()["status"] == "ok"
    assert httpx.post(f"{service.base}/predict", json={"text": TEXTS[0]}).json()["label"] == "sport"
    log = service.log_path.read_text()
    assert "Traceback" not in log and "Exception" not in log, log[-2000:]


async def run_load(base: str, texts: list[str], concurrency: int) -> tuple[list[float], list[str], float]:
    """POST each text to /predict, at most `concurrency` at a time: (latencies in s, labels or errors, seconds)."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def one(text: str) -> tuple[float, str]:
            async with gate:
                start = time.perf_counter()
                try:
                    response = await client.post("/predict", json={"text": text})
                    answer = (
                        response.json()["label"]
                        if response.status_code == 200
                        else f"HTTP {response.status_code}"
                    )
                except httpx.HTTPError as err:
                    answer = f"{type(err).__name__}"
                return time.perf_counter() - start, answer

        start = time.perf_counter()
        results = await asyncio.gather(*(one(t) for t in texts))
        seconds = time.perf_counter() - start
    return [r[0] for r in results], [r[1] for r in results], seconds


def test_bounded_load_has_no_errors_and_batches_requests(service):
    before = httpx.get(f"{service.base}/health").json()
    texts = [TEXTS[i % len(TEXTS)] + f" ({i})" for i in range(LOAD_REQUESTS)]
    latencies, answers, seconds = asyncio.run(run_load(service.base, texts, CONCURRENCY))
    errors = [a for a in answers if a not in TOPICS]
    assert not errors, f"{len(errors)} of {len(texts)} requests failed: {sorted(set(errors))}"
    assert answers == [expected_topic(t) for t in texts], "every request got the answer to its own text"
    after = httpx.get(f"{service.base}/health").json()
    batches, served = after["batches"] - before["batches"], after["texts"] - before["texts"]
    assert served == len(texts)
    assert batches < served, "with 8 requests in flight, dynamic batching should merge some of them"
    p50, p95 = np.percentile(latencies, [50, 95])
    print(
        f"\n{len(texts)} requests at concurrency {CONCURRENCY}: p50 {1000 * p50:.1f} ms, p95 {1000 * p95:.1f} ms, "
        f"{len(texts) / seconds:.0f} requests/s, {served / batches:.1f} texts per forward pass"
    )


def test_one_at_a_time_then_clean_shutdown(model_dir, tmp_path):
    log_path = tmp_path / "uvicorn.log"
    server = start_service(model_dir, log_path, MAX_BATCH="1")
    try:
        texts = [TEXTS[i % len(TEXTS)] for i in range(40)]
        _, answers, _ = asyncio.run(run_load(server.base, texts, CONCURRENCY))
        assert answers == [expected_topic(t) for t in texts]
        health = httpx.get(f"{server.base}/health").json()
        assert health["batches"] == health["texts"], "MAX_BATCH=1 runs every text on its own"
    finally:
        code = server.stop()  # SIGTERM, as a process manager (docker stop, systemd, Kubernetes) sends it
    # uvicorn shuts down gracefully (lifespan shutdown runs), then re-raises the signal it caught: exit -15
    assert code in (0, -signal.SIGTERM), f"uvicorn exited with {code} on SIGTERM"
    assert not port_open(server.port), "the port is still open after the server stopped"
    log = log_path.read_text()
    assert "Application shutdown complete" in log and "Finished server process" in log, log[-2000:]
    assert "Traceback" not in log, log[-2000:]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base}/health", timeout=2)


def test_median_and_percentiles_of_the_load_report_are_sane():
    latencies = [0.010] * 95 + [0.100] * 5
    assert statistics.median(latencies) == pytest.approx(0.010)
    assert np.percentile(latencies, 95) == pytest.approx(0.010, abs=0.01)


# ------------------------------------------------------------------------------------------- the Gradio app


@pytest.fixture(scope="module")
def gradio_app(model_dir):
    """helpers.gradio_app's Blocks app around the tiny model, launched on 127.0.0.1; closed afterwards."""
    from helpers.gradio_app import build_demo

    classifier = OnnxClassifier(model_dir)
    with launched(
        build_demo(lambda text: classifier.predict([text])[0]["probabilities"]), "the Gradio app"
    ) as running:
        yield running


@pytest.mark.browser
def test_gradio_app_in_chromium(gradio_app, browser, tmp_path):
    _, url, _ = gradio_app
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page.goto(url, wait_until="networkidle", timeout=60_000)
        for text in (TEXTS[0], TEXTS[3]):
            page.locator("#article textarea").fill(text)
            page.locator("#classify").click()
            page.wait_for_function(
                "t => document.querySelector(\"#topic [data-testid='label-output-value']\")?.textContent.trim() === t",
                arg=expected_topic(text),
                timeout=30_000,
            )
            assert "answered in" in page.locator("#timing").inner_text(timeout=10_000)
        shot = tmp_path / "gradio-app.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000, "the screenshot is (nearly) empty"
        page.locator("#article textarea").fill("   ")
        page.locator("#classify").click()
        page.get_by_text("Paste a news article first.").first.wait_for(timeout=30_000)
    finally:
        page.close()
    local = [u for u in failed if not u.startswith(url)]
    assert not local or all("127.0.0.1" not in u for u in local), f"failed requests: {failed}"


def test_gradio_client_calls_the_app(gradio_app):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    _, url, _ = gradio_app
    client = Client(url, verbose=False)
    label, timing = client.predict(TEXTS[1], api_name="/classify")
    assert label["label"] == "business" and "answered in" in timing
    assert {c["label"] for c in label["confidences"]} == set(TOPICS)
    with pytest.raises(AppError, match="Paste a news article first"):
        client.predict("   ", api_name="/classify")
