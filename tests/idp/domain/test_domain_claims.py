"""Claims released per scope (contract.md "Scope sol"; domain.md §9)."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idp.domain import claims
from idp.domain.claims import Identity, build_claims, subject_for

SALT = "test-salt-0123456789"
SOL_KEYS = set(claims.SOL_CLAIMS)


def _secondary(**overrides):
    data = dict(
        sub=subject_for("secondary", "secondary:20123456786:ABCD1234", SALT),
        user_type="secondary",
        ruc="20123456786",
        sol_username="ABCD1234",
        company_name="Importadora Andina S.A.C.",
        document_type="DNI",
        document_number="05414828",
        profiles=("OCE.DRAWBACK_WEB", "ADUANAS.VUCE"),
        roles=("VUCE.USUARIO.SUPERVISOR", "VUCE.USUARIO.OPERACION"),
        account_status="ACTIVO",
        name="Quispe Mamani, Rosa",
        email="rosa@example.pe",
        email_verified=False,
    )
    data.update(overrides)
    return Identity(**data)


def _principal():
    return Identity(
        sub=subject_for("principal", "principal:20123456786", SALT),
        user_type="principal",
        ruc="20123456786",
        sol_username="NOMEMPFE",
        company_name="Importadora Andina S.A.C.",
        name="Importadora Andina S.A.C.",
    )


def _extranet():
    return Identity(
        sub=subject_for("extranet", "extranet:EXT0001", SALT),
        user_type="extranet",
        ruc=None,
        sol_username="EXT0001",
        account_status="SUSPENDIDO",
        name="Evaluadora Uno",
        email="eval@entidad.gob.pe",
    )


def test_contract_names():
    assert claims.SOL_CLAIMS == (
        "user_type",
        "ruc",
        "sol_username",
        "company_name",
        "document_type",
        "document_number",
        "profiles",
        "roles",
        "account_status",
    )
    assert claims.SCOPES_SUPPORTED == (
        "openid",
        "profile",
        "email",
        "sol",
        "offline_access",
        "sol:admin",
        "padron",
    )
    standard = "sub iss aud exp iat auth_time nonce acr amr azp at_hash sid name email"
    for name in standard.split() + ["email_verified", *claims.SOL_CLAIMS]:
        assert name in claims.CLAIMS_SUPPORTED
    assert len(set(claims.CLAIMS_SUPPORTED)) == len(claims.CLAIMS_SUPPORTED)


def test_full_secondary_with_every_scope():
    got = build_claims(_secondary(), ["openid", "profile", "email", "sol"])
    assert got == {
        "sub": _secondary().sub,
        "user_type": "secondary",
        "ruc": "20123456786",
        "sol_username": "ABCD1234",
        "company_name": "Importadora Andina S.A.C.",
        "document_type": "DNI",
        "document_number": "05414828",
        "profiles": ["ADUANAS.VUCE", "OCE.DRAWBACK_WEB"],  # sorted lists
        "roles": ["VUCE.USUARIO.OPERACION", "VUCE.USUARIO.SUPERVISOR"],
        "account_status": "ACTIVO",
        "name": "Quispe Mamani, Rosa",
        "email": "rosa@example.pe",
        "email_verified": False,
    }


@pytest.mark.parametrize(
    ("scopes", "expected_keys"),
    [
        ([], {"sub"}),
        (["openid"], {"sub"}),
        (["openid", "offline_access", "sol:admin", "padron"], {"sub"}),
        (["openid", "profile"], {"sub", "name"}),
        (["openid", "email"], {"sub", "email", "email_verified"}),
        (["openid", "sol"], {"sub"} | SOL_KEYS),
        ("openid sol profile", {"sub", "name"} | SOL_KEYS),  # space-delimited string
        (None, {"sub"}),
    ],
)
def test_claims_released_per_scope(scopes, expected_keys):
    assert set(build_claims(_secondary(), scopes)) == expected_keys


def test_no_sol_claim_without_scope_sol():
    got = build_claims(_secondary(), ["openid", "profile", "email", "offline_access"])
    assert not SOL_KEYS & set(got)


def test_principal_omits_absent_document():
    got = build_claims(_principal(), ["openid", "sol"])
    assert got["user_type"] == "principal"
    assert got["ruc"] == "20123456786"
    assert got["profiles"] == [] and got["roles"] == []
    assert got["account_status"] == "ACTIVO"
    assert "document_type" not in got and "document_number" not in got  # no null claims


def test_extranet_has_no_ruc():
    got = build_claims(_extranet(), ["openid", "sol", "profile", "email"])
    assert "ruc" not in got
    assert "company_name" not in got
    assert got["user_type"] == "extranet"
    assert got["sol_username"] == "EXT0001"
    assert got["account_status"] == "SUSPENDIDO"
    assert got["email"] == "eval@entidad.gob.pe"


def test_extranet_identity_with_a_ruc_is_refused():
    with pytest.raises(ValueError):
        Identity(sub="x", user_type="extranet", ruc="20123456786", sol_username="EXT1")


@pytest.mark.parametrize(
    "overrides",
    [
        {"user_type": "admin"},
        {"ruc": None},
        {"account_status": "BLOQUEADO"},
        {"sub": ""},
    ],
)
def test_inconsistent_identities_are_refused(overrides):
    with pytest.raises(ValueError):
        _secondary(**overrides)


def test_email_claims_only_with_an_email():
    got = build_claims(_secondary(email=None), ["openid", "email"])
    assert got == {"sub": _secondary().sub}
    assert build_claims(_secondary(email_verified=True), ["email"])["email_verified"] is True


def test_inactive_account_status_is_released():
    # Q1: VUCE must see SUSPENDIDO / ELIMINADO to show message 5.
    for status in ("SUSPENDIDO", "ELIMINADO"):
        got = build_claims(_secondary(account_status=status), ["openid", "sol"])
        assert got["account_status"] == status


# --- sub: stable and opaque ---


def test_sub_is_stable_and_opaque():
    key = "secondary:20123456786:ABCD1234"
    sub = subject_for("secondary", key, SALT)
    assert sub == subject_for("secondary", key, SALT)
    assert re.fullmatch(r"[0-9a-f]{32}", sub)
    for part in ("20123456786", "ABCD1234", "secondary"):
        assert part not in sub
    # The kind prefix is optional in the key.
    assert subject_for("secondary", "20123456786:ABCD1234", SALT) == sub
    assert subject_for("secondary", key, SALT.encode()) == sub


def test_sub_differs_by_account_kind_and_salt():
    subs = {
        subject_for("secondary", "20123456786:ABCD1234", SALT),
        subject_for("secondary", "20123456786:ABCD1235", SALT),
        subject_for("secondary", "20100047218:ABCD1234", SALT),
        subject_for("principal", "20123456786", SALT),
        subject_for("secondary", "20123456786:ABCD1234", SALT + "x"),
    }
    assert len(subs) == 5


@pytest.mark.parametrize(("kind", "salt"), [("admin", SALT), ("principal", ""), ("principal", b"")])
def test_sub_needs_a_known_kind_and_a_salt(kind, salt):
    with pytest.raises(ValueError):
        subject_for(kind, "20123456786", salt)


@given(
    st.sampled_from(claims.USER_TYPES),
    st.text(min_size=1, max_size=40),
    st.text(min_size=1, max_size=40),
)
def test_sub_is_always_32_hex(kind, key, salt):
    sub = subject_for(kind, key, salt)
    assert re.fullmatch(r"[0-9a-f]{32}", sub)
    assert sub == subject_for(kind, key, salt)


@given(st.sets(st.sampled_from(claims.SCOPES_SUPPORTED)))
def test_released_keys_are_a_function_of_scope(scopes):
    got = set(build_claims(_secondary(), scopes))
    expected = {"sub"}
    if "sol" in scopes:
        expected |= SOL_KEYS
    if "profile" in scopes:
        expected |= {"name"}
    if "email" in scopes:
        expected |= {"email", "email_verified"}
    assert got == expected
