#!/usr/bin/env bash
# CPU time per thread of a release journal-gateway during one wrk run, from /proc/<pid>/task/*/stat:
# which part of the process (event loops, cooperative pool, blocking-work pool, ledger writer)
# spends how much CPU per request. Threads: NIO-* event loops, *default-qos the cooperative pool,
# SGLTN-TP-* the blocking-work pool, *qos.overcommit the ledger writer.
#   bench/threads.sh [message file from bench/make_messages.py: single.xml|bulk50.xml] [seconds] [connections]
# GW=<binary> measures another build.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=${1:-single.xml}; SECS=${2:-10}; CONNECTIONS=${3:-32}; PORT=${PORT:-18783}
GW=${GW:-.build/release/journal-gateway}
[ -x "$GW" ] || swift build -c release --product journal-gateway >/dev/null
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 bench/make_messages.py "$WORK" >/dev/null
"$GW" serve --port "$PORT" --database "$WORK/ledger.sqlite" --config config/demo.json >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi"
wrk -t1 -c"$CONNECTIONS" -d2s -s bench/post.lua "$URL" -- "$WORK/$FILE" "warm$(date +%s%N)" >/dev/null
snapshot() { # thread name|CPU ticks (user + system), summed per name
    for task in /proc/"$SERVER"/task/*; do echo "$(cat "$task/comm")|$(awk '{print $14 + $15}' "$task/stat")"; done |
        awk -F'|' '{ticks[$1] += $2} END {for (name in ticks) print name "|" ticks[name]}' | sort
}
snapshot >"$WORK/before"
RESULT=$(wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" --timeout 10s -s bench/post.lua "$URL" -- "$WORK/$FILE" "run$(date +%s%N)" | grep '^RESULT')
snapshot >"$WORK/after"
echo "$RESULT"
REQUESTS=$(echo "$RESULT" | sed -E 's/.*requests=([0-9]+).*/\1/')
TICKS=$(getconf CLK_TCK)
join -t'|' "$WORK/before" "$WORK/after" | awk -F'|' -v secs="$SECS" -v requests="$REQUESTS" -v hz="$TICKS" '
    { cpu = ($3 - $2) / hz; total += cpu
      if (cpu > 0.05) printf "  %-18s %6.2f s CPU  %5.1f %% of a core  %6.1f us/request\n", $1, cpu, cpu * 100 / secs, cpu * 1e6 / requests }
    END { printf "  %-18s %6.2f s CPU  %5.1f %% of a core  %6.1f us/request\n", "all threads", total, total * 100 / secs, total * 1e6 / requests }'
