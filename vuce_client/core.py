"""What every component of one VUCE app shares (``app.extensions["vuce_core"]``): the store, the
IdP's cached metadata, Authlib's client registry and the components mounted so far.

``create_app`` / ``create_core_app`` build it, with the views a component mounts; each
``VuceAuth`` adds its component.
"""

from __future__ import annotations

from flask import current_app

from .oidc import IdpMetadata, VuceOAuth

EXTENSION = "vuce_core"


class VuceCore:
    """The store, IdP metadata, Authlib registry and components of one app."""

    def __init__(self, app, store, *, component_views) -> None:
        cfg = app.config
        self.app = app
        self.store = store
        # (blueprint, app, auth) -> None: the views each component mounts (the factory's choice)
        self.component_views = component_views
        self.meta = IdpMetadata(
            cfg["IDP_ISSUER"],
            cfg["IDP_INTERNAL_URL"],
            store,
            timeout=cfg["IDP_TIMEOUT"],
            discovery_ttl=cfg["DISCOVERY_TTL"],
            jwks_ttl=cfg["JWKS_TTL"],
        )
        self.oauth = VuceOAuth(app)
        self.components: dict = {}  # component key → its VuceAuth, in mounting order

    def default_component(self):
        """The first component mounted."""
        return next(iter(self.components.values()))


def core() -> VuceCore:
    """The current app's ``VuceCore``."""
    return current_app.extensions[EXTENSION]
