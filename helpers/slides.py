"""Build workshop slide decks (reveal.js) from the course notebooks, viewable fully offline.

Usage::

    python -m helpers.slides                      # every notebooks/NN_*.ipynb -> slides/NN_*.slides.html
    python -m helpers.slides notebooks/03_x.ipynb # just these notebooks
    python -m helpers.slides --out /tmp/deck notebooks/03_x.ipynb
    python -m helpers.slides --executed build/executed/cpu   # decks with the outputs of those runs (make slides)

Open a deck through any static web server (``python -m http.server -d slides``) or straight
from disk; every file it loads lives in ``slides/assets/`` (see ``slides/assets/README.md``).

Public API: :func:`build_deck`, :func:`build_all`, :func:`main` (the CLI),
:class:`NoSlidesError`, :data:`ASSETS_DIR`, and the building blocks :func:`course_notebooks`,
:func:`notebook_title`, :func:`select_slide_cells`.

Marking slides (standard Jupyter metadata ``cell.metadata.slideshow.slide_type``,
"View > Cell Toolbar > Slideshow" in Notebook 6, the property inspector in JupyterLab):

``slide``     starts a new slide (a new horizontal ``<section>``);
``subslide``  starts a new vertical slide below the current one;
``fragment``  is revealed step by step on the current slide;
``-``         continues the current slide/fragment (written explicitly);
``notes``     speaker notes (press ``s`` in the deck);
``skip``      never shown.

Convention for cells WITHOUT slide metadata: they are **skipped**. nbconvert's own default
treats them as ``-`` (appended to the previous slide), which for a course notebook full of
exercise code would produce endless overflowing slides; here a cell is only in the deck when
its author marked it. Everything before the first ``slide``/``subslide`` cell is dropped too
(it would otherwise land outside any slide; nbconvert would force it to become slide 1).
So a deck has exactly one reveal slide per ``slide`` or ``subslide`` cell
(``Reveal.getTotalSlides()`` equals that count), and a notebook with none of them raises
:class:`NoSlidesError` naming the notebook.

Everything is local, nothing comes from a CDN. The decks use nbconvert's ``SlidesExporter``
and its ``reveal`` template; the template's CDN defaults are replaced as follows:

* reveal.js 4.6.1 (``reveal_url_prefix = "assets/reveal.js"``; nbconvert's template targets
  reveal.js 4), theme ``white`` (its Source Sans Pro font is vendored; the exporter's default
  theme ``simple`` would fetch Google Fonts), speaker-notes plugin;
* require.js 2.3.8 and jQuery 3.7.1 (the template loads reveal through require.js and always
  includes jQuery);
* MathJax 2.7.9, the subset needed by the ``TeX-AMS_CHTML-full,Safe`` configuration nbconvert
  uses (about 1.5 MB with the woff fonts): ``$...$`` and ``$$...$$`` in markdown cells are
  typeset offline. MathJax 2 (not 3) because the template's JavaScript calls ``MathJax.Hub``;
* mermaid is NOT vendored (several MB): the template's unconditional CDN import of mermaid is
  removed, so a ```` ```mermaid ```` block shows its source text (a warning is emitted);
* Jupyter widget state is not rendered (that would load the widget manager from unpkg): widget
  outputs are dropped from decks (see below).

Decks reference the assets as the relative URL ``assets/...``, so a deck must sit next to an
``assets`` folder: ``slides/`` already has it; for any other ``out_dir`` :func:`build_deck`
copies ``slides/assets`` there once (about 2.2 MB) unless an ``assets`` entry (folder or
symlink) already exists.

Decks with outputs. The committed notebooks are stripped, so a deck built from one shows code but no result.
Given a folder of executed notebooks (``--executed build/executed/cpu``, what ``make site`` runs; or CI's
executed solution copies in ``build/solutions``), each deck is built from its notebook's executed copy and
shows the plots, tables and numbers that run computed. A copy is used only when its cells are the notebook's
cells (cells tagged ``remove-cell``, which :func:`helpers.notebook_tools.solutions_copy` inserts, and the
generated header and setup cells, whose text is taken from the notebook, do not count); otherwise, or when
there is none, the deck falls back to the stripped notebook and says so on stderr.
In a deck, standard error (warnings, progress bars) and widget-only outputs are left out, and a long text
output is cut to its first :data:`MAX_OUTPUT_LINES` lines (the notebook has the rest).

Each deck shows slide numbers (``current/total``); its ``<title>`` is
``"NN · <title> — slides"``, where the title is the notebook's first markdown heading, and
while presenting the page title becomes ``"c/t · NN · <title> — slides"``. Input and output
prompts (``In [ ]:``) are hidden. The deck sets
``window.Reveal`` (the template loads reveal.js as an AMD module, which defines no global), so
``Reveal.getTotalSlides()`` etc. work from tests and the browser console.
"""

from __future__ import annotations

import argparse
import copy
import functools
import re
import shutil
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import nbformat

__all__ = [
    "ASSETS_DIR",
    "MAX_OUTPUT_LINES",
    "NoSlidesError",
    "build_all",
    "build_deck",
    "course_notebooks",
    "display_copy",
    "executed_copy",
    "main",
    "read_executed",
    "notebook_title",
    "select_slide_cells",
]

#: The vendored front-end files (committed; refreshed by scripts/vendor_slide_assets.sh).
ASSETS_DIR = Path(__file__).resolve().parent.parent / "slides" / "assets"

ASSETS_URL = "assets"
REVEAL_URL_PREFIX = f"{ASSETS_URL}/reveal.js"
REQUIRE_JS_URL = f"{ASSETS_URL}/requirejs/require.js"
JQUERY_URL = f"{ASSETS_URL}/jquery/dist/jquery.min.js"
MATHJAX_URL = f"{ASSETS_URL}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
REVEAL_THEME = "white"
# Files that must exist under the assets folder for a deck to work (checked before building).
REQUIRED_ASSETS = (
    "reveal.js/dist/reveal.js",
    "reveal.js/dist/reveal.css",
    f"reveal.js/dist/theme/{REVEAL_THEME}.css",
    "reveal.js/plugin/notes/notes.js",
    "requirejs/require.js",
    "jquery/dist/jquery.min.js",
    "mathjax/MathJax.js",
    "mathjax/config/TeX-AMS_CHTML-full.js",
)

SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "notes", "skip"}
REMOVE_TAG = "remove-cell"  # cells that are there to be run, never shown (myst-nb's tag; see solutions_copy)
SOLUTIONS_PREFIX = "_solutions_"  # CI's executed copies: build/solutions/_solutions_NN_name.ipynb
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
MAX_OUTPUT_LINES = 30  # a text output longer than this is cut in a deck (a projector shows about that)
_STARTS_SLIDE = {"slide", "subslide"}

# nbconvert's reveal template, with the blocks that would hit a CDN overridden. Everything
# else (cell rendering, Reveal.initialize, MathJax re-render on slide change) is nbconvert's.
_DECK_TEMPLATE = r"""
{%- extends 'reveal/index.html.j2' -%}

{#- mermaid.js is not vendored: drop the template's unconditional CDN import. -#}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}

{#- widget state would load @jupyter-widgets from unpkg. -#}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}

{#- no favicon request (a 404 on every deck otherwise). -#}
{%- block html_head_css -%}
{{ super() }}
<link rel="icon" href="data:,">
{%- endblock html_head_css -%}

{#- nbconvert's footer script, with two changes: the math of the slide just shown is re-rendered
    through MathJax's queue (the template calls MathJax.Hub.Rerender() directly, which runs
    concurrently with MathJax's first typesetting pass when the presenter moves on early and
    leaves half-rendered math with TeX previews on screen), and `Reveal` is a global (for the
    tests and the console; reveal.js is loaded as an AMD module) whose slide number goes into the
    page title. -#}
{% block footer_js %}
<script>
require(
    {waitSeconds: 15},
    [
      "{{ reveal_url_prefix }}/dist/reveal.js",
      "{{ reveal_url_prefix }}/plugin/notes/notes.js"
    ],
    function (Reveal, RevealNotes) {
        window.Reveal = Reveal;
        Reveal.initialize({
            controls: true,
            progress: true,
            history: true,
            transition: "{{ reveal_transition }}",
            slideNumber: "{{ reveal_number }}",
            plugins: [RevealNotes],
            width: {{ reveal_width }},
            height: {{ reveal_height }},
        });

        // Re-render the new slide's math, then fit the slide to its rendered size (fitSlide: below).
        var rerenderMath = function () {
            if (window.MathJax && MathJax.Hub) {
                MathJax.Hub.Queue(["Rerender", MathJax.Hub, Reveal.getCurrentSlide()], fitSlide);
            }
        };
        Reveal.on("slidechanged", rerenderMath);

        var baseTitle = document.title;
        var showNumber = function () {
            var current = Reveal.getSlidePastCount() + 1;
            document.title = current + "/" + Reveal.getTotalSlides() + " · " + baseTitle;
        };
        Reveal.on("ready", showNumber);
        Reveal.on("slidechanged", showNumber);

        // A notebook section can be taller than a slide. Shrink it to fit (down to MIN_SCALE, still
        // readable on a projector); what is taller even then scrolls inside the slide (mouse wheel or
        // trackpad) instead of being cut off. Runs on every slide change and after MathJax typesets.
        var MIN_SCALE = 0.6;
        var fitSlide = function () {
            var slide = Reveal.getCurrentSlide();
            if (!slide) { return; }
            var h = Reveal.getConfig().height;
            slide.style.zoom = ""; slide.style.height = ""; slide.style.overflowY = "";
            slide.removeAttribute("data-fit-scale");
            var need = slide.scrollHeight;
            if (need > h) {
                var scale = Math.max(MIN_SCALE, h / need);
                slide.style.zoom = scale;
                slide.setAttribute("data-fit-scale", scale.toFixed(3));
                if (need * scale > h) {
                    slide.style.height = (h / scale) + "px";
                    slide.style.overflowY = "auto";
                }
            }
            Reveal.layout();
        };
        Reveal.on("ready", fitSlide);
        Reveal.on("slidechanged", fitSlide);
        Reveal.on("fragmentshown", fitSlide);
        if (window.MathJax && MathJax.Hub) {
            MathJax.Hub.Register.MessageHook("End Process", fitSlide);
        }
    }
);
</script>
{% endblock footer_js %}
"""

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_NUMBER = re.compile(r"^(\d+)_")


class NoSlidesError(ValueError):
    """The notebook has no cell marked as ``slide`` or ``subslide``."""


def _slide_type(cell) -> str | None:
    slideshow = cell.get("metadata", {}).get("slideshow")
    if not isinstance(slideshow, dict):
        return None
    slide_type = slideshow.get("slide_type")
    return slide_type if slide_type in SLIDE_TYPES else None


def notebook_title(nb) -> str | None:
    """The text of the first markdown heading (``# ...`` at any level), without markup."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        in_fence = False
        for line in cell.source.splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
                continue
            match = None if in_fence else _HEADING.match(line)
            if match:
                text = re.sub(r"[*_`]+", "", match.group(1))
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](link) -> text
                return text.strip() or None
    return None


def _deck_title(notebook: Path, nb) -> str:
    title = notebook_title(nb) or notebook.stem
    number = _NUMBER.match(notebook.stem)
    if number and not title.startswith(number.group(1)):
        title = f"{number.group(1)} · {title}"
    return f"{title} —"  # the template appends " slides"


def select_slide_cells(nb, notebook: Path | str = "<notebook>"):
    """Return a copy of ``nb`` holding only the cells that belong in the deck (see module doc)."""
    cells = []
    started = False
    for cell in nb.cells:
        slide_type = _slide_type(cell)
        if slide_type is None or slide_type == "skip":
            continue
        if not started:
            if slide_type not in _STARTS_SLIDE:
                continue  # nothing to attach it to yet
            started = True
        cells.append(cell)
    if not started:
        raise NoSlidesError(
            f"{notebook}: no slide cells. Mark at least one cell with "
            'metadata.slideshow.slide_type = "slide" (or "subslide") to build a deck from it.'
        )
    selected = copy.deepcopy(nb)
    selected.cells = copy.deepcopy(cells)
    selected.metadata.pop("widgets", None)
    return selected


def _lesson_cells(nb) -> list:
    """The cells a learner sees: all but those tagged ``remove-cell``."""
    return _lesson_cells_of(nb.cells)


def _source(cell) -> str:
    source = cell.get("source", "")
    return ("".join(source) if isinstance(source, list) else source).rstrip()


def _generated(cell) -> bool:
    """A generated header or setup cell (helpers.notebook_tools.sync rewrites them: times, setup code)."""
    return bool({"header", "setup"} & set(cell.get("metadata", {}).get("tags", [])))


def _fingerprint(cells) -> list[tuple[str, str]]:
    """What must match between a notebook and its executed copy: every lesson cell but the generated ones."""
    return [(c.cell_type, _source(c)) for c in _lesson_cells_of(cells) if not _generated(c)]


def _lesson_cells_of(cells) -> list:
    return [c for c in cells if REMOVE_TAG not in c.get("metadata", {}).get("tags", [])]


def executed_copy(notebook: Path, executed_dir: Path | None) -> Path | None:
    """The executed copy of ``notebook`` in ``executed_dir`` (``NN_name.ipynb`` or ``_solutions_NN_name.ipynb``)
    when its lesson cells have the notebook's sources; None when there is none or it is stale. The generated
    header and setup cells do not count: re-measured times or a new setup cell leave the outputs valid (and
    :func:`read_executed` shows the notebook's current ones)."""
    if executed_dir is None:
        return None
    notebook = Path(notebook)
    wanted = None
    for candidate in (
        Path(executed_dir) / notebook.name,
        Path(executed_dir) / (SOLUTIONS_PREFIX + notebook.name),
    ):
        if not candidate.is_file():
            continue
        if wanted is None:
            wanted = _fingerprint(nbformat.read(notebook, as_version=4).cells)
        executed = nbformat.read(candidate, as_version=4)
        has_outputs = any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
        if has_outputs and _fingerprint(executed.cells) == wanted:
            return candidate
    return None


def read_executed(notebook: Path, executed: Path | None):
    """The notebook to show: ``executed`` (its cells and outputs) with the generated header and setup cells'
    text taken from ``notebook`` as it is now; ``notebook`` itself when there is no executed copy."""
    current = nbformat.read(notebook, as_version=4)
    if executed is None:
        return current
    nb = nbformat.read(executed, as_version=4)
    fresh = [c for c in current.cells if _generated(c)]
    old = [c for c in nb.cells if _generated(c)]
    if len(fresh) == len(old):
        for cell, now in zip(old, fresh, strict=True):
            cell.source = now.source
    return nb


def _cut(text: str, max_lines: int) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) <= max_lines:
        return text
    return "".join(lines[:max_lines]) + f"... ({len(lines) - max_lines} more lines in the notebook)\n"


def display_copy(nb, for_slides: bool = False):
    """A copy of an executed notebook for showing, not running: cells tagged ``remove-cell`` dropped, widget
    state and widget-only outputs (progress bars) dropped. ``for_slides`` also drops standard error and cuts
    text outputs to :data:`MAX_OUTPUT_LINES` lines."""
    shown = copy.deepcopy(nb)
    shown.cells = _lesson_cells(shown)
    shown.metadata.pop("widgets", None)
    for cell in shown.cells:
        cell.get("metadata", {}).pop("widgets", None)
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                data.pop(WIDGET_MIME)
                if set(data) <= {"text/plain"}:
                    continue  # a widget with no static view ("HBox(children=...)"): nothing to show
            if out.get("output_type") == "stream":
                if for_slides and out.get("name") == "stderr":
                    continue
                if for_slides:
                    out["text"] = _cut(_source({"source": out.get("text", "")}) + "\n", MAX_OUTPUT_LINES)
            elif for_slides and "text/plain" in data and len(data) == 1:
                data["text/plain"] = _cut(_source({"source": data["text/plain"]}), MAX_OUTPUT_LINES)
            outputs.append(out)
        cell["outputs"] = outputs
    return shown


def _ensure_assets(out_dir: Path) -> None:
    missing = [rel for rel in REQUIRED_ASSETS if not (ASSETS_DIR / rel).is_file()]
    if missing:
        raise FileNotFoundError(
            f"vendored slide assets missing under {ASSETS_DIR}: {', '.join(missing)}; "
            "run scripts/vendor_slide_assets.sh"
        )
    target = out_dir / ASSETS_URL
    if target.exists() or target.is_symlink():
        return
    shutil.copytree(ASSETS_DIR, target, ignore=shutil.ignore_patterns("README.md"))


@functools.cache
def _exporter():
    """One SlidesExporter per process: reusing it saves recompiling the templates per deck."""
    from nbconvert.exporters import SlidesExporter

    return SlidesExporter(
        raw_template=_DECK_TEMPLATE,
        reveal_url_prefix=REVEAL_URL_PREFIX,
        reveal_theme=REVEAL_THEME,
        reveal_number="c/t",
        reveal_transition="slide",
        require_js_url=REQUIRE_JS_URL,
        jquery_url=JQUERY_URL,
        mathjax_url=MATHJAX_URL,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def build_deck(notebook: Path, out_dir: Path, executed: Path | None = None) -> Path:
    """Build ``out_dir/<notebook stem>.slides.html`` from one notebook and return its path.

    ``executed``: an executed copy of the notebook (see :func:`executed_copy`) whose cells and outputs the
    deck shows instead of the notebook's own (the deck keeps the notebook's name and title).
    Raises :class:`NoSlidesError` (a ``ValueError``) when the notebook has no ``slide`` or
    ``subslide`` cell. Copies the vendored assets to ``out_dir/assets`` if that is missing.
    """
    notebook = Path(notebook)
    out_dir = Path(out_dir)
    nb = display_copy(read_executed(notebook, executed), for_slides=True)
    deck_nb = select_slide_cells(nb, notebook)
    deck_nb.metadata["title"] = _deck_title(notebook, nb)
    for cell in deck_nb.cells:
        if cell.cell_type == "markdown" and re.search(r"^\s*(```|~~~)\s*mermaid", cell.source, re.M):
            warnings.warn(
                f"{notebook}: mermaid diagrams are not rendered in offline decks (shown as source)",
                stacklevel=2,
            )
            break

    out_dir.mkdir(parents=True, exist_ok=True)
    _ensure_assets(out_dir)
    body, _ = _exporter().from_notebook_node(
        deck_nb, resources={"metadata": {"name": notebook.stem, "path": str(notebook.parent)}}
    )
    out = out_dir / f"{notebook.stem}.slides.html"
    out.write_text(body, encoding="utf-8")
    return out


def course_notebooks(notebooks_dir: Path = Path("notebooks")) -> list[Path]:
    """The numbered course notebooks ``NN_*.ipynb`` in ``notebooks_dir``, sorted."""
    return sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))


def build_all(
    notebooks_dir: Path = Path("notebooks"), out_dir: Path = Path("slides"), executed_dir: Path | None = None
) -> list[Path]:
    """Build a deck for every ``NN_*.ipynb`` in ``notebooks_dir``; return the deck paths.

    ``executed_dir``: take each deck's outputs from the notebook's up-to-date executed copy there, if any.
    Every notebook is attempted; if some fail, a ``RuntimeError`` listing all failures is
    raised after the others have been built.
    """
    decks, errors = [], []
    for notebook in course_notebooks(notebooks_dir):
        try:
            decks.append(build_deck(notebook, out_dir, executed_copy(notebook, executed_dir)))
        except (ValueError, OSError) as exc:
            errors.append(str(exc))
    if errors:
        raise RuntimeError("could not build every deck:\n  " + "\n  ".join(errors))
    return decks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.slides",
        description="Build offline reveal.js slide decks from the course notebooks.",
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        metavar="NOTEBOOK",
        help="notebooks to convert (default: every notebooks/NN_*.ipynb)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("slides"),
        help="output folder (default: slides/); gets a copy of the assets if it has none",
    )
    parser.add_argument(
        "--executed",
        type=Path,
        metavar="DIR",
        help="show outputs from the notebooks' executed copies in DIR when up to date (e.g. build/executed/cpu)",
    )
    args = parser.parse_args(argv)
    notebooks = args.notebooks or course_notebooks(Path("notebooks"))
    if not notebooks:
        print("no notebooks found (expected notebooks/NN_*.ipynb)", file=sys.stderr)
        return 1
    failed = 0
    for notebook in notebooks:
        executed = executed_copy(notebook, args.executed)
        if args.executed is not None and executed is None:
            print(f"note: no up-to-date executed copy of {Path(notebook).name} in {args.executed}: "
                  "its deck shows no outputs", file=sys.stderr)  # fmt: skip
        try:
            deck = build_deck(notebook, args.out, executed)
        except (ValueError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
        else:
            print(deck)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
