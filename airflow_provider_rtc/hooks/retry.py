"""The retry policy shared by the sync and async paths: call limits and :class:`RetryBudget`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from airflow_provider_rtc.errors import ErrorKind, RtcApiError
from airflow_provider_rtc.hooks.clock import SYSTEM_CLOCK, Clock

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
        clock: Clock | Callable[[], float] = SYSTEM_CLOCK,
        rng: Callable[[], float] = random.random,
        wall_clock: Callable[[], float] | None = None,
    ):
        self.settings = settings
        self.idempotent = idempotent
        self.attempts = 0
        # A Clock, or (older tests) a bare monotonic function with a separate wall clock.
        self._monotonic = clock.monotonic if isinstance(clock, Clock) else clock
        self._wall = wall_clock or (clock.time if isinstance(clock, Clock) else SYSTEM_CLOCK.time)
        self._rng = rng
        self._started = self._monotonic()
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
            return 1.0 - self._wall() % 1.0
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
        if self._monotonic() - self._started + delay >= self.settings.total_timeout:
            return None
        return delay

    def final_error(self, error: RtcApiError, *, clock_skew_hint: str = CLOCK_SKEW_HINT) -> RtcApiError:
        """The error to raise once retrying is over: a new error with the attempt count and a hint
        (the one the interpreter built is left as it was)."""
        hint = error.hint
        if error.kind is ErrorKind.CLOCK_SKEW:
            hint = clock_skew_hint
        elif error.kind is ErrorKind.RETRYABLE and not self.idempotent and error.may_have_executed:
            hint = (
                f"Not retried: {error.action} is not idempotent and the request may already have been "
                "accepted; check the vendor console before running it again"
            )
        elif error.kind is ErrorKind.AUTH:
            hint = hint or "Credentials or signature rejected; not retried. Check the connection's secret"
        return error.evolve(attempts=self.attempts, hint=hint)
