"""Flask-WTF forms of the login pages (CSRF on every one)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class _LoginForm(FlaskForm):
    """CSRFProtect (idp.web.security) checks the token of every POST before the view runs, so
    a login form carries no CSRF field of its own: building one signs a fresh token each time
    a form is made, the POST's included, where it is never shown. The templates ask for the
    token with ``csrf_token()`` when they draw the page. The challenge is read from the request
    by the view, not validated here."""

    class Meta:
        csrf = False


class SolLoginForm(_LoginForm):
    ruc = StringField("RUC", validators=[DataRequired(), Length(max=11)])
    usuario = StringField("Usuario", validators=[DataRequired(), Length(max=8)])
    clave = PasswordField("Clave", validators=[DataRequired(), Length(max=64)])


class ExtranetLoginForm(_LoginForm):
    usuario = StringField("Usuario", validators=[DataRequired(), Length(max=12)])
    clave = PasswordField("Clave", validators=[DataRequired(), Length(max=64)])


class ConsentForm(FlaskForm):
    challenge = HiddenField()
