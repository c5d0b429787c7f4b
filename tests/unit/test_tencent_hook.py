"""Tencent live engine hook without the network: error table, interpreter, config, UserSig cache."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from airflow.sdk import Connection

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.catalogue.tencent import ERRORS as TENCENT_ERRORS
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
from airflow_provider_rtc.hooks.retry import CallSettings, RetryBudget
from airflow_provider_rtc.hooks.tencent import (
    REGION_HOSTS,
    TencentLiveHook,
)
from airflow_provider_rtc.signing.tencent import decode_usersig, verify_usersig


def interpret_tencent(call, response):
    """The shared interpreter with the tencent answer format, as the hook uses it."""
    return interpret(catalogue.answer_format("tencent"), call, response)


SDKAPPID = 1400000123
KEY = "unit0test0tencent0key0000000000000000000000000000000"
T0 = 1_700_000_000.0


def make_hook(*, login=str(SDKAPPID), password=KEY, host=None, port=None, extra=None, clock=None) -> TencentLiveHook:
    hook = TencentLiveHook("tencent_unit", **({"clock": clock} if clock else {}))
    hook.__dict__["connection"] = Connection(
        conn_id="tencent_unit", conn_type="tencent_live", login=login, password=password, host=host, port=port,
        extra=json.dumps(extra or {}),
    )
    return hook


def envelope(status="OK", code=0, info="", request_id="Id-1", **more) -> HttpResponse:
    document = {"ActionStatus": status, "ErrorCode": code, "ErrorInfo": info, "RequestId": request_id, **more}
    return HttpResponse(status=200, body=json.dumps(document).encode())


CALL = VendorCall(action="resume_mcu_task", body={"RoomId": "live-42"})


# -- error table -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [60007, 60008, 60011, 60018, 60019, 70169, 70500, 100001, 100422, 100427])
def test_retryable_codes(code):
    assert TENCENT_ERRORS.classify(code) is ErrorKind.RETRYABLE


@pytest.mark.parametrize("code", [60006, 60010, 70002, 70003, 70005, 70009, 70013, 70014, 70016, 70050])
def test_auth_codes_are_never_retried(code):
    assert TENCENT_ERRORS.classify(code) is ErrorKind.AUTH
    with pytest.raises(RtcAuthError) as caught:
        interpret_tencent(CALL, envelope("FAIL", code, "check failed"))
    error = caught.value
    assert RetryBudget(CallSettings()).delay_before_retry(error) is None


def test_expired_usersig_earns_one_resign():
    assert TENCENT_ERRORS.classify(70001) is ErrorKind.CLOCK_SKEW


@pytest.mark.parametrize("code", [100004, 100424])
def test_not_found_codes_name_the_room(code):
    with pytest.raises(RtcNotFoundError) as caught:
        interpret_tencent(CALL, envelope("FAIL", code, "whatever Tencent says"))
    assert "'live-42'" in str(caught.value)
    assert f"code {code}" in str(caught.value)


@pytest.mark.parametrize("code", [60002, 60003, 100002, 100006, 100007, 100429])
def test_invalid_codes(code):
    assert TENCENT_ERRORS.classify(code) is ErrorKind.INVALID


def test_unknown_code_fails_without_retry():
    with pytest.raises(RtcApiError) as caught:
        interpret_tencent(CALL, envelope("FAIL", 100428, "failed to pull host info"))
    assert caught.value.kind is ErrorKind.FAILED
    assert "seat" in str(caught.value)  # the hint says what to fix


# -- interpreter ---------------------------------------------------------------------------------


def test_success_without_response_has_no_data():
    result = interpret_tencent(CALL, envelope(request_id="Id-8c98-O-Seq-52720"))
    assert result.request_id == "Id-8c98-O-Seq-52720"
    assert result.data is None


def test_success_returns_the_response_object():
    info = {"RoomInfo": {"RoomId": "r", "RoomName": "n"}}
    result = interpret_tencent(VendorCall(action="get_room_info", body={"RoomId": "r"}), envelope(Response=info))
    assert result.data == info


def test_failure_carries_code_info_and_request_id():
    with pytest.raises(RtcApiError) as caught:
        interpret_tencent(CALL, envelope("FAIL", 100422, "frequency limit", "Id-x"))
    error = caught.value
    assert (error.code, error.request_id, error.kind) == (100422, "Id-x", ErrorKind.RETRYABLE)
    assert "frequency limit" in str(error)


def test_ok_status_with_nonzero_code_is_a_failure():
    with pytest.raises(RtcNotFoundError):
        interpret_tencent(CALL, envelope("OK", 100004))


def test_fail_status_without_code_is_a_failure():
    with pytest.raises(RtcApiError) as caught:
        interpret_tencent(CALL, envelope("FAIL", 0, "odd"))
    assert caught.value.kind is ErrorKind.FAILED and caught.value.code is None


def test_html_body_is_retryable_and_may_have_executed():
    response = HttpResponse(status=200, body=b"<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(RtcApiError) as caught:
        interpret_tencent(CALL, response)
    assert caught.value.kind is ErrorKind.RETRYABLE and caught.value.may_have_executed
    assert "html" in str(caught.value)


def test_html_error_status_is_an_http_error():
    with pytest.raises(RtcApiError) as caught:
        interpret_tencent(CALL, HttpResponse(status=502, body=b"<html>Bad Gateway</html>"))
    assert caught.value.http_status == 502 and caught.value.retryable


def test_empty_body():
    with pytest.raises(RtcApiError) as caught:
        interpret_tencent(CALL, HttpResponse(status=200, body=b""))
    assert caught.value.retryable and "empty body" in str(caught.value)


def test_json_without_envelope_is_unreadable():
    with pytest.raises(RtcApiError) as caught:
        interpret_tencent(CALL, HttpResponse(status=200, body=b'{"hello": 1}'))
    assert caught.value.retryable


# -- connection ------------------------------------------------------------------------------------


def test_defaults():
    config = make_hook().config
    assert config.sdkappid == SDKAPPID
    assert config.base_url == "https://console.tim.qq.com"
    assert config.identifier == "administrator"
    assert config.usersig_ttl == 86400
    assert KEY not in repr(config)


@pytest.mark.parametrize("region, host", sorted(REGION_HOSTS.items()))
def test_region_selects_documented_domain(region, host):
    assert make_hook(extra={"region": region}).config.base_url == f"https://{host}"


def test_documented_region_domains():
    assert REGION_HOSTS == {
        "china": "console.tim.qq.com",
        "singapore": "adminapisgp.im.qcloud.com",
        "seoul": "adminapikr.im.qcloud.com",
        "frankfurt": "adminapiger.im.qcloud.com",
        "mumbai": "adminapiind.im.qcloud.com",
        "silicon-valley": "adminapiusa.im.qcloud.com",
        "jakarta": "adminapiidn.im.qcloud.com",
    }


def test_unknown_region():
    with pytest.raises(RtcConfigError, match="unknown region 'tokyo'"):
        make_hook(extra={"region": "tokyo"}).config  # noqa: B018 - reading the config is what raises


def test_explicit_host_wins_and_keeps_port():
    hook = make_hook(host="http://127.0.0.1", port=8900, extra={"region": "seoul"})
    assert hook.config.base_url == "http://127.0.0.1:8900"


def test_plain_http_refused_for_non_loopback_host():
    with pytest.raises(RtcConfigError, match="loopback"):
        make_hook(host="http://console.tim.qq.com").config  # noqa: B018 - reading the config is what raises


@pytest.mark.parametrize("login", ["", "abc", "14000x", "-1", "0", str(2**32), "1.5"])
def test_sdkappid_must_be_decimal_uint32(login):
    with pytest.raises(RtcConfigError, match="SDKAppID"):
        make_hook(login=login).config  # noqa: B018 - reading the config is what raises


def test_empty_key():
    with pytest.raises(RtcConfigError, match="SDK secret key"):
        make_hook(password="").config  # noqa: B018 - reading the config is what raises


def test_extras():
    config = make_hook(extra={"identifier": "ops_admin", "usersig_ttl": "3600"}).config
    assert (config.identifier, config.usersig_ttl) == ("ops_admin", 3600)


@pytest.mark.parametrize("ttl", ["soon", 0, -5, 1.5])
def test_bad_usersig_ttl(ttl):
    with pytest.raises(RtcConfigError, match="usersig_ttl"):
        make_hook(extra={"usersig_ttl": ttl}).config  # noqa: B018 - reading the config is what raises


def test_old_ui_prefixed_extras():
    hook = make_hook(extra={"extra__tencent_live__region": "jakarta"})
    assert hook.config.base_url == "https://adminapiidn.im.qcloud.com"


# -- UserSig cache and request building -------------------------------------------------------------


class FakeClock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_usersig_is_cached_and_refreshed_before_expiry():
    clock = FakeClock(T0)
    hook = make_hook(clock=clock)
    first = hook.usersig()
    document = verify_usersig(first, sdkappid=SDKAPPID, key=KEY, identifier="administrator", now=int(T0))
    assert (document.time, document.expire) == (int(T0), 86400)

    clock.now = T0 + 86400 * 0.9 - 1  # just over 10% of the lifetime left: reused
    assert hook.usersig() == first
    clock.now = T0 + 86400 * 0.9 + 1  # under 10% left: regenerated
    second = hook.usersig()
    assert second != first
    assert decode_usersig(second).time == int(clock.now)
    assert hook.usersig() == second


def test_short_ttl_refreshes_five_minutes_before_expiry():
    clock = FakeClock(T0)
    hook = make_hook(clock=clock, extra={"usersig_ttl": 1800})
    first = hook.usersig()
    clock.now = T0 + 1800 - 301
    assert hook.usersig() == first
    clock.now = T0 + 1800 - 299
    assert hook.usersig() != first


def test_ttl_shorter_than_the_margin_is_regenerated_every_time():
    clock = FakeClock(T0)
    hook = make_hook(clock=clock, extra={"usersig_ttl": 60})
    first = hook.usersig()
    clock.now += 1
    assert hook.usersig() != first


def test_clock_going_back_regenerates():
    clock = FakeClock(T0)
    hook = make_hook(clock=clock)
    first = hook.usersig()
    clock.now = T0 - 10
    assert hook.usersig() != first


def test_expired_usersig_answer_drops_the_cache():
    clock = FakeClock(T0)
    hook = make_hook(clock=clock)
    first = hook.usersig()
    with pytest.raises(RtcClockSkewError):
        hook.interpret(CALL, envelope("FAIL", 70001, "usersig expired"))
    clock.now = T0 + 1
    assert hook.usersig() != first


def test_build_request_shape():
    hook = make_hook(clock=FakeClock(T0))
    request = hook.build_request(VendorCall(action="resume_mcu_task", body={"RoomId": "房间"}))
    assert request.method == "POST"
    assert request.url == "https://console.tim.qq.com/v4/live_engine_http_srv/resume_mcu_task"
    assert urlsplit(request.url).query == ""  # the signed query lives in params only
    assert set(request.params) == {"sdkappid", "identifier", "usersig", "random", "contenttype"}
    assert request.params["sdkappid"] == str(SDKAPPID)
    assert request.params["identifier"] == "administrator"
    assert request.params["contenttype"] == "json"
    assert 0 <= int(request.params["random"]) < 2**32
    assert json.loads(request.body) == {"RoomId": "房间"}
    assert request.headers["Content-Type"] == "application/json"
    again = hook.build_request(VendorCall(action="resume_mcu_task", body={"RoomId": "房间"}))
    assert again.params["usersig"] == request.params["usersig"]
    randoms = {hook.build_request(CALL).params["random"] for _ in range(20)}
    assert len(randoms) > 1


@pytest.mark.parametrize("command", ["", "../v4/other", "resume_mcu_task?x=1", "Resume"])
def test_command_names_are_checked(command):
    with pytest.raises(RtcValidationError):
        make_hook().build_request(VendorCall(action=command, body={}))


def test_repr_and_errors_do_not_show_the_key():
    hook = make_hook(clock=FakeClock(T0))
    usersig = hook.usersig()
    assert KEY not in repr(hook.config) and usersig not in repr(hook.config)
    assert usersig not in repr(hook._usersig)
