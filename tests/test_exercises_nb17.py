"""Notebook 17's exercises: right answers written other ways pass, plausible wrong answers fail with a message that
names the mistake.

(The generic properties, reference solutions passing included, are tested for every notebook in
tests/test_exercises_all.py.)"""

from __future__ import annotations

import os
import re
from pathlib import Path

from exercise_support import fails, passes
from huggingface_hub import EvalResult, ModelCard, ModelCardData

import helpers.exercise_bank.nb17  # noqa: F401  (registers the checks)

BASE = "sentence-transformers/all-MiniLM-L6-v2"
TOKEN_RE = re.compile(r"hf_[A-Za-z0-9]{30,}")

# --------------------------------------------------------------------------- 17.1 a card for the NER tagger

BODY = (
    "# WNUT-16 entity tagger\n\n## Intended uses\n\nTagging people, places and products in English tweets.\n\n"
    "## Limitations\n\nTweets from 2016 only; entity F1 near 0.5.\n"
)


def _card_data(f1, **changes):
    fields = {
        "license": "apache-2.0",
        "base_model": BASE,
        "pipeline_tag": "token-classification",
        "model_name": "wnut16-minilm",
        "eval_results": [
            EvalResult(
                task_type="token-classification",
                dataset_type="wnut_16",
                dataset_name="WNUT-16",
                metric_type="f1",
                metric_value=f1,
            )  # fmt: skip
        ],
    }
    fields.update(changes)
    return ModelCardData(**fields)


def test_ner_card_right_answers_pass():
    passes(
        "17.1",
        lambda f1: ModelCard.from_template(
            _card_data(f1), template_str="---\n{{ card_data }}\n---\n\n" + BODY
        ),
    )
    # The text itself, written by hand (a str is accepted as well as a ModelCard).
    passes("17.1", lambda f1: f"---\n{_card_data(f1).to_yaml()}\n---\n\n{BODY}")


def _card(f1, body=BODY, **changes):
    return ModelCard(f"---\n{_card_data(f1, **changes).to_yaml()}\n---\n\n{body}")


def test_ner_card_wrong_answers_fail():
    fails("17.1", lambda f1: _card(f1, pipeline_tag="text-classification"), "token-classification")
    fails("17.1", lambda f1: _card(f1, base_model="bert-base-uncased"), "base_model", BASE)
    fails("17.1", lambda f1: _card(f1, license=None), "no license")
    fails("17.1", lambda f1: _card(f1, eval_results=None), "no evaluation results")
    percent = [EvalResult(task_type="token-classification", dataset_type="wnut_16", dataset_name="WNUT-16",
                          metric_type="f1", metric_value=100 * 0.5)]  # fmt: skip
    fails("17.1", lambda f1: _card(f1, eval_results=[_with_value(percent[0], 100 * f1)]), "percentage")
    fails("17.1", lambda f1: _card(f1, eval_results=[_with_value(percent[0], 0.5)]), "measured value")
    accuracy = EvalResult(task_type="token-classification", dataset_type="wnut_16", dataset_name="WNUT-16",
                          metric_type="accuracy", metric_value=0.9)  # fmt: skip
    fails("17.1", lambda f1: _card(f1, eval_results=[accuracy]), "no F1", "metric_type='f1'")
    fails("17.1", lambda f1: _card(f1, body="# WNUT-16 tagger\n\n## Limitations\n\nSome.\n"), "intended use")
    fails(
        "17.1", lambda f1: _card(f1, body="# WNUT-16 tagger\n\n## Intended uses\n\nTweets.\n"), "limitation"
    )
    fails("17.1", lambda f1: BODY, "no metadata block")
    fails("17.1", lambda f1: {"license": "apache-2.0"}, "ModelCard")


def _with_value(result: EvalResult, value: float) -> EvalResult:
    return EvalResult(task_type=result.task_type, dataset_type=result.dataset_type, dataset_name=result.dataset_name,
                      metric_type=result.metric_type, metric_value=value)  # fmt: skip


# --------------------------------------------------------------------------- 17.2 the commit behind a name


def test_commit_for_right_answers_pass():
    def by_loop(refs, name):
        for info in refs.branches + refs.tags:
            if info.name == name:
                return info.target_commit
        return None

    passes("17.2", by_loop)
    passes(
        "17.2", lambda refs, name: {i.name: i.target_commit for i in [*refs.tags, *refs.branches]}.get(name)
    )


def test_commit_for_wrong_answers_fail():
    def ref_path(refs, name):
        return next((i.ref for i in refs.branches + refs.tags if i.name == name), None)

    fails("17.2", ref_path, "full name", ".target_commit")

    def whole_info(refs, name):
        return next((i for i in refs.branches + refs.tags if i.name == name), None)

    fails("17.2", whole_info, "GitRefInfo", ".target_commit")

    def branches_only(refs, name):
        return next((i.target_commit for i in refs.branches if i.name == name), None)

    fails("17.2", branches_only, "is a tag", "refs.tags")

    def raises_when_missing(refs, name):
        return next(i.target_commit for i in refs.branches + refs.tags if i.name == name)

    fails("17.2", raises_when_missing, "return None", "StopIteration")

    def main_when_missing(refs, name):
        found = {i.name: i.target_commit for i in refs.branches + refs.tags}
        return found.get(name, found["main"])

    fails("17.2", main_when_missing, "should return None")


# --------------------------------------------------------------------------- 17.3 what deleting revisions frees


def _deleted(cache_info, keep):
    return [r for repo in cache_info.repos for r in repo.revisions if r.commit_hash not in keep]


def test_reclaimable_right_answers_pass():
    def by_blobs(cache_info, keep):
        kept = {f.blob_path for repo in cache_info.repos for r in repo.revisions if r.commit_hash in keep
                for f in r.files}  # fmt: skip
        freed = {f.blob_path: f.size_on_disk for r in _deleted(cache_info, keep) for f in r.files
                 if f.blob_path not in kept}  # fmt: skip
        return sum(freed.values())

    passes("17.3", by_blobs)

    def by_api(cache_info, keep):
        hashes = [r.commit_hash for r in _deleted(cache_info, keep)]
        return float(cache_info.delete_revisions(*hashes).expected_freed_size)  # a whole float is accepted

    passes("17.3", by_api)


def test_reclaimable_wrong_answers_fail():
    fails("17.3", lambda cache_info, keep: sum(r.size_on_disk for r in _deleted(cache_info, keep)),
          "added up the deleted revisions' sizes")  # fmt: skip
    fails("17.3", lambda cache_info, keep: sum({f.blob_path: f.size_on_disk for r in _deleted(cache_info, keep)
                                                for f in r.files}.values()), "still uses")  # fmt: skip
    fails("17.3", lambda cache_info, keep: cache_info.size_on_disk, "frees")
    fails("17.3", lambda cache_info, keep: "1 MB", "whole number")


# --------------------------------------------------------------------------- 17.4 tokens in a folder


def test_find_tokens_right_answers_pass():
    def with_rglob(folder):
        found = []
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and TOKEN_RE.search(path.read_text(errors="ignore")):
                found.append(path.relative_to(folder))
        return found

    passes("17.4", with_rglob)

    def with_walk(folder):  # absolute paths, as strings, in any order: accepted
        found = set()
        for here, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(here, name)
                with open(path, "rb") as f:
                    if TOKEN_RE.search(f.read().decode("latin-1")):
                        found.add(path)
        return found

    passes("17.4", with_walk)


def test_find_tokens_wrong_answers_fail():
    def top_level_only(folder):
        return [
            p.name
            for p in Path(folder).iterdir()
            if p.is_file() and TOKEN_RE.search(p.read_text(errors="ignore"))
        ]

    fails("17.4", top_level_only, "configs/deep/settings.yaml", "sub-folder")

    def naive_prefix(folder):
        return [
            p.relative_to(folder)
            for p in Path(folder).rglob("*")
            if p.is_file() and "hf_" in p.read_text(errors="ignore")
        ]

    fails("17.4", naive_prefix, "hold no token", "train.py")

    def strict_utf8(folder):
        return [
            p.relative_to(folder)
            for p in Path(folder).rglob("*")
            if p.is_file() and TOKEN_RE.search(p.read_text())
        ]

    fails("17.4", strict_utf8, "UnicodeDecodeError")

    import glob

    def no_hidden(folder):
        paths = glob.glob(os.path.join(folder, "**", "*"), recursive=True)
        return [
            os.path.relpath(p, folder)
            for p in paths
            if os.path.isfile(p) and TOKEN_RE.search(open(p, errors="ignore").read())
        ]  # noqa: SIM115

    fails("17.4", no_hidden, ".env", "hidden files")
    fails("17.4", lambda folder: str(folder), "list of paths")
