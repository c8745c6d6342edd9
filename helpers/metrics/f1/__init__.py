"""The offline copy of the `f1` metric; load it with ``evaluate.load(metric_path("f1"))``."""
