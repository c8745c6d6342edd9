"""Repository-wide pytest configuration: offline by default, and a table of notebook run times at the end."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("MPLBACKEND", "Agg")

_NOTEBOOK_TIMES: dict[str, tuple[float, str]] = {}


def pytest_runtest_logreport(report):
    """Record the wall time of each executed notebook (nbmake items are the .ipynb files)."""
    file_name = Path(report.nodeid.split("::")[0]).name
    if report.when == "call" and file_name.startswith("_solutions_") and file_name.endswith(".ipynb"):
        name = file_name.removeprefix("_solutions_")
        _NOTEBOOK_TIMES[name] = (report.duration, report.outcome)


def pytest_terminal_summary(terminalreporter):
    if not _NOTEBOOK_TIMES:
        return
    profile = os.environ.get("LAB_PROFILE", "(auto)")
    tr = terminalreporter
    tr.write_sep("=", f"notebook execution times (profile {profile}, with reference solutions)")
    for name, (seconds, outcome) in sorted(_NOTEBOOK_TIMES.items()):
        tr.write_line(f"  {name:<48} {seconds:7.1f} s  {outcome}")
    total = sum(s for s, _ in _NOTEBOOK_TIMES.values())
    tr.write_line(f"  {'total':<48} {total:7.1f} s")
