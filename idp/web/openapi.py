"""The OpenAPI 3.1 document of ``/api/v1`` (a test checks it against the blueprint's routes).

Written by hand as data: the schemas mirror the field specs of ``idp.web.api`` and the error
codes of ``idp.domain.errors``.
"""

from ..domain import profiles, roles
from ..domain.accounts import StatusAction, UserStatus
from ..domain.errors import ALL_ERRORS
from ..oidc.faults import NAMES as RP_FAULT_NAMES

ERROR_CODES = sorted(
    {e.code for e in ALL_ERRORS}
    | {
        "INVALID_JSON",
        "UNKNOWN_FIELDS",
        "INVALID_FIELD",
        "UNAUTHORIZED",
        "FORBIDDEN",
        "NOT_FOUND",
        "TAXPAYER_NOT_FOUND",
        "USER_NOT_FOUND",
        "EXTRANET_USER_NOT_FOUND",
        "LABORATORY_NOT_FOUND",
        "ALREADY_EXISTS",
    }
    | {
        # idp.web.sim (outage simulation API) answers with its own lower-case codes
        "unauthorized",
        "bad_request",
        "unknown_fields",
        "invalid_outage",
        "simulation_disabled",
        # idp.web.rp_faults (RP test bench API)
        "unknown_fault",
        "invalid_rp_fault",
        "unknown_client",
        "not_found",
    }
)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    text = {
        400: "solicitud mal formada (JSON inválido o un carácter NUL en un parámetro)",
        401: "sin token válido",
        403: "el token no alcanza",
        404: "RUC, usuario o laboratorio inexistente (u otro RUC)",
        409: "conflicto con una regla (límite, código usado, transición, eliminado)",
        422: "campo inválido, desconocido u obligatorio",
    }
    return {str(s): _json(_ref("Error"), text[s]) for s in statuses}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


RUC_PARAM = {
    "name": "ruc",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]{11}$"},
}
USERNAME_PARAM = {
    "name": "username",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9]{8}$"},
}
EXTRANET_PARAM = {
    "name": "username",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9]{1,12}$"},
}

_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}
_STATUS = {"enum": [s.value for s in UserStatus]}  # the domain's, never a copy
_ACTION = {"enum": [a.value for a in StatusAction]}
_EXTRANET = {"username": _STR, "names": _STR, "entity": _STR, "email": _OPT_STR}
_STR_LIST = {"type": "array", "items": {"type": "string"}}


def _object(properties: dict, required: list[str]) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "enum": ERROR_CODES},
            "message": {"type": "string", "description": "texto en español"},
            "faults": {
                "type": "array",
                "items": {"type": "string"},
                "description": "unknown_fault: los nombres del catálogo",
            },
        },
    },
    "TaxpayerCreate": _object(
        {
            "ruc": _STR,
            "company_name": _STR,
            "address": _STR,
            "phones": _STR,
            "email": _STR,
            "fax": _STR,
            "is_customs_agent": {"type": "boolean"},
            "principal": _object({"username": _STR, "password": _STR}, ["username", "password"]),
        },
        ["ruc", "company_name", "principal"],
    ),
    "Padron": {
        "type": "object",
        "properties": {
            "ruc": _STR,
            "company_name": _STR,
            "tipo_persona": {"enum": ["NATURAL", "JURIDICA"]},
            "address": _STR,
            "phones": _STR,
            "email": _STR,
            "fax": _STR,
            "is_customs_agent": {"type": "boolean"},
        },
    },
    "SecondaryUserCreate": _object(
        {
            "username": _STR,
            "password": _STR,
            "document_type": {"type": "string", "enum": ["DNI", "CE", "PASAPORTE"]},
            "document_number": _STR,
            "names": _OPT_STR,
            "email": _OPT_STR,
            "profiles": {"type": "array", "items": {"enum": list(profiles.PROFILE_CODES)}},
            "roles": {"type": "array", "items": {"enum": list(roles.ROLE_CODES)}},
        },
        ["username", "password", "document_type", "document_number"],
    ),
    "SecondaryUser": {
        "type": "object",
        "properties": {
            "ruc": _STR,
            "username": _STR,
            "document_type": _STR,
            "document_number": _STR,
            "names": _OPT_STR,
            "email": _OPT_STR,
            "status": _STATUS,
            "profiles": {**_STR_LIST, "description": "en efecto ahora"},
            "scheduled_profiles": {
                **_STR_LIST,
                "description": "en efecto tras el cambio pendiente",
            },
            "profiles_effective_at": _OPT_STR,
            "roles": _STR_LIST,
            "must_change_password": {"type": "boolean"},
            "created_at": _STR,
            "status_changed_at": _STR,
            "available_actions": {
                "type": "array",
                "items": _ACTION,
            },
            "message": {"type": "string", "description": "confirmación (solo en cambios)"},
        },
    },
    "SecondaryUserPage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("SecondaryUser")},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    },
    "Profiles": _object(
        {"profiles": {"type": "array", "items": {"enum": list(profiles.PROFILE_CODES)}}},
        ["profiles"],
    ),
    "Roles": _object(
        {"roles": {"type": "array", "items": {"enum": list(roles.ROLE_CODES)}}}, ["roles"]
    ),
    "StatusAction": _object({"action": _ACTION}, ["action"]),
    "ExtranetUserCreate": _object(
        {"username": _STR, "password": _STR, "names": _STR, "entity": _STR, "email": _OPT_STR},
        ["username", "password", "names", "entity"],
    ),
    "ExtranetUser": {"type": "object", "properties": {**_EXTRANET, "status": _STR}},
    "ExtranetUserStatus": {
        "type": "object",
        "properties": {
            **_EXTRANET,
            "status": _STATUS,
            "available_actions": {
                "type": "array",
                "items": _ACTION,
            },
            "message": _STR,
        },
        "required": ["username", "status", "available_actions", "message"],
    },
    "LaboratoryCreate": _object({"ruc": _STR, "name": _STR}, ["ruc", "name"]),
    "Outage": {
        "type": "object",
        "properties": {
            "mode": {"enum": ["none", "down", "slow", "flaky", "timeout"]},
            "latency_ms": {"type": "integer", "minimum": 0},
            "error_rate": {"type": "number", "minimum": 0, "maximum": 1},
        },
    },
    "RpFaultCreate": _object(
        {
            "client_id": _STR,
            "fault": {"type": "string", "enum": list(RP_FAULT_NAMES)},
            "times": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
        },
        ["client_id", "fault"],
    ),
    "RpFault": _object(
        {
            "id": _STR,
            "client_id": _STR,
            "fault": {"type": "string", "enum": list(RP_FAULT_NAMES)},
            "remaining": {"type": "integer", "minimum": 0},
            "created_at": _STR,
        },
        ["id", "client_id", "fault", "remaining", "created_at"],
    ),
    "RpFaultList": _object(
        {"faults": {"type": "array", "items": _ref("RpFault")}},
        ["faults"],
    ),
    "RpFaultsCleared": _object({"cleared": {"type": "integer", "minimum": 0}}, ["cleared"]),
    "Laboratory": {
        "type": "object",
        "properties": {"ruc": _STR, "name": _STR, "registered_at": _STR},
    },
}

ADMIN = [{"adminToken": []}]
ADMIN_OR_PRINCIPAL = [{"adminToken": []}, {"solAdmin": ["sol:admin"]}]
LOOKUP = [{"adminToken": []}, {"solAdmin": ["sol:admin"]}, {"padron": ["padron"]}]


def _op(
    summary: str,
    security: list,
    responses: dict,
    *,
    body: str | None = None,
    parameters: list | None = None,
    op_id: str,
) -> dict:
    # Any request may carry a NUL byte, which every app refuses with 400 before routing.
    op = {
        "summary": summary,
        "operationId": op_id,
        "security": security,
        "responses": {**responses, **_errors(400)},
    }
    if body:
        op["requestBody"] = _body(body)
    if parameters:
        op["parameters"] = parameters
    return op


USER_PARAMS = [RUC_PARAM, USERNAME_PARAM]


def _user_change(summary: str, body: str, op_id: str, done: str = "guardado") -> dict:
    """A change of one secondary user: answered with the user as it is now."""
    return _op(
        summary,
        ADMIN_OR_PRINCIPAL,
        {"200": _json(_ref("SecondaryUser"), done), **_errors(400, 401, 403, 404, 409, 422)},
        body=body,
        parameters=USER_PARAMS,
        op_id=op_id,
    )


def _admin_create(summary: str, schema: str, done: str, body: str, op_id: str) -> dict:
    """A registration only the admin token may make (201 with the new record)."""
    return _op(
        summary,
        ADMIN,
        {"201": _json(_ref(schema), done), **_errors(400, 401, 403, 409, 422)},
        body=body,
        op_id=op_id,
    )


def _lookup(summary: str, schema: str, description: str, op_id: str) -> dict:
    """A look-up by RUC (admin, the principal of that RUC, or a padron client)."""
    return _op(
        summary,
        LOOKUP,
        {"200": _json(_ref(schema), description), **_errors(401, 403, 404, 422)},
        parameters=[RUC_PARAM],
        op_id=op_id,
    )


def _simulator(
    summary: str, schema: str, done: str, op_id: str, *, body=None, status: str = "200"
) -> dict:
    """An operation of the simulators (admin token; 403 when they are off); a body may be
    malformed (400) or refused (422)."""
    errors = (400, 401, 403, 422) if body else (401, 403)
    return _op(
        summary,
        ADMIN,
        {status: _json(_ref(schema), done), **_errors(*errors)},
        body=body,
        op_id=op_id,
    )


PATHS = {
    "/api/v1/taxpayers": {
        "post": _admin_create(
            "Crear un RUC con su padrón y su Usuario Principal",
            "Padron",
            "creado",
            "TaxpayerCreate",
            "createTaxpayer",
        )
    },
    "/api/v1/taxpayers/{ruc}": {
        "get": _lookup(
            "Consulta del padrón (razón social, dirección, teléfonos, e-mail, fax, agente)",
            "Padron",
            "padrón",
            "getTaxpayer",
        )
    },
    "/api/v1/taxpayers/{ruc}/users": {
        "get": _op(
            "Listar usuarios secundarios (paginado, búsqueda)",
            ADMIN_OR_PRINCIPAL,
            {"200": _json(_ref("SecondaryUserPage"), "página"), **_errors(401, 403, 404, 422)},
            parameters=[
                RUC_PARAM,
                {"name": "q", "in": "query", "schema": _STR},
                {
                    "name": "status",
                    "in": "query",
                    "schema": _STATUS,
                },
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                },
            ],
            op_id="listSecondaryUsers",
        ),
        "post": _op(
            "Crear un usuario secundario",
            ADMIN_OR_PRINCIPAL,
            {
                "201": _json(_ref("SecondaryUser"), "creado"),
                **_errors(400, 401, 403, 404, 409, 422),
            },
            body="SecondaryUserCreate",
            parameters=[RUC_PARAM],
            op_id="createSecondaryUser",
        ),
    },
    "/api/v1/taxpayers/{ruc}/users/{username}": {
        "get": _op(
            "Un usuario secundario",
            ADMIN_OR_PRINCIPAL,
            {"200": _json(_ref("SecondaryUser"), "usuario"), **_errors(401, 403, 404, 422)},
            parameters=USER_PARAMS,
            op_id="getSecondaryUser",
        )
    },
    "/api/v1/taxpayers/{ruc}/users/{username}/profiles": {
        "put": _user_change(
            "Reemplazar perfiles (efectivos tras IDP_PROFILE_DELAY_SECONDS)",
            "Profiles",
            "putProfiles",
        )
    },
    "/api/v1/taxpayers/{ruc}/users/{username}/roles": {
        "put": _user_change("Reemplazar roles (sin validar combinaciones)", "Roles", "putRoles")
    },
    "/api/v1/taxpayers/{ruc}/users/{username}/status": {
        "post": _user_change(
            "Suspender, reactivar o eliminar", "StatusAction", "changeStatus", "estado cambiado"
        )
    },
    "/api/v1/extranet-users": {
        "post": _admin_create(
            "Crear un usuario Extranet (EXT…)",
            "ExtranetUser",
            "creado",
            "ExtranetUserCreate",
            "createExtranetUser",
        )
    },
    **{
        f"/api/v1/extranet-users/{{username}}/{action}": {
            "post": _op(
                summary,
                ADMIN,
                {
                    "200": _json(_ref("ExtranetUserStatus"), "estado cambiado"),
                    **_errors(401, 403, 404, 409),
                },
                parameters=[EXTRANET_PARAM],
                op_id=op_id,
            )
        }
        for action, summary, op_id in (
            (
                "suspend",
                "Suspender un usuario Extranet y cerrar sus sesiones",
                "suspendExtranetUser",
            ),
            ("reactivate", "Reactivar un usuario Extranet suspendido", "reactivateExtranetUser"),
            ("delete", "Eliminar un usuario Extranet (irreversible)", "deleteExtranetUser"),
        )
    },
    "/api/v1/itp/laboratories": {
        "post": _admin_create(
            "Registrar un laboratorio en el registro del ITP",
            "Laboratory",
            "registrado",
            "LaboratoryCreate",
            "createLaboratory",
        )
    },
    "/api/v1/itp/laboratories/{ruc}": {
        "get": _lookup(
            "Consulta del registro de laboratorios del ITP",
            "Laboratory",
            "laboratorio",
            "getLaboratory",
        )
    },
    # Served by idp.web.sim (outage simulation); documented here so the API has one document.
    "/api/v1/sim/outage": {
        "get": _simulator("Modo de caída simulada vigente", "Outage", "modo", "getOutage"),
        "put": _simulator(
            "Fijar el modo de caída simulada", "Outage", "modo", "putOutage", body="Outage"
        ),
    },
    # Served by idp.web.rp_faults (RP test bench: bad tokens for one client on demand).
    "/api/v1/sim/rp-faults": {
        "post": _simulator(
            "Armar una falla para los próximos flujos de un cliente (422 lista el catálogo)",
            "RpFault",
            "armada",
            "armRpFault",
            body="RpFaultCreate",
            status="201",
        ),
        "get": _simulator("Fallas armadas", "RpFaultList", "fallas", "listRpFaults"),
        "delete": _simulator(
            "Desarmar todas las fallas", "RpFaultsCleared", "desarmadas", "clearRpFaults"
        ),
    },
    "/api/v1/sim/rp-faults/{fault_id}": {
        "delete": _op(
            "Desarmar una falla",
            ADMIN,
            {
                "200": _json(_ref("RpFault"), "desarmada"),
                **_errors(401, 403),
                "404": _json(_ref("Error"), "no hay una falla armada con ese id"),
            },
            parameters=[{"name": "fault_id", "in": "path", "required": True, "schema": _STR}],
            op_id="clearRpFault",
        ),
    },
    "/api/v1/openapi.json": {
        "get": {
            "summary": "Este documento",
            "operationId": "openapi",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1"}},
        }
    },
}


def document(issuer: str) -> dict:
    """The OpenAPI 3.1 document, with this IdP's issuer as server and token URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SUNAT Clave SOL (stand-in) — API de administración",
            "version": "1",
            "description": "Contribuyentes, usuarios secundarios, perfiles, roles, "
            "estados, usuarios Extranet, padrón y registro del ITP. Fuera de esta API, "
            "`/introspect` (RFC 7662) responde a cada cliente solo sobre sus propios tokens; "
            "los servidores de recursos registrados con `flask --app idp clients add "
            "--introspection` pueden consultar los de todos, y cualquier otro recibe "
            '`{"active": false}`. Todo cliente debe usar PKCE S256 (RFC 9700) salvo los '
            "registrados con `--pkce-optional`.",
        },
        "servers": [{"url": issuer}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "IDP_ADMIN_TOKEN",
                },
                "solAdmin": {
                    "type": "oauth2",
                    "description": "Usuario Principal",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": f"{issuer}/authorize",
                            "tokenUrl": f"{issuer}/token",
                            "scopes": {"sol:admin": "administrar el propio RUC"},
                        }
                    },
                },
                "padron": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": f"{issuer}/token",
                            "scopes": {"padron": "consultas de padrón y del ITP"},
                        }
                    },
                },
            },
        },
    }
