"""The I/O of a vendor call: one attempt over ``requests`` (workers) or ``httpx`` (triggerer).

Both senders read a bounded body, honour ``Retry-After`` and turn every client exception into a
typed error through ONE classification (:func:`failure_of`), so the sync and async paths report
a network failure the same way. Signed URLs live in those exceptions: the typed error is raised
outside the ``except`` block, carrying neither ``__cause__`` nor ``__context__``.
"""

from __future__ import annotations

import os
import ssl
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from airflow_provider_rtc.errors import ErrorKind, RtcApiError
from airflow_provider_rtc.hooks.answers import transport_error
from airflow_provider_rtc.hooks.calls import HttpRequest, HttpResponse

if TYPE_CHECKING:
    import httpx
    import requests

    from airflow_provider_rtc.hooks.retry import CallSettings

# Bodies above this are refused unread: no RTC API answer comes anywhere near it.
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
# Descriptions of the failures that mean "never reached the vendor" (the connection test's "not reachable").
NOT_SENT = ("connect timed out", "connection refused or unreachable", "TLS handshake failed", "TLS certificate rejected")


def failure_of(exc: BaseException, vendor: str, action: str, *, tls_hint: str = "") -> RtcApiError:
    """The typed error for a client exception from either requests or httpx."""
    import httpx
    import requests
    import urllib3.exceptions

    if _in_chain(exc, ssl.SSLCertVerificationError):
        # Final: a retry meets the same certificate.
        return transport_error(vendor, action, "TLS certificate rejected", may_have_executed=False,
                               kind=ErrorKind.FAILED, hint=tls_hint)
    if isinstance(exc, (requests.exceptions.ConnectTimeout, httpx.ConnectTimeout)):
        return transport_error(vendor, action, "connect timed out", may_have_executed=False)
    if isinstance(exc, requests.exceptions.SSLError) or (isinstance(exc, httpx.ConnectError)
                                                         and _in_chain(exc, ssl.SSLError)):
        return transport_error(vendor, action, "TLS handshake failed", may_have_executed=False)
    if isinstance(exc, httpx.ConnectError) or (isinstance(exc, requests.exceptions.ConnectionError)
                                               and _connection_never_made(exc)):
        return transport_error(vendor, action, "connection refused or unreachable", may_have_executed=False)
    if isinstance(exc, (requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError, httpx.TimeoutException)):
        return transport_error(vendor, action, "read timed out", may_have_executed=True)
    return transport_error(vendor, action, "connection dropped before an answer", may_have_executed=True)


def _answer(status: int, body: bytes, headers: Any, vendor: str, action: str) -> HttpResponse:
    if len(body) > MAX_RESPONSE_BYTES:
        raise transport_error(vendor, action, f"answer larger than {MAX_RESPONSE_BYTES} bytes refused",
                              may_have_executed=True)
    return HttpResponse(status=status, body=body, retry_after=_retry_after(headers))


def send_sync(session: requests.Session, request: HttpRequest, *, settings: CallSettings, verify: bool | str,
              vendor: str, action: str, tls_hint: str = "") -> HttpResponse:
    """One attempt over a keep-alive ``requests`` session."""
    import requests
    import urllib3.exceptions

    failure: RtcApiError | None = None
    try:
        response = session.request(
            request.method, request.url, params=request.params, data=request.body, headers=request.headers,
            timeout=(settings.connect_timeout, settings.read_timeout), verify=verify, allow_redirects=False,
            stream=True,
        )
        with response:
            body = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        failure = failure_of(exc, vendor, action, tls_hint=tls_hint)
    if failure is not None:
        raise failure
    return _answer(response.status_code, body, response.headers, vendor, action)


async def send_async(client: httpx.AsyncClient, request: HttpRequest, *, vendor: str, action: str,
                     tls_hint: str = "") -> HttpResponse:
    """One attempt over the trigger's ``httpx`` client."""
    import httpx

    failure: RtcApiError | None = None
    body = bytearray()
    try:
        async with client.stream(request.method, request.url, params=request.params, content=request.body,
                                 headers=request.headers) as response:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    break
            status, headers = response.status_code, response.headers
    except (httpx.HTTPError, OSError) as exc:
        failure = failure_of(exc, vendor, action, tls_hint=tls_hint)
    if failure is not None:
        raise failure
    return _answer(status, bytes(body), headers, vendor, action)


def async_client(settings: CallSettings, verify: bool | str) -> httpx.AsyncClient:
    import httpx  # ships with Airflow; imported only on the trigger path

    from airflow_provider_rtc.hooks import redaction

    redaction.install()
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
        verify=_shared_ssl_context(verify),
        follow_redirects=False,
    )


def _in_chain(exc: BaseException, kind: type) -> bool:
    """Whether an exception of ``kind`` lies anywhere in the exception's chain, reasons or args."""
    seen: set[int] = set()
    pending: list[Any] = [exc]
    while pending and len(seen) < 20:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
    return False


def _connection_never_made(exc: BaseException) -> bool:
    """True when the TCP connection was never established, so the request cannot have been seen."""
    import urllib3.exceptions

    return _in_chain(exc, urllib3.exceptions.NewConnectionError) or _in_chain(exc, ConnectionRefusedError)


def _httpx_verify(verify: bool | str):
    """httpx 0.28 deprecates a CA path for ``verify``; give it the SSL context it asks for instead."""
    if not isinstance(verify, str):
        return verify
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


def _retry_after(headers) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
