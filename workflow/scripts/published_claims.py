from caseseries.steps import published_claims, run

run(snakemake, published_claims)  # noqa: F821 (snakemake is injected by the script directive)
