"""A text classifier served over HTTP with FastAPI: the service of notebook 18 (Transformers Lab).

This file is self-contained on purpose. It needs fastapi, uvicorn, pydantic, numpy, onnxruntime and tokenizers,
and nothing else: no torch, no transformers, nothing from the course. So the same file runs from the course
package, from a folder of its own, and in a small Docker image. Notebook 18 copies it, as ``app.py``, into
a folder next to the model it serves, with a Dockerfile.

The model folder holds ``config.json`` (for the label names), ``tokenizer.json`` and an ONNX file whose inputs are
``input_ids`` and ``attention_mask`` and whose first output is the logits (what ``torch.onnx.export`` writes
for a transformers sequence classifier).

Run it (only on this machine: 127.0.0.1)::

    MODEL_DIR=path/to/model python -m uvicorn app:app --host 127.0.0.1 --port 8000

Settings, environment variables read once at start-up:

=============  ==================================================================================  ================
MODEL_DIR      folder with config.json, tokenizer.json and the ONNX file                          (required)
MODEL_FILE     the ONNX file in it                                                                 model.int8.onnx
MAX_LENGTH     tokens read of each text (what the model was trained on)                            64
THREADS        onnxruntime's threads for one forward pass                                          1
MAX_BATCH      most texts run in one forward pass: 1 = one request at a time, more = dynamic       16
               batching (requests that arrive together run together)
BATCH_WAIT_MS  how long the first request of a batch waits for company                             2
=============  ==================================================================================  ================

Endpoints: ``GET /health``, ``POST /predict`` (``{"text": "..."}``), ``POST /predict/batch``
(``{"texts": ["...", ...]}``); FastAPI describes them at ``/docs`` and ``/openapi.json``.
Bad input gets a 4xx answer that says what is wrong (422 for invalid JSON, types, empty, too long or too many
texts, unknown fields; 413 for a body larger than any valid request); it never reaches the model.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_TEXTS = 32  # texts in one /predict/batch request
MAX_CHARS = 30_000  # characters in one text: more than the longest BBC News article (25,484)
MAX_BODY_BYTES = 4 * MAX_TEXTS * MAX_CHARS + 10_000  # more than any valid request, even in 4-byte characters

# ----------------------------------------------------------------------------------------- the API's contract

# One text: surrounding whitespace removed first, then 1 to MAX_CHARS characters (a number or null is refused).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CHARS)]


class PredictRequest(BaseModel):
    """``POST /predict``: one text."""

    model_config = ConfigDict(extra="forbid")  # an unknown field is an error (a typo), not silently ignored
    text: Text


class BatchRequest(BaseModel):
    """``POST /predict/batch``: 1 to MAX_TEXTS texts, answered in the same order."""

    model_config = ConfigDict(extra="forbid")
    texts: list[Text] = Field(min_length=1, max_length=MAX_TEXTS)


class Prediction(BaseModel):
    """The most likely label, its probability, and every label's probability."""

    label: str
    score: float
    probabilities: dict[str, float]


class BatchResponse(BaseModel):
    predictions: list[Prediction]


class Health(BaseModel):
    """What ``GET /health`` says: the model is loaded, how the server batches, and what it has done so far."""

    status: str
    model: str
    labels: list[str]
    max_batch: int
    batch_wait_ms: float
    requests: int  # prediction requests answered
    texts: int  # texts classified
    batches: int  # forward passes run (texts / batches = the mean batch size)


# ------------------------------------------------------------------------------------------------ the model


class OnnxClassifier:
    """A sequence classifier exported to ONNX, with its tokenizer: texts in, probabilities out.

    Example (skipped by the doctests: it needs an exported model):
        >>> classifier = OnnxClassifier("model-folder", "model.int8.onnx")  # doctest: +SKIP
        >>> classifier.predict(["Shares fell sharply after the profit warning."])  # doctest: +SKIP
        [{'label': 'business', 'score': 0.97, 'probabilities': {...}}]
    """

    def __init__(
        self,
        model_dir: str | Path,
        model_file: str = "model.int8.onnx",
        max_length: int = 64,
        threads: int = 1,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        config = json.loads((model_dir / "config.json").read_text())
        self.labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
        self.name = f"{model_dir.name}/{model_file}"
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_length)
        pad_id = config.get("pad_token_id") or 0
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token=self.tokenizer.id_to_token(pad_id))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # threads for one forward pass
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(model_dir / model_file), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = [i.name for i in self.session.get_inputs()]

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Softmax probabilities, one row per text (the texts are padded to the longest one)."""
        encodings = self.tokenizer.encode_batch(texts)
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feeds = {name: np.asarray(columns[name], dtype=np.int64) for name in self.input_names}
        logits = self.session.run(None, feeds)[0]
        exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return exp / exp.sum(axis=-1, keepdims=True)

    def predict(self, texts: list[str]) -> list[dict[str, Any]]:
        """For each text: ``{"label", "score", "probabilities"}``."""
        results = []
        for row in self.probabilities(texts):
            best = int(row.argmax())
            results.append(
                {
                    "label": self.labels[best],
                    "score": float(row[best]),
                    "probabilities": {label: float(p) for label, p in zip(self.labels, row, strict=True)},
                }
            )
        return results


# -------------------------------------------------------------------------------------- dynamic batching


class Batcher:
    """Runs every forward pass on ONE worker thread, merging requests that wait together into one batch.

    Each request puts its texts in a queue and waits for its answers. The worker takes the first request,
    waits up to ``max_wait`` seconds for more (never past ``max_batch`` texts in all; a larger request runs
    alone), runs them as one batch, and hands each request its own rows. With ``max_batch=1`` requests run one
    at a time, in order. One worker means one forward pass at a time: its CPU threads are never fought over.

    Example:
        >>> async def demo():
        ...     batcher = Batcher(lambda texts: [len(t) for t in texts], max_batch=8, max_wait=0.01)
        ...     worker = asyncio.create_task(batcher.run())
        ...     answers = await asyncio.gather(batcher.submit(["a"]), batcher.submit(["bb", "ccc"]))
        ...     worker.cancel()
        ...     return answers, batcher.batches
        >>> asyncio.run(demo())
        ([[1], [2, 3]], 1)
    """

    def __init__(
        self, predict: Callable[[list[str]], list[Any]], max_batch: int = 16, max_wait: float = 0.002
    ):
        if max_batch < 1 or max_wait < 0:
            raise ValueError(f"need max_batch >= 1 and max_wait >= 0; got {max_batch}, {max_wait}")
        self.predict = predict
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.queue: asyncio.Queue[tuple[list[str], asyncio.Future]] = asyncio.Queue()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self.batches = 0
        self.texts = 0
        self._next: tuple[list[str], asyncio.Future] | None = None  # taken from the queue, did not fit

    async def submit(self, texts: list[str]) -> list[Any]:
        """Queue ``texts`` (one request) and wait for their results, in order."""
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, future))
        return await future

    async def _collect(self) -> list[tuple[list[str], asyncio.Future]]:
        loop = asyncio.get_running_loop()
        first = self._next or await self.queue.get()
        self._next = None
        batch, size = [first], len(first[0])
        deadline = loop.time() + self.max_wait
        while size < self.max_batch:
            try:
                item = self.queue.get_nowait()
            except asyncio.QueueEmpty:
                if loop.time() >= deadline:
                    break
                await asyncio.sleep(min(0.0005, deadline - loop.time()))  # let other requests arrive
                continue
            if size + len(item[0]) > self.max_batch:
                self._next = item  # it does not fit: it opens the next batch
                break
            batch.append(item)
            size += len(item[0])
        return batch

    async def run(self) -> None:
        """The worker loop (a background task for the server's lifetime)."""
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect()
            texts = [text for request_texts, _ in batch for text in request_texts]
            try:
                results = await loop.run_in_executor(self.executor, self.predict, texts)
            except Exception as err:  # a failed forward pass fails its requests, not the server
                for _, future in batch:
                    if not future.done():
                        future.set_exception(err)
                continue
            self.batches += 1
            self.texts += len(texts)
            start = 0
            for request_texts, future in batch:
                if not future.done():  # the client may have gone away
                    future.set_result(results[start : start + len(request_texts)])
                start += len(request_texts)


# ---------------------------------------------------------------------------------------------- the app


@dataclass(frozen=True)
class Settings:
    """The service's settings (see the module's docstring); ``Settings.from_env()`` reads them.

    Example:
        >>> Settings.from_env({"MODEL_DIR": "/models/bbc", "MAX_BATCH": "1"}).max_batch
        1
    """

    model_dir: str
    model_file: str = "model.int8.onnx"
    max_length: int = 64
    threads: int = 1
    max_batch: int = 16
    batch_wait_ms: float = 2.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        if not env.get("MODEL_DIR"):
            raise RuntimeError(
                "set MODEL_DIR to the folder of the model to serve (config.json, tokenizer.json, *.onnx)"
            )
        return cls(
            model_dir=env["MODEL_DIR"],
            model_file=env.get("MODEL_FILE", cls.model_file),
            max_length=int(env.get("MAX_LENGTH", cls.max_length)),
            threads=int(env.get("THREADS", cls.threads)),
            max_batch=int(env.get("MAX_BATCH", cls.max_batch)),
            batch_wait_ms=float(env.get("BATCH_WAIT_MS", cls.batch_wait_ms)),
        )


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI application. The model is loaded once, when the server starts (not at import, not per request).

    ``settings`` None: read from the environment at start-up. ``app = create_app()`` is what uvicorn serves.

    Example:
        >>> sorted(route.path for route in create_app().routes if "predict" in route.path)
        ['/predict', '/predict/batch']
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        chosen = settings or Settings.from_env()
        classifier = OnnxClassifier(chosen.model_dir, chosen.model_file, chosen.max_length, chosen.threads)
        classifier.predict(["warm-up"])  # the first forward pass is slow: pay it before the first client
        batcher = Batcher(classifier.predict, chosen.max_batch, chosen.batch_wait_ms / 1000)
        worker = asyncio.create_task(batcher.run())
        app.state.settings, app.state.classifier, app.state.batcher = chosen, classifier, batcher
        app.state.requests = 0
        yield  # the server runs here
        worker.cancel()
        batcher.executor.shutdown(wait=True)

    app = FastAPI(
        title="BBC News topic classifier",
        version="1.0",
        description="Topics of English news articles, by a MiniLM fine-tuned in notebook 11 and exported to ONNX.",
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def limit_body_size(request: Request, call_next):
        # Refuse a huge body before reading it: pydantic would only see it after it had been read whole.
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse(
                status_code=413, content={"detail": f"request body larger than {MAX_BODY_BYTES:,} bytes"}
            )
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError) -> JSONResponse:
        # FastAPI's default answer echoes the input back: with a 20,000-character text that is a lot of noise.
        problems = [{"loc": _where(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in err.errors()]
        return JSONResponse(status_code=422, content={"detail": problems})

    @app.get("/health")
    async def health(request: Request) -> Health:
        state = request.app.state
        return Health(
            status="ok",
            model=state.classifier.name,
            labels=state.classifier.labels,
            max_batch=state.settings.max_batch,
            batch_wait_ms=state.settings.batch_wait_ms,
            requests=state.requests,
            texts=state.batcher.texts,
            batches=state.batcher.batches,
        )

    @app.post("/predict")
    async def predict(body: PredictRequest, request: Request) -> Prediction:
        request.app.state.requests += 1
        (result,) = await request.app.state.batcher.submit([body.text])
        return Prediction(**result)

    @app.post("/predict/batch")
    async def predict_batch(body: BatchRequest, request: Request) -> BatchResponse:
        request.app.state.requests += 1
        results = await request.app.state.batcher.submit(body.texts)
        return BatchResponse(predictions=[Prediction(**r) for r in results])

    return app


app = create_app()

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_CHARS",
    "MAX_TEXTS",
    "BatchRequest",
    "BatchResponse",
    "Batcher",
    "Health",
    "OnnxClassifier",
    "PredictRequest",
    "Prediction",
    "Settings",
    "app",
    "create_app",
]
