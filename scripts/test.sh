#!/usr/bin/env bash
# Run the whole test suite: unit tests, integration tests against the real server, SQLite
# ledger, real callback-style HTTP peers and the zeep WSDL interoperability test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-machine.sh --with-test-tools
echo "==> checking the XSDs compile with libxml2 (xmllint)"
xmllint --noout Schemas/*.xsd WSDL/*.wsdl
if [ "$#" -gt 0 ]; then
    swift test "$@"
    exit 0
fi
echo "==> swift build --build-tests"
swift build --build-tests
# One process per test target: one target's servers and child processes do not load another's
# timing-sensitive tests on this 2-core machine, and a failing target does not hide the others.
# Suites that measure timing or flood the shared bcrypt/validation thread pool run alone, after
# their target's other suites (in one process they would delay each other's requests).
isolated="GatewayHTTPTests.LogonLoadTests"
failed=()
for target in $(ls Tests | grep 'Tests$'); do
    echo "==> swift test --filter $target"
    skip=()
    for suite in $isolated; do [[ $suite == "$target".* ]] && skip+=(--skip "^$suite[./]"); done
    swift test --skip-build --filter "^$target\." "${skip[@]}" || failed+=("$target")
done
for suite in $isolated; do
    echo "==> swift test --filter $suite (alone)"
    swift test --skip-build --filter "^$suite[./]" || failed+=("$suite")
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "==> FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "==> all test targets passed"
