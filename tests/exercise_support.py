"""What every tests/test_exercises_nbNN.py needs: a notebook's reference solutions, and assertions that a
wrong answer fails with the right message or a right one passes.

The generic properties of every exercise (the notebook's exercise cells match the registered checks, an
untouched exercise says "not attempted", a crashing answer is reported and never raised, the reference
solutions pass) are tested once for all notebooks in tests/test_exercises_all.py. A notebook's own test
file only holds its wrong answers.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import nbformat

from helpers.exercises import REGISTRY, CheckResult, check
from helpers.notebook_tools import exercises

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def notebook_path(nb_id: str) -> Path:
    """The committed notebook ``NN_*.ipynb`` (never a generated ``_solutions_`` copy)."""
    found = sorted(NOTEBOOKS.glob(f"{nb_id}_*.ipynb"))
    if len(found) != 1:
        raise FileNotFoundError(f"expected one notebooks/{nb_id}_*.ipynb, found {[p.name for p in found]}")
    return found[0]


def course_notebook_ids() -> list[str]:
    """Ids ("01", "02", ...) of the committed course notebooks."""
    return sorted(p.name[:2] for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def reference_solutions(nb_id: str) -> dict[str, str]:
    """{exercise id: reference solution code} read from the notebook's solution cells, in notebook order."""
    nb = nbformat.read(notebook_path(nb_id), as_version=4)
    return {ex_id: code for ex_id, _, code in exercises(nb)}


def registered_ids(nb_id: str) -> list[str]:
    """Ids of the checks that ``helpers/exercise_bank/nbNN.py`` registers."""
    importlib.import_module(f"helpers.exercise_bank.nb{nb_id}")
    return sorted(ex_id for ex_id in REGISTRY if ex_id.startswith(f"{nb_id}."))


def fails(ex_id: str, answer, *message_parts: str) -> CheckResult:
    """Assert that ``answer`` fails exercise ``ex_id`` and that the message contains every part given."""
    result = check(ex_id, answer, quiet=True)
    assert result.status == "fail", f"{ex_id}: a wrong answer got {result.status!r}"
    assert result.message, f"{ex_id}: a failing check must say what is wrong"
    for part in message_parts:
        assert part in result.message, f"{ex_id}: expected {part!r} in {result.message!r}"
    return result


def passes(ex_id: str, answer) -> CheckResult:
    """Assert that ``answer`` passes exercise ``ex_id``."""
    result = check(ex_id, answer, quiet=True)
    assert result.status == "pass", f"{ex_id}: a right answer got {result.status!r}: {result.message}"
    return result
