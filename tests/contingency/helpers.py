"""Helpers of the contingency suite (shared by the e2e and browser tests)."""

import time

import requests

from idp.services import outage as outage_service

RUC = "20123456786"
ADMIN = "vuce-admin-token-contingency-tests"


def set_outage(idp, mode, **extra):
    r = requests.put(
        f"{idp.url}/api/v1/sim/outage",
        json={"mode": mode, **extra},
        timeout=5,
        headers={"Authorization": f"Bearer {idp.admin_token}"},
    )
    assert r.status_code == 200, r.text
    outage_service.cache._by_store.clear()


def wait_until(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
