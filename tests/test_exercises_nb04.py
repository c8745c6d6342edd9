"""Notebook 04's exercise checks: plausible wrong answers fail, the reference solutions pass,
untouched exercises say "not attempted". Also a smoke test of viz.similarity_heatmap, which 04 added."""

from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn.functional as F

import helpers.exercise_bank.nb04  # noqa: F401  (registers the checks)
from helpers import check
from helpers.exercises import last_result
from helpers.notebook_tools import exercises

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_pretrained_models_auto_classes.ipynb"


def _fails(exercise_id, answer):
    result = check(exercise_id, answer, quiet=True)
    assert result.status == "fail", f"{exercise_id}: a wrong answer got {result.status!r}"
    assert result.message, "a failing check must say what is wrong"
    return result.message


# ---------------------------------------------------------------------------------------------- 04.1


def _count_right(model, missing_keys):
    return sum(model.get_parameter(name).numel() for name in missing_keys)


def test_04_1_right_answer_passes():
    assert check("04.1", _count_right, quiet=True).status == "pass"


@pytest.mark.parametrize(
    "wrong",
    [
        lambda model, missing_keys: len(missing_keys),  # counts keys, not numbers
        lambda model, missing_keys: sum(p.numel() for p in model.parameters()),  # the whole model
        lambda model, missing_keys: sum(
            model.get_parameter(n).numel() for n in missing_keys if "weight" in n
        ),
        lambda model, missing_keys: (
            model.classifier.weight.numel() + model.classifier.bias.numel()
        ),  # one head only
        lambda model, missing_keys: 384 * 5 + 5,  # the notebook's number, hard-coded
    ],
)
def test_04_1_wrong_answers_fail(wrong):
    _fails("04.1", wrong)


def test_04_1_messages_explain():
    assert "KEYS" in _fails("04.1", lambda model, missing_keys: len(missing_keys))
    assert "biases" in _fails(
        "04.1",
        lambda model, missing_keys: sum(
            model.get_parameter(n).numel() for n in missing_keys if "weight" in n
        ),
    )


# ---------------------------------------------------------------------------------------------- 04.2


def _pool_right(last_hidden_state, attention_mask):
    mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)
    mean = (last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return F.normalize(mean, dim=-1)


def test_04_2_right_answer_passes():
    assert check("04.2", _pool_right, quiet=True).status == "pass"
    # summing instead of averaging is the same after normalisation: accepted
    assert check("04.2", lambda h, m: F.normalize((h * m.unsqueeze(-1)).sum(1), dim=-1), quiet=True).passed


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda h, m: F.normalize(h.mean(1), dim=-1), "padding"),  # forgets the mask
        (lambda h, m: (h * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True), "normalised"),  # no L2 norm
        (lambda h, m: F.normalize((F.normalize(h, dim=-1) * m.unsqueeze(-1)).sum(1), dim=-1), "differ"),
        (lambda h, m: F.normalize(h[:, 0], dim=-1), "differ"),  # CLS pooling
        (lambda h, m: F.normalize(h.mean(2), dim=-1), "shape"),  # wrong axis
    ],
)
def test_04_2_wrong_answers_fail(wrong, phrase):
    assert phrase in _fails("04.2", wrong)


# ---------------------------------------------------------------------------------------------- 04.3


def test_04_3_right_answer_passes():
    assert check("04.3", lambda A, B: F.normalize(A, dim=-1) @ F.normalize(B, dim=-1).T, quiet=True).passed


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda A, B: A @ B.T, "dot product"),
        (lambda A, B: F.normalize(A, dim=0) @ F.normalize(B, dim=0).T, "columns"),
        (lambda A, B: F.cosine_similarity(A[: len(B)], B, dim=-1), "shape"),  # pairs only
        (lambda A, B: F.normalize(A, dim=-1) @ B.T, "[-1, 1]"),  # only A normalised
        (lambda A, B: B @ A.T, "shape"),  # transposed
    ],
)
def test_04_3_wrong_answers_fail(wrong, phrase):
    assert phrase in _fails("04.3", wrong)


# ---------------------------------------------------------------------------------------------- all


@pytest.mark.parametrize("exercise_id", ["04.1", "04.2", "04.3"])
def test_placeholders_are_not_attempted(exercise_id):
    assert check(exercise_id, ..., quiet=True).status == "not attempted"
    assert check(exercise_id, lambda *args: ..., quiet=True).status == "not attempted"


def test_a_crashing_answer_is_reported_not_raised():
    assert check("04.2", lambda h, m: h @ m, quiet=True).status == "fail"


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook 04 not written yet")
def test_reference_solutions_in_the_notebook_pass():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    found = exercises(nb)
    assert [ex_id for ex_id, _, _ in found] == ["04.1", "04.2", "04.3"]
    for ex_id, _, code in found:
        namespace = {"check": check}
        exec(compile(code, f"<solution {ex_id}>", "exec"), namespace)  # self-contained by design
        assert last_result(ex_id).status == "pass", (
            f"reference solution of {ex_id}: {last_result(ex_id).message}"
        )


def test_similarity_heatmap_draws_and_validates():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.viz import similarity_heatmap

    e = F.normalize(torch.randn(4, 8), dim=-1)
    ax = similarity_heatmap(
        e @ e.T, ["one", "two", "three", "a" * 100], groups=["x", "x", "y", "y"], title="t"
    )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("[x] one") and "…" in labels[3]
    assert len(ax.lines) == 2  # one horizontal and one vertical separator between the groups
    with pytest.raises(ValueError, match="square"):
        similarity_heatmap(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="labels"):
        similarity_heatmap(torch.zeros(2, 2), ["a"])
    plt.close("all")
