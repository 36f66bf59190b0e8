"""VUCE's refusals: one class per code, Spanish text from the catalogue, detail kept private."""

import pytest

from vuce_client.domain import errors, messages


def _leaves(cls):
    subs = cls.__subclasses__()
    return [cls] if not subs else [leaf for sub in subs for leaf in _leaves(sub)]


def _coded(cls):
    """Every class with a fixed code (the two claim families compute theirs)."""
    found = []
    for sub in cls.__subclasses__():
        if isinstance(sub.__dict__.get("code"), str):
            found.append(sub)
        found += _coded(sub)
    return found


def test_each_code_has_one_class():
    coded = _coded(errors.VuceError)
    codes = [c.code for c in coded]
    assert len(codes) == len(set(codes)), sorted(codes)
    # the import refusals all have a code of their own (or share their parent's, with their own
    # message: ExtranetWithRuc, SectionNotSecondary)
    for leaf in _leaves(errors.ImportRefused):
        assert leaf.code != errors.VuceError.code, leaf


def test_messages_come_from_the_catalogue():
    catalogue = {v for k, v in vars(messages).items() if k.isupper() and isinstance(v, str)}
    for cls in _leaves(errors.VuceError):
        assert cls.message in catalogue, cls


def test_detail_stays_private_and_params_fill_the_message():
    exc = errors.UnknownFields("colour=red", fields="colour")
    assert exc.to_dict() == {"error": "unknown_fields", "message": "Campos no reconocidos: colour."}
    assert "red" not in exc.message and exc.detail == "colour=red"
    assert exc.status == 422


@pytest.mark.parametrize(
    ("exc", "code", "base"),
    [
        (errors.MissingNonce("nonce"), "missing_nonce", ValueError),
        (errors.MissingClaim("acr", claim="acr"), "missing_acr", ValueError),
        (errors.InvalidClaim("sub", "sub 3"), "invalid_sub", ValueError),
        (errors.WrongAtHash(), "wrong_at_hash", ValueError),
        (errors.IdpUnavailable("GET /jwks: HTTP 503"), "idp_unavailable", RuntimeError),
        (errors.ContingencyDisabled(), "contingency_disabled", RuntimeError),
    ],
)
def test_codes_and_the_builtin_bases_callers_catch(exc, code, base):
    assert exc.code == code and isinstance(exc, base)
    assert str(exc).startswith(code)


def test_login_refusals_render_their_page_text():
    assert errors.IdpUnavailable().message == messages.IDP_DOWN
    assert errors.IdpUnavailable.status == 503
    assert errors.InvalidClaims("roles", "missing").message == messages.CLAIMS_MISSING
    assert str(errors.InvalidClaims("roles", "missing")) == "claim 'roles': missing"
    assert errors.BadSignature().message == messages.CALLBACK_REFUSED
