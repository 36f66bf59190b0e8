"""Prometheus metrics of both apps: the ``/metrics`` answer, its access rule, and the
multiprocess mode that makes every granian worker count.

With ``PROMETHEUS_MULTIPROC_DIR`` set (the launcher and docker-compose set it, one folder per
app, emptied at start) each worker writes its counters to files there and any worker's
``/metrics`` adds them all up. Without it (tests, ``flask run``) the process's own values are
served. Gauges that describe shared state (the store, the database) are not counted by
workers: a collector computes them when Prometheus scrapes.

Access: open to loopback callers; anyone else needs ``Authorization: Bearer <token>`` with
the app's metrics token (refused when none is configured).
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .security import require_bearer

disable_created_metrics()  # no "_created" twin of every counter: half the page, unused

ENV_DIR = "PROMETHEUS_MULTIPROC_DIR"
PATH = "/metrics"
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
# request latency buckets (s): the IdP's hot path answers in ~1 ms, a login in ~100 ms
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

log = logging.getLogger("webcommon.metrics")


def multiprocess_dir() -> str | None:
    return os.environ.get(ENV_DIR) or None


def reset_dir(path: Path) -> Path:
    """An empty folder for a new run's metric files (a previous run's would be added in)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


class WorkerFiles(multiprocess.MultiProcessCollector):
    """prometheus_client's multiprocess collector, minus the files a worker has created but
    not sized yet. ``MmapedDict`` creates its file and only then sizes it: a scrape in that
    instant read 0 bytes, raised ``struct.error`` and answered 500 for the whole page
    (client_python#1199; seen here when the outage switch set a worker's first gauge). Such
    a file holds nothing yet, so leaving it out of one scrape loses nothing."""

    def collect(self):
        files = []
        for name in glob.glob(os.path.join(self._path, "*.db")):
            try:
                if os.path.getsize(name) >= _HEADER_BYTES:
                    files.append(name)
            except OSError:
                continue  # removed since the listing (a dead worker's file)
        return self.merge(files, accumulate=True)


_HEADER_BYTES = 8  # MmapedDict's header: bytes used (4) and padding


def build_registry(metrics, collectors=()) -> CollectorRegistry:
    """What ``/metrics`` serves: the workers' files (multiprocess) or this process's
    ``metrics``, plus the scrape-time ``collectors``."""
    registry = CollectorRegistry(auto_describe=True)
    folder = multiprocess_dir()
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        WorkerFiles(registry, path=folder)
    else:
        for metric in metrics:
            registry.register(metric)
    for collector in collectors:
        registry.register(collector)
    return registry


class ScrapeGauge:
    """A gauge computed when Prometheus scrapes: ``read()`` returns ``{label values: value}``.
    A failing source (store or database down) is logged and left out; the rest of the page is
    still served."""

    def __init__(self, name: str, doc: str, labels: tuple[str, ...], read):
        self.name, self.doc, self.labels, self.read = name, doc, list(labels), read

    def describe(self):
        yield GaugeMetricFamily(self.name, self.doc, labels=self.labels)

    def collect(self):
        try:
            values = self.read()
        except Exception as exc:  # noqa: BLE001 - a scrape must not 500 because a gauge failed
            log.warning("metrics: %s unavailable: %s", self.name, exc)
            return
        family = GaugeMetricFamily(self.name, self.doc, labels=self.labels)
        for key, value in values.items():
            family.add_metric(list(key), value)
        yield family


def allowed(environ, token: str | None) -> bool:
    """Loopback callers always; others with the bearer token (constant-time comparison)."""
    return environ.get("REMOTE_ADDR") in LOOPBACK or require_bearer(token, environ)


def answer(registry: CollectorRegistry, environ, start_response, token: str | None):
    """The WSGI answer of ``/metrics``."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        start_response("405 METHOD NOT ALLOWED", [("Allow", "GET, HEAD")])
        return []
    if not allowed(environ, token):
        body = b'{"error":"unauthorized","message":"Se requiere autenticaci\\u00f3n."}'
        start_response(
            "401 UNAUTHORIZED",
            [
                ("Content-Type", "application/json"),
                ("WWW-Authenticate", 'Bearer realm="metrics"'),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]
    body = generate_latest(registry)
    start_response(
        "200 OK",
        [
            ("Content-Type", CONTENT_TYPE_LATEST),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
