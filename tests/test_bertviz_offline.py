"""Tests for helpers.bertviz_offline: the head view loads nothing from the network and (marked ``browser``)
draws its SVG in headless Chromium with every non-local request blocked."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import torch

from helpers.bertviz_offline import JS_DIR, LIBRARIES, head_view_offline, library_source, make_offline

ROOT = Path(__file__).resolve().parents[1]

SHA256 = {  # byte-identical to the npm tarballs named in helpers/assets/js/README.md
    "d3": "bdad5585ef9a965ff25458738309b006058c55f2c78d794d25fbecae35014609",
    "jquery": "05b85d96f41fff14d8f608dad03ab71e2c1017c2da0914d7c59291bad7a54f8e",
}
TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]"]
NUM_LAYERS, NUM_HEADS = 2, 3


def fake_attention(num_layers: int = NUM_LAYERS, num_heads: int = NUM_HEADS, n: int = len(TOKENS)):
    g = torch.Generator().manual_seed(0)
    return [torch.softmax(torch.randn(1, num_heads, n, n, generator=g), dim=-1) for _ in range(num_layers)]


@pytest.fixture(scope="module")
def html() -> str:
    return head_view_offline(fake_attention(), TOKENS, display=False)


def script_urls(page: str) -> list[str]:
    """URLs a page would load scripts from: <script src>, require.js paths, AMD dependency URLs."""
    urls = re.findall(r"""<script\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)""", page, flags=re.IGNORECASE)
    for config in re.findall(r"require(?:js)?\.config\((.*?)\)\s*;", page, flags=re.DOTALL):
        urls += re.findall(r"""["']((?:https?:)?//[^"']+)["']""", config)
    urls += re.findall(r"""\b(?:import|importScripts)\s*\(?\s*["']((?:https?:)?//[^"']+)""", page)
    return urls


# --------------------------------------------------------------------------- plain tests


def test_vendored_files_are_the_npm_releases():
    for name, path in LIBRARIES.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256[name], name
        assert list(path.parent.glob("LICENSE*")), f"{name}: licence file missing"
    assert "5.7.0" in (JS_DIR / "README.md").read_text() and "2.2.4" in (JS_DIR / "README.md").read_text()
    total = sum(p.stat().st_size for p in JS_DIR.rglob("*") if p.is_file())
    assert total < 400_000, f"vendored JS is {total} bytes; keep only the minified files"


def test_bertviz_html_really_uses_a_cdn():
    """The reason this module exists; if bertviz ever stops using a CDN, the helper can go."""
    from bertviz import head_view

    original = head_view(attention=fake_attention(), tokens=TOKENS, html_action="return").data
    assert any(url.startswith("https://") for url in script_urls(original)), script_urls(original)


def test_no_script_is_loaded_from_the_network(html: str):
    assert script_urls(html) == []
    assert "cdnjs" not in html
    assert "<script src" not in html.lower()


def test_libraries_are_inlined_once(html: str):
    assert html.count("d3js.org v5.7.0") == 1
    assert html.count("jQuery v2.2.4") == 1
    assert "</script" not in library_source("d3") and "</script" not in library_source("jquery")
    # one <script> element, closed only at its real end: nothing inside it ends it early ("</script") or
    # switches the HTML parser into its "escaped" script state ("<!--")
    assert html.count("</script>") == 1 and html.rstrip().endswith("</script>")
    assert "<!--" not in library_source("d3") and "<!--" not in library_source("jquery")


def page_params(page: str) -> dict:
    start = page.index("const params = ") + len("const params = ")
    return json.JSONDecoder().raw_decode(page, start)[0]


def test_attention_data_and_tokens_are_in_the_page(html: str):
    params = page_params(html)
    assert params["attention"][0]["left_text"] == TOKENS == params["attention"][0]["right_text"]
    assert params["include_layers"] == list(range(NUM_LAYERS))
    attn = torch.tensor(params["attention"][0]["attn"])
    assert attn.shape == (NUM_LAYERS, NUM_HEADS, len(TOKENS), len(TOKENS))
    assert torch.allclose(attn, torch.stack(fake_attention())[:, 0], atol=1e-3)
    assert "PYTHON_PARAMS" not in html


def test_attention_data_is_embedded_once_and_rounded():
    attention = fake_attention()
    html = head_view_offline(attention, TOKENS, display=False, decimals=3)
    assert html.count('"attn"') == 1  # bertviz also pastes the data into a comment; that copy is dropped
    assert not re.search(r"\d\.\d{4,}", html.split("const params = ", 1)[1].split(";", 1)[0])
    assert f"{round(attention[0][0, 0, 0, 0].item(), 3)}" in html
    full = head_view_offline(attention, TOKENS, display=False, decimals=None)
    assert full.count('"attn"') == 1 and len(full) > len(html)


def test_make_offline_rejects_other_html():
    with pytest.raises(ValueError, match="bertviz"):
        make_offline("<div>not bertviz</div>")


def test_none_attention_gets_a_helpful_error():
    with pytest.raises(ValueError, match="eager"):
        head_view_offline([None] * 6, TOKENS, display=False)


def test_save_as_writes_a_standalone_page(tmp_path: Path):
    path = tmp_path / "view.html"
    html = head_view_offline(fake_attention(), TOKENS, display=False, save_as=path)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and html in page and '<meta charset="utf-8">' in page


def test_display_shows_html(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    html = head_view_offline(fake_attention(), TOKENS)
    assert len(shown) == 1 and shown[0].data == html


# --------------------------------------------------------------------------- browser test


# What a classic Jupyter Notebook page already has: its own jQuery and require.js's global `define`.
NOTEBOOK_LIKE_PAGE = """<script>
window.$ = window.jQuery = "the page's own jQuery";
window.define = function () { throw new Error("the page's require.js define() must not be called"); };
window.define.amd = {};
</script>"""


@pytest.mark.browser
@pytest.mark.parametrize("host_page", ["", NOTEBOOK_LIKE_PAGE], ids=["bare-page", "notebook-like-page"])
def test_head_view_draws_offline_in_chromium(tmp_path: Path, browser, host_page: str):
    html = head_view_offline(fake_attention(), TOKENS, display=False)
    path = tmp_path / "view.html"
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{host_page}{html}</body></html>"
    )

    requests: list[str] = []
    blocked: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 900, "height": 600})

    def route(route, request):
        requests.append(request.url)
        if urlsplit(request.url).scheme in ("file", "data", "blob"):
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_selector("svg text", timeout=10_000)
        # one label per token on each side, one coloured box per head, and the attention lines
        assert page.locator("svg text").count() == 2 * len(TOKENS)
        assert page.locator("svg line").count() > 0
        assert page.locator("#layer option").count() == NUM_LAYERS
        # switching layer (jQuery's change handler, d3's redraw) works too
        page.select_option("#layer", "1")
        page.wait_for_selector("svg text")
        assert page.locator("svg text").count() == 2 * len(TOKENS)
        # nothing leaked into, or was taken from, the page's globals
        assert page.evaluate("typeof window.d3") == "undefined"
        expected_dollar = "string" if host_page else "undefined"
        assert page.evaluate("typeof window.$") == expected_dollar
    finally:
        page.close()

    assert blocked == [], f"requests to the network: {blocked}"
    assert failed == [], f"failed requests: {failed}"
    assert errors == [], f"JavaScript errors: {errors}"
    assert requests == [path.as_uri()]
