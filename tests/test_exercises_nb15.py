"""Wrong answers to the exercises of notebook 15 fail, with a message that names the mistake; right ones pass.

The generic properties (the notebook's exercises match the registered checks, untouched -> "not attempted", a
crash is reported, the reference solutions pass) are tested for every notebook in tests/test_exercises_all.py.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from exercise_support import fails, passes
from torch import nn
from transformers import PreTrainedConfig, PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

import helpers.exercise_bank.nb15  # noqa: F401  (registers the checks)
from helpers.exercises import check

# --------------------------------------------------------------------------- 15.1 a model of your own


class BagConfig(PreTrainedConfig):
    model_type = "bag-regressor-test"

    def __init__(self, vocab_size=30522, hidden_size=32, initializer_range=0.02, **kwargs):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.initializer_range = initializer_range
        super().__init__(**kwargs)


class Bag(PreTrainedModel):
    """A right answer written another way: its own names, squeeze(-1), and no default for attention_mask's dtype."""

    config_class = BagConfig
    base_model_prefix = "bag"
    MASKED, POST_INIT, LOSS = True, True, "mse"

    def __init__(self, config):
        super().__init__(config)
        self.table = nn.Embedding(config.vocab_size, config.hidden_size)
        self.out = nn.Linear(config.hidden_size, 1)
        if self.POST_INIT:
            self.post_init()

    def forward(self, input_ids, attention_mask=None, labels=None):
        vectors = self.table(input_ids)
        if attention_mask is None or not self.MASKED:
            pooled = vectors.mean(1)
        else:
            weights = attention_mask.unsqueeze(-1).float()
            pooled = (vectors * weights).sum(1) / weights.sum(1)
        logits = self.out(pooled)
        loss = None
        if labels is not None:
            if self.LOSS == "mse":
                loss = F.mse_loss(logits.squeeze(-1), labels)
            elif self.LOSS == "broadcast":
                loss = ((logits - labels) ** 2).mean()  # (batch, 1) - (batch,) -> (batch, batch)
            else:
                loss = F.l1_loss(logits.squeeze(-1), labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


def _variant(**attributes):
    return type("BagVariant", (Bag,), attributes)


class NoDefaults(PreTrainedConfig):
    model_type = "bag-no-defaults"

    def __init__(self, vocab_size, hidden_size, initializer_range=0.02, **kwargs):
        self.vocab_size, self.hidden_size, self.initializer_range = vocab_size, hidden_size, initializer_range
        super().__init__(**kwargs)


class Untouched(PreTrainedModel): ...


def test_15_1_wrong_answers():
    passes("15.1", Bag)
    assert check("15.1", Untouched, quiet=True).status == "not attempted"
    fails("15.1", Bag(BagConfig()), "pass the model class itself")
    fails("15.1", nn.Linear, "subclass transformers.PreTrainedModel")
    fails("15.1", _variant(POST_INIT=False), "post_init")
    fails("15.1", _variant(MASKED=False), "padding positions are averaged in")
    fails("15.1", _variant(LOSS="broadcast"), "broadcast")
    fails("15.1", _variant(LOSS="l1"), "mean absolute error")
    fails("15.1", _variant(config_class=None), "config_class")
    fails("15.1", _variant(base_model_prefix=""), "base_model_prefix")
    fails("15.1", _variant(config_class=NoDefaults), "default")


# --------------------------------------------------------------------------- 15.2 the library's loss rule


def _rule(logits, labels, num_labels, int_rule=(torch.long, torch.int), regression_by_dtype=False):
    if num_labels == 1 and regression_by_dtype and labels.dtype in int_rule:  # decides by the dtype alone
        return "single_label_classification", torch.tensor(0.0)
    if num_labels == 1:
        return "regression", F.mse_loss(logits.squeeze(), labels.squeeze().float())
    if labels.dtype in int_rule:
        return "single_label_classification", F.cross_entropy(logits.view(-1, num_labels), labels.view(-1))
    if regression_by_dtype:
        return "regression", F.mse_loss(logits, labels)
    return "multi_label_classification", F.binary_cross_entropy_with_logits(logits, labels)


def test_15_2_wrong_answers():
    passes("15.2", _rule)
    passes("15.2", lambda x, y, k: (lambda t, loss: [t, loss.item()])(*_rule(x, y, k)))  # a list, a float
    fails("15.2", lambda x, y, k: _rule(x, y, k, regression_by_dtype=True), "always chooses 'regression'")
    fails("15.2", lambda x, y, k: ("single_label_classification", F.cross_entropy(x, y.long() if y.dim() == 1 else y.argmax(-1)))
          if k > 1 else _rule(x, y, k), "multi_label_classification")  # fmt: skip
    fails("15.2", lambda x, y, k: (_rule(x, y, k)[0], _rule(x, y, k)[1] * 2), "the library's is")
    fails("15.2", lambda x, y, k: _rule(x, y, k)[1], "pair")


# --------------------------------------------------------------------------- 15.3 temperature sampling


def _probabilities(sizes, temperature):
    weights = np.asarray(sizes, dtype=float) ** (1.0 / temperature)
    return weights / weights.sum()


def test_15_3_wrong_answers():
    def sorts_in_place(sizes, temperature):
        sizes.sort(reverse=True)
        return _probabilities(sizes, temperature)

    passes("15.3", _probabilities)
    passes("15.3", lambda s, t: torch.tensor(_probabilities(s, t)).tolist())
    passes("15.3", lambda s, t: tuple(float(p) for p in _probabilities(s, t)))
    fails("15.3", lambda s, t: np.asarray(s, dtype=float) ** (1 / t), "sums to")
    fails("15.3", lambda s, t: (lambda w: w / w.sum())(np.asarray(s, dtype=float) ** min(t, 50.0)), "power T")
    fails("15.3", lambda s, t: torch.softmax(torch.tensor(s, dtype=torch.float64) / t, 0).numpy(), "softmax")
    fails("15.3", lambda s, t: _probabilities(s, t)[:1], "one probability per task")
    fails("15.3", lambda s, t: _probabilities(s, t)[None], "flat list")
    fails("15.3", lambda s, t: float(_probabilities(s, t)[0]), "list")
    fails("15.3", sorts_in_place, "changed the list")
