"""5. DAG overhead: the show DAG through ``airflow dags test`` vs. an EmptyOperator twin.

The show DAG (``rtc_scheduled_show``, else ``rtc_zego_show``) runs against the loopback sandbox,
seeded so that both of its sensors are satisfied at their first poke, with ``show_seconds=0``.
Its twin is built from the shape discovered here (task ids, dependencies, setup/teardown roles,
params), so it follows whatever the show DAG looks like today; every task is an
``EmptyOperator``, which ``dags test`` runs through the same task runner as any other operator.

Each DAG has its own temporary Airflow home (its DAGs folder holds only that DAG, because
``dags test`` parses the whole folder), both copied from one migrated SQLite database. Runs
alternate in a rotating order; a run's figures are the wall time and the CPU time (user + system)
of the whole ``airflow dags test`` process. CPU time hardly moves when other work shares the
machine; wall time is what a person waits.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.machine import ROOT
from bench.stats import Section, alternate

GOAL = 1.10
TWIN = Path(__file__).parent / "dags" / "empty_twin.py"
CANDIDATES = ("rtc_scheduled_show", "rtc_zego_show")
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def find_show_dag(folder: Path = ROOT / "dags_examples") -> tuple[Path, str]:
    """The file defining the first of CANDIDATES that exists (the scheduled show is preferred)."""
    files = sorted(folder.glob("*.py"))
    for dag_id in CANDIDATES:
        for path in files:
            text = path.read_text()
            if f'"{dag_id}"' in text or f"'{dag_id}'" in text:
                return path, dag_id
    raise RuntimeError(f"none of {CANDIDATES} is defined in {folder}")


def discover_shape(path: Path, dag_id: str) -> dict:
    """Load the DAG file and describe its tasks as plain data (needs Airflow importable)."""
    from airflow.sdk import DAG

    spec = importlib.util.spec_from_file_location(f"_bench_show_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dags = [value for value in vars(module).values() if isinstance(value, DAG) and value.dag_id == dag_id]
    if not dags:
        raise RuntimeError(f"{path} defines no DAG {dag_id!r}")
    dag = dags[0]
    tasks = []
    for task in sorted(dag.tasks, key=lambda t: t.task_id):
        tasks.append({
            "task_id": task.task_id,
            "upstream": sorted(task.upstream_task_ids),
            "is_setup": bool(task.is_setup),
            "is_teardown": bool(task.is_teardown),
            "setups": sorted(t.task_id for t in task.upstream_list if t.is_setup) if task.is_teardown else [],
            "on_failure_fail_dagrun": bool(getattr(task, "_on_failure_fail_dagrun", False)),
            "trigger_rule": str(task.trigger_rule.value if hasattr(task.trigger_rule, "value") else task.trigger_rule),
            "operator": type(task).__name__,
        })
    return {"source_dag_id": dag_id, "source_file": str(path.relative_to(ROOT)), "tasks": tasks,
            "params": {key: dag.params[key] for key in dag.params}}


def twin_shape(shape: dict, kind: str) -> dict:
    return {**shape, "kind": kind, "twin_dag_id": f"rtc_bench_twin_{kind}"}


def build_twin(shape: dict, kind: str):
    """Build the twin in-process (the smoke run's check that twins still match the show DAG)."""
    from bench.dags.empty_twin import build

    return build(twin_shape(shape, kind))


def same_shape(dag, shape: dict) -> bool:
    got = {t.task_id: (sorted(t.upstream_task_ids), bool(t.is_setup), bool(t.is_teardown)) for t in dag.tasks}
    want = {t["task_id"]: (t["upstream"], t["is_setup"], t["is_teardown"]) for t in shape["tasks"]}
    return got == want


def _prepare_home(home: Path, dag_file: Path, shape_json: dict | None, template_db: Path | None) -> Path:
    dags = home / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    target = dags / dag_file.name
    shutil.copy(dag_file, target)
    if shape_json is not None:
        target.with_suffix(".json").write_text(json.dumps(shape_json))
    if template_db is not None:
        shutil.copy(template_db, home / "airflow.db")
    return target


def _airflow(env: dict, *args: str, timeout: float) -> subprocess.CompletedProcess:
    completed = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if completed.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} exited {completed.returncode}:\n"
                           f"{completed.stdout[-2500:]}\n{completed.stderr[-2500:]}")
    return completed


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(*, rounds: int, env: dict, workdir: Path) -> Section:
    from airflow_provider_rtc.sandbox import Sandbox
    from airflow_provider_rtc.sandbox.credentials import airflow_connection_env

    path, dag_id = find_show_dag()
    shape = discover_shape(path, dag_id)
    conf = {"show_seconds": 0} if "show_seconds" in shape["params"] else {}
    section = Section("dag", f"DAG overhead (airflow dags test {dag_id})",
                      params={"dag_id": dag_id, "dag_file": shape["source_file"], "rounds": rounds, "conf": conf,
                              "tasks": len(shape["tasks"]),
                              "operators": sorted({t["operator"] for t in shape["tasks"]})})

    homes = {name: workdir / f"home-{name}" for name in ("show", "empty")}
    files = {"show": _prepare_home(homes["show"], path, None, None)}
    dag_ids = {"show": dag_id, "empty": "rtc_bench_twin_empty"}
    cpu: dict[str, list[float]] = {name: [] for name in dag_ids}
    vendor_calls: list[int] = []
    with Sandbox(lifetime=3600) as sandbox:
        sandbox.seed_demo_show(shape["params"].get("room_id", "sandbox-room"))
        envs = {}
        for name, home in homes.items():
            envs[name] = {**env, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
                          **airflow_connection_env(sandbox.url)}
        started = time.perf_counter()
        _airflow(envs["show"], "db", "migrate", timeout=900)
        section.params["db_migrate_s"] = round(time.perf_counter() - started, 1)
        files["empty"] = _prepare_home(homes["empty"], TWIN, twin_shape(shape, "empty"), homes["show"] / "airflow.db")

        def runner(name: str):
            def run() -> float:
                before, cpu_before = len(sandbox.received()), _children_cpu()
                began = time.perf_counter()
                _airflow(envs[name], "dags", "test", dag_ids[name], "--dagfile-path", str(files[name]),
                         "-c", json.dumps(conf), timeout=900)
                elapsed = time.perf_counter() - began
                cpu[name].append(_children_cpu() - cpu_before)
                if name == "show":
                    vendor_calls.append(len(sandbox.received()) - before)
                return elapsed
            return run

        for name in dag_ids:  # warm-up: first parse and serialization into the fresh database
            runner(name)()
        vendor_calls.clear()
        for values in cpu.values():
            values.clear()
        samples = alternate({name: runner(name) for name in dag_ids}, rounds)
        left = sandbox.running_tasks()

    section.figure("show", samples["show"], "s", f"{dag_id}: airflow dags test (wall)")
    section.figure("empty", samples["empty"], "s", "same shape, EmptyOperator (wall)")
    section.figure("show_cpu", cpu["show"], "s", f"{dag_id}: airflow dags test (CPU)")
    section.figure("empty_cpu", cpu["empty"], "s", "same shape, EmptyOperator (CPU)")
    section.figure("vendor_calls", vendor_calls, "calls", "vendor calls per show run")
    section.ratio("show_vs_empty", "show", "empty", "dags test: show / EmptyOperator twin (wall)", goal=GOAL,
                  paired=[s / e for s, e in zip(samples["show"], samples["empty"], strict=False)])
    section.ratio("show_vs_empty_cpu", "show_cpu", "empty_cpu", "dags test: show / EmptyOperator twin (CPU)",
                  paired=[s / e for s, e in zip(cpu["show"], cpu["empty"], strict=False)])
    count = len(shape["tasks"])
    section.derive("per_task_wall", "extra wall seconds per task over the twin",
                   (section.figures["show"]["median"] - section.figures["empty"]["median"]) / count, "s")
    section.derive("per_task_cpu", "extra CPU seconds per task over the twin",
                   (section.figures["show_cpu"]["median"] - section.figures["empty_cpu"]["median"]) / count, "s")
    section.counts["vendor_tasks_left_running"] = sum(len(v) for v in left.values())
    return section


def smoke_check() -> Section:
    """What ``--smoke`` does instead of timing ``dags test``: discover the shape, build the twin."""
    path, dag_id = find_show_dag()
    shape = discover_shape(path, dag_id)
    section = Section("dag", f"DAG overhead (smoke: shape of {dag_id} and its twins only)",
                      params={"dag_id": dag_id, "dag_file": shape["source_file"], "tasks": len(shape["tasks"])})
    if not same_shape(build_twin(shape, "empty"), shape):
        raise RuntimeError(f"the EmptyOperator twin does not match the shape of {dag_id}")
    section.counts["tasks"] = len(shape["tasks"])
    section.notes.append("smoke run: airflow dags test not timed (a database migration alone takes longer)")
    return section
