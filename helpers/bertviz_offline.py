"""bertviz's head view, self-contained: it renders with no network (offline Kaggle, bad Wi-Fi, a saved file).

bertviz draws attention with d3 and jQuery, which its HTML loads through require.js from a CDN. With no
network the cell output stays blank. This module asks bertviz for its HTML (``html_action="return"``),
removes the CDN loads and inlines the copies vendored in ``helpers/assets/js`` (d3 5.7.0, jQuery 2.2.4;
see the README there)::

    from transformers import AutoModel, AutoTokenizer
    from helpers.bertviz_offline import head_view_offline

    model = AutoModel.from_pretrained(model_id, attn_implementation="eager")  # sdpa returns no weights
    inputs = tokenizer("The cat sat on the mat.", return_tensors="pt")
    attentions = model(**inputs, output_attentions=True).attentions           # one (1, heads, T, T) per layer
    tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
    html = head_view_offline(attentions, tokens)                               # shows it; assign the string

The libraries run in their own function scope, so the page's own jQuery / d3 / require.js (classic Notebook
has them) are neither needed nor touched.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

JS_DIR = Path(__file__).resolve().parent / "assets" / "js"
LIBRARIES: dict[str, Path] = {  # the modules bertviz's head_view.js asks require.js for
    "jquery": JS_DIR / "jquery" / "jquery.min.js",
    "d3": JS_DIR / "d3" / "d3.min.js",
}

_SCRIPT_WITH_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=[^>]*>\s*</script>", re.IGNORECASE)
_REQUIRE_CONFIG = re.compile(r"require\.config\(\s*\{.*?\}\s*\)\s*;", re.DOTALL)
_INLINE_SCRIPT = re.compile(r"(<script\b[^>]*>)(.*?)(</script>)", re.DOTALL | re.IGNORECASE)
_SOURCE_MAP = re.compile(r"^\s*//[#@]\s*sourceMappingURL=.*$", re.MULTILINE)
_PARAMS = "const params = "  # where head_view.js receives its data (bertviz fills in json.dumps(params))
# head_view.js says `const params = PYTHON_PARAMS; // HACK: PYTHON_PARAMS is a template marker ...` and
# bertviz replaces BOTH occurrences, so a second copy of all the data sits in that comment: drop the comment.
_DATA_COMMENT = re.compile(r"//\s*HACK:[^\n]*")


def library_source(name: str) -> str:
    """The vendored JavaScript of ``name`` ("jquery" or "d3"), safe to put inside a ``<script>`` element.

    Example:
        >>> "d3js.org v5.7.0" in library_source("d3")
        True
    """
    if name not in LIBRARIES:
        raise KeyError(f"No vendored library {name!r}; available: {', '.join(LIBRARIES)}")
    path = LIBRARIES[name]
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: reinstall the course helpers (`pip install -e .`) or see "
            "helpers/assets/js/README.md"
        )
    source = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
    return source.replace("</script", "<\\/script")  # would end the <script> element early


def _module_prelude() -> str:
    """JavaScript that defines ``requirejs`` for the code that follows, serving the inlined libraries."""
    parts = ["var __modules = {};"]
    for name in LIBRARIES:
        # A CommonJS-style `module` makes each library return itself instead of setting window.$ / window.d3
        # or calling a require.js `define` (which is hidden by the local `define` variable).
        parts.append(
            f"__modules[{name!r}] = (function () {{\n"
            "var module = {exports: {}}, exports = module.exports, define;\n"
            f"{library_source(name)}\n"
            ";\nreturn module.exports;\n})();"
        )
    parts.append(
        "function requirejs(names, callback) {\n"
        "  return callback.apply(null, names.map(function (name) { return __modules[name]; }));\n"
        "}\n"
        "var require = requirejs;\n"
        "require.config = function () {};"
    )
    return "\n".join(parts)


def _round_floats(value: Any, decimals: int) -> Any:
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, list):
        return [_round_floats(v, decimals) for v in value]
    if isinstance(value, dict):
        return {k: _round_floats(v, decimals) for k, v in value.items()}
    return value


def _round_params(script: str, decimals: int) -> str:
    """Round the attention weights in bertviz's ``const params = {...}`` (17 digits each by default)."""
    start = script.find(_PARAMS)
    if start < 0:
        return script
    start += len(_PARAMS)
    params, end = json.JSONDecoder().raw_decode(script, start)
    compact = json.dumps(_round_floats(params, decimals), separators=(",", ":"))
    return script[:start] + compact + script[end:]


def make_offline(html: str, decimals: int | None = None) -> str:
    """Turn bertviz HTML (``html_action="return"``) into HTML that loads nothing from the network.

    Removes every ``<script src=...>`` tag and the ``require.config`` that points at the CDN, and wraps the
    visualisation script in a function scope that provides the vendored d3 and jQuery. With ``decimals``,
    the attention weights are rounded, which makes the HTML several times smaller.

    Example:
        >>> page = '<script src="https://cdn/require.min.js"></script><div id="v"></div>' \\
        ...        '<script type="text/javascript">require.config({paths: {d3: "https://cdn/d3"}});' \\
        ...        'requirejs(["jquery", "d3"], function ($, d3) {});</script>'
        >>> offline = make_offline(page)
        >>> "https://cdn" in offline, "d3js.org v5.7.0" in offline
        (False, True)
    """
    html = _SCRIPT_WITH_SRC.sub("", html)
    scripts = [m for m in _INLINE_SCRIPT.finditer(html) if "requirejs(" in m.group(2)]
    if len(scripts) != 1 or not _REQUIRE_CONFIG.search(scripts[0].group(2)):
        try:
            version = importlib.metadata.version("bertviz")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        raise ValueError(
            "This does not look like bertviz head-view HTML (expected one script with require.config(...) "
            f"and requirejs(...)). helpers.bertviz_offline was written for bertviz 1.4.1; you have {version}."
        )
    match = scripts[0]
    body = _REQUIRE_CONFIG.sub("/* CDN paths removed: d3 and jQuery are inlined above */", match.group(2))
    body = _DATA_COMMENT.sub("// (bertviz's template marker; the data is on this line)", body)
    if decimals is not None:
        body = _round_params(body, decimals)
    wrapped = f"{match.group(1)}\n(function () {{\n{_module_prelude()}\n{body}\n}})();\n{match.group(3)}"
    return html[: match.start()] + wrapped + html[match.end() :]


def head_view_offline(
    attention: Sequence[Any],
    tokens: Sequence[str],
    *,
    sentence_b_start: int | None = None,
    layer: int | None = None,
    heads: Sequence[int] | None = None,
    include_layers: Sequence[int] | None = None,
    decimals: int | None = 3,
    display: bool = True,
    save_as: str | Path | None = None,
) -> str:
    """bertviz's ``head_view``, self-contained: display it in the notebook and return the HTML string.

    Arguments are bertviz's: ``attention`` is the model output's ``.attentions`` (one tensor of shape
    ``(1, num_heads, T, T)`` per layer; load the model with ``attn_implementation="eager"`` and call it with
    ``output_attentions=True``), ``tokens`` the T token strings. Weights are rounded to ``decimals`` places
    (None keeps bertviz's 17 digits) to keep the page small. ``save_as`` also writes a standalone HTML page
    that opens in any browser, offline. Assign the result (``html = ...``) so the notebook does not print
    the string.

    Example:
        >>> import torch
        >>> attention = [torch.softmax(torch.randn(1, 2, 3, 3), dim=-1)]
        >>> html = head_view_offline(attention, ["[CLS]", "hi", "[SEP]"], display=False)
        >>> "<script src" in html
        False
    """
    from bertviz import head_view

    if len(attention) == 0:
        raise ValueError("attention is empty: pass the model output's .attentions (one tensor per layer)")
    if attention[0] is None:
        raise ValueError(
            "attention holds None: the model used an attention kernel that returns no weights. Load it with "
            'attn_implementation="eager" and call it with output_attentions=True.'
        )
    html = head_view(
        attention=list(attention),
        tokens=list(tokens),
        sentence_b_start=sentence_b_start,
        layer=layer,
        heads=list(heads) if heads is not None else None,
        include_layers=list(include_layers) if include_layers is not None else None,
        html_action="return",
    ).data
    html = make_offline(html, decimals=decimals)
    if save_as is not None:
        page = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            "<title>bertviz head view</title>\n</head>\n<body>\n" + html + "\n</body>\n</html>\n"
        )
        Path(save_as).write_text(page, encoding="utf-8")
    if display:
        from IPython.display import HTML
        from IPython.display import display as show

        show(HTML(html))
    return html


__all__ = ["LIBRARIES", "head_view_offline", "library_source", "make_offline"]
