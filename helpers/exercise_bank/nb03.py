"""Checks for notebook 03 (your lab: hardware, installs, caches, offline work).

Each check computes its expected answer here, from huggingface_hub's own function or from PyTorch, on
inputs the learner never sees, so no hard-coded value can pass.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import nn

from helpers.exercises import Fail, attempt, exercise

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
