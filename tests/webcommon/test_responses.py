"""Both apps hand the server a buffered body as one bytes object in a list (webcommon.responses),
and leave streamed bodies (static files, generators) as iterators."""

import pytest
from flask import Response
from werkzeug.test import EnvironBuilder

from tests.support.databases import embedded_app
from webcommon.responses import BufferedResponse


def _call(app, path, method="GET"):
    """The app as a WSGI server calls it: the iterable it returns, and the status line."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    body = app(EnvironBuilder(path=path, method=method).get_environ(), start_response)
    return body, seen


@pytest.mark.parametrize(("name", "page"), [("idp", "/sol"), ("vuce", "/login")])
def test_a_page_leaves_as_one_bytes_object(tmp_path, name, page):
    app = embedded_app(name, tmp_path)
    assert app.response_class is BufferedResponse
    body, seen = _call(app, page)
    assert isinstance(body, list) and len(body) == 1 and isinstance(body[0], bytes)
    status = seen["status"]
    assert status[:3] in ("200", "302")  # SOL's entry page redirects to its login form
    assert int(seen["headers"]["Content-Length"]) == len(body[0]) > 0
    head, seen = _call(app, page, "HEAD")
    assert head == [b""] and seen["status"][:3] == status[:3]


@pytest.mark.parametrize("name", ["idp", "vuce"])
def test_a_static_file_still_streams(tmp_path, name):
    body, seen = _call(embedded_app(name, tmp_path), "/favicon.ico")
    assert seen["status"].startswith("200")
    assert not isinstance(body, list)
    data = b"".join(body)
    body.close()
    assert len(data) == int(seen["headers"]["Content-Length"]) > 0


def test_on_close_callbacks_run_and_generators_stream():
    closed = []
    buffered = BufferedResponse("hola")
    buffered.call_on_close(lambda: closed.append("buffered"))
    env = EnvironBuilder(path="/").get_environ()
    assert buffered.get_app_iter(env) == [b"hola"]
    assert closed == ["buffered"]

    streamed = BufferedResponse(x.encode() for x in ("a", "b"))
    streamed.call_on_close(lambda: closed.append("streamed"))
    app_iter = streamed.get_app_iter(env)
    assert not isinstance(app_iter, list)
    assert b"".join(app_iter) == b"ab"
    app_iter.close()
    assert closed == ["buffered", "streamed"]
    assert issubclass(BufferedResponse, Response)
