"""Flask-WTF forms of the SOL portal (CSRF on every form that changes something).

Field rules are not WTForms validators: the domain checks them, so the screens show exactly
the messages the API returns.
"""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField

DOCUMENT_CHOICES = [
    SelectChoice("DNI", "DNI"),
    SelectChoice("CE", "Carnet de Extranjería"),
    SelectChoice("PASAPORTE", "Pasaporte"),
]


class CsrfForm(FlaskForm):
    """Only the CSRF token: confirmations, "Grabar", checkbox panels (read from request.form)."""


class CreateUserForm(FlaskForm):
    """ "Crear Usuario" (§5.2 step 1)."""

    tipo_documento = SelectField("Tipo de Documento", choices=DOCUMENT_CHOICES)
    numero_documento = StringField("Número de Documento")
    nombres = StringField("Apellidos y Nombres")
    email = EmailField("Correo Electrónico")
    usuario = StringField("Usuario")
    clave = PasswordField("Clave")
    clave_confirmacion = PasswordField("Confirme la Clave")


class PasswordChangeForm(FlaskForm):
    """ "Cambio de Clave SOL" (§5.6)."""

    clave_anterior = PasswordField("Clave Anterior")
    nueva_clave = PasswordField("Nueva Clave")
    confirmar_clave = PasswordField("Confirmar Clave")
