"""The example DAGs: they parse cleanly without connection look-ups, and run green against the sandbox."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, run_airflow

DAG_FILES = sorted((ROOT / "dags_examples").glob("*.py"))
EXAMPLE_DAG_IDS = {"rtc_scheduled_show", "rtc_end_of_show", "rtc_manual_control", "rtc_on_vendor_events"}


def test_the_example_dags_are_there():
    from airflow.dag_processing.dagbag import DagBag

    assert set(DagBag(dag_folder=str(ROOT / "dags_examples")).dag_ids) == EXAMPLE_DAG_IDS


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


def dags_test(env, dag_id: str, conf: dict | None = None, check: bool = True) -> str:
    args = ["dags", "test", dag_id] + (["--conf", json.dumps(conf)] if conf else [])
    completed = run_airflow(env, *args, timeout=180, check=check)
    return completed.stdout + completed.stderr


def when_first(sandbox, action: str, then, timeout: float = 120.0, count: int = 1) -> threading.Thread:
    """Once ``action`` has reached the sandbox ``count`` times, call ``then`` (bounded wait, in a thread)."""

    def watch():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(sandbox.received(action)) >= count:
                time.sleep(0.5)
                then()
                return
            time.sleep(0.1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.e2e
def test_scheduled_show_defers_and_ends_when_the_room_empties(airflow_env, sandbox):
    sandbox.seed_demo_show()
    # The show is booked for ten minutes, but the audience leaves once the end-of-show wait is on the
    # triggerer: after the worker's poke and the trigger's first poll (one poke_interval, 10 s, later).
    when_first(sandbox, "DescribeUserNum", lambda: sandbox.route("zego").set_users("sandbox-room", 0), count=2)
    output = dags_test(airflow_env, "rtc_scheduled_show", {"show_seconds": 600})
    assert "Pausing task as DEFERRED" in output and "running trigger in line" in output
    assert "Condition met on the triggerer: room_id=sandbox-room, user_count=0" in output
    # The trigger's own progress and result lines, and each stop's one line of what ZEGO said.
    assert "Waiting for ZEGO DescribeUserNum (room_id=sandbox-room" in output
    assert "ZEGO StopAutoMix [" in output and "ZEGO said OK" in output
    actions = received_actions(sandbox)
    for action in ("DescribeSimpleStreamList", "StartAutoMix", "StartRealtimeASRTask", "StopRealtimeASRTask",
                   "StopAutoMix"):
        assert ("zego", action, 0) in actions
    assert len(sandbox.received("DescribeUserNum")) >= 3  # one poke on the worker, then the trigger's polls
    for action in ("StartSegment", "StopSegment"):
        assert [code for v, a, code in actions if (v, a) == ("volcengine", action)] == ["ok"]
    assert sandbox.running_tasks() == {}


@pytest.mark.e2e
def test_scheduled_show_still_stops_the_mix_when_the_asr_start_fails(airflow_env, sandbox):
    # An auth failure is final, so start_asr fails; the teardowns of the other starts must still run.
    sandbox.seed_demo_show()
    sandbox.inject(kind="vendor_code", code=410000005, action="StartRealtimeASRTask")
    output = dags_test(airflow_env, "rtc_scheduled_show", check=False)
    assert "state=failed" in output  # the run fails: a setup failed
    actions = [a for _, a, _ in received_actions(sandbox)]
    assert "StopAutoMix" in actions and "StopSegment" in actions
    assert sandbox.running_tasks() == {}
    assert "StopRealtimeASRTask" not in actions  # its setup never succeeded


def report_line(step: str, found: str) -> str:
    return f"{step:<22} {found}"  # as end_of_show's report prints it


@pytest.mark.e2e
def test_end_of_show_with_default_params_reports_everything_already_stopped(airflow_env, sandbox):
    output = dags_test(airflow_env, "rtc_end_of_show")
    for step, found in (("stop_segment", "already_stopped"), ("stop_mix", "already_stopped"),
                        ("stop_asr", "not_requested"), ("stop_record", "not_requested"),
                        ("resume_tencent_mix", "not_requested"), ("close_zego_room", "not_requested"),
                        ("close_volcengine_room", "not_requested"), ("close_tencent_room", "not_requested")):
        assert report_line(step, found) in output
    actions = {a for _, a, _ in received_actions(sandbox)}
    assert actions == {"StopSegment", "StopAutoMix"} and "state=success" in output  # rooms stay open


@pytest.mark.e2e
def test_end_of_show_runs_every_stop_when_one_fails(airflow_env, sandbox, connections):
    from airflow_provider_rtc.operators.volcengine import StartRecordOperator, StartSegmentOperator
    from airflow_provider_rtc.operators.zego import StartASROperator, StartAutoMixOperator

    sandbox.seed_demo_show()
    sandbox.route("tencent").pause_mix("sandbox-room")
    StartAutoMixOperator(task_id="m", room_id="sandbox-room", mix_task_id="show-mix", user_id="op",
                         mix_output=[{"StreamId": "out"}]).execute({})
    asr_task_id = StartASROperator(task_id="a", room_id="sandbox-room").execute({})["data"]["TaskId"]
    StartSegmentOperator(task_id="s", room_id="sandbox-room", segment_task_id="show-seg").execute({})
    StartRecordOperator(task_id="r", room_id="sandbox-room", record_task_id="show-rec").execute({})
    sandbox.inject(kind="vendor_code", vendor="volcengine", action="StopSegment", code="AccessDenied")
    conf = {"mix_task_id": "show-mix", "mix_owner_user_id": "op", "asr_task_id": asr_task_id,
            "segment_task_id": "show-seg", "record_task_id": "show-rec", "tencent_room_id": "sandbox-room",
            "close_rooms": True}
    output = dags_test(airflow_env, "rtc_end_of_show", conf, check=False)
    assert "these steps failed (see their logs): stop_segment" in output
    for step, found in (("stop_mix", "stopped"), ("stop_asr", "stopped"), ("stop_record", "stopped"),
                        ("resume_tencent_mix", "resumed"), ("close_zego_room", "closed"),
                        ("close_volcengine_room", "closed"), ("close_tencent_room", "closed")):
        assert report_line(step, found) in output
    assert sandbox.running_tasks() == {"volcengine": ["show-seg"]}  # the one whose stop was refused
    # The rooms close after every stop, the failed one included.
    actions = [a for _, a, _ in received_actions(sandbox)]
    last_stop = max(actions.index(a) for a in ("StopSegment", "StopAutoMix", "StopRealtimeASRTask", "StopRecord",
                                               "resume_mcu_task"))
    assert min(actions.index(a) for a in ("CloseRoom", "BanRoomUser", "destroy_room")) > last_stop


@pytest.mark.e2e
@pytest.mark.parametrize(("conf", "expected_action"), [
    (None, "DescribeUserNum"),
    ({"action": "tencent.status"}, "get_room_info"),
    ({"action": "volcengine.status", "segment_task_id": "seg-1"}, "GetSegmentTask"),
    ({"action": "zego.stop_mix", "mix_task_id": "gone-mix"}, "StopAutoMix"),
    ({"action": "volcengine.start_record", "record_task_id": "rec-1"}, "StartRecord"),
    ({"action": "zego.close_room"}, "CloseRoom"),
])
def test_manual_control_performs_the_chosen_action_and_shows_the_result(airflow_env, sandbox, conf,
                                                                        expected_action):
    sandbox.seed_demo_show()
    output = dags_test(airflow_env, "rtc_manual_control", conf)
    assert expected_action in {r.action for r in sandbox.received()}
    assert "state=success" in output and '"request_id"' in output  # show_result printed the answer


@pytest.mark.e2e
def test_manual_control_refuses_an_action_whose_field_is_empty_in_one_line_before_sending(airflow_env, sandbox):
    output = dags_test(airflow_env, "rtc_manual_control", {"action": "zego.stop_mix"}, check=False)
    assert ("Refused: 'ZEGO: stop the auto mix' needs ZEGO mix task id (mix_task_id): fill in the trigger form "
            "and trigger again; nothing was sent") in output
    assert "state=failed" in output
    assert sandbox.received() == []


@pytest.mark.e2e
@pytest.mark.parametrize(("vendor", "action", "api_params"), [
    ("zego", "DescribeUserNum", {"RoomId": "sandbox-room"}),  # a GET: the JSON becomes its query
    ("volcengine", "GetRoomOnlineUsers", {"RoomId": "sandbox-room"}),  # AppId from the connection
    ("tencent", "get_room_info", {"RoomId": "sandbox-room"}),  # a POST body
])
def test_manual_control_calls_any_action_by_name_with_json_parameters(airflow_env, sandbox, vendor, action,
                                                                      api_params):
    sandbox.seed_demo_show()
    conf = {"action": f"{vendor}.call_api", "api_action": action, "api_params": api_params}
    output = dags_test(airflow_env, "rtc_manual_control", conf)
    assert received_actions(sandbox) == [(vendor, action, "ok" if vendor == "volcengine" else 0)]
    assert "state=success" in output and '"request_id"' in output
