"""Notebook 03's exercises: plausible wrong answers fail, with a message that says what is wrong.

What every exercise must do (untouched -> "not attempted", a crash reported, the reference solution
passes) is tested for all notebooks in tests/test_exercises_all.py."""

from __future__ import annotations

import pytest
import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb03  # noqa: F401  (registers the checks)

# ------------------------------------------------------------------------------------ 03.1 cache folder
WRONG_FOLDER_NAMES = {
    "singular type": (
        lambda repo_id, repo_type="model": "--".join([repo_type, *repo_id.split("/")]),
        "plural",
    ),
    "single dash": (
        lambda repo_id, repo_type="model": f"{repo_type}s-" + repo_id.replace("/", "-"),
        "expected",
    ),
    "slash kept": (lambda repo_id, repo_type="model": f"{repo_type}s--{repo_id}", "flat folder"),
    "lowercased": (
        lambda repo_id, repo_type="model": "--".join([f"{repo_type}s", *repo_id.lower().split("/")]),
        "case",
    ),
    "ignores repo_type": (
        lambda repo_id, repo_type="model": "--".join(["models", *repo_id.split("/")]),
        "repo_type",
    ),
    "no repo_type argument": (lambda repo_id: "--".join(["models", *repo_id.split("/")]), "TypeError"),
    "not a string": (lambda repo_id, repo_type="model": repo_id.split("/"), "string"),
}


@pytest.mark.parametrize("name", WRONG_FOLDER_NAMES)
def test_03_1_wrong_answers_fail(name: str):
    func, message = WRONG_FOLDER_NAMES[name]
    fails("03.1", func, message)


def test_03_1_right_answers_in_other_spellings_pass():
    def with_replace(repo_id, repo_type="model"):
        return f"{repo_type}s--" + repo_id.replace("/", "--")

    def default_none(repo_id, repo_type=None):  # another way to default to a model
        return "--".join([(repo_type or "model") + "s", *repo_id.split("/")])

    passes("03.1", with_replace)
    passes("03.1", default_none)


def test_03_1_hard_coded_answer_fails():
    fails("03.1", lambda repo_id, repo_type="model": "models--sentence-transformers--all-MiniLM-L6-v2")


# ------------------------------------------------------------------------------------ 03.3 parameter count
WRONG_COUNTS = {
    "state_dict": (lambda m: sum(t.numel() for t in m.state_dict().values()), "state_dict"),
    "tied counted twice": (
        lambda m: sum(p.numel() for _, p in m.named_parameters(remove_duplicate=False)),
        "twice",
    ),
    "trainable only": (lambda m: sum(p.numel() for p in m.parameters() if p.requires_grad), "frozen"),
    "with buffers": (
        lambda m: sum(p.numel() for p in m.parameters()) + sum(b.numel() for b in m.buffers()),
        "buffers",
    ),
    "number of tensors": (lambda m: len(list(m.parameters())), "TENSORS"),
    "not a number": (lambda m: [p.numel() for p in m.parameters()], "number"),
}


@pytest.mark.parametrize("name", WRONG_COUNTS)
def test_03_2_wrong_answers_fail(name: str):
    func, message = WRONG_COUNTS[name]
    fails("03.3", func, message)


def test_03_2_tensor_result_is_accepted():
    passes("03.3", lambda m: torch.tensor(sum(p.numel() for p in m.parameters())))


# ------------------------------------------------------------------------------------ 03.2 bytes estimate
WRONG_ESTIMATES = {
    "always 4 bytes": (lambda n, dtype: n * 4, "4 bytes per parameter"),
    "bits": (lambda n, dtype: n * dtype.itemsize * 8, "bits"),
    "MiB": (lambda n, dtype: n * dtype.itemsize / 2**20, "MiB"),
    "GB": (lambda n, dtype: n * dtype.itemsize / 1e9, "GB"),
    "always 2 bytes": (lambda n, dtype: n * 2, "expected"),
    "not a number": (lambda n, dtype: f"{n * dtype.itemsize} bytes", "number"),
}


@pytest.mark.parametrize("name", WRONG_ESTIMATES)
def test_03_3_wrong_answers_fail(name: str):
    func, message = WRONG_ESTIMATES[name]
    fails("03.2", func, message)


def test_03_3_other_correct_forms_pass():
    def via_element_size(n, dtype):
        return n * torch.empty((), dtype=dtype).element_size()

    passes("03.2", via_element_size)
    passes("03.2", lambda n, dtype: float(n * dtype.itemsize))


# ------------------------------------------------------------------------------------ 03.4 training bytes


def _training_bytes(m):
    return sum(p.numel() * p.element_size() * (4 if p.requires_grad else 1) for p in m.parameters())


def test_03_4_reference_equals_what_adamw_really_holds():
    """The rule of the check, measured: weights, gradients and AdamW's exp_avg / exp_avg_sq after one step."""
    from helpers.exercise_bank.nb03 import reference_training_bytes, training_modules

    for module in training_modules():
        trainable = [p for p in module.parameters() if p.requires_grad]
        for p in trainable:
            p.grad = torch.ones_like(p)  # what backward() leaves: one gradient per trained parameter
        if trainable:
            optimizer = torch.optim.AdamW(trainable, lr=1e-3)
            optimizer.step()  # creates the state
            state = [
                t for s in optimizer.state.values() for k, t in s.items() if k in ("exp_avg", "exp_avg_sq")
            ]
        else:
            state = []
        tensors = list(module.parameters()) + [p.grad for p in trainable] + state
        storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in tensors}
        assert sum(storages.values()) == reference_training_bytes(module), type(module).__name__


def test_03_4_right_answers_in_other_spellings_pass():
    passes("03.4", _training_bytes)
    passes("03.4", lambda m: float(_training_bytes(m)))
    passes("03.4", lambda m: torch.tensor(_training_bytes(m)))

    def by_dtype_itemsize(m):
        weights = sum(p.numel() * p.dtype.itemsize for p in m.parameters())
        extra = sum(3 * p.numel() * p.dtype.itemsize for p in m.parameters() if p.requires_grad)
        return weights + extra

    passes("03.4", by_dtype_itemsize)


WRONG_TRAINING_BYTES = {
    "16 bytes for everything": (lambda m: 16 * sum(p.numel() for p in m.parameters()), "16 bytes"),
    "frozen parameters get AdamW state": (
        lambda m: sum(4 * p.numel() * p.element_size() for p in m.parameters()),
        "frozen",
    ),
    "trainable only": (
        lambda m: sum(4 * p.numel() * p.element_size() for p in m.parameters() if p.requires_grad),
        "still in memory",
    ),
    "always 4 bytes a number": (
        lambda m: sum(p.numel() * 4 * (4 if p.requires_grad else 1) for p in m.parameters()),
        "element_size",
    ),
    "tied counted twice": (
        lambda m: sum(
            p.numel() * p.element_size() * (4 if p.requires_grad else 1)
            for _, p in m.named_parameters(remove_duplicate=False)
        ),
        "twice",
    ),
    "buffers too": (
        lambda m: _training_bytes(m) + sum(b.numel() * b.element_size() for b in m.buffers()),
        "Buffers",
    ),
    "MiB": (lambda m: _training_bytes(m) / 2**20, "MiB"),
    "gradients but no optimizer state": (
        lambda m: sum(p.numel() * p.element_size() * (2 if p.requires_grad else 1) for p in m.parameters()),
        "expected",
    ),
    "not a number": (lambda m: f"{_training_bytes(m)} bytes", "number"),
}


@pytest.mark.parametrize("name", WRONG_TRAINING_BYTES)
def test_03_4_wrong_answers_fail(name: str):
    func, message = WRONG_TRAINING_BYTES[name]
    fails("03.4", func, message)
