"""A migrated SQLite Airflow home for the session, and a runner for real `airflow` commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_rtc.sandbox.credentials import airflow_connection_env

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="session")
def airflow_env(tmp_path_factory, sandbox_server):
    home = tmp_path_factory.mktemp("airflow-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags_examples"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    })
    env.update(airflow_connection_env(sandbox_server.url))
    run_airflow(env, "db", "migrate", timeout=300)
    return env


def run_airflow(env: dict, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    completed = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check and completed.returncode != 0:
        raise AssertionError(f"airflow {' '.join(args)} exited {completed.returncode}:\n"
                             f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}")
    return completed
