"""A real Airflow on loopback for end-to-end tests: scheduler (LocalExecutor), triggerer, dag-processor, api-server.

Everything lives in a temporary AIRFLOW_HOME on SQLite. Every process is started in its own session
so that stopping it also stops the task processes it forked; every wait is bounded.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import requests

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
COMPONENTS = ("api-server", "scheduler", "triggerer", "dag-processor")
FINISHED = {"success", "failed"}


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RealAirflow:
    def __init__(self, home: Path, dags_folder: Path, connections: dict[str, str]):
        from cryptography.fernet import Fernet

        self.home = home
        self.port = free_loopback_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.fernet_key = Fernet.generate_key().decode()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update(connections)
        env.update({
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__FERNET_KEY": self.fernet_key,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        })
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}
        self.session = requests.Session()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, timeout: float = 240.0) -> RealAirflow:
        migrate = subprocess.run([AIRFLOW, "db", "migrate"], env=self.env, cwd=ROOT, capture_output=True,
                                 text=True, timeout=300)
        if migrate.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{migrate.stdout[-3000:]}\n{migrate.stderr[-3000:]}")
        for component in COMPONENTS:
            log = (self.home / f"{component}.log").open("w")
            self.processes[component] = subprocess.Popen(
                [AIRFLOW, component], env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self._wait(lambda: self._healthy(), timeout, "the api-server to answer")
        token = self.session.get(f"{self.url}/auth/token", timeout=10).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        return self

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.session.close()

    def __enter__(self) -> RealAirflow:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _healthy(self) -> bool:
        self.check_alive()
        try:
            return self.session.get(f"{self.url}/api/v2/monitor/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def check_alive(self) -> None:
        for component, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"airflow {component} exited {process.returncode}:\n{self.component_log(component)}")

    def component_log(self, component: str, lines: int = 60) -> str:
        return "\n".join((self.home / f"{component}.log").read_text(errors="replace").splitlines()[-lines:])

    def last_traceback(self, component: str, lines: int = 60) -> str:
        """The component's last logged traceback (or its log's tail when there is none)."""
        text = (self.home / f"{component}.log").read_text(errors="replace")
        start = text.rfind("Traceback (most recent call last)")
        if start < 0:
            return self.component_log(component, lines)
        return "\n".join(text[start:].splitlines()[:lines])

    @staticmethod
    def _wait(ready: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = ready()
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")

    # -- REST API ---------------------------------------------------------------------------------

    def api(self, method: str, path: str, **kwargs) -> Any:
        response = self.session.request(method, f"{self.url}{path}", timeout=30, **kwargs)
        if response.status_code >= 400:
            # A 5xx is the api-server's own failure: its log says why, the response body does not.
            server_log = f"\napi-server log:\n{self.last_traceback('api-server')}" if response.status_code >= 500 else ""
            raise AssertionError(f"{method} {path} -> {response.status_code}: {response.text[:2000]}{server_log}")
        return response.json() if response.content else None

    def wait_for_dag(self, dag_id: str, timeout: float = 180.0) -> None:
        def parsed():
            self.check_alive()
            return self.session.get(f"{self.url}/api/v2/dags/{dag_id}", timeout=10).status_code == 200

        self._wait(parsed, timeout, f"the dag-processor to parse {dag_id}")
        self.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        run = self.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        return run["dag_run_id"]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        listing = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {ti["task_id"]: ti["state"] for ti in listing["task_instances"]}

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300.0,
                     every_poll: Callable[[], None] | None = None) -> tuple[str, dict[str, set]]:
        """Poll until the run finishes; returns its state and every state each task was seen in."""
        seen: dict[str, set] = {}

        def finished():
            self.check_alive()
            for task_id, state in self.task_states(dag_id, run_id).items():
                seen.setdefault(task_id, set()).add(state)
            if every_poll:
                every_poll()
            state = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]
            return state if state in FINISHED else None

        return self._wait(finished, timeout, f"run {run_id} of {dag_id}", interval=0.3), seen

    # -- what Airflow stored ----------------------------------------------------------------------

    def database(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.home / 'airflow.db'}?mode=ro", uri=True, timeout=10)

    def trigger_kwargs(self) -> list[str]:
        """The decrypted kwargs of every trigger row in the database right now."""
        from cryptography.fernet import Fernet

        fernet = Fernet(self.fernet_key.encode())
        with self.database() as db:
            rows = db.execute("SELECT classpath, kwargs FROM trigger").fetchall()
        # Airflow encrypts trigger kwargs with the Fernet key, except on paths that store them as plain JSON.
        return [f"{classpath} {kwargs if kwargs.startswith('{') else fernet.decrypt(kwargs.encode()).decode()}"
                for classpath, kwargs in rows]

    def failure_report(self, dag_id: str, run_id: str) -> str:
        """Task states and the logs of the tasks that did not succeed: the message of a failed assertion."""
        states = self.task_states(dag_id, run_id)
        lines = [f"task states: {states}"]
        for path, text in self.task_logs().items():
            if f"run_id={run_id}" in str(path) and any(f"task_id={t}" in str(path) for t, state in states.items()
                                                      if state != "success"):
                lines += [f"--- {path.name} of {path.parent.name}", text[-3000:]]
        return "\n".join(lines)

    def task_logs(self) -> dict[Path, str]:
        return {path: path.read_text(errors="replace") for path in (self.home / "logs").rglob("*") if path.is_file()}
