"""Checks for notebook 04: pretrained models and the Auto classes.

04.1  count_new_parameters(model, missing_keys) -> int   numbers in the weights a head adds
04.2  load_report(checkpoint, model) -> dict              MISSING, UNEXPECTED and MISMATCHED tensor names
04.3  mean_pool(last_hidden_state, attention_mask)        masked mean pooling (not normalised)
04.4  cosine_matrix(A, B)                                 all pairwise cosine similarities

The checks use tiny models built from a config and random tensors, so each runs in well under a second.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.exercises import Fail, as_int, attempt, exercise


def _tiny_bert_config(**kwargs):
    from transformers import BertConfig

    sizes = dict(
        vocab_size=60,
        hidden_size=24,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
    )
    return BertConfig(**{**sizes, **kwargs})


@exercise(
    "04.1",
    hint="Look each missing key up with model.get_parameter(name) and add up .numel() of those tensors.",
)
def _(answer):
    from transformers import (
        BertForQuestionAnswering,
        BertForSequenceClassification,
        BertForTokenClassification,
    )

    torch.manual_seed(0)
    cases = [
        (
            "a sequence-classification head with 3 labels",
            BertForSequenceClassification(_tiny_bert_config(num_labels=3)),
            {"classifier.weight", "classifier.bias"},
        ),
        (
            "a token-classification head with 7 labels",
            BertForTokenClassification(_tiny_bert_config(num_labels=7)),
            {"classifier.weight", "classifier.bias"},
        ),
        (
            "a question-answering head (start and end scores)",
            BertForQuestionAnswering(_tiny_bert_config()),
            {"qa_outputs.weight", "qa_outputs.bias"},
        ),
        (
            "a classifier whose checkpoint also lacked the pooler",
            BertForSequenceClassification(_tiny_bert_config(num_labels=4)),
            {"classifier.weight", "classifier.bias", "bert.pooler.dense.weight", "bert.pooler.dense.bias"},
        ),
    ]
    for description, model, missing in cases:
        got = as_int(attempt(answer, model, set(missing)), description)
        params = dict(model.named_parameters())
        expected = sum(params[name].numel() for name in missing)
        total = sum(p.numel() for p in model.parameters())
        if got == expected:
            continue
        if got == len(missing):
            raise Fail(
                f"For {description} you returned {got}, the number of missing KEYS. "
                f"Count the numbers inside those tensors: {expected}."
            )
        if got == total:
            raise Fail(
                f"For {description} you returned {got}, every parameter of the model; "
                "count only the ones named in missing_keys."
            )
        weights_only = sum(params[n].numel() for n in missing if n.endswith("weight"))
        if got == weights_only:
            raise Fail(
                f"For {description} you counted only the weight matrices ({got}); the biases are new too."
            )
        raise Fail(
            f"For {description} (missing keys {sorted(missing)}) you returned {got}, expected {expected}."
        )


@exercise(
    "04.3",
    hint="mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype); "
    "summed = (last_hidden_state * mask).sum(1); return summed / mask.sum(1).clamp(min=1e-9): the sum over "
    "the real tokens divided by their number. No normalisation here: the notebook adds it in the next cell.",
)
def _(answer):
    gen = torch.Generator().manual_seed(4)
    cases = [
        (  # int64, exactly what a tokenizer returns
            torch.randn(4, 7, 10, generator=gen),
            torch.tensor(
                [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0]]
            ),
        ),
        (
            torch.randn(2, 5, 6, generator=gen, dtype=torch.float64),
            torch.tensor([[1, 1, 0, 0, 0], [1, 1, 1, 1, 0]]),
        ),
    ]
    for hidden, mask in cases:
        hidden[mask == 0] += 5.0  # padding positions hold large values, as junk would
        got = attempt(answer, hidden.clone(), mask.clone())
        if not isinstance(got, torch.Tensor):
            raise Fail(f"return a torch.Tensor, got {type(got).__name__}")
        batch, seq_len, width = hidden.shape
        if tuple(got.shape) != (batch, width):
            raise Fail(
                f"expected shape (batch, hidden) = ({batch}, {width}), got {tuple(got.shape)}: average over dim "
                "1, the tokens"
            )
        got = got.detach().double()
        h, m = hidden.double(), mask.unsqueeze(-1).double()
        summed = (h * m).sum(1)
        expected = summed / m.sum(1)
        if torch.allclose(got, expected, atol=1e-5):
            continue
        if torch.allclose(got, F.normalize(expected, dim=-1), atol=1e-5):
            # Normalising divides out any positive factor per row: a wrong denominator (seq_len, or none)
            # looks the same once normalised, so the exercise asks for the mean itself.
            raise Fail(
                "you L2-normalised the vectors: return the masked mean itself (the notebook's own version "
                "normalises it in the next cell)"
            )
        if torch.allclose(got, h.mean(1), atol=1e-5):
            raise Fail(
                "you averaged over every position, padding included; weight the tokens by the attention mask"
            )
        if torch.allclose(got, summed / seq_len, atol=1e-5):
            raise Fail(
                "you divided the masked sum by seq_len, which counts the padding positions too; divide by the "
                "number of real tokens (mask.sum(1))"
            )
        if torch.allclose(got, summed, atol=1e-5):
            raise Fail("that is the masked sum; divide it by the number of real tokens of each sentence")
        raise Fail(f"your vectors differ from the masked mean (max error {(got - expected).abs().max():.2e})")


@exercise(
    "04.4",
    hint="Normalise the rows of both matrices (F.normalize(X, dim=-1)), then one matrix product: "
    "A_n @ B_n.T.",
)
def _(answer):
    gen = torch.Generator().manual_seed(5)
    A = torch.randn(5, 16, generator=gen) * torch.linspace(0.5, 4.0, 5).unsqueeze(1)
    B = torch.randn(3, 16, generator=gen) * torch.tensor([[0.2], [1.0], [7.0]])
    got = attempt(answer, A.clone(), B.clone())
    if not isinstance(got, torch.Tensor):
        raise Fail(f"return a torch.Tensor, got {type(got).__name__}")
    if tuple(got.shape) != (5, 3):
        raise Fail(
            f"A has 5 rows and B has 3, so the result should have shape (5, 3); got {tuple(got.shape)}"
        )
    expected = F.cosine_similarity(A.unsqueeze(1), B.unsqueeze(0), dim=-1)
    got = got.detach().float()
    if torch.allclose(got, expected, atol=1e-5):
        return
    if torch.allclose(got, A @ B.T, atol=1e-4):
        raise Fail("that is the plain dot product; divide by the norms (normalise the rows first)")
    if torch.allclose(got, F.normalize(A, dim=0) @ F.normalize(B, dim=0).T, atol=1e-5):
        raise Fail("you normalised the columns (dim=0); each row is one vector, so normalise along dim=-1")
    if got.abs().max() > 1 + 1e-5:
        raise Fail(f"cosine similarities lie in [-1, 1]; you returned values up to {got.abs().max():.2f}")
    raise Fail(f"your matrix differs from the reference (max error {(got - expected).abs().max():.2e})")


# ---------------------------------------------------------------------------------------------- 04.2


def state_dict_shapes(model) -> dict[str, tuple[int, ...]]:
    """{tensor name: shape as a tuple} of a model's state_dict()."""
    return {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}


def load_report_cases() -> list[tuple[str, dict, dict]]:
    """(description, checkpoint shapes, model shapes), from real heads on a tiny BERT (meta device: no
    memory, no initialisation). Also used by the tests, which compare with from_pretrained's own report."""
    from transformers import (
        BertForMaskedLM,
        BertForQuestionAnswering,
        BertForSequenceClassification,
        BertForTokenClassification,
    )

    with torch.device("meta"):
        topics = state_dict_shapes(BertForSequenceClassification(_tiny_bert_config(num_labels=5)))
        return [
            (
                "a 5-label sequence classifier's checkpoint loaded for token classification with 3 labels",
                topics,
                state_dict_shapes(BertForTokenClassification(_tiny_bert_config(num_labels=3))),
            ),
            (
                "a 5-label sequence classifier's checkpoint loaded for question answering",
                topics,
                state_dict_shapes(BertForQuestionAnswering(_tiny_bert_config())),
            ),
            (
                "a masked-LM checkpoint loaded for sequence classification with 4 labels",
                state_dict_shapes(BertForMaskedLM(_tiny_bert_config())),
                state_dict_shapes(BertForSequenceClassification(_tiny_bert_config(num_labels=4))),
            ),
            (
                "a 5-label classifier's checkpoint loaded with a larger vocabulary (80 tokens instead of 60)",
                topics,
                state_dict_shapes(
                    BertForSequenceClassification(_tiny_bert_config(num_labels=5, vocab_size=80))
                ),
            ),
            (
                "a 5-label classifier's checkpoint loaded into the same architecture",
                topics,
                state_dict_shapes(BertForSequenceClassification(_tiny_bert_config(num_labels=5))),
            ),
        ]


def reference_load_report(checkpoint: dict, model: dict) -> dict[str, set[str]]:
    both = checkpoint.keys() & model.keys()
    return {
        "missing": set(model.keys() - checkpoint.keys()),
        "unexpected": set(checkpoint.keys() - model.keys()),
        "mismatched": {name for name in both if tuple(checkpoint[name]) != tuple(model[name])},
    }


def _names(value, key: str, description: str) -> set[str]:
    """A collection of names (list, set, tuple...); a (name, shape, shape) item counts as its name."""
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise Fail(f"for {description}, report[{key!r}] should be a collection of names, got {value!r}")
    names = set()
    for item in value:
        if isinstance(item, tuple | list) and item and isinstance(item[0], str):
            item = item[0]  # transformers reports a mismatch as (name, checkpoint shape, model shape)
        if not isinstance(item, str):
            raise Fail(f"for {description}, report[{key!r}] should hold tensor names, got {item!r}")
        names.add(item)
    return names


@exercise(
    "04.2",
    hint="Three set operations on the names (dict keys): missing = in the model, not in the checkpoint; "
    "unexpected = in the checkpoint, not in the model; mismatched = in both, with different shapes. A "
    "mismatched name is in both, so it is neither missing nor unexpected.",
)
def _(load_report):
    for description, checkpoint, model in load_report_cases():
        got = attempt(load_report, dict(checkpoint), dict(model))
        if not isinstance(got, dict) or not {"missing", "unexpected", "mismatched"} <= set(got):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            raise Fail(f"return a dict with the keys 'missing', 'unexpected' and 'mismatched'; got {keys}")
        got = {key: _names(got[key], key, description) for key in ("missing", "unexpected", "mismatched")}
        expected = reference_load_report(checkpoint, model)
        if got == expected:
            continue
        where = f"For {description}"
        if got["missing"] == expected["unexpected"] and got["unexpected"] == expected["missing"]:
            raise Fail(
                f"{where} missing and unexpected are swapped: MISSING is in the model but not in the "
                "checkpoint (new, random weights); UNEXPECTED is in the checkpoint but not in the model."
            )
        for key in ("missing", "unexpected"):
            wrongly = sorted((got[key] - expected[key]) & expected["mismatched"])
            if wrongly:
                raise Fail(
                    f"{where} you report {wrongly} as {key}: those names are in both the checkpoint and the "
                    "model, with different shapes: MISMATCHED, not missing or unexpected."
                )
        if expected["mismatched"] and not got["mismatched"]:
            raise Fail(
                f"{where} nothing is mismatched in your report, but {sorted(expected['mismatched'])} have other "
                "shapes in the checkpoint than in the model: compare the shapes of the names found in both."
            )
        extra = sorted(got["mismatched"] - expected["mismatched"])
        if extra and all(name in checkpoint and name in model for name in extra):
            raise Fail(
                f"{where} you report {extra[:3]}{' ...' if len(extra) > 3 else ''} as mismatched, but their "
                "shapes agree: only names whose shapes differ are mismatched."
            )
        for key in ("missing", "unexpected", "mismatched"):
            if got[key] != expected[key]:
                raise Fail(f"{where} {key} should be {sorted(expected[key])}; you report {sorted(got[key])}.")
