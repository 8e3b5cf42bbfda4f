#!/usr/bin/env bash
# What tests/test_slurm.py needs: Debian's SLURM controller, node daemon, client commands and MUNGE.
exec bash "$(dirname "$0")/../debian_packages.sh" slurmctld slurmd slurm-client munge
