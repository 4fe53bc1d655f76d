#!/usr/bin/env bash
# Build and start journal-gateway with the demo configuration and an embedded SQLite ledger.
# Usage: scripts/start.sh [extra `journal-gateway serve` options, e.g. --port 8081]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-machine.sh
echo "==> building journal-gateway (release; the first build fetches and compiles dependencies, a few minutes)"
swift build -c release --product journal-gateway
echo "==> starting: demo user INTEGRATION / welcome1 (demo only)"
# The ledger is serve's default, data/journal-gateway.sqlite (data/ is created); --database overrides it.
exec .build/release/journal-gateway serve --config config/demo.json "$@"
