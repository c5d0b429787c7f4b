"""Volcengine sensors against the sandbox: segment task state, room users, poke and deferred."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_rtc.operators.volcengine import StartSegmentOperator
from airflow_provider_rtc.sensors.volcengine import VolcengineRoomUsersSensor, VolcengineSegmentTaskSensor
from tests.integration.sensor_helpers import defer, later, run_trigger


@pytest.fixture
def volc(sandbox, connections):
    return sandbox.route("volcengine")


def start_segment(room="room-1", task="seg-1"):
    StartSegmentOperator(task_id="start", room_id=room, segment_task_id=task).execute({})


def test_segment_sensor_poke_waits_until_the_task_ends(sandbox, volc):
    start_segment()
    running = VolcengineSegmentTaskSensor(task_id="w", room_id="room-1", segment_task_id="seg-1", until="running",
                                          poke_interval=0.1).execute({})
    assert running["status"] == 2
    later(0.4, volc.end_segment, "room-1", "seg-1", "IdleTimeOut")
    ended = VolcengineSegmentTaskSensor(task_id="w", room_id="room-1", segment_task_id="seg-1",
                                        poke_interval=0.1, timeout=20).execute({})
    assert ended["status"] == 3 and ended["stop_reason"] == "IdleTimeOut"
    queries = [r.query for r in sandbox.received("GetSegmentTask")]
    assert all(q["Version"] == ["2022-06-01"] and q["AppId"] == ["sandbox-volc-app"] for q in queries)


def test_segment_failure_fails_the_sensor_at_once_with_the_stop_reason(sandbox, volc):
    start_segment()
    volc.fail_segment("room-1", "seg-1", "StorageAuthFailed")
    sensor = VolcengineSegmentTaskSensor(task_id="w", room_id="room-1", segment_task_id="seg-1", poke_interval=0.1)
    with pytest.raises(AirflowFailException, match="StorageAuthFailed"):
        sensor.execute({})
    assert len(sandbox.received("GetSegmentTask")) == 1


def test_segment_sensor_deferred_fires_when_the_task_ends(sandbox, volc):
    start_segment()
    sensor = VolcengineSegmentTaskSensor(task_id="w", room_id="room-1", segment_task_id="seg-1",
                                         poke_interval=0.1, deferrable=True)
    trigger, kwargs = defer(sensor)
    assert kwargs["condition"]["app_id"] == "sandbox-volc-app"
    later(0.4, volc.end_segment, "room-1", "seg-1")
    event = run_trigger(trigger)
    assert sensor.execute_complete({}, event.payload)["status"] == 3


def test_failed_segment_in_the_trigger_fails_the_sensor(sandbox, volc):
    start_segment()
    sensor = VolcengineSegmentTaskSensor(task_id="w", room_id="room-1", segment_task_id="seg-1",
                                         poke_interval=0.1, deferrable=True)
    trigger, _ = defer(sensor)
    later(0.3, volc.fail_segment, "room-1", "seg-1", "RecordFailed")
    event = run_trigger(trigger)
    assert event.payload["status"] == "failed"
    with pytest.raises(AirflowFailException, match="RecordFailed"):
        sensor.execute_complete({}, event.payload)


def test_room_users_sensor_reads_either_exists_flag(sandbox, volc):
    volc.set_room_users("room-1", count=3)
    sensor = VolcengineRoomUsersSensor(task_id="w", room_id="room-1", until="occupied", poke_interval=0.1)
    assert sensor.execute({})["user_count"] == 3
    volc.configure(region="ap-singapore-1", flavour="byteplus")  # answers RoomExist, not RoomExists
    volc.set_room_users("room-1", count=2)


def test_room_users_sensor_deferred_until_empty(sandbox, volc):
    volc.set_room_users("room-1", count=2)
    sensor = VolcengineRoomUsersSensor(task_id="w", room_id="room-1", poke_interval=0.1, deferrable=True)
    trigger, _ = defer(sensor)
    later(0.3, volc.set_room_users, "room-1", exists=False)
    value = sensor.execute_complete({}, run_trigger(trigger).payload)
    assert value == {"room_id": "room-1", "room_exists": False, "user_count": 0, "request_id": value["request_id"]}


def test_transient_throttling_while_polling_is_waited_out(sandbox, volc):
    volc.set_room_users("room-1", count=0)
    sandbox.inject(kind="vendor_code", code="FlowLimitExceeded.QPSOverLimit", count=3, action="GetRoomOnlineUsers")
    sensor = VolcengineRoomUsersSensor(task_id="w", room_id="room-1", poke_interval=0.1, request_retries=0,
                                       timeout=20)
    assert sensor.execute({})["user_count"] == 0
    assert len(sandbox.received("GetRoomOnlineUsers")) == 4
