"""What the metrics middleware costs per request, without the HTTP server and the machine's
noise: a bare WSGI app called in-process, bare / with the request id only / with the request id
and the latency histogram (multiprocess mode, as served), plus one labelled counter increment.

    .venv/bin/python bench/metrics_overhead.py          # 200,000 calls each, best of 5
"""

from __future__ import annotations

import os
import sys
import tempfile
import timeit
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# multiprocess mode must be chosen before prometheus_client is imported
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-overhead-")

from idp import metrics  # noqa: E402
from webcommon.observe import RequestObserver  # noqa: E402

CALLS = 200_000


def bare(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"{}"]


def _start(status, headers, exc_info=None):
    return None


def per_call_us(app) -> float:
    environ = {"PATH_INFO": "/userinfo", "REQUEST_METHOD": "GET"}
    best = min(timeit.repeat(lambda: app(dict(environ), _start), number=CALLS, repeat=5))
    return best / CALLS * 1e6


def main() -> int:
    rows = [
        ("bare WSGI app", per_call_us(bare)),
        ("+ request id", per_call_us(RequestObserver(bare))),
        (
            "+ request id + latency histogram",
            per_call_us(
                RequestObserver(bare, endpoint_of=metrics.endpoint_of, latency=metrics.LATENCY)
            ),
        ),
    ]
    child = metrics.TOKENS.labels("client_credentials", "bench")
    inc = min(timeit.repeat(child.inc, number=CALLS, repeat=5)) / CALLS * 1e6
    labelled = (
        min(
            timeit.repeat(
                lambda: metrics.count_token("client_credentials", "bench"), number=CALLS, repeat=5
            )
        )
        / CALLS
        * 1e6
    )
    for name, us in rows:
        print(f"{name:<36} {us:7.2f} µs/call")
    print(f"{'counter inc (bound child)':<36} {inc:7.2f} µs")
    print(f"{'count_token (labels() + inc)':<36} {labelled:7.2f} µs")
    print(f"middleware total over bare: {rows[2][1] - rows[0][1]:.2f} µs per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
