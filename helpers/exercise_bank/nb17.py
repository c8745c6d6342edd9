"""Checks for notebook 17 (sharing on the Hub).

17.1  ner_card(f1): a model card for notebook 11's NER tagger, with metadata, an evaluation result and the sections
      a good card has (checked by loading the card back, as the Hub would)
17.2  commit_for(refs, name): the commit a branch or tag points to (what you pin), None when there is no such name
17.3  reclaimable(cache_info, keep): bytes freed by deleting every cached revision not in `keep` (shared blobs!)
17.4  find_tokens(folder): the files under a folder that hold something that looks like a Hub token

Every expected answer is computed here at check time: refs with random commit hashes, random F1 values, a small
real cache folder (blobs, snapshots of symlinks, refs) scanned with huggingface_hub, a folder with freshly made
fake tokens. No network, no model: each check runs in well under a second.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import string
import tempfile
from pathlib import Path

import numpy as np

from helpers.exercises import Fail, as_int, attempt, exercise

BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TOKEN_ALPHABET = string.ascii_letters + string.digits


def _hash(rng: np.random.Generator) -> str:
    return "".join(rng.choice(list("0123456789abcdef"), size=40))


# --------------------------------------------------------------------------- 17.1 a model card for the NER tagger


def _load_card(card) -> object:
    from huggingface_hub import ModelCard

    if not isinstance(card, str):
        if not hasattr(card, "content"):
            raise Fail(f"ner_card should return a ModelCard (or its text), got {type(card).__name__}.")
        card = card.content
    if not card.lstrip().startswith("---"):
        raise Fail("the card has no metadata block: it must start with '---', the YAML front matter, then '---'. "
                   "ModelCard.from_template(card_data, ...) writes it for you.")  # fmt: skip
    return ModelCard(card)  # what the Hub does when it reads README.md


@exercise(
    "17.1",
    hint="card_data = ModelCardData(license='apache-2.0', base_model=BASE_MODEL, pipeline_tag='token-classification', "
    "eval_results=[EvalResult(task_type='token-classification', dataset_type=..., dataset_name=..., "
    "metric_type='f1', metric_value=f1)], model_name=...); then ModelCard.from_template(card_data, "
    "template_str=...) with a body that has '## Intended uses' and '## Limitations' sections.",
)
def _(ner_card):
    rng = np.random.default_rng(172)
    for f1 in (round(float(rng.uniform(0.3, 0.7)), 4), round(float(rng.uniform(0.3, 0.7)), 4)):
        card = _load_card(attempt(ner_card, f1))
        data = card.data
        if data.pipeline_tag != "token-classification":
            raise Fail(f"pipeline_tag is {data.pipeline_tag!r}. The NER tagger labels every token: the Hub calls "
                       "that task 'token-classification' (the widget and the search filters use it).")  # fmt: skip
        if data.base_model != BASE_MODEL:
            raise Fail(f"base_model is {data.base_model!r}; the tagger was fine-tuned from {BASE_MODEL!r} "
                       "(the Hub links the two models through it).")  # fmt: skip
        if not data.license:
            raise Fail("the card has no license: without one, nobody may legally reuse the model. MiniLM is "
                       "apache-2.0.")  # fmt: skip
        results = data.eval_results or []
        if not results:
            raise Fail("the card has no evaluation results: pass eval_results=[EvalResult(...)] to ModelCardData "
                       "(they become the model-index block the Hub shows).")  # fmt: skip
        f1s = [r for r in results if str(r.metric_type).lower() in ("f1", "seqeval")]
        if not f1s:
            kinds = sorted({str(r.metric_type) for r in results})
            raise Fail(f"no F1 among the evaluation results (metric types {kinds}). Entity-level F1 is the NER "
                       "metric: metric_type='f1'.")  # fmt: skip
        value = f1s[0].metric_value
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise Fail(
                f"metric_value should be the number itself (a float), got {type(value).__name__} {value!r}."
            )
        if math.isclose(value, 100 * f1, rel_tol=1e-6):
            raise Fail(f"metric_value is {value}, a percentage; ner_card({f1}) should report {f1} (the metric's own "
                       "scale, as seqeval returns it).")  # fmt: skip
        if not math.isclose(value, f1, rel_tol=1e-6, abs_tol=1e-9):
            raise Fail(
                f"ner_card({f1}) reported F1 = {value}: put the measured value you were given in metric_value."
            )
        if f1s[0].task_type != "token-classification":
            raise Fail(f"the evaluation result's task_type is {f1s[0].task_type!r}; it should match the model's task, "
                       "'token-classification'.")  # fmt: skip
        headings = [
            line.lstrip("#").strip().lower() for line in card.text.splitlines() if line.startswith("#")
        ]
        for needed, why in (("intended use", "what the model is for"), ("limitation", "where it fails")):
            if not any(needed in h for h in headings):
                raise Fail(f"the card's text has no heading with {needed!r} (headings found: {headings}). A good "
                           f"card says {why}: add a '## {needed.capitalize()}s' section.")  # fmt: skip


# --------------------------------------------------------------------------- 17.2 the commit behind a name


def _refs(rng: np.random.Generator):
    from huggingface_hub import GitRefInfo, GitRefs

    def ref(kind: str, name: str) -> GitRefInfo:
        return GitRefInfo(name=name, ref=f"refs/{kind}/{name}", target_commit=_hash(rng))

    return GitRefs(
        branches=[ref("heads", "main"), ref("heads", "bf16-weights"), ref("heads", "dev")],
        converts=[],
        tags=[ref("tags", "v1.0"), ref("tags", "v1.1")],
        pull_requests=[ref("pr", "1")],
    )


@exercise(
    "17.2",
    hint="refs.branches and refs.tags are lists of GitRefInfo(name, ref, target_commit). Look through both for "
    "the one whose .name is `name` and return its .target_commit (a 40-character commit hash); return None when "
    "neither list has it.",
)
def _(commit_for):
    rng = np.random.default_rng(171)
    refs = _refs(rng)
    cases = [("branch", info) for info in refs.branches] + [("tag", info) for info in refs.tags]
    for i, (kind, info) in enumerate(cases):
        # The first call tells an untouched exercise apart; after it, None is a (wrong) answer like any other.
        got = attempt(commit_for, refs, info.name) if i == 0 else commit_for(refs, info.name)
        if got == info.target_commit:
            continue
        if got == info.ref:
            raise Fail(f"commit_for(refs, {info.name!r}) returned {got!r}, the ref's full name. A name can move "
                       "to another commit later; pin the commit it points to now: its .target_commit.")  # fmt: skip
        if hasattr(got, "target_commit"):
            raise Fail(f"commit_for(refs, {info.name!r}) returned the whole {type(got).__name__}; return its "
                       ".target_commit, the 40-character hash that from_pretrained(revision=...) accepts.")  # fmt: skip
        if isinstance(got, str) and got in {i.target_commit for i in refs.branches + refs.tags}:
            raise Fail(f"commit_for(refs, {info.name!r}) returned the commit of another ref. Match on .name.")
        where = "refs.tags" if kind == "tag" else "refs.branches"
        raise Fail(f"{info.name!r} is a {kind} (in {where}); commit_for(refs, {info.name!r}) should return "
                   f"{info.target_commit!r}, got {got!r}.")  # fmt: skip
    try:
        missing = commit_for(refs, "v2.0")
    except Exception as err:  # noqa: BLE001 - the learner's code: report what it raised
        raise Fail(f"for a name that is neither a branch nor a tag ('v2.0'), return None; your code raised "
                   f"{type(err).__name__}: {err}") from None  # fmt: skip
    if missing is not None:
        raise Fail(
            f"there is no branch or tag 'v2.0', so commit_for(refs, 'v2.0') should return None, not {missing!r}."
        )


# --------------------------------------------------------------------------- 17.3 what deleting revisions frees


def _write_cache(root: Path, rng: np.random.Generator) -> dict[str, str]:
    """A small real cache: one model repo with three revisions sharing blobs, one data set repo. Returns
    {name: commit hash}."""
    sizes = {"config1": 1000, "config2": 1100, "fp32": 40000 + int(rng.integers(0, 500)),
             "bf16": 20000 + int(rng.integers(0, 500)), "tokenizer": 5000, "data": 3000}  # fmt: skip
    revisions = {  # name -> (repo, ref, {file in snapshot: blob})
        "v1.0": ("models--course--demo", "v1.0", {"config.json": "config1", "model.safetensors": "fp32",
                                                  "tokenizer.json": "tokenizer"}),
        "v1.1": ("models--course--demo", "main", {"config.json": "config2", "model.safetensors": "bf16",
                                                  "tokenizer.json": "tokenizer"}),
        "check": ("models--course--demo", "fp32-check", {"config.json": "config2", "model.safetensors": "fp32",
                                                         "tokenizer.json": "tokenizer"}),
        "data": ("datasets--course--preds", "main", {"data/test.parquet": "data"}),
    }  # fmt: skip
    blob_names = {name: _hash(rng) for name in sizes}
    commits = {}
    for name, (repo, ref, files) in revisions.items():
        commit = _hash(rng)
        commits[name] = commit
        repo_dir = root / repo
        (repo_dir / "refs").mkdir(parents=True, exist_ok=True)
        (repo_dir / "refs" / ref).write_text(commit)
        for rel, blob in files.items():
            blob_path = repo_dir / "blobs" / blob_names[blob]
            blob_path.parent.mkdir(parents=True, exist_ok=True)
            if not blob_path.exists():
                blob_path.write_bytes(rng.integers(0, 256, size=sizes[blob], dtype=np.uint8).tobytes())
            link = repo_dir / "snapshots" / commit / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.path.relpath(blob_path, link.parent), link)
    return commits


def _reference_freed(cache_info, keep: set[str]) -> int:
    others = [r.commit_hash for repo in cache_info.repos for r in repo.revisions if r.commit_hash not in keep]
    return cache_info.delete_revisions(*others).expected_freed_size if others else 0


@exercise(
    "17.3",
    hint="A blob is freed only when NO kept revision uses it. Collect the blob paths (file.blob_path) of the "
    "revisions you keep, then add up the sizes of the other revisions' blobs that are not among them, counting "
    "each blob once. (cache_info.delete_revisions(*hashes).expected_freed_size computes the same.)",
)
def _(reclaimable):
    from huggingface_hub import scan_cache_dir

    rng = np.random.default_rng(173)
    with tempfile.TemporaryDirectory() as tmp:
        commits = _write_cache(Path(tmp), rng)
        cache_info = scan_cache_dir(tmp)
        cases = [
            ("the main branch only", {commits["v1.1"]}),
            ("main and the fp32-check branch", {commits["v1.1"], commits["check"]}),
            ("everything but the data set", {commits["v1.0"], commits["v1.1"], commits["check"]}),
        ]
        for label, keep in cases:
            got = as_int(attempt(reclaimable, cache_info, set(keep)), "reclaimable(...), a number of bytes,")
            expected = _reference_freed(cache_info, keep)
            if got == expected:
                continue
            deleted = [r for repo in cache_info.repos for r in repo.revisions if r.commit_hash not in keep]
            naive = sum(r.size_on_disk for r in deleted)
            unique = sum({f.blob_path: f.size_on_disk for r in deleted for f in r.files}.values())
            if got == naive:
                raise Fail(f"keeping {label}: you added up the deleted revisions' sizes ({naive:,} bytes), which "
                           "counts a blob once per revision that uses it, and counts blobs a kept revision still "
                           f"needs. Deleting frees {expected:,} bytes.")  # fmt: skip
            if got == unique:
                raise Fail(f"keeping {label}: you counted every blob of the deleted revisions once ({unique:,} "
                           "bytes), including blobs that a kept revision still uses (the shared tokenizer, the "
                           f"shared weights). Those stay on disk: deleting frees {expected:,} bytes.")  # fmt: skip
            raise Fail(f"keeping {label}: reclaimable returned {got:,} bytes; deleting the other revisions frees "
                       f"{expected:,}.")  # fmt: skip


# --------------------------------------------------------------------------- 17.4 tokens in a folder


def _fake_token() -> str:
    return "hf_" + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(34))


def _write_project(root: Path) -> list[str]:
    """A project folder about to be uploaded, with fake tokens in some files. Returns the files that hold one."""
    files = {
        ".env": f"HF_TOKEN={_fake_token()}\n",
        "train.py": "import os\nfrom huggingface_hub import hf_hub_download, snapshot_download\n\n"
                    "token = os.environ.get('HF_TOKEN')  # read from the environment: fine\n",
        "README.md": "Set HF_TOKEN to your token (it looks like hf_xxx...) before running.\n",
        "analysis.ipynb": json.dumps({"cells": [{"cell_type": "code", "source": ["print(token)"], "outputs": [
            {"output_type": "stream", "name": "stdout", "text": [_fake_token() + "\n"]}]}]}),
        "configs/deep/settings.yaml": f"hub:\n  repo: me/model\n  token: {_fake_token()}\n",
        "configs/model.yaml": "hub:\n  repo: me/model\n  token_from: HF_TOKEN\n",
        "model.safetensors": None,  # binary
    }  # fmt: skip
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            path.write_bytes(bytes(range(256)) * 64 + b"\xff\xfe\x00hf_")
        else:
            path.write_text(text)
    return sorted([".env", "analysis.ipynb", "configs/deep/settings.yaml"])


def _as_relative_paths(answer, root: Path) -> list[str]:
    if isinstance(answer, str | os.PathLike) or not hasattr(answer, "__iter__"):
        raise Fail(f"find_tokens should return a list of paths, got {type(answer).__name__}.")
    out = []
    for item in answer:
        if not isinstance(item, str | os.PathLike):
            raise Fail(
                f"find_tokens should return paths (str or Path), got an item of type {type(item).__name__}."
            )
        path = Path(item)
        if path.is_absolute():
            try:
                path = path.resolve().relative_to(root.resolve())
            except ValueError:
                raise Fail(f"{item} is not inside the folder you were given.") from None
        out.append(path.as_posix())
    return sorted(out)


@exercise(
    "17.4",
    hint="Walk the whole tree (Path(folder).rglob('*'), files only), read each file as text with "
    "errors='ignore' (some are binary), and keep those where re.search(r'hf_[A-Za-z0-9]{30,}', text) finds a "
    "match. Return the paths relative to the folder.",
)
def _(find_tokens):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "my-model"
        expected = _write_project(root)
        got = _as_relative_paths(attempt(find_tokens, root), root)
        if got == expected:
            return
        missed = [p for p in expected if p not in got]
        extra = [p for p in got if p not in expected]
        if "configs/deep/settings.yaml" in missed and ".env" not in missed:
            raise Fail("you missed configs/deep/settings.yaml: look in every sub-folder, not only the top level "
                       "(upload_folder uploads the whole tree).")  # fmt: skip
        if ".env" in missed:
            raise Fail("you missed .env, the most common place for a token: hidden files (names starting with a "
                       "dot) count too.")  # fmt: skip
        if extra:
            raise Fail(f"{extra} hold no token: 'hf_' alone is not one (hf_hub_download, a placeholder like hf_xxx). "
                       "A Hub token is hf_ followed by at least 30 letters and digits.")  # fmt: skip
        raise Fail(f"expected {expected}, got {got}.")
