#!/usr/bin/env bash
# What tests/test_isncsci_official.py needs: Node.js and npm, to run the official ISNCSCI algorithm
# (npm `isncsci`, pinned in tests/oracle/package-lock.json). Any Node will do (a Node from
# elsewhere brings its own npm, which Debian's npm package would conflict with); else Debian's.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    echo "node $(node --version) and npm $(npm --version) already installed"
    exit 0
fi
exec bash "$(dirname "$0")/../debian_packages.sh" nodejs npm
