#!/usr/bin/env bash
# Sync-posting benchmark on loopback: a release build of journal-gateway with the demo
# configuration, durable SQLite commits (WAL, synchronous=FULL) and replay detection on (every
# request carries a new MessageHeader/ID), driven by wrk with 32 connections.
#   bench/run.sh [seconds per run, default 20]
# Prints requests/s, entries/s and p50/p99 latency for single-entry requests (2 items) and for
# 50-entry bulks, then the in-process libxml2 parse+validate(+decode) rate of the same messages.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18777}
source scripts/setup-machine.sh
command -v wrk >/dev/null 2>&1 || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq wrk >/dev/null; }
command -v sqlite3 >/dev/null 2>&1 || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq sqlite3 >/dev/null; }

echo "==> release build"
swift build -c release --product journal-gateway >/dev/null
swift build -c release --product xml-bench >/dev/null
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 bench/make_messages.py "$WORK"

run_case() {
    local name=$1 file=$2 entries=$3
    rm -f "$WORK"/ledger.sqlite*
    .build/release/journal-gateway serve --port "$PORT" --database "$WORK/ledger.sqlite" --config config/demo.json >"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
    # warm-up (authentication cache, page cache), then the measured run
    wrk -t1 -c"$CONNECTIONS" -d2s -s bench/post.lua "http://127.0.0.1:$PORT/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi" -- "$WORK/$file" "warm$(date +%s%N)" >/dev/null
    local before
    before=$(sqlite3 "$WORK/ledger.sqlite" "select count(*) from journal_entry")
    local out
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s bench/post.lua "http://127.0.0.1:$PORT/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi" -- "$WORK/$file" "run$(date +%s%N)")
    local result
    result=$(echo "$out" | grep '^RESULT')
    local after
    after=$(sqlite3 "$WORK/ledger.sqlite" "select count(*) from journal_entry")
    local rss
    rss=$(ps -o rss= -p "$SERVER" | tr -d ' ')
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
    local rps seconds p50 p99 non2xx
    rps=$(echo "$result" | sed -E 's/.* rps=([0-9.]+).*/\1/')
    seconds=$(echo "$result" | sed -E 's/.* seconds=([0-9.]+).*/\1/')
    p50=$(echo "$result" | sed -E 's/.* p50_ms=([0-9.]+).*/\1/')
    p99=$(echo "$result" | sed -E 's/.* p99_ms=([0-9.]+).*/\1/')
    non2xx=$(echo "$result" | sed -E 's/.* non2xx=([0-9]+).*/\1/')
    local notposted
    notposted=$(echo "$result" | sed -E 's/.* not_posted=([0-9]+).*/\1/')
    local posted=$((after - before))
    printf "%-24s %8s req/s %8s entries/s  p50 %7s ms  p99 %7s ms  posted %7d entries  non-200 %s  not-posted %s  RSS %d MB\n" \
        "$name" "$rps" "$(python3 -c "print(f'{$posted/$seconds:.0f}')")" "$p50" "$p99" "$posted" "$non2xx" "$notposted" "$((rss / 1024))"
}

echo "==> wrk -c$CONNECTIONS -d${DURATION}s on $(nproc) cores, durable commits, unique message IDs"
run_case "single entry (2 items)" single.xml 1
run_case "bulk of 50 entries" bulk50.xml 50
echo "==> in-process parse + XSD validate + decode (xml-bench, 1 thread, same messages)"
.build/release/xml-bench . "$WORK/single.xml" 3 1
.build/release/xml-bench . "$WORK/bulk50.xml" 3 1
bench/async.sh "$WORK"
