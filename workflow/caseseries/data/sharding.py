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
    keys = with_line["patient_id"].map(shard_of)
    unplanned = sorted(set(keys.dropna()) - set(shards))
    if unplanned or keys.isna().any():
        # Never drop rows silently: the planned shards must cover every site of every row.
        raise ValueError(f"rows of sites {unplanned or 'unknown'} have no planned shard (planned: {shards})")
    return {shard: with_line[keys == shard] for shard in shards}
