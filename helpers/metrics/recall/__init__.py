"""The offline copy of the `recall` metric; load it with ``evaluate.load(metric_path("recall"))``."""
