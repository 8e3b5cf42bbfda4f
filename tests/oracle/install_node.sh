#!/usr/bin/env bash
# Installs Node.js and npm from Debian when either is missing: tests/test_isncsci_official.py runs
# the official ISNCSCI algorithm (npm `isncsci`) in Node, and in CI a missing Node is a failure.
# Idempotent; needs root (or sudo) and apt-get when something is missing.
set -euo pipefail

if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    echo "tests/oracle/install_node.sh: node $(node --version) and npm $(npm --version) already installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends nodejs npm
node --version && npm --version
