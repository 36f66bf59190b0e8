"""identity_from_claims: the only reader of the claim names of contract.md "Scope sol"."""

import pytest

from vuce_client.domain.identity import (
    AccountStatus,
    InvalidClaims,
    SolIdentity,
    UserType,
    extranet_account_key,
    identity_from_claims,
    sol_account_key,
)

SECONDARY = {
    "sub": "abc123",
    "user_type": "secondary",
    "ruc": "20123456786",
    "sol_username": "opera001",
    "company_name": "IMPORTADORA DEMO S.A.C.",
    "document_type": "DNI",
    "document_number": "12345678",
    "profiles": ["ADUANAS.VUCE"],
    "roles": ["VUCE.USUARIO.OPERACION", "VUCE.USUARIO.SUPERVISOR"],
    "account_status": "ACTIVO",
    "name": "PÉREZ GÓMEZ, ANA",
    "email": "ana@example.pe",
    "email_verified": False,
    # Registered JWT claims are not ours to read and are ignored.
    "iss": "http://127.0.0.1:5000",
    "aud": "vuce-mr",
}

PRINCIPAL = {
    "sub": "p1",
    "user_type": "principal",
    "ruc": "20123456786",
    "sol_username": "NOMEMPFE",
    "company_name": "IMPORTADORA DEMO S.A.C.",
    "document_type": None,
    "document_number": None,
    "profiles": [],
    "roles": [],
    "account_status": "ACTIVO",
}

EXTRANET = {
    "sub": "e1",
    "user_type": "extranet",
    "sol_username": "ext0001",
    "company_name": None,
    "profiles": [],
    "roles": [],
    "account_status": "ACTIVO",
}


def test_secondary_identity():
    ident = identity_from_claims(SECONDARY)
    assert isinstance(ident, SolIdentity)
    assert ident.user_type is UserType.SECONDARY
    assert ident.account_status is AccountStatus.ACTIVO
    assert ident.ruc == "20123456786"
    assert ident.sol_username == "OPERA001"  # SOL codes are case-insensitive (§3.3)
    assert ident.roles == frozenset({"VUCE.USUARIO.OPERACION", "VUCE.USUARIO.SUPERVISOR"})
    assert ident.profiles == frozenset({"ADUANAS.VUCE"})
    assert ident.document_type == "DNI"
    assert ident.name == "PÉREZ GÓMEZ, ANA"
    assert ident.email == "ana@example.pe"
    assert ident.email_verified is False
    assert ident.account_key == "sol:20123456786:OPERA001"
    assert ident.is_active and not ident.is_principal and not ident.is_extranet


def test_principal_identity_without_document():
    ident = identity_from_claims(PRINCIPAL)
    assert ident.is_principal
    assert ident.document_type is None and ident.document_number is None
    assert ident.roles == frozenset()
    assert ident.account_key == "sol:20123456786:NOMEMPFE"


def test_extranet_identity_has_no_ruc():
    ident = identity_from_claims(EXTRANET)
    assert ident.is_extranet
    assert ident.ruc is None
    assert ident.account_key == "ext:EXT0001"


def test_account_keys_of_forms_match_identity_keys():
    assert (
        sol_account_key(" 20123456786 ", "opera001") == identity_from_claims(SECONDARY).account_key
    )
    assert extranet_account_key("ext0001") == identity_from_claims(EXTRANET).account_key


def test_absent_optional_claims():
    claims = {k: v for k, v in SECONDARY.items() if k not in {"name", "email", "email_verified"}}
    ident = identity_from_claims(claims)
    assert ident.name is None and ident.email is None and ident.email_verified is None


def test_absent_lists_are_empty():
    claims = {k: v for k, v in SECONDARY.items() if k not in {"roles", "profiles"}}
    ident = identity_from_claims(claims)
    assert ident.roles == frozenset() and ident.profiles == frozenset()


def test_identity_is_frozen():
    ident = identity_from_claims(SECONDARY)
    with pytest.raises(AttributeError):
        ident.ruc = "20600000013"  # type: ignore[misc]


@pytest.mark.parametrize("status", ["ACTIVO", "SUSPENDIDO", "ELIMINADO"])
def test_every_status(status):
    assert identity_from_claims({**SECONDARY, "account_status": status}).account_status == status


def _without(claims, name):
    return {k: v for k, v in claims.items() if k != name}


BAD = [
    ("missing sub", _without(SECONDARY, "sub"), "sub"),
    ("empty sub", {**SECONDARY, "sub": "  "}, "sub"),
    ("int sub", {**SECONDARY, "sub": 7}, "sub"),
    ("missing user_type", _without(SECONDARY, "user_type"), "user_type"),
    ("unknown user_type", {**SECONDARY, "user_type": "admin"}, "user_type"),
    ("upper user_type", {**SECONDARY, "user_type": "SECONDARY"}, "user_type"),
    ("missing status", _without(SECONDARY, "account_status"), "account_status"),
    ("null status", {**SECONDARY, "account_status": None}, "account_status"),
    ("unknown status", {**SECONDARY, "account_status": "BLOQUEADO"}, "account_status"),
    ("bool status", {**SECONDARY, "account_status": True}, "account_status"),
    ("missing ruc", _without(SECONDARY, "ruc"), "ruc"),
    ("short ruc", {**SECONDARY, "ruc": "2012345678"}, "ruc"),
    ("int ruc", {**SECONDARY, "ruc": 20123456786}, "ruc"),
    ("extranet with ruc", {**EXTRANET, "ruc": "20123456786"}, "ruc"),
    ("missing username", _without(SECONDARY, "sol_username"), "sol_username"),
    ("username with colon", {**SECONDARY, "sol_username": "A:B"}, "sol_username"),
    ("extranet without EXT", {**EXTRANET, "sol_username": "OPERA001"}, "sol_username"),
    ("extranet too long", {**EXTRANET, "sol_username": "EXT1234567890"}, "sol_username"),
    ("roles as string", {**SECONDARY, "roles": "VUCE.USUARIO.OPERACION"}, "roles"),
    ("roles with int", {**SECONDARY, "roles": ["VUCE.USUARIO.OPERACION", 1]}, "roles"),
    ("roles as dict", {**SECONDARY, "roles": {"VUCE.USUARIO.OPERACION": True}}, "roles"),
    ("roles with empty", {**SECONDARY, "roles": [""]}, "roles"),
    ("profiles as string", {**SECONDARY, "profiles": "ADUANAS.VUCE"}, "profiles"),
    ("unknown document", {**SECONDARY, "document_type": "LIBRETA"}, "document_type"),
    ("int document number", {**SECONDARY, "document_number": 12345678}, "document_number"),
    ("list company", {**SECONDARY, "company_name": ["X"]}, "company_name"),
    ("email_verified as string", {**SECONDARY, "email_verified": "true"}, "email_verified"),
]


@pytest.mark.parametrize(("claims", "claim"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_claims_are_rejected(claims, claim):
    with pytest.raises(InvalidClaims) as info:
        identity_from_claims(claims)
    assert info.value.claim == claim
    assert isinstance(info.value, ValueError)


def test_not_a_mapping():
    with pytest.raises(InvalidClaims):
        identity_from_claims(["sub", "x"])  # type: ignore[arg-type]
