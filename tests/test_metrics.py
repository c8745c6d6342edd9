"""The local evaluate metric modules (helpers/metrics: accuracy, f1, precision, recall): they load offline
with evaluate.load(folder), give what the Hub modules give (scikit-learn's numbers, same output keys), and
combine (the evaluate README's classic evaluate.combine example)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from helpers.metrics import METRICS_DIR, available, metric_path

ROOT = Path(__file__).resolve().parents[1]

evaluate = pytest.importorskip("evaluate")
sklearn_metrics = pytest.importorskip("sklearn.metrics")

RNG = np.random.default_rng(0)
REFERENCES = RNG.integers(0, 5, size=200).tolist()
PREDICTIONS = [r if RNG.random() < 0.7 else int(RNG.integers(0, 5)) for r in REFERENCES]


CLASSIC = ["accuracy", "f1", "precision", "recall"]


def test_available_and_paths():
    assert set(CLASSIC) <= set(available())
    for name in CLASSIC:
        assert Path(metric_path(name)) == METRICS_DIR / name
    with pytest.raises(KeyError, match="Local metrics"):
        metric_path("no_such_metric")


@pytest.mark.parametrize("name", CLASSIC)
def test_one_import_per_line(name):
    """evaluate parses a module's imports with a regular expression; `import a, b` breaks it."""
    source = (METRICS_DIR / name / f"{name}.py").read_text()
    for line in source.splitlines():
        assert not re.match(r"^\s*import\s+\w+\s*,", line), f"{name}.py: one import per line: {line!r}"


def test_accuracy_matches_sklearn():
    metric = evaluate.load(metric_path("accuracy"))
    assert metric.name == "accuracy"
    got = metric.compute(predictions=PREDICTIONS, references=REFERENCES)
    assert got == {"accuracy": sklearn_metrics.accuracy_score(REFERENCES, PREDICTIONS)}
    assert isinstance(got["accuracy"], float)
    counted = metric.compute(predictions=PREDICTIONS, references=REFERENCES, normalize=False)["accuracy"]
    assert counted == sum(p == r for p, r in zip(PREDICTIONS, REFERENCES, strict=True))
    # The example in the module's docstring (the same as on the Hub's page for the metric).
    assert metric.compute(references=[0, 1, 2, 0, 1, 2], predictions=[0, 1, 1, 2, 1, 0]) == {"accuracy": 0.5}


@pytest.mark.parametrize("name", ["f1", "precision", "recall"])
@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_averaged_metrics_match_sklearn(name, average):
    metric = evaluate.load(metric_path(name))
    assert metric.name == name
    got = metric.compute(predictions=PREDICTIONS, references=REFERENCES, average=average)[name]
    assert isinstance(got, float)
    reference = getattr(sklearn_metrics, f"{name}_score")(REFERENCES, PREDICTIONS, average=average)
    assert got == pytest.approx(reference)


def test_f1_binary_and_per_class():
    metric = evaluate.load(metric_path("f1"))
    binary = metric.compute(predictions=[0, 1, 1, 0], references=[0, 1, 0, 0])["f1"]
    assert binary == pytest.approx(2 / 3)
    per_class = metric.compute(predictions=PREDICTIONS, references=REFERENCES, average=None)["f1"]
    np.testing.assert_allclose(per_class, sklearn_metrics.f1_score(REFERENCES, PREDICTIONS, average=None))


def test_combine_works_offline():
    metrics = evaluate.combine([metric_path("accuracy"), metric_path("f1")])
    got = metrics.compute(predictions=[0, 1, 1, 0], references=[0, 1, 0, 0])
    assert got == {"accuracy": 0.75, "f1": pytest.approx(2 / 3)}


@pytest.mark.parametrize("name", ["precision", "recall"])
def test_per_class_and_zero_division(name):
    metric = evaluate.load(metric_path(name))
    per_class = metric.compute(predictions=PREDICTIONS, references=REFERENCES, average=None)[name]
    np.testing.assert_allclose(
        per_class, getattr(sklearn_metrics, f"{name}_score")(REFERENCES, PREDICTIONS, average=None)
    )
    # Class 2 is never predicted (precision 0/0) and never true (recall 0/0): zero_division decides.
    got = metric.compute(
        predictions=[0, 1, 1], references=[0, 1, 0], labels=[0, 1, 2], average=None, zero_division=1
    )[name]
    assert got[2] == 1.0


def test_precision_recall_docstring_examples():
    """The examples in the precision and recall docstrings (the same as on the Hub pages of the metrics)."""
    predictions, references = [0, 1, 1, 0, 1], [0, 1, 0, 0, 1]
    assert evaluate.load(metric_path("precision")).compute(
        predictions=predictions, references=references
    ) == {"precision": pytest.approx(2 / 3)}
    assert evaluate.load(metric_path("recall")).compute(predictions=predictions, references=references) == {
        "recall": 1.0
    }


def test_combine_four_classic_metrics_offline():
    metrics = evaluate.combine([metric_path(n) for n in CLASSIC])
    got = metrics.compute(predictions=[0, 1, 1, 0, 1], references=[0, 1, 0, 0, 1])
    assert got == {
        "accuracy": 0.8,
        "f1": pytest.approx(0.8),
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
    }
