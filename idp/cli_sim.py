"""``flask --app idp sim outage MODE``: the same operation as ``PUT /api/v1/sim/outage``."""

import json

import click
from flask import current_app
from flask.cli import AppGroup

from .services import outage as outage_service
from .storage.db import db

sim_cli = AppGroup("sim", help="Simulación de caídas de Clave SOL.")


@sim_cli.command("outage")
@click.argument(
    "mode", required=False, type=click.Choice(outage_service.MODES, case_sensitive=False)
)
@click.option(
    "--latency-ms",
    type=int,
    default=None,
    help="latencia añadida (slow/flaky) o duración del cuelgue (timeout)",
)
@click.option("--error-rate", type=float, default=None, help="fracción de fallos (flaky), 0..1")
def outage(mode, latency_ms, error_rate):
    """Fija la caída simulada (none, down, slow, flaky, timeout); sin MODE, la muestra."""
    store = current_app.extensions["sol_store"]
    if mode is None:
        click.echo(json.dumps(outage_service.read(store).to_dict()))
        return
    try:
        wanted = outage_service.parse(mode, latency_ms, error_rate)
    except outage_service.OutageError as exc:
        raise click.BadParameter(str(exc)) from exc
    _, after = outage_service.set_outage(store, wanted, actor="cli")
    db.session.commit()
    click.echo(json.dumps(after.to_dict()))


def register(app) -> None:
    app.cli.add_command(sim_cli)
