"""Notebook 18's exercises: right answers written other ways pass, plausible wrong answers fail with a message that
names the mistake.

(The generic properties, reference solutions passing included, are tested for every notebook in
tests/test_exercises_all.py.)"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import torch
from exercise_support import fails, passes
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, conint

import helpers.exercise_bank.nb18  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 18.1 a batch size for a budget


def _reference(sweep, budget_ms):
    fits = sweep[sweep["latency (ms)"] <= budget_ms]
    return None if fits.empty else int(fits["texts per second"].idxmax())


def test_pick_batch_size_right_answers_pass():
    passes("18.1", _reference)

    def by_loop(sweep, budget_ms):  # plain Python over the rows; returns a NumPy integer
        best, best_rate = None, -1.0
        for size, row in sweep.iterrows():
            if row["latency (ms)"] <= budget_ms and row["texts per second"] > best_rate:
                best, best_rate = np.int64(size), row["texts per second"]
        return best

    passes("18.1", by_loop)
    passes("18.1", lambda sweep, budget_ms: None if (r := _reference(sweep, budget_ms)) is None else float(r))


def test_pick_batch_size_wrong_answers_fail():
    def largest_that_fits(sweep, budget_ms):
        fits = sweep.index[sweep["latency (ms)"] <= budget_ms]
        return int(fits.max()) if len(fits) else None

    fails("18.1", largest_that_fits, "largest batch that fits", "not always the fastest")
    fails("18.1", lambda sweep, budget_ms: int(sweep["texts per second"].idxmax()), "over the budget")

    def strictly_below(sweep, budget_ms):
        fits = sweep[sweep["latency (ms)"] < budget_ms]
        return None if fits.empty else int(fits["texts per second"].idxmax())

    fails("18.1", strictly_below, "exactly the budget", "<=")

    def position(sweep, budget_ms):
        fits = sweep[sweep["latency (ms)"] <= budget_ms]
        return None if fits.empty else int(sweep["texts per second"].to_numpy()[: len(fits)].argmax())

    fails("18.1", position, "row number", ".idxmax()")

    def throughput(sweep, budget_ms):
        fits = sweep[sweep["latency (ms)"] <= budget_ms]
        return None if fits.empty else float(fits["texts per second"].max())

    fails("18.1", throughput, "throughput")

    def zero_when_nothing_fits(sweep, budget_ms):
        answer = _reference(sweep, budget_ms)
        return 0 if answer is None else answer

    fails("18.1", zero_when_nothing_fits, "return None")


# --------------------------------------------------------------------------- 18.2 int8 by hand


def _quantize(w):
    scale = np.abs(w).max(axis=1) / 127
    scale = np.where(scale == 0, 1.0, scale)
    return np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8), scale


def test_quantize_int8_right_answers_pass():
    passes("18.2", _quantize)

    def with_torch(w):  # torch tensors, a (rows, 1) scale column, a tiny epsilon instead of 1.0, a list
        w = torch.as_tensor(w)
        scale = w.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127
        return [torch.round(w / scale).clamp(-127, 127).to(torch.int8), scale]

    passes("18.2", with_torch)


def test_quantize_int8_wrong_answers_fail():
    def per_tensor(w):
        scale = np.abs(w).max() / 127
        return np.round(w / scale).astype(np.int8), scale

    fails("18.2", per_tensor, "one scale for the whole matrix")

    def per_tensor_array(w):
        scale = np.full(w.shape[0], np.abs(w).max() / 127)
        return np.round(w / scale[:, None]).astype(np.int8), scale

    fails("18.2", per_tensor_array, "same scale")

    def per_column(w):
        scale = np.abs(w).max(axis=0) / 127
        return np.round(w / scale).astype(np.int8), scale

    fails("18.2", per_column, "axis=1")

    def by_255(w):
        scale = np.abs(w).max(axis=1) / 255
        scale = np.where(scale == 0, 1.0, scale)
        return np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8), scale

    fails("18.2", by_255, "map to 127")

    def truncated(w):
        scale, _ = _quantize(w)[1], None
        return (w / scale[:, None]).astype(np.int8), scale

    fails("18.2", truncated, "cut, not rounded")

    def nan_for_zero_rows(w):
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.abs(w).max(axis=1) / 127
            return np.round(w / scale[:, None]), scale

    fails("18.2", nan_for_zero_rows, "NaN")
    fails("18.2", lambda w: _quantize(w)[::-1], "wrong order")
    fails("18.2", lambda w: (np.round(w / _quantize(w)[1][:, None]), _quantize(w)[1]), "int8")
    fails("18.2", lambda w: _quantize(w)[0], "pair")


# --------------------------------------------------------------------------- 18.3 a request model

Topic = Literal["business", "entertainment", "politics", "sport", "tech"]


class Reference(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    k: int = Field(default=5, ge=1, le=20)
    topics: list[Topic] | None = None


def test_similar_request_right_answers_pass():
    passes("18.3", Reference)

    class OtherSpelling(BaseModel):  # conint, a tuple of topics, the constraints on Field
        model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
        query: str = Field(min_length=1, max_length=500)
        k: conint(ge=1, le=20) = 5
        topics: tuple[Topic, ...] | None = None

    passes("18.3", OtherSpelling)


def _variant(**changes):
    fields = {
        "query": (
            Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)],
            ...,
        ),
        "k": (int, Field(default=5, ge=1, le=20)),
        "topics": (list[Topic] | None, None),
    }
    extra = changes.pop("extra", "forbid")
    fields.update(changes)
    from pydantic import create_model

    return create_model("SimilarRequest", __config__=ConfigDict(extra=extra), **fields)


def test_similar_request_wrong_answers_fail():
    fails(
        "18.3",
        _variant(query=(Annotated[str, StringConstraints(min_length=1, max_length=500)], ...)),
        "whitespace",
    )
    fails(
        "18.3",
        _variant(query=(Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)], ...)),
        "empty",
    )
    fails(
        "18.3",
        _variant(query=(Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)], ...)),
        "501",
    )
    fails("18.3", _variant(k=(int, 5)), "k = 0", "ge=1")
    fails("18.3", _variant(k=(int, Field(default=10, ge=1, le=20))), "k should be 5")
    fails("18.3", _variant(k=(float, Field(default=5, ge=1, le=20))), "k: int")
    fails("18.3", _variant(topics=(list[str] | None, None)), "unknown topic")
    fails("18.3", _variant(extra="ignore"), "unknown field", "extra='forbid'")
    fails("18.3", _variant(topics=(list[Topic], [])), "topics should be None")
    fails("18.3", _variant(k=(int, Field(default=5, ge=1, le=10))), "valid request was refused")
    fails("18.3", Reference(query="hello"), "instance", "should be a class")

    class NotPydantic:
        query: str

    fails("18.3", NotPydantic, "BaseModel")
