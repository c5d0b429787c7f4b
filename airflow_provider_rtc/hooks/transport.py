"""Vendor-neutral request/response types and the retry policy shared by the sync and async paths.

Nothing here does I/O: the sync hook (requests) and the async trigger path (httpx) both build an
:class:`HttpRequest`, hand it to their own client, and feed the :class:`HttpResponse` back to the
same vendor interpreter, consulting the same :class:`RetryBudget` between attempts.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from airflow_provider_rtc.errors import ErrorKind, RtcApiError, RtcTransportError, api_error

# How much of an unreadable body goes into an error message: enough to recognise an HTML error
# page, short enough never to dump a whole page into a log.
BODY_EXCERPT_CHARS = 120
# Bodies above this are refused unread: no RTC API answer comes anywhere near it.
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
CLOCK_SKEW_HINT = (
    "The vendor rejected the request timestamp twice: check the worker's clock "
    "(NTP) - it must be within a few minutes of real time"
)


@dataclass(frozen=True)
class CallSettings:
    """Timeouts and retry bounds for one vendor call (retries included)."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 3  # 4 attempts in all
    backoff_base: float = 1.0  # full jitter: sleep uniform(0, base * 2**n), capped below
    backoff_max: float = 20.0
    total_timeout: float = 120.0  # no new attempt starts past this many seconds after the first

    def __post_init__(self):
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries!r}")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("backoff_base and backoff_max must be >= 0")


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str  # scheme://host[:port]/path, without the query
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes | None = None
    # Values derived from secrets (signatures, tokens) that must be masked before anything logs.
    sensitive: tuple[str, ...] = ()


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    retry_after: float | None = None


@dataclass(frozen=True)
class VendorCall:
    """One logical API call, independent of how many attempts it takes."""

    action: str
    method: str = "POST"
    body: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    endpoint: str = "default"  # which of the connection's base URLs (ZEGO: "rtc" or "asr")
    version: str | None = None  # Volcengine API version
    # False when repeating an accepted request would do the work twice (e.g. start a second
    # ASR task): then an attempt that may have reached the vendor is never repeated.
    idempotent: bool = True


@dataclass(frozen=True)
class ApiResult:
    request_id: str | None
    data: Any
    attempts: int = 1


def body_excerpt(body: bytes) -> str:
    text = body[:BODY_EXCERPT_CHARS].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text + ("..." if len(body) > BODY_EXCERPT_CHARS else "")


def transport_error(
    vendor: str, action: str, what: str, *, may_have_executed: bool, http_status: int | None = None
) -> RtcTransportError:
    """No usable answer (network failure, timeout, unreadable body): retryable, and typed as such so
    a DAG author can tell "the vendor said no" (RtcApiError with a code) from "we never heard back"."""
    return RtcTransportError(
        vendor=vendor, action=action, kind=ErrorKind.RETRYABLE, message=what, http_status=http_status,
        may_have_executed=may_have_executed,
    )


def http_status_error(vendor: str, action: str, response: HttpResponse) -> RtcApiError:
    """An HTTP error whose body the vendor interpreter could not read as its envelope."""
    status = response.status
    retryable = status == 429 or status >= 500
    return api_error(
        vendor=vendor,
        action=action,
        kind=ErrorKind.RETRYABLE if retryable else ErrorKind.FAILED,
        http_status=status,
        message=body_excerpt(response.body) if response.body else "empty body",
        # 429 and 503 are refusals before the work starts; a 500/502/504 may hide an accepted request.
        may_have_executed=status not in (429, 503),
        retry_after=response.retry_after,
    )


class RetryBudget:
    """Decides, after each failed attempt, whether and when the next one may start.

    The rules: auth, parameter and not-found errors are final; a stale-timestamp answer earns
    exactly one re-signed retry; retryable errors get exponential backoff with full jitter, within
    ``max_retries`` and ``total_timeout``; a non-idempotent call is never repeated once a request
    may have reached the vendor.
    """

    def __init__(
        self,
        settings: CallSettings,
        *,
        idempotent: bool = True,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
        wall_clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.idempotent = idempotent
        self.attempts = 0
        self._clock = clock
        self._wall_clock = wall_clock
        self._rng = rng
        self._started = clock()
        self._resigned = False

    def record_attempt(self) -> int:
        self.attempts += 1
        return self.attempts

    def delay_before_retry(self, error: RtcApiError) -> float | None:
        """Seconds to wait before the next attempt, or None when ``error`` is final."""
        if error.kind is ErrorKind.CLOCK_SKEW:
            if self._resigned:
                return None
            self._resigned = True
            # Volcengine's X-Date and Tencent's UserSig carry whole seconds: re-signing within the
            # same second would resend the very signature that was just rejected.
            return 1.0 - self._wall_clock() % 1.0
        if error.kind is not ErrorKind.RETRYABLE:
            return None
        if not self.idempotent and error.may_have_executed:
            return None
        if self.attempts > self.settings.max_retries:
            return None
        ceiling = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (self.attempts - 1))
        delay = self._rng() * ceiling
        retry_after = error.retry_after
        if retry_after:
            delay = max(delay, min(retry_after, self.settings.backoff_max))
        if self._clock() - self._started + delay >= self.settings.total_timeout:
            return None
        return delay

    def finalize(self, error: RtcApiError, *, clock_skew_hint: str = CLOCK_SKEW_HINT) -> RtcApiError:
        """The error to raise once retrying is over, with the attempt count and a hint."""
        error.attempts = self.attempts
        if error.kind is ErrorKind.CLOCK_SKEW:
            error.hint = clock_skew_hint
        elif error.kind is ErrorKind.RETRYABLE and not self.idempotent and error.may_have_executed:
            error.hint = (
                f"Not retried: {error.action} is not idempotent and the request may already have been "
                "accepted; check the vendor console before running it again"
            )
        elif error.kind is ErrorKind.AUTH:
            error.hint = error.hint or "Credentials or signature rejected; not retried. Check the connection's secret"
        error.args = (error._render(),)
        return error


@dataclass(frozen=True)
class ErrorTable:
    """A vendor's error codes by how they are handled: data, not scattered ``if``s."""

    retryable: frozenset = frozenset()
    auth: frozenset = frozenset()
    clock_skew: frozenset = frozenset()
    not_found: frozenset = frozenset()
    already_exists: frozenset = frozenset()
    invalid: frozenset = frozenset()

    def classify(self, code: int | str, *, http_status: int = 200) -> ErrorKind:
        for kind, codes in (
            (ErrorKind.CLOCK_SKEW, self.clock_skew),
            (ErrorKind.AUTH, self.auth),
            (ErrorKind.RETRYABLE, self.retryable),
            (ErrorKind.NOT_FOUND, self.not_found),
            (ErrorKind.ALREADY_EXISTS, self.already_exists),
            (ErrorKind.INVALID, self.invalid),
        ):
            if code in codes:
                return kind
        # An unknown code behind a 429/5xx is the gateway being unwell, not a verdict on the request.
        if http_status == 429 or http_status >= 500:
            return ErrorKind.RETRYABLE
        return ErrorKind.FAILED


def parse_json_object(vendor: str, action: str, response: HttpResponse) -> dict:
    """The response body as a JSON object, or the right typed error for an unusable body.

    A non-2xx answer that is not the vendor's JSON becomes an HTTP error (retryable for 429/5xx);
    a 2xx answer that cannot be read (empty, HTML, truncated JSON) is retryable, but flagged as
    possibly executed, because the vendor may have acted before the answer was mangled.
    """
    try:
        document = json.loads(response.body) if response.body else None
    except ValueError:
        document = None
    if isinstance(document, dict):
        return document
    if response.status >= 300:
        raise http_status_error(vendor, action, response)
    what = "empty body" if not response.body else f"unreadable answer (not a JSON object): {body_excerpt(response.body)}"
    raise transport_error(vendor, action, what, http_status=response.status, may_have_executed=True)
