"""One login followed across both apps' logs with one grep (issue 15).

VUCE's callback request gets an id; VUCE sends it to SOL on the token exchange, userinfo and
JWKS calls; SOL logs the exchange under it; VUCE's audit row of the login keeps it. So the id of
VUCE's "login ok" line, grepped in the combined log of `vuce-sol up`, finds both apps' lines.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess

from launcher.demo import IMPORTER

from .conftest import vuce_login

LOGIN_OK = re.compile(r"^\[vuce\] INFO vuce_client\.auth \[([0-9a-f]{32})\]: login ok component=MR")


def test_one_grep_follows_a_login_across_both_apps(page, stack):
    before = stack.log.read_text(errors="replace").count("login ok component=MR")
    vuce_login(page, stack, IMPORTER, "OPERADOR")
    page.wait_for_url(f"{stack.vuce}/mr/")
    lines = stack.log.read_text(errors="replace").splitlines()
    ours = [m.group(1) for m in map(LOGIN_OK.match, lines) if m]
    assert len(ours) == before + 1, "\n".join(lines[-30:])
    rid = ours[-1]

    found = subprocess.run(
        ["grep", "-F", rid, str(stack.log)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert any(
        line.startswith("[idp] INFO idp.oidc") and "token issued grant=authorization_code" in line
        for line in found
    ), found
    assert any(line.startswith("[vuce] INFO vuce_client.auth") for line in found), found

    # VUCE's audit row of this login carries the same id
    with sqlite3.connect(stack.log.parent / "instance" / "vuce.sqlite3") as conn:
        rows = conn.execute(
            "SELECT event, component FROM vuce_audit_events WHERE request_id = ?", (rid,)
        ).fetchall()
    assert rows == [("LOGIN", "MR")]
