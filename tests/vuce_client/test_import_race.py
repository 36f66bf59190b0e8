"""Concurrent imports of the same new account (``POST /api/v1/accounts``): one creates it, the
others update it; none answers a 500 (found by the VUCE fault tests' load)."""

from __future__ import annotations

import threading

RUC = "20123456786"


def _import_at_once(vuce, body: dict, clients: int = 6) -> list[int]:
    start = threading.Barrier(clients)
    codes: list[int] = []

    def post():
        start.wait(timeout=10)
        codes.append(vuce.import_account(**body).status_code)

    threads = [threading.Thread(target=post) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return codes


def test_concurrent_imports_of_one_new_account(vuce):
    for round_no in range(3):
        body = {
            "user_type": "secondary",
            "ruc": RUC,
            "sol_username": f"CARGA{round_no:03d}",
            "last_roles": ["VUCE.USUARIO.OPERACION"],
        }
        codes = _import_at_once(vuce, body)
        assert sorted(codes) == [200] * 5 + [201], codes
