"""The offline copy of the `precision` metric; load it with ``evaluate.load(metric_path("precision"))``."""
