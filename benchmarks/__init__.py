"""Measured comparisons quoted by the README. Run all with `make bench` (python -m benchmarks)."""
