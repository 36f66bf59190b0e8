"""CLI commands that change state kept in a running server's memory.

With the embedded in-process store (no ``*_REDIS_URL``), a ``flask --app … sim outage`` or
``contingency on`` process has its own empty store: writing there changes nothing in the server
that ``vuce-sol up`` (or ``flask run``) started. Such commands go through the server's admin API
instead (port and admin token from the same settings and instance folder the server uses), and
when that fails they refuse with one Spanish line and the equivalent ``curl``: never a success
they did not have.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

import requests

TIMEOUT = 10.0


class NotApplied(Exception):
    """The running server could not be reached or refused: nothing changed."""


@dataclass(frozen=True)
class RunningServer:
    """The admin API of this app's running server, as the CLI process can reach it."""

    base_url: str  # http://127.0.0.1:PORT
    token: str
    token_hint: str  # how a shell gets the token: "$IDP_ADMIN_TOKEN" or "$(cat …/idp_admin_token)"
    what: str  # "el IdP", "VUCE": for the messages

    def curl(self, method: str, path: str, body: dict | None = None) -> str:
        """The same request for a shell; the token stays an expansion, never printed."""
        auth = f'"Authorization: Bearer {self.token_hint}"'
        line = f"curl -X {method} {self.base_url}{path} -H {auth}"
        if body is not None:
            line += " -H 'Content-Type: application/json' -d " + shlex.quote(json.dumps(body))
        return line

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        """The API's JSON answer; ``NotApplied`` (Spanish, with the curl) on any failure."""
        url = self.base_url + path
        try:
            resp = requests.request(
                method,
                url,
                json=body,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            reason = "no responde" if isinstance(exc, requests.Timeout) else "no está en marcha"
            raise self._refusal(
                f"{self.what} en {self.base_url} {reason}", method, path, body
            ) from exc
        if resp.status_code == 401:
            raise self._refusal(
                f"{self.what} en {self.base_url} rechazó el token de administración (¿otra "
                "carpeta de instancia?)",
                method,
                path,
                body,
            )
        try:
            answer = resp.json()
        except ValueError:
            answer = None
        if not resp.ok or not isinstance(answer, dict):
            detail = answer.get("message") if isinstance(answer, dict) else None
            raise self._refusal(
                f"{self.what} respondió {resp.status_code}" + (f": {detail}" if detail else ""),
                method,
                path,
                body,
            )
        return answer

    def _refusal(self, reason: str, method: str, path: str, body: dict | None) -> NotApplied:
        return NotApplied(
            f"No se aplicó: {reason}; sin *_REDIS_URL el estado vive en la memoria del servidor "
            f"y solo su API lo cambia.\n  {self.curl(method, path, body)}"
        )


def admin_api(cfg: dict, prefix: str, what: str, token_file: str) -> RunningServer:
    """This app's server on the loopback port of its settings, with its admin token."""
    if os.environ.get(f"{prefix}_ADMIN_TOKEN"):
        hint = f"${prefix}_ADMIN_TOKEN"
    else:
        hint = f"$(cat {shlex.quote(str(Path(cfg['INSTANCE_PATH']) / token_file))})"
    return RunningServer(
        base_url=f"http://127.0.0.1:{cfg['PORT']}",
        token=str(cfg["ADMIN_TOKEN"]),
        token_hint=hint,
        what=what,
    )
