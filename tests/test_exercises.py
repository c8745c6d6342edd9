"""The exercise checker: pass, fail with hint, not attempted (never raising), errors in learner code."""

import pytest

from helpers import exercises as ex
from helpers.exercises import Fail, attempt, check, exercise


@exercise("00.1", hint="Square each number.")
def _check_squares(answer):
    got = attempt(answer, [1, 2, 3])
    if list(got) != [1, 4, 9]:
        raise Fail(f"squares of [1, 2, 3] should be [1, 4, 9]; yours gave {list(got)}")


@exercise("00.2", hint="The answer is a number.")
def _check_value(answer):
    if answer != 42:
        raise Fail(f"{answer!r} is not it")


def test_pass(capsys):
    assert check("00.1", lambda xs: [x * x for x in xs]).status == "pass"
    assert "✅" in capsys.readouterr().out


def test_fail_shows_message_and_hint(capsys):
    result = check("00.1", lambda xs: [x + x for x in xs])
    out = capsys.readouterr().out
    assert result.status == "fail" and "[2, 4, 6]" in out and "Hint: Square each number." in out


@pytest.mark.parametrize("placeholder", [..., None])
def test_placeholder_value_is_not_attempted(placeholder, capsys):
    assert check("00.2", placeholder).status == "not attempted"
    assert "not attempted" in capsys.readouterr().out


def test_function_returning_placeholder_is_not_attempted():
    def untouched(xs): ...

    def raising(xs):
        raise NotImplementedError

    assert check("00.1", untouched, quiet=True).status == "not attempted"
    assert check("00.1", raising, quiet=True).status == "not attempted"


def test_learner_exception_is_reported_not_raised(capsys):
    result = check("00.1", lambda xs: 1 / 0)
    assert result.status == "fail" and "ZeroDivisionError" in result.message


def test_non_callable_where_function_expected():
    assert check("00.1", 5, quiet=True).status == "fail"


def test_unknown_exercise_is_a_clear_error():
    with pytest.raises(KeyError, match="No exercise '99.9'"):
        check("99.9", 1)


def test_history_and_expect():
    check("00.2", 41, quiet=True)
    assert ex.last_result("00.2").status == "fail"
    ex.expect("00.2", "fail")
    with pytest.raises(AssertionError, match="expected 'pass'"):
        ex.expect("00.2", "pass")
    with pytest.raises(LookupError):
        ex.last_result("00.9")
    assert repr(ex.last_result("00.2")) == "CheckResult('00.2', 'fail')"
    assert not ex.last_result("00.2").passed
