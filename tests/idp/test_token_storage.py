"""Where tokens live (issue #11): access tokens in the store with a TTL and indexes, refresh
families in SQL; the hot path reads accounts from a per-process snapshot that a directory
change invalidates at once."""

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import event

from tests.support.databases import flush_store
from tests.support.oidc import REDIRECT, Flow

RUC = "20123456786"
OPERACION = "VUCE.USUARIO.OPERACION"
SUPERVISOR = "VUCE.USUARIO.SUPERVISOR"


def _engines(idp) -> list:
    """The IdP's engine and, on PostgreSQL, its autocommit sibling (webcommon.db)."""
    from idp.storage import db
    from webcommon.db import autocommit_engine

    with idp.app.app_context():
        if db.engine.dialect.name == "postgresql":
            return [db.engine, autocommit_engine(db.engine)]
        return [db.engine]


@pytest.fixture
def statements(idp):
    """Every SQL statement the IdP's engine (and its autocommit sibling, on PostgreSQL) runs
    during the test."""
    seen, lock = [], threading.Lock()

    def record(_conn, _cursor, statement, *_args):
        with lock:
            seen.append(statement)

    engines = _engines(idp)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    yield seen
    for engine in engines:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def rp(idp):
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1", roles=(OPERACION,))
    return idp.register_client(
        "rp1", secret="s3cret-rp1", redirect_uris=[REDIRECT], first_party=True
    )


def _login(idp, secret):
    flow = Flow(idp.url, "rp1", secret, scope="openid profile sol offline_access")
    return flow, flow.full_login(RUC, "OPERADO1", "Clave123")


def _userinfo(idp, access_token):
    return requests.get(
        f"{idp.url}/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=30
    )


def _introspect(idp, secret, token):
    return requests.post(
        f"{idp.url}/introspect", auth=("rp1", secret), data={"token": token}, timeout=30
    ).json()


def _refresh(idp, secret, refresh_token):
    return requests.post(
        f"{idp.url}/token",
        auth=("rp1", secret),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        timeout=30,
    )


def test_userinfo_and_introspection_run_no_sql_once_the_account_is_known(idp, rp, statements):
    _flow, token = _login(idp, rp)
    assert _userinfo(idp, token["access_token"]).json()["roles"] == [OPERACION]
    statements.clear()
    for _ in range(3):
        assert _userinfo(idp, token["access_token"]).json()["sol_username"] == "OPERADO1"
        assert _introspect(idp, rp, token["access_token"])["username"] == "OPERADO1"
    assert statements == []


def test_client_credentials_writes_nothing_to_sql(idp, statements):
    secret = idp.register_client("padron-rp", scope="padron", grant_types=["client_credentials"])
    idp.client_credentials("padron-rp", secret, scope="padron")  # the client is now cached
    statements.clear()
    token = idp.client_credentials("padron-rp", secret, scope="padron")
    # Nothing written; at most the client re-read, when its 5 s per-process copy expired
    # between the two requests (a loaded machine).
    assert [s for s in statements if "FROM oauth_client" not in s] == []
    with idp.app.app_context():
        from idp.services import tokens

        assert tokens.by_access(token["access_token"]).client_id == "padron-rp"
    assert "issued_token" not in " ".join(statements)


def test_a_directory_change_reaches_the_claims_at_once(idp, rp):
    from idp.services import directory
    from idp.storage import db

    _flow, token = _login(idp, rp)
    assert _userinfo(idp, token["access_token"]).json()["roles"] == [OPERACION]
    with idp.app.app_context():
        directory.change_roles(RUC, "OPERADO1", [OPERACION, SUPERVISOR], actor="test")
        db.session.commit()
    assert _userinfo(idp, token["access_token"]).json()["roles"] == [OPERACION, SUPERVISOR]


def test_a_flushed_store_ends_access_tokens_but_not_refresh_tokens(idp, rp):
    _flow, token = _login(idp, rp)
    flush_store(idp.store)  # e.g. Redis restarted without persistence
    assert _userinfo(idp, token["access_token"]).status_code == 401
    assert _introspect(idp, rp, token["access_token"]) == {"active": False}
    renewed = _refresh(idp, rp, token["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    assert _userinfo(idp, renewed.json()["access_token"]).status_code == 200


def test_suspension_ends_every_access_token_of_the_account_at_once(idp, rp):
    from idp.services import directory
    from idp.storage import db

    tokens = [_login(idp, rp)[1] for _ in range(2)]  # two logins, two families
    renewed = _refresh(idp, rp, tokens[0]["refresh_token"]).json()
    live = [t["access_token"] for t in tokens] + [renewed["access_token"]]
    assert all(_userinfo(idp, at).status_code == 200 for at in live)
    with idp.app.app_context():
        directory.change_status(RUC, "OPERADO1", "suspend", actor="test")
        db.session.commit()
    assert [_userinfo(idp, at).status_code for at in live] == [401, 401, 401]
    assert _refresh(idp, rp, renewed["refresh_token"]).status_code == 400
    assert _introspect(idp, rp, tokens[1]["refresh_token"]) == {"active": False}


def test_refresh_reuse_ends_the_family_access_tokens_only(idp, rp):
    _flow, stolen = _login(idp, rp)
    _flow, other = _login(idp, rp)
    renewed = _refresh(idp, rp, stolen["refresh_token"]).json()
    assert _refresh(idp, rp, stolen["refresh_token"]).status_code == 400  # reuse
    assert _userinfo(idp, stolen["access_token"]).status_code == 401
    assert _userinfo(idp, renewed["access_token"]).status_code == 401
    assert _refresh(idp, rp, renewed["refresh_token"]).status_code == 400
    assert _userinfo(idp, other["access_token"]).status_code == 200  # another family


def test_a_refresh_reads_once_and_rotates_in_one_write(idp, rp, statements):
    """The token is read once; marking it used and inserting its successor is one atomic
    statement on PostgreSQL (a data-modifying CTE), two in one transaction on SQLite."""
    _flow, token = _login(idp, rp)
    statements.clear()
    assert _refresh(idp, rp, token["refresh_token"]).status_code == 200
    refresh_sql = [s for s in statements if "refresh_token" in s]
    with idp.app.app_context():
        from idp.storage import db

        postgres = db.engine.dialect.name == "postgresql"
    assert refresh_sql[0].lstrip().startswith("SELECT")
    if postgres:
        assert len(refresh_sql) == 2
        assert refresh_sql[1].lstrip().startswith("WITH claimed AS")
        assert "UPDATE refresh_token" in refresh_sql[1] and "INSERT INTO" in refresh_sql[1]
    else:
        assert [s.split()[0] for s in refresh_sql] == ["SELECT", "UPDATE", "INSERT"]


def test_the_loser_of_a_race_for_a_refresh_token_ends_its_family(idp, rp):
    """Two uses of one refresh token read it as usable at the same moment; the one whose
    rotation comes second finds it used: it gets nothing, and the family ends, including
    the winner's new tokens and the access token the loser had already stored."""
    from idp.services import tokens

    _flow, token = _login(idp, rp)
    with idp.app.app_context():
        seen_by_loser = tokens.by_refresh(token["refresh_token"])
    winner = _refresh(idp, rp, token["refresh_token"])
    assert winner.status_code == 200
    renewed = winner.json()
    with idp.app.app_context():
        tokens.save(
            {"access_token": "loser-at", "refresh_token": "loser-rt", "expires_in": 600},
            client_id="rp1",
            account=seen_by_loser.account,
            family=seen_by_loser.family,
            refresh_ttl=600,
            replaces=seen_by_loser,
        )
        assert tokens.by_access("loser-at") is not None  # stored before the rotation
        assert tokens.rotate_staged() is False
        assert tokens.by_access("loser-at") is None
        assert tokens.by_refresh("loser-rt") is None  # its successor was never written
    assert _userinfo(idp, renewed["access_token"]).status_code == 401
    assert _refresh(idp, rp, renewed["refresh_token"]).status_code == 400


@pytest.mark.parametrize("kind", ["refresh_token", "access_token"])
def test_revoking_either_token_ends_both(idp, rp, kind):
    """RFC 7009 §2.1: a revoked refresh token takes its grant's access tokens with it; a
    revoked access token takes the refresh token issued with it."""
    _flow, token = _login(idp, rp)
    resp = requests.post(
        f"{idp.url}/revoke",
        auth=("rp1", rp),
        data={"token": token[kind], "token_type_hint": kind},
        timeout=30,
    )
    assert resp.status_code == 200
    assert _userinfo(idp, token["access_token"]).status_code == 401
    assert _refresh(idp, rp, token["refresh_token"]).status_code == 400


def test_access_token_keys_expire_with_the_token(idp, rp):
    from idp.services import tokens

    _flow, token = _login(idp, rp)
    ttl = idp.store.ttl(tokens.access_key(token["access_token"]))
    assert 0 < ttl <= idp.app.config["ACCESS_TOKEN_TTL"]


def _account_reads(statements):
    return [s for s in statements if "principal_user" in s or "secondary_user" in s]


def _submit_login(idp, rp, usuario):
    flow = Flow(idp.url, "rp1", rp)
    return flow.login(flow.start(), RUC, usuario, "Clave123")


def test_the_login_form_reads_known_and_unknown_accounts_alike(idp, rp, statements):
    """The SOL form finds the account in the snapshots: once seen, neither a known nor an
    unknown usuario costs a SQL read, so their answers take the same time."""
    for usuario in ("OPERADO1", "NOEXISTE"):
        _submit_login(idp, rp, usuario)  # the first attempt reads SQL
        statements.clear()
        answer = _submit_login(idp, rp, usuario)
        assert hasattr(answer, "location") == (usuario == "OPERADO1")
        assert _account_reads(statements) == []


def test_a_user_created_after_a_failed_login_can_log_in_at_once(idp, rp):
    assert not hasattr(_submit_login(idp, rp, "NUEVO001"), "location")  # remembered as absent
    idp.create_user(RUC, "NUEVO001", roles=(OPERACION,))
    assert hasattr(_submit_login(idp, rp, "NUEVO001"), "location")


def test_a_code_exchange_writes_its_refresh_token_once_with_its_access_token(idp, rp, statements):
    flow = Flow(idp.url, "rp1", rp, scope="openid profile sol offline_access")
    page = flow.start()
    callback = flow.login(page, RUC, "OPERADO1", "Clave123").location
    statements.clear()
    token = flow.token(callback)
    inserts = [s for s in statements if s.startswith("INSERT INTO refresh_token")]
    assert len(inserts) == 1
    with idp.app.app_context():
        from idp.services import tokens

        assert tokens.by_refresh(token["refresh_token"]).family
        assert tokens.by_access(token["access_token"]).family
    assert _refresh(idp, rp, token["refresh_token"]).status_code == 200


def test_a_code_exchange_whose_refresh_token_cannot_be_written_issues_nothing(idp, rp):
    from sqlalchemy.exc import OperationalError

    flow = Flow(idp.url, "rp1", rp, scope="openid profile sol offline_access")
    page = flow.start()
    callback = flow.login(page, RUC, "OPERADO1", "Clave123").location
    code = parse_qs(urlsplit(callback).query)["code"][0]

    def refuse(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO refresh_token"):
            raise OperationalError(statement, {}, Exception("the database went away"))

    engines = _engines(idp)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", refuse)
    try:
        resp = flow.post_code(code)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", refuse)
    assert resp.status_code == 503 and "access_token" not in resp.text
    assert resp.json()["error"]
    # nothing was left half-done: the same browser goes on getting codes and tokens
    again = Flow(idp.url, "rp1", rp, scope="openid profile sol offline_access")
    again.agent = flow.agent
    assert again.token(again.start().location)["refresh_token"]
