#!/usr/bin/env bash
# Refresh the vendored front-end files under slides/assets/ from the npm registry.
#
# The slide decks built by `python -m helpers.slides` load every asset from
# slides/assets/ (no CDN), so this script fetches the packages with `npm pack`
# and keeps only the files the decks actually load, plus each package's licence.
# Not run by the tests; run it by hand after bumping a version below, rebuild
# the decks, and run `pytest tests/test_slides.py -m browser` (it fails on any
# missing file, i.e. any 404, and on any request to a non-local host).
#
# Usage: scripts/vendor_slide_assets.sh            (from anywhere in the repo)
set -euo pipefail

REVEAL_VERSION=4.6.1     # nbconvert's reveal template targets reveal.js 4.x
MATHJAX_VERSION=2.7.9    # nbconvert's templates call the MathJax 2 API (MathJax.Hub)
REQUIREJS_VERSION=2.3.8  # the reveal template loads reveal.js through require.js
JQUERY_VERSION=3.7.1     # the reveal template always includes jQuery

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/slides/assets"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch NAME VERSION -> extracted into $WORK/NAME/package
    local name="$1" version="$2"
    mkdir -p "$WORK/$name"
    (cd "$WORK/$name" && npm pack --silent "$name@$version" >/dev/null && tar xzf ./*.tgz)
}

# copy SRC_PKG_DIR DEST_DIR RELATIVE_PATH... (keeps the path inside the package)
keep() {
    local src="$1" dst="$2"
    shift 2
    local rel
    for rel in "$@"; do
        mkdir -p "$dst/$(dirname "$rel")"
        cp -R "$src/$rel" "$dst/$rel"
    done
}

fetch reveal.js "$REVEAL_VERSION"
fetch mathjax "$MATHJAX_VERSION"
fetch requirejs "$REQUIREJS_VERSION"
fetch jquery "$JQUERY_VERSION"

rm -rf "$DEST/reveal.js" "$DEST/mathjax" "$DEST/requirejs" "$DEST/jquery"

# reveal.js: core, the notes plugin the template loads, the "white" theme and
# its Source Sans Pro font (woff only: every browser that runs reveal 4 picks woff).
R="$WORK/reveal.js/package"
keep "$R" "$DEST/reveal.js" LICENSE dist/reveal.js dist/reveal.css dist/theme/white.css \
    plugin/notes/notes.js
FONT=dist/theme/fonts/source-sans-pro
keep "$R" "$DEST/reveal.js" "$FONT/LICENSE" "$FONT/source-sans-pro.css"
for f in "$R/$FONT"/*.woff; do
    keep "$R" "$DEST/reveal.js" "$FONT/$(basename "$f")"
done

# MathJax 2: the combined TeX-AMS_CHTML-full config plus what it loads lazily
# (input/output jax, menu/zoom/assistive extensions, TeX extensions, woff fonts).
M="$WORK/mathjax/package"
keep "$M" "$DEST/mathjax" LICENSE MathJax.js config/TeX-AMS_CHTML-full.js config/Safe.js \
    extensions/Safe.js extensions/MathMenu.js extensions/MathZoom.js extensions/MathEvents.js \
    extensions/HelpDialog.js extensions/AssistiveMML.js extensions/toMathML.js \
    extensions/tex2jax.js extensions/fast-preview.js extensions/a11y/accessibility-menu.js \
    jax/input/TeX jax/element/mml jax/output/CommonHTML jax/output/PreviewHTML \
    fonts/HTML-CSS/TeX/woff
mkdir -p "$DEST/mathjax/extensions/TeX"
cp "$M"/extensions/TeX/*.js "$DEST/mathjax/extensions/TeX/"

# require.js ships no separate LICENSE file: its MIT notice is in require.js's header.
keep "$WORK/requirejs/package" "$DEST/requirejs" require.js

keep "$WORK/jquery/package" "$DEST/jquery" LICENSE.txt dist/jquery.min.js

find "$DEST" -type d -exec chmod 755 {} +
find "$DEST" -type f -exec chmod 644 {} +  # some tarballs ship fonts as 0700
du -sh "$DEST"
