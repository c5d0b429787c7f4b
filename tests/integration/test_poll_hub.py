"""Triggers in one event loop share polls (coalesced and batched) against the sandbox; each still
fires its own event, errors reach the right triggers, cancelling one leaves the others alone."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

from airflow_provider_rtc import conditions
from airflow_provider_rtc.triggers import poll_hub
from airflow_provider_rtc.triggers.rtc import RtcConditionTrigger
from tests.conftest import set_connection

FAST = {"max_retries": 1, "backoff_base": 0.05, "total_timeout": 30.0}


def users_trigger(room, conn_id="zego_default", interval=0.3):
    return RtcConditionTrigger(conn_id=conn_id, poll_interval=interval, hook_overrides=FAST,
                               condition=conditions.ZegoRoomUsers(room_id=room, until="occupied").to_dict())


async def first_event(trigger):
    events = trigger.run()
    try:
        return await events.__anext__()
    finally:
        await events.aclose()


def rooms_per_request(sandbox):
    return [parse_qs(urlsplit("/?" + "&".join(f"{k}={v}" for k, vs in r.query.items() for v in vs)).query)
            .get("RoomId[]", []) for r in sandbox.received("DescribeUserNum")]


def run(coroutine, timeout=30):
    return asyncio.run(asyncio.wait_for(coroutine, timeout))


def test_rooms_waiting_together_share_batched_calls_and_each_trigger_sees_its_own_room(sandbox, connections):
    zego = sandbox.route("zego")
    rooms = [f"batch-{i}" for i in range(25)]
    for number, room in enumerate(rooms):
        zego.set_users(room, number + 1)

    async def scenario():
        return await asyncio.gather(*(first_event(users_trigger(room)) for room in rooms))

    events = run(scenario())
    assert [e.payload["status"] for e in events] == ["done"] * 25
    assert [e.payload["value"]["room_id"] for e in events] == rooms  # each its own event, own room
    assert [e.payload["value"]["user_count"] for e in events] == list(range(1, 26))
    batches = rooms_per_request(sandbox)
    assert sorted(room for batch in batches for room in batch) == sorted(rooms)  # every room asked once
    assert len(batches) == 3 and max(len(b) for b in batches) == 10  # 25 rooms in 3 calls, not 25


def test_triggers_on_the_same_task_share_one_poll(sandbox, connections):
    sandbox.route("zego").mix_tasks["shared-mix"] = {"TaskId": "shared-mix", "started": 0, "UserId": "u",
                                                    "RoomId": "r"}
    condition = conditions.ZegoMixTask(mix_task_id="shared-mix", until="stopped").to_dict()
    triggers = [RtcConditionTrigger(conn_id="zego_default", poll_interval=0.2, condition=condition,
                                    hook_overrides=FAST) for _ in range(6)]

    async def scenario():
        waiting = [asyncio.create_task(first_event(t)) for t in triggers]
        await asyncio.sleep(1.0)
        polls_while_running = len(sandbox.received("GetMixTaskInfo"))
        sandbox.route("zego").mix_tasks.pop("shared-mix")
        return polls_while_running, await asyncio.gather(*waiting)

    polls_while_running, events = run(scenario())
    assert all(e.payload["status"] == "done" and e.payload["value"]["running"] is False for e in events)
    # Six triggers polling every 0.2 s for 1 s alone would be ~30 calls; shared, one per round.
    assert 1 <= polls_while_running <= 8
    request_ids = {e.payload["value"]["request_id"] for e in events}
    assert len(request_ids) == 1  # all six saw the same answer


def test_one_trigger_cancelled_mid_batch_leaves_the_others_waiting_and_answered(sandbox, connections):
    zego = sandbox.route("zego")
    rooms = [f"cancel-{i}" for i in range(6)]
    # The first batch is slow to answer: it is on its way when one trigger is cancelled.
    sandbox.inject(kind="slow", delay=1.0, vendor="zego", action="DescribeUserNum", count=1)

    async def scenario():
        tasks = {room: asyncio.create_task(first_event(users_trigger(room))) for room in rooms}
        await asyncio.sleep(0.5)
        assert len(sandbox.received("DescribeUserNum")) <= 1  # the batch is in flight
        tasks[rooms[2]].cancel()
        for room in rooms:
            zego.set_users(room, 1)
        cancelled = await asyncio.gather(tasks[rooms[2]], return_exceptions=True)
        others = await asyncio.gather(*(tasks[r] for r in rooms if r != rooms[2]))
        return cancelled, others

    cancelled, others = run(scenario())
    assert isinstance(cancelled[0], asyncio.CancelledError)
    assert [e.payload["value"]["room_id"] for e in others] == [r for r in rooms if r != rooms[2]]
    assert all(e.payload["status"] == "done" for e in others)
    later_batches = rooms_per_request(sandbox)[1:]
    assert later_batches and all(rooms[2] not in batch for batch in later_batches)  # not asked again


def test_an_auth_failure_hits_only_the_triggers_of_its_own_connection(sandbox, connections, monkeypatch):
    set_connection(monkeypatch, "zego_wrong", dict(connections["zego_default"], password="wrong-secret-000000"))
    zego = sandbox.route("zego")
    for i in range(4):
        zego.set_users(f"auth-{i}", 1)

    async def scenario():
        good = [first_event(users_trigger(f"auth-{i}")) for i in range(2)]
        bad = [first_event(users_trigger(f"auth-{i}", conn_id="zego_wrong")) for i in range(2, 4)]
        return await asyncio.gather(*good, *bad)

    events = run(scenario())
    assert [e.payload["status"] for e in events] == ["done", "done", "error", "error"]
    assert {e.payload.get("error_type") for e in events[2:]} == {"RtcAuthError"}
    assert all("wrong-secret" not in json.dumps(e.payload) for e in events)
    assert len(sandbox.received("DescribeUserNum")) == 2  # one per connection: never retried


def test_a_transient_error_is_retried_once_for_all_sharers(sandbox, connections):
    zego = sandbox.route("zego")
    rooms = [f"retry-{i}" for i in range(4)]
    for room in rooms:
        zego.set_users(room, 2)
    sandbox.inject(kind="http", status=503, vendor="zego", action="DescribeUserNum", count=1)

    async def scenario():
        return await asyncio.gather(*(first_event(users_trigger(room)) for room in rooms))

    events = run(scenario())
    assert [e.payload["status"] for e in events] == ["done"] * 4
    received = sandbox.received("DescribeUserNum")
    assert [r.status for r in received] == [503, 200]  # one failed batch, one retry for all four
    assert sorted(rooms_per_request(sandbox)[1]) == sorted(rooms)


def test_the_hub_closes_a_group_when_its_last_trigger_leaves(sandbox, connections):
    sandbox.route("zego").set_users("alone", 1)

    async def scenario():
        event = await first_event(users_trigger("alone"))
        return event, dict(poll_hub.hub().groups)

    event, groups = run(scenario())
    assert event.payload["status"] == "done" and groups == {}


def test_a_slow_actions_queue_does_not_hold_up_another_action(sandbox, connections, monkeypatch):
    # DescribeUserNum limited to 1 call/s on this connection: 60 rooms queue for several seconds.
    # A mix-task trigger of the same connection has its own budget and is answered meanwhile.
    set_connection(monkeypatch, "zego_slow", dict(connections["zego_default"],
                                                  extra={"rate_limits": {"DescribeUserNum": 1}}))
    sandbox.route("zego").mix_tasks["hol-mix"] = {"TaskId": "hol-mix", "started": 0, "UserId": "u", "RoomId": "r"}
    rooms = [f"hol-{i}" for i in range(60)]
    for room in rooms:
        sandbox.route("zego").set_users(room, 1)
    mix = RtcConditionTrigger(conn_id="zego_slow", poll_interval=0.3, hook_overrides=FAST,
                              condition=conditions.ZegoMixTask(mix_task_id="hol-mix", until="running").to_dict())

    async def scenario():
        users = [asyncio.create_task(first_event(users_trigger(room, conn_id="zego_slow"))) for room in rooms]
        await asyncio.sleep(0)  # the rooms queue first
        mixed = await first_event(mix)
        return mixed, await asyncio.gather(*users)

    mixed, events = run(scenario(), timeout=60)
    assert mixed.payload["status"] == "done" and all(e.payload["status"] == "done" for e in events)
    order = [r.action for r in sandbox.received() if r.action in ("DescribeUserNum", "GetMixTaskInfo")]
    assert order.count("DescribeUserNum") == 6  # 60 rooms, 10 per call
    assert order.index("GetMixTaskInfo") < 3  # answered while most of the rooms still waited their turn
