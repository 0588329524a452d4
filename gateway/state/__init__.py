"""Shared state: MWS quota buckets and durable records, with embedded and scale-out backends."""
