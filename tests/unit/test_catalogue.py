"""The catalogue as the one description of every action, and the one interpreter that reads answers."""

from __future__ import annotations

import inspect
import json

import pytest

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.catalogue import RateLimit, documented_limit
from airflow_provider_rtc.errors import ErrorKind, RtcApiError, RtcTransportError, api_error
from airflow_provider_rtc.hooks.answers import interpret
from airflow_provider_rtc.hooks.calls import HttpResponse, VendorCall
from airflow_provider_rtc.hooks.retry import CallSettings, RetryBudget

ALL = list(catalogue.actions())


@pytest.mark.parametrize("action", ALL, ids=lambda a: a.key)
def test_every_entry_is_complete(action):
    assert action.method in ("GET", "POST")
    assert action.docs, "cite the vendor page behind the entry"
    assert isinstance(action.limit, RateLimit) and action.limit.scope in ("app", "account")
    model = action.request_model()
    assert model is not None and model.__name__ == action.model
    if action.vendor == "volcengine":
        assert action.version, "every Volcengine action needs its API Version"
    if action.limit.per_second is None:
        assert action.unconfirmed, "an undocumented limit must say so"


def test_documented_limit_is_the_rate_governors_view():
    assert documented_limit("zego", "DescribeSimpleStreamList") == RateLimit(50, 10.0, "app", "RoomId")
    assert documented_limit("ZEGO", "CloseRoom") == RateLimit(1, None, "app")  # the hook's vendor name works
    assert documented_limit("volcengine", "StartSegment").scope == "account"
    assert documented_limit("tencent", "destroy_room").per_second == 200
    assert documented_limit("zego", "NoSuchAction") is None
    with pytest.raises(KeyError):
        documented_limit("agora", "x")
    with pytest.raises(AttributeError):  # frozen: a governor cannot change the documented numbers
        documented_limit("zego", "CloseRoom").per_second = 5  # type: ignore[misc]


@pytest.mark.parametrize("action", ALL, ids=lambda a: a.key)
def test_the_sandbox_serves_every_catalogued_action(action):
    from airflow_provider_rtc.sandbox import tencent, volcengine, zego

    if action.vendor == "zego":
        assert hasattr(zego.ZegoRoutes, f"_do_{action.name}") and action.name in zego.ACTIONS
    elif action.vendor == "volcengine":
        for version in {action.version, action.byteplus_version} - {None}:
            handler = volcengine.VolcengineRoutes.ACTIONS[(action.name, version)]
            assert hasattr(volcengine.VolcengineRoutes, handler)
    else:
        assert hasattr(tencent.TencentRoutes, f"_do_{action.name}")


def _operator_classes():
    from airflow_provider_rtc.operators import base, tencent, volcengine, zego

    return [obj for module in (zego, volcengine, tencent) for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, base.RtcBaseOperator) and obj.__module__ == module.__name__
            and "Base" not in obj.__name__ and not issubclass(obj, base.GenericCall)]


@pytest.mark.parametrize("cls", _operator_classes(), ids=lambda c: c.__name__)
def test_operators_declare_action_and_arguments_once(cls):
    entry = catalogue.get(cls.vendor_key, cls.action)
    model_fields = set(entry.request_model().model_fields)
    names = [arg.name for arg in cls.arguments]
    # template_fields and the constructor come from the spec ...
    assert set(names) <= set(cls.template_fields)
    parameters = inspect.signature(cls.__init__).parameters
    assert all(name in parameters for name in names)
    assert all(parameters[a.name].default is inspect.Parameter.empty for a in cls.arguments if a.required)
    # ... and every vendor field it fills exists in the catalogue's model.
    for field in cls._ARGUMENTS:
        assert field.split(".")[0] in model_fields, (cls.__name__, field)


# -- the shared interpreter: the three vendors behave the same where their documents agree ----------

CALL = VendorCall(action="X", body={"RoomId": "r"})
VENDORS = ("zego", "volcengine", "tencent")


def _read(vendor, status, body, retry_after=None):
    return interpret(catalogue.answer_format(vendor), CALL, HttpResponse(status, body, retry_after))


@pytest.mark.parametrize("vendor", VENDORS)
def test_json_without_the_envelope_is_judged_by_the_status_for_every_vendor(vendor):
    # Was a drift: ZEGO and Tencent retried a 404 with JSON but no envelope; Volcengine did not.
    with pytest.raises(RtcApiError) as caught:
        _read(vendor, 404, b'{"error": "no route"}')
    assert caught.value.kind is ErrorKind.FAILED and caught.value.http_status == 404
    with pytest.raises(RtcApiError) as caught:
        _read(vendor, 502, b'{"error": "bad gateway"}')
    assert caught.value.kind is ErrorKind.RETRYABLE and caught.value.may_have_executed
    with pytest.raises(RtcTransportError) as caught:  # a 2xx that is not the vendor's answer: maybe acted
        _read(vendor, 200, b'{"hello": 1}')
    assert caught.value.kind is ErrorKind.RETRYABLE and caught.value.may_have_executed


ERROR_BODIES = {
    "zego": {"Code": 110200001, "Message": "busy", "RequestId": "r"},
    "volcengine": {"ResponseMetadata": {"RequestId": "r", "Error": {"Code": "InternalError", "Message": "busy"}}},
    "tencent": {"ActionStatus": "FAIL", "ErrorCode": 100001, "ErrorInfo": "busy", "RequestId": "r"},
}


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("status", [200, 429, 503])
def test_retry_after_is_honoured_on_every_path(vendor, status):
    # Was a drift: only the Volcengine path and the bare-HTTP-error path carried Retry-After.
    for body in (json.dumps(ERROR_BODIES[vendor]).encode(), b"<html>busy</html>"):
        if status == 200 and body.startswith(b"<"):
            continue
        with pytest.raises(RtcApiError) as caught:
            _read(vendor, status, body, retry_after=7.0)
        assert caught.value.retry_after == 7.0 and caught.value.kind is ErrorKind.RETRYABLE


@pytest.mark.parametrize("vendor", VENDORS)
def test_may_have_executed_is_one_rule(vendor):
    body = json.dumps(ERROR_BODIES[vendor]).encode()
    for status, expected in ((200, False), (429, False), (503, False), (500, True), (502, True), (504, True)):
        with pytest.raises(RtcApiError) as caught:
            _read(vendor, status, body)
        assert caught.value.may_have_executed is expected, (status, caught.value)


@pytest.mark.parametrize("vendor, body", [
    ("zego", {"Code": 999999001, "Message": "who knows", "RequestId": "r"}),
    ("volcengine", {"ResponseMetadata": {"RequestId": "r", "Error": {"Code": "SomethingNew"}}}),
    ("tencent", {"ActionStatus": "FAIL", "ErrorCode": 12345, "ErrorInfo": "?", "RequestId": "r"}),
])
def test_an_unknown_code_refused_with_401_is_never_retried(vendor, body):
    with pytest.raises(RtcApiError) as caught:
        _read(vendor, 401, json.dumps(body).encode())
    assert caught.value.kind is ErrorKind.AUTH


def test_final_errors_are_new_objects_and_the_original_is_untouched():
    budget = RetryBudget(CallSettings(max_retries=0), idempotent=False)
    budget.record_attempt()
    original = api_error(vendor="ZEGO", action="StartRealtimeASRTask", kind=ErrorKind.RETRYABLE,
                         may_have_executed=True, message="dropped")
    final = budget.final_error(original)
    assert final is not original and type(final) is type(original)
    assert "not idempotent" in str(final) and "not idempotent" not in str(original)
    assert original.hint == "" and original.attempts == 1


def test_tencent_subject_messages_name_the_room():
    with pytest.raises(RtcApiError, match="room 'r' does not exist or has been dissolved"):
        _read("tencent", 200, json.dumps({"ActionStatus": "FAIL", "ErrorCode": 100004, "ErrorInfo": "x"}).encode())


def test_progress_log_is_rate_limited():
    from airflow_provider_rtc.triggers.rtc import ProgressLog

    class Log:
        def __init__(self):
            self.lines = []

        def info(self, text, *args):
            self.lines.append(text % args)

    now = [0.0]
    log = Log()
    progress = ProgressLog(log, "ZEGO DescribeUserNum (room_id=r)", gives_up_at="2026-01-01T00:00:00+00:00",
                           every=60.0, clock=lambda: now[0])
    for second in range(0, 181, 5):  # a poll every 5 s for 3 minutes
        now[0] = float(second)
        progress.polled(f"user_count={second}")
    assert len(log.lines) == 4  # the first poll, then once a minute
    assert log.lines[0] == ("Waiting for ZEGO DescribeUserNum (room_id=r): 1 poll(s) so far, last saw user_count=0; "
                            "gives up at 2026-01-01T00:00:00+00:00")
    assert "13 poll(s) so far, last saw user_count=60" in log.lines[1]
