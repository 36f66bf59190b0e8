"""The codes of the audit trail ("Historial") and their Spanish labels (domain.md §11)."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    """Every administrative or security action recorded; the value is the stored code."""

    USER_CREATED = "USER_CREATED"
    PROFILES_CHANGED = "PROFILES_CHANGED"
    ROLES_CHANGED = "ROLES_CHANGED"
    STATUS_CHANGED = "STATUS_CHANGED"
    PASSWORD_CHANGED = "PASSWORD_CHANGED"
    TAXPAYER_CREATED = "TAXPAYER_CREATED"
    EXTRANET_USER_CREATED = "EXTRANET_USER_CREATED"
    EXTRANET_STATUS_CHANGED = "EXTRANET_STATUS_CHANGED"
    LAB_REGISTERED = "LAB_REGISTERED"
    LOGIN_FAILED = "LOGIN_FAILED"
    LOGIN_LOCKED = "LOGIN_LOCKED"
    KEY_ROTATED = "KEY_ROTATED"
    CLIENT_REGISTERED = "CLIENT_REGISTERED"
    OUTAGE_MODE_SET = "OUTAGE_MODE_SET"

    @property
    def label(self) -> str:
        """The Spanish text shown in the "Historial" screen."""
        return AUDIT_LABELS[self]


AUDIT_LABELS: dict[AuditAction, str] = {
    AuditAction.USER_CREATED: "Creación de usuario secundario",
    AuditAction.PROFILES_CHANGED: "Modificación de perfiles",
    AuditAction.ROLES_CHANGED: "Asignación de roles",
    AuditAction.STATUS_CHANGED: "Modificación de estado",
    AuditAction.PASSWORD_CHANGED: "Cambio de clave",
    AuditAction.TAXPAYER_CREATED: "Registro de contribuyente y usuario principal",
    AuditAction.EXTRANET_USER_CREATED: "Creación de usuario Extranet",
    AuditAction.EXTRANET_STATUS_CHANGED: "Modificación de estado de usuario Extranet",
    AuditAction.LAB_REGISTERED: "Registro de laboratorio ITP",
    AuditAction.LOGIN_FAILED: "Intento de ingreso fallido",
    AuditAction.LOGIN_LOCKED: "Bloqueo temporal por intentos fallidos",
    AuditAction.KEY_ROTATED: "Rotación de llaves de firma",
    AuditAction.CLIENT_REGISTERED: "Registro de aplicación cliente",
    AuditAction.OUTAGE_MODE_SET: "Cambio del modo de simulación de caída",
}


def label_for(code: str) -> str:
    """The label of a stored code; unknown codes (older or newer rows) show as they are."""
    try:
        return AuditAction(code).label
    except ValueError:
        return code
