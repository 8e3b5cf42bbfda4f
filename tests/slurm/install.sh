#!/usr/bin/env bash
# Installs what tests/test_slurm.py needs: Debian's SLURM controller, node daemon, client commands
# and MUNGE (slurm-wlm 22.05 on Debian 12). Idempotent: does nothing when everything is there.
# Needs root (or sudo) and apt; without them it says so and exits 0, and the test then skips.
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "tests/slurm/install.sh: already installed: ${PACKAGES[*]}"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "tests/slurm/install.sh: not root and no sudo: not installing ${missing[*]} (the SLURM test will skip)" >&2
        exit 0
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "tests/slurm/install.sh: no apt-get: not installing ${missing[*]} (the SLURM test will skip)" >&2
    exit 0
fi

echo "tests/slurm/install.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The packages' maintainer scripts try to start the services; in a container without an init
# system that fails harmlessly, and the test starts its own daemons anyway.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
echo "tests/slurm/install.sh: installed ${missing[*]}"
