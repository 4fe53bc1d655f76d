#!/usr/bin/env bash
# Two builds of journal-gateway side by side, in one run on this machine: the sync cases of
# bench/run.sh (wrk, 32 connections, durable commits, unique message IDs, every answer checked to
# be 605(RW)), alternating between the builds, then the in-process reference (xml-bench).
#   bench/compare.sh <gateway binary A> <gateway binary B> [seconds per run, default 10] [rounds, default 2]
# For an older commit: `git worktree add /tmp/old <commit> && (cd /tmp/old && swift build -c release
# --product journal-gateway)`, then `bench/compare.sh /tmp/old/.build/release/journal-gateway .build/release/journal-gateway`.
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1 B=$2 DURATION=${3:-10} ROUNDS=${4:-2}
PORT=${PORT:-18779}
source scripts/setup-machine.sh
command -v wrk >/dev/null 2>&1 || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product xml-bench >/dev/null
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 bench/make_messages.py "$WORK"
SYNC=/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi

run_case() { # binary label file entries
    rm -f "$WORK"/ledger.sqlite*
    "$1" serve --port "$PORT" --database "$WORK/ledger.sqlite" --config config/demo.json >"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
    wrk -t1 -c32 -d2s -s bench/post.lua "http://127.0.0.1:$PORT$SYNC" -- "$WORK/$3" "warm$(date +%s%N)" >/dev/null
    local result
    result=$(wrk -t2 -c32 -d"${DURATION}s" --timeout 10s -s bench/post.lua "http://127.0.0.1:$PORT$SYNC" -- "$WORK/$3" "run$(date +%s%N)" | grep '^RESULT')
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
    local rps p99 notposted
    rps=$(echo "$result" | sed -E 's/.* rps=([0-9.]+).*/\1/')
    p99=$(echo "$result" | sed -E 's/.* p99_ms=([0-9.]+).*/\1/')
    notposted=$(echo "$result" | sed -E 's/.* not_posted=([0-9]+).*/\1/')
    printf "  %-2s %-22s %8s req/s %9.0f entries/s  p99 %7s ms  not-posted %s\n" "$2" "$3" "$rps" "$(python3 -c "print($rps*$4)")" "$p99" "$notposted"
}

echo "==> A = $A"
echo "==> B = $B"
echo "==> wrk -t2 -c32 -d${DURATION}s, $ROUNDS rounds, alternating"
for round in $(seq 1 "$ROUNDS"); do
    run_case "$A" A single.xml 1
    run_case "$B" B single.xml 1
    run_case "$A" A bulk50.xml 50
    run_case "$B" B bulk50.xml 50
done
echo "==> in-process parse + XSD validate + decode (xml-bench, 1 thread, same messages)"
.build/release/xml-bench . "$WORK/single.xml" 3 1
.build/release/xml-bench . "$WORK/bulk50.xml" 3 1
