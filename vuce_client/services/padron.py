"""The IdP's padrón and ITP registry APIs, called with a client_credentials token (scope padron).

``lookup_taxpayer`` / ``lookup_laboratory`` return the JSON answer, or None for an unknown RUC
(404); an IdP that does not answer raises ``IdpUnavailable`` (the form says "inténtelo
nuevamente").
"""

from __future__ import annotations

import requests
from flask import current_app

from ..core import core
from ..domain.errors import IdpUnavailable
from ..oidc import IdpMetadata, client_credentials_token

PADRON_SCOPE = "padron"


class PadronClient:
    """Back-channel lookups against ``VUCE_IDP_INTERNAL_URL``."""

    def __init__(self, meta: IdpMetadata, client_id: str, client_secret: str, store) -> None:
        self.meta = meta
        self.client_id = client_id
        self.client_secret = client_secret
        self.store = store

    def _get(self, path: str) -> dict | None:
        token = client_credentials_token(
            self.meta, self.client_id, self.client_secret, PADRON_SCOPE, self.store
        )
        url = f"{self.meta.internal_url}{path}"
        try:
            resp = self.meta.http.get(
                url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self.meta.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise IdpUnavailable(f"GET {url}: {exc}") from exc
        if resp.status_code == 404:
            return None
        if resp.status_code == 401:
            # a cached token the IdP no longer accepts: forget it, the next call gets a new one
            self.store.delete(f"vuce:oidc:cc:{self.client_id}:{PADRON_SCOPE}")
        if resp.status_code != 200:
            raise IdpUnavailable(f"GET {url}: HTTP {resp.status_code}")
        return resp.json()

    def lookup_taxpayer(self, ruc: str) -> dict | None:
        """Padrón data of a RUC (company_name, address, phones, email, fax, is_customs_agent)."""
        return self._get(f"/api/v1/taxpayers/{ruc}")

    def lookup_laboratory(self, ruc: str) -> dict | None:
        """The ITP registry entry of a laboratory RUC, or None."""
        return self._get(f"/api/v1/itp/laboratories/{ruc}")


def client() -> PadronClient:
    """This app's padrón/ITP client: the client_credentials of ``VUCE_PADRON_CLIENT`` (default
    MR, else the first component mounted)."""
    state = core()
    comp = current_app.config.get("PADRON_CLIENT") or next(iter(state.components))
    auth = state.components.get(comp) or state.default_component()
    return PadronClient(state.meta, auth.client_id, auth.client_secret, state.store)


def phones_text(value) -> str | None:
    """The padrón ``phones`` (a list or a string) as one display string."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return " / ".join(str(v) for v in value if v) or None
    return str(value) or None
