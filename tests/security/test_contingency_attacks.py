"""Issue #16, items 1, 3 and 4: what an attacker did with contingency, replayed against the live
IdP and a live VUCE (auto mode, real SMTP sink, real outbox worker)."""

from __future__ import annotations

import re

import requests

from tests.contingency.helpers import RUC
from tests.support.agent import Agent
from tests.vuce_client.conftest import sol_login
from vuce_client.domain import messages

OP = "VUCE.USUARIO.OPERACION"
LINK_RE = re.compile(r"http://\S+/contingencia/enlace/\S+")


def _request_link(agent, vuce, usuario, ruc=RUC):
    page = agent.get(f"{vuce.url}/contingencia?tipo=sol")
    assert page.status_code == 200, page.text
    return agent.submit(page, {"usuario": usuario, "ruc": ruc, "g-recaptcha-response": "PASSED"})


def _mailed_link(vuce, sink, email):
    assert vuce.send_mail()["sent"] == 1
    [msg] = sink.wait_for(1, to=email, timeout=10)
    sink.clear()
    return LINK_RE.search(msg.body).group(0)


def _open(agent, link):
    page = agent.get(link)
    return agent.submit(page) if 'id="link-open"' in page.text else page


def _switch(vuce, active):
    assert vuce.api("PUT", {"active": active}).json()["active"] is active


def _contingency_session(vuce, sink, usuario="OPERADO1", email="ana@example.pe"):
    """An agent holding a session opened by a contingency link (contingency on)."""
    agent = Agent()
    assert _request_link(agent, vuce, usuario).status_code == 200
    home = _open(agent, _mailed_link(vuce, sink, email))
    assert home.status_code == 200 and 'id="auth-method"' in home.text, home.text[:400]
    return agent


def _file(agent, vuce):
    """POST a trámite with the page's CSRF token; the number filed, or None."""
    home = agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login")
    if home.status_code != 200:
        return None
    filed = agent.submit(home, {"kind": "SUCE", "subject": "Importación"}, form_index=1)
    found = re.search(r"SUCE-[\w-]+", filed.text)
    return found.group(0) if found else None


def _suspend(idp, usuario):
    r = requests.post(
        f"{idp.url}/api/v1/taxpayers/{RUC}/users/{usuario}/status",
        json={"action": "suspend"},
        timeout=10,
        headers={"Authorization": f"Bearer {idp.admin_token}"},
    )
    assert r.status_code == 200, r.text


def _sent_to_sol_login(agent, vuce, idp):
    """The component sends the browser to its login, and that login is SOL's (the IdP)."""
    page = agent.get(f"{vuce.url}/mr/", stop_prefix=idp.url)
    return getattr(page, "location", "").startswith(f"{idp.url}/")


# -- item 1 ------------------------------------------------------------------------------------


def test_contingency_session_ends_when_contingency_is_switched_off(idp, cvuce, smtp_sink):
    """The reproduction: on, link, off, suspend; /mr/ stayed 200 and trámites could be filed."""
    vuce = cvuce
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1", roles=(OP,))
    vuce.import_account(sol_username="OPERADO1", email="ana@example.pe")
    _switch(vuce, True)
    agent = _contingency_session(vuce, smtp_sink)
    assert _file(agent, vuce)  # a live contingency session files
    _switch(vuce, False)
    _suspend(idp, "OPERADO1")
    assert _sent_to_sol_login(agent, vuce, idp)
    assert _file(agent, vuce) is None
    assert _session_keys(vuce.store) == []  # ended, not merely hidden


def test_contingency_session_does_not_come_back_with_the_next_episode(idp, cvuce, smtp_sink):
    vuce = cvuce
    vuce.import_account(sol_username="OPERADO2", email="bea@example.pe")
    _switch(vuce, True)
    agent = _contingency_session(vuce, smtp_sink, "OPERADO2", "bea@example.pe")
    _switch(vuce, False)
    _switch(vuce, True)  # a new episode before the session was used again
    page = agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login")
    assert page.status_code == 302  # no session: back to the login (now the forms)
    assert _file(agent, vuce) is None


def test_back_channel_logout_ends_every_session_of_the_account(idp, cvuce, smtp_sink):
    """A SOL session (browser 1) and a contingency session (browser 2) of one account: the
    suspension's logout token (sid + sub) ended only the first; it must end both."""
    vuce = cvuce
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO3", roles=(OP,))
    vuce.import_account(sol_username="OPERADO3", email="cai@example.pe")
    by_sol = Agent()
    page = sol_login(by_sol, vuce, "MR", RUC, "OPERADO3")
    assert page.url == f"{vuce.url}/mr/", page.text[:300]
    _switch(vuce, True)
    by_link = _contingency_session(vuce, smtp_sink, "OPERADO3", "cai@example.pe")
    _suspend(idp, "OPERADO3")
    for agent in (by_sol, by_link):
        page = agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login")
        assert page.status_code == 302
    assert _session_keys(vuce.store) == []


def test_suspension_ends_a_contingency_only_session(idp, cvuce, smtp_sink):
    """No SSO session at SOL knows a session opened by a link (SOL was down), so the
    suspension's logout reaches VUCE as a sub-only token; contingency stays on."""
    vuce = cvuce
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO5", roles=(OP,))
    vuce.import_account(sol_username="OPERADO5", email="eva@example.pe")
    # A known user: logged in with Clave SOL once (VUCE learns the sub), and that SSO session
    # at SOL has since expired.
    assert sol_login(Agent(), vuce, "MR", RUC, "OPERADO5").url == f"{vuce.url}/mr/"
    from idp.services import accounts, sessions

    assert sessions.end_all(idp.store, accounts.secondary_key(RUC, "OPERADO5"))
    _switch(vuce, True)
    agent = _contingency_session(vuce, smtp_sink, "OPERADO5", "eva@example.pe")
    assert _file(agent, vuce)
    _suspend(idp, "OPERADO5")
    page = agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login")
    assert page.status_code == 302
    assert _file(agent, vuce) is None
    assert _session_keys(vuce.store) == []


def test_contingency_session_life_is_bounded(idp, cvuce, smtp_sink):
    vuce = cvuce
    vuce.import_account(sol_username="OPERADO4", email="dan@example.pe")
    _switch(vuce, True)
    _contingency_session(vuce, smtp_sink, "OPERADO4", "dan@example.pe")
    store = vuce.store
    limit = vuce.app.config["CONTINGENCY_SESSION_TTL"]
    assert limit < vuce.app.config["SESSION_TTL"]
    ttls = [store.ttl(k) for k in _session_keys(store)]
    assert ttls and all(0 < t <= limit for t in ttls)


def _session_keys(store):
    """The live VUCE session records in the store (Redis or in-process)."""
    if hasattr(store, "_r"):
        return [k.decode() for k in store._r.scan_iter("vuce:sess:*")]
    return [k for k in list(store._data) if k.startswith("vuce:sess:") and store.get(k)]


# -- item 3 ------------------------------------------------------------------------------------


def test_a_stranger_cannot_use_up_the_victims_link_quota(idp, cvuce, smtp_sink):
    """The per-account limit was keyed on what the attacker types: the victim got 429."""
    vuce = cvuce
    vuce.import_account(sol_username="VICTIMA1", email="vic@example.pe")
    _switch(vuce, True)
    quota = 5  # CONTINGENCY_RATE_ACCOUNT of the fixture: 5 per minute
    answers = []
    for _ in range(quota + 3):  # the attacker, from the same address every time
        r = _request_link(Agent(), vuce, "VICTIMA1")
        answers.append((r.status_code, re.search(r"<main>(.*)</main>", r.text, re.S).group(1)))
    victim = _request_link(Agent(), vuce, "victima1")
    answers.append((victim.status_code, re.search(r"<main>(.*)</main>", victim.text, re.S)[1]))
    assert {code for code, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1  # nothing tells the limit was reached
    assert vuce.send_mail()["sent"] == quota
    assert len(smtp_sink.wait_for(quota, to="vic@example.pe", timeout=10)) == quota


# -- item 4 ------------------------------------------------------------------------------------


def test_links_die_with_their_episode(idp, cvuce, smtp_sink):
    vuce = cvuce
    vuce.import_account(sol_username="OPERADO5", email="eva@example.pe")
    _switch(vuce, True)
    _request_link(Agent(), vuce, "OPERADO5")
    link = _mailed_link(vuce, smtp_sink, "eva@example.pe")
    _switch(vuce, False)
    _switch(vuce, True)  # a later episode does not revive it
    page = _open(Agent(), link)
    assert page.status_code == 410 and messages.CONTINGENCY_LINK_EXPIRED in page.text
    assert 'id="auth-method"' not in page.text


def test_the_per_ip_limit_still_answers_429(idp, cvuce):
    """The account quota no longer blocks; the per-IP limit (VUCE_CONTINGENCY_RATE_IP) does."""
    from vuce_client.web.contingency import limiter

    vuce = cvuce
    _switch(vuce, True)
    cfg = vuce.app.config
    saved = cfg["CONTINGENCY_RATE_IP"]
    cfg["CONTINGENCY_RATE_IP"] = "3 per minute"
    limiter.reset()
    try:
        answers = [_request_link(Agent(), vuce, f"OTRO000{i}") for i in range(4)]
    finally:
        cfg["CONTINGENCY_RATE_IP"] = saved
        limiter.reset()
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].headers["Retry-After"] == "60"  # the window of "3 per minute"
