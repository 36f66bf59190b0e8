"""VUCE's REST API under /api/v1 (JSON, VUCE admin token)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from webcommon.security import require_bearer

from ..domain import messages
from ..domain.errors import ImportRefused
from ..services import accounts
from ..storage import db
from .security import csrf

bp = Blueprint("vuce_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer-token API, no cookies


def _error(status: int, code: str, message: str):
    return jsonify(error=code, message=message), status


@bp.before_request
def require_admin_token():
    if not require_bearer(current_app.config["ADMIN_TOKEN"]):
        return _error(401, "unauthorized", messages.ADMIN_TOKEN_REQUIRED)
    return None


@bp.post("/accounts")
def import_account():
    """contract.md: import an account as already registered (same service as the screens)."""
    payload = request.get_json(silent=True)
    for attempt in (1, 2):
        try:
            account, created = accounts.import_account(
                payload, terms_version=current_app.config["TERMS_VERSION"]
            )
            db.session.commit()
            break
        except ImportRefused as exc:
            db.session.rollback()
            return _error(exc.status, exc.code, exc.message)
        except IntegrityError:
            # The same new account imported concurrently: the other request created it;
            # a second pass finds the row and updates it.
            db.session.rollback()
            if attempt == 2:
                raise
    return jsonify(
        account_key=account.account_key,
        user_type=account.user_type,
        ruc=account.ruc,
        sol_username=account.sol_username,
        registered_as=account.registered_as,
        created=created,
    ), 201 if created else 200
