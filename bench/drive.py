"""The peer's load driver (``loadgen.driver``) plus one scenario it lacks: ``sso``.

``sso``: a complete code+PKCE login while the IdP session is already open — authorize
(redirected straight back with a code, no login page) -> token -> userinfo. Each worker logs in
once during setup (not measured) and keeps its cookie jar; an op that fails logs in again.

Run with ``loadgen`` importable (PYTHONPATH=<peer folder>:<repo>), same flags as the driver::

    python -m bench.drive --issuer URL --scenario sso,login ... --json-out out.jsonl
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import time

import aiohttp
from loadgen import driver, logins

from bench import sol_login


class _KeepJar:
    """A view of an aiohttp session whose cookie jar is never cleared (the SSO cookie stays)."""

    class _Jar:
        def clear(self, *_a, **_k):
            pass

    def __init__(self, session):
        self._session = session
        self.cookie_jar = self._Jar()

    def request(self, *args, **kwargs):
        return self._session.request(*args, **kwargs)


class SsoFlow(driver.Flow):
    """``login`` keeps working as the setup; ``userinfo`` is replaced by the SSO op."""

    def __init__(self, args, disco, login_fn):
        async def dispatch(http, url, ctx):
            if getattr(http, "sso", False):
                return await sol_login.drive(http, url, ctx, sso_only=True)
            return await login_fn(http, url, ctx)

        super().__init__(args, disco, dispatch)
        self.userinfo = self.sso  # run_scenario("userinfo") = setup login per worker + sso ops

    async def sso(self, http, state):
        h = driver.Http(_KeepJar(http.session), http.rec)
        h.sso = True
        await self.login(h, state)


def rebase(disco: dict, url: str) -> dict:
    """Endpoints moved onto ``url`` when it is not the issuer (a second instance of the same
    issuer on another port, bench/idp_scale.py); the issuer itself is kept."""
    issuer, url = disco.get("issuer", "").rstrip("/"), url.rstrip("/")
    if not issuer or issuer == url:
        return disco
    return {
        k: url + v[len(issuer) :]
        if k != "issuer" and isinstance(v, str) and v.startswith(issuer + "/")
        else v
        for k, v in disco.items()
    }


async def main_async(args) -> list[dict]:
    scenarios = [s.strip() for s in args.scenario.split(",") if s.strip()]
    async with aiohttp.ClientSession() as s:
        async with s.get(args.issuer.rstrip("/") + "/.well-known/openid-configuration") as r:
            r.raise_for_status()
            disco = rebase(await r.json(), args.issuer)
    login_fn = logins.resolve(args.login)
    results = []
    for name in scenarios:
        if name == "sso":
            res = await driver.run_scenario(
                args, SsoFlow(args, disco, login_fn), "userinfo", args.server_pid
            )
            res["scenario"] = "sso"
        else:
            res = await driver.run_scenario(
                args, driver.Flow(args, disco, login_fn), name, args.server_pid
            )
        results.append(res)
        print(driver.fmt_line(res), file=sys.stderr, flush=True)
    return results


def main(argv=None) -> list[dict]:
    args = driver.parse_args(argv)
    results = asyncio.run(main_async(args))
    meta = {
        "label": args.label,
        "issuer": args.issuer,
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "client_affinity": sorted(os.sched_getaffinity(0)),
    }
    if args.json_out:
        with open(args.json_out, "a") as f:
            for r in results:
                f.write(json.dumps({**meta, **r}) + "\n")
    return results


if __name__ == "__main__":
    main()
