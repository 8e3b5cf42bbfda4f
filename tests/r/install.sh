#!/usr/bin/env bash
# What tests/test_stats_r.py needs: R with the coin and exactRankTests packages (Debian).
exec bash "$(dirname "$0")/../debian_packages.sh" r-base-core r-cran-coin r-cran-exactranktests
