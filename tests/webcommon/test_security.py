"""The NUL-byte rule shared by both apps, on parsed JSON documents."""

import pytest

from webcommon.security import json_has_nul


@pytest.mark.parametrize(
    "document,has",
    [
        ({"names": "PEREZ ANA"}, False),
        ({"names": "PEREZ\x00ANA"}, True),
        ({"a\x00": 1}, True),  # keys too
        ({"roles": ["A", {"deep": ["ok", "x\x00"]}]}, True),
        ([1, 2.5, None, True, "fine"], False),
        ("\x00", True),
        (None, False),  # not JSON at all: the view answers that
    ],
)
def test_json_has_nul(document, has):
    assert json_has_nul(document) is has
