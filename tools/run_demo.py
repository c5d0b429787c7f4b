"""``make demo``: run the example show DAG end to end against the loopback sandbox.

Starts the sandbox, migrates a SQLite Airflow home inside the repo (``.airflow_home``, git-ignored),
points the default connections at the sandbox, runs the DAG with ``airflow dags test``, prints
what the vendors received, and fails if any vendor task was left running.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AIRFLOW_HOME = ROOT / ".airflow_home"
DEMO_DAG = os.environ.get("DEMO_DAG", "rtc_scheduled_show")
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def airflow(*args: str, env: dict, log: Path, timeout: float) -> None:
    with log.open("w") as out:
        completed = subprocess.run([AIRFLOW, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   timeout=timeout, cwd=ROOT)
    if completed.returncode != 0:
        print(f"`airflow {' '.join(args)}` failed (exit {completed.returncode}); last lines of {log}:")
        print("\n".join(log.read_text().splitlines()[-40:]))
        sys.exit(completed.returncode)


def main() -> int:
    from airflow_provider_rtc.sandbox import Sandbox
    from airflow_provider_rtc.sandbox.credentials import airflow_connection_env

    AIRFLOW_HOME.mkdir(exist_ok=True)
    with Sandbox(lifetime=900) as sandbox:
        sandbox.seed_demo_show()
        env = dict(os.environ)
        env.update({
            "AIRFLOW_HOME": str(AIRFLOW_HOME),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags_examples"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        })
        env.update(airflow_connection_env(sandbox.url))
        print(f"sandbox on {sandbox.url}; Airflow home {AIRFLOW_HOME}")
        print("migrating the Airflow database ...", flush=True)
        airflow("db", "migrate", env=env, log=AIRFLOW_HOME / "migrate.log", timeout=600)
        print(f"running `airflow dags test {DEMO_DAG}` ...", flush=True)
        airflow("dags", "test", DEMO_DAG, env=env, log=AIRFLOW_HOME / "dags-test.log", timeout=600)

        print("\nWhat the vendors received:")
        print(f"  {'vendor':<11} {'action':<26} {'HTTP':>4}  vendor code")
        for request in sandbox.received():
            print(f"  {request.vendor:<11} {request.action:<26} {request.status:>4}  {request.code}")
        left = sandbox.running_tasks()
    if left:
        print(f"\nFAILED: vendor tasks left running: {left}")
        return 1
    print(f"\nOK: {DEMO_DAG} succeeded and no vendor task was left running. Task logs: {AIRFLOW_HOME / 'dags-test.log'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
