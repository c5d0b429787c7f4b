"""ZEGO sensors against the sandbox: poke mode, deferred mode through the trigger, failures."""

from __future__ import annotations

import json
import logging

import pytest
from airflow.sdk.exceptions import AirflowSensorTimeout, AirflowSkipException

from airflow_provider_rtc.errors import RtcAuthError, RtcError
from airflow_provider_rtc.sensors.zego import ZegoMixTaskSensor, ZegoRoomStreamSensor, ZegoRoomUsersSensor
from tests.conftest import set_connection
from tests.integration.sensor_helpers import defer, later, run_trigger


def test_room_users_sensor_poke_mode_waits_until_the_room_empties(sandbox, connections):
    zego = sandbox.route("zego")
    zego.set_users("show", 5)
    later(0.6, zego.set_users, "show", 0)
    sensor = ZegoRoomUsersSensor(task_id="wait_empty", room_id="show", until="empty", poke_interval=0.2, timeout=20)
    value = sensor.execute(context={})
    assert value["user_count"] == 0 and value["room_id"] == "show"
    assert len(sandbox.received("DescribeUserNum")) >= 2


def test_room_users_sensor_occupied_deferred_until_the_trigger_sees_users(sandbox, connections):
    zego = sandbox.route("zego")
    sensor = ZegoRoomUsersSensor(task_id="wait_audience", room_id="show", until="occupied", min_users=2,
                                 poke_interval=0.2, deferrable=True, timeout=20)
    trigger, kwargs = defer(sensor)
    assert len(sandbox.received("DescribeUserNum")) == 1  # poked once on the worker
    later(0.5, zego.set_users, "show", 2)
    event = run_trigger(trigger)
    assert event.payload["status"] == "done"
    assert sensor.execute_complete({}, event.payload) == event.payload["value"]
    assert event.payload["value"]["user_count"] == 2
    assert len(sandbox.received("DescribeUserNum")) >= 3  # the trigger kept polling


def test_trigger_kwargs_hold_no_secret(sandbox, connections):
    sensor = ZegoMixTaskSensor(task_id="t", mix_task_id="m", until="running", poke_interval=0.2, deferrable=True)
    _, kwargs = defer(sensor)
    text = json.dumps(kwargs)
    assert connections["zego_default"]["password"] not in text
    for request in sandbox.received():
        assert request.query["Signature"][0] not in text
    assert kwargs["conn_id"] == "zego_default" and kwargs["condition"]["mix_task_id"] == "m"


def test_mix_task_sensor_treats_not_found_as_stopped(sandbox, connections):
    sandbox.route("zego").mix_tasks["mix-1"] = {"TaskId": "mix-1", "started": 0, "UserId": "u", "RoomId": "r"}
    running = ZegoMixTaskSensor(task_id="t", mix_task_id="mix-1", until="running", poke_interval=0.1).execute({})
    assert running["running"] is True
    later(0.4, sandbox.route("zego").mix_tasks.pop, "mix-1")
    stopped = ZegoMixTaskSensor(task_id="t", mix_task_id="mix-1", until="stopped", poke_interval=0.1,
                                timeout=10).execute({})
    assert stopped["running"] is False


def test_stream_sensor_done_when_the_host_stream_appears_deferred(sandbox, connections):
    sandbox.route("zego").add_stream("show", "host-cam")
    sensor = ZegoRoomStreamSensor(task_id="live", room_id="show", stream_ids=["host-cam"], deferrable=True)
    assert sensor.execute({})["stream_ids"] == ["host-cam"]  # done at the first poke: no deferral


def test_stream_sensor_poke_interval_never_below_ten_seconds(caplog, capsys):
    caplog.set_level(logging.WARNING)
    sensor = ZegoRoomStreamSensor(task_id="live", room_id="show", poke_interval=2)
    assert sensor.poke_interval == 10
    assert "below the vendor's limit" in caplog.text + capsys.readouterr().out  # Airflow logs via structlog


def test_stream_sensor_counts_streams(sandbox, connections):
    zego = sandbox.route("zego")
    sensor = ZegoRoomStreamSensor(task_id="live", room_id="show", min_streams=2)
    zego.add_stream("show", "a")
    assert sensor.poke({}).is_done is False
    zego.add_stream("show", "b")
    result = sensor.poke({})
    assert result.is_done and result.xcom_value["stream_count"] == 2


def test_transient_errors_during_polling_do_not_fail_the_sensor(sandbox, connections):
    sandbox.inject(kind="http", status=500, count=4, action="DescribeUserNum")
    sensor = ZegoRoomUsersSensor(task_id="w", room_id="empty-room", poke_interval=0.1, timeout=20,
                                 request_retries=0)
    assert sensor.execute({})["user_count"] == 0
    assert len(sandbox.received("DescribeUserNum")) == 5


def test_transient_errors_in_the_trigger_are_polled_again(sandbox, connections):
    sensor = ZegoRoomUsersSensor(task_id="w", room_id="show", until="occupied", poke_interval=0.1,
                                 deferrable=True, request_retries=0)
    trigger, _ = defer(sensor)
    sandbox.inject(kind="http", status=503, count=3, action="DescribeUserNum")
    later(0.3, sandbox.route("zego").set_users, "show", 1)
    assert run_trigger(trigger).payload["status"] == "done"


def test_auth_failure_fails_at_once_in_poke_and_in_the_trigger(sandbox, connections, monkeypatch):
    set_connection(monkeypatch, "zego_default", dict(connections["zego_default"], password="wrong-secret-000000"))
    sensor = ZegoRoomUsersSensor(task_id="w", room_id="r", until="occupied", poke_interval=0.1, timeout=20)
    with pytest.raises(RtcAuthError):
        sensor.execute({})
    assert len(sandbox.received("DescribeUserNum")) == 1
    from airflow_provider_rtc.triggers.rtc import RtcConditionTrigger

    trigger = RtcConditionTrigger(conn_id="zego_default", poll_interval=0.1,
                                  condition={"kind": "zego_room_users", "room_id": "r", "until": "occupied"})
    event = run_trigger(trigger)
    assert event.payload["status"] == "error" and event.payload["error_type"] == "RtcAuthError"
    assert "wrong-secret" not in json.dumps(event.payload)
    with pytest.raises(RtcError, match="RtcAuthError"):
        sensor.execute_complete({}, event.payload)


def test_timeout_and_soft_fail_behave_as_in_airflow(sandbox, connections):
    sandbox.route("zego").set_users("busy", 1)
    args = dict(task_id="w", room_id="busy", until="empty", poke_interval=0.1, timeout=0.3)
    with pytest.raises(AirflowSensorTimeout):
        ZegoRoomUsersSensor(**args).execute({})
    with pytest.raises(AirflowSkipException):
        ZegoRoomUsersSensor(soft_fail=True, **args).execute({})


def test_deferrable_defaults_to_airflows_setting(monkeypatch):
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")
    assert ZegoRoomUsersSensor(task_id="w", room_id="r").deferrable is True
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "False")
    assert ZegoRoomUsersSensor(task_id="w", room_id="r").deferrable is False


def test_invalid_until_is_refused_at_parse_time():
    with pytest.raises(ValueError, match="until"):
        ZegoRoomUsersSensor(task_id="w", room_id="r", until="full")
