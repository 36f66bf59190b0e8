"""``flask --app idp …`` commands: the same services as the screens and the API."""

import json

import click
from flask import current_app
from flask.cli import AppGroup

from . import cli_directory, cli_sim
from .services import audit
from .services import clients as client_service
from .storage.db import db


def _server():
    return current_app.extensions["sol_server"]


clients_cli = AppGroup("clients", help="Registro de clientes OIDC.")


@clients_cli.command("add")
@click.option("--client-id", required=True, help="identificador del cliente (client_id)")
@click.option("--secret", default=None, help="se genera uno si se omite (clientes confidenciales)")
@click.option(
    "--redirect-uri",
    "redirect_uris",
    multiple=True,
    help="URI de retorno exacta (repetible); sin patrones ni prefijos",
)
@click.option("--public", is_flag=True, help="cliente público: sin secreto, PKCE obligatorio")
@click.option(
    "--first-party", is_flag=True, help="propio de SUNAT/VUCE: sin pantalla de consentimiento"
)
@click.option(
    "--token-endpoint-auth-method",
    type=click.Choice(["client_secret_basic", "client_secret_post", "none"]),
    help="autenticación en /token (por defecto client_secret_basic; none si --public)",
)
@click.option(
    "--post-logout-redirect-uri",
    "post_logout_redirect_uris",
    multiple=True,
    help="URI admitida tras el cierre de sesión (repetible)",
)
@click.option("--backchannel-logout-uri", help="URI del back-channel logout del cliente")
@click.option(
    "--accepts-inactive-accounts",
    is_flag=True,
    help="recibe a usuarios suspendidos o eliminados (con account_status) en vez de access_denied",
)
@click.option(
    "--required-profile",
    default=None,
    help="perfil que deben tener los usuarios secundarios (p. ej. ADUANAS.VUCE)",
)
@click.option(
    "--scope",
    default=None,
    help=(
        "scopes que el cliente puede pedir, separados por espacios (por defecto "
        f"'{client_service.DEFAULT_SCOPE}'). sol:admin (administrar el propio RUC por la API) y "
        "padron (consultas por client_credentials) solo se conceden si figuran aquí; "
        "si no, el token sale sin ellos y la API responde 403"
    ),
)
@click.option(
    "--grant-type",
    "grant_types",
    multiple=True,
    help="authorization_code, refresh_token o client_credentials (repetible)",
)
@click.option(
    "--introspection",
    is_flag=True,
    help="servidor de recursos: puede introspectar los tokens de todos los clientes (RFC 7662)",
)
@click.option(
    "--pkce-optional",
    is_flag=True,
    help="solo para clientes antiguos: PKCE (S256) deja de ser obligatorio (RFC 9700)",
)
@click.option(
    "--id-token-alg",
    "id_token_signed_response_alg",
    default="RS256",
    type=click.Choice(["RS256", "ES256"]),
    help="algoritmo de firma del ID token",
)
def clients_add(client_id, grant_types, **kwargs):
    """Registra (o actualiza) un cliente e imprime su secreto una sola vez."""
    try:
        row, secret = client_service.register(client_id, grant_types=grant_types or None, **kwargs)
    except client_service.ClientError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(
        json.dumps(
            {
                "client_id": row.client_id,
                "client_secret": secret,
                "token_endpoint_auth_method": row.token_endpoint_auth_method,
                "redirect_uris": row.redirect_uris,
                "introspection": row.introspection,
                "pkce_optional": row.pkce_optional,
            },
            indent=2,
        )
    )


@clients_cli.command("list")
def clients_list():
    """Lista los clientes registrados."""
    for c in client_service.all_clients():
        flags = [
            f
            for f, on in (
                ("first-party", c.first_party),
                ("inactive-ok", c.accepts_inactive_accounts),
                ("introspection", c.introspection),
                ("pkce-optional", c.pkce_optional),
            )
            if on
        ]
        click.echo(
            f"{c.client_id}\t{c.token_endpoint_auth_method}\t"
            f"{' '.join(c.redirect_uris)}\t{','.join(flags)}"
        )


keys_cli = AppGroup("keys", help="Llaves de firma (RS256, ES256).")


@keys_cli.command("rotate")
@click.option(
    "--lead",
    type=int,
    default=None,
    help="segundos entre la publicación y el uso (por defecto IDP_KEY_LEAD_SECONDS)",
)
def keys_rotate(lead):
    """Publica llaves nuevas ya; firman tras el margen; las anteriores siguen publicadas."""
    lead = current_app.config["KEY_LEAD_SECONDS"] if lead is None else lead
    kids = _server().keyring.rotate(lead)
    audit.record("KEY_ROTATED", actor="cli", after={"kids": kids, "lead": lead})
    db.session.commit()
    click.echo(f"nuevas llaves {', '.join(kids)}; firman dentro de {lead} s")


@keys_cli.command("list")
def keys_list():
    """Muestra las llaves publicadas."""
    for jwk in _server().keyring.jwks()["keys"]:
        click.echo(f"{jwk['kid']}\t{jwk['alg']}")


def register_cli(app) -> None:
    app.cli.add_command(clients_cli)
    app.cli.add_command(keys_cli)
    cli_directory.register(app)
    cli_sim.register(app)
