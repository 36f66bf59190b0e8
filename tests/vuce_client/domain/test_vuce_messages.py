"""The message catalogue against literals copied from domain.md §6.3, §6.4, §7 and §2 item 9."""

import pytest

from vuce_client.domain import messages

# Copied by hand from domain.md §6.3 (not from the module under test).
DOMAIN_MD_MESSAGES = {
    1: (
        "Usted no puede ingresar a la VUCE dado que el usuario no tiene roles registrados en "
        "la VUCE."
    ),
    2: (
        "Usted no puede ingresar a la VUCE dado que tiene asignado el rol de "
        "VUCE.USUARIO.AGENTE_ADUANA y VUCE.USUARIO.LABORATORIO simultáneamente."
    ),
    3: (
        "Usted no puede ingresar a la VUCE dado que el usuario principal del RUC {0} aún no se ha "
        "autenticado y registrado en la VUCE."
    ),
    4: (
        "Usted ya fue registrado con el Rol {0} y realizó por lo menos un trámite en la VUCE. "
        "No puede ingresar sin el rol {0}"
    ),
    5: "El Usuario no está activo",
}

DOMAIN_MD_MOTIVOS = {
    1: (
        "El Usuario Secundario no tiene Roles asignados en la Administración de Usuarios "
        "Secundarios (en SUNAT Operaciones en Línea)",
    ),
    2: (
        "El Usuario Secundario no debería tener el Rol de Agente de Aduana y Laboratorio a la vez",
    ),
    3: (
        "El Usuario Principal aún no se ha autenticado y accesado al Sistema VUCE",
        "El Usuario Secundario tiene asignado el Rol de Agente de Aduana o Laboratorio, pero no "
        "como Operador",
    ),
    4: (
        "Si el Usuario Secundario tenía ROL de Agente de Aduanas y ahora NO lo tiene y además "
        "tiene trámites ya hechos en la VUCE, no puede entrar",
        "Si el Usuario Secundario tenia ROL de Laboratorio y ahora NO lo tiene y además tiene "
        "trámites ya hechos en la VUCE, no puede entrar",
    ),
    5: ("El Usuario Secundario ha sido Suspendido", "El Usuario Secundario ha sido Eliminado"),
}

DOMAIN_MD_SOLUCIONES = {
    1: (
        "El Usuario Principal debe asignar el(los) Rol(es) según corresponda al Usuario Secundario",
    ),
    2: ("El Usuario Principal debe asignar el(los) Rol(es) según corresponda",),
    3: (
        "El poseedor de la clave Sol Principal (Representante Legal Contador, etc.) debe "
        "autenticarse y registrar sus datos en el Sistema antes de iniciar algún trámite",
        "El Usuario Principal debe asignarle a este usuario Secundario, además del Rol de Agente "
        "de Aduana o Laboratorio, también el Rol de Operador",
    ),
    4: (
        "Para continuar con el trámite, restituir el(los) Rol(es). Caso contrario, crearle un "
        "nuevo Usuario Secundario",
    ),
    5: (
        "El Usuario Principal debe modificar el Estado de éste Usuario, dando clic en Reactivar",
        "El Usuario Principal debe crearle como Usuario Secundario nuevo",
    ),
}


def test_exactly_five_messages():
    assert sorted(messages.ENTRY_MESSAGES) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_entry_message_verbatim(number):
    entry = messages.ENTRY_MESSAGES[number]
    assert entry.number == number
    assert entry.text == DOMAIN_MD_MESSAGES[number]
    assert entry.motivos == DOMAIN_MD_MOTIVOS[number]
    assert entry.soluciones == DOMAIN_MD_SOLUCIONES[number]


def test_message_4_has_no_final_period_and_two_placeholders():
    text = messages.MESSAGE_4.text
    assert not text.endswith(".")
    assert text.count("{0}") == 2
    rendered = messages.MESSAGE_4.render("VUCE.USUARIO.LABORATORIO")
    assert rendered == (
        "Usted ya fue registrado con el Rol VUCE.USUARIO.LABORATORIO y realizó por lo menos un "
        "trámite en la VUCE. No puede ingresar sin el rol VUCE.USUARIO.LABORATORIO"
    )


def test_message_3_renders_the_ruc():
    assert "del RUC 20123456786 aún" in messages.MESSAGE_3.render("20123456786")


@pytest.mark.parametrize(
    ("constant", "literal"),
    [
        ("REGISTRATION_USER_SECTION", "DATOS GENERALES USUARIO"),
        ("REGISTRATION_AGENT_SECTION", "DATOS GENERALES DEL AGENTE DE ADUANA"),
        (
            "REGISTRATION_EMAIL_IMPORTANCE",
            "Es muy importante que registre el correo electrónico, porque allí se le informará, "
            "de manera complementaria al Buzón Electrónico, todas las comunicaciones y "
            "notificaciones sobre sus trámites.",
        ),
        (
            "NOTIFICATIONS_CONSENT_LABEL",
            "Acepto recibir una copia de las notificaciones de la VUCE en la cuenta de correo "
            "indicada.",
        ),
        ("TERMS_TITLE", "Condiciones del Servicio"),
        (
            "TERMS_INSTRUCTION",
            "Luego de leer las Condiciones del Servicio, marcar con un Check su aceptación",
        ),
        (
            "REGISTRATION_DONE",
            "Ha culminado su registro, ahora puede ingresar a la VUCE y realizar sus operaciones.",
        ),
        (
            "CONTINGENCY_BANNER",
            "El Sistema de Clave SOL de SUNAT temporalmente no se encuentra disponible. Por "
            "favor, ingrese sus datos y VUCE le enviará un correo electrónico con las "
            "indicaciones para acceder al Sistema",
        ),
        ("CONTINGENCY_RUC_LABEL", "Ingrese los 11 dígitos de su RUC"),
        ("CONTINGENCY_USER_LABEL", "Ingrese su usuario SOL"),
        ("CONTINGENCY_SUBMIT", "ENVIAR CORREO ELECTRÓNICO"),
        (
            "HELP_DESK",
            "Ante cualquier duda o problema contacte a Mesa de Ayuda: 207-1510 / 713-4646 "
            "vuceayuda@mincetur.gob.pe",
        ),
        ("COPYRIGHT", "© Copyright 2010 - MINCETUR. Todos los derechos reservados."),
        ("MINISTRY", "PERÚ Ministerio de Comercio Exterior y Turismo"),
        ("PROFILE_EDIT_BUTTON", "Actualizar Datos"),
    ],
)
def test_verbatim_texts(constant, literal):
    assert getattr(messages, constant) == literal


def test_check_email_text_default_is_ours_from_q19():
    assert messages.contingency_check_email() == (
        "Revise su correo electrónico. El enlace enviado perderá validez pasados 10 minutos."
    )
    assert messages.contingency_check_email(60).endswith("pasados 1 minuto.")
    assert messages.contingency_check_email(90).endswith("pasados 90 segundos.")
    with pytest.raises(ValueError):
        messages.contingency_check_email(0)


def test_link_texts_are_distinct():
    texts = [
        messages.CONTINGENCY_LINK_EXPIRED,
        messages.CONTINGENCY_LINK_USED,
        messages.CONTINGENCY_LINK_SUPERSEDED,
        messages.CONTINGENCY_LINK_INVALID,
        messages.CONTINGENCY_OFF,
    ]
    assert len(set(texts)) == len(texts)


def test_registration_errors_are_distinct_and_lab_registry_configurable():
    errors = [
        messages.ERR_AGENCY_RUC_UNKNOWN,
        messages.ERR_NOT_CUSTOMS_AGENT,
        messages.ERR_LAB_NOT_IN_REGISTRY,
        messages.ERR_UBIGEO_INVALID,
        messages.ERR_EMAIL_REQUIRED,
        messages.ERR_TERMS_NOT_ACCEPTED,
    ]
    assert len(set(errors)) == len(errors)
    assert messages.ERR_LAB_NOT_IN_REGISTRY.format("SANIPES").endswith("del SANIPES.")


def test_catalogue_is_read_only():
    with pytest.raises(TypeError):
        messages.ENTRY_MESSAGES[6] = messages.MESSAGE_1  # type: ignore[index]
