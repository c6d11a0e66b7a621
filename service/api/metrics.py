"""Prometheus metrics, one registry per app (so tests can build many apps in one process).

Requests are labelled by endpoint: the path when it is one of the app's own (none has path
parameters), "/static" for static files and "unmatched" for anything else, so a scanner hitting
random URLs cannot blow up the number of series. (The raw path, not the matched route, because
answers given before routing — 401, 413, 415 — must count under their endpoint too.) Every label
comes from a fixed set: methods outside :data:`METHODS` count as "other" (5,500 requests with
made-up method names once grew ``/metrics`` from 50 KB to 10.8 MB), and statuses are the
service's own.

With ``tinbai serve --workers N`` every worker writes its samples to files in one folder
(prometheus_client's multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``, which ``serve`` sets up),
and ``/metrics`` from any worker reports the sums over all of them: a scrape sees the host, not
whichever worker happened to answer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client when it is imported


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR) or None


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "tinbai_requests",
            "HTTP requests by endpoint, method and status",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tinbai_request_duration_seconds",
            "HTTP request latency by endpoint and status",
            ["endpoint", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "tinbai_batch_size",
            "Articles per tagger call: 'request' = /v1/tag/batch bodies, "
            "'micro' = micro-batches of concurrent requests",
            ["source"],
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.model_load = Gauge(
            "tinbai_model_load_seconds",
            "Seconds it took to load the bundle at start-up",
            multiprocess_mode="livemax",  # several workers: the slowest one still running
            registry=self.registry,
        )
        self.model_info = Gauge(
            "tinbai_model_info",
            "The bundle being served (value is always 1)",
            ["name", "version", "kind", "micro_batching"],
            multiprocess_mode="livemax",
            registry=self.registry,
        )
        self.feedback = Counter(
            "tinbai_feedback", "Editor corrections recorded", registry=self.registry
        )

    def render(self) -> tuple[bytes, str]:
        if multiprocess_dir() is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # every worker's files, summed
        return generate_latest(merged), CONTENT_TYPE_LATEST

    @staticmethod
    def process_exiting() -> None:
        """A worker's gauges leave the merged view when it stops (its counts stay)."""
        if multiprocess_dir() is not None:
            multiprocess.mark_process_dead(os.getpid())


class MetricsMiddleware:
    """Counts and times every HTTP request (pure ASGI: no body buffering, no extra task)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, endpoints: Collection[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.endpoints = endpoints

    def endpoint(self, path: str) -> str:
        if path in self.endpoints:
            return path
        if path.startswith("/static/"):
            return "/static"
        return "unmatched"

    @staticmethod
    def method(method: str) -> str:
        return method if method in METHODS else OTHER

    @staticmethod
    def status(status: int) -> str:
        return str(status) if 100 <= status <= 599 else OTHER

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            labels = (
                self.endpoint(scope["path"]),
                self.method(scope["method"]),
                self.status(status),
            )
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - start)
