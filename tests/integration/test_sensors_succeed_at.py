"""``succeed_at``: "until the room empties or the show's end time, whichever comes first"."""

from __future__ import annotations

import datetime
import time

import pytest

from airflow_provider_rtc.errors import RtcValidationError
from airflow_provider_rtc.sensors.tencent import TencentRoomSensor
from airflow_provider_rtc.sensors.zego import ZegoRoomUsersSensor
from tests.integration.sensor_helpers import defer, later, run_trigger


def in_seconds(seconds: float) -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)


def test_a_past_succeed_at_ends_the_wait_without_a_request(sandbox, connections):
    sandbox.route("zego").set_users("show", 3)
    sensor = ZegoRoomUsersSensor(task_id="t", room_id="show", until="empty", succeed_at=in_seconds(-1).isoformat())
    value = sensor.execute(context={})
    assert value["succeed_at_reached"] is True
    assert sandbox.received() == []


def test_poke_mode_succeeds_at_the_deadline_while_the_room_stays_occupied(sandbox, connections):
    sandbox.route("zego").set_users("show", 3)
    deadline = in_seconds(0.8)
    sensor = ZegoRoomUsersSensor(task_id="t", room_id="show", until="empty", poke_interval=0.2, timeout=20,
                                 succeed_at=deadline)
    value = sensor.execute(context={})
    assert value == {"succeed_at_reached": True, "succeed_at": deadline.isoformat()}
    assert len(sandbox.received("DescribeUserNum")) >= 2


def test_the_condition_wins_when_it_comes_first(sandbox, connections):
    zego = sandbox.route("zego")
    zego.set_users("show", 3)
    later(0.4, zego.set_users, "show", 0)
    sensor = ZegoRoomUsersSensor(task_id="t", room_id="show", until="empty", poke_interval=0.2, timeout=20,
                                 succeed_at=in_seconds(30).isoformat(), deferrable=True)
    trigger, kwargs = defer(sensor)
    assert kwargs["succeed_at"]  # plain ISO text in the trigger's kwargs
    event = run_trigger(trigger)
    assert event.payload["status"] == "done" and event.payload["value"]["user_count"] == 0


def test_the_trigger_wakes_at_the_deadline_not_a_whole_interval_later(sandbox, connections):
    sandbox.route("tencent").create_room("show")
    sensor = TencentRoomSensor(task_id="t", room_id="show", until="gone", poke_interval=30, deferrable=True,
                               succeed_at=in_seconds(1.0).isoformat())
    trigger, _ = defer(sensor)
    started = time.monotonic()
    event = run_trigger(trigger, timeout=10)
    assert time.monotonic() - started < 5  # not the 30 s poll interval
    assert event.payload["value"]["succeed_at_reached"] is True
    assert sensor.execute_complete({}, event.payload)["succeed_at_reached"] is True


def test_naive_text_means_utc(sandbox, connections):
    sensor = ZegoRoomUsersSensor(task_id="t", room_id="show", succeed_at="2026-03-01T20:00:00")
    assert sensor.succeed_at_time() == datetime.datetime(2026, 3, 1, 20, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("value", ["tomorrow evening", "2026-13-01T00:00:00", "20:00 next friday"])
def test_unparseable_succeed_at_names_the_argument_and_sends_nothing(sandbox, connections, value):
    sensor = ZegoRoomUsersSensor(task_id="t", room_id="show", succeed_at=value)
    with pytest.raises(RtcValidationError, match="succeed_at"):
        sensor.execute(context={})
    assert sandbox.received() == []
