"""Serving floor: server CPU per request of gunicorn itself, next to the peer's whole JWKS request.

gunicorn (our .venv) serves ``bench/floor_app.py``: precomputed discovery and JWKS bytes, from a
bare WSGI callable and from a minimal Flask app, under each worker configuration; the reference
peer (node-oidc-provider, ``../shared/peer``) serves its real ``/jwks``. The same load driver as
bench/idp_load.py (``python -m bench.drive --scenario jwks``) drives every target in turn within
each run (the order rotates from run to run, so machine drift hits all alike); the table shows
the median over the runs and each target's CPU per op relative to the peer's in the same run.
Every process started here is stopped by its PID at the end, also on Ctrl-C.

    .venv/bin/python bench/floor.py --runs 3
    .venv/bin/python bench/floor.py --apps wsgi --configs gthread,sync --duration 10

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
    serve_gunicorn,
    start_peer,
    start_run,
)

VENV_PY = REPO / ".venv" / "bin" / "python"
PY = str(VENV_PY) if VENV_PY.exists() else sys.executable

APPS = {"wsgi": "bench.floor_app:app", "flask": "bench.floor_app:create_flask_app()"}
# name -> (label, worker flags), each with the benches' shared flags (GUNICORN_COMMON; sync
# ignores --keep-alive: it closes after each response); gthread 2x4 is bench/idp_load.py's
CONFIGS = {
    "gthread": ("gthread 2x4", ["--workers", "2", "--worker-class", "gthread", "--threads", "4"]),
    "sync": ("sync x2", ["--workers", "2", "--worker-class", "sync"]),
    "gevent": ("gevent x2", ["--workers", "2", "--worker-class", "gevent"]),
}
PEER = "peer oidc-provider /jwks"


def has_gevent() -> bool:
    return subprocess.run([PY, "-c", "import gevent"], capture_output=True).returncode == 0


def start_gunicorn(procs: Procs, logs: Path, app: str, config: str, jwks: str) -> tuple[str, int]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, FLOOR_ISSUER=url, FLOOR_JWKS=jwks, PYTHONPATH=str(REPO))
    p = serve_gunicorn(
        procs,
        logs,
        APPS[app],
        port,
        CONFIGS[config][1],
        env,
        f"floor {app} {config}",
        "/jwks",
        python=PY,
    )
    log(f"{app} {CONFIGS[config][0]}: {url} gunicorn pid {p.pid}")
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
        f"{'target':<26}|{'ops/s':>9} |{'p50 ms':>8}{'p99 ms':>8} |"
        f"{'server CPU ms/op':>17} |{'x peer jwks':>12} |{'err':>5}"
    )
    lines = [head, "-" * len(head)]
    for t, r in rows.items():
        lines.append(
            f"{t:<26}|{_f(r['ops_per_s'], '9.1f'):>9} |{_f(r['p50_ms'], '8.2f'):>8}"
            f"{_f(r['p99_ms'], '8.2f'):>8} |{_f(r['server_cpu_ms_per_op'], '17.3f'):>17} |"
            f"{_f(r['ratio'], '12.2f'):>12} |{r['errors']:>5}"
        )
    return "\n".join(lines)


def summary(rows: dict[str, dict]) -> str:
    peer = rows.get(PEER, {}).get("server_cpu_ms_per_op")
    bare = {t: r for t, r in rows.items() if t.startswith("wsgi ") and r["ratio"] is not None}
    if not peer or not bare:
        return "summary: no peer or no bare-WSGI result to compare"
    best = min(bare, key=lambda t: bare[t]["ratio"])
    verdict = "more" if bare[best]["ratio"] > 1 else "NOT more"
    s = (
        f"summary: the cheapest bare-WSGI gunicorn config ({best}) costs "
        f"{bare[best]['server_cpu_ms_per_op']:.3f} ms server CPU per request = "
        f"{bare[best]['ratio']:.2f}x the peer's whole JWKS request ({peer:.3f} ms): {verdict}"
    )
    flask, wsgi = rows.get("flask gthread 2x4"), rows.get("wsgi gthread 2x4")
    if flask and wsgi and flask["server_cpu_ms_per_op"] and wsgi["server_cpu_ms_per_op"]:
        s += (
            f"; Flask adds {flask['server_cpu_ms_per_op'] - wsgi['server_cpu_ms_per_op']:.3f}"
            f" ms/op on gthread 2x4"
        )
    return s


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
    p.add_argument("--configs", default=",".join(CONFIGS), help=f"from {', '.join(CONFIGS)}")
    p.add_argument("--no-peer", action="store_true", help="only the gunicorn targets")
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
                servers[f"{app} {CONFIGS[config][0]}"] = start_gunicorn(
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
    gver = subprocess.run(
        [PY, "-m", "gunicorn", "--version"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"\nscenario jwks, concurrency {args.concurrency}, {args.duration:g} s "
        f"(+{args.warmup:g} s warm-up), median of {args.runs} run(s); {gver}, node {node}; "
        f"nproc {os.cpu_count()}\n{table(rows)}\n\n{summary(rows)}\nresults: {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
