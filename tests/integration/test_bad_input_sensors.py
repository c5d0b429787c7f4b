"""Property tests of every sensor argument against the loopback sandbox.

For each sensor and each of its arguments: any invalid value raises RtcValidationError naming
that argument - at construction (``until``) or at the first poke - before any connection is read
and with nothing sent; any valid combination makes a poll the sandbox answers with success, with
the ids arriving intact in the query or body.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS
from airflow_provider_rtc.sensors.tencent import TencentRoomSensor
from airflow_provider_rtc.sensors.volcengine import VolcengineRoomUsersSensor, VolcengineSegmentTaskSensor
from airflow_provider_rtc.sensors.zego import ZegoMixTaskSensor, ZegoRoomStreamSensor, ZegoRoomUsersSensor
from tests import strategies as s
from tests.integration.bad_input import (
    INVALID,
    VALID,
    assert_accepted,
    assert_refused,
    execute,
    no_connection_lookup,  # noqa: F401 - a fixture
)
from tests.integration.sensor_helpers import defer
from tests.integration.test_bad_input_operators import BAD_APP_ID, bad_volc_id

VOLC_APP_ID = SANDBOX_CREDENTIALS["volcengine"]["app_id"]
MAX_COUNT = 2**31 - 1


def poll_arguments(conn_arg: str, conn_id: str) -> tuple[dict, dict]:
    valid = {"request_timeout": s.valid_seconds(1, 3600), "request_retries": s.valid_int(0, 10),
             conn_arg: st.just(conn_id)}
    invalid = {"request_timeout": s.bad_seconds(3600), "request_retries": s.bad_int(0, 10, required=False),
               conn_arg: s.BAD_CONN_ID}
    return valid, invalid


ZEGO_VALID, ZEGO_INVALID = poll_arguments("zego_conn_id", "zego_default")
VOLC_VALID, VOLC_INVALID = poll_arguments("volcengine_rtc_conn_id", "volcengine_rtc_default")
TENCENT_VALID, TENCENT_INVALID = poll_arguments("tencent_live_conn_id", "tencent_live_default")
POLL_FULL = {"request_timeout": "20", "request_retries": 0}


def until(*choices: str) -> st.SearchStrategy[str]:
    return st.sampled_from(choices)


class Spec:
    """One sensor: a rich valid strategy (round trips), fixed valid bases (refusals), invalid values."""

    def __init__(self, sensor, valid: st.SearchStrategy[dict], bases: list[dict], invalid: dict, *, action: str,
                 prepare=None, sent=None):
        self.sensor, self.valid, self.bases, self.invalid = sensor, valid, st.sampled_from(bases), invalid
        self.action = action
        self.prepare = prepare or (lambda sandbox, kwargs: None)  # state that makes the poll succeed
        self.sent = sent  # (kwargs, recorded request) -> what must have arrived


def zego_query(name: str, argument: str):
    def check(kwargs, call):
        assert call.query[name] == [kwargs[argument]]

    return check


def seed_mix_task(sandbox, kwargs):
    with sandbox.lock:
        sandbox.route("zego").mix_tasks[kwargs["mix_task_id"]] = {
            "TaskId": kwargs["mix_task_id"], "started": 0, "UserId": "u", "RoomId": "r"}


def seed_segment_task(sandbox, kwargs):
    from airflow_provider_rtc.operators.volcengine import StartSegmentOperator

    execute(StartSegmentOperator(task_id="start", room_id=kwargs["room_id"],
                                 segment_task_id=kwargs["segment_task_id"], app_id=kwargs.get("app_id")))


def volc_query(*pairs):
    def check(kwargs, call):
        for name, argument in pairs:
            assert call.query[name] == [kwargs[argument]]
        assert call.query["AppId"] == [VOLC_APP_ID]

    return check


ZEGO_ROOM_BAD = s.bad_text(utf8_bytes=128)
STREAM_IDS_BAD = st.one_of(
    s.text_with(s.PRINTABLE, base=st.just("cam")), st.integers(), st.booleans(), st.dictionaries(st.text(max_size=2),
    st.integers(), min_size=0, max_size=1), st.just(object()),
    st.builds(lambda bad: ["host-cam", bad], st.one_of(
        s.not_text(), s.bad_pattern_text(r"[A-Za-z0-9_\-]", s.ZEGO_STREAM_ID, chars=256))),
)
APP_IDS = st.sampled_from([None, "", VOLC_APP_ID])

SPECS = {
    "ZegoRoomStreamSensor": Spec(
        ZegoRoomStreamSensor,
        st.fixed_dictionaries({"room_id": s.ZEGO_ROOM_ID}, optional={
            "min_streams": s.valid_int(1, MAX_COUNT), "stream_ids": st.none() | st.lists(s.ZEGO_STREAM_ID, max_size=4),
            **ZEGO_VALID}),
        [{"room_id": "r"}, {"room_id": "房" * 42, "min_streams": "3", "stream_ids": ["a", "b-c_d"], **POLL_FULL}],
        {"room_id": ZEGO_ROOM_BAD, "min_streams": s.bad_int(1, MAX_COUNT), "stream_ids": STREAM_IDS_BAD,
         **ZEGO_INVALID},
        action="DescribeSimpleStreamList", sent=zego_query("RoomId", "room_id"),
    ),
    "ZegoRoomUsersSensor": Spec(
        ZegoRoomUsersSensor,
        st.fixed_dictionaries({"room_id": s.ZEGO_ROOM_ID}, optional={
            "until": until("empty", "occupied"), "min_users": s.valid_int(1, MAX_COUNT), **ZEGO_VALID}),
        [{"room_id": "r"}, {"room_id": "r" * 128, "until": "occupied", "min_users": MAX_COUNT, **POLL_FULL}],
        {"room_id": ZEGO_ROOM_BAD, "until": s.bad_choice(("empty", "occupied")),
         "min_users": s.bad_int(1, MAX_COUNT), **ZEGO_INVALID},
        action="DescribeUserNum", sent=zego_query("RoomId[]", "room_id"),
    ),
    "ZegoMixTaskSensor": Spec(
        ZegoMixTaskSensor,
        st.fixed_dictionaries({"mix_task_id": s.ZEGO_TEXT_ID}, optional={
            "until": until("stopped", "running"), **ZEGO_VALID}),
        [{"mix_task_id": "m"}, {"mix_task_id": "混" * 256, "until": "running", **POLL_FULL}],
        {"mix_task_id": s.bad_text(chars=256), "until": s.bad_choice(("stopped", "running")), **ZEGO_INVALID},
        action="GetMixTaskInfo", prepare=seed_mix_task, sent=zego_query("TaskId", "mix_task_id"),
    ),
    "VolcengineSegmentTaskSensor": Spec(
        VolcengineSegmentTaskSensor,
        st.fixed_dictionaries({"room_id": s.VOLC_ID, "segment_task_id": s.VOLC_ID}, optional={
            "app_id": APP_IDS, "until": until("ended", "running"), **VOLC_VALID}),
        [{"room_id": "r", "segment_task_id": "t"},
         {"room_id": "r" * 128, "segment_task_id": "@.-_", "app_id": VOLC_APP_ID, "until": "running", **POLL_FULL}],
        {"room_id": bad_volc_id(), "segment_task_id": bad_volc_id(), "app_id": BAD_APP_ID,
         "until": s.bad_choice(("ended", "running")), **VOLC_INVALID},
        action="GetSegmentTask", prepare=seed_segment_task,
        sent=volc_query(("RoomId", "room_id"), ("TaskId", "segment_task_id")),
    ),
    "VolcengineRoomUsersSensor": Spec(
        VolcengineRoomUsersSensor,
        st.fixed_dictionaries({"room_id": s.VOLC_ID}, optional={
            "app_id": APP_IDS, "until": until("empty", "occupied"), **VOLC_VALID}),
        [{"room_id": "r"}, {"room_id": "a.b@c", "app_id": f" {VOLC_APP_ID} ", "until": "occupied", **POLL_FULL}],
        {"room_id": bad_volc_id(), "app_id": BAD_APP_ID, "until": s.bad_choice(("empty", "occupied")),
         **VOLC_INVALID},
        action="GetRoomOnlineUsers", sent=volc_query(("RoomId", "room_id")),
    ),
    "TencentRoomSensor": Spec(
        TencentRoomSensor,
        st.fixed_dictionaries({"room_id": s.TENCENT_ROOM_ID}, optional={
            "until": until("exists", "gone"), **TENCENT_VALID}),
        [{"room_id": "r"}, {"room_id": "房" * 16, "until": "gone", **POLL_FULL}],
        {"room_id": s.bad_text(utf8_bytes=48), "until": s.bad_choice(("exists", "gone")), **TENCENT_INVALID},
        action="get_room_info",
        prepare=lambda sandbox, kwargs: sandbox.route("tencent").create_room(kwargs["room_id"]),
        sent=lambda kwargs, call: json.loads(call.body) == {"RoomId": kwargs["room_id"]} or pytest.fail(call.body),
    ),
}

CASES = [pytest.param(name, argument, id=f"{name}-{argument}")
         for name, spec in SPECS.items() for argument in sorted(spec.invalid)]


def poke(spec: Spec, kwargs: dict):
    return spec.sensor(task_id="wait", **kwargs).poke(context={})


@pytest.mark.parametrize(("name", "argument"), CASES)
@INVALID
@given(data=st.data())
def test_sensors_refuse_every_bad_argument(sandbox, no_connection_lookup, name, argument, data):
    spec = SPECS[name]
    kwargs = {**data.draw(spec.bases), argument: data.draw(spec.invalid[argument])}
    # Construction included: a bad `until` is refused when the DAG is parsed.
    assert_refused(lambda: poke(spec, kwargs), argument, sandbox)


@pytest.mark.parametrize("name", sorted(SPECS))
@VALID
@given(data=st.data())
def test_sensors_accept_every_valid_combination(sandbox, connections, name, data):
    sandbox.reset()
    spec = SPECS[name]
    kwargs = data.draw(spec.valid)
    spec.prepare(sandbox, kwargs)
    before = len(sandbox.received())
    poke(spec, kwargs)
    calls = assert_accepted(sandbox, spec.action)
    assert len(sandbox.received()) == before + 1  # one poll
    spec.sent(kwargs, calls[-1])


def test_a_deferred_sensor_refuses_bad_input_before_deferring(sandbox, no_connection_lookup):
    # execute() in deferrable mode pokes first: the same checks, nothing sent, no trigger.
    assert_refused(lambda: defer(ZegoRoomUsersSensor(task_id="w", room_id="r", min_users=0, deferrable=True)),
                   "min_users", sandbox)


def test_a_template_in_until_passes_parsing_but_not_execution(sandbox, no_connection_lookup):
    sensor = ZegoRoomUsersSensor(task_id="w", room_id="r", until="{{ params.until }}")  # rendered later
    assert_refused(lambda: sensor.poke(context={}), "until", sandbox)  # ...and never rendered here


def test_a_valid_deferred_sensor_serializes_its_checked_arguments(sandbox, connections):
    sensor = ZegoRoomStreamSensor(task_id="w", room_id="r", min_streams="2", stream_ids=("a", "b"), deferrable=True)
    _, kwargs = defer(sensor)
    assert kwargs["condition"]["min_streams"] == 2 and kwargs["condition"]["stream_ids"] == ["a", "b"]
