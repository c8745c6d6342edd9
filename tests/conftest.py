"""Fixtures and settings shared by the test files (the repository's conftest.py sets the environment).

- ``offline``: the Hub is out of reach (``HF_HUB_OFFLINE=1``) and ``LAB_FORCE_ZOO`` unset, for one test.
- ``browser``: headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) for the tests marked
  ``browser``; skipped where it is not installed, a failure in CI (``CI=1``), where it must be.
- The exercise assertions ``fails`` and ``passes`` live in ``exercise_support.py`` (``from exercise_support
  import fails, passes``: tests/ is on pytest's ``pythonpath``); their ``assert`` statements are rewritten
  here so that a failing one shows the values it compared.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.register_assert_rewrite("exercise_support")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium browser, closed after the test module (``browser.new_page(...)`` per test)."""
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); "
            "do not use `playwright install`"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def offline(monkeypatch):
    """Offline for one test: ``HF_HUB_OFFLINE=1``, and ``LAB_FORCE_ZOO`` unset (resolve decides by itself)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("LAB_FORCE_ZOO", raising=False)
