"""The one interpreter of vendor answers: HTTP response -> :class:`ApiResult` or a typed error.

Every vendor's answer is read through its catalogue :class:`~airflow_provider_rtc.catalogue.AnswerFormat`
(where the code, message, request id and data are kept) and error table, so the three vendors
behave the same wherever their documents agree:

- a body that is not a JSON object: an HTTP error judged by its status when the status is not
  2xx (retryable for 429/5xx), else a transport error (the vendor may have acted);
- a JSON object without the vendor's envelope: the same rule (a 404 from a proxy is final
  everywhere, a 2xx without an envelope is retried as an unreadable answer);
- an envelope: success, or an error classified by the vendor's table, with ``Retry-After``
  honoured on every path.
"""

from __future__ import annotations

import json
import re
from typing import Any

from airflow_provider_rtc.catalogue.base import AnswerFormat, Code, read_path
from airflow_provider_rtc.errors import ErrorKind, RtcApiError, RtcTransportError, api_error
from airflow_provider_rtc.hooks.calls import ApiResult, HttpResponse, VendorCall

# How much of an unreadable body goes into an error message: enough to recognise an HTML error
# page, short enough never to dump a whole page into a log.
BODY_EXCERPT_CHARS = 120
MESSAGE_CHARS = 300
# A V4 signature (64 hex digits): scrubbed from vendor messages in case a gateway ever echoes one.
_HEX_SIGNATURE = re.compile(r"\b[0-9a-fA-F]{64}\b")


def may_have_executed(status: int) -> bool:
    """Whether a refusal with this HTTP status may hide a request the vendor carried out.

    429 and 503 refuse before any work; another 5xx may come after it; a 2xx/4xx verdict is the
    vendor's own answer about the request, so nothing was done behind it.
    """
    return status >= 500 and status != 503


def body_excerpt(body: bytes) -> str:
    text = body[:BODY_EXCERPT_CHARS].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text + ("..." if len(body) > BODY_EXCERPT_CHARS else "")


def transport_error(vendor: str, action: str, what: str, *, may_have_executed: bool,
                    http_status: int | None = None, kind: ErrorKind = ErrorKind.RETRYABLE,
                    hint: str = "") -> RtcTransportError:
    """No usable answer (network failure, timeout, unreadable body): typed as such so a DAG author
    can tell "the vendor said no" (RtcApiError with a code) from "we never heard back"."""
    return RtcTransportError(vendor=vendor, action=action, kind=kind, message=what, http_status=http_status,
                             may_have_executed=may_have_executed, hint=hint)


def http_status_error(vendor: str, action: str, response: HttpResponse) -> RtcApiError:
    """An HTTP error whose body is not the vendor's envelope: judged by the status alone."""
    status = response.status
    return api_error(
        vendor=vendor, action=action,
        kind=ErrorKind.RETRYABLE if status == 429 or status >= 500 else ErrorKind.FAILED,
        http_status=status, message=body_excerpt(response.body) if response.body else "empty body",
        may_have_executed=may_have_executed(status), retry_after=response.retry_after,
    )


def _not_the_envelope(vendor: str, call: VendorCall, response: HttpResponse, what: str) -> RtcApiError:
    if response.status >= 300:
        return http_status_error(vendor, call.action, response)
    return transport_error(vendor, call.action, what, http_status=response.status, may_have_executed=True)


def _code(fmt: AnswerFormat, document: dict) -> tuple[bool, Code | None]:
    """(readable, code): the first present code path; unreadable when the vendor's type is broken."""
    for path in fmt.codes:
        value = read_path(document, path)
        if value is None or value == "":
            continue
        if fmt.code_type is str:
            return True, str(value)
        if isinstance(value, bool):
            return False, None
        if isinstance(value, int):
            return True, value
        if not fmt.strict_int_code and isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
            return True, int(value.strip())
        return False, None
    return True, None


def _text(value: Any) -> str:
    return _HEX_SIGNATURE.sub("[redacted]", str(value or ""))[:MESSAGE_CHARS]


def _broken_path(document: Any, path: tuple[str, ...]) -> bool:
    """Whether a part of the envelope on ``path`` is present but not an object (so the fields below it
    cannot be read), as opposed to merely absent."""
    for key in path[:-1]:
        document = document.get(key) if isinstance(document, dict) else None
        if document is None:
            return False
        if not isinstance(document, dict):
            return True
    return False


def _says_something(error: Any) -> bool:
    """Whether an error object reports anything: a dict with a non-empty field (or any other
    non-empty value). ``{}``, ``null`` and a dict of empty fields say nothing."""
    if isinstance(error, dict):
        return any(value not in (None, "", 0, {}, []) for value in error.values())
    return error not in (None, "", 0, {}, [], False)


def interpret(fmt: AnswerFormat, call: VendorCall, response: HttpResponse) -> ApiResult:
    """The vendor's answer as a result, or the typed error it means (raised)."""
    try:
        document = json.loads(response.body) if response.body else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        what = ("empty body" if not response.body
                else f"unreadable answer (not a JSON object): {body_excerpt(response.body)}")
        raise _not_the_envelope(fmt.vendor, call, response, what)
    if not any(read_path(document, path) is not None for path in fmt.markers):
        raise _not_the_envelope(fmt.vendor, call, response, f"answer is not a {fmt.vendor} envelope")
    if any(_broken_path(document, path) for path in (*fmt.codes, fmt.message, fmt.request_id)):
        # e.g. Volcengine's ResponseMetadata as a list: the envelope is there but cannot be read.
        raise _not_the_envelope(fmt.vendor, call, response, f"answer has a malformed {fmt.vendor} envelope")
    readable, code = _code(fmt, document)
    status_field = read_path(document, fmt.status) if fmt.status else None
    if not readable and status_field is not None:
        # A vendor status field (Tencent's ActionStatus) still says how the call went: it decides,
        # as for an answer without a code.
        readable, code = True, None
    if not readable or (fmt.code_required and code is None):
        raise _not_the_envelope(fmt.vendor, call, response, "answer has no readable error code")
    request_id = read_path(document, fmt.request_id)
    request_id = None if request_id in (None, "") else str(request_id)
    code_ok = code in fmt.success_codes or code is None
    status_ok = status_field is None or status_field == fmt.status_ok
    error_said = _says_something(read_path(document, fmt.error_object)) if fmt.error_object else False
    if code_ok and status_ok and not error_said and response.status < 300:
        return ApiResult(request_id=request_id, data=read_path(document, fmt.data))
    if code in fmt.success_codes:
        code = None  # a failure without a code (HTTP error or FAIL status): judge by the HTTP status
    kind = fmt.errors.classify(code, http_status=response.status)
    message = _text(read_path(document, fmt.message))
    template = fmt.subject_messages.get(code) if code is not None else None
    if template and isinstance(call.body, dict) and "RoomId" in call.body:
        message = template.format(**call.body) + (f" ({message})" if message else "")
    if code is None and not message and response.status >= 300:
        message = f"HTTP {response.status} without an error code in the {fmt.vendor} envelope"
    elif code is None and not message and error_said:
        message = f"an error without a code in the {fmt.vendor} envelope"
    raise api_error(
        vendor=fmt.vendor,
        action=call.action,
        kind=kind,
        code=code,
        message=message,
        request_id=request_id,
        http_status=response.status if response.status >= 300 else None,
        hint=(fmt.hints.get(code) if code is not None else None) or (fmt.auth_hint if kind is ErrorKind.AUTH else ""),
        may_have_executed=may_have_executed(response.status),
        retry_after=response.retry_after,
    )
