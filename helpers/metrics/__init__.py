"""Local copies of `evaluate` metric modules, so that metrics load without the Hugging Face Hub.

``evaluate.load("accuracy")`` fetches the metric's script from the Hub. Offline, load the same metric from
its folder here instead; the result is identical (both call scikit-learn)::

    import evaluate
    from helpers.metrics import metric_path
    accuracy = evaluate.load(metric_path("accuracy"))
    accuracy.compute(predictions=[0, 1, 1], references=[0, 1, 0])   # {'accuracy': 0.666...}

Each metric is a folder ``<name>/<name>.py`` holding one ``evaluate.Metric`` subclass, the layout of the
metric repositories on the Hub (``evaluate-metric/<name>``).
"""

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
