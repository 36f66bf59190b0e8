"""Demo data of ``vuce-sol up``: the IdP directory (``idp/demo/demo.yaml``), VUCE's accounts and
trámites (``vuce.yaml`` here) and the guide printed at start-up (who shows which story)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
VUCE_FILE = HERE / "vuce.yaml"
PASSWORD = "Clave123"


@dataclass(frozen=True)
class DemoUser:
    """One row of the printed guide."""

    ruc: str | None  # None for Extranet officials
    username: str
    story: str  # what logging in with this user shows (Spanish: it is for the user)


IMPORTER = "20123456786"
EXPORTER = "20600000013"
AGENCY = "20500000008"
LAB = "20000000010"
NATURAL = "10456789019"

GUIDE: tuple[DemoUser, ...] = (
    DemoUser(
        IMPORTER,
        "PRINCIPA",
        "Usuario Principal: administra usuarios secundarios en SOL; ya registrado en VUCE",
    ),
    DemoUser(IMPORTER, "OPERADOR", "OPERACION: registra trámites; apto para contingencia"),
    DemoUser(
        IMPORTER,
        "SUPERVIS",
        "SUPERVISOR: ve buzones y trámites del RUC; NO apto para contingencia (sin consentimiento)",
    ),
    DemoUser(
        IMPORTER,
        "SUPEROPE",
        "SUPERVISOR+OPERACION; primer ingreso: registro (nuevo, no apto para contingencia)",
    ),
    DemoUser(IMPORTER, "AGENTE01", f"AGENTE_ADUANA+OPERACION: registro con agencia {AGENCY}"),
    DemoUser(IMPORTER, "LABORA01", f"LABORATORIO+OPERACION: registro con laboratorio {LAB}"),
    DemoUser(IMPORTER, "SINROLES", "mensaje 1: sin roles"),
    DemoUser(IMPORTER, "AGENLAB1", "mensaje 2: AGENTE_ADUANA y LABORATORIO a la vez"),
    DemoUser(IMPORTER, "AGENSOPE", "mensaje 3 (b): AGENTE_ADUANA sin OPERACION"),
    DemoUser(
        EXPORTER,
        "AGENTSUR",
        f"mensaje 3 (a): el principal del RUC {EXPORTER} no se registró en VUCE",
    ),
    DemoUser(
        IMPORTER,
        "EXAGENTE",
        "mensaje 4: registrado como AGENTE_ADUANA, con trámite; ya no tiene el rol",
    ),
    DemoUser(IMPORTER, "SUSPENDI", "mensaje 5: usuario suspendido"),
    DemoUser(IMPORTER, "ELIMINAD", "mensaje 5: usuario eliminado"),
    DemoUser(IMPORTER, "SINPERFI", "sin perfil VUCE: SOL niega el acceso"),
    DemoUser(EXPORTER, "PRINCSUR", "Usuario Principal sin registro en VUCE"),
    DemoUser(AGENCY, "PRINCAGE", "Agencia de aduanas (padrón: es agente de aduana)"),
    DemoUser(LAB, "PRINCLAB", "Laboratorio (padrón SUNAT + registro ITP)"),
    DemoUser(NATURAL, "ROSAQUIS", "persona natural (RUC 10): registro del principal"),
    DemoUser(None, "EXT0001", "Funcionario Extranet (DIGESA); apto para contingencia"),
    DemoUser(None, "EXT0002", "Funcionario Extranet (SENASA); nuevo en VUCE"),
)


def read_vuce(path: str | Path = VUCE_FILE) -> dict:
    """The VUCE demo document: ``accounts`` (POST /api/v1/accounts bodies) and ``tramites``."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    unknown = set(data) - {"accounts", "tramites"}
    if unknown:
        raise ValueError(f"secciones desconocidas: {sorted(unknown)}")
    return data


def load_vuce(data: dict) -> dict:
    """Import the accounts and file the trámites through VUCE's services (needs an app context)."""
    from flask import current_app

    from vuce_client.services import accounts, tramites
    from vuce_client.storage import db

    counts = {"accounts": 0, "tramites": 0}
    for body in data.get("accounts") or []:
        accounts.import_account(dict(body), terms_version=current_app.config["TERMS_VERSION"])
        counts["accounts"] += 1
    for entry in data.get("tramites") or []:
        entry = dict(entry)
        key = f"sol:{entry['ruc']}:{entry['sol_username'].upper()}"
        account = accounts.get_by_key(key)
        if account is None:
            raise ValueError(f"trámite de una cuenta inexistente: {key}")
        if entry.get("linked_ruc"):
            account.linked_ruc = entry["linked_ruc"]
        tramites.file(
            account,
            roles=entry["roles"],
            user_type=account.user_type,
            kind=entry["kind"],
            component=entry["component"],
            subject=entry["subject"],
        )
        counts["tramites"] += 1
    db.session.commit()
    return counts
