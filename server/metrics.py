"""Prometheus metrics, one registry per app (tests run several apps in one process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


class _Published(Collector):
    """Reads the bus's own count at scrape time (the bus lives below ``server``)."""

    def __init__(self, read: Callable[[], int]) -> None:
        self._read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "kaisha_events_published", "Channel events published on the bus", value=self._read()
        )


class Metrics:
    def __init__(self, published: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_Published(published))
        self.connections = Gauge(
            "kaisha_ws_connections", "Open WebSocket connections", registry=self.registry
        )
        self.delivered = Counter(
            "kaisha_events_delivered",
            "Event frames offered to local connections",
            registry=self.registry,
        )
        self.latency = Histogram(
            "kaisha_delivery_latency_seconds",
            "From publish to hand-off to local connections",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.slow_closes = Counter(
            "kaisha_slow_consumer_closes",
            "Connections closed because their outbox overflowed",
            registry=self.registry,
        )
        self.post_batches = Histogram(
            "kaisha_post_batch_size",
            "Posts written per transaction (posts arriving together are written together)",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200),
            registry=self.registry,
        )
        self.gap_fills = Counter(
            "kaisha_gap_fills",
            "Events fetched from the database to fill a gap",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
