#!/usr/bin/env bash
# Screenshot of an interactive graph page in headless Chromium (Debian's chromium package,
# and fonts-wqy-microhei for the Chinese labels). Offline: the page loads nothing else.
#   bench/screenshot.sh [PAGE.html] [OUT.png]
set -euo pipefail
page=${1:-data/compare/comparison.html}
out=${2:-bench/comparison.png}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size=1400,900 --hide-scrollbars \
  --screenshot="$(realpath -m "$out")" "file://$(realpath "$page")" 2>/dev/null
echo "wrote $out"
