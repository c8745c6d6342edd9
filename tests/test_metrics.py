"""The local evaluate metric modules (helpers/metrics): they load offline with evaluate.load(folder) and give
what the Hub modules give (scikit-learn's numbers, same output keys)."""

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

RNG = np.random.default_rng(0)
REFERENCES = RNG.integers(0, 5, size=200).tolist()
PREDICTIONS = [r if RNG.random() < 0.7 else int(RNG.integers(0, 5)) for r in REFERENCES]


def test_available_and_paths():
    assert {"accuracy", "f1"} <= set(available())
    assert Path(metric_path("accuracy")) == METRICS_DIR / "accuracy"
    with pytest.raises(KeyError, match="Local metrics"):
        metric_path("no_such_metric")


@pytest.mark.parametrize("name", ["accuracy", "f1"])
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


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_f1_matches_sklearn(average):
    metric = evaluate.load(metric_path("f1"))
    got = metric.compute(predictions=PREDICTIONS, references=REFERENCES, average=average)["f1"]
    assert isinstance(got, float)
    assert got == pytest.approx(sklearn_metrics.f1_score(REFERENCES, PREDICTIONS, average=average))


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
