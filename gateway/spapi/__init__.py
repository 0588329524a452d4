"""The SP-API upstream: client, LWA tokens, RDTs, pacing, retries, documents."""
