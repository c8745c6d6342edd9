"""Wrong answers to the exercises of notebook 10 fail, with a message that names the mistake; right ones pass.

The generic properties (the notebook's exercises match the registered checks, untouched -> "not attempted", a
crash is reported, the reference solutions pass) are tested for every notebook in tests/test_exercises_all.py.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from exercise_support import fails, passes

import helpers.exercise_bank.nb10  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 10.1 compute_metrics


def _metrics(eval_pred, average="macro", axis=-1, scale=1.0, key="macro_f1"):
    from sklearn.metrics import f1_score

    logits, labels = eval_pred
    predictions = logits.argmax(axis=axis)
    if predictions.shape != labels.shape:
        predictions = np.resize(predictions, labels.shape)
    return {
        "accuracy": scale * float((predictions == labels).mean()),
        key: f1_score(labels, predictions, average=average),
    }


def test_10_1_wrong_answers():
    def in_place(eval_pred):
        result = _metrics(eval_pred)
        eval_pred.predictions[:] = 0
        return result

    def as_list(eval_pred):
        return list(_metrics(eval_pred).values())

    passes("10.1", _metrics)
    passes("10.1", lambda p: {k: torch.tensor(v) for k, v in _metrics(p).items()})  # 0-d tensors are numbers
    fails("10.1", lambda p: _metrics(p, average="weighted"), "weighted")
    fails("10.1", lambda p: _metrics(p, average="micro"), "micro")
    fails("10.1", lambda p: _metrics(p, axis=0), "argmax of its row")
    fails("10.1", lambda p: _metrics(p, scale=100.0), "percentage")
    fails("10.1", lambda p: _metrics(p, key="f1"), "'macro_f1'")
    fails("10.1", in_place, "in place")
    fails("10.1", as_list, "dict")


# --------------------------------------------------------------------------- 10.3 optimizer steps


def _steps(n_examples, batch_size, grad_accum, num_epochs):
    return math.ceil(num_epochs * math.ceil(math.ceil(n_examples / batch_size) / grad_accum))


def test_10_2_wrong_answers():
    passes("10.3", _steps)
    passes("10.3", lambda n, b, g, e: np.int64(_steps(n, b, g, e)))
    fails("10.3", lambda n, b, g, e: math.ceil(n * e / (b * g)), "own short batch")
    fails("10.3", lambda n, b, g, e: int(n * e // (b * g)), "round up")
    fails("10.3", lambda n, b, g, e: math.ceil(e * math.ceil(n / b)), "counts batches")
    fails("10.3", lambda n, b, g, e: float(_steps(n, b, g, e)), "return an int")
    fails("10.3", lambda n, b, g, e: _steps(n, b, g, e) + 1, "expected")


# --------------------------------------------------------------------------- 10.4 class weights


def _weights(labels, num_classes):
    counts = torch.bincount(torch.as_tensor(labels), minlength=num_classes)
    return len(labels) / (num_classes * counts.float())


def test_10_3_wrong_answers():
    def sorts_in_place(labels, num_classes):
        labels.sort()
        return _weights(labels, num_classes)

    passes("10.4", _weights)
    fails("10.4", lambda y, k: 1 / torch.bincount(torch.as_tensor(y), minlength=k).float(), "average weight")
    fails("10.4", lambda y, k: _weights(y, k) / _weights(y, k).sum(), "average weight")
    fails("10.4", lambda y, k: torch.bincount(torch.as_tensor(y), minlength=k).float() / len(y), "rare")
    fails("10.4", lambda y, k: _weights(y, k).tolist(), "torch tensor")
    fails("10.4", lambda y, k: torch.bincount(torch.as_tensor(y), minlength=k), "dtype")
    fails("10.4", lambda y, k: _weights(y, k)[None], "shape")
    fails("10.4", sorts_in_place, "changed the list")


def test_10_3_right_answers_in_other_spellings_pass():
    def with_sklearn(labels, num_classes):  # float64 weights
        from sklearn.utils.class_weight import compute_class_weight

        classes = np.arange(num_classes)
        return torch.tensor(compute_class_weight("balanced", classes=classes, y=np.asarray(labels)))

    def with_counter(labels, num_classes):
        from collections import Counter

        counts = Counter(labels)
        return torch.tensor([len(labels) / (num_classes * counts[c]) for c in range(num_classes)])

    def with_numpy(labels, num_classes):
        counts = np.bincount(labels, minlength=num_classes)
        return torch.from_numpy(len(labels) / (num_classes * counts)).float()

    passes("10.4", with_sklearn)
    passes("10.4", with_counter)
    passes("10.4", with_numpy)


# --------------------------------------------------------------------------- 10.5 weighted loss


def _loss(logits, labels, class_weights, num_items_in_batch):
    return F.cross_entropy(logits, labels, weight=class_weights, reduction="sum") / num_items_in_batch


def test_10_4_wrong_answers():
    passes("10.5", _loss)
    fails("10.5", lambda x, y, w, n: F.cross_entropy(x, y, weight=w), "weighted *mean*")
    fails(
        "10.5",
        lambda x, y, w, n: F.cross_entropy(x, y, weight=w, reduction="sum") / len(y),
        "micro-batch only",
    )
    fails("10.5", lambda x, y, w, n: F.cross_entropy(x, y, reduction="sum") / n, "ignores the class weights")
    fails(
        "10.5",
        lambda x, y, w, n: (F.cross_entropy(x, y, reduction="none") * w[x.argmax(-1)]).sum() / n,
        "predicted",
    )
    fails("10.5", lambda x, y, w, n: F.cross_entropy(x, y, weight=w, reduction="none") / n, "0-d")
    fails("10.5", lambda x, y, w, n: _loss(x, y, w, n).detach(), "require grad")
    fails("10.5", lambda x, y, w, n: _loss(x, y, w, n).item(), "torch tensor")


def test_10_4_right_answers_in_other_spellings_pass():
    def by_hand(logits, labels, class_weights, num_items_in_batch):
        log_p = logits.log_softmax(dim=-1).gather(1, labels[:, None]).squeeze(1)  # log p(true class)
        return -(class_weights[labels] * log_p).sum() / num_items_in_batch

    def unweighted_then_weighted(logits, labels, class_weights, num_items_in_batch):
        per_example = F.cross_entropy(logits, labels, reduction="none")
        return (per_example * class_weights[labels]).sum() / num_items_in_batch.item()  # an int divisor

    def with_nll(logits, labels, class_weights, num_items_in_batch):
        nll = F.nll_loss(F.log_softmax(logits, dim=1), labels, weight=class_weights, reduction="sum")
        return nll / num_items_in_batch

    passes("10.5", by_hand)
    passes("10.5", unweighted_then_weighted)
    passes("10.5", with_nll)


# --------------------------------------------------------------------------- 10.2 linear schedule


def _lr(step, peak_lr, total, warmup_steps, *, rounding=math.ceil, offset=1, decay_over_all=False):
    """The right formula with the defaults; a typical mistake otherwise."""
    warmup = warmup_steps if warmup_steps >= 1 or rounding is None else rounding(warmup_steps * total)
    done = step - offset
    if done < warmup:
        return peak_lr * done / max(1, warmup)
    rest = total if decay_over_all else max(1, total - warmup)
    return peak_lr * max(0.0, (total - done) / rest)


def test_10_5_reference_is_what_the_trainer_logs(tmp_path):
    """The check's reference against a real Trainer's log history: 12 steps, 25% warm-up (3 steps)."""
    from datasets import Dataset
    from transformers import Trainer, TrainingArguments

    from helpers.exercise_bank.nb10 import reference_learning_rate

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 2)

        def forward(self, x, labels):
            return {"loss": F.cross_entropy(self.linear(x), labels)}

    data = Dataset.from_dict(
        {"x": [[float(i), 1.0] for i in range(24)], "labels": [i % 2 for i in range(24)]}
    )
    args = TrainingArguments(
        output_dir=str(tmp_path), per_device_train_batch_size=2, max_steps=12, learning_rate=1e-3,
        lr_scheduler_type="linear", warmup_steps=0.25, logging_steps=1, save_strategy="no", report_to="none",
        disable_tqdm=True, use_cpu=True,
    )  # fmt: skip
    trainer = Trainer(model=Tiny(), args=args, train_dataset=data)
    trainer.train()
    logged = [
        (row["step"], row["learning_rate"]) for row in trainer.state.log_history if "learning_rate" in row
    ]
    assert len(logged) == 12
    for step, lr in logged:
        assert math.isclose(lr, reference_learning_rate(step, 1e-3, 12, 0.25), rel_tol=1e-6, abs_tol=1e-15), (
            step
        )


def test_10_5_right_answers_in_other_spellings_pass():
    passes("10.2", _lr)
    passes("10.2", lambda *a: np.float64(_lr(*a)))  # a NumPy float
    passes("10.2", lambda *a: torch.tensor(_lr(*a), dtype=torch.float64))

    def with_get_scheduler(step, peak_lr, total, warmup_steps):
        from transformers import get_scheduler

        warmup = warmup_steps if warmup_steps >= 1 else math.ceil(warmup_steps * total)
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=peak_lr)
        scheduler = get_scheduler("linear", optimizer, num_warmup_steps=warmup, num_training_steps=total)
        for _ in range(step - 1):
            optimizer.step()
            scheduler.step()
        return scheduler.get_last_lr()[0]

    passes("10.2", with_get_scheduler)


def test_10_5_wrong_answers():
    fails("10.2", lambda *a: _lr(*a, offset=0), "off by one")
    fails("10.2", lambda *a: _lr(*a, rounding=math.floor), "rounds UP", "down")
    fails("10.2", lambda *a: _lr(*a, rounding=round), "rounds UP")
    fails("10.2", lambda *a: _lr(*a, rounding=None), "share of num_training_steps")
    fails("10.2", lambda *a: _lr(*a, decay_over_all=True), "remaining")
    fails(
        "10.2", lambda step, peak_lr, total, warmup: _lr(step, 1.0, total, warmup), "multiply it by peak_lr"
    )
    fails("10.2", lambda step, peak_lr, total, warmup: peak_lr, "expected")  # constant
    fails("10.2", lambda *a: str(_lr(*a)), "one number")
