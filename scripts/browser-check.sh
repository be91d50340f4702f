#!/bin/sh
# Renders report.html and the pages of `ingot serve` in headless Chromium
# (Debian's chromium, installed if missing) and fails on any console
# message (an error, an "Uncaught" exception, a "Refused" by the content
# security policy) or if a <script> from the data became an element.
# Screenshots go to $OUT (default bin/browser) for a person to look at.
# Run it with `make test-browser`; `make test` does not need Chromium.
set -eu

BIN=${BIN:-bin/ingot}
OUT=${OUT:-bin/browser}
PORT=${PORT:-18480}

if ! command -v chromium >/dev/null 2>&1; then
	echo "browser-check: installing chromium"
	apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

mkdir -p "$OUT"
tmp=$(mktemp -d)
serve_pid=
cleanup() {
	if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# A warehouse with a commit, a failed import, and a file whose name and
# data hold a <script>.
"$BIN" gen orders --orders 3000 --defects 0.02 --repeats 0.01 --seed 3 -o "$tmp/orders.csv" >/dev/null 2>&1
"$BIN" import orders "$tmp/orders.csv" --format kevel-csv --dest "$tmp/wh" >/dev/null 2>&1
evil="$tmp/orders-<script>alert(1)<.csv"
cp testdata/kevel/script.csv "$evil"
"$BIN" import orders "$evil" --format kevel-csv --dest "$tmp/wh" >/dev/null 2>&1 || true
"$BIN" import orders "$tmp/orders.csv" --format kevel-csv --dest "$tmp/wh" --max-rejected 1 >/dev/null 2>&1 || true
report=$(grep -l 'XSS-1' "$tmp"/wh/_ingot/reports/*/report.json | head -n 1)
report_dir=$(dirname "$report")
id=$(basename "$report_dir")

chrome() {
	# chrome NAME URL: a screenshot and the DOM, console messages on stderr
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$tmp/profile-$1" --window-size=1280,2000 \
		--enable-logging=stderr --v=0 --screenshot="$OUT/$1.png" "$2" >/dev/null 2>"$tmp/$1.log" || {
		cat "$tmp/$1.log"; echo "browser-check: chromium failed on $2"; exit 1; }
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$tmp/profile-$1" --dump-dom "$2" >"$tmp/$1.dom" 2>>"$tmp/$1.log"
	if grep -E 'CONSOLE|Uncaught|Refused' "$tmp/$1.log"; then
		echo "browser-check: $1: console messages (above)"; exit 1
	fi
	if grep -qi '<script' "$tmp/$1.dom"; then
		echo "browser-check: $1: a <script> element in the page"; exit 1
	fi
	[ -s "$OUT/$1.png" ] || { echo "browser-check: $1: no screenshot"; exit 1; }
	echo "browser-check: $1 ok ($OUT/$1.png)"
}

chrome report "file://$report_dir/report.html"
for want in '&lt;script&gt;alert("name")&lt;/script&gt;' 'orders-&lt;script&gt;alert(1)&lt;.csv' '&lt;script&gt;alert("status")&lt;/script&gt;'; do
	grep -qF "$want" "$tmp/report.dom" || { echo "browser-check: report: expected $want as text"; exit 1; }
done

"$BIN" serve --dest "$tmp/wh" --addr "127.0.0.1:$PORT" 2>"$tmp/serve.log" &
serve_pid=$!
i=0
until grep -q serving "$tmp/serve.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || { cat "$tmp/serve.log"; echo "browser-check: ingot serve did not start"; exit 1; }
	sleep 0.2
done
base="http://127.0.0.1:$PORT"
chrome serve-imports "$base/"
grep -qF 'orders-&lt;script&gt;alert(1)&lt;.csv' "$tmp/serve-imports.dom" || { echo "browser-check: serve: file name not shown as text"; exit 1; }
grep -q 'failed' "$tmp/serve-imports.dom" || { echo "browser-check: serve: the failed import is not listed"; exit 1; }
chrome serve-report "$base/reports/$id/report.html"
chrome serve-tables "$base/tables"
chrome serve-events "$base/events"
echo "browser-check: all pages render without console messages; screenshots in $OUT"
