"""Driver login plug-in for our 3-field SOL form: ``--login bench.sol_login:login``.

The driver (``loadgen.driver`` in ``../shared/peer``) hands us the authorization URL and a
``LoginContext``; we follow /authorize's redirects to the SOL page, fill ``ruc``, ``usuario`` and
``clave`` (keeping the hidden ``csrf_token`` and ``challenge``), POST it and follow the redirects
back to the client's ``redirect_uri``, which carries ``code`` and ``state``.

Which account logs in: ``ctx.username`` is either ``RUC:USUARIO`` or a 1-based index into
``BENCH_SOL_ACCOUNTS`` (comma-separated ``RUC:USUARIO`` list, set by ``bench/idp_load.py``; run the
driver with ``--username-pattern {} --users N``). The clave is ``ctx.password``.

If the IdP session is already open (SSO), /authorize redirects straight to the client and no
form is shown; ``sso_only`` makes a login form an error instead of something to fill.
"""

from __future__ import annotations

import os
from urllib.parse import urljoin

from loadgen.logins import LoginError, parse_forms

REDIRECTS = (301, 302, 303, 307, 308)


def _account(ctx) -> tuple[str, str]:
    name = ctx.username
    if ":" not in name:
        accounts = [a for a in os.environ.get("BENCH_SOL_ACCOUNTS", "").split(",") if a]
        if not accounts:
            raise LoginError("BENCH_SOL_ACCOUNTS is empty and the username is not RUC:USUARIO")
        name = accounts[(int(name) - 1) % len(accounts)]
    ruc, _, usuario = name.partition(":")
    return ruc, usuario


async def drive(http, authorize_url: str, ctx, *, sso_only: bool = False) -> str:
    """Follow redirects, fill the SOL form once, return the callback URL."""
    url, method, data = authorize_url, "GET", None
    submitted = False
    for _ in range(ctx.max_hops):
        status, headers, body = await http.request(method, url, data=data)
        if status in REDIRECTS:
            loc = headers.get("Location")
            if not loc:
                raise LoginError(f"{status} without Location at {url}")
            nxt = urljoin(url, loc)
            if nxt.startswith(ctx.redirect_uri):
                return nxt
            url, method, data = nxt, "GET", None
            continue
        if status != 200:
            raise LoginError(f"HTTP {status} at {method} {url}: {body[:200]!r}")
        if sso_only:
            raise LoginError(f"SSO expected, got a page at {url}: {body[:200]!r}")
        if submitted:
            raise LoginError(f"login form shown again (bad credentials?) at {url}")
        form = next(
            (
                f
                for f in parse_forms(body.decode("utf-8", "replace"))
                if "clave" in f.fields or f.has_password
            ),
            None,
        )
        if form is None:
            raise LoginError(f"no SOL form at {url}: {body[:200]!r}")
        ruc, usuario = _account(ctx)
        data = dict(form.fields)  # csrf_token and challenge come from the page
        data.update(ruc=ruc, usuario=usuario, clave=ctx.password)
        url, method, submitted = urljoin(url, form.action or url), "POST", True
    raise LoginError(f"too many hops, last url {url}")


async def login(http, authorize_url: str, ctx) -> str:
    """The driver's login hook (a fresh cookie jar: the full SOL login)."""
    return await drive(http, authorize_url, ctx)
