#!/usr/bin/env bash
# Run the whole test suite: unit tests, integration tests against the real server, SQLite
# ledger, real callback-style HTTP peers and the zeep WSDL interoperability test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-machine.sh --with-test-tools
echo "==> checking the XSDs compile with libxml2 (xmllint)"
xmllint --noout Schemas/*.xsd WSDL/*.wsdl
echo "==> swift test"
swift test "$@"
