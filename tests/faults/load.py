"""A small, bounded load generator and the checks every answer must pass during a fault."""

import threading
import time
from dataclasses import dataclass

import requests

from tests.support.oidc import REDIRECT, Flow

from .conftest import CLIENT_ID, CLIENT_SECRET, PASSWORD, RUC, USER

# Answers meant for programs: a 503 there must be JSON.
JSON_ENDPOINTS = ("token", "userinfo", "introspect", "readyz", "api", "jwks")
SPANISH_503 = ("no está disponible", "no se encuentra disponible")
REQUEST_TIMEOUT = 8.0  # a hang shows up as an exception, recorded as status None


@dataclass
class Hit:
    at: float
    name: str
    status: int | None
    content_type: str
    body: str
    elapsed: float
    error: str | None = None


def requests_for(base: str, admin_token: str, access_token: str | None):
    """(name, method, path, kwargs) of the mixed traffic: people's pages and programs' calls."""
    html = {"Accept": "text/html,application/xhtml+xml"}
    authz = (
        f"/authorize?response_type=code&client_id={CLIENT_ID}&redirect_uri={REDIRECT}"
        "&scope=openid+sol&state=s1&nonce=n1&code_challenge="
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    )
    bearer = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return [
        ("authorize", "GET", authz, {"headers": html}),
        ("login_page", "GET", "/login?challenge=nope", {"headers": html}),
        (
            "login_post",
            "POST",
            "/login",
            {
                "headers": html,
                "data": {"challenge": "nope", "ruc": RUC, "usuario": USER, "clave": "x"},
            },
        ),
        (
            "token",
            "POST",
            "/token",
            {
                "auth": (CLIENT_ID, CLIENT_SECRET),
                "data": {
                    "grant_type": "authorization_code",
                    "code": "nope",
                    "redirect_uri": REDIRECT,
                },
            },
        ),
        (
            "token",
            "POST",
            "/token",
            {
                "headers": html,
                "auth": (CLIENT_ID, CLIENT_SECRET),
                "data": {"grant_type": "refresh_token", "refresh_token": "nope"},
            },
        ),
        ("userinfo", "GET", "/userinfo", {"headers": bearer}),
        (
            "introspect",
            "POST",
            "/introspect",
            {"auth": (CLIENT_ID, CLIENT_SECRET), "data": {"token": access_token or "x"}},
        ),
        ("readyz", "GET", "/readyz", {}),
        (
            "api",
            "GET",
            "/api/v1/sim/outage",
            {"headers": {"Authorization": f"Bearer {admin_token}"}},
        ),
        ("jwks", "GET", "/jwks", {}),
    ]


class Load:
    """``threads`` workers cycling through the request mix until stopped (bounded by time)."""

    def __init__(self, base: str, mix, threads: int = 4, max_seconds: float = 60.0):
        self.base = base
        self.mix = mix
        self.threads = threads
        self.max_seconds = max_seconds
        self.hits: list[Hit] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def _run(self, offset: int) -> None:
        http = requests.Session()
        deadline = time.monotonic() + self.max_seconds
        i = offset
        while not self._stop.is_set() and time.monotonic() < deadline:
            name, method, path, kwargs = self.mix[i % len(self.mix)]
            i += 1
            t0 = time.monotonic()
            try:
                r = http.request(
                    method,
                    self.base + path,
                    allow_redirects=False,
                    timeout=REQUEST_TIMEOUT,
                    **kwargs,
                )
                hit = Hit(
                    t0,
                    name,
                    r.status_code,
                    r.headers.get("Content-Type", ""),
                    r.text[:2000],
                    time.monotonic() - t0,
                )
            except requests.RequestException as exc:
                hit = Hit(t0, name, None, "", "", time.monotonic() - t0, repr(exc))
            with self._lock:
                self.hits.append(hit)
            time.sleep(0.01)

    def __enter__(self) -> "Load":
        for n in range(self.threads):
            t = threading.Thread(target=self._run, args=(n,), daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(timeout=REQUEST_TIMEOUT + 2)

    def between(self, start: float, end: float) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if start <= h.at < end]


def problems(hits: list[Hit]) -> list[str]:
    """Every answer that breaks the rules: a 5xx other than 503, a trace, a hang, a 503
    that is not JSON for programs or not the Spanish page for people."""
    bad = []
    for h in hits:
        where = f"{h.name} {h.status} {h.content_type}: {h.error or h.body[:200]!r}"
        if h.status is None:
            bad.append(f"no answer (hang or reset) after {h.elapsed:.1f}s: {where}")
        elif h.status >= 500 and h.status != 503:
            bad.append(where)
        elif "Traceback" in h.body or 'File "/' in h.body:
            bad.append(f"stack trace: {where}")
        elif h.status == 503 and h.name in JSON_ENDPOINTS:
            if not h.content_type.startswith("application/json") or not (
                '"error"' in h.body or '"unavailable"' in h.body
            ):
                bad.append(f"503 without JSON: {where}")
        elif h.status == 503 and not (
            h.content_type.startswith("text/html") and any(s in h.body for s in SPANISH_503)
        ):
            bad.append(f"503 without the Spanish page: {where}")
    return bad


def summary(hits: list[Hit]) -> str:
    counts: dict[tuple[str, int | None], int] = {}
    for h in hits:
        counts[(h.name, h.status)] = counts.get((h.name, h.status), 0) + 1
    return ", ".join(f"{n}:{s}x{c}" for (n, s), c in sorted(counts.items(), key=str))


def try_login(base: str) -> tuple[bool, str]:
    """One full SOL login (authorize → form → code → token); (succeeded, why not)."""
    try:
        flow = Flow(base, CLIENT_ID, CLIENT_SECRET)
        token = flow.full_login(RUC, USER, PASSWORD)
        return "id_token" in token, ""
    except Exception as exc:  # any failure means "not yet"
        return False, f"{type(exc).__name__}: {str(exc)[:200]}"


def wait_for_login(base: str, timeout: float = 30.0) -> float:
    """Seconds until a full login succeeds again (raises after ``timeout``)."""
    t0 = time.monotonic()
    why = ""
    while time.monotonic() - t0 < timeout:
        ok, why = try_login(base)
        if ok:
            return time.monotonic() - t0
        time.sleep(0.1)
    raise AssertionError(f"no successful login within {timeout}s: {why}")
