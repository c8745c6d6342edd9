"""Checks for notebook 03 (your lab: hardware, installs, caches, offline work).

03.1  cache_folder_name(repo_id, repo_type): the Hub cache's folder name for a repository
03.2  estimate_bytes(n_params, dtype): bytes to store n_params numbers of a dtype
03.3  count_parameters(module): parameters, tied weights once, frozen ones included, buffers excluded
03.4  training_bytes(module): weights + gradients + AdamW state of a partly frozen, mixed-dtype module

Each check computes its expected answer here, from huggingface_hub's own function or from PyTorch, on
inputs the learner never sees, so no hard-coded value can pass.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import nn

from helpers.exercises import Fail, as_float, attempt, exercise

# ------------------------------------------------------------------------------------------- 03.1


def _reference_folder_name(repo_id: str, repo_type: str) -> str:
    from huggingface_hub.file_download import repo_folder_name

    return repo_folder_name(repo_id=repo_id, repo_type=repo_type)


@exercise(
    "03.1",
    hint="The folder is the repo type in the plural ('models', 'datasets', 'spaces') followed by the parts "
    "of the repo id, all joined with a double dash '--': '--'.join([repo_type + 's', "
    "*repo_id.split('/')]).",
)
def _(cache_folder_name):
    cases = [
        ("sentence-transformers/all-MiniLM-L6-v2", None),
        ("HuggingFaceTB/SmolLM2-135M-Instruct", None),
        ("gpt2", None),
        ("stanfordnlp/imdb", "dataset"),
        ("gradio/hello_world", "space"),
        ("openai/whisper-tiny.en", "model"),
    ]
    for repo_id, repo_type in cases:
        args = (repo_id,) if repo_type is None else (repo_id, repo_type)
        got = attempt(cache_folder_name, *args)
        expected = _reference_folder_name(repo_id, repo_type or "model")
        call = f"cache_folder_name({', '.join(repr(a) for a in args)})"
        if not isinstance(got, str):
            raise Fail(f"{call} should return a string (a folder name), got {type(got).__name__}.")
        if got == expected:
            continue
        kind = repo_type or "model"
        if got.startswith(f"{kind}--"):
            raise Fail(f"{call} returned {got!r}: the type is plural in the folder name ({kind}s--...).")
        if got.lower() == expected.lower():
            raise Fail(f"{call} returned {got!r}: keep the case of the repo id (expected {expected!r}).")
        if kind != "model" and got.startswith("models--"):
            raise Fail(
                f"{call} returned {got!r}: use the repo_type argument (a dataset lives in datasets--...)."
            )
        if "/" in got:
            raise Fail(f"{call} returned {got!r}: a cache folder is one flat folder; replace '/' by '--'.")
        raise Fail(f"{call} returned {got!r}; expected {expected!r}.")


# ------------------------------------------------------------------------------------------- 03.3


class _TinyTiedLM(nn.Module):
    """Embedding tied to the output layer, a frozen layer, and buffers: the three classic counting traps."""

    def __init__(self, vocab: int, dim: int, seq: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.frozen = nn.Linear(dim, dim)
        self.frozen.requires_grad_(False)
        self.norm = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.lm_head.weight = self.embed.weight  # tied: one tensor, two names
        self.register_buffer("position_ids", torch.arange(seq))
        self.register_buffer("scratch", torch.zeros(seq, dim), persistent=False)


@exercise(
    "03.3",
    hint="Sum p.numel() over module.parameters(): it yields each parameter tensor once (tied weights are "
    "shared, not copied), includes frozen parameters, and skips buffers. state_dict() does none of that.",
)
def _(count_parameters):
    g = torch.Generator().manual_seed(3)
    modules = [
        nn.Sequential(nn.Linear(7, 5), nn.ReLU(), nn.Linear(5, 3)),
        _TinyTiedLM(vocab=int(torch.randint(40, 90, (1,), generator=g)), dim=8, seq=12),
        _TinyTiedLM(vocab=int(torch.randint(100, 200, (1,), generator=g)), dim=6, seq=20),
    ]
    for module in modules:
        got = attempt(count_parameters, module)
        expected = sum(p.numel() for p in module.parameters())
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            raise Fail(f"count_parameters should return a number, got {type(got).__name__}.")
        if got == expected:
            continue
        name = type(module).__name__
        if got == len(list(module.parameters())):
            raise Fail(
                f"for a {name} you returned {got}, the number of parameter TENSORS; count their elements."
            )
        state = sum(t.numel() for t in module.state_dict().values())
        if got == state:
            raise Fail(
                f"for a {name} you returned {got}, the elements of state_dict(): that counts the tied "
                f"embedding twice and includes buffers. Expected {expected}."
            )
        all_named = sum(p.numel() for _, p in module.named_parameters(remove_duplicate=False))
        if got == all_named:
            raise Fail(
                f"for a {name} you returned {got}: the tied weight is counted twice. Expected {expected}."
            )
        trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
        if got == trainable:
            raise Fail(
                f"for a {name} you returned {got}, the trainable parameters only; frozen parameters still "
                f"take memory. Expected {expected}."
            )
        with_buffers = expected + sum(b.numel() for b in module.buffers())
        if got == with_buffers:
            raise Fail(f"for a {name} you returned {got}: buffers are not parameters. Expected {expected}.")
        raise Fail(f"for a {name} you returned {got}; expected {expected}.")


# ------------------------------------------------------------------------------------------- 03.2


@exercise(
    "03.2",
    hint="Bytes per parameter depend on the dtype: dtype.itemsize (4 for float32, 2 for bfloat16 and "
    "float16, 1 for int8, 8 for float64). Multiply by the parameter count and return bytes (not MiB, not "
    "bits).",
)
def _(estimate_bytes):
    cases = [
        (22_713_216, torch.float32),
        (134_515_008, torch.bfloat16),
        (1_000, torch.float16),
        (7_000_000_000, torch.int8),
        (12_345, torch.float64),
    ]
    for n_params, dtype in cases:
        got = attempt(estimate_bytes, n_params, dtype)
        expected = n_params * dtype.itemsize
        call = f"estimate_bytes({n_params:_}, {dtype})"
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            raise Fail(f"{call} should return a number of bytes, got {type(got).__name__}.")
        if abs(got - expected) < 0.5:
            continue
        if abs(got - n_params * 4) < 0.5:
            raise Fail(f"{call} returned {got:_}: that is 4 bytes per parameter whatever the dtype.")
        if abs(got - expected * 8) < 0.5:
            raise Fail(f"{call} returned {got:_}: that is bits; divide by 8 (or use dtype.itemsize).")
        for unit, size in (
            ("KiB", 2**10),
            ("MiB", 2**20),
            ("GiB", 2**30),
            ("kB", 1e3),
            ("MB", 1e6),
            ("GB", 1e9),
        ):
            if math.isclose(got, expected / size, rel_tol=2e-3):
                raise Fail(
                    f"{call} returned {got}: that looks like {unit}; return plain bytes ({expected:_})."
                )
        raise Fail(f"{call} returned {got:_}; expected {expected:_} bytes.")


# ------------------------------------------------------------------------------------------- 03.4


class _MixedPrecisionClassifier(nn.Module):
    """A frozen bfloat16 embedding (the "body") under a trainable float32 head, with a bfloat16 norm."""

    def __init__(self, vocab: int, dim: int, n_classes: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim).to(torch.bfloat16).requires_grad_(False)
        self.norm = nn.LayerNorm(dim).to(torch.bfloat16)  # trainable, in bfloat16
        self.head = nn.Linear(dim, n_classes)  # trainable, float32


def training_modules() -> list[nn.Module]:
    """The modules 03.4 is checked on (also used by the tests, which train them one AdamW step)."""
    frozen_body = nn.Sequential(nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 3))
    frozen_body[0].requires_grad_(False)
    inference_only = nn.Sequential(nn.Embedding(30, 4), nn.Linear(4, 2)).to(torch.bfloat16)
    inference_only.requires_grad_(False)
    return [
        nn.Sequential(nn.Linear(7, 5), nn.ReLU(), nn.Linear(5, 3)),  # all trainable, float32: 16 bytes each
        frozen_body,
        _TinyTiedLM(vocab=57, dim=8, seq=12),  # tied, frozen layer and buffers
        _MixedPrecisionClassifier(vocab=41, dim=6, n_classes=4),
        inference_only,  # nothing trains: the weights only
        nn.Linear(3, 2).double(),  # float64: 8 bytes a number, 32 per trained parameter
    ]


def reference_training_bytes(module: nn.Module) -> int:
    """Weights of every parameter; gradient + AdamW's exp_avg and exp_avg_sq for each one that trains."""
    return sum(p.numel() * p.element_size() * (4 if p.requires_grad else 1) for p in module.parameters())


@exercise(
    "03.4",
    hint="Loop over module.parameters() (each tied tensor once). Every parameter costs its weights, "
    "p.numel() * p.element_size() bytes (the size of ITS dtype: 4 for float32, 2 for bfloat16); one with "
    "p.requires_grad also has a gradient and AdamW's two statistics of the same size and dtype: 4 times "
    "its weights in all. A frozen parameter costs its weights only.",
)
def _(training_bytes):
    for module in training_modules():
        name = type(module).__name__
        got = as_float(attempt(training_bytes, module), f"training_bytes(<a {name}>)")
        expected = reference_training_bytes(module)
        if abs(got - expected) < 0.5:
            continue
        params = list(module.parameters())
        n_all = sum(p.numel() for p in params)
        where = f"for a {name} you returned {got:,.0f}; expected {expected:,} bytes"
        per_dtype = sorted({str(p.dtype).removeprefix("torch.") for p in params})
        if abs(got - 16 * n_all) < 0.5:
            raise Fail(
                f"{where}. 16 bytes per parameter holds for a float32 parameter that trains; here some are "
                f"frozen (no gradient, no AdamW state) or not float32 ({', '.join(per_dtype)})."
            )
        all_train = sum(p.numel() * p.element_size() * 4 for p in params)
        if abs(got - all_train) < 0.5:
            raise Fail(
                f"{where}. You gave every parameter a gradient and AdamW state: a frozen parameter "
                "(requires_grad=False) keeps only its weights."
            )
        trainable_only = sum(p.numel() * p.element_size() * 4 for p in params if p.requires_grad)
        if abs(got - trainable_only) < 0.5:
            raise Fail(
                f"{where}. You counted the trainable parameters only: the frozen ones have no gradient or "
                "optimizer state, but their weights are still in memory."
            )
        fixed_4 = sum(p.numel() * 4 * (4 if p.requires_grad else 1) for p in params)
        if abs(got - fixed_4) < 0.5:
            raise Fail(
                f"{where}. You counted 4 bytes a number, but this module holds {', '.join(per_dtype)} "
                "tensors: use each parameter's own p.element_size() (or p.dtype.itemsize)."
            )
        twice = sum(
            p.numel() * p.element_size() * (4 if p.requires_grad else 1)
            for _, p in module.named_parameters(remove_duplicate=False)
        )
        if twice != expected and abs(got - twice) < 0.5:
            raise Fail(f"{where}. The tied weight is counted twice: it is one tensor (module.parameters()).")
        with_buffers = expected + sum(b.numel() * b.element_size() for b in module.buffers())
        if with_buffers != expected and abs(got - with_buffers) < 0.5:
            raise Fail(f"{where}. Buffers (position ids, ...) are not trained: leave them out.")
        for unit, size in (("KiB", 2**10), ("MiB", 2**20), ("kB", 1e3), ("MB", 1e6)):
            if math.isclose(got, expected / size, rel_tol=2e-3):
                raise Fail(f"{where}: that looks like {unit}; return plain bytes.")
        raise Fail(f"{where}.")
