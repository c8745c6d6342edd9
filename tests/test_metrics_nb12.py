"""The local precision and recall metric modules (helpers/metrics/precision, recall), added with notebook 12:
they load offline with evaluate.load(folder), give scikit-learn's numbers under the Hub modules' output keys,
and combine with accuracy and f1 (the evaluate README's classic evaluate.combine example)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest` run without `python -m` or an installed package
    sys.path.insert(0, str(ROOT))

from helpers.metrics import METRICS_DIR, available, metric_path  # noqa: E402

evaluate = pytest.importorskip("evaluate")
sklearn_metrics = pytest.importorskip("sklearn.metrics")

RNG = np.random.default_rng(12)
REFERENCES = RNG.integers(0, 4, size=300).tolist()
PREDICTIONS = [r if RNG.random() < 0.6 else int(RNG.integers(0, 4)) for r in REFERENCES]
NAMES = ["precision", "recall"]


def test_listed():
    assert set(NAMES) <= set(available())
    for name in NAMES:
        assert Path(metric_path(name)) == METRICS_DIR / name


@pytest.mark.parametrize("name", NAMES)
def test_one_import_per_line(name):
    """evaluate parses a module's imports with a regular expression; `import a, b` breaks it."""
    source = (METRICS_DIR / name / f"{name}.py").read_text()
    for line in source.splitlines():
        assert not re.match(r"^\s*import\s+\w+\s*,", line), f"{name}.py: one import per line: {line!r}"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_matches_sklearn(name, average):
    metric = evaluate.load(metric_path(name))
    assert metric.name == name
    got = metric.compute(predictions=PREDICTIONS, references=REFERENCES, average=average)[name]
    assert isinstance(got, float)
    reference = getattr(sklearn_metrics, f"{name}_score")(REFERENCES, PREDICTIONS, average=average)
    assert got == pytest.approx(reference)


@pytest.mark.parametrize("name", NAMES)
def test_per_class_and_zero_division(name):
    metric = evaluate.load(metric_path(name))
    per_class = metric.compute(predictions=PREDICTIONS, references=REFERENCES, average=None)[name]
    np.testing.assert_allclose(
        per_class, getattr(sklearn_metrics, f"{name}_score")(REFERENCES, PREDICTIONS, average=None)
    )
    # Class 2 is never predicted (precision 0/0) and never true (recall 0/0): zero_division decides.
    got = metric.compute(predictions=[0, 1, 1], references=[0, 1, 0], labels=[0, 1, 2], average=None,
                         zero_division=1)[name]  # fmt: skip
    assert got[2] == 1.0


def test_docstring_examples():
    """The examples in the modules' docstrings (the same as on the Hub pages of the metrics)."""
    predictions, references = [0, 1, 1, 0, 1], [0, 1, 0, 0, 1]
    assert evaluate.load(metric_path("precision")).compute(
        predictions=predictions, references=references
    ) == {"precision": pytest.approx(2 / 3)}
    assert evaluate.load(metric_path("recall")).compute(predictions=predictions, references=references) == {
        "recall": 1.0
    }


def test_combine_four_classic_metrics_offline():
    metrics = evaluate.combine([metric_path(n) for n in ("accuracy", "f1", "precision", "recall")])
    got = metrics.compute(predictions=[0, 1, 1, 0, 1], references=[0, 1, 0, 0, 1])
    assert got == {
        "accuracy": 0.8,
        "f1": pytest.approx(0.8),
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
    }
