"""The package's exceptions.

Everything a vendor call can raise derives from :class:`RtcError`, so a DAG author can catch one
type.  Messages never carry secrets, signatures or signed URLs: they are built from the vendor's
code, message and request id only.
"""

from __future__ import annotations

from enum import Enum


class RtcError(Exception):
    """Base class of every error raised by this provider."""


class RtcValidationError(RtcError, ValueError):
    """Input rejected before any request was sent; ``field`` names the offending argument."""

    def __init__(self, field: str, rule: str):
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")


class RtcConfigError(RtcError, ValueError):
    """The Airflow connection is unusable (bad AppId, empty secret, refused host, ...)."""


class ErrorKind(str, Enum):
    """How the transport should treat a failed call."""

    RETRYABLE = "retryable"  # throttling, transient vendor or network failure: retry with backoff
    AUTH = "auth"  # credentials or signature rejected: never retried (Tencent locks the account)
    CLOCK_SKEW = "clock_skew"  # timestamp outside the vendor's window: re-sign once, then fail
    NOT_FOUND = "not_found"  # task or room does not exist: stops treat this as already stopped
    ALREADY_EXISTS = "already_exists"  # start of a task that is already running
    INVALID = "invalid"  # the vendor rejected the parameters: retrying cannot help
    FAILED = "failed"  # any other vendor failure


class RtcApiError(RtcError):
    """A vendor call failed; carries what the vendor said, never what was sent."""

    def __init__(
        self,
        *,
        vendor: str,
        action: str,
        kind: ErrorKind,
        code: int | str | None = None,
        message: str = "",
        request_id: str | None = None,
        http_status: int | None = None,
        attempts: int = 1,
        hint: str = "",
        may_have_executed: bool = False,
        retry_after: float | None = None,
    ):
        self.vendor = vendor
        self.action = action
        self.kind = kind
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.attempts = attempts
        self.hint = hint
        # True when the request may have reached the vendor and been acted on (read timeout,
        # dropped connection, some 5xx): a non-idempotent call must not be repeated then.
        self.may_have_executed = may_have_executed
        self.retry_after = retry_after
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [f"{self.vendor} {self.action} failed"]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        text = ", ".join(parts)
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" (RequestId {self.request_id})"
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        if self.hint:
            text += f". {self.hint}"
        return text

    def evolve(self, **changes) -> RtcApiError:
        """A new error like this one with ``changes`` applied: errors are built final, never rewritten."""
        fields = {name: getattr(self, name) for name in _FIELDS}
        return type(self)(**{**fields, **changes})

    def __reduce__(self):
        # Keyword-only __init__: make the error picklable (Airflow ships exceptions between processes).
        return (_rebuild_api_error, (type(self), self.__dict__.copy()))

    @property
    def retryable(self) -> bool:
        return self.kind is ErrorKind.RETRYABLE

    @property
    def is_auth(self) -> bool:
        return self.kind is ErrorKind.AUTH

    @property
    def is_not_found(self) -> bool:
        return self.kind is ErrorKind.NOT_FOUND

_FIELDS = ("vendor", "action", "kind", "code", "message", "request_id", "http_status", "attempts", "hint",
           "may_have_executed", "retry_after")


class RtcAuthError(RtcApiError):
    """Credentials or signature rejected. Never retried."""


class RtcNotFoundError(RtcApiError):
    """The task or room named in the call does not exist (or has already ended)."""


class RtcClockSkewError(RtcApiError):
    """The vendor rejected the request timestamp twice: the worker's clock is off."""


class RtcTransportError(RtcApiError):
    """The request did not get a usable answer: network failure, timeout or an unreadable body."""


_CLASS_BY_KIND = {
    ErrorKind.AUTH: RtcAuthError,
    ErrorKind.NOT_FOUND: RtcNotFoundError,
    ErrorKind.CLOCK_SKEW: RtcClockSkewError,
}


def api_error(**kwargs) -> RtcApiError:
    """Build the most specific :class:`RtcApiError` subclass for ``kwargs['kind']``."""
    return _CLASS_BY_KIND.get(kwargs["kind"], RtcApiError)(**kwargs)


def _rebuild_api_error(cls, state):
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error._render())
    return error
