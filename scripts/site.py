"""Build the course website: one page per notebook, with the outputs of an executed run, offline.

    python scripts/site.py                          # make site: the cpu profile, executing what is missing
    python scripts/site.py --executed build/solutions --profile smoke --out build/site-smoke   # CI

The site is Sphinx + myst-nb + sphinx-book-theme (docs/site/conf.py says why not Jupyter Book 2). Pages are
built from executed notebooks and never execute anything themselves:

- ``make site`` takes the cpu profile, the site people read. Executed copies live in build/executed/cpu and are
  reused while the notebook's cells are unchanged (delete the folder, or pass --force, to run them again);
  executing all twenty on 2 CPU cores takes about an hour the first time.
- CI passes the solution copies it has just executed in the smoke profile (nbmake --overwrite keeps their
  outputs), so the site costs no second execution. The checking cells those copies insert are tagged
  ``remove-cell`` and dropped, so a page shows the lesson as learners see it.

Every page shows its plots and tables, the exercises' reference solutions folded, text links to Colab and
Kaggle (badge images would be fetched from those sites), and a link to the notebook's slide deck, built from
the same executed notebook (helpers.slides). Nothing on a page is fetched from another host.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from helpers.catalog import BRANCH, CATALOG, GITHUB_REPO, colab_url, kaggle_url  # noqa: E402
from helpers.notebook_tools import notebook_paths  # noqa: E402
from helpers.slides import ASSETS_DIR, build_deck, display_copy, executed_copy, read_executed  # noqa: E402

CONF = REPO / "docs" / "site"
GUIDE = REPO / "docs" / "INSTRUCTOR_GUIDE.md"
DEFAULT_OUT = REPO / "build" / "site"
SOURCE_URL = f"https://github.com/{GITHUB_REPO}/blob/{BRANCH}"
BADGE_LINK = re.compile(r"\[!\[([^\]]*)\]\((?:https?:)?//[^)\s]+\)\]\(([^)\s]+)\)")  # [![alt](remote)](url)
REMOTE_IMAGE = re.compile(r"!\[([^\]]*)\]\(((?:https?:)?//[^)\s]+)\)")  # ![alt](remote)
REMOTE_IMG_TAG = re.compile(r"""<img\b[^>]*\bsrc=["']((?:https?:)?//[^"']+)["'][^>]*>""", re.I)
MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
ONLY_LINKS = re.compile(r"(\[[^\]]*\]\([^)\s]+\)\s*)+")  # a line of nothing but links: the badges line


def local_page_markdown(text: str, here: str = "notebooks") -> str:
    """Markdown for a page: remote images become text links (viewing a page requests nothing from another host),
    and relative links to files that are not pages (``../helpers/viz.py``) point at the repository instead.

    Example:
        >>> local_page_markdown("[![Open In Colab](https://x.org/b.svg)](https://colab.example/nb)")
        '[Open In Colab](https://colab.example/nb)'
        >>> local_page_markdown("see [viz](../helpers/viz.py) and [11](11_fine_tuning.ipynb)")
        'see [viz](https://github.com/transformers-lab/transformers-lab/blob/main/helpers/viz.py) and [11](11_fine_tuning.ipynb)'
    """
    text = BADGE_LINK.sub(r"[\1](\2)", text)
    text = REMOTE_IMAGE.sub(r"[\1](\2)", text)
    text = REMOTE_IMG_TAG.sub(lambda m: f'<a href="{m.group(1)}">image</a>', text)

    def relink(m: re.Match) -> str:
        label, target = m.group(1), m.group(2)
        if re.match(r"^([a-z]+:|#|/)", target) or re.match(r"^\d\d_\w+\.ipynb(#.*)?$", target):
            return m.group(0)  # a URL, an anchor, or another notebook's page
        path = os.path.normpath(os.path.join(here, target.split("#")[0]))
        if path.startswith(".."):
            return m.group(0)
        return f"[{label}]({SOURCE_URL}/{path})"

    return MD_LINK.sub(relink, text)


def page_notebook(notebook: Path, executed: Path | None, note: str) -> nbformat.NotebookNode:
    """The notebook as its page shows it: the executed copy's cells and outputs (or the stripped notebook's),
    with the checking cells of a solution copy dropped, local-only markdown, and a line linking the slide deck
    and saying where the outputs come from."""
    nb = display_copy(read_executed(notebook, executed))
    # IPython's lexer: the cells hold `!shell` and `%magic` lines that the plain python lexer cannot read
    nb.metadata.setdefault("language_info", {})["pygments_lexer"] = "ipython3"
    deck = f"../slides/{notebook.stem}.slides.html"
    headers = [c for c in nb.cells if "header" in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = local_page_markdown(cell.source)
    slides = f'<a href="{deck}">Slides</a>'
    note = f"*This page shows {note}.*"
    if len(headers) >= 2:  # the badges line (now text links) gets the slides link: "Colab · Kaggle · Slides"
        first, _, rest = headers[1].source.partition("\n")
        if ONLY_LINKS.fullmatch(first.strip()):
            first = " · ".join(m.group(0) for m in MD_LINK.finditer(first))
            headers[1].source = f"{first} · {slides}\n{rest}\n\n{note}"
        else:
            headers[1].source = f"{slides}\n\n{headers[1].source}\n\n{note}"
    else:
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(f"{slides}\n\n{note}"))
    return nb


def index_page(existing: dict[str, Path], note: str) -> str:
    """The home page: what the course is, how to use the site, the table of notebooks, the toctree."""
    rows = ["| # | Notebook | Level | What it covers | Slides | Run it |", "|---|---|---|---|---|---|"]
    for e in CATALOG:
        if e.id in existing:
            page = f"notebooks/{existing[e.id].stem}"
            rows.append(
                f"| {e.id} | [{e.title}]({page}.ipynb) | {e.level} | {e.summary} | "
                f'<a href="slides/{existing[e.id].stem}.slides.html">deck</a> | '
                f"[Colab]({colab_url(e)}) · [Kaggle]({kaggle_url(e)}) |"
            )
        else:
            rows.append(f"| {e.id} | {e.title} *(planned)* | {e.level} | {e.summary} | | |")
    toc = "\n".join(f"notebooks/{p.stem}" for p in existing.values())
    guide = "\ninstructor_guide" if GUIDE.exists() else ""
    guide_line = (
        " Teaching it? The [instructor guide](instructor_guide.md) has one-day and three-day plans."
        if GUIDE.exists()
        else ""
    )
    return f"""# Transformers Lab

A hands-on lab book on Hugging Face Transformers: twenty numbered Jupyter notebooks, beginner to advanced,
that run top to bottom on current library versions (transformers 5), on a laptop, in Colab, on Kaggle, and
with no internet at all.

This site is for reading: every page is a notebook with the outputs of a real run ({note}). To run the
notebooks yourself, use the Colab or Kaggle links, or get the course from
[GitHub](https://github.com/{GITHUB_REPO}) and run `make lab`. Each notebook also has a slide deck for
workshops (arrow keys to move, `s` for speaker notes).{guide_line}

{chr(10).join(rows)}

```{{toctree}}
:hidden:
:maxdepth: 1

{toc}{guide}
```
"""


def guide_page() -> str:
    """The instructor guide, with its repository-relative links rewritten for the site's layout."""
    text = GUIDE.read_text()
    text = re.sub(r"\]\(\.\./notebooks/(\d\d_\w+\.ipynb)", r"](notebooks/\1", text)
    text = re.sub(r"\]\(\.\./slides/", "](slides/", text)
    return local_page_markdown(text, here="docs")


def execute(notebook: Path, dest: Path, profile: str, timeout: int) -> float:
    """Run a notebook top to bottom in a fresh kernel (offline, plots kept) and save it with its outputs."""
    from nbclient import NotebookClient

    env_before = dict(os.environ)
    os.environ.update(LAB_PROFILE=profile, HF_HUB_OFFLINE="1")
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    os.environ.pop("MPLBACKEND", None)  # Agg would discard the plots the page is for
    try:
        nb = nbformat.read(notebook, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}
        ).execute()
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".partial")
    nbformat.write(nb, tmp)
    tmp.replace(dest)
    return seconds


def assemble(src: Path, pages: dict[str, tuple[Path, Path | None]], note: str) -> None:
    """Write the Sphinx source folder: conf.py, index, one page per notebook, the guide, decks, MathJax."""
    shutil.rmtree(src, ignore_errors=True)
    (src / "notebooks").mkdir(parents=True)
    shutil.copy2(CONF / "conf.py", src / "conf.py")
    shutil.copytree(CONF / "_static", src / "_static")
    shutil.copytree(ASSETS_DIR / "mathjax", src / "_static" / "mathjax")
    decks = src / "_extra" / "slides"
    for notebook, executed in pages.values():
        nbformat.write(page_notebook(notebook, executed, note), src / "notebooks" / notebook.name)
        build_deck(notebook, decks, executed)
    existing = {nid: notebook for nid, (notebook, _) in pages.items()}
    (src / "index.md").write_text(index_page(existing, note))
    if GUIDE.exists():
        (src / "instructor_guide.md").write_text(guide_page())


def sphinx_build(src: Path, out: Path) -> list[str]:
    """Run Sphinx (HTML); return its warnings. Raises when the build fails."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-q",
        "-d",
        str(src / "_doctrees"),
        str(src),
        str(out),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"sphinx-build failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return [line for line in result.stderr.splitlines() if "WARNING" in line or "ERROR" in line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/site.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"the built site (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--profile",
        default="cpu",
        choices=["smoke", "cpu", "gpu"],
        help="the profile to execute in; with --executed, the profile those notebooks ran in (shown on each page)",
    )
    parser.add_argument(
        "--executed",
        type=Path,
        help="take the outputs from this folder of executed notebooks (NN_*.ipynb or _solutions_NN_*.ipynb) "
        "and execute nothing (default: build/executed/PROFILE, executing what is missing or stale)",
    )
    parser.add_argument("--force", action="store_true", help="execute every notebook again")
    parser.add_argument(
        "--notebooks",
        nargs="*",
        help="execute only these (ids: 01 02 ...); the other pages use earlier runs, or show no outputs",
    )
    parser.add_argument(
        "--require-outputs", action="store_true", help="fail if a notebook has no executed copy"
    )
    parser.add_argument("--timeout", type=int, default=1800, help="per cell, seconds (when executing)")
    args = parser.parse_args(argv)
    start = time.time()
    notebooks = notebook_paths()
    failed: list[str] = []
    if args.executed is None:
        executed_dir = REPO / "build" / "executed" / args.profile
        ids = {n.zfill(2) for item in args.notebooks or [] for n in re.split(r"[ ,]+", item) if n}
        for notebook in notebooks:
            if ids and notebook.name[:2] not in ids:
                continue
            if not args.force and executed_copy(notebook, executed_dir):
                continue
            print(f"executing {notebook.name} in the {args.profile} profile ...", flush=True)
            try:
                seconds = execute(notebook, executed_dir / notebook.name, args.profile, args.timeout)
            except Exception as err:  # report, build the others
                print(f"  FAILED: {type(err).__name__}: {str(err)[-800:]}", file=sys.stderr)
                failed.append(notebook.name)
            else:
                print(f"  {seconds:.0f} s", flush=True)
    else:
        executed_dir = args.executed
    note = f"outputs from a run in the `{args.profile}` profile"
    pages = {n.name[:2]: (n, executed_copy(n, executed_dir)) for n in notebooks}
    missing = [n.name for n, executed in pages.values() if executed is None]
    if missing:
        print(f"no up-to-date executed copy (page without outputs): {', '.join(missing)}", file=sys.stderr)
        if args.require_outputs:
            return 1
    src = args.out.parent / (args.out.name + "-src")
    assemble(src, pages, note)
    warnings = sphinx_build(src, args.out)
    for line in warnings:
        print(line, file=sys.stderr)
    with_outputs = len(pages) - len(missing)
    print(
        f"Site built in {time.time() - start:.0f} s: {len(pages)} notebook pages ({with_outputs} with outputs), "
        f"{len(warnings)} warnings -> {args.out / 'index.html'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
