#!/usr/bin/env bash
# Installs the given Debian packages when any is missing (the test tools: Node for the official
# ISNCSCI algorithm, R for the statistics, SLURM for the cluster test). Idempotent: does nothing
# when all are installed. Needs root (or sudo) and apt-get; without them it says so and exits 0:
# the tests that need the packages then skip with the reason, or fail when CI=true.
set -euo pipefail

missing=()
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "already installed: $*"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "not root and no sudo: not installing ${missing[*]}" >&2
        exit 0
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "no apt-get: not installing ${missing[*]}" >&2
    exit 0
fi

echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# SLURM's maintainer scripts try to start the services; in a container without an init system
# that fails harmlessly (the cluster test starts its own daemons).
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed ${missing[*]}"
