"""Issue 14, item 1: a SOL login and a contingency link are admitted by one service
(``vuce_client.services.entry.admit``), so a change to the entry context reaches both paths."""

from __future__ import annotations

import dataclasses
import re

from tests.contingency.helpers import RUC
from tests.support.agent import Agent
from tests.vuce_client.conftest import audit_events, sol_login
from vuce_client.domain import messages
from vuce_client.domain.identity import AccountStatus
from vuce_client.services import entry

OP = "VUCE.USUARIO.OPERACION"
LINK_RE = re.compile(r"http://\S+/contingencia/enlace/\S+")


def _link_login(vuce, sink, usuario, email):
    """Request a contingency link for ``usuario``, open it and press its button."""
    agent = Agent()
    page = agent.get(f"{vuce.url}/contingencia?tipo=sol")
    agent.submit(page, {"usuario": usuario, "ruc": RUC, "g-recaptcha-response": "PASSED"})
    assert vuce.send_mail()["sent"] == 1
    [msg] = sink.wait_for(1, to=email, timeout=10)
    page = agent.get(LINK_RE.search(msg.body).group(0))
    assert 'id="link-open"' in page.text, page.text[:300]
    return agent.submit(page)


def test_a_change_to_the_entry_context_reaches_both_paths(idp, cvuce, smtp_sink, monkeypatch):
    vuce = cvuce
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO8", roles=(OP,))
    vuce.import_account(sol_username="OPERADO8", email="olga@example.pe")
    # Both paths admit this user as it stands (an active operator of an imported account) ...
    assert sol_login(Agent(), vuce, "MR", RUC, "OPERADO8").url == f"{vuce.url}/mr/"
    assert vuce.api("PUT", {"active": True}).json()["active"]
    home = _link_login(vuce, smtp_sink, "OPERADO8", "olga@example.pe")
    assert home.status_code == 200 and 'id="auth-method"' in home.text
    assert vuce.api("PUT", {"active": False}).json()["active"] is False

    # ... then one change to the context, made where the context is built, and both refuse.
    built = []
    original = entry.entry_context

    def suspended(identity, account):
        built.append(identity.account_key)
        ctx = original(identity, account)
        return dataclasses.replace(ctx, account_status=AccountStatus.SUSPENDIDO)

    monkeypatch.setattr(entry, "entry_context", suspended)
    by_sol = sol_login(Agent(), vuce, "MR", RUC, "OPERADO8")
    assert by_sol.status_code == 403 and messages.MESSAGE_5.text in by_sol.text
    assert vuce.api("PUT", {"active": True}).json()["active"]
    smtp_sink.clear()
    by_link = _link_login(vuce, smtp_sink, "OPERADO8", "olga@example.pe")
    assert by_link.status_code == 403 and messages.MESSAGE_5.text in by_link.text

    assert built == [f"sol:{RUC}:OPERADO8"] * 2
    denied = audit_events(vuce.app, "ENTRY_DENIED")
    assert [(row.reason, row.detail.get("auth_method")) for row in denied] == [
        ("NOT_ACTIVE_SUSPENDED", None),
        ("NOT_ACTIVE_SUSPENDED", "CONTINGENCIA"),
    ]
