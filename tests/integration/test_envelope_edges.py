"""Envelope edge cases for all three vendors, answered over loopback HTTP by the sandbox.

The sandbox's ``envelope`` fault sends any JSON document with any HTTP status. For each vendor:
an error status with a success envelope (never a success: the status wins), a success status
with an error envelope (never a success: the envelope wins), envelopes missing their code,
message, request id or data, and fields of the wrong type. Expected outcomes:

- ``ok``: the call succeeds after one request (``request_id`` and ``data`` as given);
- ``retried``: a retryable failure, so ``RETRIES + 1`` requests, then the error type given;
- ``final``: one request, then a plain RtcApiError (or the subclass given), not retryable.

Vendor facts: VENDOR_APIS.md §1 (ZEGO: "Code != 0 is failure"), §2 (Volcengine: "always check
ResponseMetadata.Error", older versions answer HTTP 200 with it), §3 (Tencent: ActionStatus,
ErrorCode, HTTP 200 except for network errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pytest

from airflow_provider_rtc.errors import RtcApiError, RtcAuthError, RtcNotFoundError, RtcTransportError
from airflow_provider_rtc.hooks.tencent import TencentLiveHook
from airflow_provider_rtc.hooks.volcengine import VolcengineRtcHook
from airflow_provider_rtc.hooks.zego import ZegoHook

RETRIES = 2
EVERY = 1000
HOOK_ARGS = {"max_retries": RETRIES, "backoff_base": 0.01, "read_timeout": 5}


@dataclass(frozen=True)
class Case:
    id: str
    status: int
    document: Any
    outcome: str  # ok / retried / final
    error: type = RtcApiError  # exact type for retried / final
    request_id: Optional[str] = None  # ok: the request id the result carries
    data: Any = None  # ok: the data the result carries
    code: Any = None  # final / retried: the vendor code the error carries


def _zego(code=0, message="success", request_id="rid-1", data=None, **extra):
    document = {"Code": code, "Message": message, "RequestId": request_id, **extra}
    if data is not None:
        document["Data"] = data
    return document


ZEGO = [
    # Error status, success envelope: judged by the status (issue 17: a 4xx/5xx with Code 0 passed as success).
    Case("500-with-Code-0", 500, _zego(), "retried"),
    Case("503-with-Code-0", 503, _zego(), "retried"),
    Case("400-with-Code-0", 400, _zego(), "final"),
    Case("302-with-Code-0", 302, _zego(), "final"),
    # Success status, error envelope.
    Case("200-with-Code-110200002", 200, _zego(110200002, "bad parameter"), "final", code=110200002),
    Case("200-with-Code-110200003", 200, _zego(110200003, "auth failed"), "final", RtcAuthError, code=110200003),
    # Missing or mistyped Code: the answer cannot be read, it may have been acted on; a read repeats.
    Case("200-without-Code", 200, {"Message": "success", "RequestId": "r", "Data": {}}, "retried",
         RtcTransportError),
    Case("200-Code-as-text", 200, _zego(code="0"), "retried", RtcTransportError),
    Case("200-Code-null", 200, _zego(code=None), "retried", RtcTransportError),
    Case("200-Code-true", 200, _zego(code=True), "retried", RtcTransportError),
    Case("200-Code-float", 200, _zego(code=0.0), "retried", RtcTransportError),
    Case("200-not-an-object", 200, [_zego()], "retried", RtcTransportError),
    # An HTTP error whose JSON is not the envelope: judged by the status, as a non-JSON error page is.
    Case("400-without-Code", 400, {"error": "bad request"}, "final"),
    Case("502-without-Code", 502, {"error": "bad gateway"}, "retried"),
    Case("429-without-Code", 429, {"error": "slow down"}, "retried"),
    # Missing message, request id or data: a success all the same, with what is there.
    Case("200-Code-0-only", 200, {"Code": 0}, "ok"),
    Case("200-without-RequestId", 200, {"Code": 0, "Message": "success", "Data": {"k": 1}}, "ok", data={"k": 1}),
    Case("200-RequestId-as-number", 200, _zego(request_id=12345), "ok", request_id="12345"),
    Case("200-with-Data", 200, _zego(data={"UserCountList": []}), "ok", request_id="rid-1",
         data={"UserCountList": []}),
    Case("200-error-without-Message", 200, {"Code": 110200002, "RequestId": "r"}, "final", code=110200002),
]


def _volc(error=None, result="ok", request_id="vrid-1", **metadata):
    meta = {"RequestId": request_id, "Action": "StopSegment", "Version": "2020-12-01", **metadata}
    if error is not None:
        meta["Error"] = error
    document = {"ResponseMetadata": meta}
    if result is not None:
        document["Result"] = result
    return document


VOLCENGINE = [
    Case("500-with-success-envelope", 500, _volc(), "retried"),
    Case("400-with-success-envelope", 400, _volc(), "final"),
    Case("403-with-success-envelope", 403, _volc(), "final", RtcAuthError),  # an unlisted 401/403 is auth
    Case("200-with-Error", 200, _volc({"Code": "InvalidParameter.IllegalRoomID", "Message": "bad room"}), "final",
         code="InvalidParameter.IllegalRoomID"),
    Case("200-with-Error-CodeN-only", 200, _volc({"CodeN": 100010, "Message": "x"}), "final", RtcApiError,
         code="100010"),
    Case("200-with-Error-and-Result", 200, _volc({"Code": "InvalidParameter.ErrorActiveTaskNotFound"}), "final",
         RtcNotFoundError, code="InvalidParameter.ErrorActiveTaskNotFound"),
    Case("200-without-ResponseMetadata", 200, {"Result": "ok"}, "retried", RtcTransportError),
    Case("200-ResponseMetadata-not-an-object", 200, {"ResponseMetadata": ["x"], "Result": "ok"}, "retried",
         RtcTransportError),
    Case("500-without-ResponseMetadata", 500, {"Result": "ok"}, "retried"),
    Case("400-without-ResponseMetadata", 400, {"Result": "ok"}, "final"),
    Case("200-without-RequestId", 200, {"ResponseMetadata": {}, "Result": "ok"}, "ok", data="ok"),
    Case("200-without-Result", 200, _volc(result=None), "ok", request_id="vrid-1"),
    # An Error object without a code is still an error ("always check ResponseMetadata.Error").
    Case("200-Error-without-Code", 200, _volc({"Message": "something failed"}), "final"),
    Case("200-Error-empty", 200, _volc({}), "ok", request_id="vrid-1", data="ok"),  # nothing said: no error
    Case("200-Error-null", 200, _volc(error=None), "ok", request_id="vrid-1", data="ok"),
    Case("200-RequestId-as-number", 200, _volc(request_id=7), "ok", request_id="7", data="ok"),
    Case("200-Error-Code-as-number", 200, _volc({"Code": 100010, "Message": "x"}), "final", code="100010"),
    Case("200-Error-all-fields-empty", 200, _volc({"Code": "", "Message": ""}), "ok", request_id="vrid-1",
         data="ok"),
    # ServiceUnavailable: "the requested service does not exist" (volcengine.com/docs/4640/65080), so
    # final in an HTTP 200 envelope; behind a 503 the status says the gateway is unwell and it is retried.
    Case("200-ServiceUnavailable", 200, _volc({"Code": "ServiceUnavailable", "Message": "x"}), "final",
         code="ServiceUnavailable"),
    Case("503-ServiceUnavailable", 503, _volc({"Code": "ServiceUnavailable", "Message": "x"}), "retried",
         code="ServiceUnavailable"),
]


def _tencent(status="OK", code=0, info="", request_id="trid-1", response=None):
    document = {"ActionStatus": status, "ErrorCode": code, "ErrorInfo": info, "RequestId": request_id}
    if response is not None:
        document["Response"] = response
    return document


TENCENT = [
    Case("500-with-OK-envelope", 500, _tencent(), "retried"),
    Case("400-with-OK-envelope", 400, _tencent(), "final"),
    Case("200-FAIL-100002", 200, _tencent("FAIL", 100002, "invalid parameter"), "final", code=100002),
    Case("200-OK-but-ErrorCode-70009", 200, _tencent("OK", 70009), "final", RtcAuthError, code=70009),
    Case("200-FAIL-but-ErrorCode-0", 200, _tencent("FAIL", 0), "final"),
    Case("200-ErrorCode-as-text", 200, _tencent("FAIL", "100004"), "final", RtcNotFoundError, code=100004),
    Case("200-neither-ActionStatus-nor-ErrorCode", 200, {"RequestId": "r"}, "retried", RtcTransportError),
    Case("400-neither-ActionStatus-nor-ErrorCode", 400, {"error": "bad request"}, "final"),
    Case("502-neither-ActionStatus-nor-ErrorCode", 502, {"error": "bad gateway"}, "retried"),
    Case("200-ErrorCode-0-without-ActionStatus", 200, {"ErrorCode": 0, "RequestId": "r"}, "ok", request_id="r"),
    Case("200-OK-without-ErrorCode", 200, {"ActionStatus": "OK"}, "ok"),
    Case("200-without-RequestId", 200, {"ActionStatus": "OK", "ErrorCode": 0}, "ok"),
    Case("200-with-Response", 200, _tencent(response={"RoomInfo": {"RoomId": "r"}}), "ok", request_id="trid-1",
         data={"RoomInfo": {"RoomId": "r"}}),
    Case("200-ErrorCode-true", 200, {"ActionStatus": "OK", "ErrorCode": True}, "ok"),  # no code: status OK decides
    Case("200-FAIL-ErrorCode-garbage", 200, _tencent("FAIL", "oops"), "final"),
]


def _zego_call():
    with ZegoHook(**HOOK_ARGS) as hook:
        return hook.call("StopMix", {"TaskId": "mix-1"})


def _volc_call():
    with VolcengineRtcHook(**HOOK_ARGS) as hook:
        return hook.call("StopSegment", {"AppId": "sandbox-volc-app", "RoomId": "room-1", "TaskId": "seg-1"})


def _tencent_call():
    with TencentLiveHook(**HOOK_ARGS) as hook:
        return hook.call("resume_mcu_task", {"RoomId": "room-1"})


VENDORS = {
    "zego": ("StopMix", _zego_call, ZEGO),
    "volcengine": ("StopSegment", _volc_call, VOLCENGINE),
    "tencent": ("resume_mcu_task", _tencent_call, TENCENT),
}
CASES = [pytest.param(vendor, case, id=f"{vendor}-{case.id}") for vendor, (_, _, cases) in VENDORS.items()
         for case in cases]


@pytest.mark.parametrize(("vendor", "case"), CASES)
def test_envelope_edge_case(sandbox, connections, vendor, case):
    action, call, _ = VENDORS[vendor]
    sandbox.inject(kind="envelope", vendor=vendor, action=action, status=case.status, document=case.document,
                   count=EVERY)
    result = error = None
    try:
        result = call()
    except RtcApiError as raised:
        error = raised
    requests = sandbox.received(action=action)
    context = f"{vendor} {case.id}: result {result!r}, error {error!r}, {len(requests)} requests"
    if case.outcome == "ok":
        assert error is None and len(requests) == 1, context
        assert (result.request_id, result.data) == (case.request_id, case.data), context
        return
    assert error is not None and type(error) is case.error, context
    if case.status >= 300:
        assert error.http_status == case.status, context
    if case.code is not None:
        assert error.code == case.code, context
    if case.outcome == "retried":
        assert error.retryable and len(requests) == RETRIES + 1 == error.attempts, context
    else:
        assert case.outcome == "final" and not error.retryable and len(requests) == 1, context
