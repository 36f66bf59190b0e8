"""Both apps answer /favicon.ico and link it from their pages (no 404 per browser visit)."""

import struct

import pytest

from tests.support.databases import embedded_app


@pytest.mark.parametrize(("name", "page"), [("idp", "/sol"), ("vuce", "/login")])
def test_favicon_is_served_and_linked(tmp_path, name, page):
    client = embedded_app(name, tmp_path).test_client()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    reserved, kind, count = struct.unpack("<HHH", icon.data[:6])
    assert (reserved, kind, count) == (0, 1, 1)  # an ICO file with one image
    assert icon.data[22:30] == b"\x89PNG\r\n\x1a\n"
    assert "max-age=86400" in icon.headers["Cache-Control"]
    html = client.get(page, follow_redirects=True).get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico">' in html


def test_the_two_apps_have_different_icons():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sol = (root / "idp/static/favicon.ico").read_bytes()
    vuce = (root / "vuce_client/static/favicon.ico").read_bytes()
    assert sol != vuce
