"""The contingency story end to end: the real IdP (outage simulation), a live VUCE in auto mode,
the real SMTP sink (aiosmtpd) and the real outbox worker pass (``mail.send_pending``)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests

from tests.contingency.helpers import ADMIN, RUC, set_outage, wait_until
from tests.support.agent import Agent

LINK_RE = re.compile(r"http://\S+/contingencia/enlace/\S+")


def _request_link(agent, vuce, usuario, ruc=RUC, captcha="PASSED", kind="sol"):
    page = agent.get(f"{vuce.url}/contingencia?tipo={kind}")
    assert page.status_code == 200, page.text
    data = {"usuario": usuario, "g-recaptcha-response": captcha}
    if kind == "sol":
        data["ruc"] = ruc
    return agent.submit(page, data)


def _open_link(agent, url):
    page = agent.get(url)
    if page.status_code != 200 or 'id="link-open"' not in page.text:
        return page
    return agent.submit(page)


def _links_to(sink, email, count=1):
    msgs = sink.wait_for(count, to=email, timeout=10)
    return [LINK_RE.search(m.body).group(0) for m in msgs]


# -- the whole story ----------------------------------------


def test_idp_down_auto_contingency_link_session_and_back(idp, cvuce, smtp_sink):
    vuce = cvuce
    vuce.import_account(sol_username="OPERADO1", email="ana@example.pe")
    agent = Agent()
    # SOL answers: /login is the normal chooser, the contingency forms redirect to it.
    assert not vuce.api("GET").json()["active"]
    page = agent.get(f"{vuce.url}/contingencia")
    assert page.url.endswith("/login") and "contingency-banner" not in page.text

    # SOL goes down (simulation API) → the probe notices → VUCE switches by itself.
    set_outage(idp, "down")
    wait_until(lambda: vuce.api("GET").json()["active"], what="auto contingency on")
    status = vuce.api("GET").json()
    assert status["mode"] == "auto" and status["breaker"]["active"]

    # /login shows the forms with the manual's banner, verbatim.
    page = agent.get(f"{vuce.url}/login")
    from vuce_client.domain import messages

    for text in (
        messages.CONTINGENCY_BANNER,
        "Ingresa con Clave SOL",
        "Ingrese los 11 dígitos de su RUC",
        "Ingrese su usuario SOL",
        "ENVIAR CORREO ELECTRÓNICO",
        "Ingresar a la Extranet",
        "No soy un robot",
    ):
        assert text in page.text, text
    # A component's SOL login leads to the same forms instead of the (dead) IdP.
    page = agent.get(f"{vuce.url}/origen/login")
    assert "/contingencia" in page.url and messages.CONTINGENCY_BANNER in page.text

    answer = _request_link(agent, vuce, "operado1")
    assert answer.status_code == 200
    assert (
        "Revise su correo electrónico. El enlace enviado perderá validez pasados 10 minutos."
        in answer.text
    )
    assert vuce.send_mail()["sent"] == 1
    [link] = _links_to(smtp_sink, "ana@example.pe")
    assert "/contingencia/enlace/" in link

    home = _open_link(agent, link)
    assert home.status_code == 200
    assert 'id="auth-method"' in home.text and "Ingreso por contingencia" in home.text
    assert "PEREZ GOMEZ ANA" in home.text

    # The same link again: refused ("ya fue utilizado"), from any browser.
    again = _open_link(Agent(), link)
    assert again.status_code == 410 and messages.CONTINGENCY_LINK_USED in again.text

    # Audit: the link issue and use, and a LOGIN marked CONTINGENCIA.
    from vuce_client.storage import AuditEvent, db

    with vuce.app.app_context():
        rows = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
        events = [r.event for r in rows]
        assert "CONTINGENCY_ON" in events and "CONTINGENCY_LINK_ISSUED" in events
        login = next(r for r in rows if r.event == "LOGIN")
        assert login.detail["auth_method"] == "CONTINGENCIA"
        assert login.account_key == f"sol:{RUC}:OPERADO1"

    # SOL comes back → VUCE leaves contingency by itself; the forms send to the normal login.
    set_outage(idp, "none")
    wait_until(lambda: not vuce.api("GET").json()["active"], what="auto contingency off")
    page = Agent().get(f"{vuce.url}/contingencia")
    assert page.url.endswith("/login") and "contingency-banner" not in page.text
    with vuce.app.app_context():
        events = [r.event for r in vuce.state.history()]
    assert events[:2] == ["CONTINGENCY_OFF", "CONTINGENCY_ON"]


# -- links ----------------------------------------


@pytest.fixture
def active(cvuce):
    assert cvuce.api("PUT", {"active": True}).json()["active"]
    return cvuce


def test_expired_link_is_refused(active, smtp_sink):
    vuce = active
    vuce.import_account(sol_username="OPERADO2", email="bea@example.pe")
    clock = [time.time()]
    vuce.state.links.clock = lambda: clock[0]
    _request_link(Agent(), vuce, "OPERADO2")
    vuce.send_mail()
    [link] = _links_to(smtp_sink, "bea@example.pe")
    clock[0] += 600  # the link's whole lifetime
    page = _open_link(Agent(), link)
    from vuce_client.domain import messages

    assert page.status_code == 410 and messages.CONTINGENCY_LINK_EXPIRED in page.text
    assert 'id="link-status">EXPIRED' in page.text


def test_short_ttl_setting_is_honoured(active, smtp_sink):
    vuce = active
    vuce.import_account(sol_username="OPERADO3", email="cai@example.pe")
    clock = [time.time()]
    vuce.state.links.clock = lambda: clock[0]
    old_ttl = vuce.state.links.ttl
    vuce.state.links.ttl = 5
    try:
        _request_link(Agent(), vuce, "OPERADO3")
        vuce.send_mail()
        [link] = _links_to(smtp_sink, "cai@example.pe")
        clock[0] += 4
        assert Agent().get(link).status_code == 200  # still valid (not burned by a GET)
        clock[0] += 1
        assert Agent().get(link).status_code == 410
    finally:
        vuce.state.links.ttl = old_ttl


def test_superseded_link_is_refused(active, smtp_sink):
    vuce = active
    vuce.import_account(sol_username="OPERADO4", email="dan@example.pe")
    agent = Agent()
    _request_link(agent, vuce, "OPERADO4")
    _request_link(agent, vuce, "OPERADO4")
    vuce.send_mail()
    first, second = _links_to(smtp_sink, "dan@example.pe", 2)
    from vuce_client.domain import messages

    page = _open_link(Agent(), first)
    assert page.status_code == 410 and messages.CONTINGENCY_LINK_SUPERSEDED in page.text
    assert 'id="auth-method"' in _open_link(Agent(), second).text


def test_invalid_link_and_link_after_contingency_off(active, smtp_sink):
    vuce = active
    from vuce_client.domain import messages

    page = Agent().get(f"{vuce.url}/contingencia/enlace/not-a-link")
    assert page.status_code == 400 and messages.CONTINGENCY_LINK_INVALID in page.text
    vuce.import_account(sol_username="OPERADO5", email="eva@example.pe")
    _request_link(Agent(), vuce, "OPERADO5")
    vuce.send_mail()
    [link] = _links_to(smtp_sink, "eva@example.pe")
    assert not vuce.api("PUT", {"active": False}).json()["active"]
    page = Agent().get(link)
    assert page.status_code == 409 and messages.CONTINGENCY_OFF in page.text


# -- no enumeration ----------------------------------------


def test_ineligible_users_get_the_same_answer_and_no_email(active, smtp_sink):
    vuce = active
    vuce.import_account(sol_username="SINCORRE", email=None)
    vuce.import_account(
        sol_username="SINCONSE", email="fer@example.pe", notifications_consent=False
    )
    vuce.import_account(sol_username="OPERADO6", email="gil@example.pe")
    answers, timings = {}, {}
    for user in ("NUEVO001", "SINCORRE", "SINCONSE", "OPERADO6"):
        t0 = time.perf_counter()
        r = _request_link(Agent(), vuce, user)
        timings[user] = time.perf_counter() - t0
        assert r.status_code == 200
        body = re.search(r"<main>(.*)</main>", r.text, re.S).group(1)
        answers[user] = body
    assert len(set(answers.values())) == 1  # byte-identical answers
    assert vuce.send_mail()["sent"] == 1
    time.sleep(0.3)
    assert [m.to for m in smtp_sink.messages()] == [["gil@example.pe"]]
    # Flat timing: every answer took at least the configured floor.
    assert min(timings.values()) >= 0.15
    from vuce_client.storage import AuditEvent, db

    with vuce.app.app_context():
        refused = {
            r.account_key.split(":")[-1]: r.reason
            for r in db.session.scalars(
                db.select(AuditEvent).where(AuditEvent.event == "CONTINGENCY_LINK_REFUSED")
            )
        }
    assert refused == {"NUEVO001": "NEW_USER", "SINCORRE": "NO_EMAIL", "SINCONSE": "NO_CONSENT"}


def test_captcha_is_required(active, smtp_sink):
    vuce = active
    vuce.import_account(sol_username="OPERADO7", email="hal@example.pe")
    r = _request_link(Agent(), vuce, "OPERADO7", captcha="wrong")
    assert r.status_code == 400 and "No soy un robot" in r.text
    assert 'id="sol-captcha-error"' in r.text
    r = _request_link(Agent(), vuce, "OPERADO7", ruc="123")
    assert r.status_code == 400 and 'id="sol-ruc-error"' in r.text
    # 11 digits are not enough: the check digit is peru_ids' (20123456786 is the valid one)
    r = _request_link(Agent(), vuce, "OPERADO7", ruc="20123456787")
    assert r.status_code == 400 and 'id="sol-ruc-error"' in r.text
    assert vuce.send_mail()["sent"] == 0


def test_extranet_variant(active, smtp_sink):
    vuce = active
    vuce.import_account(
        user_type="extranet",
        ruc=None,
        sol_username="EXTDIGE1",
        email="ivan@digesa.gob.pe",
        last_roles=[],
        registered_as=None,
    )
    page = Agent().get(f"{vuce.url}/contingencia?tipo=extranet")
    assert 'id="form-extranet"' in page.text and 'id="form-sol"' not in page.text
    assert "Ingresar a la Extranet" in page.text and "Ingrese su usuario SOL" in page.text
    agent = Agent()
    _request_link(agent, vuce, "extdige1", kind="extranet")
    vuce.send_mail()
    [link] = _links_to(smtp_sink, "ivan@digesa.gob.pe")
    home = _open_link(agent, link)
    assert 'id="auth-method"' in home.text


def test_entry_checks_run_on_the_last_known_state(active, smtp_sink):
    vuce = active
    vuce.import_account(sol_username="SUSPENDI", email="jon@example.pe", last_status="SUSPENDIDO")
    _request_link(Agent(), vuce, "SUSPENDI")
    vuce.send_mail()
    [link] = _links_to(smtp_sink, "jon@example.pe")
    page = _open_link(Agent(), link)
    assert page.status_code == 403 and "El Usuario no está activo" in page.text


# -- e-mail never lost ----------------------------------------


def test_smtp_down_then_back_delivers_exactly_once(active, smtp_sink):
    vuce = active
    vuce.import_account(sol_username="OPERADO8", email="kim@example.pe")
    smtp_sink.stop()
    _request_link(Agent(), vuce, "OPERADO8")
    assert vuce.send_mail() == {"sent": 0, "retry": 1, "failed": 0}
    assert vuce.send_mail() == {"sent": 0, "retry": 0, "failed": 0}  # backing off
    smtp_sink.start()
    from vuce_client.storage import utcnow

    later = utcnow() + timedelta(minutes=5)
    assert vuce.send_mail(now=later)["sent"] == 1
    assert vuce.send_mail(now=later + timedelta(hours=1)) == {"sent": 0, "retry": 0, "failed": 0}
    time.sleep(0.3)
    assert len(smtp_sink.messages(to="kim@example.pe")) == 1


@pytest.mark.slow
def test_smtp_down_for_minutes_holds_every_email_and_delivers_each_once(active, smtp_sink):
    """A simulated 10-minute SMTP outage (the worker's ``now``): every pass retries with
    backoff, nothing is marked FAILED, and once the sink is back each e-mail arrives exactly
    once, even with two workers passing at the same time (checked in the sink's JSON API)."""
    import threading

    from vuce_client import mail
    from vuce_client.storage import db, utcnow

    vuce, n = active, 12
    vuce.import_account(sol_username="OPERADO9", email="lia@example.pe")
    smtp_sink.stop()
    _request_link(Agent(), vuce, "OPERADO9")  # one through the real contingency form
    with vuce.app.app_context():
        for i in range(n - 1):
            mail.enqueue(
                f"user{i:02d}@example.pe", f"Aviso {i}", f"Mensaje {i}", kind="notification"
            )
        db.session.commit()
    t0 = utcnow()
    retries = 0
    for second in range(0, 600, 10):  # a pass every 10 s for 10 simulated minutes
        counts = vuce.send_mail(now=t0 + timedelta(seconds=second))
        assert counts["sent"] == 0 and counts["failed"] == 0, (second, counts)
        retries += counts["retry"]
    with vuce.app.app_context():
        rows = db.session.scalars(db.select(mail.OutboxEmail)).all()
        assert len(rows) == n and {r.status for r in rows} == {mail.PENDING}
        attempts = {r.attempts for r in rows}
        next_due = max(r.next_attempt_at for r in rows)
    # Backoff 30, 60, 120, 240 s: tries at 0, 30, 90, 210 and 450 s of the outage.
    assert attempts == {5} and retries == 5 * n

    smtp_sink.start()
    inbox = smtp_sink.serve_inbox(port=0)
    try:
        back = t0 + timedelta(minutes=10)
        assert vuce.send_mail(now=back)["sent"] == 0  # still backing off
        results = []

        def worker():
            results.append(vuce.send_mail(now=next_due))

        workers = [threading.Thread(target=worker) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=30)
        assert sum(r["sent"] for r in results) == n, results
        assert vuce.send_mail(now=next_due + timedelta(hours=2)) == {
            "sent": 0,
            "retry": 0,
            "failed": 0,
        }
        smtp_sink.wait_for(n, timeout=10)
        time.sleep(0.3)
        listed = requests.get(f"{inbox.url}/messages", timeout=5).json()
    finally:
        inbox.stop()
    recipients = [m["to"][0] for m in listed]
    assert len(listed) == n and len(set(recipients)) == n, recipients
    assert "lia@example.pe" in recipients
    print(
        f"\n[smtp down 10 min] {n} e-mails held through {retries} failed tries; all "
        f"delivered once, {(next_due - back).total_seconds():.0f} s (simulated) after SMTP "
        f"returned (next backoff slot)"
    )


# -- operator ----------------------------------------


def test_operator_api_cli_and_page(cvuce, monkeypatch):
    vuce = cvuce
    # without Redis the command goes through the running server's API: this one's port
    monkeypatch.setitem(vuce.app.config, "PORT", urlsplit(vuce.url).port)
    assert requests.get(f"{vuce.url}/api/v1/contingency", timeout=5).status_code == 401
    assert vuce.api("PUT", {"active": "yes"}).status_code == 422
    assert vuce.api("PUT", {"active": True, "x": 1}).status_code == 422
    assert vuce.api("PUT", {"active": True}).json()["manual_active"]
    runner = vuce.app.test_cli_runner()
    result = runner.invoke(args=["contingency", "off"])
    assert result.exit_code == 0 and "INACTIVA" in result.output
    result = runner.invoke(args=["contingency", "on"])
    assert "ACTIVA" in result.output
    agent = Agent()
    page = agent.get(f"{vuce.url}/contingencia/operador")
    assert 'name="token"' in page.text
    bad = agent.submit(page, {"token": "wrong"})
    assert bad.status_code == 401
    page = agent.submit(agent.get(f"{vuce.url}/contingencia/operador"), {"token": ADMIN})
    assert 'id="contingency-state">ACTIVA' in page.text
    assert page.text.count("CONTINGENCY_ON") >= 2
    # with Redis the command switched the shared store itself; without, it used the API
    assert ("cli" if vuce.app.config["REDIS_URL"] else "api") in page.text
    page = agent.submit(page, button={"action": "off"})
    assert 'id="contingency-state">INACTIVA' in page.text
