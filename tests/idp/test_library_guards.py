"""Guards for the speed-ups that lean on a library's private behaviour: each fails with a
message that names the code to review when an upgrade changes what it relies on.

- ``oidc.server.CodeGrant._validated``: Authlib validates an authorization request twice, on
  one grant (the consent decision, then the response); the second run is answered from memo.
- ``webcommon.db._SQLAlchemy``: overrides Flask-SQLAlchemy's private ``_make_engine`` (SQLite
  pragmas, the idle-connection ping) and ``_teardown_session`` (a dead connection at teardown).
- ``idp.web.limits``: moves Flask-Limiter's three app-wide hooks to the limited blueprints,
  found by the mark Flask-Limiter leaves on the views it wraps.
- ``oidc.server.SolRequest``: builds Authlib's Flask request by hand (the issuer's URL for its
  transport check instead of werkzeug's ``request.url``).
"""

import inspect

import flask_sqlalchemy
from authlib.oauth2.rfc6749 import grants
from sqlalchemy import text

from idp.oidc.server import CodeGrant
from idp.storage import db
from idp.web.limits import limiter
from tests.support.oidc import REDIRECT, Flow

RUC = "20123456786"


def test_authlib_validates_an_authorization_request_twice_on_one_grant(idp, monkeypatch):
    calls = {"ours": 0, "authlib": 0}
    authlib_validate = grants.AuthorizationCodeGrant.validate_authorization_request
    ours = CodeGrant.validate_authorization_request

    def count_authlib(self):
        calls["authlib"] += 1
        return authlib_validate(self)

    def count_ours(self):
        calls["ours"] += 1
        return ours(self)

    monkeypatch.setattr(
        grants.AuthorizationCodeGrant, "validate_authorization_request", count_authlib
    )
    monkeypatch.setattr(CodeGrant, "validate_authorization_request", count_ours)
    idp.create_taxpayer(RUC)
    idp.create_user(RUC, "OPERADO1")
    idp.register_client("rp1", secret="s3cret-rp1", redirect_uris=[REDIRECT], first_party=True)
    assert Flow(idp.url, "rp1", "s3cret-rp1").full_login(RUC, "OPERADO1", "Clave123")
    # /authorize for the login page (validated once), then the login form resumes the request
    # and issues the code (twice, one memo)
    assert (calls["ours"], calls["authlib"]) == (3, 2), (
        f"Authlib no longer validates the issuing request twice on one grant ({calls}): "
        "review or remove CodeGrant._validated in idp/oidc/server.py"
    )


def test_flask_sqlalchemys_private_hooks_are_still_the_ones_overridden(idp):
    base = flask_sqlalchemy.SQLAlchemy
    for name, params in (
        ("_make_engine", ["self", "bind_key", "options", "app"]),
        ("_teardown_session", ["self", "exc"]),
    ):
        assert hasattr(base, name), f"Flask-SQLAlchemy has no {name}: review webcommon/db.py"
        found = list(inspect.signature(getattr(base, name)).parameters)
        assert found == params, f"Flask-SQLAlchemy's {name}{found} changed: review webcommon/db.py"
    app = idp.app
    with app.app_context():
        teardowns = app.teardown_appcontext_funcs
        assert any(getattr(f, "__func__", None) is type(db)._teardown_session for f in teardowns), (
            "Flask-SQLAlchemy no longer tears the session down through _teardown_session: "
            "review webcommon/db.py"
        )
        if db.engine.dialect.name == "sqlite":
            mode = db.session.execute(text("PRAGMA journal_mode")).scalar()
            assert mode == "wal", "webcommon/db.py's _make_engine no longer runs: review it"


def test_flask_limiters_hooks_run_only_where_they_decide_something(idp):
    app = idp.app

    def limiter_hooks(hooks):
        return [
            f
            for f in hooks
            if f is limiter
            or limiter in getattr(f, "args", ())
            or getattr(f, "__self__", None) is limiter
        ]

    assert not limiter_hooks(app.before_request_funcs.get(None, []))
    assert not limiter_hooks(app.after_request_funcs.get(None, []))
    # the before-request check is dropped: the decorated views check their own limits
    assert not any(limiter_hooks(fns) for fns in app.before_request_funcs.values())
    assert limiter_hooks(app.after_request_funcs.get("login", [])), (
        "Flask-Limiter's hooks were not moved to the login blueprint: review idp/web/limits.py"
    )
    assert limiter_hooks(app.teardown_request_funcs.get("login", []))


def test_authlibs_flask_request_is_still_built_as_sol_request_builds_it():
    """``oidc.server.SolRequest`` builds Authlib's Flask request by hand (to give it the
    issuer's URL instead of werkzeug's ``request.url``): it must set what Authlib's own
    constructor sets."""
    from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request

    source = inspect.getsource(FlaskOAuth2Request.__init__)
    for line in ("self._request = request", "self.payload = FlaskOAuth2Payload(request)"):
        assert line in source, (
            f"Authlib's FlaskOAuth2Request.__init__ no longer does {line!r}: review "
            "idp/oidc/server.py SolRequest after this Authlib upgrade"
        )
    assert source.count("self.") == 2, "FlaskOAuth2Request sets more: review SolRequest"
