"""Raw data: the contract, validation, privacy guard, synthetic generator, per-site shards."""
