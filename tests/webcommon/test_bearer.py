"""``webcommon.security``: the one bearer-token check of both apps (admin APIs, metrics)."""

import pytest
from flask import Flask

from webcommon.security import bearer_token, require_bearer, token_matches


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),  # RFC 9110 §11.1: the scheme is case-insensitive
        ("BEARER  abc ", "abc"),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic YWJjOmRlZg==", None),
        ("", None),
        (None, None),
    ],
)
def test_the_header_is_parsed_one_way(header, token):
    assert bearer_token(header) == token


def test_no_configured_token_lets_nobody_in():
    assert not token_matches("", "")
    assert not token_matches(None, None)
    assert not token_matches("x", None)
    assert token_matches("x", "x")


def test_require_bearer_reads_flask_or_a_wsgi_environ():
    assert require_bearer("s3cret", {"HTTP_AUTHORIZATION": "Bearer s3cret"})
    assert not require_bearer("s3cret", {"HTTP_AUTHORIZATION": "Bearer other"})
    assert not require_bearer("s3cret", {})
    app = Flask(__name__)
    with app.test_request_context(headers={"Authorization": "bearer s3cret"}):
        assert require_bearer("s3cret")
        assert not require_bearer("")
