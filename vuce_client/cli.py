"""``flask --app vuce_client …`` commands: the same services as the screens and the API.

``accounts import`` (``POST /api/v1/accounts``), ``clients`` (what the IdP must register) and
``contingency on|off|status`` (the operator's switch of ``PUT /api/v1/contingency``); the mail
worker's command lives with the outbox (``vuce_client.mail``).
"""

import json

import click
from flask import current_app
from flask.cli import AppGroup

from webcommon import running

from .core import core
from .domain import messages
from .domain.errors import ContingencyDisabled, ImportRefused
from .services import accounts as account_service
from .services import contingency as contingency_service
from .storage import db

accounts_cli = AppGroup("accounts", help="Cuentas VUCE.")


@accounts_cli.command("import")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="JSON: una cuenta o una lista (cuerpos de POST /api/v1/accounts)",
)
def accounts_import(path):
    """Importa cuentas ya registradas (el mismo servicio que POST /api/v1/accounts)."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    rows = data if isinstance(data, list) else [data]
    try:
        for payload in rows:
            account, created = account_service.import_account(
                payload, terms_version=current_app.config["TERMS_VERSION"]
            )
            done = messages.CLI_ACCOUNT_CREATED if created else messages.CLI_ACCOUNT_UPDATED
            click.echo(done.format(key=account.account_key))
    except ImportRefused as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    db.session.commit()


@click.command("clients")
def clients_command():
    """Imprime el registro OIDC que cada componente necesita en el IdP (JSON)."""
    out = []
    for auth in core().components.values():
        out.append(
            {
                "client_id": auth.client_id,
                "secret": auth.client_secret,
                "redirect_uris": [auth.redirect_uri],
                "post_logout_redirect_uris": [auth.post_logout_redirect_uri],
                "backchannel_logout_uri": auth.backchannel_logout_uri,
                "first_party": True,
                "accepts_inactive_accounts": True,
                "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
                "scope": "openid profile email sol offline_access padron",
            }
        )
    click.echo(json.dumps({"clients": out}, indent=2, ensure_ascii=False))


# -- contingency (§7) ----------------------------------------------------------------------------

contingency_cli = AppGroup("contingency", help="Modo contingencia de autenticación (§7).")
API_PATH = "/api/v1/contingency"


def _running_server():
    """VUCE's running server when its switch lives in that server's memory (no
    VUCE_REDIS_URL): this process's store would be a private, empty one."""
    if current_app.config["REDIS_URL"]:
        return None
    return running.admin_api(current_app.config, "VUCE", "VUCE", "vuce_admin_token")


def _switch(active: bool) -> None:
    server = _running_server()
    try:
        if server is not None:
            state = server.call("PUT", API_PATH, {"active": active})
        else:
            state = contingency_service.get().set_active(active, actor="cli", source="cli")
    except running.NotApplied as exc:
        raise click.ClickException(str(exc)) from exc
    except ContingencyDisabled as exc:
        raise click.ClickException(exc.message) from exc
    shown = (
        messages.CLI_CONTINGENCY_ACTIVE if state["active"] else messages.CLI_CONTINGENCY_INACTIVE
    )
    click.echo(messages.CLI_CONTINGENCY_STATE.format(state=shown, mode=state["mode"]))


@contingency_cli.command("on")
def contingency_on():
    """Activa la contingencia (operador)."""
    _switch(True)


@contingency_cli.command("off")
def contingency_off():
    """Desactiva la contingencia (operador); en modo auto también cierra el breaker."""
    _switch(False)


@contingency_cli.command("status")
def contingency_status():
    """Muestra el estado, el breaker y los últimos cambios."""
    state = contingency_service.get()
    server = _running_server()
    try:
        status = server.call("GET", API_PATH) if server is not None else state.status()
    except running.NotApplied as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(status, indent=2))
    for row in state.history(10):  # in the database, shared with the server
        click.echo(f"{row.at:%Y-%m-%d %H:%M:%S}  {row.event:<16} {row.detail}")


def register_cli(app) -> None:
    """The account and client commands (any app with the VUCE core)."""
    app.cli.add_command(accounts_cli)
    app.cli.add_command(clients_command)
