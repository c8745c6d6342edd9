"""Properties every exercise of every notebook must have, tested once here (see tests/exercise_support.py).

- every check a bank registers has its exercise cell in the notebook (the other direction, every exercise
  cell has a registered check, is part of the notebook's anatomy: tests/test_notebook_format.py);
- an untouched exercise (``...``, or a function whose body is still ``...``) says "not attempted";
- an answer that raises is reported as a failure, never raised into the learner's notebook;
- the reference solution passes when run on its own, with the imports every notebook has (NOTEBOOK_IMPORTS),
  up to its check call (what a solution cell does after the check, such as printing something about the
  notebook's own objects, does not decide the exercise). CI also executes each notebook's solutions copy.
"""

from __future__ import annotations

import ast
import math
import sys
import types

import numpy as np
import pytest
import torch
from datasets import Dataset, DatasetDict
from exercise_support import course_notebook_ids, reference_solutions, registered_ids

from helpers.exercises import check, last_result

NOTEBOOK_IMPORTS = {"math": math, "np": np, "torch": torch, "Dataset": Dataset, "DatasetDict": DatasetDict}

CASES = [(nb_id, ex_id) for nb_id in course_notebook_ids() for ex_id in reference_solutions(nb_id)]


@pytest.mark.parametrize("nb_id", course_notebook_ids())
def test_every_registered_check_has_an_exercise_cell(nb_id: str):
    in_notebook = sorted(reference_solutions(nb_id))
    orphans = [ex_id for ex_id in registered_ids(nb_id) if ex_id not in in_notebook]
    assert not orphans, (
        f"helpers/exercise_bank/nb{nb_id}.py registers {orphans}, which notebook {nb_id} has no exercise "
        f"cell for (its exercises: {in_notebook})"
    )


def _placeholder(*args, **kwargs): ...  # what an exercise cell holds before the learner writes anything


@pytest.mark.parametrize("nb_id, ex_id", CASES)
def test_untouched_exercise_is_not_attempted(nb_id: str, ex_id: str):
    assert check(ex_id, ..., quiet=True).status == "not attempted"
    assert check(ex_id, _placeholder, quiet=True).status == "not attempted"


@pytest.mark.parametrize("nb_id, ex_id", CASES)
def test_crashing_answer_is_reported_not_raised(nb_id: str, ex_id: str):
    called = []

    def crash(*args, **kwargs):
        called.append(True)
        raise RuntimeError("boom")

    result = check(ex_id, crash, quiet=True)  # must not raise
    assert result.status == "fail", f"{ex_id}: an answer that raises got {result.status!r}"
    if called:  # the check ran the learner's function: the learner must see what their code raised
        assert "RuntimeError" in result.message and "boom" in result.message, result.message
    else:  # the exercise asks for a value, not a function: a function is simply a wrong answer
        assert result.message


@pytest.mark.parametrize("nb_id, ex_id", CASES)
def test_reference_solution_passes_on_its_own(nb_id: str, ex_id: str, capsys):
    code = _up_to_check_call(reference_solutions(nb_id)[ex_id], ex_id)
    # a module of its own, as a notebook's __main__ is: pydantic resolves a model's annotations there
    module = types.ModuleType(f"reference_solution_{ex_id.replace('.', '_')}")
    module.__dict__.update({"check": check, **NOTEBOOK_IMPORTS})
    sys.modules[module.__name__] = module
    try:
        exec(compile(code, f"<reference solution {ex_id}>", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    assert last_result(ex_id).status == "pass", last_result(ex_id).message
    assert "correct" in capsys.readouterr().out


def _up_to_check_call(code: str, ex_id: str) -> str:
    """The solution's statements up to and including the one that calls check(ex_id, ...)."""
    tree = ast.parse(code)
    for i, statement in enumerate(tree.body):
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "check"
                and node.args
                and getattr(node.args[0], "value", None) == ex_id
            ):
                tree.body = tree.body[: i + 1]
                return ast.unparse(tree)
    raise AssertionError(f"the reference solution of {ex_id} never calls check({ex_id!r}, ...)")
