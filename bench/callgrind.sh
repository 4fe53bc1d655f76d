#!/usr/bin/env bash
# Instructions per posted entry, end to end in the gateway process, counted by
# valgrind --tool=callgrind (instruction counts repeat on a busy machine; seconds do not).
#   bench/callgrind.sh [requests per case, default 400]
# Starts the release gateway under callgrind with the demo configuration and a fresh SQLite ledger,
# sends warm-up requests, zeroes the counters, sends N single-entry requests and N/10 50-entry bulks
# (4 client threads, keep-alive, unique message IDs, every answer checked to be 605(RW)) and
# prints the gateway's instructions per request and per posted entry, and its top functions.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-400}
PORT=${PORT:-18788}
source scripts/setup-machine.sh
command -v valgrind >/dev/null 2>&1 || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq valgrind >/dev/null; }
swift build -c release --product journal-gateway >/dev/null
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 bench/make_messages.py "$WORK"
# valgrind 3.19 cannot read the DWARF 5 that Swift writes: measure a copy without debug info
# (function names come from the symbol table).
objcopy --strip-debug .build/release/journal-gateway "$WORK/journal-gateway"

measure() {
    local name=$1 file=$2 count=$3 entries=$4
    rm -f "$WORK"/ledger.sqlite* "$WORK"/callgrind.out*
    valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" --dump-instr=no --collect-atstart=yes \
        "$WORK/journal-gateway" serve --port "$PORT" --database "$WORK/ledger.sqlite" --config config/demo.json >"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    python3 bench/send.py "$PORT" "$WORK/$file" 40 warm >/dev/null
    callgrind_control --zero "$SERVER" >/dev/null
    python3 bench/send.py "$PORT" "$WORK/$file" "$count" run
    callgrind_control --dump="measured" "$SERVER" >/dev/null
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
    local dump
    dump=$(ls "$WORK"/callgrind.out* | xargs grep -l "measured" | head -1)
    local total
    total=$(callgrind_annotate "$dump" 2>/dev/null | grep -m1 "PROGRAM TOTALS" | sed -E 's/^ *([0-9,]+).*/\1/' | tr -d ,)
    printf "%-24s %10d instructions/request  %9d instructions/entry  (%d requests, %d entries)\n" \
        "$name" "$((total / count))" "$((total / (count * entries)))" "$count" "$((count * entries))"
    callgrind_annotate --inclusive=no "$dump" 2>/dev/null | grep -E "^ *[0-9,]+ \(" | head -${TOP:-25} | sed -E 's/^/    /' | cut -c1-160
}

echo "==> callgrind, release build, $(nproc) cores (instructions, not time)"
measure "single entry (2 items)" single.xml "$N" 1
measure "bulk of 50 entries" bulk50.xml "$((N / 10))" 50
