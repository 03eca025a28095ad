"""Metrics: Prometheus counters and latency histograms, aggregated over worker processes when asked to."""

# Several server processes (Granian workers) each count for themselves. To scrape them as one, start the
# server with PROMETHEUS_MULTIPROC_DIR naming a directory that exists and is EMPTY (wipe it before every
# start, while no worker runs): prometheus_client reads the variable when it is first imported, each process
# then writes its values to files there, and scrape() sums the files. Without the variable, one process's
# own registry is served.

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = ["CONTENT_TYPE_LATEST", "scrape"]

# Milliseconds matter here: a completion or a batch of recalculated learners takes a few of them.
MS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SOURCES = ("ui", "api", "event", "import", "admin")
OUTCOMES = ("created", "already_complete")

COMPLETIONS = Counter(
    "learnapp_completions_recorded",
    "Lesson completions committed, by source and whether the call created the fact",
    ["source", "outcome"],
)
CERTIFICATES_ISSUED = Counter("learnapp_certificates_issued", "Certificates rendered and issued")
CERTIFICATE_FAILURES = Counter(
    "learnapp_certificate_failures",
    "Certificate renders that failed: retrying (with backoff) or gave_up (marked failed)",
    ["outcome"],
)
ERRORS = Counter(
    "learnapp_errors", "Errors by kind: api_<error code>, certificate_worker, recalculate_learner", ["kind"]
)
RECORD_COMPLETION_SECONDS = Histogram(
    "learnapp_record_completion_seconds", "Time to record one completion, commit included", buckets=MS_BUCKETS
)
RECALCULATE_BATCH_SECONDS = Histogram(
    "learnapp_recalculate_batch_seconds",
    "Time to recalculate one batch of learners, commit included",
    buckets=MS_BUCKETS,
)
for _source in SOURCES:  # every series exists from the start, so rate() sees the first increment
    for _outcome in OUTCOMES:
        COMPLETIONS.labels(_source, _outcome)


def completion_recorded(source: str, created: bool) -> None:
    COMPLETIONS.labels(source, OUTCOMES[0] if created else OUTCOMES[1]).inc()


def scrape() -> bytes:
    """The text exposition: every process's values summed in multiprocess mode, this process's otherwise."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=folder)
    return generate_latest(registry)
