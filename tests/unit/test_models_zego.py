"""ZEGO request validation: documented limits, field-naming errors, extra_body rules."""

import pytest

from airflow_provider_rtc.errors import RtcValidationError
from airflow_provider_rtc.models.base import build_request
from airflow_provider_rtc.models.zego import MixOutputItem, StartAsrRequest, StartAutoMixRequest

ARGS = {"MixOutput": "mix_output", "ExtraMixInput": "extra_mix_input", "RecvBufferLevel": "recv_buffer_level",
        "UserData": "user_data", "AlignmentType": "alignment_type"}
BASE = {"TaskId": "t", "UserId": "u", "RoomId": "r", "MixOutput": [{"StreamId": "out"}]}


def build(**changes):
    return build_request(StartAutoMixRequest, {**BASE, **changes}, argument_names=ARGS)


def test_minimal_request_matches_zego_example_shape():
    assert build() == {"TaskId": "t", "UserId": "u", "RoomId": "r", "MixOutput": [{"StreamId": "out"}]}


def test_models_and_dicts_mix_and_templated_numbers_are_accepted():
    body = build(MixOutput=[MixOutputItem(StreamUrl="rtmp://cdn/live/a", AudioCodec=3)], Sequence="7",
                 SoundChannel=2, RecvBufferLevel="4000")
    assert body["MixOutput"] == [{"StreamUrl": "rtmp://cdn/live/a", "AudioCodec": 3}]
    assert (body["Sequence"], body["SoundChannel"], body["RecvBufferLevel"]) == (7, "2", 4000)


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"MixOutput": []}, "mix_output", "at least 1"),
        ({"MixOutput": [{"StreamId": f"o{i}"} for i in range(4)]}, "mix_output", "at most 3"),
        ({"MixOutput": [{"AudioCodec": 1}]}, "mix_output", "StreamId or StreamUrl"),
        ({"MixOutput": [{"StreamUrl": "http://not-rtmp"}]}, "mix_output", "pattern"),
        ({"ExtraMixInput": [{"StreamId": f"s{i}"} for i in range(10)]}, "extra_mix_input", "at most 9"),
        ({"ExtraMixInput": [{"StreamId": "s", "Volume": 201}]}, "extra_mix_input", "less than or equal to 200"),
        ({"ExtraMixInput": [{"StreamId": "s", "Volume": -1}]}, "extra_mix_input", "greater than or equal to 0"),
        ({"RecvBufferLevel": 4001}, "recv_buffer_level", "less than or equal to 4000"),
        ({"AlignmentType": 3}, "alignment_type", "Input should be 0, 1 or 2"),
        ({"UserData": "not base64!"}, "user_data", "base64"),
        ({"UserData": "QUJD" * 1001}, "user_data", "4000 bytes"),
        ({"TaskId": ""}, "TaskId", "at least 1 character"),
        ({"RoomId": None}, "RoomId", "valid string"),
        ({"Sequence": True}, "Sequence", "valid integer"),
        ({"Sequence": 1.5}, "Sequence", "valid integer"),
        ({"Bogus": 1}, "Bogus", "Extra inputs"),
    ],
)
def test_violations_name_the_field_and_the_rule(changes, field, rule):
    with pytest.raises(RtcValidationError) as info:
        build(**changes)
    assert info.value.field.startswith(field), info.value
    assert rule in info.value.rule


def test_extra_body_adds_unmodelled_fields_but_never_overrides_modelled_ones():
    body = build_request(StartAutoMixRequest, BASE, extra_body={"FutureField": {"x": 1}})
    assert body["FutureField"] == {"x": 1}
    with pytest.raises(RtcValidationError, match="extra_body.*TaskId"):
        build_request(StartAutoMixRequest, BASE, extra_body={"TaskId": "other"})
    # A modelled field that was left unset may not be smuggled in either.
    with pytest.raises(RtcValidationError, match="RecvBufferLevel"):
        build_request(StartAutoMixRequest, BASE, extra_body={"RecvBufferLevel": 99999})


def test_asr_rules():
    ok = build_request(StartAsrRequest, {"RoomId": "r", "ASR": {"HotWord": "zego|10,airflow|5",
                                                                "Params": {"engine_model_type": "16k_en"},
                                                                "VADSilenceSegmentation": 500}})
    assert ok["ASR"]["Params"] == {"engine_model_type": "16k_en"}
    for asr in ({"VADSilenceSegmentation": 100}, {"Params": {"engine_model_type": "8k_zh"}},
                {"HotWord": "no-weight"}, {"HotWord": ",".join(f"w{i}|1" for i in range(129))}):
        with pytest.raises(RtcValidationError):
            build_request(StartAsrRequest, {"RoomId": "r", "ASR": asr})
