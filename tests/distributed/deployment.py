"""A distributed Airflow on loopback: PostgreSQL, Redis, CeleryExecutor, two workers, two triggerers.

``DistributedAirflow(kind="celery")`` starts PostgreSQL and Redis (``servers.py``), migrates the
metadata database, then the scheduler, dag-processor, api-server, two triggerers and two Celery
workers; ``kind="sqlite"`` is the single-machine deployment (SQLite, LocalExecutor, one
triggerer) the same tests run against. Built on the e2e harness (``tests/e2e/real_airflow.py``):
same REST helpers, every process in its own session, bounded waits, and everything it started is
stopped on exit, also after a failure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.distributed.servers import PostgresServer, RedisServer, kill_session, session_alive, stop_process
from tests.e2e.real_airflow import AIRFLOW, ROOT, RealAirflow

KINDS = ("celery", "sqlite")

# The settings that make a distributed test of reasonable length; each is explained in README.md.
FAST_FAILURE_DETECTION = {
    # A triggerer whose heartbeat is older than this is dead: its triggers go to a live one.
    "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
    "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "10",
    # A running task whose heartbeat is older than this is failed (and retried): a lost worker.
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
}


class DistributedAirflow(RealAirflow):
    def __init__(self, kind: str, home: Path, dags_folder: Path, connections: dict[str, str]):
        if kind not in KINDS:
            raise ValueError(f"deployment kind must be one of {KINDS}, not {kind!r}")
        super().__init__(home, dags_folder, connections)
        self.kind = kind
        self.postgres = PostgresServer(home) if kind == "celery" else None
        self.redis = RedisServer(home) if kind == "celery" else None
        self.killed: dict[str, float] = {}  # component -> when the test killed it
        self.env.update(FAST_FAILURE_DETECTION)
        self.env.update({
            # Each component reports its own name as hostname (tests/distributed/component_hostname.py).
            "PYTHONPATH": str(ROOT),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.distributed.component_hostname.hostname",
            # Sensors that do not say otherwise defer: the setting the README recommends.
            "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "True",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__PARALLELISM": "8" if kind == "celery" else "4",
        })
        if kind == "celery":
            self.env.update({
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.postgres.url,
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CELERY__BROKER_URL": self.redis.url,
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.postgres.url,
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            })
        # name -> command line; triggerers and workers skip the log server (two would share its port).
        self.commands = {
            "scheduler": [AIRFLOW, "scheduler"],
            "dag-processor": [AIRFLOW, "dag-processor"],
            "api-server": [AIRFLOW, "api-server"],
            "triggerer-1": [AIRFLOW, "triggerer", "--skip-serve-logs"],
        }
        if kind == "celery":
            self.commands["triggerer-2"] = [AIRFLOW, "triggerer", "--skip-serve-logs"]
            for name in ("worker-1", "worker-2"):
                self.commands[name] = [AIRFLOW, "celery", "worker", "--concurrency", "2", "--skip-serve-logs",
                                       "--without-gossip", "--without-mingle", "--celery-hostname", f"{name}@%h"]

    @property
    def triggerers(self) -> list[str]:
        return [name for name in self.commands if name.startswith("triggerer")]

    @property
    def workers(self) -> list[str]:
        return [name for name in self.commands if name.startswith("worker")]

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, timeout: float = 300.0) -> DistributedAirflow:
        if self.kind == "celery":
            self.postgres.start()
            self.redis.start()
        migrate = subprocess.run([AIRFLOW, "db", "migrate"], env=self.env, cwd=ROOT, capture_output=True,
                                 text=True, timeout=600)
        if migrate.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{migrate.stdout[-3000:]}\n{migrate.stderr[-3000:]}")
        for name in self.commands:
            self.start_component(name)
        self._wait(self._healthy, timeout, "the api-server to answer")
        token = self.session.get(f"{self.url}/auth/token", timeout=10).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        if self.kind == "celery":
            self._wait(self._workers_ready, timeout, "both Celery workers to be ready", interval=1)
        return self

    def start_component(self, name: str) -> None:
        log = (self.home / f"{name}.log").open("a")
        env = {**self.env, "RTC_COMPONENT_NAME": name}
        self.processes[name] = subprocess.Popen(self.commands[name], env=env, cwd=ROOT, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
        self.killed.pop(name, None)

    def _workers_ready(self) -> bool:
        self.check_alive()
        return all(" ready." in (self.home / f"{name}.log").read_text(errors="replace") for name in self.workers)

    def kill(self, name: str) -> float:
        """SIGKILL a component and everything it started (its tasks too): a lost machine. Returns the time."""
        self.killed[name] = time.time()
        kill_session(self.processes[name], signal.SIGKILL)
        self.processes[name].wait(timeout=30)
        return self.killed[name]

    def stop(self) -> None:
        try:
            for process in self.processes.values():
                if process.poll() is None:
                    try:
                        os.killpg(process.pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            for process in self.processes.values():
                stop_process(process, timeout=30)
            self.session.close()
        finally:
            if self.redis:
                self.redis.stop()
            if self.postgres:
                self.postgres.stop()

    def leftovers(self) -> dict[str, list[int]]:
        """Processes still alive in any session this deployment started (empty after ``stop``)."""
        started = dict(self.processes)
        for server in (self.postgres, self.redis):
            if server and server.process:
                started[type(server).__name__] = server.process
        return {name: pids for name, process in started.items() if (pids := session_alive(process))}

    def check_alive(self) -> None:
        for component, process in self.processes.items():
            if component not in self.killed and process.poll() is not None:
                raise RuntimeError(f"airflow {component} exited {process.returncode}:\n{self.component_log(component)}")

    # -- what Airflow stored ----------------------------------------------------------------------

    def rows(self, sql: str) -> list[tuple]:
        if self.postgres:
            return self.postgres.query(sql)
        with self.database() as db:
            return db.execute(sql).fetchall()

    def trigger_kwargs(self) -> list[str]:
        from cryptography.fernet import Fernet

        fernet = Fernet(self.fernet_key.encode())
        texts = []
        for classpath, kwargs in self.rows("SELECT classpath, kwargs FROM trigger"):
            kwargs = kwargs if isinstance(kwargs, str) else str(kwargs)
            texts.append(f"{classpath} {kwargs if kwargs.startswith('{') else fernet.decrypt(kwargs.encode()).decode()}")
        return texts

    def triggers_by_triggerer(self) -> dict[str, list[str]]:
        """Triggerer name (its job's hostname) -> decrypted kwargs of the triggers it runs now."""
        from cryptography.fernet import Fernet

        fernet = Fernet(self.fernet_key.encode())
        held: dict[str, list[str]] = {}
        for hostname, kwargs in self.rows(
                "SELECT job.hostname, trigger.kwargs FROM trigger JOIN job ON job.id = trigger.triggerer_id"):
            kwargs = kwargs if kwargs.startswith("{") else fernet.decrypt(kwargs.encode()).decode()
            held.setdefault(hostname, []).append(kwargs)
        return held

    def database_text(self) -> str:
        """Everything in the metadata database: a dump of PostgreSQL, or SQLite's raw files (WAL included)."""
        if self.postgres:
            return self.postgres.dump()
        return "".join(path.read_bytes().decode("latin-1") for path in self.home.glob("airflow.db*"))

    def ti_details(self, dag_id: str, run_id: str) -> list[dict]:
        listing = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
        assert listing["total_entries"] <= 100, "more task instances than one page: page through them"
        return listing["task_instances"]

    def ti_states(self, dag_id: str, run_id: str) -> dict[tuple[str, int], str | None]:
        """(task_id, map_index) -> state for every task instance of a run, mapped ones one by one."""
        return {(ti["task_id"], ti["map_index"]): ti["state"] for ti in self.ti_details(dag_id, run_id)}

    def tries(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> list[dict]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/tries"
        return self.api("GET", path)["task_instances"]
