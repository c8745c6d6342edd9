"""Notebook 04's exercises: plausible wrong answers fail, with a message that says what is wrong.

What every exercise must do (untouched -> "not attempted", a crash reported, the reference solution
passes) is tested for all notebooks in tests/test_exercises_all.py."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_support import fails, passes

import helpers.exercise_bank.nb04  # noqa: F401  (registers the checks)
from helpers import check

# ---------------------------------------------------------------------------------------------- 04.1


def _count_right(model, missing_keys):
    return sum(model.get_parameter(name).numel() for name in missing_keys)


def test_04_1_right_answer_passes():
    assert check("04.1", _count_right, quiet=True).status == "pass"
    # helpers.exercises.as_int's rule: a NumPy integer is a whole number too, True is not
    assert check("04.1", lambda m, k: np.int64(_count_right(m, k)), quiet=True).status == "pass"
    fails("04.1", lambda m, k: True, "whole number")


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
    fails("04.1", wrong)


def test_04_1_messages_explain():
    fails("04.1", lambda model, missing_keys: len(missing_keys), "KEYS")
    fails(
        "04.1",
        lambda model, missing_keys: sum(
            model.get_parameter(n).numel() for n in missing_keys if "weight" in n
        ),
        "biases",
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


def test_04_2_right_answers_in_other_spellings_pass():
    def with_where(last_hidden_state, attention_mask):
        real = attention_mask.bool().unsqueeze(-1)
        summed = torch.where(real, last_hidden_state, 0.0).sum(dim=1)
        mean = summed / attention_mask.sum(dim=1, keepdim=True)  # an int64 count: true division gives floats
        return mean / mean.norm(dim=-1, keepdim=True)

    def with_einsum(last_hidden_state, attention_mask):
        mask = attention_mask.float()
        mean = torch.einsum("bth,bt->bh", last_hidden_state, mask) / mask.sum(1, keepdim=True)
        return F.normalize(mean, p=2, dim=1)

    passes("04.2", with_where)
    passes("04.2", with_einsum)


def test_04_2_a_padded_denominator_is_invisible_once_normalised():
    """Dividing the masked sum by seq_len (padding included) scales each row by a positive number, which
    L2-normalisation divides out: the function returns the right embeddings, so the check cannot fail it.
    Without the normalisation the wrong denominator shows, and the message names it."""
    passes("04.2", lambda h, m: F.normalize((h * m.unsqueeze(-1)).sum(1) / h.shape[1], dim=-1))
    fails("04.2", lambda h, m: (h * m.unsqueeze(-1)).sum(1) / h.shape[1], "seq_len", "padding")


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
    fails("04.2", wrong, phrase)


# ---------------------------------------------------------------------------------------------- 04.3


def test_04_3_right_answer_passes():
    assert check("04.3", lambda A, B: F.normalize(A, dim=-1) @ F.normalize(B, dim=-1).T, quiet=True).passed


def test_04_3_right_answers_in_other_spellings_pass():
    passes("04.3", lambda A, B: F.cosine_similarity(A[:, None, :], B[None, :, :], dim=-1))
    passes("04.3", lambda A, B: (A @ B.T) / torch.outer(A.norm(dim=1), B.norm(dim=1)))
    passes("04.3", lambda A, B: (A / A.norm(dim=1, keepdim=True)).matmul(B.T / B.norm(dim=1)).double())


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
    fails("04.3", wrong, phrase)


# ---------------------------------------------------------------------------------------------- all


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
