"""Checks for notebook 10 (the Trainer).

10.1  compute_metrics(eval_pred): accuracy and macro F1 from an EvalPrediction
10.2  learning_rate_at(step, peak_lr, num_training_steps, warmup_steps): the linear schedule with warm-up
10.3  optimizer_steps(n_examples, batch_size, grad_accum, num_epochs): steps the Trainer takes
10.4  class_weights(labels, num_classes): "balanced" class weights
10.5  weighted_loss(logits, labels, class_weights, num_items_in_batch): a loss that survives accumulation

Each check computes its reference at check time (scikit-learn or PyTorch, or the Trainer's own step formula)
on fresh random inputs, and names the typical mistake when an answer differs. No model is loaded.
"""

from __future__ import annotations

import math
import random
import warnings

import numpy as np
import torch

from helpers.exercises import Fail, as_float, as_int, attempt, exercise

# --------------------------------------------------------------------------- 10.1 compute_metrics


def _eval_prediction(n: int, num_classes: int, seed: int, weights: list[float]):
    """An EvalPrediction like the Trainer builds: float logits (n, num_classes) and int labels (n,)."""
    from transformers.trainer_utils import EvalPrediction

    rng = np.random.default_rng(seed)
    labels = rng.choice(num_classes, size=n, p=np.asarray(weights) / sum(weights))
    logits = rng.normal(size=(n, num_classes)).astype(np.float32)
    logits[np.arange(n), labels] += 0.8  # better than chance, far from perfect
    return EvalPrediction(predictions=logits, label_ids=labels)


@exercise(
    "10.1",
    hint="logits, labels = eval_pred; predictions = logits.argmax(axis=-1) (one class per row); accuracy is "
    "the share of predictions == labels; macro F1 is sklearn's f1_score(labels, predictions, "
    "average='macro') (the unweighted mean of the per-class F1 scores).",
)
def _(compute_metrics):
    from sklearn.metrics import accuracy_score, f1_score

    # Imbalanced labels, like the tweets: macro F1 then differs from accuracy and from weighted F1.
    cases = [(200, 3, 1, [0.45, 0.4, 0.15]), (120, 5, 2, [0.3, 0.3, 0.2, 0.1, 0.1]), (40, 2, 3, [0.8, 0.2])]
    for n, num_classes, seed, weights in cases:
        eval_pred = _eval_prediction(n, num_classes, seed, weights)
        logits, labels = eval_pred.predictions.copy(), eval_pred.label_ids.copy()
        with (
            warnings.catch_warnings()
        ):  # a class that is never predicted: sklearn warns, F1 of that class = 0
            warnings.simplefilter("ignore")
            got = attempt(compute_metrics, eval_pred)
        if not isinstance(got, dict):
            raise Fail(
                f"compute_metrics should return a dict of metric names to numbers, got {type(got).__name__}."
            )
        if not (
            np.array_equal(eval_pred.predictions, logits) and np.array_equal(eval_pred.label_ids, labels)
        ):
            raise Fail("compute_metrics changed eval_pred's arrays in place; compute new arrays instead.")
        for key in ("accuracy", "macro_f1"):
            if key not in got:
                raise Fail(
                    f"the dict has no key {key!r} (it has {sorted(got)}); the Trainer logs it as "
                    f"'eval_{key}'."
                )
        predictions = logits.argmax(axis=-1)
        expected = {
            "accuracy": accuracy_score(labels, predictions),
            "macro_f1": f1_score(labels, predictions, average="macro", zero_division=0),
        }
        where = f"({n} examples, {num_classes} classes)"
        accuracy, macro_f1 = (
            as_float(got["accuracy"], "metrics['accuracy']"),
            as_float(got["macro_f1"], "metrics['macro_f1']"),
        )
        if not math.isclose(accuracy, expected["accuracy"], abs_tol=1e-6):
            if math.isclose(accuracy, 100 * expected["accuracy"], abs_tol=1e-4):
                raise Fail(f"accuracy is {accuracy:.2f}: give a fraction between 0 and 1, not a percentage.")
            raise Fail(
                f"accuracy is {accuracy:.4f}, expected {expected['accuracy']:.4f} {where}. The prediction of "
                "each example is the argmax of its row of logits (axis=-1)."
            )
        if not math.isclose(macro_f1, expected["macro_f1"], abs_tol=1e-6):
            micro = f1_score(labels, predictions, average="micro", zero_division=0)
            weighted = f1_score(labels, predictions, average="weighted", zero_division=0)
            if math.isclose(macro_f1, weighted, abs_tol=1e-6):
                raise Fail(
                    "macro_f1 equals the *weighted* F1: macro F1 averages the classes without weighting "
                    "them by their size, which is what makes it see the small classes."
                )
            if math.isclose(macro_f1, micro, abs_tol=1e-6):
                raise Fail(
                    "macro_f1 equals the *micro* F1, which for single-label classification is just the "
                    "accuracy; use average='macro'."
                )
            raise Fail(f"macro_f1 is {macro_f1:.4f}, expected {expected['macro_f1']:.4f} {where}.")


# --------------------------------------------------------------------------- 10.3 optimizer steps


def _reference_steps(n_examples: int, batch_size: int, grad_accum: int, num_epochs: float) -> int:
    """What Trainer computes (dataloader_drop_last=False): each epoch ends with its own partial batch and
    its own partial accumulation step, and a fractional last epoch is rounded up to whole steps."""
    batches_per_epoch = math.ceil(n_examples / batch_size)
    steps_per_epoch = max(math.ceil(batches_per_epoch / grad_accum), 1)
    return math.ceil(num_epochs * steps_per_epoch)


@exercise(
    "10.3",
    hint="Count per epoch first: batches = ceil(n_examples / batch_size) (the last batch may be short), "
    "optimizer steps = ceil(batches / grad_accum) (the last step may accumulate fewer batches). Then "
    "multiply by num_epochs and round up: math.ceil(num_epochs * steps_per_epoch). Each epoch has its "
    "own short last batch.",
)
def _(optimizer_steps):
    rng = random.Random(102)
    cases = [
        (40, 16, 1, 3),
        (40, 8, 2, 1),
        (1000, 32, 4, 2),
        (33, 16, 2, 5),
        (29793, 16, 1, 1),
        (100, 10, 3, 2),
        (7, 8, 4, 3),
        (500, 16, 2, 1.5),
        (64, 8, 1, 0.25),
    ]
    cases += [
        (rng.randint(1, 3000), rng.choice([4, 8, 16, 32]), rng.randint(1, 8), rng.randint(1, 4))
        for _ in range(30)
    ]
    for n_examples, batch_size, grad_accum, num_epochs in cases:
        got = attempt(optimizer_steps, n_examples, batch_size, grad_accum, num_epochs)
        expected = _reference_steps(n_examples, batch_size, grad_accum, num_epochs)
        where = (
            f"optimizer_steps(n_examples={n_examples}, batch_size={batch_size}, grad_accum={grad_accum}, "
            f"num_epochs={num_epochs})"
        )
        if isinstance(got, float):  # a whole float is a mistake here: steps are counted, not measured
            raise Fail(
                f"{where} returned the float {got}; return an int (a number of steps), e.g. with math.ceil."
            )
        got = as_int(got, where)
        if got == expected:
            continue
        total = n_examples * num_epochs
        if got == math.ceil(total / (batch_size * grad_accum)):
            raise Fail(
                f"{where} returned {got}, expected {expected}: you divided all the examples of all epochs "
                "by the effective batch, but every epoch ends with its own short batch (the sampler "
                "starts afresh each epoch), so count steps per epoch first."
            )
        if got in (
            total // (batch_size * grad_accum),
            math.floor(num_epochs * ((n_examples // batch_size) // grad_accum)),
        ):
            raise Fail(
                f"{where} returned {got}, expected {expected}: the short last batch (and the short last "
                "accumulation step) still count; round up, not down."
            )
        if got == math.ceil(num_epochs * math.ceil(n_examples / batch_size)):
            raise Fail(
                f"{where} returned {got}, expected {expected}: that counts batches; with gradient "
                "accumulation one optimizer step takes grad_accum batches."
            )
        raise Fail(f"{where} returned {got}, expected {expected}.")


# --------------------------------------------------------------------------- 10.4 class weights


def _labels(rng: random.Random, counts: list[int]) -> list[int]:
    labels = [c for c, n in enumerate(counts) for _ in range(n)]
    rng.shuffle(labels)
    return labels


@exercise(
    "10.4",
    hint="counts = torch.bincount(torch.as_tensor(labels), minlength=num_classes); weight of class c = "
    "n_examples / (num_classes * counts[c]). Return a float tensor (cross_entropy's weight= wants one).",
)
def _(class_weights):
    from sklearn.utils.class_weight import compute_class_weight

    rng = random.Random(103)
    for counts in ([12782, 11562, 5449], [50, 10, 30, 7, 3], [5, 5], [1, 99], [8, 1, 1]):
        labels = _labels(rng, counts)
        given = list(labels)
        got = attempt(class_weights, given, len(counts))
        if given != labels:
            raise Fail("class_weights changed the list of labels it was given.")
        if not isinstance(got, torch.Tensor):
            raise Fail(
                f"return a torch tensor (the loss's weight= argument needs one), got {type(got).__name__}."
            )
        if not got.dtype.is_floating_point:
            raise Fail(f"the weights have dtype {got.dtype}; return floats (e.g. torch.float32).")
        if got.shape != (len(counts),):
            raise Fail(f"expected one weight per class, shape ({len(counts)},), got {tuple(got.shape)}.")
        got = got.detach().double().cpu()
        expected = torch.tensor(
            compute_class_weight("balanced", classes=np.arange(len(counts)), y=np.asarray(labels)),
            dtype=torch.float64,
        )
        if torch.allclose(got, expected, rtol=1e-5):
            continue
        frequency = torch.tensor(counts, dtype=torch.float64)
        where = f"(class counts {counts})"
        if torch.allclose(got / got.sum(), (1 / frequency) / (1 / frequency).sum(), rtol=1e-5):
            raise Fail(
                f"your weights are proportional to 1 / count, but scaled differently {where}: scale them so "
                "that the *average weight over the training examples* is 1, i.e. n / (num_classes * count), "
                "which keeps the loss on the same scale as the unweighted one."
            )
        if torch.allclose(got / got.sum(), frequency / frequency.sum(), rtol=1e-5):
            raise Fail(
                f"your weights grow with the class count {where}: the *rare* classes should weigh more."
            )
        raise Fail(f"got {got.tolist()}, expected {[round(w, 4) for w in expected.tolist()]} {where}.")


# --------------------------------------------------------------------------- 10.5 weighted loss


@exercise(
    "10.5",
    hint="F.cross_entropy(logits, labels, weight=class_weights, reduction='sum') / num_items_in_batch: add "
    "up the weighted losses of this micro-batch and divide by the number of labels of the WHOLE "
    "accumulated batch (not by this batch's size, and not by its sum of weights, which is what "
    "reduction='mean' does).",
)
def _(weighted_loss):
    import torch.nn.functional as F

    generator = torch.Generator().manual_seed(104)
    for batch, num_classes, num_items in [(8, 3, 16), (16, 3, 16), (5, 4, 23), (8, 3, 8)]:
        logits = torch.randn(batch, num_classes, generator=generator, requires_grad=True)
        labels = torch.randint(0, num_classes, (batch,), generator=generator)
        class_weights = torch.rand(num_classes, generator=generator) * 2 + 0.2
        frozen = (logits.detach().clone(), labels.clone(), class_weights.clone())
        got = attempt(weighted_loss, logits, labels, class_weights, torch.tensor(num_items))
        if not isinstance(got, torch.Tensor):
            raise Fail(
                f"return a torch tensor (the Trainer calls .backward() on it), got {type(got).__name__}."
            )
        if got.dim() != 0:
            raise Fail(
                f"return one number (a 0-d tensor), got shape {tuple(got.shape)}: reduce over the batch."
            )
        if not got.requires_grad:
            raise Fail(
                "the loss does not require grad: compute it from logits with torch operations, no .item() "
                "or .detach(), or the Trainer cannot backpropagate through it."
            )
        if not (
            torch.equal(logits.detach(), frozen[0])
            and torch.equal(labels, frozen[1])
            and torch.equal(class_weights, frozen[2])
        ):
            raise Fail("weighted_loss changed its inputs in place.")
        expected = F.cross_entropy(logits, labels, weight=class_weights, reduction="sum") / num_items
        if torch.allclose(got, expected, atol=1e-6):
            continue
        where = f"(micro-batch of {batch}, num_items_in_batch={num_items})"
        candidates = {
            "averages over this micro-batch only (divide by num_items_in_batch, the labels of the whole "
            "accumulated batch, so that the micro-batches add up to the mean over all of "
            "them)": F.cross_entropy(logits, labels, weight=class_weights, reduction="sum") / batch,
            "is cross_entropy's weighted *mean* (reduction='mean' divides by this micro-batch's sum of "
            "weights, which differs from one micro-batch to the next); use reduction='sum' and divide by "
            "num_items_in_batch": F.cross_entropy(logits, labels, weight=class_weights),
            "ignores the class weights": F.cross_entropy(logits, labels, reduction="sum") / num_items,
            "weights each example by its *predicted* class, not its true class (index the weights with "
            "labels)": (
                F.cross_entropy(logits, labels, reduction="none") * class_weights[logits.argmax(-1)]
            ).sum()
            / num_items,
        }
        for mistake, value in candidates.items():
            if torch.allclose(got, value, atol=1e-6):
                raise Fail(f"your loss {mistake} {where}.")
        raise Fail(f"loss {got.item():.5f}, expected {expected.item():.5f} {where}.")


# --------------------------------------------------------------------------- 10.2 linear schedule


def reference_learning_rate(step: int, peak_lr: float, num_training_steps: int, warmup_steps: float) -> float:
    """The learning rate the Trainer logs at optimizer step `step` (1 = the first), from transformers' own
    schedule: warm-up steps as TrainingArguments.get_warmup_steps counts them, and the rate that step used,
    the schedule after step - 1 scheduler steps."""
    from transformers import get_linear_schedule_with_warmup

    warmup = int(warmup_steps) if warmup_steps >= 1 else math.ceil(num_training_steps * warmup_steps)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=peak_lr)
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup, num_training_steps)
    return peak_lr * scheduler.lr_lambdas[0](step - 1)


def _linear(step: int, peak_lr: float, total: int, warmup: float, *, decay_over_all=False) -> float:
    """The schedule's formula, 0-based step c = step - 1; decay_over_all: a common mistake."""
    c = step - 1
    if c < warmup:
        return peak_lr * c / max(1, warmup)
    if decay_over_all:
        return peak_lr * max(0.0, (total - c) / total)
    return peak_lr * max(0.0, (total - c) / max(1, total - warmup))


@exercise(
    "10.2",
    hint="First the warm-up length: warmup_steps itself when it is 1 or more, else "
    "math.ceil(warmup_steps * num_training_steps). Step s (1 = the first) uses the schedule after s - 1 "
    "scheduler steps: with c = s - 1, the rate is peak_lr * c / warmup while c < warmup, then "
    "peak_lr * (num_training_steps - c) / (num_training_steps - warmup), falling to 0.",
)
def _(learning_rate_at):
    rng = random.Random(105)
    cases = [(s, 5e-5, 100, 10) for s in (1, 2, 10, 11, 12, 56, 100)]
    cases += [(s, 2e-5, 95, 0.1) for s in (1, 5, 10, 11, 12, 95)]  # 10% of 95 = 9.5: rounded up to 10
    cases += [(s, 1e-3, 7, 0.5) for s in range(1, 8)]  # half of 7 = 3.5: 4 warm-up steps
    cases += [(s, 3e-4, 50, 0) for s in (1, 2, 25, 50)]  # no warm-up: the peak at step 1
    cases += [(s, 1e-4, 3, 1) for s in (1, 2, 3)]
    for _ in range(12):
        total = rng.randint(20, 400)
        warmup = rng.choice([rng.randint(1, total // 3), round(rng.uniform(0.01, 0.3), 2)])
        cases.append((rng.randint(1, total), 10 ** rng.uniform(-5, -3), total, warmup))
    for step, peak_lr, total, warmup_steps in cases:
        call = (
            f"learning_rate_at(step={step}, peak_lr={peak_lr:.3g}, num_training_steps={total}, "
            f"warmup_steps={warmup_steps})"
        )
        got = as_float(attempt(learning_rate_at, step, peak_lr, total, warmup_steps), call)
        expected = reference_learning_rate(step, peak_lr, total, warmup_steps)
        if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-15):
            continue
        warmup = int(warmup_steps) if warmup_steps >= 1 else math.ceil(total * warmup_steps)
        where = f"{call} returned {got:.6g}; expected {expected:.6g}"
        if math.isclose(got, expected / peak_lr, rel_tol=1e-6, abs_tol=1e-15) and expected:
            raise Fail(f"{where}: that is the schedule's multiplier; multiply it by peak_lr.")
        if math.isclose(
            got, reference_learning_rate(step + 1, peak_lr, total, warmup_steps), rel_tol=1e-6, abs_tol=1e-15
        ):
            raise Fail(
                f"{where}: off by one step. Step 1 is the first optimizer step, and it uses the schedule "
                "after 0 scheduler steps (0 during a warm-up: the first step of a warm-up does not move the "
                "weights); step s uses it after s - 1."
            )
        if 0 < warmup_steps < 1:
            for rounding, name in ((math.floor, "down"), (round, "to the nearest")):
                other = rounding(total * warmup_steps)
                if other != warmup and math.isclose(
                    got, _linear(step, peak_lr, total, other), rel_tol=1e-6, abs_tol=1e-15
                ):
                    raise Fail(
                        f"{where}: warmup_steps={warmup_steps} of {total} steps is {total * warmup_steps:g}, "
                        f"which the Trainer rounds UP to {warmup} warm-up steps; you rounded {name}."
                    )
            if math.isclose(got, _linear(step, peak_lr, total, warmup_steps), rel_tol=1e-6, abs_tol=1e-15):
                raise Fail(
                    f"{where}: a float below 1 is a share of num_training_steps, not a number of steps: "
                    f"here {warmup} warm-up steps (rounded up)."
                )
        if math.isclose(
            got, _linear(step, peak_lr, total, warmup, decay_over_all=True), rel_tol=1e-6, abs_tol=1e-15
        ):
            raise Fail(
                f"{where}: after the warm-up the rate falls from the peak to 0 over the remaining "
                f"num_training_steps - warmup = {total - warmup} steps, not over all {total}."
            )
        raise Fail(f"{where} ({warmup} warm-up steps).")
