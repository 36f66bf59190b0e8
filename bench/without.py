"""What one part of a full login costs where it runs: the login with and without it.

A micro-benchmark of a part run alone in a loop finds its code and data in the CPU's caches;
inside a login they have been evicted by everything else the request did. The refresh
token's INSERT took 0.12-0.23 ms of CPU in a loop and 0.54-0.63 ms inside a login (ninth
session, bench/README.md). Here the IdP runs in this process on PostgreSQL + Redis, as in
bench/inproc.py, and blocks of logins alternate between the app as it is and the app with
one part removed (patched out in this process only; the order flips every round). The
paired ratio of each round's CPU per login is what the part costs in place.

    .venv/bin/python bench/without.py refresh-insert           # 10 rounds of 60 logins
    .venv/bin/python bench/without.py limiter --rounds 16

Parts: refresh-insert (the code exchange's refresh-token row is not written), limiter
(Flask-Limiter's check on the login POST), rsa-sign (the ID token is not signed),
resume-validation (the login's POST reuses the grant Authlib validated for the form's
/authorize instead of validating the request again), password-hash (every clave is right
without argon2), csrf-check (CSRFProtect's check of the POST), login-page (the login page is
two bare fields, not its Jinja template; the CSRF token is still signed), metrics (the latency
histogram and the login, token and userinfo counters). The part login-form went when the login
page stopped building a WTForms form. A login without a part is not a valid login: only its
cost means anything.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import inproc  # noqa: E402


def _swap(owner, name, replacement):
    """(put the replacement in, put the original back) for one attribute."""
    original = getattr(owner, name)
    return (lambda: setattr(owner, name, replacement), lambda: setattr(owner, name, original))


def parts() -> dict:
    from flask_wtf.csrf import CSRFProtect, generate_csrf
    from joserfc import jwt

    from idp import metrics
    from idp.oidc.server import SolAuthorizationServer
    from idp.services import passwords, tokens
    from idp.web import login_form
    from idp.web.limits import limiter
    from webcommon.observe import RequestObserver

    def no_refresh_row(db, statement, params=None):
        if statement is tokens._INSERT_REFRESH:
            return []
        return original_execute(db, statement, params)

    def validated_once(server, request=None, end_user=None):
        # the grant the form's /authorize validated, reused when the login resumes it
        key = tuple(sorted(request.values.items(multi=True)))
        grant = grants.pop(key, None)
        if grant is None:
            grant = grants[key] = original_consent(server, request=request, end_user=end_user)
            # /authorize hands Authlib the request proxy: keep the request it stood for
            pinned = getattr(request, "_get_current_object", lambda: request)()
            grant.request.payload._request = pinned
        return grant

    def bare_page(kind, values, cid, pending, *, error=None, ask_captcha=False):
        fields = '<input name="csrf_token" value="%s"><input name="challenge" value="%s">'
        return fields % (generate_csrf(), cid), 200 if error is None else 401

    def together(*swaps):
        return (lambda: [s[0]() for s in swaps], lambda: [s[1]() for s in swaps])

    def idle(*_args, **_kwargs):
        return None

    grants: dict = {}
    original_consent = SolAuthorizationServer.get_consent_grant
    original_execute = tokens.execute_alone
    found = {
        "resume-validation": _swap(SolAuthorizationServer, "get_consent_grant", validated_once),
        "password-hash": _swap(passwords, "verify_password", lambda stored, password: True),
        "csrf-check": _swap(CSRFProtect, "protect", idle),
        "login-page": _swap(login_form, "page", bare_page),
        "metrics": together(
            _swap(RequestObserver, "_observe", idle),
            *(
                _swap(metrics, name, idle)
                for name in ("count_login", "count_token_response", "count_userinfo")
            ),
        ),
        "refresh-insert": _swap(tokens, "execute_alone", no_refresh_row),
        "limiter": _swap(type(limiter), "_check_request_limit", lambda *a, **k: None),
        "rsa-sign": _swap(jwt, "encode", lambda *a, **k: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),
    }
    assert set(found) == set(PARTS), "PARTS (the command lines' choices) names every part"
    return found


PARTS = (
    "refresh-insert",
    "limiter",
    "rsa-sign",
    "resume-validation",
    "password-hash",
    "csrf-check",
    "login-page",
    "metrics",
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("part", choices=sorted(PARTS))
    p.add_argument("--rounds", type=int, default=10, help="rounds (default 10)")
    p.add_argument("--logins", type=int, default=60, help="logins per block (default 60)")
    inproc.add_store_args(p)
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    args.argon2_profile = "fast"  # the hash would drown every other part
    timed, browser = inproc.start(args)
    remove, restore = parts()[args.part]
    for _ in range(30):  # warm-up
        browser.login()
    cpu = {False: [], True: []}
    for rnd in range(args.rounds):
        for without in (False, True) if rnd % 2 == 0 else (True, False):
            (remove if without else restore)()
            timed.reset()
            for _ in range(args.logins):
                browser.login()
            cpu[without].append(sum(statistics.mean(v) for v in timed.cpu.values()) * 1e3)
        restore()
    ratios = [b / a for a, b in zip(cpu[False], cpu[True], strict=True)]
    ratio = statistics.median(ratios)
    with_it = statistics.median(cpu[False])
    print(
        f"{args.part}: login {with_it:.3f} ms CPU with it, "
        f"{statistics.median(cpu[True]):.3f} without; paired ratio {ratio:.3f} "
        f"(rounds {' '.join(f'{r:.2f}' for r in ratios)}): the part costs "
        f"~{(1 - ratio) * with_it:.3f} ms of a login"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
