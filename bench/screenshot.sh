#!/usr/bin/env bash
# Screenshots of the pages in headless Chromium (Debian's chromium package, and
# fonts-wqy-microhei for the Chinese labels). Offline: the pages load nothing else.
#   bench/screenshot.sh                 the comparison report, the Wuchang policy report and the
#                                       comparison graph of the last `dvc repro` (bench/*.png)
#   bench/screenshot.sh PAGE.html OUT.png
set -euo pipefail
if [ $# -ge 2 ]; then
  pages=("$1" "$2")
else
  pages=(data/reports/index.html bench/report.png
         data/reports/wuhan-wuchang-2022-talent-core-zone-opinions.html bench/report-wuchang.png
         data/compare/comparison.html bench/comparison.png)
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for ((k = 0; k < ${#pages[@]}; k += 2)); do
  page=${pages[k]} out=${pages[k + 1]}
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1400,900 --hide-scrollbars --virtual-time-budget=3000 \
    --screenshot="$(realpath -m "$out")" "file://$(realpath "$page")" 2>/dev/null
  echo "wrote $out"
done
