"""The engine: one async HTTP core (auth, quota, retries, paging, pool) that every platform runs on."""
