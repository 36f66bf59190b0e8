"""VUCE passes SOL's RP test bench: for every fault of the catalogue, a login to Mercancías
Restringidas ends without a session on a Spanish page with an audited reason naming the failed
check (``key_rotation``: logged in), and the next, normal login works."""

from __future__ import annotations

import pytest

from idp.oidc import faults
from tests.support.agent import Agent

from .conftest import PASSWORD, text_of
from .test_e2e_callback import RUC, _setup_user

# fault -> (HTTP status, VUCE's audited refusal reason, a phrase of the Spanish page)
REFUSED = {
    "id_token_bad_signature": (400, "bad_signature", "No se pudo completar el ingreso"),
    "id_token_alg_none": (400, "unsupported_alg", "No se pudo completar el ingreso"),
    "id_token_unknown_kid": (400, "unknown_key", "No se pudo completar el ingreso"),
    "id_token_wrong_issuer": (400, "wrong_issuer", "No se pudo completar el ingreso"),
    "id_token_wrong_audience": (400, "wrong_audience", "No se pudo completar el ingreso"),
    "id_token_extra_audience": (400, "missing_azp", "No se pudo completar el ingreso"),
    "id_token_expired": (400, "expired", "No se pudo completar el ingreso"),
    "id_token_issued_in_future": (400, "bad_iat", "No se pudo completar el ingreso"),
    "id_token_wrong_nonce": (400, "wrong_nonce", "No se pudo completar el ingreso"),
    "id_token_missing_nonce": (400, "missing_nonce", "No se pudo completar el ingreso"),
    "id_token_bad_at_hash": (400, "wrong_at_hash", "No se pudo completar el ingreso"),
    "id_token_missing_sol_claims": (400, "invalid_claims", "SUNAT no envió los datos"),
    "userinfo_wrong_sub": (400, "userinfo_sub_mismatch", "No se pudo completar el ingreso"),
    "token_error": (400, "token_exchange_failed", "No se pudo completar el ingreso"),
    "token_server_error": (503, "idp_unavailable", "SUNAT no responde en este momento"),
}


def test_every_fault_of_the_catalogue_is_covered():
    assert set(REFUSED) | {"key_rotation"} == set(faults.NAMES)


def _login(agent, vuce):
    page = agent.get(f"{vuce.url}/mr/login")
    if page.url.startswith(vuce.url):  # SSO at SOL: no password asked
        return page
    return agent.submit(page, {"ruc": RUC, "usuario": "OPERADO1", "clave": PASSWORD})


def _logged_in(agent, vuce) -> bool:
    return agent.get(f"{vuce.url}/mr/", stop_prefix=vuce.url + "/mr/login").status_code == 200


def _applied_at_sol(idp) -> list[str]:
    from idp.storage import db
    from idp.storage.audit import AuditEvent

    with idp.app.app_context():
        rows = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "RP_FAULT_APPLIED")
        ).all()
        return [r.after["fault"] for r in rows]


@pytest.mark.parametrize("fault", sorted(REFUSED))
def test_vuce_refuses_the_fault_then_logs_in(idp, vuce, monkeypatch, fault):
    _setup_user(idp, vuce)
    status, reason, phrase = REFUSED[fault]
    jwks_fetches = []
    meta = vuce.core.meta
    real_get_json = meta._get_json
    monkeypatch.setattr(
        meta, "_get_json", lambda url: jwks_fetches.append(url) or real_get_json(url)
    )
    client_id = vuce.core.components["MR"].client_id
    agent = Agent()
    with idp.rp_fault(fault, client_id=client_id):
        page = _login(agent, vuce)
    assert page.status_code == status, page.text[:400]
    assert text_of(page.text, "error-code") == reason, page.text[:600]
    assert phrase in page.text
    assert not _logged_in(agent, vuce)
    refusal = vuce.audit_events("LOGIN_REFUSED")[-1]
    assert refusal.reason == reason and refusal.component == "MR"
    assert _applied_at_sol(idp) == [fault]
    if fault == "id_token_unknown_kid":  # the cached JWKS, then ONE refetch
        assert sum(1 for u in jwks_fetches if u.endswith("/jwks")) <= 2

    page = _login(agent, vuce)
    assert page.url == f"{vuce.url}/mr/", page.text[:400]
    assert _logged_in(agent, vuce)


def test_vuce_accepts_key_rotation_after_refetching_jwks(idp, vuce, monkeypatch):
    _setup_user(idp, vuce)
    meta = vuce.core.meta
    assert _login(Agent(), vuce).url == f"{vuce.url}/mr/"  # JWKS now cached at VUCE
    refetches = []
    real_jwks = meta.jwks
    monkeypatch.setattr(
        meta, "jwks", lambda force=False: refetches.append(force) or real_jwks(force)
    )
    agent = Agent()
    with idp.rp_fault("key_rotation", client_id=vuce.core.components["MR"].client_id):
        page = _login(agent, vuce)
    assert page.url == f"{vuce.url}/mr/", page.text[:400]
    assert _logged_in(agent, vuce)
    assert any(refetches), "VUCE never forced a JWKS refetch for the unknown kid"
    assert _applied_at_sol(idp) == ["key_rotation"]
    assert vuce.audit_events("LOGIN_REFUSED") == []
    second = Agent()
    assert _login(second, vuce).url == f"{vuce.url}/mr/"
