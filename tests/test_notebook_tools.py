"""Header generation, syncing, stripping, solution copies and the README table."""

import nbformat
import pytest

from helpers import catalog
from helpers import notebook_tools as nt


def _exercise_notebook(tmp_path, solution='```python\nx = 4\ncheck("00.2", x)\n```'):
    v4 = nbformat.v4
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_code_cell('x = ...\ncheck("00.2", x)', metadata={"tags": ["exercise"]}),
        v4.new_markdown_cell(
            f"<details><summary>Reference solution</summary>\n\n{solution}\n\n</details>",
            metadata={"tags": ["solution"]},
        ),
        v4.new_code_cell("print('after')", outputs=[], execution_count=3),
    ]
    return nb


def test_header_sources_link_the_real_path():
    title, badges, code = nt.header_sources("02")
    assert title.startswith("# 02 · The Hugging Face ecosystem")
    assert "blob/main/notebooks/02_ecosystem_tour.ipynb" in badges and "colab-badge.svg" in badges
    assert 'cfg = setup("02")' in code and "git clone" in code


def test_sync_creates_and_updates_header(tmp_path, monkeypatch):
    path = tmp_path / "05_pipelines.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Body")]
    nbformat.write(nb, path)
    assert nt.sync(path) is True
    again = nbformat.read(path, as_version=4)
    assert again.cells[0].source.startswith("# 05 ·") and again.cells[3].source == "## Body"
    written = path.read_bytes()
    assert nt.sync(path) is False
    assert path.read_bytes() == written, "a sync with nothing to change must leave the file as it was"
    with pytest.raises(ValueError, match="NN_short_name"):
        nt.sync(tmp_path / "bad.ipynb")


def test_sync_keeps_cell_ids_when_the_header_changes(tmp_path, monkeypatch):
    path = tmp_path / "05_pipelines.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Body")]
    nbformat.write(nb, path)
    nt.sync(path)
    ids = [c.id for c in nbformat.read(path, as_version=4).cells]
    monkeypatch.setattr(nt, "timings", lambda: {"05": {"smoke": 1.0, "cpu": 2.0}})
    assert nt.sync(path) is True  # the times in the badges cell changed
    again = nbformat.read(path, as_version=4)
    assert "1 s" in again.cells[1].source or "1.0" in again.cells[1].source, again.cells[1].source
    assert [c.id for c in again.cells] == ids


def test_strip_removes_outputs_and_widgets():
    nb = nbformat.v4.new_notebook(metadata={"widgets": {"state": {}}})
    nb.cells = [
        nbformat.v4.new_code_cell(
            "1", outputs=[nbformat.v4.new_output("stream", text="1")], execution_count=1
        )
    ]
    nt.strip(nb)
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None and "widgets" not in nb.metadata


def test_solutions_copy_runs_untouched_then_solution(tmp_path):
    nb = _exercise_notebook(tmp_path)
    assert nt.exercises(nb) == [("00.2", 0, 'x = 4\ncheck("00.2", x)\n')]
    copy = nt.solutions_copy(nb)
    sources = [c.source for c in copy.cells]
    assert sources[2].endswith('expect("00.2", "not attempted")')
    assert sources[3] == 'x = 4\ncheck("00.2", x)\n' and sources[4] == 'expect("00.2", "pass")'
    assert sources[5] == "print('after')"
    assert len(nb.cells) == 3, "the original must not change"


def test_solutions_copy_executes(tmp_path):
    """The generated copy really executes: untouched -> not attempted, solution -> pass, wrong -> fails."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    bank = (
        "from helpers.exercises import exercise, Fail, check\n"
        "@exercise('00.2', hint='h')\n"
        "def _(a):\n    if a != 4: raise Fail('no')\n"
    )
    for solution, ok in (
        ('```python\nx = 4\ncheck("00.2", x)\n```', True),
        ('```python\nx = 5\ncheck("00.2", x)\n```', False),
    ):
        nb = _exercise_notebook(tmp_path, solution)
        nb.cells.insert(0, nbformat.v4.new_code_cell(bank))
        copy = nt.solutions_copy(nb)
        client = NotebookClient(copy, timeout=120, kernel_name="python3")
        if ok:
            client.execute()
        else:
            with pytest.raises(CellExecutionError, match="expected 'pass'"):
                client.execute()


def test_exercise_without_solution_cell_is_an_error():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('check("00.2", ...)', metadata={"tags": ["exercise"]})]
    with pytest.raises(ValueError, match="tagged 'solution'"):
        nt.exercises(nb)
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["exercise"]})]
    with pytest.raises(ValueError, match="no check"):
        nt.exercises(nb)
    with pytest.raises(ValueError, match="no ```python block"):
        nt.solution_code(nbformat.v4.new_markdown_cell("nothing"))


def test_readme_table_is_up_to_date():
    readme = (nt.NOTEBOOKS_DIR.parent / "README.md").read_text()
    assert nt.replace_table(readme) == readme, "README table is stale: run `make readme`"
    for e in catalog.CATALOG:
        assert e.title in readme


def test_readme_table_shows_recorded_cpu_results(monkeypatch):
    measured = {
        "01": {
            "smoke": 9.0,
            "cpu": 13.0,
            "results": {"cpu": {"max error": "3.6e-07", "ratio": "41x"}, "smoke": {"max error": "9.9"}},
        }
    }
    monkeypatch.setattr(nt, "timings", lambda: measured)
    row = next(line for line in nt.notebook_table().splitlines() if line.startswith("| 01 |"))
    assert row.endswith("| 9 s | 13 s | max error: **3.6e-07**; ratio: **41x** |"), row
    assert "9.9" not in row  # smoke results are not headline results


def test_readme_table_lists_all_twenty_and_badges_existing():
    table = nt.notebook_table()
    assert len(table.splitlines()) == 2 + 20
    existing = {p.name[:2] for p in nt.notebook_paths()}
    for e in catalog.CATALOG:
        row = next(r for r in table.splitlines() if r.startswith(f"| {e.id} |"))
        assert ("colab-badge" in row) == (e.id in existing)
    with pytest.raises(ValueError, match="markers"):
        nt.replace_table("no markers here")


def test_catalog_helpers():
    assert catalog.format_seconds(None) == "not measured"
    assert catalog.format_seconds(42.4) == "42 s"
    with pytest.raises(KeyError, match="ids are 01..20"):
        catalog.entry("21")
    assert [e.id for e in catalog.CATALOG] == [f"{i:02d}" for i in range(1, 21)]


def test_cli_new_refuses_existing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(nt, "NOTEBOOKS_DIR", tmp_path)
    monkeypatch.setattr(nt, "SOLUTIONS_DIR", tmp_path / "build" / "solutions")
    assert nt.main(["new", "07"]) == 0
    assert (tmp_path / "07_datasets.ipynb").exists()
    assert nt.main(["new", "07"]) == 1
    assert nt.main(["sync"]) == 0 and "unchanged: 07_datasets.ipynb" in capsys.readouterr().out
    assert nt.main(["strip"]) == 0
    assert nt.main(["solutions"]) == 0
    assert (tmp_path / "build" / "solutions" / "_solutions_07_datasets.ipynb").exists()
    assert not list(tmp_path.glob("_solutions_*")), "solution copies never go next to the lessons"
    assert nt.main(["solutions", "08"]) == 0  # only the named notebooks; 07's copy stays
    assert (tmp_path / "build" / "solutions" / "_solutions_07_datasets.ipynb").exists()
