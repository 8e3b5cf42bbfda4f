"""Splitting the assessments by site, so that scoring runs as one job per site."""

import re

import pandas as pd


def shard_name(site: str) -> str:
    """A file-system-safe name for a site (site names are free text in the contract)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(site))


def split_by_site(assessments: pd.DataFrame, patients: pd.DataFrame, shards: list[str]) -> dict[str, pd.DataFrame]:
    """Shard name -> that site's rows (raw order kept; empty frames for sites without rows).

    Each row keeps `line`, its line in the raw file: validated tables keep the raw row order,
    and validation refuses blank lines inside isncsci.csv and scim.csv, so line = position + 2.
    """
    with_line = assessments.assign(line=range(2, len(assessments) + 2))
    shard_of = patients.set_index("patient_id")["site"].map(shard_name)
    # Each row's shard as a code (a lookup, not a Python call per row: 5 x 10^5 exams); -1: unknown.
    codes, found = pd.factorize(shard_of.reindex(with_line["patient_id"]).to_numpy())
    unplanned = sorted(set(found) - set(shards))
    if unplanned or (codes < 0).any():
        # Never drop rows silently: the planned shards must cover every site of every row.
        raise ValueError(f"rows of sites {unplanned or 'unknown'} have no planned shard (planned: {shards})")
    code_of = {shard: code for code, shard in enumerate(found)}
    # A planned site without rows gets an empty frame (-2 is no row's code).
    return {shard: with_line[codes == code_of.get(shard, -2)] for shard in shards}
