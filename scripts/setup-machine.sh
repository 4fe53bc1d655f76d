#!/usr/bin/env bash
# Installs what journal-gateway needs on a fresh Debian machine, only when it is missing:
# Swift is expected at /opt/swift or on PATH; C libraries come from apt; zeep (for the
# WSDL interoperability test) from PyPI.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH=/opt/swift/usr/bin:$PATH
fi
command -v swift >/dev/null 2>&1 || { echo "swift not found: install Swift 6 (https://swift.org/install) or put it on PATH" >&2; exit 1; }

missing=()
for pkg in libxml2-dev libcurl4-openssl-dev libsqlite3-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${1:-}" = "--with-test-tools" ]; then
    for pkg in libxml2-utils python3-pip openssl; do
        dpkg -s "$pkg" >/dev/null 2>&1 || { command -v pip3 >/dev/null 2>&1 && [ "$pkg" = python3-pip ]; } || missing+=("$pkg")
    done
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${1:-}" = "--with-test-tools" ]; then
    python3 -c "import zeep" 2>/dev/null || { echo "==> installing zeep"; python3 -m pip install -q zeep 2>&1 | grep -v "running pip as the 'root' user" || true; }
fi
