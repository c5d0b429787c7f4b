"""Every operator and sensor against every fault of ``fault_matrix.py``, over real loopback HTTP.

For each case the expected outcome comes from the data module; this file only knows how to set a
target up, how to inject a fault, and how to observe what happened: the outcome, the exact number
of requests that reached the sandbox, what the vendor ended up doing (no second start of an
accepted task), a fresh signature on every attempt, and no secret in any error text.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import pytest

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.errors import RtcError
from airflow_provider_rtc.operators.tencent import (
    ResumeMcuOperator,
    SetMixStreamOperator,
    TencentDestroyRoomOperator,
    TencentLiveApiOperator,
)
from airflow_provider_rtc.operators.volcengine import (
    StartRecordOperator,
    StartSegmentOperator,
    StopRecordOperator,
    StopSegmentOperator,
    VolcengineCloseRoomOperator,
    VolcengineRtcApiOperator,
)
from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
    StopMixOperator,
    ZegoApiOperator,
    ZegoCloseRoomOperator,
)
from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS
from airflow_provider_rtc.sensors.tencent import TencentRoomSensor
from airflow_provider_rtc.sensors.volcengine import (
    VolcengineRecordTaskSensor,
    VolcengineRoomUsersSensor,
    VolcengineSegmentTaskSensor,
)
from airflow_provider_rtc.sensors.zego import (
    ZegoMixTaskSensor,
    ZegoRoomStreamSensor,
    ZegoRoomUsersSensor,
    ZegoStreamStateSensor,
    ZegoUsersPresentSensor,
)
from airflow_provider_rtc.triggers.rtc import RtcConditionTrigger
from tests.conftest import set_connection, set_resource_interval, use_clock
from tests.integration import fault_matrix as fm

CONN_IDS = {"zego": "zego_default", "volcengine": "volcengine_rtc_default", "tencent": "tencent_live_default"}
WRONG_SECRET = "matrix-wrong-secret-0000000000000000"
SECRETS = (
    SANDBOX_CREDENTIALS["zego"]["server_secret"],
    SANDBOX_CREDENTIALS["volcengine"]["secret_access_key"],
    SANDBOX_CREDENTIALS["tencent"]["key"],
    WRONG_SECRET,
)
# What a signed value looks like when it is not redacted: Signature=<hex>, usersig=<text>, a V4 header.
_SIGNED_TEXT = re.compile(r"(?i)(\b(signature|usersig)=(?!\*\*\*)[^&\s\"',)]+|Credential=AK)")

OPERATOR_ARGS = {"task_id": "matrix", "request_retries": fm.OPERATOR_RETRIES, "request_timeout": fm.REQUEST_TIMEOUT,
                 "retry_backoff": fm.RETRY_BACKOFF}
SENSOR_ARGS = {"task_id": "matrix", "request_retries": fm.SENSOR_RETRIES, "request_timeout": fm.REQUEST_TIMEOUT,
               "poke_interval": 0.01, "timeout": 30}


@pytest.fixture(autouse=True)
def no_rate_limits(sandbox):
    """Rate limits are not this matrix's subject (tests/unit/test_rate_governor.py and
    tests/integration/test_rate_limits.py are): the process governor and the sandbox's limit gateway
    stand aside, so pokes 0.01 s apart stay fast and every case's request count stays exact."""
    from airflow_provider_rtc.ratelimit.governor import RateGovernor, reset_process_governor

    reset_process_governor(RateGovernor(enabled=False))
    sandbox.limits.enforce = False
    yield
    sandbox.limits.enforce = True
    reset_process_governor()


# -- targets: set up, build, observe -----------------------------------------------------------------


@dataclass
class OperatorHarness:
    setup: Callable[[Any], Any]  # sandbox -> context (e.g. the task to stop); runs before the fault
    build: Callable[[Any], Any]  # context -> operator
    # (sandbox, context) -> times the vendor carried the action out; None for a catalogue read,
    # whose effect is only its answer
    effect: Optional[Callable[[Any, Any], int]]


def _zego(sandbox):
    return sandbox.route("zego")


def _volc(sandbox):
    return sandbox.route("volcengine")


def _tencent(sandbox):
    return sandbox.route("tencent")


def _start_mix(**kwargs):
    return StartAutoMixOperator(room_id="room-1", mix_task_id="mix-1", user_id="host",
                                mix_output=[{"StreamId": "mixed-1"}], **kwargs)


def _started_mix(sandbox):
    _start_mix(task_id="setup").execute({})


def _started_asr(sandbox):
    return StartASROperator(task_id="setup", room_id="room-1").execute({})["data"]["TaskId"]


def _segment(sandbox):
    return next((t for t in _volc(sandbox).snapshot()["segment_tasks"] if t["TaskId"] == "seg-1"), None)


def _segment_status(sandbox) -> int | None:
    task = _segment(sandbox)
    return None if task is None else task["Status"]


def _started_segment(sandbox):
    StartSegmentOperator(task_id="setup", room_id="room-1", segment_task_id="seg-1").execute({})


def _paused_room(sandbox):
    _tencent(sandbox).create_room("show-1", mix="paused")


def _record(sandbox):
    return next((t for t in _volc(sandbox).snapshot()["record_tasks"] if t["TaskId"] == "rec-1"), None)


def _record_status(sandbox) -> int | None:
    task = _record(sandbox)
    return None if task is None else task["Status"]


def _started_record(sandbox):
    StartRecordOperator(task_id="setup", room_id="room-1", record_task_id="rec-1").execute({})


def _occupied_zego_room(sandbox):
    _zego(sandbox).join("show", "host")


def _bans(sandbox) -> int:
    return len([b for b in _volc(sandbox).snapshot()["bans"] if b["RoomId"] == "room-1"])


VOLC_APP_ID = SANDBOX_CREDENTIALS["volcengine"]["app_id"]
_GENERIC = {"zego": ZegoApiOperator, "volcengine": VolcengineRtcApiOperator, "tencent": TencentLiveApiOperator}


def _example(action: catalogue.Action) -> dict[str, Any]:
    """The catalogue's example request, with the sandbox's AppId for ``{app_id}``."""
    def fill(value):
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item) for item in value]
        return VOLC_APP_ID if value == "{app_id}" else value

    return fill(dict(action.example))


def _catalogue_call(target: fm.Target) -> OperatorHarness:
    action = catalogue.get(target.vendor, target.action)
    return OperatorHarness(setup=lambda sb: None, build=lambda ctx: generic_operator(action, **OPERATOR_ARGS),
                           effect=None)


def generic_operator(action: catalogue.Action, **kwargs):
    """The vendor's generic operator calling ``action`` with its example request."""
    name = "command" if action.vendor == "tencent" else "action"
    return _GENERIC[action.vendor](**{name: action.name}, **_example(action), **kwargs)


OPERATORS: dict[str, OperatorHarness] = {
    "StartAutoMixOperator": OperatorHarness(
        setup=lambda sb: None,
        build=lambda ctx: _start_mix(**OPERATOR_ARGS),
        effect=lambda sb, ctx: len(_zego(sb).snapshot()["mix_tasks"]),
    ),
    "StopMixOperator": OperatorHarness(
        setup=_started_mix,
        build=lambda ctx: StopMixOperator(mix_task_id="mix-1", **OPERATOR_ARGS),
        effect=lambda sb, ctx: int("mix-1" not in _zego(sb).snapshot()["mix_tasks"]),
    ),
    "StopAutoMixOperator": OperatorHarness(
        setup=_started_mix,
        build=lambda ctx: StopAutoMixOperator(mix_task_id="mix-1", room_id="room-1", **OPERATOR_ARGS),
        effect=lambda sb, ctx: int("mix-1" not in _zego(sb).snapshot()["mix_tasks"]),
    ),
    "StartASROperator": OperatorHarness(
        setup=lambda sb: None,
        build=lambda ctx: StartASROperator(room_id="room-1", **OPERATOR_ARGS),
        # Every StartRealtimeASRTask the sandbox carried out created one task: a duplicate shows here.
        effect=lambda sb, ctx: len(_zego(sb).snapshot()["asr_tasks"]),
    ),
    "StopASROperator": OperatorHarness(
        setup=_started_asr,
        build=lambda ctx: StopASROperator(asr_task_id=ctx, **OPERATOR_ARGS),
        effect=lambda sb, ctx: int(ctx not in _zego(sb).snapshot()["asr_tasks"]),
    ),
    "StartSegmentOperator": OperatorHarness(
        setup=lambda sb: None,
        build=lambda ctx: StartSegmentOperator(room_id="room-1", segment_task_id="seg-1", **OPERATOR_ARGS),
        effect=lambda sb, ctx: int(_segment_status(sb) == 2),
    ),
    "StopSegmentOperator": OperatorHarness(
        setup=_started_segment,
        build=lambda ctx: StopSegmentOperator(room_id="room-1", segment_task_id="seg-1", **OPERATOR_ARGS),
        effect=lambda sb, ctx: int(_segment_status(sb) == 3),
    ),
    "ZegoCloseRoomOperator": OperatorHarness(
        setup=_occupied_zego_room,
        build=lambda ctx: ZegoCloseRoomOperator(room_id="show", custom_reason="show over", **OPERATOR_ARGS),
        effect=lambda sb, ctx: len(_zego(sb).snapshot()["closed_rooms"]),
    ),
    "ZegoApiOperator": OperatorHarness(
        setup=lambda sb: None,
        build=lambda ctx: ZegoApiOperator(action="StartAutoMix", body={
            "RoomId": "room-1", "TaskId": "mix-1", "UserId": "host", "MixOutput": [{"StreamId": "mixed-1"}]},
            **OPERATOR_ARGS),
        effect=lambda sb, ctx: len(_zego(sb).snapshot()["mix_tasks"]),
    ),
    "StartRecordOperator": OperatorHarness(
        setup=lambda sb: None,
        build=lambda ctx: StartRecordOperator(room_id="room-1", record_task_id="rec-1", **OPERATOR_ARGS),
        effect=lambda sb, ctx: int(_record_status(sb) == 2),
    ),
    "StopRecordOperator": OperatorHarness(
        setup=_started_record,
        build=lambda ctx: StopRecordOperator(room_id="room-1", record_task_id="rec-1", **OPERATOR_ARGS),
        effect=lambda sb, ctx: int(_record_status(sb) == 3),
    ),
    "VolcengineCloseRoomOperator": OperatorHarness(
        setup=lambda sb: _volc(sb).set_room_users("room-1", count=2),
        build=lambda ctx: VolcengineCloseRoomOperator(room_id="room-1", forbidden_interval=600, **OPERATOR_ARGS),
        effect=lambda sb, ctx: _bans(sb),
    ),
    "VolcengineRtcApiOperator": OperatorHarness(
        setup=lambda sb: None,
        build=lambda ctx: VolcengineRtcApiOperator(action="BanRoomUser", body={"AppId": VOLC_APP_ID,
                                                                                "RoomId": "room-1"}, **OPERATOR_ARGS),
        effect=lambda sb, ctx: _bans(sb),
    ),
    "TencentDestroyRoomOperator": OperatorHarness(
        setup=_paused_room,
        build=lambda ctx: TencentDestroyRoomOperator(room_id="show-1", **OPERATOR_ARGS),
        effect=lambda sb, ctx: int("show-1" not in _tencent(sb).snapshot()["rooms"]),
    ),
    "TencentLiveApiOperator": OperatorHarness(
        setup=_paused_room,
        build=lambda ctx: TencentLiveApiOperator(command="set_mix_stream", body={"RoomId": "show-1", "LayoutMode": 0},
                                                 **OPERATOR_ARGS),
        effect=lambda sb, ctx: int(_tencent(sb).snapshot()["rooms"]["show-1"]["layout"] is not None),
    ),
    **{target.name: _catalogue_call(target) for target in fm.CATALOGUE_CALLS},
    "ResumeMcuOperator": OperatorHarness(
        setup=_paused_room,
        build=lambda ctx: ResumeMcuOperator(room_id="show-1", **OPERATOR_ARGS),
        effect=lambda sb, ctx: int(_tencent(sb).snapshot()["rooms"]["show-1"]["mix"] == "running"),
    ),
    "SetMixStreamOperator": OperatorHarness(
        setup=_paused_room,
        build=lambda ctx: SetMixStreamOperator(room_id="show-1", layout_mode=0, **OPERATOR_ARGS),
        effect=lambda sb, ctx: int(_tencent(sb).snapshot()["rooms"]["show-1"]["layout"] is not None),
    ),
}


@dataclass
class SensorHarness:
    setup: Callable[[Any], None]  # make the sensor's condition true, before the fault
    build: Callable[[], Any]


def _running_mix(sandbox):
    _started_mix(sandbox)


def _ended_segment(sandbox):
    _started_segment(sandbox)
    _volc(sandbox).end_segment("room-1", "seg-1", "StopByAPI")


def _ended_record(sandbox):
    _started_record(sandbox)
    _volc(sandbox).end_record("room-1", "rec-1", "StopByAPI")


SENSORS: dict[str, SensorHarness] = {
    "ZegoRoomStreamSensor": SensorHarness(
        setup=lambda sb: _zego(sb).add_stream("show", "host-cam"),
        build=lambda: ZegoRoomStreamSensor(room_id="show", stream_ids=["host-cam"], **SENSOR_ARGS),
    ),
    "ZegoRoomUsersSensor": SensorHarness(
        setup=lambda sb: _zego(sb).set_users("show", 3),
        build=lambda: ZegoRoomUsersSensor(room_id="show", until="occupied", min_users=2, **SENSOR_ARGS),
    ),
    "ZegoMixTaskSensor": SensorHarness(
        setup=_running_mix,
        build=lambda: ZegoMixTaskSensor(mix_task_id="mix-1", until="running", **SENSOR_ARGS),
    ),
    "ZegoStreamStateSensor": SensorHarness(
        setup=lambda sb: _zego(sb).add_stream("show", "host-cam"),
        build=lambda: ZegoStreamStateSensor(stream_id="host-cam", until="live", **SENSOR_ARGS),
    ),
    "ZegoUsersPresentSensor": SensorHarness(
        setup=lambda sb: (_zego(sb).join("show", "host"), _zego(sb).join("show", "guest")),
        build=lambda: ZegoUsersPresentSensor(room_id="show", user_ids=["host", "guest"], **SENSOR_ARGS),
    ),
    "VolcengineRecordTaskSensor": SensorHarness(
        setup=_ended_record,
        build=lambda: VolcengineRecordTaskSensor(room_id="room-1", record_task_id="rec-1", until="ended",
                                                 **SENSOR_ARGS),
    ),
    "VolcengineSegmentTaskSensor": SensorHarness(
        setup=_ended_segment,
        build=lambda: VolcengineSegmentTaskSensor(room_id="room-1", segment_task_id="seg-1", until="ended",
                                                  **SENSOR_ARGS),
    ),
    "VolcengineRoomUsersSensor": SensorHarness(
        setup=lambda sb: _volc(sb).set_room_users("room-1", count=2),
        build=lambda: VolcengineRoomUsersSensor(room_id="room-1", until="occupied", **SENSOR_ARGS),
    ),
    "TencentRoomSensor": SensorHarness(
        setup=lambda sb: _tencent(sb).create_room("show-1"),
        build=lambda: TencentRoomSensor(room_id="show-1", until="exists", **SENSOR_ARGS),
    ),
}


def test_every_operator_and_sensor_is_in_the_matrix():
    from airflow_provider_rtc.operators import tencent, volcengine, zego
    from airflow_provider_rtc.operators.base import RtcBaseOperator
    from airflow_provider_rtc.sensors import tencent as s_tencent
    from airflow_provider_rtc.sensors import volcengine as s_volcengine
    from airflow_provider_rtc.sensors import zego as s_zego
    from airflow_provider_rtc.sensors.base import RtcConditionSensor

    def concrete(modules, base):
        return {obj.__name__ for module in modules for obj in vars(module).values()
                if isinstance(obj, type) and issubclass(obj, base) and obj.__module__ == module.__name__
                and obj.__name__.endswith(("Operator", "Sensor")) and "Base" not in obj.__name__}

    named = {t.name for t in fm.OPERATORS}
    assert concrete((zego, volcengine, tencent), RtcBaseOperator) == named
    assert set(OPERATORS) == named | {t.name for t in fm.CATALOGUE_CALLS}
    assert concrete((s_zego, s_volcengine, s_tencent), RtcConditionSensor) == {t.name for t in fm.SENSORS} \
        == set(SENSORS)


def test_targets_call_what_their_classes_call():
    """A named target's action and role are its class's: its catalogue action, and the role its
    idempotency mixin gives it."""
    from airflow_provider_rtc.operators import base, tencent, volcengine, zego
    from airflow_provider_rtc.sensors import tencent as s_tencent
    from airflow_provider_rtc.sensors import volcengine as s_volcengine
    from airflow_provider_rtc.sensors import zego as s_zego

    classes = {name: obj for module in (zego, volcengine, tencent, s_zego, s_volcengine, s_tencent)
               for name, obj in vars(module).items() if isinstance(obj, type)}
    for target in fm.SENSORS:
        condition = classes[target.name].condition_class
        assert (condition.vendor, condition.action) == (target.vendor, target.action), target
    for target in fm.OPERATORS:
        cls = classes[target.name]
        if not issubclass(cls, base.GenericCall):
            assert (cls.vendor_key, cls.action) == (target.vendor, target.action), target
        if issubclass(cls, base.IdempotentStart):
            assert target.role == "start", target
        elif issubclass(cls, base.IdempotentStop) and target.role != "call":
            assert target.role == "stop", target
        elif target.role == "create":
            assert not catalogue.get(target.vendor, target.action).idempotent


def test_every_catalogue_action_is_in_the_matrix():
    """An action added to the catalogue is exercised by the matrix: by its own operator or sensor, or
    (when it has an example request) through its vendor's generic operator."""
    covered = {(t.vendor, t.action) for t in (*fm.OPERATORS, *fm.SENSORS, *fm.CATALOGUE_CALLS)}
    missing = [action.key for action in catalogue.actions() if (action.vendor, action.name) not in covered]
    assert not missing, f"catalogue actions no fault-matrix target calls: {missing}"


# -- faults ----------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fast_sensor_backoff(monkeypatch):
    """Sensors' retry backoff (0.5 s, not an argument) shortened like the operators' ``retry_backoff``:
    the matrix is about outcomes and counts; the backoff policy is unit-tested."""
    from airflow_provider_rtc.sensors.base import RtcConditionSensor

    overrides = RtcConditionSensor.hook_overrides
    monkeypatch.setattr(RtcConditionSensor, "hook_overrides",
                        lambda self: {**overrides(self), "backoff_base": fm.RETRY_BACKOFF})


@pytest.fixture
def signing_clocks(monkeypatch):
    """Sign each Volcengine / Tencent attempt one second later than the previous one.

    Their signatures have one-second resolution and no nonce: without this, two attempts within
    the same second are byte-identical whether or not the hook re-signed, and the freshness check
    could not tell. ZEGO needs nothing: its nonce is random per attempt.
    """
    start = time.time()
    ticks = iter(range(10_000))
    use_clock(monkeypatch, lambda: start + next(ticks))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def inject(case: fm.Case, sandbox, connections, monkeypatch) -> None:
    fault, target = case.fault, case.target
    conn_id = CONN_IDS[target.vendor]
    if fault.kind == "refused":
        url = f"http://127.0.0.1:{_closed_port()}"
        document = dict(connections[conn_id], host=url)
        if target.vendor == "zego":
            document["extra"] = {**document["extra"], "asr_host": url}
        set_connection(monkeypatch, conn_id, document)
    elif fault.kind == "wrong_secret":
        set_connection(monkeypatch, conn_id, dict(connections[conn_id], password=WRONG_SECRET))
    else:
        options: dict[str, Any] = {"count": fault.count, "after_processing": fault.processed}
        if fault.status is not None:
            options["status"] = fault.status
        if case.code is not None:
            options["code"] = case.code
        if fault.kind == "slow":
            options["delay"] = fm.SLOW_DELAY
        sandbox.inject(kind=fault.kind, vendor=target.vendor, action=target.action, **options)


# -- checks shared by all cases ----------------------------------------------------------------------------


def received(sandbox, case: fm.Case, since: float = 0.0):
    """The target's requests, from ``since`` (wall time) on: a sensor test counts only what came after
    its own setup, since a poll the previous test's cancelled trigger had already sent can reach the
    sandbox after the reset between tests."""
    return [r for r in sandbox.received(action=case.target.action, vendor=case.target.vendor) if r.at >= since]


def signed_values(record) -> list[str]:
    """The secret-derived values a request carried."""
    values = [*record.query.get("Signature", []), *record.query.get("usersig", [])]
    authorization = record.headers.get("authorization")
    if authorization:
        values += [authorization, authorization.rpartition("Signature=")[2]]
    return values


def assert_fresh_signatures(records, vendor: str) -> None:
    """Every attempt was signed afresh: no two requests share a nonce / signature / random."""
    if len(records) < 2:
        return
    if vendor == "zego":
        for name in ("SignatureNonce", "Signature"):
            values = [r.query[name][0] for r in records]
            assert len(set(values)) == len(values), f"{name} repeated across attempts"
    elif vendor == "volcengine":
        values = [r.headers["authorization"] for r in records]
        assert len(set(values)) == len(values), "Authorization repeated across attempts"
    else:
        randoms = [r.query["random"][0] for r in records]
        assert len(set(randoms)) == len(randoms), "random repeated across attempts"
        # The UserSig is cached by design; but once Tencent rejected one, it is never sent again.
        for rejected, following in zip(records, records[1:], strict=False):
            if isinstance(rejected.code, int) and 70001 <= rejected.code <= 70050:
                assert following.query["usersig"] != rejected.query["usersig"], "a rejected UserSig was sent again"


def assert_no_secret(texts: list[str], sandbox) -> None:
    needles = [*SECRETS, *(value for record in sandbox.received() for value in signed_values(record))]
    haystack = "\n".join(texts)
    leaked = [needle[:12] + "..." for needle in needles if needle and needle in haystack]
    assert not leaked, f"secret or signature in error text: {leaked}"
    assert not _SIGNED_TEXT.search(haystack), _SIGNED_TEXT.search(haystack).group(0)


def error_texts(error: BaseException) -> list[str]:
    """str and repr of the error and of everything chained to it."""
    texts, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        texts += [str(error), repr(error)]
        error = error.__cause__ or error.__context__
    return texts


def assert_requests(records, expect: fm.Expect) -> None:
    if expect.requests is None:  # keeps polling: unbounded by design, but it did poll again
        assert len(records) >= 2, f"expected the trigger to poll again, saw {len(records)} request(s)"
    else:
        assert len(records) == expect.requests, [(r.status, r.code, r.fault) for r in records]


# -- operators ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", fm.operator_cases(), ids=lambda case: case.id)
def test_operator(case: fm.Case, sandbox, connections, monkeypatch, signing_clocks):
    harness = OPERATORS[case.target.name]
    expect = case.expect
    context = harness.setup(sandbox)
    inject(case, sandbox, connections, monkeypatch)
    operator = harness.build(context)

    result, error = None, None
    try:
        result = operator.execute(context={})
    except RtcError as caught:
        error = caught

    records = received(sandbox, case)
    if expect.outcome in ("fails", "not_repeated"):
        assert result is None and error is not None, f"expected {expect.error}, got the result {result}"
        assert type(error).__name__ == expect.error, repr(error)
        assert error.attempts == (expect.attempts or expect.requests)
        if expect.outcome == "not_repeated":
            assert error.may_have_executed and "not idempotent" in str(error)
        assert_no_secret(error_texts(error), sandbox)
    else:
        assert error is None, f"expected {expect.outcome}, got {error!r}"
        json.dumps(result)  # XCom stays plain JSON
        done_flag = getattr(operator, "done_flag", "already_stopped")  # a close says already_closed
        assert result.get(done_flag, False) == (expect.outcome == "already_stopped"), result
        assert result.get("already_running", False) == (expect.outcome == "already_running"), result
    assert_requests(records, expect)
    if harness.effect is not None:
        assert harness.effect(sandbox, context) == expect.effect, "what the vendor carried out"
    assert_fresh_signatures(records, case.target.vendor)


# -- sensors: poke ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", fm.poke_cases(), ids=lambda case: case.id)
def test_sensor_poke(case: fm.Case, sandbox, connections, monkeypatch, signing_clocks):
    harness = SENSORS[case.target.name]
    expect = case.expect
    harness.setup(sandbox)
    since = time.time()
    inject(case, sandbox, connections, monkeypatch)
    sensor = harness.build()

    pokes: list[bool] = []
    error = None
    for _ in range(fm.MAX_POKES):
        try:
            outcome = sensor.poke({})
        except Exception as caught:  # noqa: BLE001 - whatever fails the task is what is checked
            error = caught
            break
        pokes.append(outcome.is_done)
        if outcome.is_done:
            break

    if expect.outcome == "fails":
        assert error is not None and pokes == [], f"expected {expect.error}, pokes were {pokes}"
        assert type(error).__name__ == expect.error, repr(error)
        assert_no_secret(error_texts(error), sandbox)
    else:
        assert error is None, f"a poke raised {error!r}"
        wanted = [False] * fm.MAX_POKES if expect.outcome == "keeps_waiting" else [False] * (expect.pokes - 1) + [True]
        assert pokes == wanted
    assert_requests(received(sandbox, case, since), expect)
    assert_fresh_signatures(received(sandbox, case, since), case.target.vendor)


# -- sensors: the trigger -------------------------------------------------------------------------------------


async def _first_event(trigger, timeout: float):
    """The trigger's first event, or None if it is still polling after ``timeout`` seconds."""
    events = trigger.run()
    try:
        return await asyncio.wait_for(events.__anext__(), timeout)
    except asyncio.TimeoutError:
        return None
    finally:
        await events.aclose()


@pytest.mark.parametrize("case", fm.trigger_cases(), ids=lambda case: case.id)
def test_sensor_trigger(case: fm.Case, sandbox, connections, monkeypatch, signing_clocks):
    harness = SENSORS[case.target.name]
    expect = case.expect
    # DescribeSimpleStreamList's 10 s per-room limit would make the trigger sleep 10 s between
    # polls; the limit itself is tested elsewhere, the fault handling is what matters here.
    set_resource_interval(monkeypatch, "zego", "DescribeSimpleStreamList", None)
    harness.setup(sandbox)
    since = time.time()
    inject(case, sandbox, connections, monkeypatch)
    sensor = harness.build()
    # What the sensor's execute() hands over when it defers (minus the first poke on the worker).
    trigger = RtcConditionTrigger(conn_id=sensor.conn_id, condition=sensor.build_condition().to_dict(),
                                  poll_interval=fm.TRIGGER_POLL_INTERVAL, hook_overrides=sensor.hook_overrides())

    watch = fm.KEEP_POLLING_SECONDS if expect.outcome == "keeps_polling" else 20.0
    event = asyncio.run(_first_event(trigger, watch))

    if expect.outcome == "keeps_polling":
        assert event is None, f"expected the trigger to keep polling, got {event.payload}"
    else:
        assert event is not None, "the trigger fired no event"
        payload = event.payload
        if expect.outcome == "done":
            assert payload["status"] == "done", payload
            assert sensor.execute_complete({}, payload) == payload["value"]
        else:
            assert (payload["status"], payload["error_type"]) == ("error", expect.error), payload
            with pytest.raises(RtcError):
                sensor.execute_complete({}, payload)
            assert_no_secret([json.dumps(payload), repr(payload)], sandbox)
    assert_requests(received(sandbox, case, since), expect)
    assert_fresh_signatures(received(sandbox, case, since), case.target.vendor)
