#!/usr/bin/env bash
# System packages the tests need: Debian's Chromium (slide decks and offline bertviz are checked in a real
# headless browser). Installs them when running as root with apt-get; otherwise says what to do.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    echo "chromium: $(/usr/bin/chromium --version)"
else
    echo "Chromium is missing: browser tests will be skipped (in CI they fail)."
    echo "Install it with: sudo apt-get install chromium   (Debian/Ubuntu)"
fi
