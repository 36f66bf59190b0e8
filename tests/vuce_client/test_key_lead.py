"""VUCE's JWKS copy is younger than the IdP's key lead, so a rotated key is known before it
signs: no token, a back-channel logout least of all, waits on a JWKS refetch (README,
"Serving": a worker that sends a back-channel logout serves nothing else meanwhile)."""

from idp import config as idp_config
from vuce_client import config as vuce_config


def _default(settings, key):
    return next(s.default for s in settings if s.key == key)


def test_vuce_jwks_ttl_is_under_the_idp_key_lead():
    lead = _default(idp_config.SETTINGS, "KEY_LEAD_SECONDS")
    ttl = _default(vuce_config.SETTINGS, "JWKS_TTL")
    assert 0 < ttl < lead
