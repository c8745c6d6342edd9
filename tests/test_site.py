"""Tests of the course website (scripts/site.py, docs/site/conf.py).

Always: the page transforms (badge images become text links, the solution copies' checking cells are dropped,
each page links its slide deck) and the tags ``solutions_copy`` puts on the cells it inserts.

The built site, when ``LAB_SITE_DIR`` names it (``make test`` builds one from the notebooks CI has just executed
in the smoke profile and then runs this file with it; after ``make site``:
``LAB_SITE_DIR=build/site pytest tests/test_site.py``): every link and image reference inside the site leads to
a file (and anchor) that exists; and in headless Chromium every notebook page renders with its outputs, its
images load, its math is typeset, its solutions are folded, and no request leaves the machine; a slide deck
linked from the site shows an output image.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib.util
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import nbformat
import pytest

from helpers.notebook_tools import notebook_paths, solutions_copy

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ["LAB_SITE_DIR"]).resolve() if os.environ.get("LAB_SITE_DIR") else None
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
needs_site = pytest.mark.skipif(
    SITE is None,
    reason="LAB_SITE_DIR is not set: `make test` checks the site it builds from CI's executed notebooks",
)


def _load_site_module():
    spec = importlib.util.spec_from_file_location("course_site", ROOT / "scripts" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course_site = _load_site_module()


# --------------------------------------------------------------------------- page transforms


def test_remote_images_become_text_links():
    text = (
        "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.example/nb) "
        "![a chart](https://example.org/chart.png) <img src='//cdn.example.org/x.png' width=3> "
        "![local](diagram.png)"
    )
    out = course_site.local_page_markdown(text)
    assert "[Open In Colab](https://colab.example/nb)" in out
    assert "[a chart](https://example.org/chart.png)" in out
    assert '<a href="//cdn.example.org/x.png">image</a>' in out
    assert "![local](diagram.png)" in out, "local images stay images"
    assert not re.search(r"!\[[^\]]*\]\((https?:)?//", out) and "<img" not in out


def test_links_to_repository_files_point_at_the_repository():
    out = course_site.local_page_markdown(
        "[viz](../helpers/viz.py) [next](12_evaluation.ipynb#summary) [top](#setup) [web](https://x.org) "
        "[data](../data/qa_contexts.json)"
    )
    assert f"[viz]({course_site.SOURCE_URL}/helpers/viz.py)" in out
    assert f"[data]({course_site.SOURCE_URL}/data/qa_contexts.json)" in out
    for kept in ("[next](12_evaluation.ipynb#summary)", "[top](#setup)", "[web](https://x.org)"):
        assert kept in out


def _course_like_notebook() -> nbformat.NotebookNode:
    v4 = nbformat.v4
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_markdown_cell("# 00 · A test", metadata={"tags": ["header"]}),
        v4.new_markdown_cell(
            "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://c.example/x)",
            metadata={"tags": ["header"]},
        ),
        v4.new_code_cell("from helpers import check, setup", metadata={"tags": ["setup"]}),
        v4.new_code_cell('x = ...\ncheck("00.1", x)', metadata={"tags": ["exercise"]}),
        v4.new_markdown_cell(
            '<details><summary>Reference solution</summary>\n\n```python\nx = 4\ncheck("00.1", x)\n```\n\n</details>',
            metadata={"tags": ["solution"]},
        ),
        v4.new_markdown_cell("## Summary"),
    ]
    return nb


def test_solutions_copy_tags_what_it_inserts():
    nb = _course_like_notebook()
    copy = solutions_copy(nb)
    inserted = [c for c in copy.cells if "remove-cell" in c.metadata.get("tags", [])]
    assert [c.source for c in inserted] == [
        "%matplotlib inline",  # right after the setup cell: plots survive pytest's MPLBACKEND=Agg
        'from helpers.exercises import expect\nexpect("00.1", "not attempted")',
        'x = 4\ncheck("00.1", x)\n',
        'expect("00.1", "pass")',
    ]
    assert copy.cells[3].source == "%matplotlib inline"
    kept = [c.source for c in copy.cells if c not in inserted]
    assert kept == [c.source for c in nb.cells], "the lesson's own cells are unchanged and in order"


def test_page_notebook_shows_the_lesson_not_the_checks(tmp_path: Path):
    nb = _course_like_notebook()
    notebook = tmp_path / "00_test.ipynb"
    nbformat.write(nb, notebook)
    executed = tmp_path / "_solutions_00_test.ipynb"
    copy = solutions_copy(nb)
    copy.cells[4].outputs = [nbformat.v4.new_output("stream", text="not attempted\n")]  # the exercise
    nbformat.write(copy, executed)

    page = course_site.page_notebook(notebook, executed, "outputs from a run in the `smoke` profile")
    sources = [c.source for c in page.cells]
    assert not any("expect(" in s or "%matplotlib" in s for s in sources)
    assert len(page.cells) == len(nb.cells)
    assert page.cells[3].outputs[0].text == "not attempted\n"
    badges = page.cells[1].source
    assert badges.startswith(
        '[Open In Colab](https://c.example/x) · <a href="../slides/00_test.slides.html">Slides</a>'
    )
    assert badges.endswith("*This page shows outputs from a run in the `smoke` profile.*")
    assert page.metadata["language_info"]["pygments_lexer"] == "ipython3"


def test_index_lists_every_catalog_notebook():
    existing = {p.name[:2]: p for p in notebook_paths()}
    index = course_site.index_page(existing, "outputs from a run in the `cpu` profile")
    for nid, path in existing.items():
        assert f"(notebooks/{path.stem}.ipynb)" in index and f"slides/{path.stem}.slides.html" in index, nid
    assert "![" not in index, "no images from other hosts on the home page"


# --------------------------------------------------------------------------- the built site


class _Refs(html.parser.HTMLParser):
    """Every href/src of a page, and every id it defines."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") in ("preconnect", "dns-prefetch")):
                self.refs.append(attrs[key])


@functools.cache
def _parsed(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def _site_pages() -> list[Path]:
    return sorted(p for p in SITE.rglob("*.html") if "_static" not in p.parts and "assets" not in p.parts)


@needs_site
def test_site_has_a_page_and_a_deck_for_every_notebook():
    assert (SITE / "index.html").is_file()
    for notebook in notebook_paths():
        assert (SITE / "notebooks" / f"{notebook.stem}.html").is_file(), notebook.name
        assert (SITE / "slides" / f"{notebook.stem}.slides.html").is_file(), notebook.name


@needs_site
def test_no_link_inside_the_site_is_broken():
    broken = []
    for page in _site_pages():
        for ref in _parsed(page).refs:
            url = urlsplit(ref)
            if url.scheme or ref.startswith("//"):
                assert url.scheme in ("http", "https", "mailto", "data", "javascript"), ref
                continue  # a link out (Colab, Kaggle, GitHub): followed only when clicked
            if not url.path and not url.fragment:
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or SITE not in target.parents:
                broken.append(f"{page.relative_to(SITE)}: {ref}")
            elif url.fragment and target.suffix == ".html" and not url.fragment.startswith("/"):
                if url.fragment not in _parsed(target).ids:
                    broken.append(f"{page.relative_to(SITE)}: {ref} (no such anchor)")
    assert broken == [], f"{len(broken)} broken links, e.g. {broken[:10]}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@pytest.fixture(scope="module")
def site_url():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Watch:
    """Blocks and records every request to another host; records failed requests and JavaScript errors."""

    def __init__(self, page):
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} (HTTP {r.status})"))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route, request):
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about") or url.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(request.url)
            route.abort()

    def check(self):
        assert self.external == [], f"requests to other hosts: {self.external}"
        assert self.failed == [], f"failed requests: {self.failed}"
        assert self.errors == [], f"JavaScript errors: {self.errors}"


PAGE_FACTS_JS = """async () => {
    const imgs = Array.from(document.images);
    imgs.forEach(img => { img.loading = "eager"; });
    const sizes = await Promise.all(imgs.map(img =>
        img.decode().then(() => img.naturalWidth).catch(() => 0)));
    if (window.MathJax && MathJax.Hub) { await new Promise(done => MathJax.Hub.Queue(done)); }
    const details = Array.from(document.querySelectorAll("article details"));
    return {
        h1: (document.querySelector("article h1") || {}).textContent || "",
        outputs: document.querySelectorAll("article .cell_output").length,
        output_images: document.querySelectorAll("article .cell_output img").length,
        broken_images: imgs.filter((img, i) => sizes[i] === 0).map(img => img.src),
        math: document.querySelectorAll("article .math").length,
        typeset: document.querySelectorAll("article .MathJax_CHTML, article .MathJax").length,
        details: details.length,
        open_details: details.filter(d => d.open).length,
        details_with_code: details.filter(d => d.querySelector("pre")).length,
        text: document.body.innerText.length,
    };
}"""


def _solution_count(notebook: Path) -> int:
    nb = nbformat.read(notebook, as_version=4)
    return sum("solution" in c.metadata.get("tags", []) for c in nb.cells)


PAGES = [("index", None), ("instructor_guide", None)] + [(f"notebooks/{p.stem}", p) for p in notebook_paths()]


@needs_site
@pytest.mark.browser
@pytest.mark.parametrize("name,notebook", PAGES, ids=[name.split("/")[-1] for name, _ in PAGES])
def test_page_in_browser(name: str, notebook: Path | None, site_url: str, browser):
    if not (SITE / f"{name}.html").is_file():
        assert name == "instructor_guide", f"{name}.html is missing"
        pytest.skip("the site was built without the instructor guide")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = _Watch(page)
    try:
        page.goto(f"{site_url}/{name}.html", wait_until="load")
        facts = page.evaluate(PAGE_FACTS_JS)
    finally:
        page.close()
    watch.check()
    assert facts["h1"].strip(), "the page has no title"
    assert facts["broken_images"] == [], facts["broken_images"]
    assert facts["math"] == 0 or facts["typeset"] > 0, f"math not typeset: {facts}"
    if notebook is not None:
        assert facts["outputs"] > 0, "no outputs on the page: was the site built from executed notebooks?"
        expected = _solution_count(notebook)
        assert facts["details"] == expected and facts["details_with_code"] == expected, facts
        assert facts["open_details"] == 0, "reference solutions must be folded"


@needs_site
@pytest.mark.browser
def test_a_deck_from_the_site_shows_an_output_image(site_url: str, browser):
    """The decks are built from the same executed notebooks as the pages: at least one shows a plot."""
    decks = sorted((SITE / "slides").glob("*.slides.html"))
    with_images = [d for d in decks if 'src="data:image/png' in d.read_text(encoding="utf-8")]
    assert with_images, "no deck shows an output image: were the decks built from executed notebooks?"
    deck = with_images[0]
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = _Watch(page)
    try:
        page.goto(urljoin(site_url + "/", f"slides/{deck.name}"))
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        shown = page.evaluate("""async () => {
            Reveal.configure({transition: "none"});
            const img = document.querySelector('.slides section img[src^="data:image/png"]');
            const slide = img.closest("section"), i = Reveal.getIndices(slide);
            Reveal.slide(i.h, i.v, 1e6);
            await img.decode();
            await new Promise(done => setTimeout(done, 50));
            const r = img.getBoundingClientRect();
            return {width: img.naturalWidth, visible: r.width > 50 && r.height > 50};
        }""")
    finally:
        page.close()
    watch.check()
    assert shown["width"] > 0 and shown["visible"], shown
