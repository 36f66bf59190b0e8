"""Load a directory from a YAML or JSON document (``flask --app idp seed --file FILE``).

Shape (every section optional)::

    taxpayers:
      - {ruc, company_name, address, phones, email, fax, is_customs_agent,
         principal: {username, password},
         users: [<secondary user without ruc>]}
    users: [{ruc, username, password, document_type, document_number, names, email,
             profiles: [...], roles: [...], status: ACTIVO|SUSPENDIDO|ELIMINADO}]
    extranet_users: [{username, password, names, entity, email}]
    laboratories: [{ruc, name}]
    clients: [<the fields of IDP_CLIENTS_FILE>]

Records that already exist are skipped, so a seed file can be loaded twice.
"""

import json
from collections import Counter
from pathlib import Path

import yaml

from ..domain import errors
from . import clients, directory

_TAXPAYER_FIELDS = {
    "ruc",
    "company_name",
    "address",
    "phones",
    "email",
    "fax",
    "is_customs_agent",
    "principal",
    "users",
}
_USER_FIELDS = {
    "ruc",
    "username",
    "password",
    "document_type",
    "document_number",
    "names",
    "email",
    "profiles",
    "roles",
    "status",
}
_EXTRANET_FIELDS = {"username", "password", "names", "entity", "email"}
_LAB_FIELDS = {"ruc", "name"}
_SECTIONS = {"taxpayers", "users", "extranet_users", "laboratories", "clients"}
_STATUS_ACTIONS = {"SUSPENDIDO": ("suspend",), "ELIMINADO": ("delete",), "ACTIVO": ()}


class SeedError(ValueError):
    """The seed document is malformed (unknown section or field)."""


def read(path: str) -> dict:
    """Parse a JSON or YAML seed file."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise SeedError("el archivo debe contener un objeto con secciones")
    return data


def _check(entry, allowed: set, where: str) -> dict:
    if not isinstance(entry, dict):
        raise SeedError(f"{where}: se esperaba un objeto")
    unknown = set(entry) - allowed
    if unknown:
        raise SeedError(f"{where}: campos desconocidos {sorted(unknown)}")
    return dict(entry)


def _user(entry: dict, counts: Counter, actor: str) -> None:
    status = str(entry.pop("status", "ACTIVO")).upper()
    if status not in _STATUS_ACTIONS:
        raise SeedError(f"users: estado desconocido {status!r}")
    try:
        user = directory.create_secondary_user(actor=actor, **entry)
    except errors.UsernameTaken:
        counts["users_skipped"] += 1
        return
    for action in _STATUS_ACTIONS[status]:
        # a user created in this same transaction holds no login anywhere: nobody to tell
        directory.change_status(user.ruc, user.username, action, actor=actor)
    counts["users"] += 1


def load(data: dict, *, actor: str = "seed") -> Counter:
    """Create everything in ``data`` through the directory services; returns what was done."""
    unknown = set(data) - _SECTIONS
    if unknown:
        raise SeedError(f"secciones desconocidas {sorted(unknown)}")
    counts: Counter = Counter()
    for entry in data.get("taxpayers") or []:
        entry = _check(entry, _TAXPAYER_FIELDS, "taxpayers")
        principal = _check(
            entry.pop("principal", None) or {}, {"username", "password"}, "taxpayers.principal"
        )
        users = entry.pop("users", None) or []
        try:
            directory.create_taxpayer(
                principal_username=principal.get("username"),
                principal_password=principal.get("password"),
                actor=actor,
                **entry,
            )
            counts["taxpayers"] += 1
        except directory.AlreadyExists:
            counts["taxpayers_skipped"] += 1
        for user in users:
            user = _check(user, _USER_FIELDS - {"ruc"}, "taxpayers.users")
            _user(dict(user, ruc=entry.get("ruc")), counts, actor)
    for entry in data.get("users") or []:
        _user(_check(entry, _USER_FIELDS, "users"), counts, actor)
    for entry in data.get("extranet_users") or []:
        try:
            directory.create_extranet_user(
                actor=actor, **_check(entry, _EXTRANET_FIELDS, "extranet_users")
            )
            counts["extranet_users"] += 1
        except directory.AlreadyExists:
            counts["extranet_users_skipped"] += 1
    for entry in data.get("laboratories") or []:
        try:
            directory.register_laboratory(actor=actor, **_check(entry, _LAB_FIELDS, "laboratories"))
            counts["laboratories"] += 1
        except directory.AlreadyExists:
            counts["laboratories_skipped"] += 1
    if data.get("clients"):
        counts["clients"] += len(clients.load_entries(data["clients"], "seed"))
    return counts
