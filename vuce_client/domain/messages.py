"""The single catalogue of VUCE's Spanish texts (domain.md §11: one catalogue, as in §6.3).

Three kinds of text live here, and each constant says which it is:

- **verbatim**: copied from the seeds through domain.md (§2 item 9, §6.3, §6.4, §7). Do not
  "fix" their spelling or punctuation: message 4 has no final period, "tenia" lacks its accent,
  "éste Usuario" keeps its accent, exactly as in the manual.
- **ours**: the seeds only had screenshots (Q19), so these are neutral texts written here.
- **labels**: form labels seen in the seeds (§6.4 "Modificación de Datos", §7 forms).

Placeholders are positional ``{0}``, as in the manual; fill them with ``str.format``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

# ---------------------------------------------------------------------------------------------
# §6.3: the five entry-check messages of [S0 IX], verbatim.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryMessage:
    """One row of the table in domain.md §6.3: the message, its motivo(s) and solución(es)."""

    number: int
    text: str
    # Paired by position: motivos[i] is solved by soluciones[i] when both have the same length;
    # message 4 has two motivos (agent, laboratory) and a single solución for both.
    motivos: tuple[str, ...]
    soluciones: tuple[str, ...]

    def render(self, *args: object) -> str:
        """The message text with its ``{0}`` placeholder filled."""
        return self.text.format(*args)


MESSAGE_1 = EntryMessage(
    number=1,
    text=(
        "Usted no puede ingresar a la VUCE dado que el usuario no tiene roles registrados "
        "en la VUCE."
    ),
    motivos=(
        "El Usuario Secundario no tiene Roles asignados en la Administración de Usuarios "
        "Secundarios (en SUNAT Operaciones en Línea)",
    ),
    soluciones=(
        "El Usuario Principal debe asignar el(los) Rol(es) según corresponda al Usuario Secundario",
    ),
)

MESSAGE_2 = EntryMessage(
    number=2,
    text=(
        "Usted no puede ingresar a la VUCE dado que tiene asignado el rol de "
        "VUCE.USUARIO.AGENTE_ADUANA y VUCE.USUARIO.LABORATORIO simultáneamente."
    ),
    motivos=(
        "El Usuario Secundario no debería tener el Rol de Agente de Aduana y Laboratorio a la vez",
    ),
    soluciones=("El Usuario Principal debe asignar el(los) Rol(es) según corresponda",),
)

MESSAGE_3 = EntryMessage(
    number=3,
    text=(
        "Usted no puede ingresar a la VUCE dado que el usuario principal del RUC {0} aún no se "
        "ha autenticado y registrado en la VUCE."
    ),
    motivos=(
        # (a) PRINCIPAL_NOT_REGISTERED
        "El Usuario Principal aún no se ha autenticado y accesado al Sistema VUCE",
        # (b) ROLE_WITHOUT_OPERACION: the manual files it under this message (Q2).
        "El Usuario Secundario tiene asignado el Rol de Agente de Aduana o Laboratorio, pero "
        "no como Operador",
    ),
    soluciones=(
        "El poseedor de la clave Sol Principal (Representante Legal Contador, etc.) debe "
        "autenticarse y registrar sus datos en el Sistema antes de iniciar algún trámite",
        "El Usuario Principal debe asignarle a este usuario Secundario, además del Rol de "
        "Agente de Aduana o Laboratorio, también el Rol de Operador",
    ),
)

MESSAGE_4 = EntryMessage(
    number=4,
    # No final period: the source has none (§6.3).
    text=(
        "Usted ya fue registrado con el Rol {0} y realizó por lo menos un trámite en la VUCE. "
        "No puede ingresar sin el rol {0}"
    ),
    motivos=(
        # (a) the account was registered as AGENTE_ADUANA
        "Si el Usuario Secundario tenía ROL de Agente de Aduanas y ahora NO lo tiene y además "
        "tiene trámites ya hechos en la VUCE, no puede entrar",
        # (b) the account was registered as LABORATORIO ("tenia" without accent, as in [S0])
        "Si el Usuario Secundario tenia ROL de Laboratorio y ahora NO lo tiene y además tiene "
        "trámites ya hechos en la VUCE, no puede entrar",
    ),
    soluciones=(
        "Para continuar con el trámite, restituir el(los) Rol(es). Caso contrario, crearle un "
        "nuevo Usuario Secundario",
    ),
)

MESSAGE_5 = EntryMessage(
    number=5,
    text="El Usuario no está activo",
    motivos=(
        "El Usuario Secundario ha sido Suspendido",
        "El Usuario Secundario ha sido Eliminado",
    ),
    soluciones=(
        "El Usuario Principal debe modificar el Estado de éste Usuario, dando clic en Reactivar",
        "El Usuario Principal debe crearle como Usuario Secundario nuevo",
    ),
)

ENTRY_MESSAGES = MappingProxyType(
    {m.number: m for m in (MESSAGE_1, MESSAGE_2, MESSAGE_3, MESSAGE_4, MESSAGE_5)}
)

# ---------------------------------------------------------------------------------------------
# ours: SOL refused the login (access_denied). VUCE's clients are first-party and accept inactive
# accounts, so SOL refuses only a secondary user without the VUCE profile (domain.md §9, Q5).
# ---------------------------------------------------------------------------------------------

PROFILE_MISSING_TITLE = "Su usuario no tiene el perfil de la VUCE"
PROFILE_MISSING_TEXT = (
    "SUNAT Operaciones en Línea no autorizó el ingreso a la VUCE: su usuario secundario no "
    "tiene asignado el perfil «Mis trámites aduaneros / VUCE» (ADUANAS.VUCE)."
)
PROFILE_MISSING_STEPS = (
    "El Usuario Principal del RUC ingresa a SUNAT Operaciones en Línea con su Clave SOL.",
    "En «Administración de Usuarios Secundarios» elige este usuario y pulsa «Modificar Perfiles».",
    "Marca el perfil «Mis trámites aduaneros / VUCE», asigna los roles de la VUCE que "
    "correspondan y pulsa «Grabar».",
    "Cuando el perfil esté vigente, vuelva a ingresar a la VUCE con su Clave SOL.",
)

# ---------------------------------------------------------------------------------------------
# ours (Q19): a refused SOL callback. The page says only what the person can do; the reason
# (``domain.errors``) goes to the audit trail.
# ---------------------------------------------------------------------------------------------

CALLBACK_REFUSED = (
    "No se pudo completar el ingreso a la VUCE. Vuelva a intentarlo desde la página de inicio."
)
IDP_DOWN = (
    "El servicio de autenticación de SUNAT no responde en este momento. Inténtelo "
    "nuevamente en unos minutos."
)
CLAIMS_MISSING = (
    "SUNAT no envió los datos de su usuario que la VUCE necesita (RUC, tipo de usuario o "
    "roles). No se pudo completar el ingreso; vuelva a intentarlo más tarde."
)

# ---------------------------------------------------------------------------------------------
# §6.4: first-login registration and "Modificación de Datos".
# ---------------------------------------------------------------------------------------------

# verbatim [S0 VIII]
REGISTRATION_USER_SECTION = "DATOS GENERALES USUARIO"
REGISTRATION_AGENT_SECTION = "DATOS GENERALES DEL AGENTE DE ADUANA"
# ours: [S0 VIII] only says the laboratory step is "similar", its title was a screenshot.
REGISTRATION_LAB_SECTION = "DATOS GENERALES DEL LABORATORIO"
# verbatim [S0 VIII]: the agency lookup returns these fields.
REGISTRATION_AGENT_LOOKUP_FIELDS = "Razón Social, Dirección, Teléfonos, E-mail y Fax"
REGISTRATION_EMAIL_IMPORTANCE = (
    "Es muy importante que registre el correo electrónico, porque allí se le informará, de "
    "manera complementaria al Buzón Electrónico, todas las comunicaciones y notificaciones "
    "sobre sus trámites."
)
# verbatim [S1 Anexo I]
NOTIFICATIONS_CONSENT_LABEL = (
    "Acepto recibir una copia de las notificaciones de la VUCE en la cuenta de correo indicada."
)
# verbatim [S0 VIII]
TERMS_TITLE = "Condiciones del Servicio"
TERMS_INSTRUCTION = "Luego de leer las Condiciones del Servicio, marcar con un Check su aceptación"
REGISTRATION_DONE = (
    "Ha culminado su registro, ahora puede ingresar a la VUCE y realizar sus operaciones."
)
# verbatim [S0 VIII] (minus a doubled space from the PDF): how to edit one's data later.
PROFILE_EDIT_HINT = (
    "Si en algún momento quiere cambiar sus datos como usuario secundario en la VUCE (correo "
    "electrónico, teléfono, etc.) podrá dar clic sobre su nombre, en el menú principal de la "
    "VUCE y realizar los cambios necesarios."
)
# labels [S1 Anexo I]
PROFILE_EDIT_TITLE = "Modificación de Datos"
PROFILE_EDIT_BUTTON = "Actualizar Datos"
# ours
PROFILE_EDIT_DONE = "Sus datos han sido actualizados."

# labels: keyed by the field names of ``registration.RegistrationData`` so that a form can show
# each error next to its field. "Dirección de su Domicilio" is [S0 VIII]; the rest [S1 Anexo I].
FIELD_LABELS = MappingProxyType(
    {
        "names": "Apellidos y Nombres",
        "document_type": "Tipo de Documento de Identificación",
        "ubigeo": "Ubigeo",
        "department": "Departamento",
        "province": "Provincia",
        "district": "Distrito",
        "address": "Dirección de su Domicilio",
        "reference": "Referencia",
        "phone": "Teléfono",
        "mobile": "Celular",
        "fax": "Fax",
        "email": "E-mail",
        "notifications_consent": NOTIFICATIONS_CONSENT_LABEL,
        "accepted_terms_version": TERMS_TITLE,
        "area": "Área",
        "sub_area": "Sub-área",
        "linked_ruc": "RUC",
    }
)

# ours: registration errors, one per rule of §6.4 / §3.5.
ERR_NAMES_REQUIRED = "Ingrese sus apellidos y nombres."
ERR_NAMES_TOO_LONG = "Los apellidos y nombres no deben exceder los {0} caracteres."
ERR_ADDRESS_REQUIRED = "Ingrese la dirección de su domicilio."
ERR_ADDRESS_TOO_LONG = "La dirección no debe exceder los {0} caracteres."
ERR_REFERENCE_TOO_LONG = "La referencia no debe exceder los {0} caracteres."
ERR_UBIGEO_INVALID = "Seleccione un departamento, una provincia y un distrito válidos."
ERR_EMAIL_REQUIRED = "Ingrese su correo electrónico."
ERR_EMAIL_INVALID = "El correo electrónico ingresado no es válido."
ERR_PHONE_INVALID = (
    "Ingrese un número válido: de 6 a 20 caracteres entre dígitos, espacios y ( ) + - /."
)
ERR_TERMS_NOT_ACCEPTED = "Debe aceptar las Condiciones del Servicio para culminar su registro."
ERR_TERMS_OUTDATED = "Debe aceptar la versión vigente de las Condiciones del Servicio."
ERR_AREA_TOO_LONG = "El texto no debe exceder los {0} caracteres."
ERR_LINKED_RUC_REQUIRED_AGENT = "Ingrese el RUC de la Agencia de Aduanas."
ERR_LINKED_RUC_REQUIRED_LAB = "Ingrese el RUC del Laboratorio."
ERR_LINKED_RUC_INVALID = "El RUC ingresado no es válido: verifique sus 11 dígitos."
ERR_AGENCY_RUC_UNKNOWN = "El RUC ingresado no se encuentra registrado en la SUNAT."
ERR_NOT_CUSTOMS_AGENT = (
    "El RUC ingresado no corresponde a un Agente de Aduana registrado en la SUNAT."
)
# {0} = the laboratory registry's display name, configurable (Q17); "ITP" by default.
ERR_LAB_NOT_IN_REGISTRY = (
    "El RUC ingresado no corresponde a un laboratorio registrado en la Base de Datos del {0}."
)
DEFAULT_LAB_REGISTRY_NAME = "ITP"
# ours: the padrón / ITP lookup did not answer; the user may retry later.
ERR_LOOKUP_UNAVAILABLE = (
    "No se pudo validar el RUC en este momento. Inténtelo nuevamente en unos minutos."
)

# ---------------------------------------------------------------------------------------------
# §7: contingency authentication.
# ---------------------------------------------------------------------------------------------

# verbatim [S1]
CONTINGENCY_BANNER = (
    "El Sistema de Clave SOL de SUNAT temporalmente no se encuentra disponible. Por favor, "
    "ingrese sus datos y VUCE le enviará un correo electrónico con las indicaciones para "
    "acceder al Sistema"
)
CONTINGENCY_RUC_LABEL = "Ingrese los 11 dígitos de su RUC"
# Also the label of the Extranet form, where the user types EXT…, as in the seed (Q13).
CONTINGENCY_USER_LABEL = "Ingrese su usuario SOL"
CONTINGENCY_CAPTCHA_LABEL = "No soy un robot"
CONTINGENCY_SUBMIT = "ENVIAR CORREO ELECTRÓNICO"
CONTINGENCY_PROCEED = "Proceda a continuar su trámite"
# labels [S1 I]: the two ways in.
LOGIN_SOL = "Ingresa con Clave SOL"
LOGIN_EXTRANET = "Ingresar a la Extranet"

# ours (Q19). One answer for every request so that the form reveals nothing (§7); {0} is the
# link lifetime, rendered by ``contingency_check_email`` ("10 minutos" by default).
CONTINGENCY_CHECK_EMAIL_TEMPLATE = (
    "Revise su correo electrónico. El enlace enviado perderá validez pasados {0}."
)
CONTINGENCY_LINK_EXPIRED = (
    "El enlace ha perdido validez porque venció su plazo. Solicite un nuevo enlace."
)
CONTINGENCY_LINK_USED = (
    "El enlace ya fue utilizado. Cada enlace sirve una sola vez: solicite uno nuevo."
)
CONTINGENCY_LINK_SUPERSEDED = (
    "El enlace ya no es válido porque se solicitó uno más reciente. Use el último enlace "
    "enviado a su correo electrónico."
)
CONTINGENCY_LINK_INVALID = "El enlace no es válido. Verifique que lo copió completo."
CONTINGENCY_OFF = "El ingreso por contingencia no está activo. Ingrese a la VUCE con su Clave SOL."
CONTINGENCY_CAPTCHA_FAILED = "Marque la casilla «No soy un robot» e inténtelo nuevamente."
CONTINGENCY_RUC_INVALID = "Ingrese los 11 dígitos de un RUC válido."
CONTINGENCY_USER_REQUIRED = "Ingrese su usuario SOL."
TOO_MANY_ATTEMPTS = "Ha realizado demasiados intentos. Espere unos minutos e inténtelo nuevamente."
CONTINGENCY_LINK_OPEN_BUTTON = "Ingresar a la VUCE"
CONTINGENCY_SESSION_NOTE = "Ingreso por contingencia"
CONTINGENCY_NEEDS_SOL = (
    "Para completar su registro en la VUCE debe ingresar con su Clave SOL cuando el "
    "servicio de SUNAT se restablezca."
)
CONTINGENCY_EMAIL_SUBJECT = "VUCE - Acceso por contingencia"
# ours: the operator's switch (API, page and CLI)
CONTINGENCY_DISABLED = "La contingencia está deshabilitada (VUCE_CONTINGENCY=off)."
CONTINGENCY_SWITCH_BODY = 'Se espera {"active": true|false}.'
ADMIN_TOKEN_REQUIRED = "Se requiere el token de administración de VUCE."
ADMIN_TOKEN_WRONG = "Token de administración incorrecto."
CLI_CONTINGENCY_STATE = "contingencia {state} (modo {mode})"
CLI_CONTINGENCY_ACTIVE = "ACTIVA"
CLI_CONTINGENCY_INACTIVE = "INACTIVA"


def contingency_check_email(ttl_seconds: int = 600) -> str:
    """The "revise su correo" answer for a link that lives ``ttl_seconds`` (§7, Q19)."""
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    if ttl_seconds % 60:
        span = f"{ttl_seconds} segundos"
    else:
        minutes = ttl_seconds // 60
        span = "1 minuto" if minutes == 1 else f"{minutes} minutos"
    return CONTINGENCY_CHECK_EMAIL_TEMPLATE.format(span)


# ---------------------------------------------------------------------------------------------
# ours: the account import (POST /api/v1/accounts and ``flask --app vuce_client accounts
# import``), one text per refusal code of ``domain.errors``.
# ---------------------------------------------------------------------------------------------

IMPORT_INVALID_BODY = "El cuerpo debe ser un objeto JSON."
IMPORT_UNKNOWN_FIELDS = "Campos no reconocidos: {fields}."
IMPORT_INVALID_USER_TYPE = "user_type debe ser principal, secondary o extranet."
IMPORT_INVALID_SOL_USERNAME = "Ingrese sol_username."
IMPORT_EXTRANET_RUC = "Un usuario Extranet no tiene RUC."
IMPORT_INVALID_RUC = "El RUC no es válido."
IMPORT_INVALID_EMAIL = "El correo electrónico no es válido."
IMPORT_INVALID_CONSENT = "notifications_consent debe ser true o false."
IMPORT_INVALID_LAST_ROLES = "last_roles debe ser una lista de roles."
IMPORT_INVALID_LAST_STATUS = "last_status debe ser ACTIVO, SUSPENDIDO o ELIMINADO."
IMPORT_INVALID_REGISTERED_AS = "registered_as debe ser EMPRESA, AGENTE_ADUANA o LABORATORIO."
IMPORT_SECTION_NOT_SECONDARY = "Solo un usuario secundario se registra como agente o laboratorio."
IMPORT_INVALID_NAMES = "names no es válido."
CLI_ACCOUNT_CREATED = "creada: {key}"
CLI_ACCOUNT_UPDATED = "actualizada: {key}"

# ---------------------------------------------------------------------------------------------
# Trámites (ours): refusals of actions inside the components.
# ---------------------------------------------------------------------------------------------

ERR_CANNOT_FILE = (
    "Su usuario no tiene el rol VUCE.USUARIO.OPERACION, necesario para registrar trámites."
)
ERR_EXTRANET_CANNOT_FILE = "Los usuarios de la Extranet no registran trámites."
# Ours: state changes of a trámite by the competent entity (no seed shows them).
ERR_MOVE_NOT_OFFICIAL = (
    "Solo un funcionario de la entidad competente puede cambiar el estado de un trámite."
)
ERR_MOVE_OTHER_ENTITY = "El trámite corresponde a la entidad {entity}; no puede cambiar su estado."
ERR_MOVE_INVALID = "No es posible pasar un trámite de «{current}» a «{new}»."
ERR_MOVE_NOTE_REQUIRED = "Indique el motivo para dejar el trámite en estado «{new}»."
ERR_MOVE_NOTE_TOO_LONG = "El motivo no debe exceder los {max_length} caracteres."
ERR_TRAMITE_NOT_FOUND = "No se encontró el trámite indicado."
TRAMITE_MOVED = "Su {kind} {number} fue actualizada por {entity} y se encuentra en estado {state}."
TRAMITE_MOVED_NOTE = "Motivo:"
TRAMITE_STATE_SAVED = "El estado del trámite {number} fue cambiado a {state}."

# ---------------------------------------------------------------------------------------------
# §2 item 9: footer, verbatim [S1].
# ---------------------------------------------------------------------------------------------

HELP_DESK = (
    "Ante cualquier duda o problema contacte a Mesa de Ayuda: 207-1510 / 713-4646 "
    "vuceayuda@mincetur.gob.pe"
)
COPYRIGHT = "© Copyright 2010 - MINCETUR. Todos los derechos reservados."
MINISTRY = "PERÚ Ministerio de Comercio Exterior y Turismo"
SITE_NAME = "Ventanilla Única de Comercio Exterior"
