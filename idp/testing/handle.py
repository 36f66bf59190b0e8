"""A live IdP on a real loopback port plus helpers that call the same services as the CLI."""

import contextlib
import socket
import threading

import requests
from flask_migrate import upgrade
from joserfc import jwt
from joserfc.jwk import KeySet
from werkzeug.serving import make_server

from idp import create_app
from idp.services import clients, directory
from idp.storage import db

from .flows import CodeFlow, browser_login, token_request

DEFAULT_PASSWORD = "Clave123"
VUCE_PROFILE = "ADUANAS.VUCE"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SolIdp:
    """Handle on a running IdP (``url`` is its issuer)."""

    def __init__(self, app, url: str):
        self.app = app
        self.url = url
        self.issuer = url
        self.admin_token = app.config["ADMIN_TOKEN"]
        self._server = None

    # -- directory -------------------------------------------------------------------------
    def _commit(self, fn, **kwargs):
        with self.app.app_context():
            try:
                result = fn(**kwargs)
                db.session.commit()
                return result
            except Exception:
                db.session.rollback()
                raise

    def create_taxpayer(
        self,
        ruc: str,
        company_name: str = "EMPRESA DE PRUEBA S.A.C.",
        principal_username: str = "PRINCIPA",
        principal_password: str = DEFAULT_PASSWORD,
        **padron,
    ) -> str:
        """A RUC with its Usuario Principal; returns the RUC."""
        self._commit(
            directory.create_taxpayer,
            ruc=ruc,
            company_name=company_name,
            principal_username=principal_username,
            principal_password=principal_password,
            actor="test",
            **padron,
        )
        return ruc

    def create_user(
        self,
        ruc: str,
        username: str,
        password: str = DEFAULT_PASSWORD,
        *,
        document_type: str = "DNI",
        document_number: str = "45678901",
        profiles=(VUCE_PROFILE,),
        roles=("VUCE.USUARIO.OPERACION",),
        **extra,
    ):
        """A secondary user (ACTIVO) with profiles and roles."""
        self._commit(
            directory.create_secondary_user,
            ruc=ruc,
            username=username,
            password=password,
            document_type=document_type,
            document_number=document_number,
            profiles=profiles,
            roles=roles,
            actor="test",
            **extra,
        )
        return username

    def create_extranet_user(
        self,
        username: str,
        password: str = DEFAULT_PASSWORD,
        names: str = "FUNCIONARIO DE PRUEBA",
        entity: str = "DIGESA",
        email: str | None = None,
    ) -> str:
        """An Extranet official (usuario EXT…, ACTIVO); returns the usuario."""
        self._commit(
            directory.create_extranet_user,
            username=username,
            password=password,
            names=names,
            entity=entity,
            email=email,
            actor="test",
        )
        return username

    def register_client(self, client_id: str, **kwargs) -> str | None:
        """Register a client (see ``idp.services.clients.register``); returns its secret."""
        return self._commit(clients.register, client_id=client_id, **kwargs)[1]

    def rotate_keys(self, lead: int = 0) -> list[str]:
        """Publish new signing keys; they sign after ``lead`` seconds."""
        keyring = self.app.extensions["sol_keyring"]
        return self._commit(keyring.rotate, lead=lead)

    @property
    def store(self):
        return self.app.extensions["sol_store"]

    # -- tokens and outages (real HTTP against the live server) ---------------------------
    def _redirect_uri(self, client_id: str) -> str:
        with self.app.app_context():
            row = clients.get(client_id)
            if row is None or not row.redirect_uris:
                raise ValueError(f"client {client_id!r} is unknown or has no redirect URI")
            return row.redirect_uris[0]

    def login(
        self,
        ruc: str,
        username: str,
        password: str = DEFAULT_PASSWORD,
        *,
        client_id: str,
        client_secret: str | None = None,
        scope: str = "openid profile email sol",
        redirect_uri: str | None = None,
        **params,
    ) -> dict:
        """The token response of a real code + PKCE flow through the SOL login form."""
        form = {"ruc": ruc, "usuario": username, "clave": password}
        return self._code_flow(form, client_id, client_secret, scope, redirect_uri, params)

    def browser_login(
        self,
        start_url: str,
        ruc: str,
        username: str,
        password: str = DEFAULT_PASSWORD,
        *,
        http=None,
    ):
        """Log in through YOUR relying party as a browser would: GET ``start_url`` (its login
        URL), fill SOL's form, follow back. Returns the relying party's last response; pass a
        ``requests.Session`` as ``http`` to keep its cookies."""
        credentials = {"ruc": ruc, "usuario": username, "clave": password}
        return browser_login(self.url, start_url, credentials, http)

    def extranet_login(
        self,
        username: str,
        password: str = DEFAULT_PASSWORD,
        *,
        client_id: str,
        client_secret: str | None = None,
        scope: str = "openid profile email sol",
        redirect_uri: str | None = None,
    ) -> dict:
        """The same for an Extranet official (``login_type=extranet``)."""
        form = {"usuario": username, "clave": password}
        params = {"login_type": "extranet"}
        return self._code_flow(form, client_id, client_secret, scope, redirect_uri, params)

    def _code_flow(self, form, client_id, client_secret, scope, redirect_uri, params) -> dict:
        flow = CodeFlow(
            client_id,
            redirect_uri or self._redirect_uri(client_id),
            client_secret=client_secret,
            scope=scope,
        )
        return flow.redeem(self.url, flow.authorize(self.url, form, **params))

    def client_credentials(
        self, client_id: str, client_secret: str, scope: str | None = None
    ) -> dict:
        """A client_credentials token response (e.g. scope ``padron``)."""
        data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        return token_request(self.url, data, client_id, client_secret)

    def claims(self, token: str) -> dict:
        """The verified claims of an ID token (or JWT access token) signed by this IdP."""
        keys = KeySet.import_key_set(requests.get(f"{self.url}/jwks", timeout=10).json())
        return dict(jwt.decode(token, keys, algorithms=["RS256", "ES256"]).claims)

    def set_outage(
        self, mode: str = "none", *, latency_ms: int | None = None, error_rate: float | None = None
    ) -> dict:
        """``PUT /api/v1/sim/outage``: none | down | slow | flaky | timeout."""
        body = {"mode": mode}
        if latency_ms is not None:
            body["latency_ms"] = latency_ms
        if error_rate is not None:
            body["error_rate"] = error_rate
        resp = requests.put(
            f"{self.url}/api/v1/sim/outage",
            json=body,
            timeout=10,
            headers={"Authorization": f"Bearer {self.admin_token}"},
        )
        resp.raise_for_status()
        return resp.json()

    @contextlib.contextmanager
    def outage(self, mode: str = "down", **kwargs):
        """``with sol_idp.outage("down"): ...`` — SOL misbehaves inside the block only."""
        self.set_outage(mode, **kwargs)
        try:
            yield self
        finally:
            self.set_outage("none")

    # -- RP test bench: bad tokens on demand (real HTTP against the live server) -----------
    def _sim(self, method: str, path: str = "", **kwargs):
        return requests.request(
            method,
            f"{self.url}/api/v1/sim/rp-faults{path}",
            timeout=10,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            **kwargs,
        )

    def arm_rp_fault(self, fault: str, *, client_id: str, times: int = 1) -> dict:
        """``POST /api/v1/sim/rp-faults``: the client's next ``times`` flows get ``fault``."""
        resp = self._sim("POST", json={"client_id": client_id, "fault": fault, "times": times})
        if resp.status_code != 201:
            raise ValueError(f"rp fault not armed: {resp.status_code} {resp.text}")
        return resp.json()

    def rp_faults(self) -> list[dict]:
        """``GET /api/v1/sim/rp-faults``: the faults still armed."""
        resp = self._sim("GET")
        resp.raise_for_status()
        return resp.json()["faults"]

    def clear_rp_faults(self, fault_id: str | None = None) -> None:
        """``DELETE /api/v1/sim/rp-faults[/{id}]``: one fault, or all of them."""
        resp = self._sim("DELETE", f"/{fault_id}" if fault_id else "")
        if resp.status_code not in (200, 404):  # 404: already used up
            resp.raise_for_status()

    @contextlib.contextmanager
    def rp_fault(self, fault: str, *, client_id: str, times: int = 1):
        """``with sol_idp.rp_fault("id_token_wrong_audience", client_id="my-rp"): ...`` — the
        client's next ``times`` flows get that fault; whatever is left is cleared on exit."""
        armed = self.arm_rp_fault(fault, client_id=client_id, times=times)
        try:
            yield armed
        finally:
            self.clear_rp_faults(armed["id"])

    # -- server ----------------------------------------------------------------------------
    def serve(self, port: int) -> "SolIdp":
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()


def start_idp(
    instance_path: str,
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    port: int | None = None,
    **settings,
) -> SolIdp:
    """Create, migrate and serve an IdP on a free loopback port."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    config = {
        "ISSUER": url,
        "INSTANCE_PATH": instance_path,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ARGON2_PROFILE": "fast",
        "KEY_LEAD_SECONDS": 0,
        "LOGIN_RATE_LIMIT": "10000/minute",
        **settings,
    }
    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        app.extensions["sol_keyring"].ensure_committed()
    return SolIdp(app, url).serve(port)
