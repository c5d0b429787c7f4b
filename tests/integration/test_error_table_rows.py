"""Every row of every vendor's error table, answered by the sandbox, handled as the vendor says.

The expected class of each code is written here from the vendor digest
(``shared/VENDOR_APIS.md``, cited by section per row) and the vendors' own pages, not read
from the package: a code the package moves to another class fails here. The package's tables are
read in one place only, :func:`package_error_codes`, for a membership check (every code the
package knows is in the table below), so a row added to the package cannot go untested.

Each row goes through an operator (or, where no operator calls the endpoint, the hook's public
``call``) against the loopback sandbox, which answers with the vendor's own envelope for the
code (a ``vendor_code`` fault on every request). What is asserted is behaviour:

- retryable: retried until the retries run out (``request_retries=2``: 3 requests), RtcApiError
  of kind RETRYABLE;
- auth: one request, RtcAuthError (never retried: Tencent locks the account, 70050);
- clock-skew: re-signed once, so two requests, then RtcClockSkewError;
- not-found: one request; a stop returns ``already_stopped: True``, other calls raise
  RtcNotFoundError;
- already-exists: one request; StartSegment returns ``already_running: True``;
- final: one request, a plain RtcApiError (no subclass), not retryable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

from airflow_provider_rtc.errors import (
    ErrorKind,
    RtcApiError,
    RtcAuthError,
    RtcClockSkewError,
    RtcNotFoundError,
)
from airflow_provider_rtc.hooks.zego import ZegoHook
from airflow_provider_rtc.operators.tencent import ResumeMcuOperator
from airflow_provider_rtc.operators.volcengine import StartSegmentOperator, StopSegmentOperator
from airflow_provider_rtc.operators.zego import StopASROperator, StopMixOperator, ZegoCloseRoomOperator
from tests.integration.bad_input import execute

RETRYABLE, AUTH, CLOCK_SKEW, NOT_FOUND, ALREADY_EXISTS, FINAL = (
    "retryable", "auth", "clock-skew", "not-found", "already-exists", "final")
RETRIES = 2  # request_retries of every call here: a retryable code costs exactly 3 requests
EVERY = 1000  # fault count standing for "every request"
CALL_ARGS = {"task_id": "row", "request_retries": RETRIES, "retry_backoff": 0.01, "request_timeout": 5}

DIGEST = "VENDOR_APIS.md"


@dataclass(frozen=True)
class Row:
    vendor: str  # the sandbox's vendor name
    code: int | str
    expected: str  # one of the six classes above
    source: str  # where the expected class comes from
    call: str  # which public call answers with it (a CALLS key)


def _rows(vendor: str, call: str, expected: str, source: str, *codes) -> list[Row]:
    return [Row(vendor, code, expected, source, call) for code in codes]


# -- ZEGO: VENDOR_APIS.md section 1 (from ZEGO's gateway, mix and ASR return-code pages) ----------------
ZEGO_GATEWAY = f"{DIGEST} §1 'Gateway codes (all ZEGO products)'"
ZEGO_MIX = f"{DIGEST} §1 'Mix codes' (and 'Retryable per the docs')"
ZEGO_ASR = f"{DIGEST} §1 'Cloud realtime ASR' codes"
ZEGO_RETURN_CODES = "docs.zegocloud.com/article/9811 (Server APIs v2, Return codes)"
ZEGO_ROWS = [
    *_rows("zego", "zego_mix", AUTH, f"{ZEGO_GATEWAY}: AppId format / signature wrong / nonce empty / signature "
           "empty / cannot get ServerSecret / SignatureVersion empty, unsupported / no production environment",
           100000001, 100000005, 100000008, 100000009, 100000010, 100000013, 100000014, 100000016),
    *_rows("zego", "zego_mix", FINAL, f"{ZEGO_GATEWAY}: Timestamp empty / format, Action empty / unsupported "
           "(a malformed request: retrying sends the same)", 100000002, 100000003, 100000006, 100000007),
    *_rows("zego", "zego_mix", FINAL, f"{ZEGO_GATEWAY}: 100000017 service not enabled (not in the package's "
           "table: an unknown code at HTTP 200 is final)", 100000017),
    *_rows("zego", "zego_mix", CLOCK_SKEW, f"{ZEGO_GATEWAY}: 100000004 signature expired (clock skew)", 100000004),
    *_rows("zego", "zego_mix", RETRYABLE, f"{ZEGO_GATEWAY}: 100000015 gateway internal error", 100000015),
    *_rows("zego", "zego_mix", RETRYABLE, f"{ZEGO_MIX}: failed, retry / lock contention, retry later / task "
           "failed, retry / overloaded, retry later",
           110200001, 110200005, 110200006, 110200007, 110200015, 110200151, 110200159, 110200190, 110200191,
           110200194),
    *_rows("zego", "zego_mix", AUTH, f"{ZEGO_MIX}: 110200003 auth failed", 110200003),
    *_rows("zego", "zego_mix", FINAL, f"{ZEGO_MIX}: 110200002 bad parameter, 110200004 cannot parse parameters",
           110200002, 110200004),
    *_rows("zego", "zego_mix", NOT_FOUND, f"{DIGEST} §1 mix API table: 110209001 = mix task does not exist",
           110209001),
    *_rows("zego", "zego_asr", RETRYABLE, f"{ZEGO_ASR}: system error / internal call failed / insufficient "
           "resources / concurrency limit", 410000001, 410000009, 410000010, 410000011),
    *_rows("zego", "zego_asr", AUTH, f"{ZEGO_ASR}: invalid AppId / gateway auth failed", 410000002, 410000005),
    *_rows("zego", "zego_asr", FINAL, f"{ZEGO_ASR}: invalid param / JSON parse failed", 410000003, 410000004),
    *_rows("zego", "zego_asr", FINAL, f"{ZEGO_ASR}: service not enabled / start failed (not in the package's "
           "table: an unknown code at HTTP 200 is final)", 410000006, 410001003),
    *_rows("zego", "zego_asr", NOT_FOUND, f"{ZEGO_ASR}: 410001002 ASR task not found (already stopped or timed "
           "out)", 410001002),
    *_rows("zego", "zego_room", NOT_FOUND, f"{DIGEST} §1 room API table: DescribeUsers 50001 room does not exist",
           50001),
    # CloseRoom (added by issue 12): not in the digest. ZEGO's return-code pages: "5018 room status does not
    # match, please try again later"; "104 / 5024 the room does not exist (the same check as 50001)"
    # (docs.zegocloud.com/article/9811 'Business-specific return codes'; doc-zh.zego.im/article/14179).
    *_rows("zego", "zego_close", RETRYABLE, f"{ZEGO_RETURN_CODES}: 5018 room status does not match, try again "
           "later", 5018),
    *_rows("zego", "zego_close", NOT_FOUND, f"{ZEGO_RETURN_CODES}: 104 / 5024 room does not exist", 104, 5024),
    # Rate limiting (issue 13): "7 The number of requests per second has exceeded the API rate limit"
    # (public codes) and "206 The rate limit (requests per second) has exceeded the limit" (room
    # business codes): the request was refused before any work, so asking again later is safe.
    *_rows("zego", "zego_mix", RETRYABLE, f"{ZEGO_RETURN_CODES}: 7 requests per second over the API's limit", 7),
    *_rows("zego", "zego_room", RETRYABLE, f"{ZEGO_RETURN_CODES}: 206 requests per second over the limit", 206),
    # DescribeRTCStreamState: "Code 0 active, 41004 no such stream, 41006 closed" (§1 room API table). To a
    # plain call they are the vendor's final answer (asking again does not bring a stream back); the stream
    # sensor reads them as "not live" (tests/integration/test_sensors_zego*.py).
    *_rows("zego", "zego_stream", FINAL, f"{DIGEST} §1 room API table: DescribeRTCStreamState 41004 no such "
           "stream, 41006 closed", 41004, 41006),
]

# -- Volcengine / BytePlus: VENDOR_APIS.md section 2, and the public error-code pages -------------------
VOLC_GATEWAY = f"{DIGEST} §2 'Gateway codes'"
VOLC_RTC = f"{DIGEST} §2 'RTC codes'"
# Codes the package holds that the digest does not: the gateway's common error-code pages, found with
# the search tool (docs corpus). They list the code name, CodeN and HTTP status.
VOLC_COMMON_PAGE = "volcengine.com/docs/6720/108305 and /docs/4/65595 (公共错误码 / 网关错误)"
VOLC_ROWS = [
    *_rows("volcengine", "volcengine", AUTH, f"{VOLC_GATEWAY}: MissingAuthenticationToken 100003, "
           "MissingSignature 100005, InvalidAccessKey 100009, SignatureDoesNotMatch 100010, LackPolicy 100012, "
           "AccessDenied 100013", "MissingAuthenticationToken", "MissingSignature", "InvalidAccessKey",
           "SignatureDoesNotMatch", "LackPolicy", "AccessDenied"),
    *_rows("volcengine", "volcengine", AUTH, f"not in the digest: {VOLC_COMMON_PAGE}: MissingRequestInfo 100004, "
           "HTTP 400, 'request lacks AccessKey, service, region': the credentials or their scope",
           "MissingRequestInfo"),
    *_rows("volcengine", "volcengine", CLOCK_SKEW, f"{VOLC_GATEWAY}: InvalidTimestamp 100006 (expired; re-sign)",
           "InvalidTimestamp"),
    *_rows("volcengine", "volcengine", FINAL, f"{VOLC_GATEWAY}: MissingParameter 100002, ServiceNotFound 100007, "
           "InvalidActionOrVersion 100008", "MissingParameter", "ServiceNotFound", "InvalidActionOrVersion"),
    *_rows("volcengine", "volcengine", RETRYABLE, f"{VOLC_RTC}: FlowLimitExceeded.QPSOverLimit (retry)",
           "FlowLimitExceeded.QPSOverLimit"),
    *_rows("volcengine", "volcengine", RETRYABLE, f"not in the digest: {VOLC_COMMON_PAGE}: FlowLimitExceeded 429, "
           "AccountFlowLimitExceeded 429, InternalError 100014/500, InternalServiceError 502, "
           "InternalServiceTimeout 100016/504, ServiceUnavailableTemp 503",
           "FlowLimitExceeded", "AccountFlowLimitExceeded", "InternalError", "InternalServiceError",
           "InternalServiceTimeout", "ServiceUnavailableTemp"),
    # No vendor page found for this name (docs corpus searched for "ServiceFlowLimitExceeded"): the
    # package's own guess at a per-service twin of FlowLimitExceeded. Throttling by its name, and sent
    # by the sandbox as a 429, which is retried whatever the code.
    *_rows("volcengine", "volcengine", RETRYABLE, "package only, no vendor page found: throttling by its name",
           "ServiceFlowLimitExceeded"),
    # volcengine.com/docs/4640/65080 (the older gateway table) lists ServiceUnavailable as CodeN 100007,
    # "Ths service[%s] is unavailable", remark "the requested service does not exist": the older name of
    # ServiceNotFound, not a transient fault (the transient one is ServiceUnavailableTemp, 503). At HTTP
    # 200 (the segment APIs' version) it is final; behind a 503 the status alone would retry it
    # (tests/integration/test_envelope_edges.py).
    *_rows("volcengine", "volcengine", FINAL, "volcengine.com/docs/4640/65080: ServiceUnavailable, CodeN 100007, "
           "'the requested service does not exist'", "ServiceUnavailable"),
    *_rows("volcengine", "volcengine", FINAL, f"{VOLC_RTC}: IllegalRoomID, BodyIsEmpty, Unmarshal, NotExistAppId",
           "InvalidParameter.IllegalRoomID", "InvalidParameter.BodyIsEmpty", "InvalidParameter.Unmarshal",
           "InvalidParameter.NotExistAppId"),
    *_rows("volcengine", "volcengine", FINAL, f"not in the digest: {VOLC_COMMON_PAGE}: InvalidParameter 非法参数, "
           "HTTP 400", "InvalidParameter"),
    *_rows("volcengine", "volcengine", FINAL, f"{VOLC_RTC}: FlowLimitExceeded.TaskNumberOverLimit (a task quota, "
           "not marked retry; not in the package's table)", "FlowLimitExceeded.TaskNumberOverLimit"),
    *_rows("volcengine", "volcengine", NOT_FOUND, f"{VOLC_RTC}: ErrorActiveTaskNotFound (task does not exist or "
           "has stopped)", "InvalidParameter.ErrorActiveTaskNotFound"),
    *_rows("volcengine", "volcengine_start", ALREADY_EXISTS, f"{VOLC_RTC}: TaskAlreadyExists",
           "InvalidParameter.TaskAlreadyExists"),
]

# -- Tencent: VENDOR_APIS.md section 3 ('Codes') -------------------------------------------------------
TENCENT = f"{DIGEST} §3 'Codes'"
TENCENT_ROWS = [
    *_rows("tencent", "tencent", CLOCK_SKEW, f"{TENCENT}: UserSig 70001 expired (regenerate)", 70001),
    *_rows("tencent", "tencent", AUTH, f"{TENCENT}: UserSig empty / check failed / key and SDKAppID mismatch / "
           "identifier mismatch / SDKAppID mismatch / key not found / locked (never retry auth failures); common "
           "60006 SDKAppID invalid, 60010 identifier must be admin",
           70002, 70003, 70005, 70009, 70013, 70014, 70016, 70050, 60006, 60010),
    *_rows("tencent", "tencent", RETRYABLE, f"{TENCENT}: 70169 / 70500 internal, retry; 60007 REST rate limit; "
           "60008 timeout, retry; 60011 SDKAppID rate limit; 60018/60019 too frequent; 100001 internal, retry; "
           "100422 rate limited; 100427 mixing too fast",
           70169, 70500, 60007, 60008, 60011, 60018, 60019, 100001, 100422, 100427),
    *_rows("tencent", "tencent", FINAL, f"{TENCENT}: 60002 bad URL, 60003 bad JSON, 100002 invalid parameter, "
           "100006 not a Live room, 100007 plan insufficient, 100428 failed to pull host info, 100429 invalid "
           "mixing mode", 60002, 60003, 100002, 100006, 100007, 100428, 100429),
    *_rows("tencent", "tencent", NOT_FOUND, f"{TENCENT}: 100004 room does not exist or dissolved, 100424 mix task "
           "does not exist", 100004, 100424),
]

ROWS = ZEGO_ROWS + VOLC_ROWS + TENCENT_ROWS


# -- the calls: (the sandbox's action, how to make the call, whether it is a stop / a start) ---------------


@dataclass(frozen=True)
class Call:
    action: str
    run: Callable[[], Any]
    # "stop" / "close": not-found means already stopped / closed; "start": already-exists means running
    kind: str = "call"


def _describe_users():
    with ZegoHook(max_retries=RETRIES, backoff_base=0.01) as hook:
        return hook.call("DescribeUsers", query={"RoomId": "room-1", "UserId": ["u-1"]})


def _describe_stream_state():
    with ZegoHook(max_retries=RETRIES, backoff_base=0.01) as hook:
        return hook.call("DescribeRTCStreamState", query={"StreamId": "stream-1", "Sequence": 1})


CALLS: dict[str, Call] = {
    "zego_mix": Call("StopMix", lambda: execute(StopMixOperator(mix_task_id="mix-1", **CALL_ARGS)), "stop"),
    "zego_asr": Call("StopRealtimeASRTask", lambda: execute(StopASROperator(asr_task_id="asr-1", **CALL_ARGS)),
                     "stop"),
    "zego_room": Call("DescribeUsers", _describe_users),
    "zego_stream": Call("DescribeRTCStreamState", _describe_stream_state),
    "zego_close": Call("CloseRoom", lambda: execute(ZegoCloseRoomOperator(room_id="room-1", **CALL_ARGS)), "close"),
    "volcengine": Call("StopSegment", lambda: execute(StopSegmentOperator(room_id="room-1", segment_task_id="seg-1",
                                                                          **CALL_ARGS)), "stop"),
    "volcengine_start": Call("StartSegment", lambda: execute(StartSegmentOperator(
        room_id="room-1", segment_task_id="seg-1", **CALL_ARGS)), "start"),
    "tencent": Call("resume_mcu_task", lambda: execute(ResumeMcuOperator(room_id="room-1", **CALL_ARGS))),
}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.vendor}-{r.code}-{r.expected}")
def test_every_error_row_is_handled_as_the_vendor_documents(sandbox, connections, row):
    call = CALLS[row.call]
    sandbox.inject(kind="vendor_code", vendor=row.vendor, action=call.action, code=row.code, count=EVERY)
    outcome: Any = None
    error: RtcApiError | None = None
    try:
        outcome = call.run()
    except RtcApiError as raised:
        error = raised
    requests = sandbox.received(action=call.action)
    assert all(r.code == row.code for r in requests), [r.code for r in requests]
    context = f"{row.vendor} {row.code} ({row.source}): outcome {outcome!r}, error {error!r}"

    if row.expected == RETRYABLE:
        assert error is not None and error.kind is ErrorKind.RETRYABLE, context
        assert len(requests) == RETRIES + 1 and error.attempts == RETRIES + 1, context
    elif row.expected == AUTH:
        assert type(error) is RtcAuthError and len(requests) == 1, context
    elif row.expected == CLOCK_SKEW:
        assert type(error) is RtcClockSkewError and len(requests) == 2, context
    elif row.expected == NOT_FOUND:
        assert len(requests) == 1, context
        if call.kind in ("stop", "close"):
            flag = "already_stopped" if call.kind == "stop" else "already_closed"
            assert error is None and outcome[flag] is True, context
        else:
            assert type(error) is RtcNotFoundError, context
    elif row.expected == ALREADY_EXISTS:
        assert call.kind == "start" and len(requests) == 1, context
        assert error is None and outcome["already_running"] is True, context
    elif row.expected == FINAL:
        assert type(error) is RtcApiError and not error.retryable and len(requests) == 1, context
    else:  # pragma: no cover - a typo in the table above
        raise AssertionError(f"unknown class {row.expected!r}")


def test_a_not_found_stop_fails_when_asked_to(sandbox, connections):
    """The other side of already_stopped: fail_if_not_found=True surfaces the RtcNotFoundError."""
    sandbox.inject(kind="vendor_code", vendor="zego", action="StopMix", code=110209001, count=EVERY)
    with pytest.raises(RtcNotFoundError):
        execute(StopMixOperator(mix_task_id="mix-1", fail_if_not_found=True, **CALL_ARGS))
    assert len(sandbox.received(action="StopMix")) == 1


def test_a_retryable_row_clears_when_the_fault_does(sandbox, connections):
    """Retried, not merely counted: once the code stops, the same call succeeds on its next attempt."""
    sandbox.inject(kind="vendor_code", vendor="zego", action="StopMix", code=110200194, count=2)
    result = execute(StopMixOperator(mix_task_id="mix-1", **CALL_ARGS))
    assert "already_stopped" in result
    assert len(sandbox.received(action="StopMix")) == 3


# -- membership: the package's tables hold no code this file does not test --------------------------------


def package_error_codes() -> dict[str, set]:
    """Every code the package names, per sandbox vendor name: its catalogue error tables (issue 12),
    the codes its answer formats attach hints or messages to, and the stream-state codes the ZEGO
    stream sensor reads.

    The only place this file reads the package (for membership, never for expectations).
    """
    from airflow_provider_rtc import catalogue
    from airflow_provider_rtc.conditions import STREAM_GONE_CODES

    def codes(vendor: str) -> set:
        answers = catalogue.answer_format(vendor)
        table = answers.errors
        return set().union(table.retryable, table.auth, table.clock_skew, table.not_found, table.already_exists,
                           table.invalid, answers.hints, answers.subject_messages)

    known = {vendor: codes(vendor) for vendor in catalogue.VENDORS}
    known["zego"] |= STREAM_GONE_CODES
    return known


@pytest.mark.parametrize("vendor", ["zego", "volcengine", "tencent"])
def test_every_code_the_package_knows_has_a_row_here(vendor):
    package = package_error_codes()[vendor]
    assert package, f"no codes read for {vendor}: repoint package_error_codes()"
    tested = {row.code for row in ROWS if row.vendor == vendor}
    assert package - tested == set(), f"{vendor} codes in the package without an independent row here"


def test_each_code_has_one_row():
    keys = [(row.vendor, row.code) for row in ROWS]
    assert len(keys) == len(set(keys))
