"""Tests for helpers.slides: deck structure, the no-slides error, the CLI, and (marked
``browser``) every deck opened in headless Chromium with no failed or non-local request."""

from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from helpers.slides import (
    ASSETS_DIR,
    MAX_OUTPUT_LINES,
    NoSlidesError,
    build_all,
    build_deck,
    display_copy,
    executed_copy,
    main,
    read_executed,
)

ROOT = Path(__file__).resolve().parents[1]

FIXTURE = ROOT / "tests" / "fixtures" / "slides_fixture.ipynb"
REAL_NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = ROOT / "test-reports" / "slides"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def slide_types(notebook: Path) -> list[str | None]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return [cell.get("metadata", {}).get("slideshow", {}).get("slide_type") for cell in nb["cells"]]


def expected_slide_count(notebook: Path) -> int:
    """One reveal slide per slide/subslide cell."""
    return sum(t in ("slide", "subslide") for t in slide_types(notebook))


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An output folder whose assets/ is a symlink to the vendored copy (no 2 MB copy)."""
    out = tmp_path / "decks"
    out.mkdir()
    (out / "assets").symlink_to(ASSETS_DIR, target_is_directory=True)
    return out


def write_notebook(path: Path, cells: list[tuple[str, str, str | None]]) -> Path:
    """cells: (cell_type, source, slide_type or None)."""
    nb = nbformat.v4.new_notebook()
    for cell_type, source, slide_type in cells:
        make = nbformat.v4.new_markdown_cell if cell_type == "markdown" else nbformat.v4.new_code_cell
        cell = make(source)
        if slide_type is not None:
            cell.metadata["slideshow"] = {"slide_type": slide_type}
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


# --------------------------------------------------------------------------- unit tests


def test_fixture_covers_every_slide_type():
    assert {"slide", "subslide", "fragment", "skip", "notes", "-", None} <= set(slide_types(FIXTURE))


def test_build_deck_structure(out_dir: Path):
    deck = build_deck(FIXTURE, out_dir)
    assert deck == out_dir / "slides_fixture.slides.html"
    html = deck.read_text(encoding="utf-8")

    # 3 "slide" cells open <section><section>, 1 "subslide" opens one <section>.
    assert html.count("<section") == html.count("</section>") == 2 * 3 + 1
    assert html.count('<div class="fragment"') == 2
    assert html.count('<aside class="notes">') == 1
    assert "NOTES-MARKER" in html
    for absent in ("SKIPPED-CELL-MARKER", "UNMARKED_CELL_MARKER", "UNMARKED-PREAMBLE-MARKER"):
        assert absent not in html
    text = re.sub(r"<[^>]+>", "", html)  # code is split into highlighting <span>s
    assert "math.sqrt(64)" in text and "def greet(name: str)" in text
    assert r"\sqrt{d_k}" in html  # TeX left for MathJax
    assert "<title>Fixture deck: attention in a nutshell — slides</title>" in html
    assert 'slideNumber: "c/t"' in html
    assert "In&nbsp;[" not in html  # no empty input prompts


def test_build_deck_uses_only_local_assets(out_dir: Path):
    html = build_deck(FIXTURE, out_dir).read_text(encoding="utf-8")
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
    urls += re.findall(r"""\bimport\b[^'"\n]*['"]([^'"]+)['"]""", html)  # ES module imports
    urls += re.findall(r"require\(\s*(?:\{[^}]*\},\s*)?\[([^\]]*)\]", html)  # require.js deps
    assert urls
    for url in urls:
        assert not re.search(r"(https?:)?//", url), url
    assert "unpkg.com" not in html and "cdnjs" not in html and "mermaid" not in html.split("</head>")[0]
    for asset in re.findall(r"""(?:src|href)=["'](assets/[^"'?]+)""", html):
        assert (out_dir / asset).is_file(), asset


def test_build_deck_copies_assets_into_a_bare_out_dir(tmp_path: Path):
    out = tmp_path / "new" / "folder"
    deck = build_deck(FIXTURE, out)
    assert deck.is_file()
    assert (out / "assets" / "reveal.js" / "dist" / "reveal.js").is_file()
    assert (out / "assets" / "mathjax" / "MathJax.js").is_file()


def test_title_uses_notebook_number_and_first_heading(tmp_path: Path, out_dir: Path):
    nb = write_notebook(
        tmp_path / "07_attention_maps.ipynb",
        [
            ("code", "import torch", None),
            ("markdown", "Some intro\n\n## Attention *maps*, `visualised`\n\ntext", "slide"),
            ("markdown", "# Later heading", "slide"),
        ],
    )
    html = build_deck(nb, out_dir).read_text(encoding="utf-8")
    assert "<title>07 · Attention maps, visualised — slides</title>" in html


def test_cells_before_first_slide_are_dropped(tmp_path: Path, out_dir: Path):
    nb = write_notebook(
        tmp_path / "x.ipynb",
        [
            ("markdown", "EARLY-FRAGMENT", "fragment"),
            ("markdown", "EARLY-NOTES", "notes"),
            ("markdown", "EARLY-CONTINUE", "-"),
            ("markdown", "# First", "subslide"),
            ("markdown", "TAIL-CONTINUE", "-"),
        ],
    )
    html = build_deck(nb, out_dir).read_text(encoding="utf-8")
    assert "EARLY-" not in html
    assert "TAIL-CONTINUE" in html
    assert html.count("<section") == 2  # the subslide became the (only) slide


@pytest.mark.parametrize("types", [[], [None, None], ["skip", None], ["fragment", "notes", "-"]])
def test_zero_slides_is_a_clear_error(tmp_path: Path, out_dir: Path, types):
    nb = write_notebook(tmp_path / "05_no_slides.ipynb", [("markdown", "# Hi", t) for t in types])
    with pytest.raises(NoSlidesError, match=r"05_no_slides\.ipynb: no slide cells"):
        build_deck(nb, out_dir)
    assert not (out_dir / "05_no_slides.slides.html").exists()


def test_build_all(tmp_path: Path, out_dir: Path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    shutil.copy(FIXTURE, nbs / "01_first.ipynb")
    shutil.copy(FIXTURE, nbs / "02_second.ipynb")
    shutil.copy(FIXTURE, nbs / "scratch.ipynb")  # not a numbered course notebook
    decks = build_all(nbs, out_dir)
    assert [d.name for d in decks] == ["01_first.slides.html", "02_second.slides.html"]

    write_notebook(nbs / "03_empty.ipynb", [("markdown", "# no slides", None)])
    with pytest.raises(RuntimeError, match=r"03_empty\.ipynb: no slide cells"):
        build_all(nbs, out_dir)


def test_cli_module_entry_point(tmp_path: Path, out_dir: Path):
    """`python -m helpers.slides` end to end: builds what it can, exit 1 naming the bad notebook."""
    empty = write_notebook(tmp_path / "09_empty.ipynb", [("code", "x = 1", None)])
    result = subprocess.run(
        [sys.executable, "-m", "helpers.slides", "--out", str(out_dir), str(FIXTURE), str(empty)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip() == str(out_dir / "slides_fixture.slides.html")
    assert (out_dir / "slides_fixture.slides.html").is_file()
    assert "09_empty.ipynb: no slide cells" in result.stderr


def test_cli_default_builds_every_numbered_notebook(tmp_path: Path, monkeypatch, capsys):
    (tmp_path / "notebooks").mkdir()
    shutil.copy(FIXTURE, tmp_path / "notebooks" / "01_intro.ipynb")
    shutil.copy(FIXTURE, tmp_path / "notebooks" / "draft.ipynb")
    (tmp_path / "slides").mkdir()
    (tmp_path / "slides" / "assets").symlink_to(ASSETS_DIR, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert main([]) == 0
    assert capsys.readouterr().out.strip() == str(Path("slides") / "01_intro.slides.html")
    assert sorted(p.name for p in (tmp_path / "slides").glob("*.html")) == ["01_intro.slides.html"]

    assert main(["--out", "elsewhere", "notebooks/draft.ipynb"]) == 0
    assert (tmp_path / "elsewhere" / "draft.slides.html").is_file()
    assert (tmp_path / "elsewhere" / "assets" / "reveal.js" / "dist" / "reveal.js").is_file()


def test_cli_without_notebooks(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([]) == 1
    assert "no notebooks found" in capsys.readouterr().err


def test_vendored_assets_are_small_and_licensed():
    files = [p for p in ASSETS_DIR.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 4 * 1024 * 1024
    for package in ("reveal.js", "mathjax", "jquery"):
        assert list((ASSETS_DIR / package).glob("LICENSE*")), package
    assert "@license RequireJS" in (ASSETS_DIR / "requirejs" / "require.js").read_text()[:2000]
    assert (ASSETS_DIR / "README.md").is_file()


def png_of_a_plot() -> str:
    """A small real matplotlib plot, base64 PNG (what an executed cell's display_data holds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.plot([0, 1, 2, 3], [3, 1, 2, 0], color="tab:red", linewidth=4)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def executed_pair(tmp_path: Path, name: str = "04_plots.ipynb") -> tuple[Path, Path]:
    """A stripped notebook with a plot cell on its second slide, and its executed copy (a solution copy, with
    an inserted checking cell tagged remove-cell), as CI writes them."""
    nb = write_notebook(
        tmp_path / name,
        [
            ("markdown", "# Plots", "slide"),
            ("code", "plot_losses()", "slide"),
            ("code", "print('done')", "-"),
        ],
    )
    executed = nbformat.read(nb, as_version=4)
    v4 = nbformat.v4
    executed.cells[1].outputs = [
        v4.new_output("display_data", data={"image/png": png_of_a_plot(), "text/plain": "<Figure>"}),
        v4.new_output("stream", name="stderr", text="UserWarning: STDERR-MARKER\n"),
    ]
    executed.cells[2].outputs = [v4.new_output("stream", text="".join(f"line {i}\n" for i in range(100)))]
    executed.cells.insert(2, v4.new_code_cell("expect('04.1', 'pass')", metadata={"tags": ["remove-cell"]}))
    copy_dir = tmp_path / "executed"
    copy_dir.mkdir(exist_ok=True)
    path = copy_dir / f"_solutions_{name}"
    nbformat.write(executed, path)
    return nb, path


def test_executed_copy_is_used_only_while_it_matches_the_notebook(tmp_path: Path):
    nb, copy = executed_pair(tmp_path)
    assert executed_copy(nb, copy.parent) == copy
    assert executed_copy(nb, None) is None
    assert executed_copy(nb, tmp_path / "nowhere") is None

    changed = nbformat.read(nb, as_version=4)
    changed.cells[1].source = "plot_losses(smooth=True)"  # edited since the run: the outputs are stale
    nbformat.write(changed, nb)
    assert executed_copy(nb, copy.parent) is None

    resynced = nbformat.read(copy, as_version=4)  # the run, then `notebook_tools sync` changed the header
    resynced.cells = [
        nbformat.v4.new_markdown_cell("Times: OLD", metadata={"tags": ["header"]}),
        *resynced.cells,
    ]
    nbformat.write(resynced, copy)
    fresh = nbformat.read(nb, as_version=4)
    fresh.cells[1].source = "plot_losses()"
    fresh.cells.insert(0, nbformat.v4.new_markdown_cell("Times: NEW", metadata={"tags": ["header"]}))
    nbformat.write(fresh, nb)
    assert executed_copy(nb, copy.parent) == copy, "a new header leaves the outputs valid"
    shown = read_executed(nb, copy)
    assert shown.cells[0].source == "Times: NEW" and shown.cells[2].outputs, "new header, old outputs"

    (tmp_path / "b").mkdir()
    nb2, copy2 = executed_pair(tmp_path / "b")
    unexecuted = nbformat.read(copy2, as_version=4)
    for cell in unexecuted.cells:
        cell.outputs = [] if cell.cell_type == "code" else cell.get("outputs")
    nbformat.write(unexecuted, copy2)
    assert executed_copy(nb2, copy2.parent) is None, "a copy with no outputs is not an executed copy"


def test_display_copy_for_slides(tmp_path: Path):
    _, copy = executed_pair(tmp_path)
    executed = nbformat.read(copy, as_version=4)
    executed.cells[1].outputs.append(
        nbformat.v4.new_output(
            "display_data",
            data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "HBox()"},
        )
    )
    shown = display_copy(executed, for_slides=True)
    assert len(shown.cells) == 3, "the remove-cell cell is gone"
    assert [o.output_type for o in shown.cells[1].outputs] == ["display_data"], "no stderr, no widget"
    text = shown.cells[2].outputs[0].text
    assert text.count("\n") == MAX_OUTPUT_LINES + 1 and "70 more lines in the notebook" in text
    page = display_copy(executed)
    assert [o.output_type for o in page.cells[1].outputs] == ["display_data", "stream"], "pages keep stderr"
    assert page.cells[2].outputs[0].text.count("\n") == 100
    assert len(executed.cells) == 4, "the executed notebook itself is unchanged"


def test_deck_from_executed_copy_has_the_outputs(tmp_path: Path, out_dir: Path):
    nb, copy = executed_pair(tmp_path)
    stripped = build_deck(nb, out_dir).read_text(encoding="utf-8")
    assert 'src="data:image/png' not in stripped
    html = build_deck(nb, out_dir, executed=copy).read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 1
    assert "STDERR-MARKER" not in html and "expect(" not in html
    assert "<title>04 · Plots — slides</title>" in html


def test_cli_executed_option(tmp_path: Path, out_dir: Path, capsys):
    nb, copy = executed_pair(tmp_path)
    other = write_notebook(tmp_path / "05_other.ipynb", [("markdown", "# Other", "slide")])
    assert main(["--out", str(out_dir), "--executed", str(copy.parent), str(nb), str(other)]) == 0
    captured = capsys.readouterr()
    assert 'src="data:image/png' in (out_dir / "04_plots.slides.html").read_text(encoding="utf-8")
    assert "no up-to-date executed copy of 05_other.ipynb" in captured.err
    assert "04_plots" not in captured.err


# --------------------------------------------------------------------------- browser test


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@pytest.fixture(scope="module")
def served_dir(tmp_path_factory):
    """A folder with assets/ linked in, served by http.server on 127.0.0.1:<free port>."""
    root = tmp_path_factory.mktemp("served_decks")
    (root / "assets").symlink_to(ASSETS_DIR, target_is_directory=True)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def distinct_colours(png: bytes, page) -> int:
    try:
        from PIL import Image
    except ImportError:  # decode in the browser instead
        return page.evaluate(
            """async (src) => {
                const img = new Image(); img.src = src; await img.decode();
                const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
                const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
                const d = ctx.getImageData(0, 0, c.width, c.height).data, seen = new Set();
                for (let i = 0; i < d.length && seen.size < 1000; i += 4)
                    seen.add(d[i] << 16 | d[i+1] << 8 | d[i+2]);
                return seen.size;
            }""",
            "data:image/png;base64," + base64.b64encode(png).decode(),
        )
    with Image.open(io.BytesIO(png)) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colours) if colours is not None else 1 << 20


DECK_NOTEBOOKS = [FIXTURE, *REAL_NOTEBOOKS]

SLIDE_FITS_JS = """async () => {
    Reveal.configure({transition: "none", backgroundTransition: "none"});
    const box = document.querySelector(".reveal .slides").getBoundingClientRect(), out = [];
    for (const [k, slide] of Reveal.getSlides().entries()) {
        const i = Reveal.getIndices(slide);
        Reveal.slide(i.h, i.v, 1e6);  // with every fragment shown
        await new Promise(done => setTimeout(done, 20));
        const r = slide.getBoundingClientRect();
        const scrolls = slide.style.overflowY === "auto" && slide.scrollHeight > slide.clientHeight + 1;
        const outside = r.bottom > box.bottom + 2 || r.top < box.top - 2;
        out.push({slide: k + 1, scale: Number(slide.getAttribute("data-fit-scale") || 1),
                  scrolls: scrolls, clipped: outside && !scrolls,
                  heading: ((slide.querySelector("h1,h2,h3,h4") || {}).textContent || "").slice(0, 50)});
    }
    Reveal.slide(0, 0);
    return out;
}"""


def slide_fits(page) -> list[dict]:
    """Visit every slide; for each: the scale it was shrunk to, whether it scrolls, whether it is cut off."""
    return page.evaluate(SLIDE_FITS_JS)


@pytest.mark.browser
@pytest.mark.parametrize("notebook", DECK_NOTEBOOKS, ids=[p.stem for p in DECK_NOTEBOOKS])
def test_deck_in_browser(notebook: Path, served_dir, browser):
    root, base_url = served_dir
    deck = build_deck(notebook, root)
    expected = expected_slide_count(notebook)

    failed: list[str] = []
    external: list[str] = []
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 800})

    def route(route, request):
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            external.append(request.url)
            route.abort()

    page.route("**/*", route)
    in_flight: set = set()
    page.on("request", lambda r: in_flight.add(r))
    page.on("requestfinished", lambda r: in_flight.discard(r))
    page.on("requestfailed", lambda r: in_flight.discard(r))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url} (HTTP {r.status})"))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{base_url}/{deck.name}")
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        assert page.evaluate("Reveal.getTotalSlides()") == expected
        # the slide number is in the page title
        page.wait_for_function("t => document.title.startsWith(t)", arg=f"1/{expected} · ")
        assert page.title().endswith(" — slides")

        # At once (while MathJax may still be typesetting: a slide change used to race it),
        # go to the next slide, whatever its direction, skipping fragments.
        if expected > 1:
            page.evaluate("""() => {
                Reveal.configure({transition: "none", backgroundTransition: "none"});
                const next = Reveal.getSlides()[1], i = Reveal.getIndices(next);
                Reveal.slide(i.h, i.v);
            }""")
            page.wait_for_function("() => Reveal.getSlidePastCount() === 1")
            page.wait_for_function("t => document.title.startsWith(t)", arg=f"2/{expected} · ")
        # wait for MathJax's queue (typesetting, re-rendering on slide change) and the fonts
        page.evaluate("""() => new Promise(done =>
            window.MathJax && MathJax.Hub ? MathJax.Hub.Queue(done) : done())""")
        page.evaluate("() => document.fonts.ready.then(() => null)")
        math = page.evaluate("""() => {
            const slide = Reveal.getCurrentSlide(), all = s => slide.querySelectorAll(s).length;
            return {
                formulas: all('script[type^="math/tex"]'),
                rendered: all(".MathJax_CHTML"),
                leftover_previews: Array.from(slide.querySelectorAll(".MathJax_Preview"))
                    .map(e => e.textContent).filter(t => t.trim()),
            };
        }""")
        assert math["rendered"] == math["formulas"] and not math["leftover_previews"], math
        if notebook == FIXTURE:  # typeset by the vendored MathJax, with its fonts
            assert math["formulas"] == 2, math
            assert page.evaluate("document.fonts.check('16px MathJax_Main')"), "MathJax font not loaded"
            assert page.evaluate("""document.fonts.check('600 16px "Source Sans Pro"')"""), "theme font"

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        png = page.screenshot()
        (SCREENSHOTS / f"{notebook.stem}.png").write_bytes(png)
        assert distinct_colours(png, page) > 8, "the screenshot looks blank"
        clipped = [f for f in slide_fits(page) if f["clipped"]]
        assert clipped == [], f"slides cut off (neither fitted nor scrollable): {clipped}"
        for _ in range(100):  # so that every request is accounted for (cheaper than networkidle)
            if not in_flight:
                break
            page.wait_for_timeout(50)
        assert not in_flight, f"requests still pending: {[r.url for r in in_flight]}"
    finally:
        page.close()

    assert external == [], f"requests to non-local hosts: {external}"
    assert failed == [], f"failed requests: {failed}"
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.mark.browser
def test_tall_slides_shrink_to_fit_or_scroll(tmp_path: Path, served_dir, browser):
    """A slide taller than the 700 px deck is shrunk (to 60% at least, still readable); one that is
    taller even then scrolls inside the slide instead of being cut off; a short one is left alone."""
    root, base_url = served_dir
    lines = lambda n: "\n".join(f"x_{i} = {i}  # line {i}" for i in range(n))  # noqa: E731
    nb = write_notebook(
        tmp_path / "90_fit.ipynb",
        [
            ("markdown", "# Short\n\none line", "slide"),
            ("code", lines(32), "slide"),  # about 1.3 slide heights: shrinks
            ("code", lines(120), "slide"),  # several slide heights: scrolls
        ],
    )
    deck = build_deck(nb, root)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{base_url}/{deck.name}")
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        short, medium, tall = slide_fits(page)
    finally:
        page.close()
    assert short["scale"] == 1 and not short["scrolls"] and not short["clipped"], short
    assert 0.6 < medium["scale"] < 1 and not medium["scrolls"] and not medium["clipped"], medium
    assert tall["scale"] == pytest.approx(0.6) and tall["scrolls"] and not tall["clipped"], tall


@pytest.mark.browser
def test_executed_deck_shows_the_output_image(tmp_path: Path, served_dir, browser):
    """A deck built from an executed notebook shows the plot the cell computed, on the cell's slide."""
    root, base_url = served_dir
    nb, copy = executed_pair(tmp_path, "06_executed.ipynb")
    deck = build_deck(nb, root, executed=copy)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{base_url}/{deck.name}")
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        assert page.evaluate("Reveal.getTotalSlides()") == 2
        page.evaluate("""() => { Reveal.configure({transition: "none"}); Reveal.slide(1, 0); }""")
        page.wait_for_function("() => Reveal.getSlidePastCount() === 1")
        shown = page.evaluate("""async () => {
            const img = Reveal.getCurrentSlide().querySelector('img[src^="data:image/png"]');
            if (!img) { return null; }
            await img.decode();
            const r = img.getBoundingClientRect(), box = document.querySelector(".reveal").getBoundingClientRect();
            return {width: img.naturalWidth, shown_width: r.width, inside: r.top >= box.top && r.bottom <= box.bottom};
        }""")
        png = page.screenshot()
    finally:
        page.close()
    assert shown is not None, "the plot is not on the slide of the cell that drew it"
    assert shown["width"] == 320 and shown["shown_width"] > 100 and shown["inside"], shown
    assert distinct_colours(png, page) > 8
