"""The offline copy of the `accuracy` metric; load it with ``evaluate.load(metric_path("accuracy"))``."""
