"""The Spanish texts SOL shows its users, in one catalogue (domain.md §11, style.md habit 10).

Texts marked [S0]/[S2]/[S3] are verbatim from the manuals (domain.md §5); everything marked
"ours" was written for the stand-in because the original was a screenshot (Q19) or does not
exist. Placeholders use ``str.format`` names, e.g. ``{code}``.
"""

from __future__ import annotations

# --- Screen titles and labels (verbatim, domain.md §5.1, §5.6) ---
LOGIN_TITLE = "Ingrese su Clave SOL (RUC, USUARIO y CLAVE)"  # [S0 II]
ADMIN_TITLE = "Administración de Usuarios Secundarios"  # [S0 II]
PROFILES_AREA_TITLE = "Modificación de Perfiles de Usuarios Secundarios"  # [S0 IV] area (A)
STATUS_AREA_TITLE = "Modificación de Estados de Usuarios Secundarios"  # [S0 IV] area (B)
CONFIRM_DATA_TITLE = "Confirmación de datos del Usuario Secundario"  # [S0 II]
PROFILES_ASSIGNMENT_TITLE = "Asignación de Perfiles"  # [S0 III]
ROLES_ASSIGNMENT_TITLE = "Asignación de Roles"  # [S0 IV]
PASSWORD_CHANGE_TITLE = "Cambio de Clave SOL"  # [S0 VII]

# --- The login rate limit, for a person (ours) ---
LOGIN_RATE_LIMITED_TITLE = "Demasiados intentos de ingreso"
LOGIN_RATE_LIMITED = (
    "Se recibieron demasiados intentos de ingreso desde su conexión. Espere {wait} y vuelva a "
    "intentarlo."
)

# --- Confirmations of the administration screens (verbatim) ---
# [S2 5.2], after "Grabar" on creation.
SECONDARY_USER_CREATED = (
    "El usuario secundario y sus perfiles han sido registrados satisfactoriamente."
)
# [S2 7.4], after "Modificar Perfiles" + "Grabar"; reconstructed from the mis-encoded seed.
PROFILES_CHANGED = (
    "El Usuario Secundario y sus Perfiles han sido registrados satisfactoriamente. "
    "Usted Podrá utilizarlos en aproximadamente una hora"
)
# Ours: the same confirmation when the configured delay is zero (tests, demos), since
# promising "una hora" would then be false.
PROFILES_CHANGED_NOW = (
    "El Usuario Secundario y sus Perfiles han sido registrados satisfactoriamente."
)
ROLES_ASSIGNED = "Se ha asignado los roles correctamente al usuario"  # [S3]
STATUS_CHANGED = "Modificación de Estado(s) realizado(s) satisfactoriamente"  # [S2 8.3]
DELETE_IRREVERSIBLE = "La eliminación no se puede revertir. Está seguro?"  # [S0 VI]
# Ours: the operator's screen of Extranet officials (no seed shows one).
EXTRANET_ADMIN_TITLE = "Administración de Usuarios Extranet"
OPERATOR_TOKEN_WRONG = "El token de administración no es correcto."
# Ours (Q19): the first confirm dialog of "Cambiar Estado" was a screenshot.
STATUS_CHANGE_CONFIRM = "¿Confirma el cambio de estado del usuario {username} a {status}?"
# Ours: success of "Cambio de Clave SOL" (the seed only says a success message appears).
PASSWORD_CHANGED = "Su clave ha sido cambiada satisfactoriamente."
# [S0 VII], as a reminder after login (Q8: nothing is blocked).
PASSWORD_CHANGE_REMINDER = (
    "Como medida de seguridad, el Usuario Secundario debe cambiar la Clave que le ha sido "
    "asignada. Ingrese a la opción «Cambiar Clave»."
)

# --- Login (ours) ---
# One text for every failure, so the form never reveals which of RUC, usuario or clave was wrong.
LOGIN_FAILED = "El RUC, usuario o clave ingresados no son correctos."
EXTRANET_LOGIN_FAILED = "El usuario o clave ingresados no son correctos."
LOGIN_LOCKED = (
    "Por seguridad, el acceso ha sido bloqueado temporalmente debido a varios intentos "
    "fallidos. Vuelva a intentarlo en {minutes} minutos."
)
LOGIN_CAPTCHA_LABEL = "No soy un robot"
LOGIN_CAPTCHA_REQUIRED = (
    "Por seguridad, luego de varios intentos fallidos debe marcar la casilla «No soy un "
    "robot» e ingresar nuevamente su clave."
)
# Q5: a secondary user without the effective "Mis trámites aduaneros → VUCE" option.
NO_VUCE_PROFILE = (
    "Su usuario no tiene asignado el perfil «Mis trámites aduaneros - VUCE». "
    "Solicite al Usuario Principal de su RUC que se lo asigne."
)
# Q1: clients that do not accept inactive accounts refuse them at the IdP.
ACCOUNT_NOT_ACTIVE = (
    "Su usuario no se encuentra activo. Comuníquese con el Usuario Principal de su RUC."
)

# --- Domain errors (ours; one per rule, used by idp.domain.errors) ---
ERR_GENERIC = "La operación no cumple las reglas de SOL."
ERR_INVALID_RUC = "El RUC debe tener 11 dígitos válidos."
ERR_INVALID_DOCUMENT = (
    "El número de documento no es válido: el DNI tiene 8 dígitos; el Carnet de Extranjería "
    "y el Pasaporte, de 1 a 12 letras o números."
)
ERR_INVALID_DOCUMENT_TYPE = (
    "El tipo de documento debe ser DNI, Carnet de Extranjería (CE) o Pasaporte."
)
ERR_NAMES_REQUIRED = (
    "Ingrese los Apellidos y Nombres: son obligatorios cuando el documento no es DNI."
)
ERR_INVALID_NAMES = "Los Apellidos y Nombres no deben exceder los 200 caracteres."
ERR_INVALID_USERNAME = "El usuario debe tener exactamente 8 caracteres entre letras y números."
ERR_INVALID_PASSWORD = (
    "La clave debe tener entre 8 a 12 caracteres (letras y números), por lo menos 1 debe ser "
    "un número."
)
ERR_PASSWORD_CONFIRMATION = "La confirmación no coincide con la nueva clave."
ERR_OLD_PASSWORD_INCORRECT = "La clave anterior no es correcta."
ERR_PASSWORD_UNCHANGED = "La nueva clave debe ser diferente de la clave anterior."
ERR_USERNAME_TAKEN = (
    "El usuario {username} ya fue utilizado en este RUC y no puede volver a asignarse."
)
ERR_USER_LIMIT = "El RUC ya tiene el máximo de {limit} usuarios secundarios."
ERR_INVALID_STATUS_TRANSITION = "No es posible {action} a un usuario en estado {status}."
ERR_INVALID_STATUS_ACTION = "La acción debe ser Suspender, Reactivar o Eliminar."
ERR_USER_DELETED = "Sobre este usuario eliminado no se puede realizar ninguna acción."
ERR_PROFILES_NOT_EDITABLE = "Solo se pueden modificar los perfiles de un usuario Activo."
ERR_ROLES_NOT_EDITABLE = "Solo se pueden asignar roles a un usuario Activo."
ERR_UNKNOWN_PROFILE = "El perfil {code} no existe."
ERR_UNKNOWN_ROLE = "El rol {code} no existe."
ERR_INVALID_EMAIL = "El correo electrónico no es válido."
ERR_INVALID_EXTRANET_USERNAME = (
    "El usuario Extranet debe empezar con EXT seguido de 1 a 9 letras o números."
)
ERR_FIELD_REQUIRED = "El campo {field} es obligatorio."
ERR_TEXT_TOO_LONG = "El campo {field} no debe exceder los {max_length} caracteres."

# --- Administration and API (ours) ---
ERR_INVALID_JSON = "El cuerpo de la solicitud no es un JSON válido."
ERR_UNKNOWN_FIELDS = "Campos no reconocidos: {fields}."
ERR_INVALID_FIELD = "El campo {field} no tiene el tipo esperado."
ERR_UNAUTHORIZED = "Se requiere un token de acceso válido."
ERR_FORBIDDEN = "El token no tiene permiso para esta operación."
ERR_ADMIN_TOKEN_ONLY = (
    "Esta operación requiere el token de administración del IdP (IDP_ADMIN_TOKEN)."
)
# {scope} is the missing scope; a principal's token carries sol:admin only when its client was
# registered with it (`flask --app idp clients add --scope "... sol:admin"`) and asked for it.
ERR_MISSING_SCOPE = (
    "Falta el scope {scope} en el token: solo un Usuario Principal con {scope} administra su RUC. "
    "El cliente debe estar registrado con ese scope (clients add --scope) y pedirlo al autorizar."
)
ERR_MISSING_PADRON_SCOPE = (
    "Falta el scope padron en el token (client_credentials de un cliente registrado con "
    "--scope que incluya padron)."
)
ERR_WIZARD_EXPIRED = (
    "La operación expiró o ya fue completada. Vuelva a iniciarla desde "
    "«Administración de Usuarios Secundarios»."
)
PORTAL_MENU_TITLE = "Trámites, Consultas, Declaraciones Informativas"  # [S0 II]
HISTORY_TITLE = "Historial"
ERR_ALREADY_EXISTS = "El registro ya existe."
ERR_NOT_FOUND = "No se encontró el registro solicitado."
ERR_TAXPAYER_NOT_FOUND = "No se encontró el RUC indicado."
ERR_USER_NOT_FOUND = "No se encontró el usuario indicado."
ERR_EXTRANET_USER_NOT_FOUND = "No se encontró el usuario Extranet indicado."
ERR_LAB_NOT_FOUND = "El RUC no figura en el registro de laboratorios del ITP."

# Spanish names of API fields, for the {field} of ERR_FIELD_REQUIRED / ERR_TEXT_TOO_LONG.
FIELD_LABELS = {
    "company_name": "Razón Social",
    "address": "Dirección",
    "phones": "Teléfonos",
    "email": "Correo Electrónico",
    "fax": "Fax",
    "names": "Apellidos y Nombres",
    "entity": "Entidad",
    "name": "Nombre",
    "username": "Usuario",
    "password": "Clave",
    "document_number": "Número de Documento",
}

# --- error_description of the authorization errors SOL sends to a relying party (ours) ---
# RFC 6749 §4.1.2.1 allows only printable ASCII in error_description: Spanish without accents.
OAUTH_ACCESS_DENIED_PROFILE = (
    "El usuario no tiene el perfil {profile} (Mis tramites aduaneros / VUCE) que exige esta "
    "aplicacion; el Usuario Principal del RUC debe asignarselo en SUNAT Operaciones en Linea"
)
OAUTH_ACCESS_DENIED_INACTIVE = "La cuenta del usuario no esta activa (suspendida o eliminada)"
OAUTH_ACCESS_DENIED_USER = "El usuario no autorizo el acceso de la aplicacion"
OAUTH_REQUEST_NOT_SUPPORTED = "SOL no admite el parametro request (objetos de solicitud)"
OAUTH_REQUEST_URI_NOT_SUPPORTED = "SOL no admite el parametro request_uri"

# RP console (issue 15)
CONSOLE_TITLE = "Consola de aplicaciones cliente (RP)"
CONSOLE_FAULT_ARMED = "Falla {fault} armada para {client_id} ({times} vez/veces)."
CONSOLE_FAULT_CLEARED = "Falla retirada."
CONSOLE_FAULTS_CLEARED = "Se retiraron todas las fallas del cliente."
CONSOLE_OUTAGE_SET = "Modo de caída simulada: {mode}."
CONSOLE_UNKNOWN_CLIENT = "El cliente no está registrado."
