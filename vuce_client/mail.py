"""Durable e-mail: an outbox table written in the caller's transaction, and a worker that sends.

``enqueue(to, subject, body, kind)`` only adds a row (the caller commits it together with the
record that caused it, so an e-mail is never lost nor sent for a rolled-back change).
``send_pending()`` delivers due rows over SMTP with Flask-Mail, retrying with exponential
backoff; ``flask --app vuce_client mail-worker`` runs it in a loop. ``kind`` tells callers'
e-mails apart (``notification``, later ``contingency_link`` …) without changing this module.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_mail import Mail, Message
from sqlalchemy.orm import Mapped, mapped_column

from .domain.contingency import LINK_EMAIL_KIND
from .metrics import count_link
from .storage.db import db, utcnow

log = logging.getLogger("vuce_client.mail")
mail = Mail()

PENDING, SENDING, SENT, FAILED = "PENDING", "SENDING", "SENT", "FAILED"
LEASE_SECONDS = 120  # a claimed row whose worker died becomes due again after this
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


class OutboxEmail(db.Model):
    """One e-mail to deliver; rows stay after sending for the audit trail."""

    __tablename__ = "vuce_mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    to: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(8), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime)


def enqueue(to: str, subject: str, body: str, kind: str) -> OutboxEmail:
    """Queue an e-mail in the current transaction (the caller commits); returns the row."""
    if not to or "@" not in to:
        raise ValueError("a recipient address is required")
    row = OutboxEmail(
        kind=kind,
        to=to.strip(),
        subject=subject,
        body=body,
        status=PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failures: 30 s, 60 s, 120 s … ≤ 1 h."""
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def _deliver(row: OutboxEmail) -> None:
    msg = Message(
        subject=row.subject,
        recipients=[row.to],
        body=row.body,
        sender=current_app.config.get("MAIL_DEFAULT_SENDER"),
    )
    mail.send(msg)


def _claim(row_id: int, now: datetime) -> bool:
    """Take one due row for this worker (a committed, conditional UPDATE: one winner)."""
    due = sa.or_(OutboxEmail.status == PENDING, OutboxEmail.status == SENDING)
    result = db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == row_id, due, OutboxEmail.next_attempt_at <= now)
        .values(status=SENDING, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
    )
    db.session.commit()
    return result.rowcount == 1


def send_pending(limit: int = 50, now: datetime | None = None, deliver=None) -> dict:
    """Send the due rows once; failures are rescheduled with backoff, then marked FAILED.

    Each row is claimed, sent and marked in its own transactions, so several workers never
    send the same row and a crash re-sends at most the one e-mail that was in flight.
    """
    now = now or utcnow()
    deliver = deliver or _deliver
    max_attempts = current_app.config.get("MAIL_MAX_ATTEMPTS", 8)
    due = sa.or_(OutboxEmail.status == PENDING, OutboxEmail.status == SENDING)
    ids = db.session.scalars(
        sa.select(OutboxEmail.id)
        .where(due, OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.id)
        .limit(limit)
    ).all()
    db.session.commit()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for row_id in ids:
        if not _claim(row_id, now):
            continue  # another worker took it
        row = db.session.get(OutboxEmail, row_id)
        row.attempts += 1
        try:
            deliver(row)
        except Exception as exc:  # any SMTP/network error: retry later
            row.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if row.attempts >= max_attempts:
                row.status = FAILED
                counts["failed"] += 1
                log.error("e-mail %s failed for good: %s", row.id, row.last_error)
            else:
                row.status = PENDING
                row.next_attempt_at = now + backoff(row.attempts)
                counts["retry"] += 1
                log.warning(
                    "e-mail %s failed (attempt %s): %s", row.id, row.attempts, row.last_error
                )
        else:
            row.status = SENT
            row.sent_at = utcnow()
            if row.kind == LINK_EMAIL_KIND:
                count_link("sent")
            row.last_error = None
            counts["sent"] += 1
        db.session.commit()
    return counts


def backlog(app) -> tuple[float, float]:
    """(e-mails waiting, age in seconds of the oldest one): the outbox gauges of ``/metrics``."""
    with app.app_context():
        try:
            depth, oldest = db.session.execute(
                sa.select(sa.func.count(), sa.func.min(OutboxEmail.created_at)).where(
                    OutboxEmail.status.in_((PENDING, SENDING))
                )
            ).one()
        finally:
            db.session.remove()
    age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return float(depth), max(age, 0.0)


@click.command("mail-worker")
@click.option("--once", is_flag=True, help="envía los correos pendientes una vez y termina")
@click.option("--interval", default=2.0, show_default=True, help="segundos entre pasadas")
@with_appcontext
def mail_worker_command(once: bool, interval: float) -> None:
    """Entrega la bandeja de salida por SMTP (MAIL_SERVER/MAIL_PORT), con reintentos."""
    while True:
        try:
            counts = send_pending()
            if any(counts.values()):
                click.echo(f"mail-worker: {counts}")
        except sa.exc.OperationalError as exc:
            db.session.rollback()
            log.error("mail-worker: database unavailable: %s", exc)
        if once:
            return
        time.sleep(interval)


def init_app(app) -> None:
    """Configure Flask-Mail and the ``mail-worker`` command."""
    mail.init_app(app)
    app.cli.add_command(mail_worker_command)
