"""``flask --app vuce_client …`` commands: the same services as the screens and the API."""

import json

import click
from flask import current_app
from flask.cli import AppGroup

from .domain import messages
from .domain.errors import ImportRefused
from .services import accounts as account_service
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
    for auth in current_app.extensions["vuce_core"].components.values():
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


def register_cli(app) -> None:
    app.cli.add_command(accounts_cli)
    app.cli.add_command(clients_command)
