#!/usr/bin/env bash
# Renders an HTML report (lethe eval's report.html) in headless Chromium and writes a PNG screenshot of it, to see
# that the page a browser opens from disk shows its tables, charts and grids. Where no Chromium is installed it says
# so and exits 0 (Debian: apt-get install chromium).
# Usage: Scripts/report-screenshot.sh REPORT.html OUT.png [WIDTH HEIGHT]
set -euo pipefail
report=${1:?usage: $0 REPORT.html OUT.png [WIDTH HEIGHT]}
out=${2:?usage: $0 REPORT.html OUT.png [WIDTH HEIGHT]}
width=${3:-1400}
height=${4:-2400}
[[ -f "$report" ]] || { echo "report-screenshot: no such file: $report" >&2; exit 1; }
browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
if [[ -z "$browser" ]]; then
    echo "SKIP report-screenshot: no Chromium on this machine (chromium, chromium-browser or google-chrome); $report not rendered"
    exit 0
fi
rm -f "$out"
# --no-sandbox: containers and CI run as root, where Chromium's sandbox refuses to start.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
    --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" >/dev/null 2>&1 || true
# A blank page compresses to almost nothing; a rendered report with its grids does not.
size=$(stat -c %s "$out" 2>/dev/null || echo 0)
if (( size < 20000 )); then
    echo "report-screenshot: $browser wrote no screenshot of $report (or a blank one: $size bytes)" >&2
    exit 1
fi
echo "wrote $out ($size bytes) from $report with $browser"
