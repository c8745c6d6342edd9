"""Checks for notebook 18 (deployment: Gradio, FastAPI, ONNX, quantization).

18.1  pick_batch_size(sweep, budget_ms): the batch size with the most throughput whose latency fits a budget
18.2  quantize_int8(w): symmetric int8 quantization of a weight matrix, one scale per row
18.3  SimilarRequest: a pydantic request model for a new endpoint (stripped, bounded text; a bounded integer with
      a default; an optional list of known topics; no extra fields)

Every expected answer is computed here at check time: latency sweeps made up with a throughput that falls at the
largest batch (so "the largest batch that fits" and "the fastest batch that fits" differ), random weight matrices
whose rows have very different sizes (plus a row of zeros), and JSON payloads validated the way FastAPI does
(``model_validate_json``). No model is loaded: each check runs in milliseconds.
"""

from __future__ import annotations

import json
import math

import numpy as np

from helpers.exercises import Fail, NotAttempted, as_int, attempt, exercise

TOPICS = ("business", "entertainment", "politics", "sport", "tech")

# --------------------------------------------------------------------------- 18.1 a batch size for a latency budget


def _sweep(rng: np.random.Generator):
    """A made-up latency sweep: latency grows with the batch, throughput peaks before the largest batch."""
    import pandas as pd

    sizes = [1, 2, 4, 8, 16, 32, 64]
    per_text = 4.0 * rng.uniform(0.8, 1.2)  # ms of work per text once batches are large
    overhead = 12.0 * rng.uniform(0.8, 1.2)  # ms paid once per forward pass
    latency = [overhead + per_text * b for b in sizes]
    latency[-2] *= 1.1
    latency[-1] *= 2.6  # the largest batch spills out of the caches: slower per text
    latency = [round(x, 2) for x in latency]
    frame = pd.DataFrame(
        {
            "latency (ms)": latency,
            "texts per second": [1000 * b / t for b, t in zip(sizes, latency, strict=True)],
        },
        index=pd.Index(sizes, name="batch size"),
    )
    return frame


def _reference_pick(sweep, budget_ms: float) -> int | None:
    fits = sweep[sweep["latency (ms)"] <= budget_ms]
    return None if fits.empty else int(fits["texts per second"].idxmax())


@exercise(
    "18.1",
    hint="Keep the rows whose 'latency (ms)' is <= budget_ms (sweep[sweep['latency (ms)'] <= budget_ms]); if none "
    "is left return None, else return the index label (the batch size) of the largest 'texts per second' among "
    "them: .idxmax() gives the index label, not the row number.",
)
def _(pick_batch_size):
    rng = np.random.default_rng(181)
    sweep = _sweep(rng)
    latency = sweep["latency (ms)"]
    cases = [
        ("a budget every batch size fits", float(latency.max()) + 50),
        ("a budget that only small batches fit", float(latency.iloc[3]) + 1),
        ("a budget equal to one batch size's latency", float(latency.iloc[4])),
        ("a budget no batch size fits", float(latency.iloc[0]) / 2),
    ]
    for i, (label, budget) in enumerate(cases):
        frame = sweep.copy()
        got = attempt(pick_batch_size, frame, budget) if i == 0 else pick_batch_size(frame, budget)
        expected = _reference_pick(sweep, budget)
        if expected is None:
            if got is not None:
                raise Fail(
                    f"with {label} ({budget:.1f} ms; the fastest batch takes {latency.iloc[0]:.1f} ms) "
                    f"nothing fits: return None, not {got!r}."
                )
            continue
        if got is None:
            raise Fail(
                f"with {label} ({budget:.1f} ms) you returned None, but batch size {expected} fits "
                f"({latency[expected]:.1f} ms). A latency equal to the budget fits too (<=)."
            )
        if isinstance(got, float) and not float(got).is_integer():
            raise Fail(f"you returned {got!r}, a throughput? Return the batch size (the sweep's index).")
        value = as_int(got, "pick_batch_size(...)")
        if value == expected:
            continue
        position = list(sweep.index).index(expected)
        if value == position:
            raise Fail(
                f"you returned {value}, the row number of the answer; the batch size is the index label "
                f"({expected}). .idxmax() returns labels, .argmax() positions."
            )
        if value == int(round(sweep.loc[expected, "texts per second"])):
            raise Fail("you returned the throughput; return the batch size (the sweep's index).")
        if value in sweep.index and latency[value] > budget:
            raise Fail(
                f"with {label} ({budget:.1f} ms) you picked batch size {value}, which takes "
                f"{latency[value]:.1f} ms: over the budget. Keep only the rows that fit first."
            )
        fitting = [b for b in sweep.index if latency[b] <= budget]
        if value == max(fitting):
            raise Fail(
                f"with {label} ({budget:.1f} ms) you picked the largest batch that fits ({value}), but "
                f"its throughput ({sweep.loc[value, 'texts per second']:.0f} texts/s) is lower than batch "
                f"{expected}'s ({sweep.loc[expected, 'texts per second']:.0f}): the largest batch "
                "is not always the fastest. Pick the most texts per second."
            )
        if math.isclose(latency[expected], budget) and value in fitting and latency[value] < budget:
            raise Fail(
                f"batch size {expected} takes exactly the budget ({budget:.1f} ms): it fits (<=, not <), "
                f"and it gets through more texts per second than {value}."
            )
        raise Fail(
            f"with {label} ({budget:.1f} ms) the answer is batch size {expected}; you returned {value}."
        )


# --------------------------------------------------------------------------- 18.2 int8 quantization by hand


def _weights(rng: np.random.Generator) -> np.ndarray:
    """12 x 20 float32 weights; rows of very different sizes, one with an outlier, one all zeros."""
    w = rng.normal(size=(12, 20)).astype(np.float32)
    w *= np.logspace(-3, 0, 12, dtype=np.float32)[:, None]  # row sizes from 0.001 to 1
    w[3, 7] = 25 * np.abs(w[3]).max()  # one outlier in one row
    w[5] = 0.0
    return w


def _as_array(value, what: str) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


@exercise(
    "18.2",
    hint="scale = np.abs(w).max(axis=1) / 127 (one value per row); replace a 0 scale by 1 (a zero row); q = "
    "np.round(w / scale[:, None]), clipped to [-127, 127], then .astype(np.int8). Return (q, scale).",
)
def _(quantize_int8):
    rng = np.random.default_rng(182)
    w = _weights(rng)
    answer = attempt(quantize_int8, w.copy())
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise Fail(f"quantize_int8 should return a pair (q, scale), got {type(answer).__name__}.")
    q, scale = (_as_array(part, name) for part, name in zip(answer, ("q", "scale"), strict=True))
    rows, cols = w.shape
    if q.shape != w.shape and np.asarray(scale).shape == w.shape:
        raise Fail("the pair is in the wrong order: return (q, scale), q first.")
    if q.shape != w.shape:
        raise Fail(f"q should have w's shape {w.shape}, got {q.shape}.")
    if q.dtype.kind == "f" and scale.dtype.kind in "iu":
        raise Fail("the pair is in the wrong order: return (q, scale), q first.")
    scale = scale.astype(np.float64).reshape(-1) if scale.size in (rows, 1) else scale
    if scale.size == 1:
        raise Fail(
            f"one scale for the whole matrix ({float(scale.reshape(-1)[0]):.3g}): the rows here range from "
            "about 0.001 to 1, so the small rows round to 0 and lose everything. One scale per row: "
            "np.abs(w).max(axis=1) / 127."
        )
    if scale.size == cols or scale.shape != (rows,):
        raise Fail(
            f"scale should have one value per row ({rows} rows), got shape {np.shape(answer[1])}; "
            "max over axis=1 (along each row), not axis=0."
        )
    if not np.all(np.isfinite(scale)) or q.dtype.kind == "f" and not np.all(np.isfinite(q)):
        raise Fail(
            "the all-zero row gave a scale of 0 and then 0 / 0 = NaN: give such a row any positive scale "
            "(1.0): its q is 0 anyway."
        )
    if q.dtype != np.int8:
        raise Fail(
            f"q should be an int8 array (1 byte per weight: that is the 4x saving), got {q.dtype}: "
            "round, clip to [-127, 127], then .astype(np.int8)."
        )
    nonzero = np.abs(w).max(axis=1) > 0
    expected_scale = np.abs(w).max(axis=1) / 127
    if np.allclose(scale, scale[0]):
        raise Fail(
            f"every row got the same scale ({scale[0]:.3g}): one scale for the whole matrix. The rows here "
            "range from about 0.001 to 1, so the small rows round to 0. One scale per row: "
            "np.abs(w).max(axis=1) / 127."
        )
    if not np.allclose(scale[nonzero], expected_scale[nonzero], rtol=1e-4):
        ratio = float(np.median(scale[nonzero] / expected_scale[nonzero]))
        if math.isclose(ratio, 127 / 255, rel_tol=0.01) or math.isclose(ratio, 127 / 128, rel_tol=0.01):
            raise Fail(
                f"your scales are {ratio:.3f}x the expected ones: the largest weight of a row must map to "
                "127 (int8 goes from -128 to 127; symmetric quantization uses -127..127), so "
                "scale = max |w| / 127."
            )
        raise Fail("scale should be the largest absolute value of each row divided by 127.")
    if scale[~nonzero].size and not np.all(scale[~nonzero] > 0):
        raise Fail("the all-zero row needs a positive scale (any, such as 1.0), not 0.")
    error = np.abs(w - q.astype(np.float64) * scale[:, None])
    limit = scale[:, None] / 2 * (1 + 1e-4) + 1e-12
    if np.any(error > limit):
        row, col = np.unravel_index(int(np.argmax(error / limit)), w.shape)
        exact = w[row, col] / scale[row]
        if int(q[row, col]) == math.trunc(exact) or int(q[row, col]) == math.floor(exact):
            raise Fail(
                f"w[{row}, {col}] / scale = {exact:.2f} became {int(q[row, col])}: it was cut, not rounded. "
                "np.round(...) before .astype(np.int8) (astype alone cuts towards zero)."
            )
        raise Fail(
            f"w[{row}, {col}] = {w[row, col]:.4g} comes back as {q[row, col] * scale[row]:.4g}: the error "
            "should never exceed half a scale step."
        )


# --------------------------------------------------------------------------- 18.3 a request model


def _validate(model, payload):
    """(instance, None) or (None, error text), validating JSON text as FastAPI does."""
    from pydantic import ValidationError

    try:
        return model.model_validate_json(json.dumps(payload)), None
    except ValidationError as err:
        return None, "; ".join(e["msg"] for e in err.errors())


@exercise(
    "18.3",
    hint="model_config = ConfigDict(extra='forbid'); query: Annotated[str, StringConstraints(strip_whitespace=True, "
    "min_length=1, max_length=500)]; k: int = Field(default=5, ge=1, le=20); topics: "
    "list[Literal['business', 'entertainment', 'politics', 'sport', 'tech']] | None = None.",
)
def _(similar_request):
    from pydantic import BaseModel

    if isinstance(similar_request, BaseModel):
        raise Fail("that is an instance; SimilarRequest should be a class: pass the class itself to check().")
    if not isinstance(similar_request, type):
        similar_request = attempt(similar_request)  # a placeholder function says "not attempted"
        if not isinstance(similar_request, type):
            raise Fail("SimilarRequest should be a class: class SimilarRequest(BaseModel): ...")
    if not issubclass(similar_request, BaseModel):
        raise Fail(
            f"{similar_request.__name__} should subclass pydantic's BaseModel (FastAPI reads its fields)."
        )
    fields = set(similar_request.model_fields)
    if not fields:
        raise NotAttempted()
    missing = {"query", "k", "topics"} - fields
    if missing:
        raise Fail(
            f"the model has no field {sorted(missing)}; it needs query, k and topics (it has {sorted(fields)})."
        )

    def valid(payload, query, k, topics):
        got, error = _validate(similar_request, payload)
        if error is not None:
            raise Fail(f"a valid request was refused: {payload!r}: {error}")
        if got.query != query:
            if got.query.strip() == query:
                raise Fail(
                    f"query {payload['query']!r} kept its surrounding whitespace ({got.query!r}): "
                    "StringConstraints(strip_whitespace=True)."
                )
            raise Fail(f"query should be {query!r}, got {got.query!r}.")
        if isinstance(got.k, float):
            raise Fail(
                f"k came back as {got.k!r}, a float: declare it k: int (a number of articles is whole)."
            )
        if got.k != k or isinstance(got.k, bool) or not isinstance(got.k, int):
            raise Fail(f"for {payload!r}, k should be {k} (5 when the client leaves it out), got {got.k!r}.")
        if (None if got.topics is None else list(got.topics)) != topics:
            raise Fail(f"for {payload!r}, topics should be {topics!r}, got {got.topics!r}.")

    valid({"query": "  interest rates rise  "}, "interest rates rise", 5, None)
    valid({"query": "a", "k": 20, "topics": ["sport", "tech"]}, "a", 20, ["sport", "tech"])
    valid({"query": " " + "x" * 500 + " ", "k": 1, "topics": []}, "x" * 500, 1, [])

    refused = [
        ({"query": ""}, "an empty query", "StringConstraints(min_length=1)"),
        ({"query": "   "}, "a query of spaces only", "strip_whitespace=True together with min_length=1"),
        ({"query": "x" * 501}, "a 501-character query", "max_length=500"),
        ({"query": 42}, "a number as the query", "query must be a str field"),
        ({}, "a request with no query", "query must be required: no default value"),
        ({"query": "a", "k": 0}, "k = 0", "Field(default=5, ge=1, le=20)"),
        ({"query": "a", "k": 21}, "k = 21", "Field(default=5, ge=1, le=20)"),
        ({"query": "a", "k": 2.5}, "k = 2.5", "k: int"),
        (
            {"query": "a", "topics": ["weather"]},
            "an unknown topic ('weather')",
            "list[Literal['business', ...]]",
        ),
        ({"query": "a", "topics": "sport"}, "topics as a string instead of a list", "a list type for topics"),
        (
            {"query": "a", "n": 3},
            "an unknown field ('n', a typo for k?)",
            "model_config = ConfigDict(extra='forbid')",
        ),
    ]
    for payload, what, fix in refused:
        got, _ = _validate(similar_request, payload)
        if got is not None:
            raise Fail(f"{what} was accepted ({payload!r} -> {got!r}); it must be refused with a 422: {fix}.")
