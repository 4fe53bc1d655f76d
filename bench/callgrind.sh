#!/usr/bin/env bash
# Instructions per posted entry on the synchronous posting path, counted by valgrind's callgrind
# (instruction counts repeat on a busy machine; seconds do not).
#   bench/callgrind.sh [messages, default 60]
# Runs pipeline-bench (envelope parse, XSD validation, decoding, posting rules, payload digest,
# the durable SQLite write with group commit, the confirmation; no HTTP) under callgrind twice per
# case, with N/3 and N messages (8 concurrent senders, unique message IDs, every entry posted),
# and divides the difference by the entries of the extra messages, so start-up (schema
# compilation, configuration, migrations) cancels out. Prints instructions per message and per
# entry for single-entry messages (x10 the count) and 50-entry bulks, and the top functions of
# the larger run, exclusive of callees.
# PIPELINE_BENCH=<binary> measures another build of pipeline-bench (e.g. an older commit's).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-60}
source scripts/setup-machine.sh
command -v valgrind >/dev/null 2>&1 || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq valgrind >/dev/null; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "${PIPELINE_BENCH:-}" ]; then
    swift build -c release --product pipeline-bench >/dev/null
    PIPELINE_BENCH=.build/release/pipeline-bench
fi
python3 bench/make_messages.py "$WORK"
# valgrind 3.19 cannot read the DWARF 5 that Swift writes: measure a copy without debug info
# (function names come from the symbol table).
objcopy --strip-debug "$PIPELINE_BENCH" "$WORK/pipeline-bench"

count() { # file messages -> total instructions
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$2.out" "$WORK/pipeline-bench" . "$WORK/$1" "$2" 8 >/dev/null 2>"$WORK/valgrind.log" \
        || { cat "$WORK/valgrind.log" >&2; exit 1; }
    callgrind_annotate "$WORK/cg.$2.out" >"$WORK/annotate.txt" 2>/dev/null
    grep -m1 "PROGRAM TOTALS" "$WORK/annotate.txt" | sed -E 's/^ *([0-9,]+).*/\1/' | tr -d ,
}

measure() {
    local name=$1 file=$2 messages=$3 entries=$4
    local small=$((messages / 3))
    local a b
    a=$(count "$file" "$small")
    b=$(count "$file" "$messages")
    local per_message=$(((b - a) / (messages - small)))
    printf "%-24s %10d instructions/message  %9d instructions/entry\n" "$name" "$per_message" "$((per_message / entries))"
    callgrind_annotate --inclusive=no "$WORK/cg.$messages.out" >"$WORK/annotate.txt" 2>/dev/null
    grep -E "^ *[0-9,]+ \(" "$WORK/annotate.txt" | sed -n "1,${TOP:-12}p" | sed -E 's/\[[^]]*\]$//; s/^/    /' | cut -c1-150
}

echo "==> callgrind: instructions on the sync posting path (pipeline-bench, no HTTP), $PIPELINE_BENCH"
measure "single entry (2 items)" single.xml "$((N * 10))" 1
measure "bulk of 50 entries" bulk50.xml "$N" 50
