"""py-spy on the IdP's server workers while a scenario runs, and a summary of where the
CPU went (``bench/idp_load.py --profile``).

py-spy samples the workers from outside (no code change) and only the thread holding the GIL
(`--gil`: Python CPU, not threads waiting on PostgreSQL or Redis); the raw
output is one collapsed stack per line with its sample count, which we fold into the share of
samples each of our own modules and each library spends (inclusive: a frame counts once per
sample however deep it recurs).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).with_name("py-spy")


def worker_pids(master: int) -> list[int]:
    """The server's children (granian's or gunicorn's workers), from /proc."""
    pids = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children = (task / "children").read_text().split()
        pids += [int(c) for c in children]
    return pids


def start(master: int, seconds: float, out_dir: Path, label: str) -> list[subprocess.Popen]:
    """One ``py-spy record`` per worker for ``seconds``; raw (collapsed) output files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    procs = []
    for pid in worker_pids(master):
        out = out_dir / f"{label}-{pid}.txt"
        procs.append(
            subprocess.Popen(
                [
                    str(PY_SPY),
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    "250",
                    "--gil",
                    "--format",
                    "raw",
                    "--duration",
                    str(int(seconds + 0.999)),
                    "--nonblocking",
                    "--output",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return procs


def _area(frame: str) -> str:
    """'function (path/to/module.py:12)' -> our module path, or the library's name."""
    path = frame.rsplit("(", 1)[-1].split(":")[0]
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0].removesuffix(".py")
    if "/lib/python3" in path:
        return "stdlib:" + path.split("/lib/python3")[1].split("/", 2)[-1].split("/")[0]
    for root in ("idp/", "webcommon/", "kvstore/"):
        if root in path:
            return root + path.split(root, 1)[1].removesuffix(".py")
    return path


def summarize(files: list[Path], top: int = 25) -> str:
    """Inclusive share of the busy samples per area and per function, largest first."""
    areas, funcs, total = Counter(), Counter(), 0
    for f in files:
        if not f.exists():
            continue
        for line in f.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = stack.split(";")
            if any(
                "select (selectors" in x or "wait (threading" in x or "accept (" in x
                for x in frames[-3:]
            ):
                continue  # an idle worker thread, not CPU
            total += n
            for a in {_area(x) for x in frames}:
                areas[a] += n
            for fn in set(frames):
                funcs[fn] += n
    if not total:
        return "  (no busy samples)"
    lines = [f"  {total} busy samples; inclusive share by area:"]
    lines += [f"    {100 * n / total:5.1f} %  {a}" for a, n in areas.most_common(top)]
    lines.append("  by function:")
    lines += [f"    {100 * n / total:5.1f} %  {fn[:110]}" for fn, n in funcs.most_common(top)]
    return "\n".join(lines)
