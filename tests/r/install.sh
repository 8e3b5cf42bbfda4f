#!/usr/bin/env bash
# Installs what tests/test_stats_r.py needs: R with the coin and exactRankTests packages from
# Debian (r-base-core, r-cran-coin, r-cran-exactranktests). Idempotent: does nothing when they are
# there. Needs root (or sudo) and apt; without them it says so and exits 0: the test then skips,
# or fails when CI=true.
set -euo pipefail

PACKAGES=(r-base-core r-cran-coin r-cran-exactranktests)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "tests/r/install.sh: already installed: ${PACKAGES[*]}"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "tests/r/install.sh: not root and no sudo: not installing ${missing[*]}" >&2
        exit 0
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "tests/r/install.sh: no apt-get: not installing ${missing[*]}" >&2
    exit 0
fi

echo "tests/r/install.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
echo "tests/r/install.sh: installed ${missing[*]}"
