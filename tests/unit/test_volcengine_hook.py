"""Volcengine hook, models and operators without any network: error table, envelope interpreter,
connection parsing and request building (checked by the sandbox's independent verifier)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

import pytest

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.catalogue.volcengine import ERRORS as VOLCENGINE_ERRORS
from airflow_provider_rtc.errors import (
    ErrorKind,
    RtcApiError,
    RtcAuthError,
    RtcClockSkewError,
    RtcConfigError,
    RtcNotFoundError,
    RtcValidationError,
)
from airflow_provider_rtc.hooks.answers import interpret
from airflow_provider_rtc.hooks.calls import HttpResponse, VendorCall
from airflow_provider_rtc.hooks.clock import Clock
from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
from airflow_provider_rtc.sandbox.volcengine_verify import verify_v4
from tests.conftest import set_connection


def interpret_volcengine(call, response):
    """The shared interpreter with the volcengine answer format, as the hook uses it."""
    return interpret(catalogue.answer_format("volcengine"), call, response)


def classify_volcengine(code, *, http_status: int = 200):
    return VOLCENGINE_ERRORS.classify(code, http_status=http_status)


AK = "AKLTunit000000000000"
SK = "unit-secret-access-key-0000000000"
CALL = VendorCall(action="StartSegment", version="2020-12-01", body={"AppId": "a"})


def envelope(*, result=None, code=None, code_n=None, message="", request_id="req-1") -> bytes:
    metadata = {"RequestId": request_id, "Action": "StartSegment", "Version": "2020-12-01", "Service": "rtc",
                "Region": "cn-north-1"}
    if code is not None or code_n is not None:
        metadata["Error"] = {k: v for k, v in {"Code": code, "CodeN": code_n, "Message": message}.items()
                             if v is not None}
    document = {"ResponseMetadata": metadata}
    if result is not None:
        document["Result"] = result
    return json.dumps(document).encode()


# -- error table ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("FlowLimitExceeded.QPSOverLimit", 200, ErrorKind.RETRYABLE),
        ("FlowLimitExceeded.QPSOverLimit", 429, ErrorKind.RETRYABLE),
        ("MissingAuthenticationToken", 401, ErrorKind.AUTH),
        ("MissingSignature", 401, ErrorKind.AUTH),
        ("InvalidAccessKey", 401, ErrorKind.AUTH),
        ("SignatureDoesNotMatch", 401, ErrorKind.AUTH),
        ("LackPolicy", 403, ErrorKind.AUTH),
        ("AccessDenied", 403, ErrorKind.AUTH),
        ("InvalidTimestamp", 400, ErrorKind.CLOCK_SKEW),
        ("InvalidParameter.ErrorActiveTaskNotFound", 200, ErrorKind.NOT_FOUND),
        ("InvalidParameter.TaskAlreadyExists", 200, ErrorKind.ALREADY_EXISTS),
        ("InvalidParameter.IllegalRoomID", 200, ErrorKind.INVALID),
        ("InvalidParameter.NotExistAppId", 400, ErrorKind.INVALID),
        ("InvalidParameter.SomethingNew", 200, ErrorKind.INVALID),  # any InvalidParameter.*
        ("MissingParameter", 400, ErrorKind.INVALID),
        ("InvalidActionOrVersion", 404, ErrorKind.INVALID),
        ("FlowLimitExceeded.TaskNumberOverLimit", 200, ErrorKind.FAILED),  # a quota: retrying cannot help
        ("SomeNewCode", 503, ErrorKind.RETRYABLE),  # unknown behind a 5xx: the gateway is unwell
        ("SomeNewCode", 403, ErrorKind.AUTH),  # unknown behind 401/403: still a permission problem
        ("SomeNewCode", 200, ErrorKind.FAILED),
    ],
)
def test_error_classification(code, status, kind):
    assert classify_volcengine(code, http_status=status) is kind


def test_error_table_is_data():
    assert "SignatureDoesNotMatch" in VOLCENGINE_ERRORS.auth
    assert VOLCENGINE_ERRORS.clock_skew == frozenset({"InvalidTimestamp"})


# -- interpreter ---------------------------------------------------------------------------------


def test_success_envelope():
    result = interpret_volcengine(CALL, HttpResponse(200, envelope(result="ok", request_id="r-42")))
    assert (result.request_id, result.data) == ("r-42", "ok")


def test_empty_error_object_is_success():
    body = json.dumps({"ResponseMetadata": {"RequestId": "r", "Error": {"Code": "", "Message": ""}},
                       "Result": {"x": 1}}).encode()
    assert interpret_volcengine(CALL, HttpResponse(200, body)).data == {"x": 1}


def test_http_200_with_error_is_failure():
    with pytest.raises(RtcApiError) as caught:
        interpret_volcengine(CALL, HttpResponse(200, envelope(code="InvalidParameter.TaskAlreadyExists",
                                                             message="task exists")))
    error = caught.value
    assert error.kind is ErrorKind.ALREADY_EXISTS
    assert error.code == "InvalidParameter.TaskAlreadyExists"
    assert error.http_status is None and error.request_id == "req-1"
    assert "task exists" in str(error) and not error.may_have_executed


def test_http_200_not_found_is_typed():
    with pytest.raises(RtcNotFoundError):
        interpret_volcengine(CALL, HttpResponse(200, envelope(code="InvalidParameter.ErrorActiveTaskNotFound")))


def test_gateway_auth_error_with_status():
    body = envelope(code="SignatureDoesNotMatch", code_n=100010, message="The request signature we calculated ...")
    with pytest.raises(RtcAuthError) as caught:
        interpret_volcengine(CALL, HttpResponse(401, body))
    assert caught.value.http_status == 401 and "SignatureDoesNotMatch" in str(caught.value)


def test_gateway_clock_error():
    with pytest.raises(RtcClockSkewError):
        interpret_volcengine(CALL, HttpResponse(400, envelope(code="InvalidTimestamp", code_n=100006)))


def test_code_n_only():
    with pytest.raises(RtcApiError) as caught:
        interpret_volcengine(CALL, HttpResponse(500, envelope(code_n=999999)))
    assert caught.value.code == "999999" and caught.value.retryable


def test_throttled_envelope_is_retryable_and_not_executed():
    with pytest.raises(RtcApiError) as caught:
        interpret_volcengine(CALL, HttpResponse(200, envelope(code="FlowLimitExceeded.QPSOverLimit")))
    assert caught.value.retryable and not caught.value.may_have_executed


def test_5xx_envelope_may_have_executed():
    with pytest.raises(RtcApiError) as caught:
        interpret_volcengine(CALL, HttpResponse(502, envelope(code="InternalError")))
    assert caught.value.retryable and caught.value.may_have_executed and caught.value.http_status == 502


def test_non_2xx_envelope_without_error():
    with pytest.raises(RtcApiError) as caught:
        interpret_volcengine(CALL, HttpResponse(429, envelope(result=None), retry_after=2.0))
    assert caught.value.retryable and caught.value.retry_after == 2.0


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"not json at all"),
        (200, b"<html><body>gateway</body></html>"),
        (200, b""),
        (200, b'{"ResponseMetadata": {"RequestId": "x"'),  # truncated
        (200, b"[1, 2]"),
        (200, b'{"Result": "ok"}'),  # no ResponseMetadata
    ],
)
def test_unreadable_2xx_is_retryable_and_possibly_executed(status, body):
    with pytest.raises(RtcApiError) as caught:
        interpret_volcengine(CALL, HttpResponse(status, body))
    assert caught.value.kind is ErrorKind.RETRYABLE and caught.value.may_have_executed


def test_html_error_page_is_http_error():
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    with pytest.raises(RtcApiError) as caught:
        interpret_volcengine(CALL, HttpResponse(502, page))
    assert caught.value.http_status == 502 and caught.value.retryable and "502 Bad Gateway" in str(caught.value)
    with pytest.raises(RtcApiError) as caught:
        interpret_volcengine(CALL, HttpResponse(404, page))
    assert caught.value.kind is ErrorKind.FAILED


def test_signature_in_vendor_message_is_scrubbed():
    leaked = "ab" * 32
    with pytest.raises(RtcApiError) as caught:
        interpret_volcengine(CALL, HttpResponse(401, envelope(code="SignatureDoesNotMatch",
                                                             message=f"expected {leaked}")))
    assert leaked not in str(caught.value)


# -- connection parsing --------------------------------------------------------------------------


def make_hook(monkeypatch, *, conn_id="volc_unit", host=None, login=AK, password=SK, **extra) -> VolcengineRtcHook:
    document = {"conn_type": "volcengine_rtc", "login": login, "password": password, "extra": extra}
    if host is not None:
        document["host"] = host
    set_connection(monkeypatch, conn_id, document)
    return VolcengineRtcHook(conn_id)


def test_defaults(monkeypatch):
    config = make_hook(monkeypatch).config
    assert config.base_url == "https://rtc.volcengineapi.com"
    assert (config.region, config.service, config.app_id, config.session_token) == ("cn-north-1", "rtc", None, None)
    assert not config.is_byteplus


def test_config_repr_hides_secrets(monkeypatch):
    config = make_hook(monkeypatch, session_token="sts-token-value").config
    assert SK not in repr(config) and "sts-token-value" not in repr(config)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"host": "http://rtc.example.com"}, ["host", "loopback"]),
        ({"host": "ftp://rtc.example.com"}, ["host", "scheme"]),
        ({"password": ""}, ["SecretAccessKey", "empty"]),
        ({"password": "   "}, ["SecretAccessKey"]),
        ({"login": ""}, ["AccessKeyId"]),
        ({"region": "cn north/1"}, ["region"]),
        ({"service": "r t c"}, ["service"]),
        ({"timeout": "soon"}, ["timeout"]),
    ],
)
def test_config_errors(monkeypatch, kwargs, words):
    hook = make_hook(monkeypatch, **kwargs)
    with pytest.raises(RtcConfigError) as caught:
        hook.config  # noqa: B018
        hook.settings  # noqa: B018
    assert all(word in str(caught.value) for word in words), str(caught.value)
    assert SK not in str(caught.value)


def test_loopback_http_and_port(monkeypatch):
    assert make_hook(monkeypatch, host="http://127.0.0.1:8900").config.base_url == "http://127.0.0.1:8900"


def test_default_app_id(monkeypatch):
    hook = make_hook(monkeypatch, app_id="conn-app")
    assert hook.default_app_id("explicit-app") == "explicit-app"
    assert hook.default_app_id(None) == "conn-app"
    assert hook.default_app_id("  ") == "conn-app"
    bare = make_hook(monkeypatch, conn_id="volc_bare")
    with pytest.raises(RtcValidationError) as caught:
        bare.default_app_id(None)
    assert caught.value.field == "app_id" and "volc_bare" in str(caught.value)


# -- request building ----------------------------------------------------------------------------


FIXED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def verify(request, *, region="cn-north-1", service="rtc", tokens=None, now=FIXED):
    """Check a built request the way the sandbox does, from what would go on the wire."""
    parts = urlsplit(request.url)
    return verify_v4(
        method=request.method, raw_path=parts.path, raw_query=urlencode(request.params, doseq=True),
        headers=request.headers, body=request.body or b"", secrets={AK: SK}, session_tokens=tokens, now=now,
        region=region, service=service,
    )


def test_post_request_is_signed_over_the_exact_body(monkeypatch):
    hook = make_hook(monkeypatch)
    hook.clock = Clock(wall=lambda: (FIXED).timestamp())
    request = hook.build_request(VendorCall(action="StartSegment", version="2020-12-01",
                                            body={"AppId": "a", "RoomId": "房间", "Control": {"x": [1, 2]}}))
    assert request.method == "POST" and request.url == "https://rtc.volcengineapi.com/"
    assert request.params == {"Action": "StartSegment", "Version": "2020-12-01"}
    assert json.loads(request.body) == {"AppId": "a", "RoomId": "房间", "Control": {"x": [1, 2]}}
    assert request.headers["X-Content-Sha256"] == hashlib.sha256(request.body).hexdigest()
    assert request.headers["X-Date"] == "20240506T070809Z"
    assert request.headers["Host"] == "rtc.volcengineapi.com"
    authorization = request.headers["Authorization"]
    assert authorization.startswith(f"HMAC-SHA256 Credential={AK}/20240506/cn-north-1/rtc/request, "
                                    "SignedHeaders=content-type;host;x-content-sha256;x-date, Signature=")
    signature = authorization.rpartition("Signature=")[2]
    assert signature not in json.dumps(request.params)
    assert verify(request).ok


def test_get_request_puts_parameters_in_the_query(monkeypatch):
    hook = make_hook(monkeypatch)
    hook.clock = Clock(wall=lambda: (FIXED).timestamp())
    request = hook.build_request(VendorCall(
        action="GetRoomOnlineUsers", version="2023-11-01", method="GET",
        query={"AppId": "a", "RoomId": "r 1+2*~", "Flag": True, "Count": 3, "UserIds": ["u1", "u2"], "Skip": None},
    ))
    assert request.body is None
    assert request.params == {"AppId": "a", "RoomId": "r 1+2*~", "Flag": "true", "Count": "3",
                              "UserIds": ["u1", "u2"], "Action": "GetRoomOnlineUsers", "Version": "2023-11-01"}
    assert request.headers["X-Content-Sha256"] == hashlib.sha256(b"").hexdigest()
    assert verify(request).ok


def test_every_build_is_signed_afresh(monkeypatch):
    hook = make_hook(monkeypatch)
    times = iter([FIXED, FIXED + timedelta(seconds=1)])
    hook.clock = Clock(wall=lambda: (next(times)).timestamp())
    call = VendorCall(action="StopSegment", version="2020-12-01", body={"AppId": "a"})
    first, second = hook.build_request(call), hook.build_request(call)
    assert first.headers["X-Date"] != second.headers["X-Date"]
    assert first.headers["Authorization"] != second.headers["Authorization"]


def test_session_token_is_sent_and_signed(monkeypatch):
    hook = make_hook(monkeypatch, session_token="sts-token-value")
    hook.clock = Clock(wall=lambda: (FIXED).timestamp())
    request = hook.build_request(CALL)
    assert request.headers["X-Security-Token"] == "sts-token-value"
    assert "SignedHeaders=content-type;host;x-content-sha256;x-date;x-security-token," in request.headers["Authorization"]
    assert verify(request, tokens={AK: "sts-token-value"}).ok
    assert verify(request, tokens={AK: "another-token"}).error_code == "SignatureDoesNotMatch"


def test_byteplus_host_and_region_make_the_scope(monkeypatch):
    hook = make_hook(monkeypatch, host="open.byteplusapi.com")
    hook.clock = Clock(wall=lambda: (FIXED).timestamp())
    assert hook.config.region == "ap-singapore-1" and hook.is_byteplus
    request = hook.build_request(CALL)
    assert request.url == "https://open.byteplusapi.com/"
    assert request.headers["Host"] == "open.byteplusapi.com"
    assert f"Credential={AK}/20240506/ap-singapore-1/rtc/request," in request.headers["Authorization"]
    assert verify(request, region="ap-singapore-1").ok
    assert verify(request, region="cn-north-1").error_code == "SignatureDoesNotMatch"


def test_explicit_region_wins_on_byteplus(monkeypatch):
    hook = make_hook(monkeypatch, host="https://open.byteplusapi.com", region="ap-southeast-1")
    assert hook.config.region == "ap-southeast-1"


def test_host_with_port_is_signed(monkeypatch):
    hook = make_hook(monkeypatch, host="https://rtc.example.com:8443")
    hook.clock = Clock(wall=lambda: (FIXED).timestamp())
    request = hook.build_request(CALL)
    assert request.headers["Host"] == "rtc.example.com:8443"
    assert verify(request).ok


def test_version_is_required(monkeypatch):
    with pytest.raises(ValueError, match="Version"):
        make_hook(monkeypatch).build_request(VendorCall(action="StartSegment"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"method": "PUT"}, "method"), ({"method": "GET", "body": {"a": 1}}, "body"), ({"body": []}, "body"),
     ({"query": "AppId=a"}, "query")],
)
def test_call_arguments_are_refused_before_the_connection_is_read(monkeypatch, kwargs, field):
    hook = make_hook(monkeypatch)
    monkeypatch.setattr(VolcengineRtcHook, "get_connection", classmethod(lambda *a, **k: pytest.fail("read")))
    with pytest.raises(RtcValidationError) as caught:
        hook.call("GetRoomOnlineUsers", **kwargs)
    assert caught.value.field == field


def test_deprecated_call_api_still_works_and_warns(monkeypatch):
    with pytest.warns(DeprecationWarning, match="call_api"), pytest.raises(RtcValidationError, match="GET or POST"):
        make_hook(monkeypatch).call_api("GetRoomOnlineUsers", "2023-11-01", method="PUT")


# -- models and operators (no I/O) ---------------------------------------------------------------


def test_models_validate_ids_and_limits():
    from airflow_provider_rtc.models.base import build_request
    from airflow_provider_rtc.models.volcengine import StartSegmentRequest, StopSegmentRequest

    base = {"AppId": "app", "RoomId": "room_1@x.y-z", "TaskId": "t"}
    assert build_request(StopSegmentRequest, base) == base
    body = build_request(StartSegmentRequest, {**base, "MaxIdleTime": "60", "Handle": "false", "Duration": 600})
    assert body["MaxIdleTime"] == 60 and body["Handle"] is False and body["Duration"] == 600
    for field, value in [("RoomId", "room 1"), ("TaskId", "x" * 129), ("AppId", ""), ("BusinessId", "a/b"),
                         ("MaxIdleTime", 0), ("MaxIdleTime", 86401), ("Duration", 601), ("Identifier", "é"),
                         ("TargetStreams", {"StreamList": [{"UserId": f"u{i}"} for i in range(18)]}),
                         ("Handle", "maybe"), ("MaxIdleTime", 1.5)]:
        with pytest.raises(RtcValidationError) as caught:
            build_request(StartSegmentRequest, {**base, field: value})
        assert caught.value.field.startswith(field), (field, value, caught.value)
    with pytest.raises(RtcValidationError):
        build_request(StartSegmentRequest, {**base, "Unknown": 1})


def test_operators_template_every_vendor_argument():
    from airflow_provider_rtc.operators.volcengine import StartSegmentOperator, StopSegmentOperator

    start = set(StartSegmentOperator.template_fields)
    assert {"room_id", "segment_task_id", "app_id", "business_id", "target_streams", "duration", "max_idle_time",
            "storage_config", "control", "identifier", "handle", "volcengine_rtc_conn_id", "extra_body"} <= start
    assert {"room_id", "segment_task_id", "app_id", "business_id", "volcengine_rtc_conn_id",
            "extra_body"} <= set(StopSegmentOperator.template_fields)


def test_operator_construction_reads_no_connection():
    from airflow_provider_rtc.operators.volcengine import StartSegmentOperator

    op = StartSegmentOperator(task_id="start", room_id="r", segment_task_id="t",
                              volcengine_rtc_conn_id="no_such_connection_anywhere")
    assert op.volcengine_rtc_conn_id == "no_such_connection_anywhere" and op.app_id is None
