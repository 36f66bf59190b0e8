"""argon2id cost profiles: the OWASP baseline by default, RFC 9106's heavier choice on request,
the test-only profile refused in production, and hashes of another profile upgraded at the
next successful login."""

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select

from idp.config import ConfigError, load_settings
from idp.services import passwords
from idp.testing.flows import FlowError
from idp.testing.handle import DEFAULT_PASSWORD

PRODUCTION = {
    "IDP_DATABASE_URL": "postgresql+psycopg://db/idp",
    "IDP_REDIS_URL": "redis://r:6379/0",
    "IDP_SECRET_KEY": "x" * 32,
    "IDP_ADMIN_TOKEN": "y" * 32,
    "IDP_SUBJECT_SALT": "z" * 32,
    "IDP_ISSUER": "https://sol.example.pe",
    "IDP_METRICS_TOKEN": "m" * 32,
}


@pytest.fixture
def profile():
    """An app context whose hashing profile the test picks (profiles are per app)."""
    app = Flask("profiles")
    with app.app_context():
        yield lambda name: passwords.configure(app, name)


@pytest.mark.parametrize(
    "name,params",
    [
        ("default", "m=19456,t=2,p=1"),  # OWASP Password Storage Cheat Sheet baseline
        ("rfc9106", "m=65536,t=3,p=4"),  # RFC 9106 low-memory, argon2-cffi's default
        ("fast", "m=1024,t=1,p=1"),
    ],
)
def test_each_profile_hashes_with_its_parameters(profile, name, params):
    profile(name)
    stored = passwords.hash_password("Clave123")
    assert stored.startswith(f"$argon2id$v=19${params}$")
    assert passwords.verify_password(stored, "Clave123")
    assert not passwords.verify_password(stored, "Clave124")


def test_hasher_for_names_the_profile_an_app_is_configured_with(profile):
    profile("default")
    stored = passwords.hash_password("Clave123")
    assert passwords.hasher_for("default").verify(stored, "Clave123")
    assert not passwords.hasher_for("default").check_needs_rehash(stored)
    assert passwords.hasher_for("fast").check_needs_rehash(stored)
    with pytest.raises(KeyError):
        passwords.hasher_for("defualt")


@pytest.mark.parametrize("name", ["default", "rfc9106"])
def test_production_accepts_the_real_profiles(tmp_path, name):
    cfg = load_settings(
        {"ENV": "production", "INSTANCE_PATH": str(tmp_path)},
        environ=dict(PRODUCTION, IDP_ARGON2_PROFILE=name),
    )
    assert cfg["ARGON2_PROFILE"] == name


def test_production_refuses_the_test_profile_and_anyone_refuses_a_typo(tmp_path):
    with pytest.raises(ConfigError, match="IDP_ARGON2_PROFILE"):
        load_settings(
            {"ENV": "production", "INSTANCE_PATH": str(tmp_path)},
            environ=dict(PRODUCTION, IDP_ARGON2_PROFILE="fast"),
        )
    with pytest.raises(ConfigError, match="not one of: default, rfc9106, fast"):
        load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={"IDP_ARGON2_PROFILE": "owasp"})


def test_a_hash_of_another_profile_is_upgraded_at_the_next_login_only(idp):
    from idp.storage import db
    from idp.storage.identities import SecondaryUser

    ruc = "20123456786"
    idp.create_taxpayer(ruc)
    idp.create_user(ruc, "OPERADO1")
    idp.register_client(
        "rp-rehash",
        secret="s3cret-rehash",
        first_party=True,
        redirect_uris=["http://127.0.0.1:9/cb"],
    )
    heavy = PasswordHasher().hash(DEFAULT_PASSWORD)  # as made under IDP_ARGON2_PROFILE=rfc9106

    def stored() -> str:
        with idp.app.app_context():
            return db.session.scalar(
                select(SecondaryUser.password_hash).where(SecondaryUser.username == "OPERADO1")
            )

    with idp.app.app_context():
        db.session.execute(
            db.update(SecondaryUser)
            .where(SecondaryUser.username == "OPERADO1")
            .values(password_hash=heavy)
        )
        db.session.commit()
    with pytest.raises(FlowError):  # a wrong clave: the form again, nothing changes
        idp.login(
            ruc, "OPERADO1", "Incorrecta9", client_id="rp-rehash", client_secret="s3cret-rehash"
        )
    assert stored() == heavy
    tokens = idp.login(ruc, "OPERADO1", client_id="rp-rehash", client_secret="s3cret-rehash")
    assert "id_token" in tokens
    upgraded = stored()
    assert upgraded != heavy and upgraded.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    tokens = idp.login(ruc, "OPERADO1", client_id="rp-rehash", client_secret="s3cret-rehash")
    assert "id_token" in tokens and stored() == upgraded  # same profile: kept as is
