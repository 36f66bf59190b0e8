"""CLI of the directory: taxpayers, secondary users, Extranet officials, ITP, seed."""

import click
from flask.cli import AppGroup, with_appcontext

from .domain.errors import DomainError
from .services import directory
from .storage.db import db


def _run(fn, **kwargs):
    try:
        result = fn(**kwargs)
        db.session.commit()
        return result
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


taxpayers_cli = AppGroup("taxpayers", help="Contribuyentes (RUC) y su Usuario Principal.")


@taxpayers_cli.command("create")
@click.option("--ruc", required=True)
@click.option("--company-name", required=True)
@click.option("--principal-username", required=True)
@click.option("--principal-password", required=True)
@click.option("--address", default="")
@click.option("--phones", default="")
@click.option("--email", default="")
@click.option("--fax", default="")
@click.option("--customs-agent", "is_customs_agent", is_flag=True)
def taxpayers_create(**kwargs):
    """Create a RUC with its padrón data and its principal user."""
    t = _run(directory.create_taxpayer, actor="cli", **kwargs)
    click.echo(f"RUC {t.ruc} creado ({t.company_name})")


users_cli = AppGroup("users", help="Usuarios secundarios.")


@users_cli.command("create")
@click.option("--ruc", required=True)
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--document-type", required=True, type=click.Choice(["DNI", "CE", "PASAPORTE"]))
@click.option("--document-number", required=True)
@click.option("--names", default=None)
@click.option("--email", default=None)
@click.option("--profile", "profiles", multiple=True)
@click.option("--role", "roles", multiple=True)
def users_create(ruc, **kwargs):
    """Create a secondary user with its profiles and roles."""
    u = _run(directory.create_secondary_user, ruc=ruc, actor="cli", **kwargs)
    click.echo(f"usuario {u.username} creado en el RUC {u.ruc}")


@users_cli.command("create-extranet")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--names", required=True)
@click.option("--entity", required=True)
@click.option("--email", default=None)
def users_create_extranet(**kwargs):
    """Create an Extranet official (EXT…)."""
    u = _run(directory.create_extranet_user, actor="cli", **kwargs)
    click.echo(f"usuario Extranet {u.username} creado")


@click.command("seed")
@with_appcontext
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False))
def seed(path):
    """Load taxpayers, users, Extranet users, labs and clients from a YAML/JSON file."""
    from .services import clients
    from .services import seed as seed_service

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
