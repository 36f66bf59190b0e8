"""Taxpayers, their principal and secondary users, Extranet officials and the ITP registry."""

from sqlalchemy import UniqueConstraint

from .db import db, utcnow


class Taxpayer(db.Model):
    """A RUC and its padrón data (what VUCE's agent validation reads back)."""

    __tablename__ = "taxpayer"
    ruc = db.Column(db.String(11), primary_key=True)
    company_name = db.Column(db.String(200), nullable=False)
    tipo_persona = db.Column(db.String(10), nullable=False)
    address = db.Column(db.String(200), nullable=False, default="")
    phones = db.Column(db.String(100), nullable=False, default="")
    email = db.Column(db.String(254), nullable=False, default="")
    fax = db.Column(db.String(40), nullable=False, default="")
    is_customs_agent = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class PrincipalUser(db.Model):
    """The holder of the RUC's Clave SOL: one per RUC."""

    __tablename__ = "principal_user"
    id = db.Column(db.Integer, primary_key=True)
    ruc = db.Column(db.String(11), db.ForeignKey("taxpayer.ruc"), nullable=False, unique=True)
    username = db.Column(db.String(8), nullable=False)
    password_hash = db.Column(db.String(200), nullable=False)
    email = db.Column(db.String(254))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    taxpayer = db.relationship(Taxpayer, lazy="joined")


class SecondaryUser(db.Model):
    """A user the principal creates under the same RUC (domain.md §4)."""

    __tablename__ = "secondary_user"
    __table_args__ = (UniqueConstraint("ruc", "username", name="uq_secondary_user_ruc_username"),)
    id = db.Column(db.Integer, primary_key=True)
    ruc = db.Column(db.String(11), db.ForeignKey("taxpayer.ruc"), nullable=False, index=True)
    username = db.Column(db.String(8), nullable=False)
    document_type = db.Column(db.String(10), nullable=False)
    document_number = db.Column(db.String(12), nullable=False)
    names = db.Column(db.String(200))
    email = db.Column(db.String(254))
    password_hash = db.Column(db.String(200), nullable=False)
    must_change_password = db.Column(db.Boolean, nullable=False, default=True)
    status = db.Column(db.String(12), nullable=False, default="ACTIVO", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    status_changed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    taxpayer = db.relationship(Taxpayer, lazy="joined")


class ProfileAssignment(db.Model):
    """A profile option of a secondary user with its window of effect (§5.3 delay)."""

    __tablename__ = "profile_assignment"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("secondary_user.id"), nullable=False, index=True)
    code = db.Column(db.String(64), nullable=False)
    effective_from = db.Column(db.DateTime, nullable=False)
    effective_until = db.Column(db.DateTime)


class RoleAssignment(db.Model):
    """A VUCE role of a secondary user; revoked rows stay for the history."""

    __tablename__ = "role_assignment"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("secondary_user.id"), nullable=False, index=True)
    role = db.Column(db.String(64), nullable=False)
    assigned_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    revoked_at = db.Column(db.DateTime)


class ExtranetUser(db.Model):
    """An official of a competent entity (usuario EXT…)."""

    __tablename__ = "extranet_user"
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(12), nullable=False, unique=True)
    password_hash = db.Column(db.String(200), nullable=False)
    names = db.Column(db.String(200), nullable=False)
    entity = db.Column(db.String(200), nullable=False)
    email = db.Column(db.String(254))
    status = db.Column(db.String(12), nullable=False, default="ACTIVO")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ItpLaboratory(db.Model):
    """Stand-in for the "Base de Datos del ITP" of laboratories."""

    __tablename__ = "itp_laboratory"
    ruc = db.Column(db.String(11), primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
