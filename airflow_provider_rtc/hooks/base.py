"""The shared base of the vendor hooks: connection parsing, masking and the sync transport.

A vendor hook supplies two pure steps, ``build_request`` (sign one attempt) and ``interpret``
(envelope -> result or typed error); this base runs the attempts over a keep-alive
``requests.Session`` with connect/read timeouts and the :class:`RetryBudget` between attempts.
The async trigger path reuses both steps with httpx, so only the I/O differs.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import time
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from airflow_provider_rtc.errors import ErrorKind, RtcApiError, RtcConfigError
from airflow_provider_rtc.hooks.transport import (
    CLOCK_SKEW_HINT,
    MAX_RESPONSE_BYTES,
    ApiResult,
    CallSettings,
    HttpRequest,
    HttpResponse,
    RetryBudget,
    VendorCall,
    transport_error,
)
from airflow_provider_rtc.ratelimit import governor

_DECIMAL = re.compile(r"[0-9]{1,10}")

if TYPE_CHECKING:
    import httpx
    import requests
    from airflow.sdk import Connection


class RtcHook(BaseHook):
    """Base hook: subclasses set the class attributes and implement ``build_request`` / ``interpret``."""

    conn_name_attr: ClassVar[str]
    default_conn_name: ClassVar[str]
    conn_type: ClassVar[str]
    hook_name: ClassVar[str]
    vendor: ClassVar[str]
    # What a second stale-timestamp answer means for this vendor's signing scheme.
    clock_skew_hint: ClassVar[str] = CLOCK_SKEW_HINT

    def __init__(
        self,
        conn_id: str | None = None,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        backoff_base: float | None = None,
        total_timeout: float | None = None,
        logger_name: str | None = None,
    ):
        super().__init__(logger_name=logger_name)
        self.conn_id = conn_id or self.default_conn_name
        self._overrides = {
            key: value
            for key, value in {
                "connect_timeout": connect_timeout,
                "read_timeout": read_timeout,
                "max_retries": max_retries,
                "backoff_base": backoff_base,
                "total_timeout": total_timeout,
            }.items()
            if value is not None
        }
        self._session: requests.Session | None = None

    # -- connection ---------------------------------------------------------------------------

    @cached_property
    def connection(self) -> Connection:
        return self.get_connection(self.conn_id)

    def extra(self, key: str, default: Any = None) -> Any:
        """An extra field, also under the ``extra__{conn_type}__`` prefix older UIs wrote."""
        extras = self.connection.extra_dejson
        for name in (key, f"extra__{self.conn_type}__{key}"):
            value = extras.get(name)
            if value not in (None, ""):
                return value
        return default

    def extra_number(self, key: str, *, maximum: float) -> float | None:
        value = self.extra(key)
        if value is None:
            return None
        try:
            # true is not 1 second; "nan"/"inf" parse as floats but are no timeout or lifetime.
            if isinstance(value, bool):
                raise TypeError
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise RtcConfigError(f"connection {self.conn_id!r}: extra {key!r} must be a number, got {value!r}") from None
        if not math.isfinite(number) or number <= 0 or number > maximum:
            raise RtcConfigError(
                f"connection {self.conn_id!r}: extra {key!r} must be > 0 and at most {maximum:g}, got {value!r}"
            )
        return number

    def extra_bool(self, key: str, default: bool = False) -> bool:
        value = self.extra(key, default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise RtcConfigError(f"connection {self.conn_id!r}: extra {key!r} must be true or false, got {value!r}")

    def require_uint32_login(self, what: str) -> int:
        """The login field as a decimal uint32 id (ZEGO AppId, Tencent SDKAppID), or a clear error."""
        login = (self.connection.login or "").strip()
        # ASCII digits only: str.isdigit() also takes "²" or "１２", which int() then refuses or reads.
        if not _DECIMAL.fullmatch(login) or not 0 < int(login) < 2**32:
            raise RtcConfigError(
                f"connection {self.conn_id!r}: login must be the {what}, a decimal number between 1 and "
                f"4294967295 (got {'an empty value' if not login else repr(login)})"
            )
        return int(login)

    def require_secret(self, value: str | None, what: str) -> str:
        if not value or not value.strip():
            raise RtcConfigError(f"connection {self.conn_id!r}: {what} (password field) is empty")
        mask_secret(value)
        return value

    @cached_property
    def settings(self) -> CallSettings:
        defaults = {}
        if (timeout := self.extra_number("timeout", maximum=3600.0)) is not None:
            defaults["read_timeout"] = timeout
        return CallSettings(**{**defaults, **self._overrides})

    @cached_property
    def verify(self) -> bool | str:
        """TLS verification: on by default; a CA bundle path, or off with a warning.

        The path must exist (a PEM file, or a directory prepared with ``c_rehash``): a typo would
        otherwise surface as a puzzling TLS failure on every call, or - in some client versions -
        be ignored.
        """
        value = self.extra("verify")
        text = value.strip() if isinstance(value, str) else None
        if value is None or value is True or (text is not None and text.lower() in ("true", "1", "yes")):
            return True
        if value is False or (text is not None and text.lower() in ("false", "0", "no")):
            self.log.warning(
                "TLS certificate verification is DISABLED for connection %r: anyone on the path can "
                "read and alter vendor calls. Point the 'verify' extra at a CA bundle instead.",
                self.conn_id,
            )
            return False
        if not text:
            raise RtcConfigError(
                f"connection {self.conn_id!r}: extra 'verify' must be true, false or the path of a CA bundle, "
                f"got {type(value).__name__}"
            )
        if not os.path.exists(text):
            raise RtcConfigError(f"connection {self.conn_id!r}: extra 'verify': CA bundle {text!r} does not exist")
        return text

    # -- what each vendor supplies ----------------------------------------------------------

    def build_request(self, call: VendorCall) -> HttpRequest:
        """Build and sign one attempt of ``call`` (fresh nonce / date / random every time)."""
        raise NotImplementedError

    def interpret(self, call: VendorCall, response: HttpResponse) -> ApiResult:
        """Turn the vendor's answer into a result, or raise the typed error it means."""
        raise NotImplementedError

    # -- sync execution ---------------------------------------------------------------------

    def run(self, call: VendorCall) -> ApiResult:
        """Execute ``call`` with timeouts, bounded retries and a fresh signature per attempt."""
        budget = RetryBudget(self.settings, idempotent=call.idempotent)
        self.verify  # noqa: B018 - a bad 'verify' extra fails here, before anything is signed or sent
        while True:
            # Per-attempt signatures (``request.sensitive``) are not registered with the masker, as
            # on the async path: Airflow's masker recompiles one regex over every value it ever got
            # on each new value, so masking a fresh ZEGO signature per call made every call slower
            # than the last (12 ms at the first call, 90 ms by the 200th; a poke-mode sensor pays
            # that for hours). They are single-use or expire within minutes, signed URLs are
            # scrubbed from HTTP client log lines (hooks.redaction), and the long-lived secrets they
            # derive from (ServerSecret, SecretAccessKey, session token, the cached UserSig) are
            # still masked when the hook reads or makes them.
            governor.wait_turn(self, call)  # inside the vendor's rate limits; signed after the wait
            request = self.build_request(call)
            attempt = budget.record_attempt()
            try:
                return replace(self.interpret(call, self._send(request, call)), attempts=attempt)
            except RtcApiError as error:
                time.sleep(self._delay_or_raise(budget, call, error))

    async def arun(self, call: VendorCall, client: httpx.AsyncClient) -> ApiResult:
        """The async twin of :meth:`run` for triggers: same signing, interpretation and retry budget.

        Per-request signatures are not registered with the masker here: a triggerer runs for weeks
        and the masker's pattern set would only grow. Nothing on this path logs a request; the
        redaction filter covers httpx's own request lines.
        """
        budget = RetryBudget(self.settings, idempotent=call.idempotent)
        while True:
            await governor.await_turn(self, call)  # inside the vendor's rate limits; signed after the wait
            request = self.build_request(call)
            attempt = budget.record_attempt()
            try:
                return replace(self.interpret(call, await self._asend(client, request, call)), attempts=attempt)
            except RtcApiError as error:
                await asyncio.sleep(self._delay_or_raise(budget, call, error))

    def _delay_or_raise(self, budget: RetryBudget, call: VendorCall, error: RtcApiError) -> float:
        delay = budget.delay_before_retry(error)
        if delay is None:
            raise budget.finalize(error, clock_skew_hint=self.clock_skew_hint) from None
        self.log.warning(
            "%s %s attempt %d failed (%s); retrying in %.2f s", self.vendor, call.action, budget.attempts, error, delay
        )
        return delay

    @classmethod
    async def for_trigger(cls, conn_id: str, **overrides) -> RtcHook:
        """A hook whose connection was fetched without blocking the triggerer's event loop."""
        hook = cls(conn_id, **overrides)
        hook.__dict__["connection"] = await cls.aget_connection(conn_id)
        return hook

    def async_client(self) -> httpx.AsyncClient:
        import httpx  # ships with Airflow; imported only on the trigger path

        from airflow_provider_rtc.hooks import redaction

        redaction.install()
        settings = self.settings
        return httpx.AsyncClient(
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            verify=_shared_ssl_context(self.verify),
            follow_redirects=False,
        )

    async def _asend(self, client: httpx.AsyncClient, request: HttpRequest, call: VendorCall) -> HttpResponse:
        import httpx

        # As in _send: httpx exceptions carry the signed URL, so they are mapped and the typed
        # error is raised outside the except block (no __cause__ / __context__ to leak it).
        failure: RtcApiError | None = None
        body = bytearray()
        try:
            async with client.stream(
                request.method, request.url, params=request.params, content=request.body, headers=request.headers
            ) as response:
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        break
                status, headers = response.status_code, response.headers
        except httpx.ConnectTimeout:
            failure = transport_error(self.vendor, call.action, "connect timed out", may_have_executed=False)
        except httpx.ConnectError as exc:
            if _certificate_rejected(exc):
                failure = self._tls_failure(call, exc)
            else:
                failure = transport_error(self.vendor, call.action, "connection refused or unreachable",
                                          may_have_executed=False)
        except httpx.TimeoutException:
            failure = transport_error(self.vendor, call.action, "read timed out", may_have_executed=True)
        except (httpx.HTTPError, OSError):
            failure = transport_error(self.vendor, call.action, "connection dropped before an answer",
                                      may_have_executed=True)
        if failure is not None:
            raise failure
        if len(body) > MAX_RESPONSE_BYTES:
            raise transport_error(self.vendor, call.action, f"answer larger than {MAX_RESPONSE_BYTES} bytes refused",
                                  may_have_executed=True)
        return HttpResponse(status=status, body=bytes(body), retry_after=_retry_after(headers))

    def _tls_failure(self, call: VendorCall, exc: BaseException) -> RtcApiError:
        """A rejected certificate is final (retrying cannot change it); other handshake failures retry."""
        if not _certificate_rejected(exc):
            return transport_error(self.vendor, call.action, "TLS handshake failed", may_have_executed=False)
        failure = transport_error(self.vendor, call.action, "TLS certificate rejected", may_have_executed=False)
        failure.kind = ErrorKind.FAILED  # final: a retry meets the same certificate
        failure.hint = (f"the server's certificate did not verify; if a private CA signed it, point the 'verify' "
                        f"extra of connection {self.conn_id!r} at that CA bundle")
        return failure

    def _get_session(self) -> requests.Session:
        if self._session is None:
            import requests  # deferred: DAG files import operators, only execution needs requests

            from airflow_provider_rtc.hooks import redaction

            redaction.install()
            self._session = requests.Session()
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _send(self, request: HttpRequest, call: VendorCall) -> HttpResponse:
        import requests
        import urllib3.exceptions

        # Exceptions from requests repeat the full URL, signature included. They are mapped to
        # short descriptions, and the typed error is raised *outside* the except block so it
        # carries neither __cause__ nor __context__ pointing at them.
        failure: RtcApiError | None = None
        try:
            response = self._get_session().request(
                request.method,
                request.url,
                params=request.params,
                data=request.body,
                headers=request.headers,
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                verify=self.verify,
                allow_redirects=False,
                stream=True,
            )
            with response:
                body = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
        except requests.exceptions.ConnectTimeout:
            failure = transport_error(self.vendor, call.action, "connect timed out", may_have_executed=False)
        except requests.exceptions.SSLError as exc:
            failure = self._tls_failure(call, exc)
        except requests.exceptions.ConnectionError as exc:
            never_sent = _connection_never_made(exc)
            what = "connection refused or unreachable" if never_sent else "connection dropped before an answer"
            failure = transport_error(self.vendor, call.action, what, may_have_executed=not never_sent)
        except (requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError):
            failure = transport_error(self.vendor, call.action, "read timed out", may_have_executed=True)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError):
            failure = transport_error(
                self.vendor, call.action, "connection broken while reading the answer", may_have_executed=True
            )
        if failure is not None:
            raise failure
        if len(body) > MAX_RESPONSE_BYTES:
            raise transport_error(
                self.vendor, call.action, f"answer larger than {MAX_RESPONSE_BYTES} bytes refused", may_have_executed=True
            )
        return HttpResponse(status=response.status_code, body=body, retry_after=_retry_after(response.headers))


def _certificate_rejected(exc: BaseException) -> bool:
    """Whether an ``ssl.SSLCertVerificationError`` lies anywhere in the exception's chain or args."""
    import ssl

    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending and len(seen) < 20:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        pending += [e for e in (current.__cause__, current.__context__, *current.args) if isinstance(e, BaseException)]
    return False


def _httpx_verify(verify: bool | str):
    """httpx 0.28 deprecates a CA path for ``verify``; give it the SSL context it asks for instead."""
    if not isinstance(verify, str):
        return verify
    import ssl

    if os.path.isdir(verify):
        return ssl.create_default_context(capath=verify)
    return ssl.create_default_context(cafile=verify)


@lru_cache(maxsize=8)
def _shared_ssl_context(verify: bool | str):
    """One SSL context per ``verify`` setting, shared by every async client in the process.

    Left to itself httpx builds a context per client and loads the whole CA bundle into it: about
    40 ms of CPU on the triggerer's event loop and 0.85 MB per deferred sensor, so 1,000 waiting
    sensors blocked the loop for ~40 s in all and held ~850 MB (``make bench``, triggerer section).
    """
    import httpx

    verify = _httpx_verify(verify)
    return verify if not isinstance(verify, bool) else httpx.create_ssl_context(verify=verify)


def _connection_never_made(exc: BaseException) -> bool:
    """True when the TCP connection was never established, so the request cannot have been seen."""
    import urllib3.exceptions

    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
            return True
        stack.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        stack.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    return False


def _retry_after(headers) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
