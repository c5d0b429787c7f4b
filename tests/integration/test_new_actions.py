"""The actions a show still lacked, against the sandbox: closing rooms for good, Volcengine cloud
recording and the sensor waiting for it, ZEGO stream-state and user-presence sensors, and the
generic operators that reach any action by name."""

from __future__ import annotations

import json

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_rtc.errors import RtcAuthError, RtcNotFoundError, RtcValidationError
from airflow_provider_rtc.operators.tencent import TencentDestroyRoomOperator, TencentLiveApiOperator
from airflow_provider_rtc.operators.volcengine import (
    StartRecordOperator,
    StopRecordOperator,
    VolcengineCloseRoomOperator,
    VolcengineRtcApiOperator,
)
from airflow_provider_rtc.operators.zego import ZegoApiOperator, ZegoCloseRoomOperator
from airflow_provider_rtc.sensors.volcengine import VolcengineRecordTaskSensor
from airflow_provider_rtc.sensors.zego import ZegoStreamStateSensor, ZegoUsersPresentSensor
from tests.conftest import FAST
from tests.integration.sensor_helpers import after_requests, defer, later, run_trigger

SENSOR = {"poke_interval": 0.1, "timeout": 20}


# -- closing a room for good ---------------------------------------------------------------------


def test_zego_close_room_closes_then_counts_a_repeat_as_closed(sandbox, connections):
    zego = sandbox.route("zego")
    zego.join("show", "host")
    zego.add_stream("show", "host-cam")
    close = ZegoCloseRoomOperator(task_id="close", room_id="show", custom_reason="show over 20:00",
                                  room_close_callback=False, **FAST)
    first = close.execute(context={})
    assert first["already_closed"] is False and first["request_id"]
    [request] = sandbox.received("CloseRoom")
    assert request.method == "GET"  # the catalogue's method
    assert request.query["RoomId"] == ["show"] and request.query["CustomReason"] == ["show over 20:00"]
    assert request.query["RoomCloseCallback"] == ["false"]  # a bool as ZEGO's query text, not "False"
    assert "show" not in zego.snapshot()["rooms"] and zego.snapshot()["closed_streams"] == ["host-cam"]
    again = close.execute(context={})  # the room is gone (5024): closing again is done, not a failure
    assert again == {"request_id": again["request_id"], "data": None, "already_closed": True}
    with pytest.raises(RtcNotFoundError):
        ZegoCloseRoomOperator(task_id="strict", room_id="show", fail_if_not_found=True).execute(context={})


def test_zego_close_room_refuses_a_long_reason_before_sending(sandbox, connections):
    with pytest.raises(RtcValidationError) as caught:
        ZegoCloseRoomOperator(task_id="close", room_id="show", custom_reason="理" * 90).execute(context={})
    assert caught.value.field.startswith("custom_reason") and sandbox.received() == []


def test_volcengine_close_room_bans_everyone_and_repeats_harmlessly(sandbox, connections):
    volc = sandbox.route("volcengine")
    volc.set_room_users("room-1", count=3)
    close = VolcengineCloseRoomOperator(task_id="close", room_id="room-1", forbidden_interval=30, **FAST)
    assert close.execute(context={})["already_closed"] is False
    assert close.execute(context={})["already_closed"] is False  # banning again is a success too
    [request, _] = sandbox.received("BanRoomUser")
    assert request.query["Version"] == ["2023-11-01"]
    assert json.loads(request.body) == {"AppId": "sandbox-volc-app", "RoomId": "room-1", "ForbiddenInterval": 30}
    snapshot = volc.snapshot()
    assert snapshot["bans"] == [{"AppId": "sandbox-volc-app", "RoomId": "room-1", "ForbiddenInterval": 60}]
    assert next(r for r in snapshot["rooms"] if r["RoomId"] == "room-1")["users"] == []
    with pytest.raises(RtcValidationError, match="forbidden_interval"):
        VolcengineCloseRoomOperator(task_id="c", room_id="room-1", forbidden_interval=300000).execute(context={})


def test_tencent_destroy_room_is_idempotent(sandbox, connections):
    sandbox.route("tencent").create_room("show-1")
    destroy = TencentDestroyRoomOperator(task_id="destroy", room_id="show-1", **FAST)
    assert destroy.execute(context={})["already_closed"] is False
    assert "show-1" not in sandbox.route("tencent").snapshot()["rooms"]
    assert destroy.execute(context={})["already_closed"] is True  # 100004: already dissolved


# -- Volcengine cloud recording -------------------------------------------------------------------


def test_recording_start_wait_for_the_end_and_stop(sandbox, connections):
    volc = sandbox.route("volcengine")
    start = StartRecordOperator(task_id="rec", room_id="room-1", record_task_id="rec-1", record_mode=0,
                                storage_config={"Type": 0}, **FAST)
    assert start.execute(context={})["already_running"] is False
    assert start.execute(context={})["already_running"] is True  # same TaskId while it records
    [request, _] = sandbox.received("StartRecord")
    assert request.query["Version"] == ["2023-11-01"]
    body = json.loads(request.body)
    assert body == {"AppId": "sandbox-volc-app", "RoomId": "room-1", "TaskId": "rec-1", "RecordMode": 0,
                    "StorageConfig": {"Type": 0}}

    sensor = VolcengineRecordTaskSensor(task_id="wait", room_id="room-1", record_task_id="rec-1", deferrable=True,
                                        **SENSOR)
    trigger, kwargs = defer(sensor)
    assert kwargs["condition"]["kind"] == "volcengine_record_task"
    later(0.4, volc.end_record, "room-1", "rec-1", "StopByAPI", files=[{"Vid": "v-1", "Duration": 3600}])
    event = run_trigger(trigger)
    value = sensor.execute_complete({}, event.payload)
    assert value["status"] == 3 and value["stop_reason"] == "StopByAPI"
    assert value["record_files"] == [{"Vid": "v-1", "Duration": 3600}]

    stop = StopRecordOperator(task_id="stop", room_id="room-1", record_task_id="rec-1", **FAST)
    assert stop.execute(context={})["already_stopped"] is True  # it had already ended by itself


def test_recording_sensor_fails_at_once_on_a_failed_recording(sandbox, connections):
    StartRecordOperator(task_id="rec", room_id="room-1", record_task_id="rec-2").execute(context={})
    sandbox.route("volcengine").end_record("room-1", "rec-2", "StartTaskFailed", failed=True)
    sensor = VolcengineRecordTaskSensor(task_id="wait", room_id="room-1", record_task_id="rec-2", **SENSOR)
    with pytest.raises(AirflowFailException, match="recording task rec-2 in room room-1 failed: StopReason StartTaskFailed"):
        sensor.execute(context={})


def test_stop_record_stops_a_running_recording(sandbox, connections):
    StartRecordOperator(task_id="rec", room_id="room-1", record_task_id="rec-3").execute(context={})
    assert StopRecordOperator(task_id="stop", room_id="room-1", record_task_id="rec-3").execute(
        context={})["already_stopped"] is False
    [task] = [t for t in sandbox.route("volcengine").snapshot()["record_tasks"] if t["TaskId"] == "rec-3"]
    assert (task["Status"], task["StopReason"]) == (3, "StopByAPI")


def test_the_catalogue_picks_bytepluss_version_by_host(monkeypatch):
    from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
    from tests.conftest import set_connection

    for host, record, segment in (("open.byteplusapi.com", "2022-06-01", "2022-06-01"),
                                  ("rtc.volcengineapi.com", "2023-11-01", "2020-12-01")):
        set_connection(monkeypatch, "v", {"conn_type": "volcengine_rtc", "login": "AK", "password": "SK",
                                          "host": host})
        hook = VolcengineRtcHook("v")
        body = {"AppId": "a", "RoomId": "r", "TaskId": "t"}
        assert hook.prepare("StartRecord", body).version == record
        assert hook.prepare("StopSegment", body).version == segment
        assert hook.prepare("StartRecord", body, version="2099-01-01").version == "2099-01-01"


# -- ZEGO stream state and user presence -------------------------------------------------------------


def test_stream_state_sensor_waits_for_live_then_for_gone(sandbox, connections):
    zego = sandbox.route("zego")
    after_requests(sandbox, "DescribeRTCStreamState", 2, zego.add_stream, "show", "host-cam")
    live = ZegoStreamStateSensor(task_id="live", stream_id="host-cam", **SENSOR).execute(context={})
    assert live["live"] is True and live["stream_id"] == "host-cam"
    sequences = [int(r.query["Sequence"][0]) for r in sandbox.received("DescribeRTCStreamState")]
    assert len(sequences) >= 2 and sequences == sorted(sequences)  # increasing per StreamId, as ZEGO asks

    gone_sensor = ZegoStreamStateSensor(task_id="gone", stream_id="host-cam", until="gone", deferrable=True,
                                        **SENSOR)
    trigger, _ = defer(gone_sensor)
    after_requests(sandbox, "DescribeRTCStreamState", 1, zego.remove_streams, "show")
    value = gone_sensor.execute_complete({}, run_trigger(trigger).payload)
    assert value["live"] is False and value["code"] == 41006  # closed


def test_stream_state_retries_carry_a_fresh_increasing_sequence(sandbox, connections):
    sandbox.route("zego").add_stream("show", "host-cam")
    sandbox.inject(kind="http", status=503, count=2, vendor="zego", action="DescribeRTCStreamState")
    sensor = ZegoStreamStateSensor(task_id="live", stream_id="host-cam", request_retries=2, **SENSOR)
    assert sensor.execute(context={})["live"] is True
    sequences = [int(r.query["Sequence"][0]) for r in sandbox.received("DescribeRTCStreamState")]
    assert len(sequences) == 3 and sequences == sorted(set(sequences))  # one poke: the first try and two retries


def test_users_present_sensor(sandbox, connections):
    zego = sandbox.route("zego")
    zego.join("show", "host")
    later(0.3, zego.join, "show", "guest")
    value = ZegoUsersPresentSensor(task_id="both", room_id="show", user_ids=["host", "guest"],
                                   **SENSOR).execute(context={})
    assert value["present"] == ["host", "guest"] and value["absent"] == []
    [request, *_] = sandbox.received("DescribeUsers")
    assert request.query["UserId[]"] == ["host", "guest"]  # the catalogue's wire name for the list
    later(0.3, zego.leave, "show", "host")
    later(0.3, zego.leave, "show", "guest")
    value = ZegoUsersPresentSensor(task_id="none", room_id="show", user_ids=["host", "guest"], until="absent",
                                   **SENSOR).execute(context={})
    assert value["present"] == [] and value["room_exists"] is True
    # A room that does not exist (50001) has nobody in it.
    value = ZegoUsersPresentSensor(task_id="nowhere", room_id="no-room", user_ids=["host"], until="absent",
                                   **SENSOR).execute(context={})
    assert value["room_exists"] is False


def test_users_present_sensor_checks_its_arguments_before_any_request(sandbox, connections):
    for user_ids, field in (("host", "user_ids"), ([], "user_ids"), ([f"u{n}" for n in range(11)], "user_ids"),
                            (["ok", ""], "user_ids[1]")):
        with pytest.raises(RtcValidationError) as caught:
            ZegoUsersPresentSensor(task_id="s", room_id="show", user_ids=user_ids, **SENSOR).execute(context={})
        assert caught.value.field == field
    assert sandbox.received() == []


# -- the generic operators -----------------------------------------------------------------------------


def test_zego_generic_operator_reaches_a_catalogued_and_an_unmodelled_action(sandbox, connections):
    sandbox.route("zego").set_users("show", 4)
    result = ZegoApiOperator(task_id="num", action="DescribeUserNum", query={"RoomId": "show"}).execute({})
    assert result["data"]["UserCountList"][0]["UserCount"] == 4
    [request] = sandbox.received("DescribeUserNum")
    assert request.method == "GET" and request.query["RoomId[]"] == ["show"]  # catalogue: GET, wire name
    # A catalogued action's body is checked against its model before anything is sent ...
    with pytest.raises(RtcValidationError) as caught:
        ZegoApiOperator(task_id="bad", action="StopMix", body='{"TaskId": ""}').execute({})
    assert caught.value.field == "TaskId"
    # ... an action the package has not modelled is sent as given (the sandbox does not know it either).
    with pytest.raises(Exception) as unknown:
        ZegoApiOperator(task_id="new", action="DescribeSomethingNew", body={"X": 1}, request_retries=0).execute({})
    assert "100000007" in str(unknown.value)
    assert len(sandbox.received("DescribeSomethingNew")) == 1


def test_generic_operators_take_json_text_from_templates(sandbox, connections):
    sandbox.route("tencent").create_room("show-1")
    result = TencentLiveApiOperator(task_id="info", command="get_room_info", body='{"RoomId": "show-1"}').execute({})
    assert result["data"]["RoomInfo"]["RoomId"] == "show-1"
    with pytest.raises(RtcValidationError) as caught:
        TencentLiveApiOperator(task_id="bad", command="get_room_info", body="{not json").execute({})
    assert caught.value.field == "body"
    with pytest.raises(RtcValidationError) as caught:
        TencentLiveApiOperator(task_id="bad", command="../v4/x", body={}).execute({})
    assert caught.value.field == "command"
    assert len(sandbox.received()) == 1


def test_volcengine_generic_operator_needs_a_version_only_for_unknown_actions(sandbox, connections):
    sandbox.route("volcengine").set_room_users("room-1", count=2)
    result = VolcengineRtcApiOperator(task_id="users", action="GetRoomOnlineUsers",
                                      query={"AppId": "sandbox-volc-app", "RoomId": "room-1"}).execute({})
    assert result["data"]["TotalUser"] == 2
    assert sandbox.received("GetRoomOnlineUsers")[0].query["Version"] == ["2023-11-01"]
    with pytest.raises(RtcValidationError) as caught:
        VolcengineRtcApiOperator(task_id="new", action="ListSomething", method="GET").execute({})
    assert caught.value.field == "api_version"
    assert len(sandbox.received()) == 1


def test_generic_operator_never_retries_a_non_idempotent_call_that_may_have_run(sandbox, connections):
    sandbox.inject(kind="http", status=502, vendor="zego", action="StartRealtimeASRTask", after_processing=True)
    with pytest.raises(Exception, match="not idempotent"):
        ZegoApiOperator(task_id="asr", action="StartRealtimeASRTask", body={"RoomId": "show"}, **FAST).execute({})
    assert len(sandbox.received("StartRealtimeASRTask")) == 1  # the catalogue says: not idempotent
    assert len(sandbox.route("zego").snapshot()["asr_tasks"]) == 1


def test_generic_operator_auth_failure_is_final(sandbox, connections, monkeypatch):
    from tests.conftest import set_connection

    set_connection(monkeypatch, "zego_default", dict(connections["zego_default"], password="wrong-secret"))
    with pytest.raises(RtcAuthError):
        ZegoApiOperator(task_id="num", action="DescribeUserNum", query={"RoomId": "show"}).execute({})
    assert len(sandbox.received()) == 1
