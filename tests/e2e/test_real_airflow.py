"""The example DAGs on a real Airflow: scheduler with LocalExecutor, triggerer, dag-processor and api-server.

Runs are triggered through the REST API, as a user (or the UI) would. The scheduled show must defer
both its sensors to the triggerer and be resumed by it; every run is scanned afterwards for secrets
and signatures in task logs, XComs, rendered template fields, trigger kwargs and the database.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from airflow_provider_rtc.sandbox.credentials import airflow_connection_env, airflow_connections
from tests.e2e.real_airflow import ROOT, RealAirflow

pytestmark = pytest.mark.e2e
ROOM = "sandbox-room"


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, sandbox_server):
    # The example DAGs as users copy them, plus a test-only DAG for the reschedule mode.
    dags = tmp_path_factory.mktemp("dags")
    for source in [*(ROOT / "dags_examples").glob("*.py"), Path(__file__).parent / "dags" / "sensor_modes.py"]:
        shutil.copy(source, dags / source.name)
    connections = airflow_connection_env(sandbox_server.url)
    with RealAirflow(tmp_path_factory.mktemp("real-airflow"), dags, connections) as real:
        for dag_id in ("rtc_scheduled_show", "rtc_end_of_show", "rtc_manual_control", "rtc_sensor_modes"):
            real.wait_for_dag(dag_id)
        yield real


# -- what must never be stored or logged --------------------------------------------------------------


def secrets_and_signatures(sandbox) -> set[str]:
    """Every connection secret (callback secrets in the extras too), every signature / UserSig /
    Authorization the sandbox received, and every callback signature it sent as a vendor."""
    found = {document["password"] for document in airflow_connections(sandbox.url).values()}
    for document in airflow_connections(sandbox.url).values():
        found.update(str(value) for name, value in document["extra"].items()
                     if name in ("callback_secret", "callback_secret_key", "callback_token", "trtc_callback_secret"))
    found.update(attempt.signature for attempt in sandbox.callbacks.attempts)
    for request in sandbox.received():
        found.update(request.query.get("Signature", []))
        found.update(request.query.get("usersig", []))
        authorization = request.headers.get("authorization")
        if authorization:
            found.add(authorization)
            found.add(authorization.rpartition("Signature=")[2])
    return {value for value in found if len(value) >= 16}


def stored_texts(real: RealAirflow, dag_id: str, run_id: str, trigger_kwargs: list[str]) -> dict[str, str]:
    """Everything Airflow kept from a run: task logs, XComs, rendered fields, trigger kwargs, the database."""
    texts = {str(path): text for path, text in real.task_logs().items()}
    texts.update({f"{component}.log": real.component_log(component, lines=100000)
                  for component in real.processes})
    for task_id in real.task_states(dag_id, run_id):
        ti = real.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
        texts[f"rendered fields of {task_id}"] = json.dumps(ti.get("rendered_fields"))
    with real.database() as db:
        texts["xcom"] = json.dumps([row[0] for row in db.execute("SELECT value FROM xcom")], default=str)
        texts["next_kwargs"] = json.dumps([row[0] for row in db.execute("SELECT next_kwargs FROM task_instance")],
                                          default=str)
    # The raw database, write-ahead log included: rows Airflow deleted (finished triggers) may linger there.
    texts["database file"] = "".join(path.read_bytes().decode("latin-1") for path in real.home.glob("airflow.db*"))
    texts["trigger kwargs"] = "\n".join(trigger_kwargs)
    return texts


def assert_no_secret_anywhere(real, sandbox, dag_id, run_id, trigger_kwargs):
    needles = secrets_and_signatures(sandbox)
    assert needles, "the scan would find nothing to look for"
    texts = stored_texts(real, dag_id, run_id, trigger_kwargs)
    # The scan reads the places where a leak would show: they do hold the run's plain values.
    assert ROOM in texts["xcom"] and ROOM in texts["database file"]
    leaks = [(where, needle[:8] + "...") for where, text in texts.items() for needle in needles if needle in text]
    assert leaks == []
    return texts


def xcom(real, dag_id, run_id, task_id):
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
    return real.api("GET", path, params={"deserialize": True})["value"]


# -- runs ---------------------------------------------------------------------------------------------


def test_scheduled_show_defers_both_waits_to_the_triggerer_and_cleans_up(airflow, sandbox):
    zego = sandbox.route("zego")
    zego.set_users(ROOM, 1)  # the audience is in, the host is not live yet
    trigger_kwargs: list[str] = []

    def steer_the_show():
        # The host goes live, and later the audience leaves, only after the triggerer (not the
        # worker's first poke) has polled each wait once: both sensors must defer to end.
        if len(sandbox.received("DescribeSimpleStreamList")) >= 2 and not zego.snapshot()["rooms"][ROOM]["streams"]:
            zego.add_stream(ROOM, "host-cam", user_id="host")
        if len(sandbox.received("DescribeUserNum")) >= 2:
            zego.set_users(ROOM, 0)
        trigger_kwargs.extend(airflow.trigger_kwargs())

    run_id = airflow.trigger("rtc_scheduled_show", {"show_seconds": 900})
    state, seen = airflow.wait_for_run("rtc_scheduled_show", run_id, timeout=300, every_poll=steer_the_show)
    assert state == "success", airflow.failure_report("rtc_scheduled_show", run_id)

    # Both sensors deferred, and the triggerer (httpx, the async path) made the observation that ended each wait.
    assert "deferred" in seen["wait_for_host"] and "deferred" in seen["wait_for_show_end"]
    for task_id in ("wait_for_host", "wait_for_show_end"):
        logs = {path.name: text for path, text in airflow.task_logs().items() if f"task_id={task_id}" in str(path)}
        assert "Pausing task as DEFERRED" in logs["attempt=1.log"]
        assert "Condition met on the triggerer" in logs["attempt=1.log"]  # resumed on a worker
        assert any(name.startswith("attempt=1.log.trigger") for name in logs)  # the triggerer's own log
    for action in ("DescribeSimpleStreamList", "DescribeUserNum"):
        agents = [r.headers.get("user-agent", "") for r in sandbox.received(action)]
        assert agents[0].startswith("python-requests"), agents  # the worker's poke
        assert agents[-1].startswith("python-httpx"), agents  # the triggerer's poll
    assert any("RtcConditionTrigger" in kwargs for kwargs in trigger_kwargs)
    assert xcom(airflow, "rtc_scheduled_show", run_id, "wait_for_show_end")["user_count"] == 0

    assert sandbox.running_tasks() == {}
    stops = {r.action for r in sandbox.received() if r.code in (0, "ok")}
    assert {"StopAutoMix", "StopRealtimeASRTask", "StopSegment"} <= stops
    scanned = assert_no_secret_anywhere(airflow, sandbox, "rtc_scheduled_show", run_id, trigger_kwargs)
    assert ROOM in scanned["rendered fields of start_mix"] and ROOM in scanned["trigger kwargs"]


def test_end_of_show_stops_a_show_started_elsewhere(airflow, sandbox, connections):
    from airflow_provider_rtc.operators.volcengine import StartRecordOperator, StartSegmentOperator
    from airflow_provider_rtc.operators.zego import StartASROperator, StartAutoMixOperator

    sandbox.seed_demo_show()
    sandbox.route("tencent").pause_mix(ROOM)
    StartAutoMixOperator(task_id="m", room_id=ROOM, mix_task_id="show-mix", user_id="op",
                         mix_output=[{"StreamId": "out"}]).execute({})
    asr_task_id = StartASROperator(task_id="a", room_id=ROOM).execute({})["data"]["TaskId"]
    StartSegmentOperator(task_id="s", room_id=ROOM, segment_task_id="show-seg").execute({})
    StartRecordOperator(task_id="r", room_id=ROOM, record_task_id="show-rec").execute({})

    run_id = airflow.trigger("rtc_end_of_show", {
        "mix_task_id": "show-mix", "mix_owner_user_id": "op", "asr_task_id": asr_task_id,
        "segment_task_id": "show-seg", "record_task_id": "show-rec", "tencent_room_id": ROOM, "close_rooms": True})
    state, _ = airflow.wait_for_run("rtc_end_of_show", run_id, timeout=180)
    assert state == "success", airflow.failure_report("rtc_end_of_show", run_id)
    assert xcom(airflow, "rtc_end_of_show", run_id, "report") == {
        "stop_segment": "stopped", "stop_mix": "stopped", "stop_asr": "stopped", "stop_record": "stopped",
        "resume_tencent_mix": "resumed", "close_zego_room": "closed", "close_volcengine_room": "closed",
        "close_tencent_room": "closed"}
    assert sandbox.running_tasks() == {}
    assert_no_secret_anywhere(airflow, sandbox, "rtc_end_of_show", run_id, [])


def test_manual_control_status_from_the_trigger_form_defaults(airflow, sandbox):
    sandbox.seed_demo_show()
    run_id = airflow.trigger("rtc_manual_control")
    state, seen = airflow.wait_for_run("rtc_manual_control", run_id, timeout=180)
    assert state == "success", airflow.failure_report("rtc_manual_control", run_id)
    assert "success" in seen["zego_status"]
    assert "skipped" in seen["zego_stop_mix"]  # exactly one action ran
    shown = xcom(airflow, "rtc_manual_control", run_id, "show_result")
    assert shown["task"] == "zego_status" and shown["result"]["users"]["user_count"] == 1
    assert_no_secret_anywhere(airflow, sandbox, "rtc_manual_control", run_id, [])


def test_every_vendors_sensor_works_in_reschedule_mode(airflow, sandbox, connections):
    from airflow_provider_rtc.operators.volcengine import StartSegmentOperator

    StartSegmentOperator(task_id="s", room_id="modes-room", segment_task_id="modes-seg").execute({})
    sandbox.route("tencent").create_room("modes-room")
    changes = {  # what ends each wait, applied once that sensor has given its slot back
        "zego_room_occupied": lambda: sandbox.route("zego").set_users("modes-room", 2),
        "volcengine_segment_ended": lambda: sandbox.route("volcengine").end_segment("modes-room", "modes-seg"),
        "tencent_room_gone": lambda: sandbox.route("tencent").dissolve_room("modes-room"),
    }
    states: dict[str, set] = {}

    def end_waits_once_rescheduled():
        for task_id, state in airflow.task_states("rtc_sensor_modes", run_id).items():
            states.setdefault(task_id, set()).add(state)
            if state == "up_for_reschedule" and task_id in changes:
                changes.pop(task_id)()

    run_id = airflow.trigger("rtc_sensor_modes")
    state, _ = airflow.wait_for_run("rtc_sensor_modes", run_id, timeout=180, every_poll=end_waits_once_rescheduled)
    assert state == "success", airflow.failure_report("rtc_sensor_modes", run_id)
    assert changes == {}
    assert all("up_for_reschedule" in seen for seen in states.values()), states
    assert xcom(airflow, "rtc_sensor_modes", run_id, "zego_room_occupied")["user_count"] == 2
    assert xcom(airflow, "rtc_sensor_modes", run_id, "volcengine_segment_ended")["status_text"] == "ended"
    assert xcom(airflow, "rtc_sensor_modes", run_id, "tencent_room_gone")["exists"] is False


# -- what the UI reads --------------------------------------------------------------------------------


def test_the_connection_form_shows_each_vendors_fields(airflow):
    meta = {entry["connection_type"]: entry for entry in airflow.api("GET", "/ui/connections/hook_meta")}
    expected = {
        "zego": ("AppId", "ServerSecret", {"region", "asr_host", "is_test", "timeout", "verify"}),
        "volcengine_rtc": ("AccessKeyId", "SecretAccessKey", {"region", "service", "app_id", "session_token"}),
        "tencent_live": ("SDKAppID", "SDK secret key", {"region", "identifier", "usersig_ttl"}),
    }
    for conn_type, (login, password, extras) in expected.items():
        form = meta[conn_type]
        assert form["standard_fields"]["login"]["title"] == login
        assert form["standard_fields"]["password"]["title"] == password
        # Shown, with a hint: Airflow 3.3's Test button needs a stored port (see get_provider_info).
        assert form["standard_fields"]["port"]["hidden"] is False
        assert form["standard_fields"]["port"]["placeholder"].startswith("443")
        assert extras <= set(form["extra_fields"]), f"{conn_type}: {sorted(form['extra_fields'])}"
        assert all(field["schema"].get("title") or field.get("label") for field in form["extra_fields"].values())
        # Airflow masks a hidden field's non-null default as "***", which its form would then save.
        assert all(field.get("value") != "***" for field in form["extra_fields"].values()), conn_type


def test_the_trigger_forms_have_titled_fields_and_a_dropdown_for_the_action(airflow):
    def params(dag_id):
        return airflow.api("GET", f"/api/v2/dags/{dag_id}/details")["params"]

    for dag_id in ("rtc_scheduled_show", "rtc_end_of_show", "rtc_manual_control"):
        for name, param in params(dag_id).items():
            assert param["schema"].get("title"), f"{dag_id}.{name} has no title"
    control = params("rtc_manual_control")
    assert control["action"]["schema"]["enum"][0] == "zego.status" and control["action"]["value"] == "zego.status"
    assert set(control["action"]["schema"]["values_display"]) == set(control["action"]["schema"]["enum"])
    assert "vendor" not in control  # the action names its vendor: no impossible combination to choose
    show = params("rtc_scheduled_show")["show_seconds"]
    assert show["schema"]["type"] == "integer" and show["schema"]["minimum"] == 0
