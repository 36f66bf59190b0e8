"""Flask-WTF forms of the login pages (CSRF on every one)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class SolLoginForm(FlaskForm):
    challenge = HiddenField()
    ruc = StringField("RUC", validators=[DataRequired(), Length(max=11)])
    usuario = StringField("Usuario", validators=[DataRequired(), Length(max=8)])
    clave = PasswordField("Clave", validators=[DataRequired(), Length(max=64)])


class ExtranetLoginForm(FlaskForm):
    challenge = HiddenField()
    usuario = StringField("Usuario", validators=[DataRequired(), Length(max=12)])
    clave = PasswordField("Clave", validators=[DataRequired(), Length(max=64)])


class ConsentForm(FlaskForm):
    challenge = HiddenField()
