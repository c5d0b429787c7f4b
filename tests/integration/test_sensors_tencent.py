"""Tencent room sensor against the sandbox, poke and deferred."""

from __future__ import annotations

import json

import pytest

from airflow_provider_rtc.errors import RtcAuthError
from airflow_provider_rtc.sensors.tencent import TencentRoomSensor
from tests.conftest import set_connection
from tests.integration.sensor_helpers import defer, later, run_trigger


def test_room_sensor_poke_until_the_room_exists(sandbox, connections):
    tencent = sandbox.route("tencent")
    later(0.4, tencent.create_room, "live-1", mix="running")
    value = TencentRoomSensor(task_id="w", room_id="live-1", poke_interval=0.1, timeout=20).execute({})
    assert value["exists"] is True and value["room_info"]["RoomId"] == "live-1"


def test_room_sensor_deferred_until_the_room_is_dissolved(sandbox, connections):
    tencent = sandbox.route("tencent")
    tencent.create_room("live-1", mix="running")
    sensor = TencentRoomSensor(task_id="w", room_id="live-1", until="gone", poke_interval=0.1, deferrable=True)
    trigger, kwargs = defer(sensor)
    usersigs = [r.query["usersig"][0] for r in sandbox.received()]
    assert not any(sig in json.dumps(kwargs) for sig in usersigs)  # no UserSig in trigger kwargs
    assert connections["tencent_live_default"]["password"] not in json.dumps(kwargs)
    later(0.3, tencent.dissolve_room, "live-1")
    assert sensor.execute_complete({}, run_trigger(trigger).payload)["exists"] is False


def test_room_sensor_wrong_key_fails_without_retry(sandbox, connections, monkeypatch):
    set_connection(monkeypatch, "tencent_live_default",
                   dict(connections["tencent_live_default"], password="wrong-key-wrong-key-0000"))
    with pytest.raises(RtcAuthError):
        TencentRoomSensor(task_id="w", room_id="live-1", poke_interval=0.1).execute({})
    assert len(sandbox.received("get_room_info")) == 1
