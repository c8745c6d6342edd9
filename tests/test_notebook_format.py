"""Every notebook's anatomy: generated header, setup cell, exercises with solutions, summary, pitfalls,
slides, stripped outputs, numbered names with no gaps. Fails with a message that says what to fix."""

import ast
import re

import nbformat
import pytest

from helpers import catalog, notebook_tools
from helpers.exercises import REGISTRY, _load_bank

PATHS = notebook_tools.notebook_paths()
IDS = [p.name for p in PATHS]


def has_placeholder(code: str) -> bool:
    r"""True when the code holds a literal ``...`` (a ``...`` in a comment or a string does not count).

    >>> has_placeholder("def f(x):\n    ...  # your code here"), has_placeholder("answer = 1  # ...")
    (True, False)
    """
    return any(
        isinstance(node, ast.Constant) and node.value is Ellipsis for node in ast.walk(ast.parse(code))
    )


def test_there_are_notebooks_numbered_without_gaps():
    assert PATHS, "no notebooks found in notebooks/"
    numbers = [int(p.name[:2]) for p in PATHS]
    assert numbers == list(range(1, len(numbers) + 1)), f"numbering has gaps or duplicates: {numbers}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_name_matches_catalog(path):
    e = catalog.entry(path.name[:2])
    assert path.name == e.filename, f"rename to {e.filename} or fix helpers/catalog.py"


@pytest.fixture(params=PATHS, ids=IDS)
def nb(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_valid_and_stripped(nb):
    path, book = nb
    nbformat.validate(book)
    assert "widgets" not in book.metadata, (
        f"{path.name}: widget state committed; run `python -m helpers.notebook_tools strip`"
    )
    for i, cell in enumerate(book.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name} cell {i} has outputs; run `python -m helpers.notebook_tools strip`"
            )


def test_header_and_setup_are_generated(nb):
    path, book = nb
    fresh = notebook_tools.header_cells(path.name[:2])
    got = [c.source for c in book.cells[:3]]
    assert got == [c.source for c in fresh], (
        f"{path.name}: header/setup cells differ from the template; run `python -m helpers.notebook_tools "
        "sync`"
    )
    assert 'cfg = setup("' + path.name[:2] + '")' in book.cells[2].source


def test_exercises_have_checks_and_solutions(nb):
    path, book = nb
    found = notebook_tools.exercises(book)
    assert len(found) >= 2, f"{path.name}: needs at least two exercises (cells tagged 'exercise')"
    ids = [ex_id for ex_id, _, _ in found]
    assert len(set(ids)) == len(ids), f"{path.name}: duplicate exercise ids {ids}"
    for ex_id, index, code in found:
        assert ex_id.startswith(path.name[:2] + "."), (
            f"{path.name}: exercise {ex_id} belongs to another notebook"
        )
        _load_bank(ex_id)
        assert ex_id in REGISTRY, (
            f"{ex_id}: no check registered in helpers/exercise_bank/nb{path.name[:2]}.py"
        )
        assert has_placeholder(book.cells[index].source), (
            f"{ex_id}: the exercise cell needs a ... placeholder (in the code, not in a comment)"
        )
        assert f'check("{ex_id}"' in code, f'{ex_id}: the reference solution must call check("{ex_id}", ...)'
        assert "<details>" in book.cells[index + 1].source, f"{ex_id}: put the solution in a <details> block"


def test_summary_pitfalls_next(nb):
    path, book = nb
    headings = [
        line.strip().lower()
        for c in book.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("#")
    ]
    for wanted in ("summary", "pitfalls", "where to go next"):
        assert any(wanted in h for h in headings), f"{path.name}: missing a '{wanted}' section heading"


def test_slides_marked(nb):
    path, book = nb
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in book.cells]
    n_slides = sum(k in ("slide", "subslide") for k in kinds)
    assert n_slides >= 6, (
        f"{path.name}: only {n_slides} slide/subslide cells; mark section headings as slides"
    )
    unmarked = [i for i, k in enumerate(kinds) if k is None]
    assert not unmarked, f"{path.name}: cells {unmarked[:10]} have no slideshow.slide_type"


def test_no_hub_only_or_unsafe_calls(nb):
    path, book = nb
    source = "\n".join(c.source for c in book.cells if c.cell_type == "code")
    assert "trust_remote_code=True" not in source, f"{path.name}: never trust_remote_code"
    assert not re.search(r"hf_[A-Za-z0-9]{30,}", source), f"{path.name}: looks like a Hub token in the code"
    for old in (
        "evaluation_strategy=",
        "torch_dtype=",
        "use_auth_token=",
        "encode_plus(",
        "grouped_entities=",
    ):
        for line in source.splitlines():
            if old in line and "pitfall" not in line.lower() and not line.lstrip().startswith("#"):
                pytest.fail(f"{path.name}: uses the removed 4.x spelling {old!r}: {line.strip()}")
