"""Prometheus metrics read at scrape time from the database and the broker, so they are right
even when workers are separate processes."""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from grader.service.store import LATENCY_BUCKETS_S

log = logging.getLogger(__name__)


class ServiceCollector(Collector):
    """Queue depth, submissions by status, submit-to-report latency."""

    def __init__(self, *, store, queue) -> None:
        self.store, self.queue = store, queue

    def collect(self):
        counts = self.store.counts()
        by_status = GaugeMetricFamily(
            "grader_submissions", "Submissions by status (queued, running, or the report's status)", labels=["status"]
        )
        for status, n in sorted(counts.items()):
            by_status.add_metric([status], n)
        yield by_status

        depth = GaugeMetricFamily("grader_queue_depth", "Jobs waiting in the queue, per queue", labels=["queue"])
        try:
            for name, n in self.queue.depth().items():
                depth.add_metric([name], n)
        except Exception as exc:  # noqa: BLE001 - the broker being down must not break /metrics
            log.warning("queue depth unavailable: %s", exc)
        yield depth

        refs = GaugeMetricFamily(
            "grader_reference_failures",
            "Submissions not graded because the task's reference failed its check, per task",
            labels=["task"],
        )
        for task_id, n in sorted(self.store.reference_failures().items()):
            refs.add_metric([task_id], n)
        yield refs

        buckets, count, total = self.store.latency_histogram()
        hist = HistogramMetricFamily("grader_grading_latency_seconds", "Seconds from submission to report")
        hist.add_metric(
            [], [(f"{b:g}", n) for b, n in zip(LATENCY_BUCKETS_S, buckets)] + [("+Inf", count)], sum_value=total
        )
        yield hist


def registry(*, store, queue) -> CollectorRegistry:
    """A registry of this service's metrics (one per app, so tests can build many apps)."""
    reg = CollectorRegistry()
    reg.register(ServiceCollector(store=store, queue=queue))
    return reg
