"""Drive a live SOL IdP from tests: create RUCs and users, register clients, rotate keys.

Used by this project's suite and shipped for relying parties through the ``sol_idp``
pytest fixture (``idp.testing.pytest_plugin``).
"""

from ..oidc.faults import NAMES as RP_FAULTS
from .handle import SolIdp, start_idp

__all__ = ["RP_FAULTS", "SolIdp", "start_idp"]
