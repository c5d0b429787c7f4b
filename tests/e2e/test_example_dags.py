"""The example DAGs: they parse cleanly without connection look-ups, and run green against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, run_airflow

DAG_FILES = sorted((ROOT / "dags_examples").glob("*.py"))


def test_there_are_example_dags():
    assert DAG_FILES


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_without_errors_or_connection_lookups(path: Path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook

    lookups = []

    def refuse(cls, conn_id):
        lookups.append(conn_id)
        raise AssertionError(f"connection {conn_id!r} looked up at parse time")

    monkeypatch.setattr(BaseHook, "get_connection", classmethod(refuse))
    bag = DagBag(dag_folder=str(path))
    assert bag.import_errors == {}
    assert bag.dags, f"{path.name} defines no DAG"
    assert lookups == []
    for dag in bag.dags.values():
        assert dag.doc_md, f"{dag.dag_id} is not documented"


def received_actions(sandbox):
    return [(r.vendor, r.action, r.code) for r in sandbox.received()]


@pytest.mark.e2e
def test_show_runs_green_and_leaves_nothing_running(airflow_env, sandbox):
    sandbox.seed_demo_show()
    run_airflow(airflow_env, "dags", "test", "rtc_zego_show")
    actions = received_actions(sandbox)
    for action in ("DescribeSimpleStreamList", "StartAutoMix", "StartRealtimeASRTask", "StopRealtimeASRTask",
                   "StopAutoMix"):
        assert ("zego", action, 0) in actions
    for vendor, action in (("volcengine", "StartSegment"), ("volcengine", "StopSegment"),
                           ("tencent", "resume_mcu_task")):
        assert [code for v, a, code in actions if (v, a) == (vendor, action)], f"no {action} reached the sandbox"
    assert sandbox.running_tasks() == {}


@pytest.mark.e2e
def test_zego_show_still_stops_the_mix_when_the_asr_start_fails(airflow_env, sandbox):
    # An auth failure is final, so start_asr fails; the teardown of the mix must still run.
    sandbox.seed_demo_show()
    sandbox.inject(kind="vendor_code", code=410000005, action="StartRealtimeASRTask")
    completed = run_airflow(airflow_env, "dags", "test", "rtc_zego_show", check=False)
    assert "state=failed" in completed.stdout + completed.stderr  # the run fails: a setup failed
    actions = [a for _, a, _ in received_actions(sandbox)]
    assert "StopAutoMix" in actions
    assert sandbox.running_tasks() == {}
    assert "StopRealtimeASRTask" not in actions  # its setup never succeeded

