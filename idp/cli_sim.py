"""``flask --app idp sim outage MODE`` and ``flask --app idp sim rp-fault add|list|clear``: the
same operations as ``PUT /api/v1/sim/outage`` and ``/api/v1/sim/rp-faults``.

With IDP_REDIS_URL they write the shared store the servers read. Without it the simulation
lives in the running server's memory, so they call those APIs on it (webcommon.running), or
refuse and change nothing."""

import json
from urllib.parse import quote

import click
from flask import current_app
from flask.cli import AppGroup

from webcommon import running

from .oidc import faults
from .services import clients, rp_faults
from .services import outage as outage_service
from .storage.db import db

OUTAGE_PATH = "/api/v1/sim/outage"
RP_FAULTS_PATH = "/api/v1/sim/rp-faults"
sim_cli = AppGroup("sim", help="Simulación de caídas y de tokens defectuosos de Clave SOL.")


def _running_server():
    """The IdP's running server when the simulation lives in that server's memory (no
    IDP_REDIS_URL): this process's store would be a private, empty one."""
    if current_app.config["REDIS_URL"]:
        return None
    return running.admin_api(current_app.config, "IDP", "el IdP", "idp_admin_token")


def _api(method: str, path: str, body: dict | None = None) -> dict:
    try:
        return _running_server().call(method, path, body)
    except running.NotApplied as exc:
        raise click.ClickException(str(exc)) from exc


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
    """Fija la caída simulada (none, down, slow, flaky, timeout); sin MODE, la muestra.

    Con IDP_REDIS_URL actúa en el almacén compartido; sin él, por la API del IdP en marcha
    (PUT /api/v1/sim/outage), o no hace nada y muestra el curl equivalente."""
    store = current_app.extensions["sol_store"]
    wanted = None
    if mode is not None:
        try:
            wanted = outage_service.parse(mode, latency_ms, error_rate)
        except outage_service.OutageError as exc:
            raise click.BadParameter(str(exc)) from exc
    if _running_server() is not None:
        if wanted is None:
            answer = _api("GET", OUTAGE_PATH)
        else:
            body = {"mode": wanted.mode}
            if latency_ms is not None:
                body["latency_ms"] = latency_ms
            if error_rate is not None:
                body["error_rate"] = error_rate
            answer = _api("PUT", OUTAGE_PATH, body)
        click.echo(json.dumps(answer))
        return
    if wanted is None:
        click.echo(json.dumps(outage_service.read(store).to_dict()))
        return
    _, after = outage_service.set_outage(store, wanted, actor="cli")
    db.session.commit()
    click.echo(json.dumps(after.to_dict()))


@sim_cli.group("rp-fault")
def rp_fault():
    """Banco de pruebas de RP: SOL entrega un token (o respuesta) defectuoso a un cliente."""


def _bench_store():
    if not rp_faults.enabled(current_app.config):
        raise click.ClickException(
            "la simulación está desactivada en producción (IDP_ALLOW_SIMULATION=true la activa)"
        )
    return current_app.extensions["sol_store"]


@rp_fault.command("add")
@click.option("--client-id", required=True, help="client_id del relying party")
@click.option("--fault", required=True, type=click.Choice(faults.NAMES), help="nombre de la falla")
@click.option("--times", type=int, default=1, show_default=True, help="en cuántos flujos")
def rp_fault_add(client_id, fault, times):
    """Arma una falla para los próximos flujos del cliente; la muestra en JSON."""
    try:
        client_id, fault, times = rp_faults.parse(client_id, fault, times)
    except rp_faults.RpFaultError as exc:
        raise click.BadParameter(str(exc)) from exc
    if _running_server() is not None:
        body = {"client_id": client_id, "fault": fault, "times": times}
        click.echo(json.dumps(_api("POST", RP_FAULTS_PATH, body)))
        return
    if clients.get(client_id) is None:
        raise click.BadParameter(
            f"el cliente {client_id!r} no está registrado", param_hint="client-id"
        )
    armed = rp_faults.arm(_bench_store(), client_id, fault, times, actor="cli")
    db.session.commit()
    click.echo(json.dumps(armed.to_dict()))


@rp_fault.command("list")
def rp_fault_list():
    """Las fallas aún armadas, un objeto JSON por línea."""
    if _running_server() is not None:
        for item in _api("GET", RP_FAULTS_PATH)["faults"]:
            click.echo(json.dumps(item))
        return
    for item in rp_faults.armed(_bench_store()):
        click.echo(json.dumps(item.to_dict()))


@rp_fault.command("clear")
@click.option("--id", "fault_id", default=None, help="desarma solo esta falla (por omisión: todas)")
def rp_fault_clear(fault_id):
    """Desarma una falla (--id) o todas."""
    if _running_server() is not None:
        if fault_id:
            _api("DELETE", f"{RP_FAULTS_PATH}/{quote(fault_id, safe='')}")
            click.echo(json.dumps({"cleared": 1}))
        else:
            click.echo(json.dumps(_api("DELETE", RP_FAULTS_PATH)))
        return
    store = _bench_store()
    if fault_id:
        if rp_faults.clear(store, fault_id, actor="cli") is None:
            raise click.ClickException(f"no hay una falla armada con id {fault_id!r}")
        count = 1
    else:
        count = rp_faults.clear_all(store, actor="cli")
    db.session.commit()
    click.echo(json.dumps({"cleared": count}))


def register(app) -> None:
    app.cli.add_command(sim_cli)
