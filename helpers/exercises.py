"""Exercise self-checks: ``check("NN.k", answer)`` says pass, or fail with a hint, or "not attempted".

In a notebook::

    def causal_mask(n):
        ...  # your code here

    check("01.2", causal_mask)

- An untouched exercise (the answer is ``...`` or ``None``, or your function still returns ``...``/``None``
  or raises ``NotImplementedError``) prints "not attempted" and does NOT raise, so Run All always works.
- A wrong answer prints what was wrong and a hint. An exception inside your code is reported, not raised.
- Reference solutions sit in a collapsed "Reference solution" cell under each exercise.

The checks themselves live in ``helpers/exercise_bank/nbNN.py``, one module per notebook, registered with
the ``@exercise`` decorator. Each compares your answer with a reference computed at check time, so a
check can never pass whatever you write.
"""

from __future__ import annotations

import importlib
import math
import numbers
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PASS, FAIL, NOT_ATTEMPTED = "pass", "fail", "not attempted"


class Fail(Exception):
    """Raised by a check when the answer is wrong; the message says what is wrong."""


class NotAttempted(Exception):
    """Raised when the answer is still the placeholder."""


@dataclass
class CheckResult:
    """Outcome of one ``check`` call."""

    exercise_id: str
    status: str  # "pass" | "fail" | "not attempted"
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def __repr__(self) -> str:  # what a notebook shows if the result is the last expression of a cell
        return f"CheckResult({self.exercise_id!r}, {self.status!r})"


@dataclass
class Exercise:
    exercise_id: str
    hint: str
    func: Callable[[Any], None]


REGISTRY: dict[str, Exercise] = {}
HISTORY: list[CheckResult] = []


def exercise(exercise_id: str, hint: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Register a check. The decorated function receives the learner's answer and raises ``Fail`` if wrong.

    Example:
        >>> @exercise("00.5", hint="Two plus two.")
        ... def _(answer):
        ...     if answer != 4:
        ...         raise Fail(f"got {answer}")
        >>> check("00.5", 4, quiet=True).status
        'pass'
    """

    def register(func: Callable[[Any], None]) -> Callable[[Any], None]:
        REGISTRY[exercise_id] = Exercise(exercise_id, hint, func)
        return func

    return register


def is_placeholder(value: Any) -> bool:
    """True for the values an untouched exercise holds: ``...`` and ``None``.

    Example:
        >>> is_placeholder(...), is_placeholder(0)
        (True, False)
    """
    return value is Ellipsis or value is None


def attempt(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the learner's function; turn a placeholder result into ``NotAttempted``.

    Use this inside checks instead of calling the learner's function directly.

    Example:
        >>> attempt(lambda x: x + 1, 1)
        2
    """
    if not callable(func):
        raise Fail(f"expected a function, got {type(func).__name__}")
    try:
        result = func(*args, **kwargs)
    except NotImplementedError as err:
        raise NotAttempted() from err
    if is_placeholder(result):
        raise NotAttempted()
    return result


def _one_value(value: Any, what: str) -> Any:
    """A 0-d or one-element tensor / NumPy array -> its Python scalar; anything else unchanged."""
    if hasattr(value, "shape") and hasattr(value, "tolist"):  # torch.Tensor, numpy.ndarray
        size = getattr(value, "numel", None)
        count = size() if callable(size) else getattr(value, "size", None)
        if count != 1:
            raise Fail(f"{what} should be one number, got an array of shape {tuple(value.shape)}.")
        return value.reshape(()).tolist() if hasattr(value, "reshape") else value.item()
    if hasattr(value, "item") and not isinstance(value, numbers.Number):
        return value.item()
    return value


def as_int(value: Any, what: str = "your answer") -> int:
    """The learner's answer as a Python ``int``, or ``Fail`` saying why it is not a whole number.

    The one rule every exercise check uses: Python ints, NumPy integers, whole floats (``3.0``) and
    one-element tensors or arrays are accepted; ``True``/``False``, fractions, NaN and non-numbers are not.

    Example:
        >>> import numpy as np, torch
        >>> as_int(3), as_int(np.int64(3)), as_int(torch.tensor([3])), as_int(3.0)
        (3, 3, 3, 3)
        >>> as_int(True)
        Traceback (most recent call last):
        ...
        helpers.exercises.Fail: your answer should be a whole number, got bool: True.
    """
    value = _one_value(value, what)
    if hasattr(value, "item") and isinstance(value, numbers.Number):  # numpy scalar
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Fail(f"{what} should be a whole number, got {type(value).__name__}: {value!r}.")
    if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
        raise Fail(f"{what} should be a whole number, got {value!r}.")
    return int(value)


def as_float(value: Any, what: str = "your answer") -> float:
    """The learner's answer as a Python ``float``, or ``Fail`` saying why it is not one finite number.

    Accepts ints, floats, NumPy scalars and one-element tensors or arrays (``np.quantile(x, 0.5)`` included);
    rejects ``True``/``False``, NaN and non-numbers.

    Example:
        >>> import numpy as np
        >>> as_float(np.float32(0.5)), as_float(np.array([2])), as_float(1)
        (0.5, 2.0, 1.0)
    """
    value = _one_value(value, what)
    if hasattr(value, "item") and isinstance(value, numbers.Number):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Fail(f"{what} should be one number, got {type(value).__name__}: {value!r}.")
    value = float(value)
    if math.isnan(value):
        raise Fail(f"{what} is NaN: a division by zero somewhere?")
    return value


def as_int_list(value: Any, what: str = "your answer") -> list[int]:
    """The learner's answer as a list of ints: lists, tuples, 1-d tensors and arrays are accepted.

    Example:
        >>> import torch
        >>> as_int_list(torch.tensor([1, 2])), as_int_list((3, 4.0))
        ([1, 2], [3, 4])
    """
    if hasattr(value, "tolist") and not isinstance(value, numbers.Number):
        if len(getattr(value, "shape", (0,))) != 1:
            raise Fail(f"{what} should be a flat list of ints, got shape {tuple(value.shape)}.")
        value = value.tolist()
    if not isinstance(value, list | tuple):
        raise Fail(f"{what} should be a list of ints, got {type(value).__name__}.")
    return [as_int(v, f"{what}[{i}]") for i, v in enumerate(value)]


def _load_bank(exercise_id: str) -> None:
    notebook = exercise_id.split(".")[0]
    if exercise_id in REGISTRY:
        return
    try:
        importlib.import_module(f"helpers.exercise_bank.nb{notebook}")
    except ModuleNotFoundError as err:
        if err.name != f"helpers.exercise_bank.nb{notebook}":
            raise


def check(exercise_id: str, answer: Any, quiet: bool = False) -> CheckResult:
    """Check an exercise answer and print the outcome. Never raises for a wrong or missing answer.

    Example:
        >>> @exercise("00.6", hint="Any answer.")
        ... def _(answer): ...
        >>> check("00.6", ..., quiet=True).status
        'not attempted'
    """
    _load_bank(exercise_id)
    if exercise_id not in REGISTRY:
        known = ", ".join(sorted(REGISTRY)) or "none loaded"
        raise KeyError(f"No exercise {exercise_id!r}. Known exercises: {known}")
    ex = REGISTRY[exercise_id]
    if is_placeholder(answer):
        result = CheckResult(exercise_id, NOT_ATTEMPTED, "replace the ... placeholder with your answer")
    else:
        try:
            ex.func(answer)
            result = CheckResult(exercise_id, PASS)
        except NotAttempted:
            result = CheckResult(exercise_id, NOT_ATTEMPTED, "your function still returns the placeholder")
        except Fail as err:
            result = CheckResult(exercise_id, FAIL, str(err))
        except Exception as err:  # the learner's code raised: report it, keep Run All going
            where = traceback.extract_tb(err.__traceback__)[-1]
            result = CheckResult(
                exercise_id, FAIL, f"your code raised {type(err).__name__}: {err} (line {where.lineno})"
            )
    HISTORY.append(result)
    if not quiet:
        if result.status == PASS:
            print(f"✅ Exercise {exercise_id}: correct!")
        elif result.status == NOT_ATTEMPTED:
            print(f"⏭️  Exercise {exercise_id}: not attempted yet ({result.message}).")
        else:
            print(f"❌ Exercise {exercise_id}: not quite. {result.message}\n   Hint: {ex.hint}")
    return result


def last_result(exercise_id: str) -> CheckResult:
    """The most recent result for ``exercise_id`` (used by the tests that run the reference solutions).

    Example:
        >>> @exercise("00.6", hint="Any answer.")
        ... def _(answer): ...
        >>> _ = check("00.6", ..., quiet=True)
        >>> last_result("00.6").status
        'not attempted'
    """
    for result in reversed(HISTORY):
        if result.exercise_id == exercise_id:
            return result
    raise LookupError(f"check({exercise_id!r}, ...) has not been called in this session")


def expect(exercise_id: str, status: str) -> None:
    """Assert that the last check of ``exercise_id`` had ``status`` (for generated test notebooks).

    Example:
        >>> @exercise("00.6", hint="Any answer.")
        ... def _(answer): ...
        >>> _ = check("00.6", ..., quiet=True)
        >>> expect("00.6", "not attempted")
    """
    got = last_result(exercise_id)
    if got.status != status:
        raise AssertionError(
            f"exercise {exercise_id}: expected {status!r}, got {got.status!r} ({got.message})"
        )
