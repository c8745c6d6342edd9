"""Local copies of `evaluate` metric modules, so that metrics load without the Hugging Face Hub.

``evaluate.load("accuracy")`` fetches the metric's script from the Hub. Offline, load the same metric from
its folder here instead; the result is identical (both call scikit-learn)::

    import evaluate
    from helpers.metrics import metric_path
    accuracy = evaluate.load(metric_path("accuracy"))
    accuracy.compute(predictions=[0, 1, 1], references=[0, 1, 0])   # {'accuracy': 0.666...}

Each metric is a folder ``<name>/<name>.py`` holding one ``evaluate.Metric`` subclass, the layout of the
metric repositories on the Hub (``evaluate-metric/<name>``).

Also here: the SQuAD scores of a short answer (:func:`squad_scores`), which notebook 12's exercise check and the
zoo's QA stand-in both compute.
"""

import re
import string
from collections import Counter
from collections.abc import Callable
from pathlib import Path

METRICS_DIR = Path(__file__).resolve().parent


def available() -> list[str]:
    """Names of the metrics that have a local module.

    Example:
        >>> "accuracy" in available()
        True
    """
    return sorted(p.parent.name for p in METRICS_DIR.glob("*/*.py") if p.stem == p.parent.name)


def metric_path(name: str) -> str:
    """The folder to pass to ``evaluate.load`` for the local copy of metric ``name``.

    Example:
        >>> Path(metric_path("f1")).name
        'f1'
    """
    folder = METRICS_DIR / name
    if not (folder / f"{name}.py").is_file():
        raise KeyError(f"No local metric {name!r}. Local metrics: {', '.join(available())}.")
    return str(folder)


__all__ = ["available", "metric_path"]


def squad_normalize(text: str) -> str:
    """SQuAD v1.1: lower case, drop punctuation, drop the articles a/an/the, collapse white space.

    Example:
        >>> squad_normalize("The  Eiffel-Tower!")
        'eiffeltower'
    """
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def squad_f1(prediction: str, reference: str, tokens: Callable[[str], list[str]] | None = None) -> float:
    """Token F1 of one answer against one reference: the tokens counted as a multiset (``tokens`` splits a text;
    by default its normalised words).

    Example:
        >>> squad_f1("in 1889", "1889")  # precision 1/2, recall 1
        0.6666666666666666
    """
    tokens = tokens or (lambda s: squad_normalize(s).split())
    pred, ref = tokens(prediction), tokens(reference)
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def squad_scores(prediction: str, references: list[str]) -> tuple[float, float]:
    """SQuAD exact match and token F1 of one answer, each the best over the accepted answers.

    Example:
        >>> squad_scores("the Eiffel Tower.", ["Eiffel tower", "the tower"])
        (1.0, 1.0)
    """
    exact = max(float(squad_normalize(prediction) == squad_normalize(r)) for r in references)
    return exact, max(squad_f1(prediction, r) for r in references)
