"""The retry policy as data: which errors retry, how long to wait, when to stop."""

import pickle

import pytest

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.catalogue.zego import ERRORS as ZEGO_ERRORS
from airflow_provider_rtc.errors import ErrorKind, RtcApiError, RtcAuthError, RtcClockSkewError, api_error
from airflow_provider_rtc.hooks.answers import http_status_error, interpret
from airflow_provider_rtc.hooks.calls import HttpResponse, VendorCall
from airflow_provider_rtc.hooks.retry import CallSettings, RetryBudget


def interpret_zego(call, response):
    """The shared interpreter with the zego answer format, as the hook uses it."""
    return interpret(catalogue.answer_format("zego"), call, response)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def error(kind, **kwargs):
    return api_error(vendor="ZEGO", action="StopMix", kind=kind, **kwargs)


def test_retryable_errors_back_off_exponentially_with_full_jitter_then_stop():
    budget = RetryBudget(CallSettings(max_retries=3, backoff_base=1.0, backoff_max=20), rng=lambda: 1.0,
                         clock=FakeClock())
    delays = []
    for _ in range(5):
        budget.record_attempt()
        delays.append(budget.delay_before_retry(error(ErrorKind.RETRYABLE)))
    assert delays == [1.0, 2.0, 4.0, None, None]  # 4 attempts in all


def test_jitter_is_uniform_below_the_ceiling():
    budget = RetryBudget(CallSettings(backoff_base=1.0), rng=lambda: 0.25, clock=FakeClock())
    budget.record_attempt()
    budget.record_attempt()
    assert budget.delay_before_retry(error(ErrorKind.RETRYABLE)) == 0.5


@pytest.mark.parametrize("kind", [ErrorKind.AUTH, ErrorKind.INVALID, ErrorKind.NOT_FOUND, ErrorKind.FAILED,
                                  ErrorKind.ALREADY_EXISTS])
def test_final_errors_are_never_retried(kind):
    budget = RetryBudget(CallSettings(), clock=FakeClock())
    budget.record_attempt()
    assert budget.delay_before_retry(error(kind)) is None


def test_clock_skew_is_resigned_exactly_once_then_explained():
    budget = RetryBudget(CallSettings(), clock=FakeClock(), wall_clock=lambda: 1_700_000_000.75)
    budget.record_attempt()
    # The re-signed attempt waits for the next whole second, so a seconds-resolution signature changes.
    assert budget.delay_before_retry(error(ErrorKind.CLOCK_SKEW, code=100000004)) == pytest.approx(0.25)
    budget.record_attempt()
    skew = error(ErrorKind.CLOCK_SKEW, code=100000004)
    assert budget.delay_before_retry(skew) is None
    final = budget.final_error(skew)
    assert isinstance(final, RtcClockSkewError)
    assert "clock" in str(final) and "after 2 attempts" in str(final)


def test_total_time_bounds_the_call():
    clock = FakeClock()
    budget = RetryBudget(CallSettings(total_timeout=10, backoff_base=1.0), rng=lambda: 1.0, clock=clock)
    budget.record_attempt()
    clock.now = 9.5
    assert budget.delay_before_retry(error(ErrorKind.RETRYABLE)) is None


def test_non_idempotent_call_is_not_repeated_once_it_may_have_executed():
    budget = RetryBudget(CallSettings(), idempotent=False, clock=FakeClock(), rng=lambda: 0.0)
    budget.record_attempt()
    assert budget.delay_before_retry(error(ErrorKind.RETRYABLE, may_have_executed=False)) == 0.0
    budget.record_attempt()
    maybe = error(ErrorKind.RETRYABLE, may_have_executed=True)
    assert budget.delay_before_retry(maybe) is None
    assert "not idempotent" in str(budget.final_error(maybe))


def test_retry_after_header_is_honoured_up_to_the_cap():
    budget = RetryBudget(CallSettings(backoff_max=5), rng=lambda: 0.0, clock=FakeClock())
    budget.record_attempt()
    assert budget.delay_before_retry(error(ErrorKind.RETRYABLE, retry_after=3.0)) == 3.0
    assert budget.delay_before_retry(error(ErrorKind.RETRYABLE, retry_after=60.0)) == 5.0


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (100000004, ErrorKind.CLOCK_SKEW),
        (100000005, ErrorKind.AUTH),
        (100000010, ErrorKind.AUTH),
        (110200003, ErrorKind.AUTH),
        (410000005, ErrorKind.AUTH),
        (110200194, ErrorKind.RETRYABLE),
        (110200005, ErrorKind.RETRYABLE),
        (100000015, ErrorKind.RETRYABLE),
        (7, ErrorKind.RETRYABLE),  # over the API's rate limit (https://docs.zegocloud.com/article/9811)
        (206, ErrorKind.RETRYABLE),
        (110209001, ErrorKind.NOT_FOUND),
        (410001002, ErrorKind.NOT_FOUND),
        (110200002, ErrorKind.INVALID),
        (123, ErrorKind.FAILED),
    ],
)
def test_zego_error_table(code, kind):
    assert ZEGO_ERRORS.classify(code) is kind


def test_unknown_code_behind_a_5xx_is_retryable():
    assert ZEGO_ERRORS.classify(999, http_status=503) is ErrorKind.RETRYABLE


CALL = VendorCall(action="StopMix")


def test_interpreter_success_and_failure():
    ok = interpret_zego(CALL, HttpResponse(200, b'{"Code":0,"Message":"success","RequestId":"r1","Data":{"a":1}}'))
    assert (ok.request_id, ok.data) == ("r1", {"a": 1})
    with pytest.raises(RtcAuthError) as info:
        interpret_zego(CALL, HttpResponse(200, b'{"Code":100000005,"Message":"sig","RequestId":"r2"}'))
    assert info.value.code == 100000005 and info.value.request_id == "r2"


@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [
        (200, b"", True),
        (200, b"<html><body>gateway</body></html>", True),
        (200, b'{"Code": 0, "Da', True),
        (200, b"[1, 2]", True),
        (502, b"<html>Bad Gateway</html>", True),
        (404, b"not found", False),
    ],
)
def test_unreadable_bodies_become_typed_errors_with_a_short_excerpt(status, body, retryable):
    with pytest.raises(RtcApiError) as info:
        interpret_zego(CALL, HttpResponse(status, body))
    assert info.value.retryable is retryable
    assert "JSONDecodeError" not in repr(info.value)
    assert len(str(info.value)) < 400


def test_http_errors_and_api_errors_pickle_round_trip():
    original = http_status_error("ZEGO", "StopMix", HttpResponse(503, b"busy"))
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is type(original) and str(copy) == str(original) and copy.http_status == 503
