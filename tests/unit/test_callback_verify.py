"""Verification of raw callback deliveries: each vendor's shape, signature, app id, freshness, bad input."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from airflow_provider_rtc.callbacks.verify import (
    FRESHNESS_SECONDS,
    MAX_BODY_BYTES,
    CallbackRejected,
    CallbackSecrets,
    Delivery,
    parse_event_time,
    verify,
)
from airflow_provider_rtc.sandbox.callbacks import (
    Outgoing,
    tencent_im_callback,
    trtc_callback,
    volcengine_callback,
    zego_asr_callback,
    zego_rtc_callback,
)
from tests.unit.test_signing_callbacks import TRTC_EXAMPLE_BODY

NOW = 1_700_000_000.0
SECRETS = {
    "zego": CallbackSecrets(app_id="1234567890", zego_callback_secret="zego-cb-secret"),
    "volcengine": CallbackSecrets(app_id="volc-app", volcengine_callback_secret_key="volc-cb-key"),
    "tencent": CallbackSecrets(app_id="1400000001", tencent_callback_token="im-token",
                               trtc_callback_secret="trtcKey123"),
}


def delivery(outgoing: Outgoing) -> Delivery:
    return Delivery(body=outgoing.body, query=dict(outgoing.query),
                    headers={k.lower(): v for k, v in outgoing.headers.items()})


def rejected(vendor: str, d: Delivery, secrets: CallbackSecrets | None = None, now: float = NOW) -> CallbackRejected:
    with pytest.raises(CallbackRejected) as info:
        verify(vendor, d, secrets or SECRETS[vendor], now=now)
    return info.value


def zego(**overrides) -> Outgoing:
    args = {"secret": "zego-cb-secret", "app_id": 1234567890, "event": "stream_close",
            "fields": {"room_id": "room-1", "stream_id": "host-cam", "user_id": "host"},
            "timestamp": int(NOW), "nonce": "123412"}
    args.update(overrides)
    return zego_rtc_callback(**args)


# -- ZEGO ------------------------------------------------------------------------------------------


def test_zego_rtc_json_verifies_and_normalises():
    event = verify("zego", delivery(zego()), SECRETS["zego"], now=NOW)
    assert (event.product, event.kind, event.app_id, event.room_id, event.stream_id, event.user_id) == (
        "rtc", "stream_close", "1234567890", "room-1", "host-cam", "host")
    extra = event.extra()
    assert "signature" not in json.dumps(extra) and "zego-cb-secret" not in json.dumps(extra)
    assert extra["delivery"]["key"] == f"zego:1234567890:{int(NOW)}:123412"


def test_zego_worked_example_delivery_verifies():
    # The published vector as a whole delivery: secret "secret", timestamp 1470820198, nonce 123412.
    body = {"event": "room_close", "appid": 1, "timestamp": 1470820198, "nonce": 123412, "room_id": "r",
            "signature": "5bd59fd62953a8059fb7eaba95720f66d19e4517"}
    event = verify("zego", Delivery(json.dumps(body).encode()), CallbackSecrets(app_id="1", zego_callback_secret="secret"),
                   now=1470820198 + 10)
    assert event.kind == "room_close"


def test_zego_strings_instead_of_numbers_verify():
    out = zego()
    body = json.loads(out.body)
    body["appid"], body["timestamp"] = str(body["appid"]), str(body["timestamp"])
    assert verify("zego", Delivery(json.dumps(body).encode()), SECRETS["zego"], now=NOW).app_id == "1234567890"


def test_zego_form_urlencoded_verifies_and_is_decoded():
    out = zego(fields={"room_id": "room 1/é", "stream_id": "s"}, form=True)
    event = verify("zego", delivery(out), SECRETS["zego"], now=NOW)
    assert event.room_id == "room 1/é"


def test_zego_url_encoded_json_values_are_decoded():
    out = zego(fields={"room_id": "room%201", "stream_id": "s"})
    assert verify("zego", delivery(out), SECRETS["zego"], now=NOW).room_id == "room 1"


def test_zego_asr_is_told_apart_by_shape():
    out = zego_asr_callback("zego-cb-secret", 1234567890, "Exception", {"TaskId": "asr-1", "RoomId": "room-1",
                            "Data": {"Code": 1202}}, timestamp_ms=int(NOW * 1000), nonce="abc")
    event = verify("zego", delivery(out), SECRETS["zego"], now=NOW)
    assert (event.product, event.kind, event.task_id, event.room_id) == ("asr", "Exception", "asr-1", "room-1")
    assert event.data["Data"] == {"Code": 1202} and "Signature" not in event.data


def test_zego_wrong_secret_is_refused():
    assert rejected("zego", delivery(zego(secret="other"))).status == 401


def test_zego_server_secret_is_not_the_callback_secret():
    # A connection configured with the ServerSecret by mistake must not verify callbacks.
    secrets = CallbackSecrets(app_id="1234567890", zego_callback_secret="sandbox0zego0server0secret0000000")
    assert rejected("zego", delivery(zego()), secrets).status == 401


def test_zego_without_callback_secret_is_refused_clearly():
    error = rejected("zego", delivery(zego()), CallbackSecrets(app_id="1234567890"))
    assert error.status == 403 and "callback_secret" in error.reason


def test_zego_wrong_app_id_is_refused():
    error = rejected("zego", delivery(zego(app_id=999)))
    assert error.status == 403 and "app id" in error.reason


@pytest.mark.parametrize("offset", [FRESHNESS_SECONDS["zego"] + 1, -FRESHNESS_SECONDS["zego"] - 1])
def test_zego_stale_or_future_timestamp_is_refused(offset):
    assert rejected("zego", delivery(zego(timestamp=int(NOW - offset)))).status == 401


@pytest.mark.parametrize("field", ["appid", "event", "nonce", "timestamp"])
def test_zego_missing_field_is_named(field):
    body = json.loads(zego().body)
    del body[field]
    error = rejected("zego", Delivery(json.dumps(body).encode()))
    assert error.status == 400 and field in error.reason


@pytest.mark.parametrize("value", [None, True, 1.5, [1], {"a": 1}])
def test_zego_wrong_types_are_refused(value):
    body = json.loads(zego().body)
    body["timestamp"] = value
    assert rejected("zego", Delivery(json.dumps(body).encode())).status == 400


@pytest.mark.parametrize("signature", [None, 12345, ["x"], "é" * 40])
def test_zego_odd_signature_values_are_refused_not_crashing(signature):
    body = json.loads(zego().body)
    body["signature"] = signature
    assert rejected("zego", Delivery(json.dumps(body).encode())).status == 401


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b"\xff\xfe", b'{"a":' * 5000, b"null"])
def test_non_json_bodies_are_refused(body):
    for vendor in ("zego", "volcengine"):
        assert rejected(vendor, Delivery(body)).status == 400


def test_zego_event_name_must_be_a_safe_asset_segment():
    assert rejected("zego", delivery(zego(event="../../etc"))).status == 400


def test_huge_body_is_refused_before_parsing():
    assert rejected("zego", Delivery(b"{" + b" " * MAX_BODY_BYTES + b"}")).status == 413


# -- Volcengine ------------------------------------------------------------------------------------


def volc(**overrides) -> Outgoing:
    args = {"secret_key": "volc-cb-key", "app_id": "volc-app", "event_type": "SegmentRealTimeData",
            "event_data": {"RoomId": "room-1", "TaskId": "seg-1", "Data": [{"Url": "https://x/1.aac"}]},
            "event_time": NOW, "event_id": "evt-1", "nonce": "0042"}
    args.update(overrides)
    return volcengine_callback(**args)


def test_volcengine_verifies_and_parses_event_data():
    event = verify("volcengine", delivery(volc()), SECRETS["volcengine"], now=NOW)
    assert (event.kind, event.room_id, event.task_id, event.delivery_key) == (
        "SegmentRealTimeData", "room-1", "seg-1", "volcengine:volc-app:evt-1")
    assert event.data["EventData"]["Data"] == [{"Url": "https://x/1.aac"}] and "Signature" not in event.data


def test_byteplus_noce_spelling_verifies():
    event = verify("volcengine", delivery(volc(byteplus=True)), SECRETS["volcengine"], now=NOW)
    assert event.kind == "SegmentRealTimeData"


def test_volcengine_event_data_reformatted_breaks_the_signature():
    envelope = json.loads(volc().body)
    envelope["EventData"] = json.dumps(json.loads(envelope["EventData"]), indent=1)
    assert rejected("volcengine", Delivery(json.dumps(envelope).encode())).status == 401


def test_volcengine_event_data_is_verified_as_received_not_as_parsed():
    # Whitespace inside the string is part of what was signed: a body signed that way verifies.
    out = volcengine_callback("volc-cb-key", "volc-app", "RecordStopped", {}, event_time=NOW, event_id="e", nonce="1")
    envelope = json.loads(out.body)
    envelope["EventData"] = '{ "RoomId" : "r" }'
    from airflow_provider_rtc.signing.callbacks import VOLCENGINE_SIGNED_FIELDS, volcengine_callback_signature

    envelope["Signature"] = volcengine_callback_signature(
        "volc-cb-key", [envelope[n] for n in VOLCENGINE_SIGNED_FIELDS], envelope["Nonce"])
    assert verify("volcengine", Delivery(json.dumps(envelope).encode()), SECRETS["volcengine"], now=NOW).room_id == "r"


@pytest.mark.parametrize("field", ["EventType", "EventData", "EventTime", "EventId", "AppId", "Version", "Nonce"])
def test_volcengine_missing_field_is_named(field):
    envelope = json.loads(volc().body)
    del envelope[field]
    error = rejected("volcengine", Delivery(json.dumps(envelope).encode()))
    assert error.status == 400 and (field in error.reason or "Noce" in error.reason)


def test_volcengine_number_instead_of_string_is_refused():
    envelope = json.loads(volc().body)
    envelope["AppId"] = 123
    assert rejected("volcengine", Delivery(json.dumps(envelope).encode())).status == 400


def test_volcengine_wrong_app_stale_and_unconfigured():
    assert rejected("volcengine", delivery(volc(app_id="other"))).status == 403
    assert rejected("volcengine", delivery(volc(event_time=NOW - FRESHNESS_SECONDS["volcengine"] - 5))).status == 401
    error = rejected("volcengine", delivery(volc()), CallbackSecrets(app_id="volc-app"))
    assert error.status == 403 and "callback_secret_key" in error.reason


def test_volcengine_without_app_id_on_the_connection_skips_the_app_check():
    assert verify("volcengine", delivery(volc(app_id="any")),
                  CallbackSecrets(app_id=None, volcengine_callback_secret_key="volc-cb-key"), now=NOW).app_id == "any"


@pytest.mark.parametrize("text, expected", [
    ("2023-11-14T22:13:20Z", 1_700_000_000.0),
    ("2023-11-14T22:13:20.123456789Z", 1_700_000_000.123456),
    ("2023-11-15T06:13:20+08:00", 1_700_000_000.0),
])
def test_event_time_parsing(text, expected):
    assert parse_event_time(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["yesterday", "2023-11-14", "2023-11-14T22:13:20", ""])
def test_event_time_garbage_is_an_error(text):
    with pytest.raises(ValueError):
        parse_event_time(text)


# -- Tencent IM and TRTC ---------------------------------------------------------------------------


def im(**overrides) -> Outgoing:
    args = {"token": "im-token", "sdkappid": 1400000001, "command": "Live.CallbackAfterDestroyRoom",
            "body": {"RoomInfo": {"RoomId": "room-1"}}, "request_time": int(NOW)}
    args.update(overrides)
    return tencent_im_callback(**args)


def test_tencent_im_verifies():
    event = verify("tencent", delivery(im()), SECRETS["tencent"], now=NOW)
    assert (event.product, event.kind, event.room_id) == ("im", "Live.CallbackAfterDestroyRoom", "room-1")
    assert "Sign" not in event.data["query"]


def test_tencent_im_worked_example_delivery_verifies():
    query = {"SdkAppid": "1400000001", "CallbackCommand": "Live.CallbackAfterCreateRoom", "RequestTime": "1669872112",
             "Sign": "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"}
    event = verify("tencent", Delivery(b'{"RoomId": "r"}', query=query),
                   CallbackSecrets(app_id="1400000001", tencent_callback_token="xxxxyyyy"), now=1669872112 + 30)
    assert event.room_id == "r"


def test_tencent_im_query_names_match_case_insensitively():
    out = im()
    query = {("SdkAppId" if k == "SdkAppid" else k): v for k, v in out.query.items()}
    assert verify("tencent", Delivery(out.body, query=query), SECRETS["tencent"], now=NOW).app_id == "1400000001"


def test_tencent_im_60_second_window():
    assert verify("tencent", delivery(im(request_time=int(NOW) - 59)), SECRETS["tencent"], now=NOW)
    assert rejected("tencent", delivery(im(request_time=int(NOW) - 61))).status == 401


def test_tencent_im_wrong_app_token_and_missing_query():
    assert rejected("tencent", delivery(im(sdkappid=1400009999))).status == 403
    assert rejected("tencent", delivery(im(token="other"))).status == 401
    out = im()
    for name in ("Sign", "RequestTime", "CallbackCommand", "SdkAppid"):
        query = {k: v for k, v in out.query.items() if k != name}
        error = rejected("tencent", Delivery(out.body, query=query))
        assert error.status == 400 and name in error.reason
    assert rejected("tencent", Delivery(out.body, query={**out.query, "RequestTime": "1e9"})).status == 400


def test_trtc_worked_example_verifies_exact_bytes():
    headers = {"sign": "kkoFeO3Oh2ZHnjtg8tEAQhtXK16/KI05W3BQff8IvGA=", "sdkappid": "1400000001"}
    event = verify("tencent", Delivery(TRTC_EXAMPLE_BODY, headers=headers),
                   CallbackSecrets(app_id="1400000001", trtc_callback_secret="123654"), now=1664209748.188 + 5)
    assert (event.product, event.kind, event.room_id, event.user_id) == ("trtc", "trtc.204", "8489", "user_85034614")


def test_trtc_tampered_body_wrong_key_and_unconfigured():
    out = trtc_callback("trtcKey123", 1400000001, 1, 102, {"RoomId": "room-1"}, callback_ts_ms=int(NOW * 1000))
    assert verify("tencent", delivery(out), SECRETS["tencent"], now=NOW).kind == "trtc.102"
    tampered = Delivery(out.body.replace(b"room-1", b"room-2"), headers={k.lower(): v for k, v in out.headers.items()})
    assert rejected("tencent", tampered).status == 401
    assert rejected("tencent", delivery(out), CallbackSecrets(app_id="1400000001", trtc_callback_secret="x")).status == 401
    error = rejected("tencent", delivery(out), CallbackSecrets(app_id="1400000001", tencent_callback_token="t"))
    assert error.status == 403 and "trtc_callback_secret" in error.reason


def test_trtc_stale_and_wrong_types():
    stale = trtc_callback("trtcKey123", 1400000001, 1, 102, {}, callback_ts_ms=int((NOW - 3600) * 1000))
    assert rejected("tencent", delivery(stale)).status == 401
    from airflow_provider_rtc.signing.callbacks import trtc_callback_sign

    body = json.dumps({"EventGroupId": 1, "EventType": "102", "CallbackTs": int(NOW * 1000)}).encode()
    headers = {"sign": trtc_callback_sign("trtcKey123", body), "sdkappid": "1400000001"}
    assert rejected("tencent", Delivery(body, headers=headers)).status == 400


def test_unknown_vendor():
    assert rejected("agora", Delivery(b"{}"), CallbackSecrets(app_id=None)).status == 404


def test_form_body_that_is_not_utf8_is_refused():
    d = Delivery(b"event=\xff", headers={"content-type": "application/x-www-form-urlencoded"})
    assert rejected("zego", d).status == 400
    d = Delivery(urlencode({"event": "x"}).encode(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert rejected("zego", d).status == 400


def test_form_with_too_many_fields_is_refused():
    d = Delivery(b"&".join(b"f%d=1" % n for n in range(500)),
                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert rejected("zego", d).status == 400
