"""Serving floor: server CPU per request of the server itself (granian vs gunicorn, same view),
next to the peer's whole JWKS request.

granian and gunicorn (our .venv) serve ``bench/floor_app.py``: precomputed discovery and JWKS
bytes, from a bare WSGI callable and from a minimal Flask app, under each server configuration;
the reference
peer (node-oidc-provider, ``../shared/peer``) serves its real ``/jwks``. The same load driver as
bench/idp_load.py (``python -m bench.drive --scenario jwks``) drives every target in turn within
each run (the order rotates from run to run, so machine drift hits all alike); the table shows
the median over the runs and each target's CPU per op relative to the peer's in the same run.
Every process started here is stopped by its PID at the end, also on Ctrl-C.

    .venv/bin/python bench/floor.py --runs 3
    .venv/bin/python bench/floor.py --runs 3 --configs granian,granian1,granian8,gthread,sync,gevent
    .venv/bin/python bench/floor.py --apps wsgi --configs gthread,granian --duration 10

See bench/README.md, "Serving floor".
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.floor_app import make_jwks  # noqa: E402
from bench.idp_harness import (  # noqa: E402
    REPO,
    Procs,
    driver_python,
    free_port,
    log,
    peer_dir,
    run_driver,
    serve_granian,
    serve_gunicorn,
    start_peer,
    start_run,
)

VENV_PY = REPO / ".venv" / "bin" / "python"
PY = str(VENV_PY) if VENV_PY.exists() else sys.executable

# app -> (gunicorn target, granian target, granian --factory)
APPS = {
    "wsgi": ("bench.floor_app:app", "bench.floor_app:app", False),
    "flask": ("bench.floor_app:create_flask_app()", "bench.floor_app:create_flask_app", True),
}
# name -> (label, server, worker flags), each with the benches' shared flags (GUNICORN_COMMON /
# GRANIAN_COMMON; sync ignores --keep-alive: it closes after each response); granian 2x4 is what
# bench/idp_load.py serves with, gthread 2x4 what it served with before granian
CONFIGS = {
    "granian": ("granian 2x4", "granian", ["--workers", "2", "--blocking-threads", "4"]),
    "granian8": ("granian 2x8", "granian", ["--workers", "2", "--blocking-threads", "8"]),
    "granian2": ("granian 2x2", "granian", ["--workers", "2", "--blocking-threads", "2"]),
    "granian1": ("granian 2x1", "granian", ["--workers", "2", "--blocking-threads", "1"]),
    # the same 2x4, with /jwks answered by granian's static file route (no Python per request)
    "granian-static": (
        "granian 2x4 static /jwks",
        "granian",
        ["--workers", "2", "--blocking-threads", "4"],
    ),
    "gthread": (
        "gunicorn gthread 2x4",
        "gunicorn",
        ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
    ),
    "sync": ("gunicorn sync x2", "gunicorn", ["--workers", "2", "--worker-class", "sync"]),
    "gevent": ("gunicorn gevent x2", "gunicorn", ["--workers", "2", "--worker-class", "gevent"]),
}
DEFAULT_CONFIGS = "granian,gthread"
PEER = "peer oidc-provider /jwks"


def has_gevent() -> bool:
    return subprocess.run([PY, "-c", "import gevent"], capture_output=True).returncode == 0


def start_server(procs: Procs, logs: Path, app: str, config: str, jwks: str) -> tuple[str, int]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, FLOOR_ISSUER=url, FLOOR_JWKS=jwks, PYTHONPATH=str(REPO))
    label, server, flags = CONFIGS[config]
    name = f"floor {app} {config}"
    if server == "granian":
        _, target, factory = APPS[app]
        if config == "granian-static":
            folder = logs / f"static-{port}"
            folder.mkdir()
            (folder / "jwks.json").write_text(jwks)
            flags = [
                *flags,
                "--static-path-route",
                "/jwks",
                "--static-path-mount",
                str(folder),
                "--static-path-dir-to-file",
                "jwks.json",
                "--static-path-expires",
                "60",
            ]
        p = serve_granian(
            procs, logs, target, port, flags, env, name, "/jwks", python=PY, factory=factory
        )
    else:
        p = serve_gunicorn(procs, logs, APPS[app][0], port, flags, env, name, "/jwks", python=PY)
    log(f"{app} {label}: {url} {server} pid {p.pid}")
    return url, p.pid


def drive(
    args, procs: Procs, py: str, base: Path, target: str, url: str, pid: int, out: Path
) -> dict | None:
    """One driver process, jwks scenario, CPU of the server's process tree; its JSON line."""
    return run_driver(
        procs,
        py,
        base,
        target,
        [
            "--issuer",
            url,
            "--scenario",
            "jwks",
            "--server-pid",
            str(pid),
            "--duration",
            str(args.duration),
            "--warmup",
            str(args.warmup),
            "--concurrency",
            str(args.concurrency),
            "--label",
            f"floor: {target}",
        ],
        out,
    )


# ------------------------------------------------------------------------------ report


def median(vals) -> float | None:
    vals = [v for v in vals if isinstance(v, (int, float))]
    return statistics.median(vals) if vals else None


def summarize(runs: list[dict[str, dict | None]], targets: list[str]) -> dict[str, dict]:
    """Median per target; the ratio is the median of the per-run ratios (same-run drift)."""
    rows = {}
    for t in targets:
        rs = [run.get(t) or {} for run in runs]
        ratios = []
        for run in runs:
            cpu, peer = (
                (run.get(t) or {}).get("server_cpu_ms_per_op"),
                (run.get(PEER) or {}).get("server_cpu_ms_per_op"),
            )
            if cpu is not None and peer:
                ratios.append(cpu / peer)
        rows[t] = {
            k: median(r.get(k) for r in rs)
            for k in ("ops_per_s", "p50_ms", "p99_ms", "server_cpu_ms_per_op")
        }
        rows[t]["ratio"] = median(ratios)
        rows[t]["errors"] = sum(r.get("errors") or 0 for r in rs)
        rows[t]["runs"] = sum(1 for r in rs if r)
    return rows


def _f(v, fmt: str) -> str:
    return format(v, fmt) if isinstance(v, (int, float)) else "-"


def table(rows: dict[str, dict]) -> str:
    head = (
        f"{'target':<30}|{'ops/s':>9} |{'p50 ms':>8}{'p99 ms':>8} |"
        f"{'server CPU ms/op':>17} |{'x peer jwks':>12} |{'err':>5}"
    )
    lines = [head, "-" * len(head)]
    for t, r in rows.items():
        lines.append(
            f"{t:<30}|{_f(r['ops_per_s'], '9.1f'):>9} |{_f(r['p50_ms'], '8.2f'):>8}"
            f"{_f(r['p99_ms'], '8.2f'):>8} |{_f(r['server_cpu_ms_per_op'], '17.3f'):>17} |"
            f"{_f(r['ratio'], '12.2f'):>12} |{r['errors']:>5}"
        )
    return "\n".join(lines)


def summary(rows: dict[str, dict]) -> str:
    """granian vs gunicorn on the same view (CPU/op and ops/s), and each against the peer."""
    peer = rows.get(PEER, {}).get("server_cpu_ms_per_op")
    lines = []
    for app in APPS:
        mine = {
            t[len(app) + 1 :]: r
            for t, r in rows.items()
            if t.startswith(app + " ") and r["server_cpu_ms_per_op"]
        }
        gran = {k: r for k, r in mine.items() if k.startswith("granian")}
        guni = {k: r for k, r in mine.items() if k.startswith("gunicorn")}
        if not gran or not guni:
            continue
        g = min(gran, key=lambda k: gran[k]["server_cpu_ms_per_op"])
        u = min(guni, key=lambda k: guni[k]["server_cpu_ms_per_op"])
        cpu = gran[g]["server_cpu_ms_per_op"] / guni[u]["server_cpu_ms_per_op"]
        ops = (gran[g]["ops_per_s"] or 0) / (guni[u]["ops_per_s"] or 1)
        line = (
            f"{app}: cheapest granian ({g}) {gran[g]['server_cpu_ms_per_op']:.3f} ms/op vs "
            f"cheapest gunicorn ({u}) {guni[u]['server_cpu_ms_per_op']:.3f} ms/op = {cpu:.2f}x "
            f"the CPU, {ops:.2f}x the ops/s"
        )
        if peer:
            line += f"; granian = {gran[g]['server_cpu_ms_per_op'] / peer:.2f}x the peer's jwks"
        lines.append(line)
    return "summary: " + ("\n         ".join(lines) or "no granian/gunicorn pair to compare")


# ------------------------------------------------------------------------------ main


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--concurrency", type=int, default=16, help="driver workers (default 16)")
    p.add_argument("--duration", type=float, default=5.0, help="seconds measured per target")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    p.add_argument("--runs", type=int, default=1, help="runs; the table shows the medians")
    p.add_argument("--apps", default="wsgi,flask", help=f"from {', '.join(APPS)}")
    p.add_argument(
        "--configs",
        default=DEFAULT_CONFIGS,
        help=f"from {', '.join(CONFIGS)} (default {DEFAULT_CONFIGS})",
    )
    p.add_argument("--no-peer", action="store_true", help="only our servers")
    p.add_argument("--out", default=None, help="JSON lines file (default bench/out/floor-*.jsonl)")
    a = p.parse_args(argv)
    a.apps = [x.strip() for x in a.apps.split(",") if x.strip()]
    a.configs = [x.strip() for x in a.configs.split(",") if x.strip()]
    if set(a.apps) - set(APPS) or set(a.configs) - set(CONFIGS):
        p.error("unknown app or config")
    return a


def main(argv=None) -> int:
    args = parse_args(argv)
    logs, out, procs = start_run("floor", args.out)
    if "gevent" in args.configs and not has_gevent():
        print(
            "note: gevent is not importable in the venv; skipping the gevent configuration "
            "(.venv/bin/pip install gevent to measure it)",
            flush=True,
        )
        args.configs.remove("gevent")
    runs: list[dict[str, dict | None]] = []
    try:
        base = peer_dir()
        py = driver_python(base)
        jwks = make_jwks()  # one key set for every worker of every configuration
        servers: dict[str, tuple[str, int]] = {}
        for app in args.apps:
            for config in args.configs:
                servers[f"{app} {CONFIGS[config][0]}"] = start_server(
                    procs, logs, app, config, jwks
                )
        if not args.no_peer:
            url, peer = start_peer(procs, base, logs, prefix="floor-peer")
            log(f"peer: {url} node pid {peer.pid}")
            servers[PEER] = (url, peer.pid)
        names = list(servers)
        log(
            f"{len(names)} targets x {args.runs} runs, {args.concurrency} workers, "
            f"{args.duration:g} s (+{args.warmup:g} s warm-up) each; nproc {os.cpu_count()}; "
            f"results -> {out}"
        )
        for i in range(args.runs):
            k = i % len(names)  # rotate the order so no target always goes first
            run = {}
            for t in names[k:] + names[:k]:
                log(f"run {i + 1}/{args.runs}: {t}")
                run[t] = drive(args, procs, py, base, t, *servers[t], out)
            runs.append(run)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        procs.stop_all()
    rows = summarize(runs, names)
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    gver = ", ".join(
        subprocess.run([PY, "-m", m, "--version"], capture_output=True, text=True).stdout.strip()
        for m in ("granian", "gunicorn")
    )
    print(
        f"\nscenario jwks, concurrency {args.concurrency}, {args.duration:g} s "
        f"(+{args.warmup:g} s warm-up), median of {args.runs} run(s); {gver}, node {node}; "
        f"nproc {os.cpu_count()}\n{table(rows)}\n\n{summary(rows)}\nresults: {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
