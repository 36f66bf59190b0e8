"""``VuceAuth``: the plug-in that gives a VUCE component the SOL login.

    app = vuce_client.create_core_app(__name__, settings)  # or create_app(...)
    auth = VuceAuth(app, component="MR")  # or VuceAuth(component=...).init_app(app)

Each instance is one OIDC client of the IdP (``VUCE_CLIENT_ID_<X>`` / ``VUCE_CLIENT_SECRET_<X>``
unless ``client_id``/``client_secret`` are given) mounted under its prefix with:

- ``GET  <prefix>/login`` and ``GET <prefix>/callback``: the SOL login (``web.login``), then
  admission (``services.entry``): the entry checks (§6.2), first-login registration or a session
- ``POST <prefix>/logout``, ``GET <prefix>/logged-out`` and ``POST <prefix>/backchannel-logout``:
  VUCE's, SOL's and the IdP-initiated logout (``web.logout``)

It mounts on an app that has VUCE's core, which ``create_app`` / ``create_core_app`` build once
(settings, database, store, mail, CSRF, security headers, error pages, the ``/login`` chooser,
registration, "Modificación de Datos") and which names the views above: this module imports no
view, the factory wires them in. Views of the component use ``auth.login_required``;
``current_user()`` gives the session record and ``current_account()`` its account.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, redirect, request, url_for

from .config import COMPONENTS
from .core import EXTENSION
from .oidc import register_client
from .services.sessions import current_account, current_user

__all__ = ["VuceAuth", "current_account", "current_user"]


class VuceAuth:
    """SOL login, entry checks, registration and logout for one VUCE component."""

    def __init__(
        self,
        app=None,
        component: str = "MR",
        *,
        url_prefix: str | None = None,
        name: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        home_endpoint: str | None = None,
    ) -> None:
        self.component = component.upper()
        default_prefix, default_name, _ = COMPONENTS.get(
            self.component, (f"/{component.lower()}", component, None)
        )
        self.url_prefix = (url_prefix if url_prefix is not None else default_prefix).rstrip("/")
        self.name = name or default_name
        self._client_id = client_id
        self._client_secret = client_secret
        self.home_endpoint = home_endpoint
        self.client = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> VuceAuth:
        """Register this component's OIDC client and mount its views on ``app``."""
        core_state = app.extensions.get(EXTENSION)
        if core_state is None:
            raise RuntimeError(
                "VuceAuth mounts on an app with VUCE's core: build it with "
                "vuce_client.create_core_app(__name__, settings) (or vuce_client.create_app)"
            )
        cfg = app.config
        self.client_id = self._client_id or cfg.get(f"CLIENT_ID_{self.component}")
        self.client_secret = self._client_secret or cfg.get(f"CLIENT_SECRET_{self.component}")
        if not self.client_id:
            raise RuntimeError(
                f"no client id for component {self.component}: set "
                f"VUCE_CLIENT_ID_{self.component} or pass client_id="
            )
        self.client = register_client(
            core_state.oauth,
            core_state.meta,
            f"vuce_{self.component.lower()}",
            self.client_id,
            self.client_secret,
            cfg["IDP_TIMEOUT"],
        )
        self.base_url = cfg["BASE_URL"]
        bp = Blueprint(self.endpoint_prefix, __name__, url_prefix=self.url_prefix or None)
        core_state.component_views(bp, app, self)  # web.login, web.logout (wired by the factory)
        app.register_blueprint(bp)
        core_state.components[self.component] = self
        return self

    @property
    def endpoint_prefix(self) -> str:
        """The blueprint name of this component's login views (``vuce_auth_mr``)."""
        return f"vuce_auth_{self.component.lower()}"

    @property
    def redirect_uri(self) -> str:
        """The callback URL the IdP must know."""
        return f"{self.base_url}{self.url_prefix}/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        """Where the IdP sends the browser after logout."""
        return f"{self.base_url}{self.url_prefix}/logged-out"

    @property
    def backchannel_logout_uri(self) -> str:
        """Where the IdP posts its logout tokens."""
        return f"{self.base_url}{self.url_prefix}/backchannel-logout"

    def home_url(self) -> str:
        """The component's first page."""
        if self.home_endpoint:
            return url_for(self.home_endpoint)
        return (self.url_prefix or "") + "/"

    def is_logged_in(self) -> bool:
        """Whether this browser's VUCE session holds a login to this component."""
        rec = current_user()
        return rec is not None and self.component in rec.get("components", {})

    def login_required(self, view):
        """Decorator: a live VUCE session holding a login to this component, else SOL login."""

        @wraps(view)
        def wrapper(*args, **kwargs):
            if not self.is_logged_in():
                return redirect(
                    url_for(f"{self.endpoint_prefix}.login", next=request.full_path.rstrip("?"))
                )
            return view(*args, **kwargs)

        return wrapper
