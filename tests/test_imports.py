"""No import cycle in the helper package: the modules depend on each other one way, and every module
imports alone, first, in a fresh interpreter.

Two checks. The static one reads every ``import`` of every module, at the top or inside a function (a
function-level import that closes a loop is a cycle held together by timing), and names any cycle. The
root package ``helpers`` only re-exports ``setup`` and ``check`` and is loaded before any of its modules, so
an import of it does not count. The dynamic one starts one fresh interpreter that runs the helpers' imports
of other libraries (torch, transformers, datasets...: seconds, paid once), then, for each helper module,
forks a child with no helpers module loaded that imports that module alone: each module in turn is the first
one imported, as in a notebook whose first helpers import it is.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parents[1] / "helpers"


def module_name(path: Path) -> str:
    parts = path.relative_to(HELPERS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(module_name(p) for p in HELPERS.rglob("*.py") if p.name != "__main__.py")


def syntax_tree(name: str) -> ast.Module:
    path = HELPERS.parent / Path(*name.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return ast.parse(path.read_text(encoding="utf-8"))


def imports(name: str) -> set[str]:
    """Every module a module imports, at its top or inside its functions (``from a import b``: a and a.b)."""
    found = set()
    for node in ast.walk(syntax_tree(name)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from helpers import data`
    return found


def with_packages(name: str) -> set[str]:
    """``helpers.a.b`` and the subpackage that importing it runs first, ``helpers.a`` (not the root)."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(2, len(parts) + 1)}


def test_no_import_cycle_between_helper_modules():
    graph = {
        name: {m for i in imports(name) for m in with_packages(i) if m in MODULES} - {name}
        for name in MODULES
    }
    visiting, done = [], set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = visiting[visiting.index(name) :] + [name]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        visiting.append(name)
        for dependency in sorted(graph[name]):
            visit(dependency)
        visiting.pop()
        done.add(name)

    for name in MODULES:
        visit(name)


def library_imports() -> list[str]:
    """The helper modules' top-level imports of other libraries, as source lines."""
    found = set()
    for name in MODULES:
        for node in syntax_tree(name).body:
            if isinstance(node, ast.Import):
                found |= {f"import {a.name}" for a in node.names if not a.name.startswith("helpers")}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
                if not node.module.startswith("helpers"):
                    found.add(ast.unparse(node))
    return sorted(found)


CHILDREN = """
import importlib, json, os, sys
modules = json.loads(sys.argv[1])
for statement in json.loads(sys.argv[2]):  # the libraries, loaded once, before any helpers module
    try:
        exec(statement, {})
    except ImportError:
        pass  # an optional library: the helper module that needs it fails below and says so
failures = {}
for first in modules:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no helpers module loaded yet; import `first` (and what it imports)
        os.close(reader)
        error = ""
        try:
            importlib.import_module(first)
        except BaseException as err:
            error = f"importing {first} first: {type(err).__name__}: {err}"
        os.write(writer, error.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        message = pipe.read()
    os.waitpid(pid, 0)
    if message:
        failures[first] = message
print(json.dumps(failures))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses os.fork (one child per module)")
def test_every_module_imports_first_in_a_fresh_interpreter():
    result = subprocess.run(
        [sys.executable, "-c", CHILDREN, json.dumps(MODULES), json.dumps(library_imports())],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=HELPERS.parent,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert not failures, "\n".join(failures.values())
