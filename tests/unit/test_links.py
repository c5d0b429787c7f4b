"""Operator extra links: registered, attached to StartAutoMixOperator, and built only from safe URLs."""

from __future__ import annotations

import pytest

from airflow_provider_rtc import links
from airflow_provider_rtc.get_provider_info import get_provider_info
from airflow_provider_rtc.operators.zego import StartAutoMixOperator

ANSWER = {"request_id": "r", "data": {"RoomId": "room", "PlayInfo": [
    {"StreamId": "out", "RTMP": "rtmp://pull.example.com/live/out", "HLS": "https://pull.example.com/live/out.m3u8",
     "FLV": ""},
    {"StreamId": "out2", "RTMP": "rtmp://pull.example.com/live/out2", "HLS": "", "FLV": "https://p.example.com/o2.flv"},
]}}


def test_every_registered_link_class_exists_and_start_auto_mix_carries_them():
    registered = get_provider_info()["extra-links"]
    classes = [getattr(links, path.rpartition(".")[2]) for path in registered]
    assert all(issubclass(cls, links.BaseOperatorLink) for cls in classes)
    assert sorted(type(link).__name__ for link in StartAutoMixOperator.operator_extra_links) == sorted(
        cls.__name__ for cls in classes)
    assert {link.name for link in StartAutoMixOperator.operator_extra_links} == {
        "Mix playback (HLS)", "Mix playback (FLV)"}


@pytest.mark.parametrize(("field", "expected"), [
    ("HLS", "https://pull.example.com/live/out.m3u8"),
    ("FLV", "https://p.example.com/o2.flv"),  # the first output without one is passed over
])
def test_playback_url_is_the_first_output_that_has_the_format(field, expected):
    assert links.playback_url(ANSWER, field) == expected


@pytest.mark.parametrize("result", [
    None, "text", {"data": None}, {"data": {"PlayInfo": None}}, {"data": {"PlayInfo": [None, 3]}},
    {"data": {"PlayInfo": [{"HLS": "javascript:alert(1)"}]}},  # would become an href in the UI
    {"data": {"PlayInfo": [{"HLS": "file:///etc/passwd"}]}},
    {"data": {"PlayInfo": [{"HLS": "rtmp://pull.example.com/live/out"}]}},  # the UI renders http(s) only
    {"data": {"PlayInfo": [{"HLS": 42}]}},
])
def test_no_playback_url_when_the_answer_has_none_or_an_unsafe_one(result):
    assert links.playback_url(result, "HLS") == ""
