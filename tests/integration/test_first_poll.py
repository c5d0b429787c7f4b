"""The first trigger poll waits: one interval after the sensor's poke, and a restarted trigger
respects the vendor's per-resource interval (against the sandbox)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from airflow_provider_rtc import conditions
from airflow_provider_rtc.ratelimit.governor import INTERVAL_MARGIN, reset_process_governor
from airflow_provider_rtc.sensors.zego import ZegoRoomStreamSensor, ZegoRoomUsersSensor
from airflow_provider_rtc.triggers.rtc import RtcConditionTrigger
from tests.conftest import set_resource_interval
from tests.integration.sensor_helpers import defer, later, run_trigger


def test_a_trigger_that_defers_after_a_poke_polls_one_interval_later(sandbox, connections):
    sensor = ZegoRoomUsersSensor(task_id="wait", room_id="first-poll", until="occupied", poke_interval=1.5,
                                 deferrable=True, timeout=30)
    trigger, kwargs = defer(sensor)
    assert kwargs["poked_at"]  # plain ISO text, survives the serialization round trip
    later(0.1, sandbox.route("zego").set_users, "first-poll", 1)  # the change comes at once
    event = run_trigger(trigger)
    assert event.payload["status"] == "done"
    poke, *polls = sandbox.received("DescribeUserNum")
    assert polls, "the trigger never polled"
    # Without the poke time the trigger polled ~0.1 s after the poke; now one interval later.
    assert polls[0].at - poke.at >= 1.5


def test_a_restarted_trigger_waits_the_per_resource_interval(sandbox, connections, monkeypatch):
    # ZEGO allows one DescribeSimpleStreamList per room per 10 s; shortened here to keep the test quick.
    set_resource_interval(monkeypatch, "zego", "DescribeSimpleStreamList", 1.0)
    sandbox.route("zego").add_stream("restarted", "host-cam", user_id="host")
    sensor = ZegoRoomStreamSensor(task_id="wait", room_id="restarted", min_streams=2, poke_interval=1.0,
                                  deferrable=True, timeout=30)
    trigger, kwargs = defer(sensor)
    # The triggerer that ran it died long after the poke; another process (a fresh rate governor,
    # which knows nothing of the dead one's polls) picks up the same kwargs. The dead one may have
    # polled a moment ago, so the new one waits the room's interval first.
    kwargs["poked_at"] = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    reset_process_governor()
    restarted = RtcConditionTrigger(**kwargs)
    last_poll_of_the_dead_triggerer = time.time()
    later(0.1, sandbox.route("zego").add_stream, "restarted", "guest-cam", user_id="guest")
    event = run_trigger(restarted)
    assert event.payload["status"] == "done"
    first = sandbox.received("DescribeSimpleStreamList")[1]
    assert first.at - last_poll_of_the_dead_triggerer >= 1.0 + INTERVAL_MARGIN - 0.05


def test_a_trigger_without_a_poke_time_and_no_resource_rule_polls_at_once(sandbox, connections):
    # Conditions without a per-resource rule lose nothing on restart: the first poll is immediate.
    sandbox.route("zego").set_users("at-once", 1)
    trigger = RtcConditionTrigger(conn_id="zego_default", poll_interval=30.0,
                                  condition=conditions.ZegoRoomUsers(room_id="at-once", until="occupied").to_dict())
    started = time.time()
    event = run_trigger(trigger, timeout=10)  # bounded well below the 30 s interval
    assert event.payload["status"] == "done"
    assert sandbox.received("DescribeUserNum")[0].at - started < 10
