"""Prometheus metrics, one registry per app (tests build many apps in one process)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mws_gateway_requests",
            "MWS requests by section, action and outcome",
            ["section", "action", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mws_gateway_request_seconds",
            "Time to answer an MWS request",
            ["section"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.throttled = Counter(
            "mws_gateway_throttled",
            "Requests refused by MWS quota emulation",
            ["section", "action", "reason"],
            registry=self.registry,
        )
        self.upstream = Counter(
            "mws_gateway_upstream_calls",
            "SP-API calls by operation and status class",
            ["operation", "status"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "mws_gateway_in_flight", "MWS requests being answered", registry=self.registry
        )

        self._request_children: dict[tuple[str, str, str], Any] = {}
        self._latency_children: dict[str, Any] = {}

    def count_request(self, section: str, action: str, outcome: str, seconds: float) -> None:
        """Hot path: label children are looked up once and kept."""
        key = (section, action, outcome)
        child = self._request_children.get(key)
        if child is None:
            child = self._request_children[key] = self.requests.labels(section, action, outcome)
        child.inc()
        timer = self._latency_children.get(section)
        if timer is None:
            timer = self._latency_children[section] = self.latency.labels(section)
        timer.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
