"""REST API /api/v1: every rule of §3/§5 and every wrong input answers JSON with its code."""

import pytest

from tests.support.sol_api import Api, bulk_users, client_credentials_token, principal_token

RUC = "20123456786"
OTHER_RUC = "20600000013"
VUCE = "ADUANAS.VUCE"
OPERACION = "VUCE.USUARIO.OPERACION"


def user_body(username="OPERADO1", **extra):
    body = {
        "username": username,
        "password": "Clave123",
        "document_type": "DNI",
        "document_number": "45678901",
        "profiles": [VUCE],
        "roles": [OPERACION],
    }
    body.update(extra)
    return body


def taxpayer_body(ruc=RUC, **extra):
    body = {
        "ruc": ruc,
        "company_name": "IMPORTADORA ANDINA S.A.C.",
        "address": "Av. Lima 123",
        "phones": "01-2071510",
        "email": "contacto@andina.pe",
        "fax": "01-7134646",
        "is_customs_agent": True,
        "principal": {"username": "PRINCIPA", "password": "Clave123"},
    }
    body.update(extra)
    return body


@pytest.fixture
def admin(idp):
    return Api(idp.url, idp.admin_token)


@pytest.fixture
def company(idp, admin):
    assert admin.post("/taxpayers", taxpayer_body()).status_code == 201
    return RUC


def assert_error(resp, status, code):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["error"] == code, body
    assert body["message"]
    return body


# --- taxpayers and padrón ----------------------------------------------------------------------


def test_create_taxpayer_and_padron_lookup(admin, company):
    body = admin.get(f"/taxpayers/{RUC}").json()
    assert body["company_name"] == "IMPORTADORA ANDINA S.A.C."
    assert body["address"] == "Av. Lima 123"
    assert body["phones"] == "01-2071510"
    assert body["email"] == "contacto@andina.pe"
    assert body["fax"] == "01-7134646"
    assert body["is_customs_agent"] is True
    assert body["tipo_persona"] == "JURIDICA"


@pytest.mark.parametrize(
    "ruc,reason",
    [
        ("2012345678", "format"),
        ("2012345678X", "format"),
        ("20512333798", "check_digit"),
        ("11292005483", "prefix"),
    ],
)
def test_malformed_ruc_is_422(admin, ruc, reason):
    assert_error(admin.post("/taxpayers", taxpayer_body(ruc)), 422, "INVALID_RUC")
    assert_error(admin.get(f"/taxpayers/{ruc}"), 422, "INVALID_RUC")
    assert_error(admin.get(f"/taxpayers/{ruc}/users"), 422, "INVALID_RUC")


def test_duplicate_taxpayer_is_409(admin, company):
    assert_error(admin.post("/taxpayers", taxpayer_body()), 409, "ALREADY_EXISTS")


def test_unknown_taxpayer_is_404(admin):
    assert_error(admin.get(f"/taxpayers/{OTHER_RUC}"), 404, "TAXPAYER_NOT_FOUND")
    assert_error(
        admin.post(f"/taxpayers/{OTHER_RUC}/users", user_body()), 404, "TAXPAYER_NOT_FOUND"
    )


def test_taxpayer_body_checks(admin):
    assert_error(admin.post("/taxpayers", taxpayer_body(extra="x")), 422, "UNKNOWN_FIELDS")
    body = taxpayer_body()
    body["principal"]["role"] = "x"
    assert_error(admin.post("/taxpayers", body), 422, "UNKNOWN_FIELDS")
    body = taxpayer_body()
    del body["principal"]
    assert_error(admin.post("/taxpayers", body), 422, "FIELD_REQUIRED")
    assert_error(
        admin.post("/taxpayers", taxpayer_body(is_customs_agent="yes")), 422, "INVALID_FIELD"
    )
    assert_error(
        admin.post("/taxpayers", taxpayer_body(email="no-es-correo")), 422, "INVALID_EMAIL"
    )
    body = taxpayer_body()
    body["principal"]["password"] = "sinnumero"
    assert_error(admin.post("/taxpayers", body), 422, "INVALID_PASSWORD")


@pytest.mark.parametrize("raw", [b"{", b"[1, 2]", b"\xff\xfe", b"", b"null"])
def test_malformed_json_is_400(admin, company, raw):
    resp = admin.call(
        "POST", f"/taxpayers/{RUC}/users", data=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(resp, 400, "INVALID_JSON")


# --- authentication and authorization ----------------------------------------------------------


def test_missing_or_wrong_bearer_is_401(idp, company):
    api = Api(idp.url, None)
    resp = api.get(f"/taxpayers/{RUC}")
    assert_error(resp, 401, "UNAUTHORIZED")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(Api(idp.url, "not-a-token").get(f"/taxpayers/{RUC}"), 401, "UNAUTHORIZED")
    assert_error(
        api.get(f"/taxpayers/{RUC}", headers={"Authorization": "Basic eDp5"}), 401, "UNAUTHORIZED"
    )


def test_principal_token_manages_only_its_own_ruc(idp, admin, company):
    admin.post("/taxpayers", taxpayer_body(OTHER_RUC))
    admin.post(f"/taxpayers/{OTHER_RUC}/users", user_body("AJENO001"))
    api = Api(idp.url, principal_token(idp, RUC))
    resp = api.post(f"/taxpayers/{RUC}/users", user_body())
    assert resp.status_code == 201, resp.text
    assert api.get(f"/taxpayers/{RUC}").json()["ruc"] == RUC
    assert api.get(f"/taxpayers/{RUC}/users").json()["total"] == 1
    # Another RUC answers exactly like an unknown one.
    for resp in (
        api.get(f"/taxpayers/{OTHER_RUC}"),
        api.get(f"/taxpayers/{OTHER_RUC}/users"),
        api.get(f"/taxpayers/{OTHER_RUC}/users/AJENO001"),
        api.post(f"/taxpayers/{OTHER_RUC}/users", user_body("NUEVO001")),
        api.put(f"/taxpayers/{OTHER_RUC}/users/AJENO001/roles", {"roles": []}),
        api.put(f"/taxpayers/{OTHER_RUC}/users/AJENO001/profiles", {"profiles": []}),
        api.post(f"/taxpayers/{OTHER_RUC}/users/AJENO001/status", {"action": "delete"}),
    ):
        assert_error(resp, 404, "TAXPAYER_NOT_FOUND")
    assert admin.get(f"/taxpayers/{OTHER_RUC}/users/AJENO001").json()["status"] == "ACTIVO"
    # Admin-only endpoints stay closed to a principal.
    assert_error(api.post("/taxpayers", taxpayer_body("20500000008")), 403, "FORBIDDEN")
    assert_error(
        api.post(
            "/extranet-users",
            {"username": "EXT001", "password": "Clave123", "names": "X", "entity": "DIGESA"},
        ),
        403,
        "FORBIDDEN",
    )
    body = assert_error(
        api.post("/itp/laboratories", {"ruc": RUC, "name": "LAB"}), 403, "FORBIDDEN"
    )
    assert "IDP_ADMIN_TOKEN" in body["message"]


def test_principal_token_without_sol_admin_scope_is_403(idp, company):
    api = Api(idp.url, principal_token(idp, RUC, scope="openid sol"))
    resp = api.get(f"/taxpayers/{RUC}/users")
    body = assert_error(resp, 403, "FORBIDDEN")
    # the refusal names the missing scope, in the body and in RFC 6750's header
    assert "Falta el scope sol:admin" in body["message"] and "--scope" in body["message"]
    assert 'error="insufficient_scope"' in resp.headers["WWW-Authenticate"]
    assert 'scope="sol:admin"' in resp.headers["WWW-Authenticate"]


def test_secondary_user_token_cannot_administer(idp, admin, company):
    admin.post(f"/taxpayers/{RUC}/users", user_body())
    api = Api(idp.url, principal_token(idp, RUC, username="OPERADO1"))
    assert_error(api.get(f"/taxpayers/{RUC}/users"), 403, "FORBIDDEN")
    assert_error(api.post(f"/taxpayers/{RUC}/users", user_body("OTRO0001")), 403, "FORBIDDEN")


def test_padron_via_client_credentials_scope_padron(idp, admin, company):
    admin.post("/itp/laboratories", {"ruc": RUC, "name": "LABORATORIO ANDINO"})
    api = Api(idp.url, client_credentials_token(idp))
    body = api.get(f"/taxpayers/{RUC}").json()
    assert body["company_name"] == "IMPORTADORA ANDINA S.A.C."
    assert body["is_customs_agent"] is True
    assert api.get(f"/itp/laboratories/{RUC}").json()["name"] == "LABORATORIO ANDINO"
    assert_error(api.get(f"/itp/laboratories/{OTHER_RUC}"), 404, "LABORATORY_NOT_FOUND")
    # The padrón scope reads; it does not administer.
    assert_error(api.get(f"/taxpayers/{RUC}/users"), 403, "FORBIDDEN")
    assert_error(api.post(f"/taxpayers/{RUC}/users", user_body()), 403, "FORBIDDEN")


def test_client_credentials_token_without_padron_scope_is_403(idp, company):
    from idp.services import tokens
    from idp.storage import db

    # A client token carrying another scope (inserted directly: no other scope is offered).
    with idp.app.app_context():
        tokens.save(
            {"access_token": "otro-token-123", "scope": "openid", "expires_in": 600},
            client_id="x",
            account=None,
            family="f",
        )
        db.session.commit()
    resp = Api(idp.url, "otro-token-123").get(f"/taxpayers/{RUC}")
    assert "Falta el scope padron" in assert_error(resp, 403, "FORBIDDEN")["message"]
    assert 'scope="padron"' in resp.headers["WWW-Authenticate"]


# --- secondary users -----------------------------------------------------------------------


def test_create_get_and_list_user(admin, company):
    resp = admin.post(f"/taxpayers/{RUC}/users", user_body("operado1", email="Ana@Andina.PE"))
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["username"] == "OPERADO1"
    assert body["status"] == "ACTIVO"
    assert body["profiles"] == [VUCE]
    assert body["roles"] == [OPERACION]
    assert body["must_change_password"] is True
    assert body["email"] == "Ana@andina.pe"
    assert body["message"] == (
        "El usuario secundario y sus perfiles han sido registrados satisfactoriamente."
    )
    assert resp.headers["Location"].endswith(f"/api/v1/taxpayers/{RUC}/users/OPERADO1")
    got = admin.get(f"/taxpayers/{RUC}/users/operado1").json()
    assert got["available_actions"] == ["suspend", "delete"]
    assert "password" not in got and "password_hash" not in got
    assert admin.get(f"/taxpayers/{RUC}/users").json()["items"][0]["username"] == "OPERADO1"
    assert_error(admin.get(f"/taxpayers/{RUC}/users/NOEXISTE"), 404, "USER_NOT_FOUND")


@pytest.mark.parametrize(
    "extra,code",
    [
        ({"username": "CORTO"}, "INVALID_USERNAME"),
        ({"username": "CON-GUION"}, "INVALID_USERNAME"),
        ({"password": "soloLetras"}, "INVALID_PASSWORD"),
        ({"password": "abc1"}, "INVALID_PASSWORD"),
        ({"password": "Clave123456789"}, "INVALID_PASSWORD"),
        ({"document_type": "RUC"}, "INVALID_DOCUMENT_TYPE"),
        ({"document_number": "1234567"}, "INVALID_DOCUMENT"),
        ({"document_type": "CE", "document_number": "001234567"}, "NAMES_REQUIRED"),
        (
            {"document_type": "PASAPORTE", "document_number": "AB123456", "names": "  "},
            "NAMES_REQUIRED",
        ),
        ({"email": "sin-arroba"}, "INVALID_EMAIL"),
        ({"profiles": ["ADUANAS.INEXISTENTE"]}, "UNKNOWN_PROFILE"),
        ({"roles": ["VUCE.USUARIO.ADMIN"]}, "UNKNOWN_ROLE"),
        ({"profiles": "ADUANAS.VUCE"}, "INVALID_FIELD"),
        ({"roles": [1]}, "INVALID_FIELD"),
        ({"names": 5}, "INVALID_FIELD"),
        ({"status": "ACTIVO"}, "UNKNOWN_FIELDS"),
    ],
)
def test_create_user_rejects_bad_fields(admin, company, extra, code):
    assert_error(admin.post(f"/taxpayers/{RUC}/users", user_body(**extra)), 422, code)


def test_create_user_missing_field_is_422(admin, company):
    body = user_body()
    del body["document_number"]
    assert_error(admin.post(f"/taxpayers/{RUC}/users", body), 422, "FIELD_REQUIRED")


def test_names_optional_for_dni_required_otherwise(admin, company):
    assert admin.post(f"/taxpayers/{RUC}/users", user_body("DNISOLO1")).status_code == 201
    resp = admin.post(
        f"/taxpayers/{RUC}/users",
        user_body("EXTRANJ1", document_type="CE", document_number="001234567", names="Pérez Ana"),
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["names"] == "Pérez Ana"


def test_username_is_never_reused_even_after_deletion(admin, company):
    admin.post(f"/taxpayers/{RUC}/users", user_body())
    assert_error(
        admin.post(f"/taxpayers/{RUC}/users", user_body("operado1")), 409, "USERNAME_TAKEN"
    )
    admin.post(f"/taxpayers/{RUC}/users/OPERADO1/status", {"action": "delete"})
    assert_error(admin.post(f"/taxpayers/{RUC}/users", user_body()), 409, "USERNAME_TAKEN")


def test_the_1001st_user_is_refused_and_deleted_users_do_not_count(idp, admin, company):
    bulk_users(idp, RUC, 1000)
    assert admin.get(f"/taxpayers/{RUC}/users?per_page=1").json()["total"] == 1000
    assert_error(
        admin.post(f"/taxpayers/{RUC}/users", user_body("EXTRA001")), 409, "USER_LIMIT_REACHED"
    )
    # Q6: ELIMINADO users free a place; SUSPENDIDO ones do not.
    admin.post(f"/taxpayers/{RUC}/users/U0000001/status", {"action": "suspend"})
    assert_error(
        admin.post(f"/taxpayers/{RUC}/users", user_body("EXTRA001")), 409, "USER_LIMIT_REACHED"
    )
    assert (
        admin.post(f"/taxpayers/{RUC}/users/U0000002/status", {"action": "delete"}).status_code
        == 200
    )
    assert admin.post(f"/taxpayers/{RUC}/users", user_body("EXTRA001")).status_code == 201
    assert_error(
        admin.post(f"/taxpayers/{RUC}/users", user_body("EXTRA002")), 409, "USER_LIMIT_REACHED"
    )


def test_listing_paginates_and_searches(idp, admin, company):
    bulk_users(idp, RUC, 120)
    page = admin.get(f"/taxpayers/{RUC}/users?page=3&per_page=50").json()
    assert (page["total"], page["pages"], page["page"], len(page["items"])) == (120, 3, 3, 20)
    assert page["items"][0]["username"] == "U0000100"
    found = admin.get(f"/taxpayers/{RUC}/users?q=u000011").json()
    assert [i["username"] for i in found["items"]] == [f"U000011{i}" for i in range(10)]
    assert admin.get(f"/taxpayers/{RUC}/users?q=%25").json()["total"] == 0  # literal %
    admin.post(f"/taxpayers/{RUC}/users/U0000005/status", {"action": "suspend"})
    assert admin.get(f"/taxpayers/{RUC}/users?status=SUSPENDIDO").json()["total"] == 1
    assert_error(admin.get(f"/taxpayers/{RUC}/users?page=0"), 422, "INVALID_FIELD")
    assert_error(admin.get(f"/taxpayers/{RUC}/users?per_page=999"), 422, "INVALID_FIELD")
    assert_error(admin.get(f"/taxpayers/{RUC}/users?status=BORRADO"), 422, "INVALID_FIELD")


# --- profiles, roles, status ---------------------------------------------------------------


def test_profiles_replace_and_roles_without_combination_checks(admin, company):
    admin.post(f"/taxpayers/{RUC}/users", user_body())
    resp = admin.put(
        f"/taxpayers/{RUC}/users/OPERADO1/profiles", {"profiles": [VUCE, "OCE.DRAWBACK_WEB"]}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["profiles"] == [VUCE, "OCE.DRAWBACK_WEB"]
    # Delay 0 in tests: the plain confirmation, without "aproximadamente una hora".
    assert "una hora" not in resp.json()["message"]
    # §5.4: SOL accepts AGENTE_ADUANA + LABORATORIO together; VUCE refuses them at entry.
    roles = ["VUCE.USUARIO.AGENTE_ADUANA", "VUCE.USUARIO.LABORATORIO"]
    resp = admin.put(f"/taxpayers/{RUC}/users/OPERADO1/roles", {"roles": roles})
    assert resp.status_code == 200, resp.text
    assert resp.json()["roles"] == roles
    assert resp.json()["message"] == "Se ha asignado los roles correctamente al usuario"
    assert admin.put(f"/taxpayers/{RUC}/users/OPERADO1/roles", {"roles": []}).json()["roles"] == []
    assert_error(
        admin.put(f"/taxpayers/{RUC}/users/OPERADO1/roles", {"roles": ["X"]}), 422, "UNKNOWN_ROLE"
    )
    assert_error(admin.put(f"/taxpayers/{RUC}/users/OPERADO1/roles", {}), 422, "FIELD_REQUIRED")
    assert_error(
        admin.put(f"/taxpayers/{RUC}/users/OPERADO1/profiles", {"profiles": [], "roles": []}),
        422,
        "UNKNOWN_FIELDS",
    )


def test_profile_delay_keeps_previous_set_until_it_elapses(idp, admin, company):
    admin.post(f"/taxpayers/{RUC}/users", user_body())
    idp.app.config["PROFILE_DELAY_SECONDS"] = 3600
    try:
        resp = admin.put(
            f"/taxpayers/{RUC}/users/OPERADO1/profiles", {"profiles": ["OCE.DRAWBACK_WEB"]}
        )
    finally:
        idp.app.config["PROFILE_DELAY_SECONDS"] = 0
    body = resp.json()
    assert body["message"].endswith("Usted Podrá utilizarlos en aproximadamente una hora")
    assert body["profiles"] == [VUCE]
    assert body["scheduled_profiles"] == ["OCE.DRAWBACK_WEB"]
    assert body["profiles_effective_at"] is not None


def test_state_machine_through_the_api(admin, company):
    admin.post(f"/taxpayers/{RUC}/users", user_body())
    path = f"/taxpayers/{RUC}/users/OPERADO1"
    assert_error(
        admin.post(path + "/status", {"action": "reactivate"}), 409, "INVALID_STATUS_TRANSITION"
    )
    resp = admin.post(path + "/status", {"action": "suspend"})
    assert resp.json()["status"] == "SUSPENDIDO"
    assert resp.json()["message"] == "Modificación de Estado(s) realizado(s) satisfactoriamente"
    assert resp.json()["available_actions"] == ["reactivate", "delete"]
    assert_error(
        admin.post(path + "/status", {"action": "suspend"}), 409, "INVALID_STATUS_TRANSITION"
    )
    # Profiles and roles only while ACTIVO.
    assert_error(admin.put(path + "/profiles", {"profiles": [VUCE]}), 409, "PROFILES_NOT_EDITABLE")
    assert_error(admin.put(path + "/roles", {"roles": [OPERACION]}), 409, "ROLES_NOT_EDITABLE")
    assert admin.post(path + "/status", {"action": "reactivate"}).json()["status"] == "ACTIVO"
    assert admin.post(path + "/status", {"action": "delete"}).json()["status"] == "ELIMINADO"
    for action in ("suspend", "reactivate", "delete"):
        assert_error(admin.post(path + "/status", {"action": action}), 409, "USER_DELETED")
    assert_error(admin.put(path + "/profiles", {"profiles": [VUCE]}), 409, "USER_DELETED")
    assert_error(admin.put(path + "/roles", {"roles": []}), 409, "USER_DELETED")
    deleted = admin.get(path).json()
    assert deleted["status"] == "ELIMINADO"
    assert deleted["available_actions"] == []
    assert admin.get(f"/taxpayers/{RUC}/users").json()["total"] == 1  # still listed


def test_suspended_user_can_be_deleted(admin, company):
    admin.post(f"/taxpayers/{RUC}/users", user_body())
    path = f"/taxpayers/{RUC}/users/OPERADO1/status"
    admin.post(path, {"action": "suspend"})
    assert admin.post(path, {"action": "delete"}).json()["status"] == "ELIMINADO"


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"action": "archive"}, 422, "INVALID_STATUS_ACTION"),
        ({"action": 3}, 422, "INVALID_FIELD"),
        ({}, 422, "FIELD_REQUIRED"),
        ({"action": "suspend", "reason": "x"}, 422, "UNKNOWN_FIELDS"),
    ],
)
def test_status_body_checks(admin, company, body, status, code):
    admin.post(f"/taxpayers/{RUC}/users", user_body())
    assert_error(admin.post(f"/taxpayers/{RUC}/users/OPERADO1/status", body), status, code)


# --- Extranet and ITP --------------------------------------------------------------------------


def test_extranet_users(admin):
    body = {
        "username": "ext0042",
        "password": "Clave123",
        "names": "Rosa Quispe",
        "entity": "DIGESA",
        "email": "rquispe@digesa.gob.pe",
    }
    resp = admin.post("/extranet-users", body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["username"] == "EXT0042"
    assert_error(admin.post("/extranet-users", body), 409, "ALREADY_EXISTS")
    assert_error(
        admin.post("/extranet-users", dict(body, username="USR0042")),
        422,
        "INVALID_EXTRANET_USERNAME",
    )
    assert_error(admin.post("/extranet-users", dict(body, area="x")), 422, "UNKNOWN_FIELDS")


def test_itp_laboratories(admin):
    resp = admin.post("/itp/laboratories", {"ruc": "20500000008", "name": "LAB DEL MAR"})
    assert resp.status_code == 201, resp.text
    assert admin.get("/itp/laboratories/20500000008").json()["name"] == "LAB DEL MAR"
    assert_error(
        admin.post("/itp/laboratories", {"ruc": "20500000008", "name": "X"}), 409, "ALREADY_EXISTS"
    )
    assert_error(
        admin.post("/itp/laboratories", {"ruc": "20500000009", "name": "X"}), 422, "INVALID_RUC"
    )
    assert_error(admin.get("/itp/laboratories/20600000013"), 404, "LABORATORY_NOT_FOUND")


def test_unknown_api_path_and_method_are_json(admin):
    assert admin.get("/nada").status_code == 404
    assert admin.get("/nada").json()["error"] == "not_found"
    resp = admin.call("DELETE", "/taxpayers")
    assert resp.status_code == 405
    assert resp.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", f"/taxpayers/{RUC}/users/%C4%B1%C4%B1%C4%B1%C4%B1%C4%B1%C4%B1%C4%B1%C4%B1", None),
        ("GET", "/taxpayers/%F0%9F%98%80/users", None),
        ("GET", f"/taxpayers/{RUC}/users?page=99999999999999999999", None),
        ("GET", f"/taxpayers/{RUC}/users?q=" + "x" * 5000, None),
        (
            "POST",
            f"/taxpayers/{RUC}/users",
            {"username": {"a": 1}, "password": ["x"], "document_type": None, "document_number": 1},
        ),
        ("POST", f"/taxpayers/{RUC}/users", {**user_body(), "document_number": "9" * 500}),
        (
            "POST",
            f"/taxpayers/{RUC}/users",
            {**user_body(), "names": "x" * 5000, "document_type": "CE"},
        ),
        ("PUT", f"/taxpayers/{RUC}/users/OPERADO1/profiles", {"profiles": ["x" * 10000]}),
        ("POST", f"/taxpayers/{RUC}/users/OPERADO1/status", {"action": "Eliminar" * 100}),
        ("POST", "/taxpayers", {**taxpayer_body(), "company_name": "x" * 1000}),
        ("POST", "/itp/laboratories", {"ruc": 20500000008, "name": "x"}),
    ],
)
def test_odd_input_never_causes_a_500(admin, company, method, path, body):
    admin.post(f"/taxpayers/{RUC}/users", user_body())
    resp = admin.call(method, path, json=body)
    assert resp.status_code < 500, resp.text
    assert "error" in resp.json() or resp.status_code == 200
