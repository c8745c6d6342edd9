"""Repository-wide pytest configuration: offline by default, docstring examples kept to themselves, and a
table of notebook run times at the end. (Fixtures for tests/ are in tests/conftest.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("MPLBACKEND", "Agg")

_NOTEBOOK_TIMES: dict[str, tuple[float, str]] = {}


@pytest.fixture(autouse=True)
def _doctest_hygiene(request, tmp_path_factory):
    """A docstring example (``pytest --doctest-modules helpers``) writes under a temporary LAB_OUTPUT_DIR,
    has its figures closed, and must leave os.environ as it found it."""
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return
    outputs = str(tmp_path_factory.mktemp("doctest-outputs"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAB_OUTPUT_DIR", outputs)
        before = dict(os.environ)
        yield
        after = dict(os.environ)
    import matplotlib.pyplot as plt

    plt.close("all")
    keys = (before.keys() | after.keys()) - {"PYTEST_CURRENT_TEST"}  # pytest's own, set at every phase
    changed = sorted(k for k in keys if before.get(k) != after.get(k))
    assert not changed, f"{request.node.name} changed os.environ: {changed}"


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
