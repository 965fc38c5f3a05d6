#!/bin/sh
# The drift HTML report in a real browser (Debian chromium, headless):
# it renders, and its plots are drawn (the reference and current bar
# colours are on screen). A 500-column report stays small and renders
# every plot.
. "$(dirname "$0")/lib.sh"

copy_example proj
CHROME=$(command -v chromium)
ok $? "chromium is installed (packages.txt)"
shot() { # shot HTML PNG: a headless screenshot, bounded in time
	timeout 120 "$CHROME" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$SCRATCH/chrome" --window-size=1300,1400 \
		--screenshot="$2" "file://$SCRATCH/$1" > chrome.log 2>&1
}

run "$MLOPS" drift --reference proj/data/reference.csv --current proj/data/current.csv --html report.html -q
expect_rc 0 "drift --html"
shot report.html shot.png
ok $? "chromium renders the report"
counts=$("$MLOPS_SRC/tests/tools/png-colours" shot.png 9aa5b1 2b7bb9 | tr '\n' ' ')
ref=${counts%% *}
cur=$(echo "$counts" | cut -d' ' -f2)
ok $([ "$ref" -gt 500 ] && [ "$cur" -gt 500 ] && echo 0 || echo 1) \
	"the plots are drawn: reference bars ($ref px) and current bars ($cur px) on screen"

# 500 columns: a small page, every plot in the DOM Chromium builds.
$PY - <<'PY'
import random
random.seed(5)
cols = [f"c{i}" for i in range(500)]
for name, shift in (("wide_ref.csv", 0), ("wide_cur.csv", 0.3)):
    with open(name, "w") as f:
        f.write(",".join(cols) + "\n")
        for _ in range(300):
            f.write(",".join(f"{random.gauss(shift if i % 5 == 0 else 0, 1):.4f}" for i in range(500)) + "\n")
PY
run "$MLOPS" drift --reference wide_ref.csv --current wide_cur.csv --html wide.html -q
expect_rc 0 "drift --html, 500 columns (100 shifted: under the dataset share)"
size=$(stat -c %s wide.html)
ok $([ "$size" -lt 3000000 ] && echo 0 || echo 1) "500 columns: $size bytes of HTML (no raw rows)"
timeout 120 "$CHROME" --headless=new --no-sandbox --disable-gpu --user-data-dir="$SCRATCH/chrome" \
	--dump-dom "file://$SCRATCH/wide.html" > dom.html 2> chrome.log
ok $? "chromium loads it"
expect_eq "$(grep -o '<svg class="plot"' dom.html | wc -l)" 500 "and builds all 500 plots"
done_testing
