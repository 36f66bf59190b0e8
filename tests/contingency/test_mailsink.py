"""The development SMTP sink and its web inbox (real aiosmtpd, real SMTP)."""

import smtplib
from email.message import EmailMessage

import pytest
import requests

from launcher.mailsink import MailSink
from tests.support.live import free_port


@pytest.fixture
def sink(tmp_path):
    s = MailSink(port=free_port(), folder=tmp_path / "mail").start()
    inbox = s.serve_inbox(port=0)
    s.inbox = inbox
    yield s
    inbox.stop()
    s.stop()


def _send(sink, to="ana@example.pe", subject="Acceso a la VUCE", body="Hola"):
    msg = EmailMessage()
    msg["From"] = "VUCE <notificaciones@vuce.gob.pe>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
        smtp.send_message(msg)


def test_receives_and_lists_messages(sink, tmp_path):
    _send(sink, body="Ingrese aquí: http://127.0.0.1:5001/contingencia/enlace/abc.def?x=1 ya")
    [m] = sink.wait_for(1)
    assert m.subject == "Acceso a la VUCE" and m.to == ["ana@example.pe"]
    assert m.links == ["http://127.0.0.1:5001/contingencia/enlace/abc.def?x=1"]
    assert (tmp_path / "mail" / "000001.eml").exists()
    data = requests.get(f"{sink.inbox.url}/messages", timeout=5).json()
    assert data[0]["links"] == m.links and data[0]["subject"] == m.subject
    assert requests.get(f"{sink.inbox.url}/messages?to=otro@example.pe", timeout=5).json() == []
    page = requests.get(f"{sink.inbox.url}/", timeout=5).text
    assert "Acceso a la VUCE" in page
    view = requests.get(f"{sink.inbox.url}/messages/{m.id}/view", timeout=5).text
    assert '<a href="http://127.0.0.1:5001/contingencia/enlace/abc.def?x=1">' in view


def test_bodies_are_escaped_in_the_inbox(sink):
    _send(sink, subject="<b>x</b>", body="<script>alert(1)</script> http://a.example/<x>")
    [m] = sink.wait_for(1)
    view = requests.get(f"{sink.inbox.url}/messages/{m.id}/view", timeout=5).text
    assert "<script>" not in view and "&lt;script&gt;" in view
    assert "<b>x</b>" not in view


def test_delete_and_unicode(sink):
    _send(sink, subject="Revise su correo electrónico", body="Años, niño: ÑANDÚ")
    [m] = sink.wait_for(1)
    assert m.subject == "Revise su correo electrónico" and "ÑANDÚ" in m.body
    assert requests.delete(f"{sink.inbox.url}/messages", timeout=5).json() == {"deleted": 1}
    assert sink.messages() == []
    assert requests.get(f"{sink.inbox.url}/messages/1", timeout=5).status_code == 404


def test_stop_and_restart_on_the_same_port(sink):
    sink.stop()
    with pytest.raises(OSError):
        _send(sink)
    sink.start()
    _send(sink)
    assert len(sink.wait_for(1)) == 1


@pytest.mark.browser
def test_long_links_wrap_in_the_mail_view(sink, chromium_path):
    """A contingency link is one long word: the mail view must wrap it, not scroll sideways."""
    sync_api = pytest.importorskip("playwright.sync_api")
    link = "http://127.0.0.1:5001/contingencia/enlace/" + "a1B2c3D4e5" * 30
    _send(sink, body=f"Ingrese aquí:\n{link}\nEl enlace vence en 10 minutos.")
    [m] = sink.wait_for(1)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 800, "height": 600})
            page.goto(f"{sink.inbox.url}/messages/{m.id}/view")
            anchor = page.locator(f"a[href='{link}']")
            assert anchor.count() == 1
            widths = page.evaluate(
                "() => { const pre = document.querySelector('pre');"
                " return [pre.scrollWidth, pre.clientWidth,"
                " document.documentElement.scrollWidth, window.innerWidth]; }"
            )
            pre_scroll, pre_client, doc_scroll, viewport = widths
            assert pre_scroll <= pre_client, widths
            assert doc_scroll <= viewport, widths
            assert anchor.bounding_box()["height"] > 3 * 16  # the link spans several lines
        finally:
            browser.close()
