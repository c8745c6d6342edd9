"""Sphinx configuration of the course website (built by scripts/site.py; `make site`).

scripts/site.py assembles the site's sources in build/site-src (the executed notebooks, an index page, the
instructor guide, the slide decks, a copy of the vendored MathJax) and copies this file there, so every path
below is relative to that folder.

Why Sphinx + myst-nb + sphinx-book-theme (all from PyPI) and not Jupyter Book 2 / MyST: Jupyter Book 2 runs
on Node and downloads its theme from api.mystmd.org at build time, so it cannot build offline (checked with
jupyter-book 2.1.7: "request to https://api.mystmd.org/templates/site/myst/book-theme failed"). This stack
builds with no network, is maintained by the same Executable Books project, and renders stored outputs
without executing anything (nb_execution_mode = "off").

Nothing on a built page is fetched from another host: MathJax is the course's vendored copy (MathJax 2.7.9,
also used by the slides), widget JavaScript (from a CDN) is switched off, badge images are replaced by text
links, and the theme ships its fonts and icons. tests/test_site.py checks this in headless Chromium.
"""

project = "Transformers Lab"
author = "Transformers Lab contributors"
copyright = "Transformers Lab contributors, Apache-2.0"
html_title = "Transformers Lab"

extensions = ["myst_nb"]
nb_execution_mode = "off"  # pages show the outputs stored by the run scripts/site.py was given
nb_ipywidgets_js = {}  # widget managers come from a CDN; widget outputs are dropped before the build
nb_output_stderr = "show"  # warnings are part of the lesson (the notebooks explain the ones learners see)
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]

exclude_patterns = ["_build", "_extra", "**.ipynb_checkpoints", "conf.py"]
html_static_path = ["_static"]
html_extra_path = ["_extra"]  # the slide decks and their assets, copied to the site as they are
html_css_files = ["course.css"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None

# MathJax 2 from the course's vendored copy (slides/assets/mathjax), never the CDN default.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
# myst-nb marks a notebook page "tex2jax_ignore mathjax_ignore" (a stray $ in text is not math) and the math it
# parsed "math": the MathJax 3 options it sets say so, MathJax 2 needs the same in its tex2jax preprocessor.
mathjax2_config = {
    "messageStyle": "none",
    "showMathMenu": False,
    "tex2jax": {
        "ignoreClass": "tex2jax_ignore|mathjax_ignore",
        "processClass": "tex2jax_process|mathjax_process|math|output_area",
    },
}

html_theme = "sphinx_book_theme"
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "navigation_with_keys": False,
    "search_bar_text": "Search the course...",
}
