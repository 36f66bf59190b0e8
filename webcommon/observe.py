"""The one WSGI middleware in front of each app that every request passes: it gives the
request its id (see ``request_id``), returns it in the response, times the request into a
latency histogram labelled by a fixed set of endpoints, and serves ``/metrics``.

It runs before Flask (and before the IdP's public documents middleware), so discovery and
JWKS answers are timed and carry an id too. Its work per request is a header read, a context
variable, two clock reads, a dict lookup and one histogram observation: no store or SQL call.
"""

import time

from . import metrics, request_id


class RequestObserver:
    """``endpoint_of(path)`` names a request's endpoint (a small fixed set, "other" for the
    rest); ``latency`` is a Histogram labelled by endpoint, or None to time nothing."""

    def __init__(self, wsgi_app, *, endpoint_of=None, latency=None, registry=None, token=None):
        self.wsgi_app = wsgi_app
        self.endpoint_of = endpoint_of
        self.registry = registry
        self.token = token
        self._children: dict = {}
        self._latency = latency

    def _observe(self, endpoint: str, seconds: float) -> None:
        child = self._children.get(endpoint)
        if child is None:  # bounded: endpoint_of returns a fixed set of names
            child = self._children[endpoint] = self._latency.labels(endpoint)
        child.observe(seconds)

    def __call__(self, environ, start_response):
        if self.registry is not None and environ.get("PATH_INFO") == metrics.PATH:
            return metrics.answer(self.registry, environ, start_response, self.token)
        rid = request_id.accept(environ.get(request_id.ENVIRON_KEY))
        environ[request_id.ENVIRON_KEY] = rid
        token = request_id.bind(rid)

        def start(status, headers, exc_info=None):
            headers.append((request_id.HEADER, rid))
            return start_response(status, headers, exc_info)

        started = time.perf_counter()
        try:
            return self.wsgi_app(environ, start)
        finally:
            request_id.unbind(token)
            if self._latency is not None:
                self._observe(
                    self.endpoint_of(environ.get("PATH_INFO", "")), time.perf_counter() - started
                )
