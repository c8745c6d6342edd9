"""Checks for notebook 04: pretrained models and the Auto classes.

04.1  count_new_parameters(model, missing_keys) -> int   numbers in the weights a head adds
04.2  mean_pool(last_hidden_state, attention_mask)        masked mean pooling + L2 normalisation
04.3  cosine_matrix(A, B)                                 all pairwise cosine similarities

The checks use tiny models built from a config and random tensors, so each runs in well under a second.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.exercises import Fail, as_int, attempt, exercise


def _tiny_bert_config(**kwargs):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=60,
        hidden_size=24,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
        **kwargs,
    )


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
    "04.2",
    hint="mask = attention_mask.unsqueeze(-1).to(hidden dtype); "
    "summed = (last_hidden_state * mask).sum(1); mean = summed / mask.sum(1).clamp(min=1e-9); "
    "then F.normalize(mean, dim=-1).",
)
def _(answer):
    gen = torch.Generator().manual_seed(4)
    hidden = torch.randn(4, 7, 10, generator=gen)
    hidden[:, 3:] += 5.0  # padding positions hold large values, as junk would
    mask = torch.tensor(
        [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0]]
    )  # int64, exactly what a tokenizer returns
    got = attempt(answer, hidden.clone(), mask.clone())
    if not isinstance(got, torch.Tensor):
        raise Fail(f"return a torch.Tensor, got {type(got).__name__}")
    if tuple(got.shape) != (4, 10):
        raise Fail(
            f"expected shape (batch, hidden) = (4, 10), got {tuple(got.shape)}: average over dim 1, the "
            "tokens"
        )
    m = mask.unsqueeze(-1).float()
    mean = (hidden * m).sum(1) / m.sum(1)
    # Only the normalised rows come back, and normalising divides out any positive per-row factor: a masked
    # sum divided by the real-token count, by seq_len or by nothing gives the same answer, so the check
    # cannot tell those apart (and must not fail them: they return the right embeddings).
    expected = F.normalize(mean, dim=-1)
    got = got.detach().float()
    if torch.allclose(got, expected, atol=1e-5):
        return
    if torch.allclose(got, F.normalize(hidden.mean(1), dim=-1), atol=1e-5):
        raise Fail(
            "you averaged over every position, padding included; weight the tokens by the attention mask"
        )
    if torch.allclose(got, mean, atol=1e-5):
        raise Fail(
            "the masked mean is right, but the embeddings are not L2-normalised (each row should have norm 1)"
        )
    if torch.allclose(got, (hidden * m).sum(1) / hidden.shape[1], atol=1e-5):
        raise Fail(
            "you divided the masked sum by seq_len, which counts the padding positions too; divide by the "
            "number of real tokens (mask.sum(1)), then L2-normalise each row"
        )
    norms = got.norm(dim=-1)
    if not torch.allclose(norms, torch.ones_like(norms), atol=1e-4):
        raise Fail(f"rows should have L2 norm 1 after normalising; got norms {norms.tolist()}")
    raise Fail(f"your embeddings differ from the reference (max error {(got - expected).abs().max():.2e})")


@exercise(
    "04.3",
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
