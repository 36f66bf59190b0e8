"""Issue #16, items 6 and 8, against the live IdP (and the live VUCE for NUL bytes): a secondary
user shadowing the principal, and NUL bytes in text fields."""

from __future__ import annotations

import json

import pytest
import requests

from idp.domain import messages
from tests.contingency.helpers import ADMIN
from tests.idp.test_admin_screens import portal_login, submit
from tests.support.sol_api import Api

from .conftest import PASSWORD, RUC

VUCE_PROFILE = "ADUANAS.VUCE"
OPERACION = "VUCE.USUARIO.OPERACION"
TAKEN = messages.ERR_USERNAME_TAKEN.format(username="PRINCIPA")


def _user(username="PRINCIPA", **extra):
    return {
        "username": username,
        "password": PASSWORD,
        "document_type": "DNI",
        "document_number": "45678901",
        "profiles": [VUCE_PROFILE],
        "roles": [OPERACION],
        **extra,
    }


@pytest.fixture
def api(idp):
    idp.create_taxpayer(RUC)  # principal PRINCIPA
    return Api(idp.url, idp.admin_token)


# -- item 6: shadowed principal ---------------------------------------------------------------


def test_rest_api_refuses_a_secondary_user_named_like_the_principal(api, idp):
    for name in ("PRINCIPA", "principa"):
        r = api.post(f"/taxpayers/{RUC}/users", _user(name))
        assert r.status_code == 409, r.text
        assert r.json()["error"] == "USERNAME_TAKEN" and r.json()["message"] == TAKEN
    assert api.get(f"/taxpayers/{RUC}/users").json()["total"] == 0


def test_portal_wizard_refuses_the_principals_usuario(idp):
    idp.create_taxpayer(RUC)
    agent, _ = portal_login(idp)
    form = agent.get(idp.url + "/sol/usuarios/crear")
    page = submit(
        agent,
        form,
        "/sol/usuarios/crear",
        {
            "tipo_documento": "DNI",
            "numero_documento": "45678901",
            "usuario": "principa",
            "clave": PASSWORD,
            "clave_confirmacion": PASSWORD,
        },
    )
    assert TAKEN in page.text.replace("&#39;", "'"), page.text[-1500:]
    assert "/sol/usuarios/crear" in page.url  # stays on step 1


def test_cli_refuses_the_principals_usuario(idp):
    idp.create_taxpayer(RUC)
    result = idp.app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--ruc",
            RUC,
            "--username",
            "PRINCIPA",
            "--password",
            PASSWORD,
            "--document-type",
            "DNI",
            "--document-number",
            "41234567",
        ]
    )
    assert result.exit_code != 0 and "USERNAME_TAKEN" in result.output


# -- item 8: NUL bytes --------------------------------------------------------------------------


def _nul_error(resp):
    assert resp.status_code == 400, resp.text
    return resp.json()


def test_nul_in_json_text_fields_is_refused_with_one_400(api):
    answers = [
        _nul_error(api.post(f"/taxpayers/{RUC}/users", _user("OPERADO1", names="PEREZ\x00ANA"))),
        _nul_error(
            api.post(f"/taxpayers/{RUC}/users", _user("OPERADO1", email="a\x00@example.pe"))
        ),
        _nul_error(api.post(f"/taxpayers/{RUC}/users", dict(_user("OPERADO1"), **{"x\x00": 1}))),
        _nul_error(
            api.post(f"/taxpayers/{RUC}/users", _user("OPERADO1", roles=[OPERACION, "A\x00"]))
        ),
    ]
    assert len({json.dumps(a, sort_keys=True) for a in answers}) == 1  # the same 400
    assert api.get(f"/taxpayers/{RUC}/users").json()["total"] == 0  # nothing stored


def test_nul_in_a_form_field_is_refused_with_the_same_400(api, idp):
    ok = api.post(f"/taxpayers/{RUC}/users", _user("OPERADO1"))
    assert ok.status_code == 201, ok.text
    by_json = _nul_error(api.post(f"/taxpayers/{RUC}/users", _user("OPERADO2", names="A\x00")))
    # the same body as a form (urlencoded and multipart): the same refusal, before any view
    for kw in ({"data": {"names": "A\x00"}}, {"files": {"names": (None, "A\x00")}}):
        r = requests.post(
            f"{idp.url}/api/v1/taxpayers/{RUC}/users",
            headers={"Authorization": f"Bearer {idp.admin_token}"},
            timeout=10,
            **kw,
        )
        assert _nul_error(r) == by_json


def test_nul_reaches_no_vuce_text_field(cvuce):
    r = requests.post(
        f"{cvuce.url}/api/v1/accounts",
        json={
            "user_type": "secondary",
            "ruc": RUC,
            "sol_username": "OPERADO1",
            "names": "PEREZ\x00ANA",
        },
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=10,
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]
