"""Property tests of every operator argument against the loopback sandbox.

For each operator and each of its arguments: any invalid value raises RtcValidationError naming
that argument, before any connection is read and with nothing sent; any valid combination of
arguments makes a request the sandbox accepts, with the ids arriving intact.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_rtc.errors import RtcValidationError
from airflow_provider_rtc.models import tencent as tencent_models
from airflow_provider_rtc.models import volcengine as volcengine_models
from airflow_provider_rtc.models import zego as zego_models
from airflow_provider_rtc.operators.tencent import ResumeMcuOperator, SetMixStreamOperator
from airflow_provider_rtc.operators.volcengine import StartSegmentOperator, StopSegmentOperator
from airflow_provider_rtc.operators.zego import (
    StartASROperator,
    StartAutoMixOperator,
    StopASROperator,
    StopAutoMixOperator,
    StopMixOperator,
)
from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS
from tests import strategies as s
from tests.integration.bad_input import (
    INVALID,
    VALID,
    assert_accepted,
    assert_refused,
    execute,
    no_connection_lookup,  # noqa: F401 - a fixture
)

# -- what every operator takes -----------------------------------------------------------------------


def as_int(value) -> int:
    """The number a valid int argument stands for: an int, or decimal text with whitespace around it."""
    return int(value.strip()) if isinstance(value, str) else int(value)


def _not_a_backoff(text: str) -> bool:
    try:
        value = float(text.strip())  # as the code reads it: surrounding whitespace does not count
    except ValueError:
        return True
    return not (math.isfinite(value) and 0 <= value <= 60)


BAD_BACKOFF = st.one_of(
    st.floats(max_value=0, exclude_max=True), st.just(math.nan), st.just(math.inf),
    st.floats(min_value=60, exclude_min=True), st.integers(min_value=61), st.booleans(),
    st.text(max_size=6).filter(_not_a_backoff), st.lists(st.integers(), max_size=1),
)


def call_arguments(conn_arg: str, conn_id: str) -> tuple[dict, dict]:
    valid = {
        "request_timeout": s.valid_seconds(1, 3600), "connect_timeout": s.valid_seconds(1, 300),
        "request_retries": s.valid_int(0, 10), "retry_backoff": st.sampled_from([0, 0.0, "0", 0.01]),
        "call_timeout": s.valid_seconds(1, 86400), conn_arg: st.just(conn_id),
    }
    invalid = {
        "request_timeout": s.bad_seconds(3600), "connect_timeout": s.bad_seconds(300),
        "call_timeout": s.bad_seconds(86400), "request_retries": s.bad_int(0, 10, required=False),
        "retry_backoff": BAD_BACKOFF, conn_arg: s.BAD_CONN_ID,
    }
    return valid, invalid


FULL_CALL = {"request_timeout": "30", "connect_timeout": 2.5, "request_retries": 0, "retry_backoff": 0,
             "call_timeout": 60}


def bases(*examples: dict) -> st.SearchStrategy[dict]:
    """The valid arguments a refusal test puts the bad one among: a few fixed sets (required only,
    everything given, edge values). Cheap to draw; the round-trip tests draw arbitrary valid sets."""
    return st.sampled_from(examples)


def modelled(model) -> set[str]:
    return set(model.model_fields)


def item(base: dict, key: str, values: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """``base`` with ``key`` set to each of ``values``."""
    return values.map(lambda value: {**base, key: value})


def not_a_list() -> st.SearchStrategy:
    return st.one_of(st.text(max_size=4), st.integers(), st.booleans(), st.dictionaries(st.text(max_size=2),
                     st.integers(), max_size=1), st.just(object()), st.binary(max_size=2))


def not_a_dict() -> st.SearchStrategy:
    return st.one_of(st.text(max_size=4), st.integers(), st.booleans(), st.lists(st.integers(), max_size=2),
                     st.just(object()))


# -- ZEGO ------------------------------------------------------------------------------------------------

ZEGO_VALID_CALL, ZEGO_INVALID_CALL = call_arguments("zego_conn_id", "zego_default")

MIX_OUTPUT_ITEM = st.one_of(
    st.fixed_dictionaries({"StreamId": s.ZEGO_STREAM_ID}, optional={
        "AudioCodec": st.sampled_from([0, 1, 2, 3, "2"]), "AudioBitrate": s.valid_int(1, 1_000_000),
        "SoundChannel": st.sampled_from([1, 2, "1"])}),
    st.fixed_dictionaries({"StreamUrl": s.RTMP_URL}),
)
EXTRA_INPUT_ADD = st.fixed_dictionaries(
    {"StreamId": s.ZEGO_STREAM_ID},
    optional={"ModifyType": st.just(0), "SoundLevelId": s.valid_int(0, 2**32 - 1), "Volume": s.valid_int(0, 200)},
) | st.fixed_dictionaries({"StreamUrl": st.one_of(s.RTMP_URL, s.HTTP_URL)},
                          optional={"SoundLevelId": s.valid_int(0, 2**32 - 1), "Volume": s.valid_int(0, 200)})
EXTRA_INPUT_REMOVE = st.fixed_dictionaries({"StreamId": s.ZEGO_STREAM_ID, "ModifyType": st.sampled_from([1, "1"])})


@st.composite
def start_auto_mix_kwargs(draw) -> dict:
    kwargs = draw(st.fixed_dictionaries(
        {"room_id": s.ZEGO_ROOM_ID, "mix_task_id": s.ZEGO_TEXT_ID, "user_id": s.ZEGO_TEXT_ID,
         "mix_output": st.lists(MIX_OUTPUT_ITEM, min_size=1, max_size=3,
                                unique_by=lambda o: o.get("StreamUrl") or ("id", o["StreamId"]))},
        optional={
            "extra_mix_input": st.lists(EXTRA_INPUT_ADD | EXTRA_INPUT_REMOVE, max_size=9),
            "sequence": s.valid_int(0, 2**63 - 1), "user_data": s.base64_text(2997),
            "by_pass": st.sampled_from([0, 1, "1"]), "sound_channel": st.sampled_from([1, 2, "1", "2"]),
            "alignment_type": st.sampled_from([0, 1, 2, "2"]), "recv_buffer_level": s.valid_int(0, 4000),
            "ex_para": st.lists(st.fixed_dictionaries({"Key": s.ZEGO_TEXT_ID, "Value": s.printable_text(0, 60)}),
                                max_size=3),
            "extra_body": s.extra_body(modelled(zego_models.StartAutoMixRequest)),
            **ZEGO_VALID_CALL,
        },
    ))
    added = [i for i in kwargs.get("extra_mix_input") or () if str(i.get("ModifyType", 0)) != "1"]
    # SoundLevel 1 needs a SoundLevelId on every added input (the refusal has its own test below).
    levels = [0, 1] if all("SoundLevelId" in i for i in added) else [0]
    if draw(st.booleans()):
        kwargs["sound_level"] = draw(st.sampled_from(levels))
    return kwargs


START_AUTO_MIX_VALID = start_auto_mix_kwargs()
START_AUTO_MIX_BASE = bases(
    {"room_id": "r", "mix_task_id": "m", "user_id": "u", "mix_output": [{"StreamId": "o"}]},
    {"room_id": "房" * 42, "mix_task_id": "t" * 256, "user_id": " ", "sequence": "7", "user_data": "QUJD",
     "mix_output": [{"StreamId": "o", "AudioCodec": 3, "AudioBitrate": 64000, "SoundChannel": 2},
                    {"StreamUrl": "rtmp://cdn.example/live/a"}],
     "extra_mix_input": [{"StreamId": "g", "SoundLevelId": 1, "Volume": 200}, {"StreamId": "h", "ModifyType": 1}],
     "sound_level": 1, "by_pass": 0, "sound_channel": "2", "alignment_type": 2, "recv_buffer_level": 4000,
     "ex_para": [{"Key": "k", "Value": ""}], "extra_body": {"FutureField": {"x": [1, None]}}, **FULL_CALL},
)

BAD_MIX_OUTPUT = st.one_of(
    not_a_list(), st.just([]), st.lists(MIX_OUTPUT_ITEM, min_size=4, max_size=6), st.lists(st.integers(), min_size=1,
                                                                                      max_size=2),
    st.builds(lambda bad: [bad], st.one_of(
        st.just({}), item({}, "StreamId", s.bad_pattern_text(r"[A-Za-z0-9_\-]", s.ZEGO_STREAM_ID, chars=256)),
        item({}, "StreamUrl", s.bad_text(chars=1024, required=True, extra=(s.HTTP_URL, st.just("rtmp://a b")))),
        item({"StreamId": "out"}, "AudioCodec", s.bad_choice((0, 1, 2, 3), required=False)),
        item({"StreamId": "out"}, "SoundChannel", s.bad_choice((1, 2), required=False)),
        item({"StreamId": "out"}, "AudioBitrate", s.bad_int(1, 1_000_000, required=False)),
        item({"StreamId": "out"}, "Unknown", st.integers()),
    )),
    s.RTMP_URL.map(lambda url: [{"StreamUrl": url}, {"StreamUrl": url}]),  # the same CDN target twice
)
BAD_EXTRA_INPUT = st.one_of(
    not_a_list(), st.lists(EXTRA_INPUT_ADD, min_size=10, max_size=12),
    st.builds(lambda bad: [bad], st.one_of(
        st.just({}), st.just({"Volume": 100}),
        item({"StreamId": "guest"}, "Volume", s.bad_int(0, 200, required=False)),
        item({"StreamId": "guest"}, "ModifyType", s.bad_choice((0, 1), required=False)),
        item({"StreamId": "guest"}, "SoundLevelId", s.bad_int(0, 2**32 - 1, required=False)),
        s.RTMP_URL.map(lambda url: {"StreamUrl": url, "ModifyType": 1}),  # a removal needs the StreamId
        item({}, "StreamUrl", st.sampled_from(["ftp://x.example/a", "rtmp://", "rtmp://a b", "rtmp://a\x00"])),
    )),
)
BAD_EX_PARA = st.one_of(
    not_a_list(), st.builds(lambda bad: [bad], st.one_of(
        st.just({}), st.just({"Key": "k"}), item({"Value": "v"}, "Key", s.bad_text(chars=256)),
        item({"Key": "k"}, "Value", st.one_of(s.not_text(), s.text_with(s.SURROGATE), s.longer_than(chars=4096))),
        st.just({"Key": "k", "Value": "v", "Other": 1}), st.integers(),
    )),
)
NOT_BASE64 = st.text(min_size=1, max_size=12).filter(lambda t: not _is_base64(t))


def _is_base64(text: str) -> bool:
    import base64
    import binascii

    try:
        base64.b64decode(text, validate=True)
        return True
    except (binascii.Error, ValueError):
        return False


START_AUTO_MIX_INVALID = {
    "room_id": s.bad_text(utf8_bytes=128),
    "mix_task_id": s.bad_text(chars=256),
    "user_id": s.bad_text(chars=256),
    "mix_output": BAD_MIX_OUTPUT,
    "extra_mix_input": BAD_EXTRA_INPUT,
    "sequence": s.bad_int(0, 2**63 - 1, required=False),
    "user_data": st.one_of(s.not_text(required=False), NOT_BASE64, s.text_with(s.SURROGATE),
                           st.integers(3001, 4000).map(lambda n: "QUFB" * n)),
    "sound_level": s.bad_choice((0, 1), required=False),
    "by_pass": s.bad_choice((0, 1), required=False),
    "sound_channel": s.bad_choice((1, 2, "1", "2"), required=False),
    "alignment_type": s.bad_choice((0, 1, 2), required=False),
    "recv_buffer_level": s.bad_int(0, 4000, required=False),
    "ex_para": BAD_EX_PARA,
    "extra_body": s.bad_json_object(modelled(zego_models.StartAutoMixRequest)),
    **ZEGO_INVALID_CALL,
}


def run_start_auto_mix(**kwargs):
    return execute(StartAutoMixOperator(task_id="start_mix", **kwargs))


@pytest.mark.parametrize("argument", sorted(START_AUTO_MIX_INVALID))
@INVALID
@given(data=st.data())
def test_start_auto_mix_refuses_every_bad_argument(sandbox, no_connection_lookup, argument, data):
    kwargs = {**data.draw(START_AUTO_MIX_BASE), argument: data.draw(START_AUTO_MIX_INVALID[argument], argument)}
    assert_refused(lambda: run_start_auto_mix(**kwargs), argument, sandbox)


def test_sound_level_1_without_sound_level_ids_names_sound_level(sandbox, no_connection_lookup):
    kwargs = {"room_id": "r", "mix_task_id": "m", "user_id": "u", "mix_output": [{"StreamId": "o"}],
              "extra_mix_input": [{"StreamId": "guest"}], "sound_level": 1}
    error = assert_refused(lambda: run_start_auto_mix(**kwargs), "sound_level", sandbox)
    assert "SoundLevelId" in error.rule


@VALID
@given(kwargs=START_AUTO_MIX_VALID)
def test_start_auto_mix_accepts_every_valid_combination(sandbox, connections, kwargs):
    sandbox.reset()
    result = run_start_auto_mix(**kwargs)
    [call] = assert_accepted(sandbox, "StartAutoMix")
    body = json.loads(call.body)
    assert (body["RoomId"], body["TaskId"], body["UserId"]) == (kwargs["room_id"], kwargs["mix_task_id"],
                                                                kwargs["user_id"])
    assert len(body["MixOutput"]) == len(kwargs["mix_output"])
    if "sequence" in kwargs:
        assert body["Sequence"] == as_int(kwargs["sequence"])
    for key, value in (kwargs.get("extra_body") or {}).items():
        assert body[key] == value
    assert result["data"]["RoomId"] == kwargs["room_id"]


def stop_mix_kwargs(with_room: bool) -> st.SearchStrategy[dict]:
    required = {"mix_task_id": s.ZEGO_TEXT_ID, **({"room_id": s.ZEGO_ROOM_ID} if with_room else {})}
    model = zego_models.StopAutoMixRequest if with_room else zego_models.StopMixRequest
    return st.fixed_dictionaries(required, optional={
        "sequence": s.valid_int(0, 2**63 - 1), "user_id": s.ZEGO_TEXT_ID, "fail_if_not_found": s.FLAG,
        "extra_body": s.extra_body(modelled(model)), **ZEGO_VALID_CALL})


def stop_mix_invalid(with_room: bool) -> dict:
    model = zego_models.StopAutoMixRequest if with_room else zego_models.StopMixRequest
    return {
        "mix_task_id": s.bad_text(chars=256), "sequence": s.bad_int(0, 2**63 - 1, required=False),
        "user_id": s.bad_text(chars=256, required=False), "fail_if_not_found": s.BAD_FLAG,
        "extra_body": s.bad_json_object(modelled(model)), **ZEGO_INVALID_CALL,
        **({"room_id": s.bad_text(utf8_bytes=128)} if with_room else {}),
    }


# Built once: hypothesis validates a strategy on first use, which is slow for new objects every example.
STOP_MIX_VALID = {with_room: stop_mix_kwargs(with_room) for with_room in (False, True)}
STOP_MIX_BASE = {with_room: bases(
    {"mix_task_id": "m", **({"room_id": "r"} if with_room else {})},
    {"mix_task_id": "任务" * 128, "sequence": 2**63 - 1, "user_id": "u" * 256, "fail_if_not_found": "true",
     "extra_body": {"FutureField": 1}, **FULL_CALL, **({"room_id": "😀" * 32} if with_room else {})},
) for with_room in (False, True)}
STOP_MIX_INVALID = {with_room: stop_mix_invalid(with_room) for with_room in (False, True)}

STOP_MIX_CASES = [
    pytest.param(StopMixOperator, False, argument, id=f"StopMix-{argument}")
    for argument in sorted(stop_mix_invalid(False))
] + [
    pytest.param(StopAutoMixOperator, True, argument, id=f"StopAutoMix-{argument}")
    for argument in sorted(stop_mix_invalid(True))
]


@pytest.mark.parametrize(("operator", "with_room", "argument"), STOP_MIX_CASES)
@INVALID
@given(data=st.data())
def test_stop_mix_refuses_every_bad_argument(sandbox, no_connection_lookup, operator, with_room, argument, data):
    kwargs = {**data.draw(STOP_MIX_BASE[with_room]), argument: data.draw(STOP_MIX_INVALID[with_room][argument])}
    assert_refused(lambda: execute(operator(task_id="stop", **kwargs)), argument, sandbox)


@pytest.mark.parametrize(("operator", "with_room"), [(StopMixOperator, False), (StopAutoMixOperator, True)])
@VALID
@given(data=st.data())
def test_stop_mix_accepts_every_valid_combination(sandbox, connections, operator, with_room, data):
    sandbox.reset()
    kwargs = data.draw(STOP_MIX_VALID[with_room])
    # The task to stop: started with the same TaskId, UserId and RoomId.
    run_start_auto_mix(room_id=kwargs.get("room_id", "room-1"), mix_task_id=kwargs["mix_task_id"],
                       user_id=kwargs.get("user_id", "host"), mix_output=[{"StreamId": "out"}])
    result = execute(operator(task_id="stop", **kwargs))
    [call] = assert_accepted(sandbox, operator.action)
    assert json.loads(call.body)["TaskId"] == kwargs["mix_task_id"]
    assert result["already_stopped"] is False


ASR_WORD = s.printable_text(max_size=8).filter(lambda w: "|" not in w and "," not in w)
HOT_WORDS = st.lists(st.tuples(ASR_WORD, st.integers(0, 100)), min_size=1, max_size=128).map(
    lambda pairs: ",".join(f"{word}|{weight}" for word, weight in pairs))
START_ASR_VALID = st.fixed_dictionaries({"room_id": s.ZEGO_ROOM_ID}, optional={
    "hot_words": HOT_WORDS, "engine_model_type": st.sampled_from(["16k_zh", "16k_en", "16k_ar"]),
    "vad_silence_segmentation": s.valid_int(200, 2000),
    "extra_body": s.extra_body(modelled(zego_models.StartAsrRequest)), **ZEGO_VALID_CALL})
START_ASR_BASE = bases(
    {"room_id": "r"},
    {"room_id": "r" * 128, "hot_words": ",".join(["词|5"] * 128), "engine_model_type": "16k_ar",
     "vad_silence_segmentation": "2000", "extra_body": {"FutureField": "x"}, **FULL_CALL},
)
START_ASR_INVALID = {
    "room_id": s.bad_text(utf8_bytes=128),
    "hot_words": st.one_of(
        s.not_text(required=False), st.sampled_from(["", "word", "a|", "|5", "a|x", "a|5,", "a|5,,b|1", "a||5",
                                                      "a|١"]),
        s.text_with(s.CONTROL, base=st.just("a|5")), s.text_with(s.SURROGATE, base=st.just("a|5")),
        st.integers(129, 200).map(lambda n: ",".join(["w|1"] * n)),
    ),
    "engine_model_type": s.bad_choice(("16k_zh", "16k_en", "16k_ar"), required=False),
    "vad_silence_segmentation": s.bad_int(200, 2000, required=False),
    "extra_body": s.bad_json_object(modelled(zego_models.StartAsrRequest)),
    **ZEGO_INVALID_CALL,
}


@pytest.mark.parametrize("argument", sorted(START_ASR_INVALID))
@INVALID
@given(data=st.data())
def test_start_asr_refuses_every_bad_argument(sandbox, no_connection_lookup, argument, data):
    kwargs = {**data.draw(START_ASR_BASE), argument: data.draw(START_ASR_INVALID[argument])}
    assert_refused(lambda: execute(StartASROperator(task_id="asr", **kwargs)), argument, sandbox)


@VALID
@given(kwargs=START_ASR_VALID)
def test_start_asr_accepts_every_valid_combination(sandbox, connections, kwargs):
    sandbox.reset()
    result = execute(StartASROperator(task_id="asr", **kwargs))
    [call] = assert_accepted(sandbox, "StartRealtimeASRTask")
    body = json.loads(call.body)
    assert body["RoomId"] == kwargs["room_id"]
    assert body.get("ASR", {}).get("HotWord") == kwargs.get("hot_words")
    assert result["data"]["TaskId"]


STOP_ASR_VALID = st.fixed_dictionaries({"asr_task_id": s.ZEGO_TEXT_ID}, optional={
    "fail_if_not_found": s.FLAG, "extra_body": s.extra_body(modelled(zego_models.StopAsrRequest)),
    **ZEGO_VALID_CALL})
STOP_ASR_BASE = bases(
    {"asr_task_id": "asr-1"},
    {"asr_task_id": "a" * 256, "fail_if_not_found": False, "extra_body": {}, **FULL_CALL},
)
STOP_ASR_INVALID = {
    "asr_task_id": s.bad_text(chars=256), "fail_if_not_found": s.BAD_FLAG,
    "extra_body": s.bad_json_object(modelled(zego_models.StopAsrRequest)), **ZEGO_INVALID_CALL,
}


@pytest.mark.parametrize("argument", sorted(STOP_ASR_INVALID))
@INVALID
@given(data=st.data())
def test_stop_asr_refuses_every_bad_argument(sandbox, no_connection_lookup, argument, data):
    kwargs = {**data.draw(STOP_ASR_BASE), argument: data.draw(STOP_ASR_INVALID[argument])}
    assert_refused(lambda: execute(StopASROperator(task_id="stop_asr", **kwargs)), argument, sandbox)


@VALID
@given(kwargs=STOP_ASR_VALID)
def test_stop_asr_accepts_every_valid_combination(sandbox, connections, kwargs):
    sandbox.reset()
    zego = sandbox.route("zego")
    with sandbox.lock:  # ZEGO assigns ASR task ids itself; plant one with the generated id
        zego.asr_tasks[kwargs["asr_task_id"]] = {"TaskId": kwargs["asr_task_id"], "RoomId": "room-1", "ASR": None}
    result = execute(StopASROperator(task_id="stop_asr", **kwargs))
    [call] = assert_accepted(sandbox, "StopRealtimeASRTask")
    assert json.loads(call.body)["TaskId"] == kwargs["asr_task_id"]
    assert result["already_stopped"] is False


# -- Volcengine --------------------------------------------------------------------------------------------

VOLC_VALID_CALL, VOLC_INVALID_CALL = call_arguments("volcengine_rtc_conn_id", "volcengine_rtc_default")
VOLC_APP_ID = SANDBOX_CREDENTIALS["volcengine"]["app_id"]
VOLC_CHAR = r"[a-zA-Z0-9_@\-.]"


def bad_volc_id(required: bool = True):
    return s.bad_pattern_text(VOLC_CHAR, s.VOLC_ID, chars=128, required=required)


# None or blank means "the connection's app_id extra", so neither is a bad app_id.
BAD_APP_ID = st.one_of(s.not_text(required=False), s.text_with(s.CONTROL, base=s.VOLC_ID),
                       s.text_with(s.SURROGATE), s.longer_than(chars=128),
                       s.text_with(s.outside(VOLC_CHAR), base=s.VOLC_ID)).filter(
    # Surrounding whitespace is stripped (a template artefact), so "\tapp" is a valid "app".
    lambda v: not (isinstance(v, str) and (not v.strip() or re.fullmatch(s.VOLC_ID_RE, v.strip()))))
BAD_API_VERSION = st.one_of(
    s.not_text(required=False), st.sampled_from(["2020-12-1", "2020-13-01", "v1", "2020-12-01 ", "latest", "1"]),
    s.text_with(s.SURROGATE),
).filter(lambda v: v != "")
STREAM = st.fixed_dictionaries({"Index": st.integers(0, 16), "UserId": s.VOLC_ID,
                                "StreamType": st.sampled_from([0, 1])})


def segment_kwargs(start: bool) -> st.SearchStrategy[dict]:
    model = volcengine_models.StartSegmentRequest if start else volcengine_models.StopSegmentRequest
    optional = {
        "app_id": st.sampled_from([None, "", VOLC_APP_ID, f" {VOLC_APP_ID} "]), "business_id": s.VOLC_ID,
        "api_version": st.sampled_from([None, "", "2020-12-01", "2022-06-01"]),
        "extra_body": s.extra_body(modelled(model)), **VOLC_VALID_CALL,
    }
    if start:
        optional.update({
            "target_streams": st.fixed_dictionaries({}, optional={"StreamList": st.lists(STREAM, max_size=17)}),
            "duration": s.valid_int(1, 600), "max_idle_time": s.valid_int(1, 86400),
            "storage_config": s.JSON_OBJECTS, "control": s.JSON_OBJECTS, "identifier": s.VOLC_ID,
            "handle": st.sampled_from([True, False, "true", " False "]), "fail_if_already_running": s.FLAG,
        })
    else:
        optional["fail_if_not_found"] = s.FLAG
    return st.fixed_dictionaries({"room_id": s.VOLC_ID, "segment_task_id": s.VOLC_ID}, optional=optional)


def segment_invalid(start: bool) -> dict:
    model = volcengine_models.StartSegmentRequest if start else volcengine_models.StopSegmentRequest
    invalid = {
        "room_id": bad_volc_id(), "segment_task_id": bad_volc_id(), "app_id": BAD_APP_ID,
        "business_id": bad_volc_id(required=False), "api_version": BAD_API_VERSION,
        "extra_body": s.bad_json_object(modelled(model)), **VOLC_INVALID_CALL,
    }
    if start:
        invalid.update({
            "target_streams": st.one_of(not_a_dict(), st.just({"StreamList": "all"}), st.just({"StreamList": [1]}),
                                        st.integers(18, 40).map(lambda n: {"StreamList": [
                                            {"Index": 0, "UserId": "u", "StreamType": 0}] * n}),
                                        s.not_json().map(lambda v: {"StreamList": [{"UserId": v}]})),
            "duration": s.bad_int(1, 600, required=False), "max_idle_time": s.bad_int(1, 86400, required=False),
            "storage_config": s.bad_json_object(), "control": s.bad_json_object(),
            "identifier": bad_volc_id(required=False),
            "handle": st.one_of(st.integers(), st.floats(), st.sampled_from(["yes", "1", "", "on"]),
                                st.lists(st.booleans(), min_size=1, max_size=1)),
            "fail_if_already_running": s.BAD_FLAG,
        })
    else:
        invalid["fail_if_not_found"] = s.BAD_FLAG
    return invalid


SEGMENT_VALID = {start: segment_kwargs(start) for start in (True, False)}
SEGMENT_INVALID = {start: segment_invalid(start) for start in (True, False)}
_SEGMENT_FULL = {"room_id": "r" * 128, "segment_task_id": "a@b.c-d_e", "app_id": VOLC_APP_ID, "business_id": "biz",
                 "api_version": "2022-06-01", "extra_body": {"FutureField": True}, **FULL_CALL}
SEGMENT_BASE = {
    True: bases({"room_id": "r", "segment_task_id": "t"}, {
        **_SEGMENT_FULL, "target_streams": {"StreamList": [{"Index": 0, "UserId": "u", "StreamType": 0}] * 17},
        "duration": 600, "max_idle_time": "86400", "storage_config": {"Type": 0}, "control": {"Align": True},
        "identifier": "prefix", "handle": "false", "fail_if_already_running": True}),
    False: bases({"room_id": "r", "segment_task_id": "t"}, {**_SEGMENT_FULL, "fail_if_not_found": True}),
}

SEGMENT_CASES = [
    pytest.param(StartSegmentOperator, True, argument, id=f"StartSegment-{argument}")
    for argument in sorted(segment_invalid(True))
] + [
    pytest.param(StopSegmentOperator, False, argument, id=f"StopSegment-{argument}")
    for argument in sorted(segment_invalid(False))
]


@pytest.mark.parametrize(("operator", "start", "argument"), SEGMENT_CASES)
@INVALID
@given(data=st.data())
def test_segment_operators_refuse_every_bad_argument(sandbox, no_connection_lookup, operator, start, argument,
                                                     data):
    kwargs = {**data.draw(SEGMENT_BASE[start]), argument: data.draw(SEGMENT_INVALID[start][argument])}
    assert_refused(lambda: execute(operator(task_id="segment", **kwargs)), argument, sandbox)


@pytest.mark.parametrize("operator", [StartSegmentOperator, StopSegmentOperator])
@VALID
@given(data=st.data())
def test_segment_operators_accept_every_valid_combination(sandbox, connections, operator, data):
    sandbox.reset()
    start = operator is StartSegmentOperator
    kwargs = data.draw(SEGMENT_VALID[start])
    if not start:  # a running task to stop
        execute(StartSegmentOperator(task_id="start", room_id=kwargs["room_id"],
                                     segment_task_id=kwargs["segment_task_id"], api_version=kwargs.get("api_version")))
    result = execute(operator(task_id="segment", **kwargs))
    [call] = assert_accepted(sandbox, "StartSegment" if start else "StopSegment")
    body = json.loads(call.body)
    assert (body["AppId"], body["RoomId"], body["TaskId"]) == (VOLC_APP_ID, kwargs["room_id"],
                                                               kwargs["segment_task_id"])
    assert result.get("already_running", result.get("already_stopped")) is False
    if start and "duration" in kwargs:
        assert body["Duration"] == as_int(kwargs["duration"])


# -- Tencent --------------------------------------------------------------------------------------------------

TENCENT_VALID_CALL, TENCENT_INVALID_CALL = call_arguments("tencent_live_conn_id", "tencent_live_default")
RESUME_VALID = st.fixed_dictionaries({"room_id": s.TENCENT_ROOM_ID}, optional={
    "extra_body": s.extra_body(modelled(tencent_models.ResumeMcuTaskRequest)), **TENCENT_VALID_CALL})
RESUME_INVALID = {
    "room_id": s.bad_text(utf8_bytes=48),
    "extra_body": s.bad_json_object(modelled(tencent_models.ResumeMcuTaskRequest)), **TENCENT_INVALID_CALL,
}
LAYOUT_ENTRY = st.fixed_dictionaries({"LocationX": st.integers(0, 1920), "LocationY": st.integers(0, 1080),
                                      "ImageWidth": st.integers(1, 1920), "ImageHeight": st.integers(1, 1080)})
MIX_VALID = st.fixed_dictionaries(
    {"room_id": s.TENCENT_ROOM_ID, "layout_mode": st.sampled_from([0, 1000, "0", "1000"])},
    optional={
        "video_encode": st.fixed_dictionaries({"Width": s.valid_int(1, 2**31 - 1), "Height": s.valid_int(1, 4096)}),
        "layout_info": st.fixed_dictionaries({}, optional={"LayoutList": st.lists(LAYOUT_ENTRY, max_size=4),
                                                           "MaxUserLayout": s.valid_int(0, 2**31 - 1)}),
        "extra_body": s.extra_body(modelled(tencent_models.SetMixStreamRequest)), **TENCENT_VALID_CALL,
    },
)
MIX_INVALID = {
    "room_id": s.bad_text(utf8_bytes=48),
    "layout_mode": s.bad_choice((0, 1000)),
    "video_encode": st.one_of(
        not_a_dict(), st.just({}), st.just({"Width": 640}), st.just({"Width": 640, "Height": 360, "Fps": 15}),
        item({"Height": 360}, "Width", s.bad_int(1, 2**31 - 1)),
        item({"Width": 640}, "Height", s.bad_int(1, 2**31 - 1)),
    ),
    "layout_info": st.one_of(
        not_a_dict(), st.just({"LayoutList": "grid"}), st.just({"LayoutList": [1]}), st.just({"Other": 1}),
        item({}, "MaxUserLayout", s.bad_int(0, 2**31 - 1, required=False)),
        s.not_json().map(lambda v: {"LayoutList": [{"UserId": v}]}),
    ),
    "extra_body": s.bad_json_object(modelled(tencent_models.SetMixStreamRequest)),
    **TENCENT_INVALID_CALL,
}
RESUME_BASE = bases({"room_id": "r"}, {"room_id": "房" * 16, "extra_body": {"FutureField": 1}, **FULL_CALL})
MIX_BASE = bases(
    {"room_id": "r", "layout_mode": 0},
    {"room_id": "a" * 48, "layout_mode": "1000", "video_encode": {"Width": 1920, "Height": "1080"},
     "layout_info": {"LayoutList": [{"UserId": "u"}], "MaxUserLayout": 9}, "extra_body": {"FutureField": 1},
     **FULL_CALL},
)
TENCENT_CASES = [
    pytest.param(ResumeMcuOperator, RESUME_BASE, RESUME_INVALID, argument, id=f"ResumeMcu-{argument}")
    for argument in sorted(RESUME_INVALID)
] + [
    pytest.param(SetMixStreamOperator, MIX_BASE, MIX_INVALID, argument, id=f"SetMixStream-{argument}")
    for argument in sorted(MIX_INVALID)
]


@pytest.mark.parametrize(("operator", "valid", "invalid", "argument"), TENCENT_CASES)
@INVALID
@given(data=st.data())
def test_tencent_operators_refuse_every_bad_argument(sandbox, no_connection_lookup, operator, valid, invalid,
                                                     argument, data):
    kwargs = {**data.draw(valid), argument: data.draw(invalid[argument])}
    assert_refused(lambda: execute(operator(task_id="mix", **kwargs)), argument, sandbox)


@pytest.mark.parametrize(("operator", "valid", "command"), [
    (ResumeMcuOperator, RESUME_VALID, "resume_mcu_task"), (SetMixStreamOperator, MIX_VALID, "set_mix_stream")])
@VALID
@given(data=st.data())
def test_tencent_operators_accept_every_valid_combination(sandbox, connections, operator, valid, command, data):
    sandbox.reset()
    kwargs = data.draw(valid)
    sandbox.route("tencent").create_room(kwargs["room_id"], mix="paused")
    execute(operator(task_id="mix", **kwargs))
    [call] = assert_accepted(sandbox, command)
    body = json.loads(call.body)
    assert body["RoomId"] == kwargs["room_id"]
    if "layout_mode" in kwargs:
        assert body["LayoutMode"] == as_int(kwargs["layout_mode"])


def test_the_properties_can_fail(sandbox, no_connection_lookup):
    """A guard against vacuous properties: a valid value is not refused, and a refusal of the
    wrong argument is noticed."""
    with pytest.raises(AssertionError):  # valid arguments: the look-up guard trips, not a refusal
        assert_refused(lambda: execute(ResumeMcuOperator(task_id="r", room_id="ok")), "room_id", sandbox)
    with pytest.raises(AssertionError):
        assert_refused(lambda: execute(ResumeMcuOperator(task_id="r", room_id="")), "extra_body", sandbox)
    with pytest.raises(RtcValidationError):
        execute(ResumeMcuOperator(task_id="r", room_id=""))
