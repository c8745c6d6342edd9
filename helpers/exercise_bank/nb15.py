"""Checks for notebook 15 (custom architectures).

15.1 builds the learner's model class from a small config of its own and compares it with a reference computed
from the model's own weights; 15.2 compares with the library's own loss rule (``ForSequenceClassificationLoss``) on
fresh random cases; 15.3 with the temperature formula on sizes and temperatures of its own.
"""

from __future__ import annotations

import inspect
import math
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

from helpers.exercises import Fail, NotAttempted, as_float, attempt, exercise

# --------------------------------------------------------------------------- 15.1 a model of your own


def _untouched(cls) -> bool:
    """The exercise cell's placeholder class: a PreTrainedModel subclass whose body is still ``...``."""
    from transformers import PreTrainedModel

    return cls.__init__ is PreTrainedModel.__init__ and cls.forward is PreTrainedModel.forward


def _module(model, kind, what: str):
    found = [m for m in model.modules() if isinstance(m, kind)]
    if not found:
        raise Fail(f"the model has no {what}: build it in __init__ and assign it to self.")
    return found[0]


def _logits(output, where: str) -> torch.Tensor:
    logits = getattr(output, "logits", None)
    if not isinstance(logits, torch.Tensor):
        raise Fail(
            f"{where} should return a SequenceClassifierOutput with .logits, got {type(output).__name__}."
        )
    return logits


@exercise(
    "15.1",
    hint="The config: @strict class BagRegressorConfig(PreTrainedConfig) with model_type = 'bag-regressor' and the "
    "fields vocab_size: int = 30522, hidden_size: int = 32, initializer_range: float = 0.02. The model: "
    "config_class = BagRegressorConfig, base_model_prefix = 'bag'; __init__ calls super().__init__(config), builds "
    "nn.Embedding(vocab_size, hidden_size) and nn.Linear(hidden_size, 1), and ends with self.post_init(); forward "
    "averages the embeddings where attention_mask is 1 and returns SequenceClassifierOutput(loss=..., logits=...) "
    "with the loss F.mse_loss(logits[:, 0], labels).",
)
def _(model_class):
    from huggingface_hub.errors import StrictDataclassError
    from transformers import PreTrainedConfig, PreTrainedModel

    if not isinstance(model_class, type):
        if inspect.isfunction(model_class):
            attempt(model_class)  # a placeholder function is "not attempted"; one that raises is reported
        raise Fail(
            f"pass the model class itself (check('15.1', BagRegressor)), got {type(model_class).__name__}."
        )
    if not issubclass(model_class, PreTrainedModel):
        raise Fail(f"{model_class.__name__} should subclass transformers.PreTrainedModel.")
    if _untouched(model_class):
        raise NotAttempted()
    config_class = model_class.config_class
    if not (isinstance(config_class, type) and issubclass(config_class, PreTrainedConfig)):
        raise Fail(
            "set config_class = BagRegressorConfig (your PreTrainedConfig subclass) on the model class."
        )
    if not getattr(config_class, "model_type", ""):
        raise Fail(f"{config_class.__name__} needs a model_type, e.g. model_type = 'bag-regressor'.")
    if not model_class.base_model_prefix:
        raise Fail(
            "set base_model_prefix = 'bag' on the model class (the library's default is an empty string)."
        )
    try:
        config = config_class(vocab_size=50, hidden_size=8, initializer_range=0.05)
    except (TypeError, StrictDataclassError) as err:
        raise Fail(f"{config_class.__name__}(vocab_size=50, hidden_size=8, initializer_range=0.05) failed: "
                   f"{str(err).strip().splitlines()[-1].strip()}. Declare the three as fields: vocab_size: int, "
                   "hidden_size: int, initializer_range: float, each with a default.") from None  # fmt: skip
    if (config.vocab_size, config.hidden_size, config.initializer_range) != (50, 8, 0.05):
        raise Fail("the config does not keep the values it is given: declare vocab_size, hidden_size and "
                   "initializer_range as fields of the config (name: type = default).")  # fmt: skip
    try:
        config_class()
    except TypeError as err:
        raise Fail(f"{config_class.__name__}() with no arguments failed ({err}): give every field a default, as "
                   "every library config has (a composite config builds its default sub-configs that way).") from None  # fmt: skip

    torch.manual_seed(15)
    model = model_class(config)
    embedding = _module(model, torch.nn.Embedding, "nn.Embedding")
    linear = _module(model, torch.nn.Linear, "nn.Linear")
    if tuple(embedding.weight.shape) != (50, 8):
        raise Fail(
            f"the embedding table is {tuple(embedding.weight.shape)}; expected (vocab_size, hidden_size) = (50, 8)."
        )
    if (linear.in_features, linear.out_features) != (8, 1):
        raise Fail(
            f"the linear layer maps {linear.in_features} -> {linear.out_features}; expected hidden_size -> 1."
        )
    std = embedding.weight.std().item()
    if std > 0.5:
        raise Fail(f"the embeddings have std {std:.2f}: PyTorch's default initialisation (about 1), not "
                   "initializer_range. End __init__ with self.post_init(), which runs _init_weights.")  # fmt: skip
    if abs(std - 0.05) > 0.012:
        raise Fail(f"the embeddings have std {std:.3f}, expected initializer_range = 0.05 from the config.")

    model.eval()
    ids = torch.randint(1, 50, (4, 7))
    mask = torch.ones_like(ids)
    mask[0, 4:] = 0
    mask[2, 2:] = 0
    with torch.no_grad():
        logits = _logits(model(input_ids=ids, attention_mask=mask), "forward(input_ids, attention_mask)")
        if tuple(logits.shape) != (4, 1):
            raise Fail(f"logits have shape {tuple(logits.shape)}; expected (batch, 1) = (4, 1).")
        vectors = embedding(ids)
        real = mask.unsqueeze(-1).float()
        expected = linear((vectors * real).sum(1) / real.sum(1))
        if not torch.allclose(logits, expected, atol=1e-5):
            if torch.allclose(logits, linear(vectors.mean(1)), atol=1e-5):
                raise Fail("padding positions are averaged in: divide the sum over the positions where "
                           "attention_mask is 1 by their count, not by the sequence length.")  # fmt: skip
            raise Fail("logits differ from Linear(masked mean of the token embeddings).")
        if _logits(model(input_ids=ids), "forward(input_ids)").shape != (4, 1):
            raise Fail("forward(input_ids) without attention_mask should treat every token as real.")
        labels = torch.randn(4)
        output = model(input_ids=ids, attention_mask=mask, labels=labels)
    loss = getattr(output, "loss", None)
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise Fail("with labels, the output's .loss should be one number (a 0-d tensor).")
    want = F.mse_loss(expected[:, 0], labels)
    if not torch.allclose(loss.float(), want, atol=1e-5):
        if torch.allclose(loss.float(), F.mse_loss(expected.expand(4, 4), labels.expand(4, 4)), atol=1e-5):
            raise Fail("the loss compares logits of shape (batch, 1) with labels of shape (batch,): they broadcast "
                       "to (batch, batch). Compare logits[:, 0] (or logits.squeeze(-1)) with the labels.")  # fmt: skip
        if torch.allclose(loss.float(), F.l1_loss(expected[:, 0], labels), atol=1e-5):
            raise Fail("that is the mean absolute error; use the mean squared error (F.mse_loss).")
        raise Fail(f"loss {loss.item():.4f}, expected the mean squared error {want.item():.4f}.")
    if getattr(model(input_ids=ids, attention_mask=mask), "loss", None) is not None:
        raise Fail("without labels the loss should be None.")

    with tempfile.TemporaryDirectory() as folder:
        try:
            model.save_pretrained(folder)
            reloaded = model_class.from_pretrained(folder)
        except AttributeError as err:
            if "all_tied_weights_keys" in str(err):
                raise Fail(
                    "the save/reload round trip fails: call self.post_init() at the end of __init__."
                ) from None
            raise
    if type(reloaded.config) is not config_class or reloaded.config.hidden_size != 8:
        raise Fail("the reloaded model's config is not your config class with the saved values.")
    with torch.no_grad():
        again = _logits(reloaded(input_ids=ids, attention_mask=mask), "the reloaded model")
    if not torch.equal(again, logits):
        raise Fail("the reloaded model gives other outputs: every weight must be a registered parameter of a "
                   "submodule (assign layers to self), so that save_pretrained writes it.")  # fmt: skip


# --------------------------------------------------------------------------- 15.2 the library's loss rule


def _library(logits: torch.Tensor, labels: torch.Tensor, num_labels: int) -> tuple[str, float]:
    from transformers import PreTrainedConfig
    from transformers.loss.loss_utils import ForSequenceClassificationLoss

    config = PreTrainedConfig(num_labels=num_labels)  # problem_type None: the library decides
    loss = ForSequenceClassificationLoss(labels.clone(), logits.clone(), config)
    return config.problem_type, loss.item()


def _cases(seed: int):
    g = torch.Generator().manual_seed(seed)
    n = 6
    yield torch.randn(n, 1, generator=g), torch.randn(n, generator=g) * 3, 1, "regression with float targets"
    yield (
        torch.randn(n, 1, generator=g),
        torch.randint(0, 4, (n,), generator=g),
        1,
        "num_labels=1 with int labels",
    )
    yield torch.randn(n, 4, generator=g), torch.randint(0, 4, (n,), generator=g), 4, "class ids (int64)"
    yield (
        torch.randn(n, 3, generator=g),
        torch.randint(0, 2, (n, 3), generator=g).float(),
        3,
        "multi-hot floats",
    )
    yield torch.randn(1, 1, generator=g), torch.randn(1, generator=g), 1, "regression with a batch of one"
    yield (
        torch.randn(n, 2, generator=g),
        torch.randint(0, 2, (n, 2), generator=g).float(),
        2,
        "two yes/no labels",
    )


@exercise(
    "15.2",
    hint="The library's rule: num_labels == 1 -> 'regression' (MSE between logits.squeeze() and labels.squeeze(), "
    "whatever the labels' dtype); else integer labels (torch.long or torch.int) -> 'single_label_classification' "
    "(cross-entropy); else -> 'multi_label_classification' (binary cross-entropy with logits, each label its own "
    "yes/no question).",
)
def _(sequence_classification_loss):
    for seed in (0, 1):
        for logits, labels, num_labels, kind in _cases(seed):
            got = attempt(sequence_classification_loss, logits.clone(), labels.clone(), num_labels)
            if not isinstance(got, tuple | list) or len(got) != 2:
                raise Fail(f"return a pair (problem_type, loss), got {type(got).__name__}.")
            problem_type, loss = got
            want_type, want_loss = _library(logits, labels, num_labels)
            where = f"({kind}: num_labels={num_labels}, labels {str(labels.dtype).replace('torch.', '')} of shape {tuple(labels.shape)})"
            if problem_type != want_type:
                if want_type == "regression" and num_labels == 1:
                    raise Fail(f"problem_type {problem_type!r} {where}: with num_labels == 1 the library always "
                               "chooses 'regression', even for integer labels.")  # fmt: skip
                if want_type == "multi_label_classification":
                    raise Fail(f"problem_type {problem_type!r} {where}: float labels with several outputs make "
                               "'multi_label_classification'.")  # fmt: skip
                raise Fail(f"problem_type {problem_type!r} {where}; the library chooses {want_type!r}.")
            value = as_float(loss, "the loss")
            if not math.isclose(value, want_loss, rel_tol=1e-4, abs_tol=1e-5):
                hint = {"regression": "the mean squared error of logits.squeeze() and labels.squeeze()",
                        "single_label_classification": "the cross-entropy of the logits and the class ids",
                        "multi_label_classification": "binary cross-entropy with logits, averaged over every label "
                        "of every example"}[want_type]  # fmt: skip
                raise Fail(f"loss {value:.4f} {where}, the library's is {want_loss:.4f}: {hint}.")


# --------------------------------------------------------------------------- 15.3 temperature sampling


def _as_probabilities(value, n: int) -> list[float]:
    if hasattr(value, "tolist") and not isinstance(value, int | float):
        if len(getattr(value, "shape", (0,))) != 1:
            raise Fail(f"return one probability per task (a flat list), got shape {tuple(value.shape)}.")
        value = value.tolist()
    if not isinstance(value, list | tuple):
        raise Fail(f"return a list (or array) of probabilities, got {type(value).__name__}.")
    if len(value) != n:
        raise Fail(f"return one probability per task: {n} sizes, {len(value)} values.")
    return [as_float(v, f"probability {i}") for i, v in enumerate(value)]


@exercise(
    "15.3",
    hint="weights = np.asarray(sizes, dtype=float) ** (1.0 / temperature), then divide by weights.sum(). "
    "With temperature = inf, 1 / inf is 0 and every weight is 1: uniform.",
)
def _(task_probabilities):
    cases = [([1488, 29793], 1.0), ([1488, 29793], 2.0), ([100, 400, 1600], 2.0), ([10, 100, 1000], 3.0),
             ([5, 50], 0.5), ([7], 2.0), ([300, 300], 4.0), ([1, 2, 3, 4], float("inf")), ([20, 8000], 10.0)]  # fmt: skip
    rng = np.random.default_rng(153)
    cases += [(rng.integers(1, 50_000, size=int(rng.integers(2, 5))).tolist(), float(rng.choice([1.5, 2, 3, 5])))
              for _ in range(5)]  # fmt: skip
    for sizes, temperature in cases:
        given = list(sizes)
        got = _as_probabilities(attempt(task_probabilities, given, temperature), len(sizes))
        if given != list(sizes):
            raise Fail(
                "task_probabilities changed the list of sizes it was given; compute a new array instead."
            )
        weights = np.asarray(sizes, dtype=float) ** (1.0 / temperature)
        want = weights / weights.sum()
        where = f"task_probabilities({sizes}, {temperature})"
        if np.allclose(got, want, atol=1e-6):
            continue
        if not math.isclose(sum(got), 1.0, abs_tol=1e-6):
            raise Fail(
                f"{where} sums to {sum(got):.4f}: divide by the sum so that the probabilities add up to 1."
            )
        powered = np.asarray(sizes, dtype=float) ** temperature
        if np.isfinite(powered).all() and np.allclose(got, powered / powered.sum(), atol=1e-6):
            raise Fail(f"{where}: you raised the sizes to the power T; the formula uses 1 / T (a higher "
                       "temperature flattens the distribution towards uniform).")  # fmt: skip
        scaled = np.exp((np.asarray(sizes, dtype=float) - max(sizes)) / temperature)
        if np.allclose(got, scaled / scaled.sum(), atol=1e-6):
            raise Fail(
                f"{where}: that is a softmax of the sizes; the formula raises each size to the power 1 / T."
            )
        raise Fail(f"{where} returned {np.round(got, 4).tolist()}, expected {np.round(want, 4).tolist()}.")
