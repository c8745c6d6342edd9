"""Notebook 09's wrong answers fail, each with a message that says what is wrong. (The generic properties of
every exercise, reference solutions included, are tested in tests/test_exercises_all.py.)"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb09  # noqa: F401  (registers the checks)

# ---------------------------------------------------------------------------------------------------- 09.1


def _llama(config, *, kv_full=False, mlp_mats=3, norms=True, head_when_tied=False, head_dim=None):
    H, I, V = config.hidden_size, config.intermediate_size, config.vocab_size  # noqa: E741
    d = config.head_dim if head_dim is None else head_dim
    q = config.num_attention_heads * d
    kv = (config.num_attention_heads if kv_full else config.num_key_value_heads) * d
    layer = H * q + 2 * H * kv + q * H + mlp_mats * H * I + (2 * H if norms else 0)
    head = V * H if (head_when_tied or not config.tie_word_embeddings) else 0
    return V * H + config.num_hidden_layers * layer + (H if norms else 0) + head


def test_09_1_right_answer_passes():
    passes("09.1", _llama)
    passes("09.1", lambda c: np.int64(_llama(c)))  # helpers.exercises.as_int: NumPy integers are accepted


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda c: _llama(c, head_when_tied=True), "count it once"),  # tied head counted twice
        (lambda c: _llama(c, kv_full=True), "num_key_value_heads"),  # forgets grouped-query attention
        (lambda c: _llama(c, mlp_mats=2), "three matrices"),  # a BERT-style MLP
        (lambda c: _llama(c, norms=False), "RMSNorm"),  # forgets the norms
        (
            lambda c: _llama(c, head_dim=c.hidden_size // c.num_attention_heads),
            "head_dim",
        ),  # ignores head_dim
        (lambda c: _llama(c) - (0 if c.tie_word_embeddings else c.vocab_size * c.hidden_size), "separate"),
        (lambda c: 134_515_008, "transformers counts"),  # SmolLM2's count, hard-coded
        (lambda c: float(_llama(c)) + 0.5, "whole number"),
    ],
)
def test_09_1_wrong_answers_fail(wrong, phrase):
    fails("09.1", wrong, phrase)


# ---------------------------------------------------------------------------------------------------- 09.2

RIGHT = {"embeddings": 2.0, "attention": 4.0, "mlp": 4.0, "total": 3.37}


def test_09_2_right_answers_pass():
    passes("09.2", RIGHT)
    passes("09.2", lambda: dict(RIGHT))  # a function returning the dict is accepted too
    passes("09.2", {"embeddings": 2, "attention": 3.99, "mlp": 4, "total": 3.4})


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        ({**RIGHT, "total": 4.0}, "total: your factor 4 is too high"),  # forgets that embeddings only double
        ({**RIGHT, "total": 2.0}, "too low"),
        ({"embeddings": 2.0, "attention": 2.0, "mlp": 2.0, "total": 2.0}, "both of its dimensions"),  # linear
        ({**RIGHT, "embeddings": 4.0}, "only hidden doubles"),
        ({**RIGHT, "mlp": 8.0}, "too high"),
        ({**RIGHT, "attention": ...}, "still missing ['attention']"),
        ({"embeddings": 2.0, "attention": 4.0}, "still missing"),
        ({**RIGHT, "mlp": "four"}, "give a number"),
        ([2.0, 4.0, 4.0, 3.37], "dict"),
    ],
)
def test_09_2_wrong_answers_fail(wrong, phrase):
    fails("09.2", wrong, phrase)


# ---------------------------------------------------------------------------------------------------- 09.3


def _keep_right(model, keep):
    new = copy.deepcopy(model)
    new.encoder.layer = torch.nn.ModuleList(new.encoder.layer[i] for i in keep)
    new.config.num_hidden_layers = len(keep)
    return new


def _first_n(model, keep):  # what from_pretrained(num_hidden_layers=n) does
    return _keep_right(model, list(range(len(keep))))


def _in_place(model, keep):
    model.encoder.layer = torch.nn.ModuleList(model.encoder.layer[i] for i in keep)
    model.config.num_hidden_layers = len(keep)
    return model


def _config_not_updated(model, keep):
    new = copy.deepcopy(model)
    new.encoder.layer = torch.nn.ModuleList(new.encoder.layer[i] for i in keep)
    return new


def _random_weights(model, keep):
    from transformers import BertModel

    config = copy.deepcopy(model.config)
    config.num_hidden_layers = len(keep)
    return BertModel(config)


def _only_config(model, keep):  # BERT runs every layer in encoder.layer, whatever the config says
    new = copy.deepcopy(model)
    new.config.num_hidden_layers = len(keep)
    return new


def _fresh_embeddings(model, keep):
    new = _keep_right(model, keep)
    torch.nn.init.normal_(new.embeddings.word_embeddings.weight)
    return new


def _shared_config(model, keep):  # edits the original's config object
    new = _keep_right(model, keep)
    model.config.num_hidden_layers = len(keep)
    return new


def _shares_layers(model, keep):  # a copy whose layers are the original's own modules
    new = copy.deepcopy(model)
    new.encoder.layer = torch.nn.ModuleList(model.encoder.layer[i] for i in keep)
    new.config.num_hidden_layers = len(keep)
    return new


def _shares_embeddings(model, keep):  # its own layers, but the original's embeddings module
    new = _keep_right(model, keep)
    new.embeddings = model.embeddings
    return new


def _shares_tensors(model, keep):  # new modules whose parameters are the original's tensors
    new = _keep_right(model, keep)
    new.pooler.dense.weight = model.pooler.dense.weight
    return new


def _shares_config_object(model, keep):  # its own weights, but the original's config object
    new = _keep_right(model, keep)
    new.config = model.config
    return new


def test_09_3_right_answer_passes():
    passes("09.3", _keep_right)


def test_09_3_right_answers_in_other_spellings_pass():
    def copy_layers(model, keep):  # a new model, then copies of the kept layers put in
        from transformers import BertModel

        config = copy.deepcopy(model.config)
        config.num_hidden_layers = len(keep)
        new = BertModel(config)
        new.embeddings.load_state_dict(model.embeddings.state_dict())
        new.pooler.load_state_dict(model.pooler.state_dict())
        new.encoder.layer = torch.nn.ModuleList(copy.deepcopy(model.encoder.layer[i]) for i in keep)
        return new

    passes("09.3", copy_layers)


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (_shares_layers, "shares the module encoder.layer.0"),
        (_shares_embeddings, "shares the module embeddings"),
        (_shares_tensors, "shares the tensor pooler.dense.weight"),
        (_shares_config_object, "config object"),
    ],
)
def test_09_3_answers_sharing_parts_with_the_original_fail(wrong, phrase):
    fails("09.3", wrong, phrase, "cop")


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (_first_n, "FIRST"),
        (_in_place, "you changed the model you were given"),
        (_shared_config, "you changed the model you were given"),
        (_config_not_updated, "config.num_hidden_layers"),
        (_random_weights, "starts random"),
        (_only_config, "layers in encoder.layer"),
        (_fresh_embeddings, "copy the embeddings"),
        (lambda model, keep: model.state_dict(), "return a model"),
    ],
)
def test_09_3_wrong_answers_fail(wrong, phrase):
    fails("09.3", wrong, phrase)
