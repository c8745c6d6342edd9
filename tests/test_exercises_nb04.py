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


# ---------------------------------------------------------------------------------------------- 04.3


def _pool_right(last_hidden_state, attention_mask):
    mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)
    return (last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def test_04_2_right_answer_passes():
    assert check("04.3", _pool_right, quiet=True).status == "pass"
    passes("04.3", lambda h, m: _pool_right(h, m).float())  # float32 from a float64 input


def test_04_2_right_answers_in_other_spellings_pass():
    def with_where(last_hidden_state, attention_mask):
        real = attention_mask.bool().unsqueeze(-1)
        summed = torch.where(real, last_hidden_state, 0.0).sum(dim=1)
        return summed / attention_mask.sum(dim=1, keepdim=True)  # an int64 count: true division gives floats

    def with_einsum(last_hidden_state, attention_mask):
        mask = attention_mask.to(last_hidden_state.dtype)
        return torch.einsum("bth,bt->bh", last_hidden_state, mask) / mask.sum(1, keepdim=True)

    def row_by_row(last_hidden_state, attention_mask):
        return torch.stack(
            [h[m.bool()].mean(0) for h, m in zip(last_hidden_state, attention_mask, strict=True)]
        )

    passes("04.3", with_where)
    passes("04.3", with_einsum)
    passes("04.3", row_by_row)


def test_04_2_a_padded_denominator_fails_even_when_normalised():
    """The old exercise asked for L2-normalised vectors, and normalising cancels any positive factor per row:
    dividing the masked sum by seq_len (padding included) then passed. Now the mean itself is checked."""
    fails("04.3", lambda h, m: F.normalize((h * m.unsqueeze(-1)).sum(1) / h.shape[1], dim=-1), "normalis")
    fails("04.3", lambda h, m: (h * m.unsqueeze(-1)).sum(1) / h.shape[1], "seq_len", "padding")


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda h, m: h.mean(1), "padding"),  # forgets the mask
        (lambda h, m: F.normalize(_pool_right(h, m), dim=-1), "normalised"),  # the old exercise's answer
        (lambda h, m: (h * m.unsqueeze(-1)).sum(1), "sum"),  # no division
        (lambda h, m: _pool_right(F.normalize(h, dim=-1), m), "differ"),
        (lambda h, m: h[:, 0], "differ"),  # CLS pooling
        (lambda h, m: h.mean(2), "shape"),  # wrong axis
        (lambda h, m: _pool_right(h, m).tolist(), "torch.Tensor"),
    ],
)
def test_04_2_wrong_answers_fail(wrong, phrase):
    fails("04.3", wrong, phrase)


# ---------------------------------------------------------------------------------------------- 04.4


def test_04_3_right_answer_passes():
    assert check("04.4", lambda A, B: F.normalize(A, dim=-1) @ F.normalize(B, dim=-1).T, quiet=True).passed


def test_04_3_right_answers_in_other_spellings_pass():
    passes("04.4", lambda A, B: F.cosine_similarity(A[:, None, :], B[None, :, :], dim=-1))
    passes("04.4", lambda A, B: (A @ B.T) / torch.outer(A.norm(dim=1), B.norm(dim=1)))
    passes("04.4", lambda A, B: (A / A.norm(dim=1, keepdim=True)).matmul(B.T / B.norm(dim=1)).double())


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
    fails("04.4", wrong, phrase)


# ---------------------------------------------------------------------------------------------- 04.2


def _report_right(checkpoint, model):
    both = checkpoint.keys() & model.keys()
    return {
        "missing": model.keys() - checkpoint.keys(),
        "unexpected": checkpoint.keys() - model.keys(),
        "mismatched": {name for name in both if checkpoint[name] != model[name]},
    }


def test_04_4_reference_agrees_with_from_pretrained(tmp_path):
    """The rule of the check, against transformers' own load report on the check's first case (and the
    second): save a tiny 5-label classifier, load it with other heads."""
    import transformers
    from transformers import (
        BertForQuestionAnswering,
        BertForSequenceClassification,
        BertForTokenClassification,
    )

    from helpers.exercise_bank.nb04 import _tiny_bert_config, reference_load_report, state_dict_shapes

    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()
    try:
        source = BertForSequenceClassification(_tiny_bert_config(num_labels=5))
        source.save_pretrained(tmp_path)
        for head, kwargs in [
            (BertForTokenClassification, {"num_labels": 3, "ignore_mismatched_sizes": True}),
            (BertForQuestionAnswering, {}),
            (BertForSequenceClassification, {"num_labels": 3, "ignore_mismatched_sizes": True}),
        ]:
            model, info = head.from_pretrained(tmp_path, output_loading_info=True, **kwargs)
            ours = reference_load_report(state_dict_shapes(source), state_dict_shapes(model))
            assert ours["missing"] == info["missing_keys"], head.__name__
            assert ours["unexpected"] == info["unexpected_keys"], head.__name__
            assert ours["mismatched"] == {name for name, _, _ in info["mismatched_keys"]}, head.__name__
    finally:
        transformers.logging.set_verbosity(verbosity)


def test_04_4_right_answers_in_other_spellings_pass():
    passes("04.2", _report_right)
    passes("04.2", lambda c, m: {key: sorted(names) for key, names in _report_right(c, m).items()})  # lists

    def transformers_style(checkpoint, model):  # mismatches as (name, checkpoint shape, model shape)
        report = _report_right(checkpoint, model)
        report["mismatched"] = [(n, checkpoint[n], model[n]) for n in report["mismatched"]]
        return report

    def loops(checkpoint, model):
        report = {"missing": [], "unexpected": [], "mismatched": []}
        for name, shape in model.items():
            if name not in checkpoint:
                report["missing"].append(name)
            elif list(checkpoint[name]) != list(shape):
                report["mismatched"].append(name)
        report["unexpected"] = [name for name in checkpoint if name not in model]
        return report

    passes("04.2", transformers_style)
    passes("04.2", loops)


def test_04_4_wrong_answers_fail():
    def swapped(checkpoint, model):
        return _report_right(model, checkpoint)

    def mismatched_as_missing(checkpoint, model):
        report = _report_right(checkpoint, model)
        report["missing"] |= report["mismatched"]
        return report

    def mismatched_as_unexpected(checkpoint, model):
        report = _report_right(checkpoint, model)
        report["unexpected"] |= report["mismatched"]
        return report

    def shapes_ignored(checkpoint, model):
        return {**_report_right(checkpoint, model), "mismatched": set()}

    def every_common_name(checkpoint, model):
        return {**_report_right(checkpoint, model), "mismatched": checkpoint.keys() & model.keys()}

    def heads_only(checkpoint, model):  # the pooler, the vocabulary... are not "heads", but they count
        return {
            key: {n for n in names if "bert." not in n}
            for key, names in _report_right(checkpoint, model).items()
        }

    fails("04.2", swapped, "swapped")
    fails("04.2", mismatched_as_missing, "MISMATCHED, not missing")
    fails("04.2", mismatched_as_unexpected, "MISMATCHED, not missing or unexpected")
    fails("04.2", shapes_ignored, "compare the shapes")
    fails("04.2", every_common_name, "shapes agree")
    fails("04.2", heads_only, "should be")
    fails("04.2", lambda c, m: [c.keys() - m.keys(), m.keys() - c.keys()], "dict with the keys")
    fails(
        "04.2",
        lambda c, m: {"missing": "classifier.weight", "unexpected": [], "mismatched": []},
        "collection",
    )


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
