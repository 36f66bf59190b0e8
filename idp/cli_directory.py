"""CLI of the directory: taxpayers, secondary users, Extranet officials, ITP, seed."""

import click
from flask.cli import AppGroup, with_appcontext

from .domain import accounts as rules
from .domain import messages
from .domain.errors import DomainError
from .oidc import logout
from .services import clients, directory
from .services import seed as seed_service
from .storage.db import db


def _run(fn, **kwargs):
    """Run a directory service and commit; a status change then sends its back-channel
    logouts (after the commit, as the API and the screens do) and gives its row."""
    try:
        result = fn(**kwargs)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    if isinstance(result, directory.StatusChange):
        logout.commit_then_notify(result.ended)
        return result.view
    db.session.commit()
    return result


taxpayers_cli = AppGroup("taxpayers", help="Contribuyentes (RUC) y su Usuario Principal.")


@taxpayers_cli.command("create")
@click.option("--ruc", required=True, help="RUC de 11 dígitos (con dígito verificador)")
@click.option("--company-name", required=True, help="Razón Social")
@click.option("--principal-username", required=True, help="usuario del Usuario Principal")
@click.option("--principal-password", required=True, help="clave del Usuario Principal")
@click.option("--address", default="", help="dirección (padrón)")
@click.option("--phones", default="", help="teléfonos (padrón)")
@click.option("--email", default="", help="correo electrónico (padrón)")
@click.option("--fax", default="", help="fax (padrón)")
@click.option(
    "--customs-agent", "is_customs_agent", is_flag=True, help="es agencia de aduanas (padrón)"
)
def taxpayers_create(**kwargs):
    """Crea un RUC con sus datos del padrón y su Usuario Principal."""
    t = _run(directory.create_taxpayer, actor="cli", **kwargs)
    click.echo(f"RUC {t.ruc} creado ({t.company_name})")


users_cli = AppGroup("users", help="Usuarios secundarios.")


@users_cli.command("create")
@click.option("--ruc", required=True, help="RUC del contribuyente")
@click.option("--username", required=True, help="usuario secundario (8 caracteres)")
@click.option("--password", required=True, help="clave SOL inicial")
@click.option(
    "--document-type",
    required=True,
    type=click.Choice(["DNI", "CE", "PASAPORTE"]),
    help="tipo de documento de identidad",
)
@click.option("--document-number", required=True, help="número de documento")
@click.option("--names", default=None, help="apellidos y nombres")
@click.option("--email", default=None, help="correo electrónico")
@click.option(
    "--profile", "profiles", multiple=True, help="perfil, p. ej. ADUANAS.VUCE (repetible)"
)
@click.option(
    "--role", "roles", multiple=True, help="rol, p. ej. VUCE.USUARIO.OPERACION (repetible)"
)
def users_create(ruc, **kwargs):
    """Crea un usuario secundario con sus perfiles y roles."""
    u = _run(directory.create_secondary_user, ruc=ruc, actor="cli", **kwargs)
    click.echo(f"usuario {u.username} creado en el RUC {u.ruc}")


@users_cli.command("create-extranet")
@click.option("--username", required=True, help="usuario Extranet (EXT…)")
@click.option("--password", required=True, help="clave inicial")
@click.option("--names", required=True, help="apellidos y nombres")
@click.option("--entity", required=True, help="entidad, p. ej. DIGESA")
@click.option("--email", default=None, help="correo electrónico")
def users_create_extranet(**kwargs):
    """Crea un funcionario de la Extranet (EXT…)."""
    u = _run(directory.create_extranet_user, actor="cli", **kwargs)
    click.echo(f"usuario Extranet {u.username} creado")


@users_cli.command("extranet-status")
@click.argument("username")
@click.argument("action", type=click.Choice(["suspend", "reactivate", "delete"]))
@click.option("--yes", is_flag=True, help="Confirmar sin preguntar (también la eliminación).")
def users_extranet_status(username, action, yes):
    """Suspende, reactiva o elimina un funcionario de la Extranet (EXT…).

    Suspender o eliminar cierra sus sesiones y revoca sus tokens al instante; la eliminación
    no se puede revertir. ACTION: suspend, reactivate o delete.
    """
    row = _run(directory.get_extranet_user, username=username)
    try:
        target = rules.next_status(row.status, action)
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    if not yes:
        question = messages.STATUS_CHANGE_CONFIRM.format(username=row.username, status=target.label)
        click.confirm(question, abort=True)
        if rules.parse_status_action(action).needs_irreversible_confirmation:
            click.confirm(messages.DELETE_IRREVERSIBLE, abort=True)
    row = _run(directory.change_extranet_status, username=username, action=action, actor="cli")
    click.echo(f"usuario Extranet {row.username}: {row.status}")


@click.command("seed")
@with_appcontext
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="archivo YAML o JSON (formato de idp/demo/demo.yaml)",
)
def seed(path):
    """Carga contribuyentes, usuarios, usuarios Extranet, laboratorios y clientes de un archivo."""
    try:
        counts = seed_service.load(seed_service.read(path), actor="cli")
        db.session.commit()
    except (DomainError, seed_service.SeedError, clients.ClientError) as exc:
        db.session.rollback()
        message = f"{exc.code}: {exc.message}" if isinstance(exc, DomainError) else str(exc)
        raise click.ClickException(message) from exc
    click.echo(", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nada que cargar")


def register(app) -> None:
    app.cli.add_command(taxpayers_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed)
