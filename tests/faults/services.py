"""Private Redis and PostgreSQL instances that fault tests may stop and start at will.

The shared services on 5432/6379 are never touched: every instance here lives on a free
loopback port with its data in a temporary folder, and is killed when its fixture ends.
Tests skip with a clear message when ``redis-server`` or PostgreSQL's binaries are missing.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, up: bool, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            is_up = s.connect_ex(("127.0.0.1", port)) == 0
        if is_up == up:
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'down' if up else 'up'} after {timeout}s")


class PrivateRedis:
    """``redis-server`` as a child process on its own port, without persistence."""

    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "PrivateRedis":
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, up=True)
        return self

    def stop(self) -> None:
        """Kill the server (an outage, not a graceful shutdown); its data is lost."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # in case it was frozen
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None
        _wait_port(self.port, up=False)

    def freeze(self) -> None:
        """SIGSTOP: the port stays open but nothing answers (a hung server, not a dead one)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def _pg_bin() -> str | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    return os.path.dirname(found[-1]) if found else None


class PrivateCluster:
    """A throw-away PostgreSQL cluster (``initdb`` + ``pg_ctl``) on its own port.

    PostgreSQL refuses to run as root, so when the tests run as root the cluster is owned
    by and run as the ``postgres`` system user (``runuser``).
    """

    def __init__(self, bindir: str):
        self.bindir = bindir
        self.port = free_port()
        self.root = tempfile.mkdtemp(prefix="vs-faults-pg-")
        self.data = os.path.join(self.root, "data")
        self.sock = self.root
        self.log = os.path.join(self.root, "pg.log")
        self._as = []
        if os.geteuid() == 0:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        cmd = [*self._as, os.path.join(self.bindir, tool), *args]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"{tool} failed: {out.stdout}\n{out.stderr}")

    def _ctl(self, action: str, *extra: str) -> None:
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "-t", "30", action, *extra
        )

    def init(self) -> "PrivateCluster":
        self._run(
            "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        return self

    def start(self) -> "PrivateCluster":
        self._ctl("start")
        _wait_port(self.port, up=True)
        return self

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)
        _wait_port(self.port, up=False)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)
        _wait_port(self.port, up=True)

    @property
    def up(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        try:
            self._run("pg_ctl", "-D", self.data, "-w", "stop", "-m", "immediate", timeout=30)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)


def redis_binary() -> str:
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("fault tests need redis-server (apt-get install -y redis-server)")
    return binary


def pg_bindir() -> str:
    bindir = _pg_bin()
    if not bindir or not os.path.exists(os.path.join(bindir, "pg_ctl")):
        pytest.skip(
            "fault tests need PostgreSQL's server binaries under "
            "/usr/lib/postgresql/*/bin (apt-get install -y postgresql)"
        )
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root: PostgreSQL needs runuser to run as 'postgres'")
    return bindir


@pytest.fixture
def private_redis():
    """A Redis of this test only; stop()/start() it freely."""
    server = PrivateRedis(redis_binary()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def private_pg():
    """A PostgreSQL cluster of the fault tests only (one per session, a database per test);
    stop()/restart() it freely, but start() it again before the test ends."""
    cluster = PrivateCluster(pg_bindir()).init().start()
    yield cluster
    cluster.destroy()
