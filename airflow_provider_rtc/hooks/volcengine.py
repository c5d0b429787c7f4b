"""Volcengine RTC OpenAPI (and BytePlus): connection, error table, interpreter and hook.

Every request is signed with Signature V4 (:mod:`airflow_provider_rtc.signing.volcengine`), with
``Action`` and ``Version`` in the query; BytePlus is the same API on another host and region.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Callable
from urllib.parse import urlsplit

from airflow.sdk.log import mask_secret

from airflow_provider_rtc.errors import ErrorKind, RtcApiError, RtcConfigError, RtcValidationError, api_error
from airflow_provider_rtc.hooks.base import RtcHook
from airflow_provider_rtc.hooks.transport import (
    ApiResult,
    ErrorTable,
    HttpRequest,
    HttpResponse,
    VendorCall,
    http_status_error,
    parse_json_object,
    transport_error,
)
from airflow_provider_rtc.signing import volcengine as volcengine_signing
from airflow_provider_rtc.urls import normalize_base_url

VENDOR = "Volcengine"
DEFAULT_HOST = "rtc.volcengineapi.com"
DEFAULT_REGION = "cn-north-1"
DEFAULT_SERVICE = "rtc"
BYTEPLUS_HOST_SUFFIX = "byteplusapi.com"
BYTEPLUS_DEFAULT_REGION = "ap-singapore-1"

# Region and service go into the credential scope verbatim: refuse anything that could not be one.
_SCOPE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
# The RTC id rule (models.volcengine.ID_PATTERN), for the connection's default AppId.
_APP_ID = re.compile(r"[a-zA-Z0-9_@\-\.]{1,128}")
# A V4 signature (64 hex digits): scrubbed from vendor messages in case a gateway ever echoes one.
_HEX_SIGNATURE = re.compile(r"\b[0-9a-fA-F]{64}\b")

# Gateway and RTC codes (shared/VENDOR_APIS.md section 2); statuses per the public error-code page.
VOLCENGINE_ERRORS = ErrorTable(
    clock_skew=frozenset({"InvalidTimestamp"}),  # 100006: signature expired, re-sign once
    auth=frozenset(
        {
            "MissingAuthenticationToken",  # 100003
            "MissingRequestInfo",  # 100004: no AK / region / service in the request
            "MissingSignature",  # 100005
            "InvalidAccessKey",  # 100009
            "SignatureDoesNotMatch",  # 100010
            "LackPolicy",  # 100012: the sub-account has no policy for RTC
            "AccessDenied",  # 100013
        }
    ),
    retryable=frozenset(
        {
            "FlowLimitExceeded.QPSOverLimit",
            # Not in the digest: the gateway's names for throttling and transient failures. Behind
            # a 429/5xx an unknown code is retried anyway; these also cover an HTTP 200 envelope.
            "FlowLimitExceeded",
            "ServiceFlowLimitExceeded",
            "AccountFlowLimitExceeded",
            "InternalError",
            "InternalServiceError",
            "InternalServiceTimeout",
            "ServiceUnavailable",
            "ServiceUnavailableTemp",
        }
    ),
    not_found=frozenset({"InvalidParameter.ErrorActiveTaskNotFound"}),  # no such task, or it has stopped
    already_exists=frozenset({"InvalidParameter.TaskAlreadyExists"}),
    invalid=frozenset(
        {
            "MissingParameter",  # 100002
            "ServiceNotFound",  # 100007: check the connection's service extra
            "InvalidActionOrVersion",  # 100008
            "InvalidParameter",
            "InvalidParameter.IllegalRoomID",
            "InvalidParameter.BodyIsEmpty",
            "InvalidParameter.Unmarshal",
            "InvalidParameter.NotExistAppId",
        }
    ),
)

# Prefixes that mark a parameter problem even for codes not listed above (RTC adds new
# InvalidParameter.* codes per API); retrying cannot help with any of them.
_INVALID_PREFIXES = ("InvalidParameter.", "MissingParameter.")


def classify_volcengine(code: str | None, *, http_status: int = 200) -> ErrorKind:
    kind = VOLCENGINE_ERRORS.classify(code, http_status=http_status)
    if kind is ErrorKind.FAILED and code and code.startswith(_INVALID_PREFIXES):
        return ErrorKind.INVALID
    # An unlisted code refused with 401/403 is still a credentials or permission problem.
    if kind is ErrorKind.FAILED and http_status in (401, 403):
        return ErrorKind.AUTH
    return kind


def interpret_volcengine(call: VendorCall, response: HttpResponse) -> ApiResult:
    """The envelope ``{ResponseMetadata: {RequestId, Error?}, Result}``.

    ``ResponseMetadata.Error`` means failure whatever the HTTP status: the 2020-12-01 and
    2022-06-01 APIs answer HTTP 200 with it, newer ones use 4xx/5xx.
    """
    document = parse_json_object(VENDOR, call.action, response)
    metadata = document.get("ResponseMetadata")
    if not isinstance(metadata, dict):
        raise _unreadable(call, response, "answer has no ResponseMetadata object")
    request_id = None if metadata.get("RequestId") in (None, "") else str(metadata["RequestId"])
    error = metadata.get("Error")
    code: str | None = None
    message = ""
    if isinstance(error, dict) and (error.get("Code") or error.get("CodeN")):
        code = str(error.get("Code") or error.get("CodeN"))
        message = _HEX_SIGNATURE.sub("[redacted]", str(error.get("Message") or ""))[:300]
    elif response.status < 300:
        return ApiResult(request_id=request_id, data=document.get("Result"))
    else:
        message = "HTTP error without an Error in ResponseMetadata"
    raise api_error(
        vendor=VENDOR,
        action=call.action,
        kind=classify_volcengine(code, http_status=response.status),
        code=code,
        message=message,
        request_id=request_id,
        http_status=response.status if response.status >= 300 else None,
        # 429 and 503 refuse before any work; another 5xx may hide an accepted request.
        may_have_executed=response.status >= 500 and response.status != 503,
        retry_after=response.retry_after,
    )


def _unreadable(call: VendorCall, response: HttpResponse, what: str) -> RtcApiError:
    if response.status >= 300:
        return http_status_error(VENDOR, call.action, response)
    return transport_error(VENDOR, call.action, what, http_status=response.status, may_have_executed=True)


def _query_value(key: str, value: Any) -> str | list[str]:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [_query_value(key, item) for item in value]  # type: ignore[misc]
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ValueError(f"query parameter {key!r}: cannot send a {type(value).__name__} in a query string")


@dataclass(frozen=True)
class VolcengineConfig:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    base_url: str  # scheme://host[:port][/path], no trailing slash
    region: str
    service: str
    app_id: str | None = None
    session_token: str | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    @property
    def path(self) -> str:
        return urlsplit(self.base_url).path + "/"

    @property
    def is_byteplus(self) -> bool:
        return _is_byteplus(self.base_url)


def _is_byteplus(base_url: str) -> bool:
    hostname = urlsplit(base_url).hostname or ""
    return hostname == BYTEPLUS_HOST_SUFFIX or hostname.endswith("." + BYTEPLUS_HOST_SUFFIX)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class VolcengineRtcHook(RtcHook):
    """Signed calls to the Volcengine RTC OpenAPI, or BytePlus RTC with its host and region.

    :param volcengine_rtc_conn_id: Airflow connection (type ``volcengine_rtc``): login =
        AccessKeyId, password = SecretAccessKey; host defaults to ``rtc.volcengineapi.com``;
        extras ``region`` (default ``cn-north-1``, or ``ap-singapore-1`` for a BytePlus host),
        ``service`` (default ``rtc``), ``app_id`` (operators' default AppId), ``session_token``
        (STS), ``timeout``, ``verify``.
    """

    conn_name_attr = "volcengine_rtc_conn_id"
    default_conn_name = "volcengine_rtc_default"
    conn_type = "volcengine_rtc"
    hook_name = "Volcengine RTC"
    vendor = VENDOR

    # Where signing takes the time from; tests replace it to show each attempt is signed afresh.
    clock: Callable[[], datetime] = staticmethod(_utcnow)

    def __init__(self, volcengine_rtc_conn_id: str = default_conn_name, **kwargs):
        super().__init__(volcengine_rtc_conn_id, **kwargs)

    @cached_property
    def config(self) -> VolcengineConfig:
        conn = self.connection
        access_key_id = (conn.login or "").strip()
        if not access_key_id:
            raise RtcConfigError(f"connection {self.conn_id!r}: login must be the AccessKeyId and is empty")
        secret = self.require_secret(conn.password, "SecretAccessKey")
        host = (conn.host or "").strip() or DEFAULT_HOST
        base_url = normalize_base_url(host, field=f"connection {self.conn_id!r}: host", port=conn.port)
        default_region = BYTEPLUS_DEFAULT_REGION if _is_byteplus(base_url) else DEFAULT_REGION
        region = str(self.extra("region", default_region)).strip()
        service = str(self.extra("service", DEFAULT_SERVICE)).strip()
        for name, value in (("region", region), ("service", service)):
            if not _SCOPE_PART.match(value):
                raise RtcConfigError(f"connection {self.conn_id!r}: extra {name!r} is not a valid name: {value!r}")
        app_id = self.extra("app_id")
        if app_id is not None:
            # Checked here, naming the extra, rather than later as if the operator's app_id were wrong.
            app_id = str(app_id).strip() if isinstance(app_id, (str, int)) and not isinstance(app_id, bool) else app_id
            if not isinstance(app_id, str) or (app_id and not _APP_ID.fullmatch(app_id)):
                raise RtcConfigError(
                    f"connection {self.conn_id!r}: extra 'app_id' must match {_APP_ID.pattern}"
                )
        session_token = self.extra("session_token")
        if session_token is not None:
            session_token = str(session_token).strip() or None
        if session_token:
            mask_secret(session_token)
        return VolcengineConfig(
            access_key_id=access_key_id,
            secret_access_key=secret,
            base_url=base_url,
            region=region,
            service=service,
            app_id=None if app_id is None else str(app_id).strip() or None,
            session_token=session_token,
        )

    @property
    def is_byteplus(self) -> bool:
        return self.config.is_byteplus

    def default_app_id(self, explicit: str | None = None) -> str:
        """``explicit`` if given, else the connection's ``app_id`` extra; neither is an error."""
        if explicit is not None and str(explicit).strip():
            return str(explicit).strip()
        if self.config.app_id:
            return self.config.app_id
        raise RtcValidationError(
            "app_id",
            f"not given, and connection {self.conn_id!r} has no 'app_id' extra to default to",
        )

    def build_request(self, call: VendorCall) -> HttpRequest:
        if not call.version:
            raise ValueError(f"{VENDOR} {call.action}: every call needs an API Version")
        config = self.config
        # None means "not given" for an optional query parameter, as it does in a JSON body.
        query: dict[str, Any] = {
            key: _query_value(key, value) for key, value in call.query.items() if value is not None
        }
        query["Action"] = call.action
        query["Version"] = call.version
        body = b""
        if call.method == "POST":
            body = json.dumps(call.body or {}, ensure_ascii=False, separators=(",", ":")).encode()
        # Signed now, for this attempt: a retry gets a fresh X-Date, over the exact bytes sent.
        headers = volcengine_signing.sign_request(
            method=call.method,
            host=config.host,
            path=config.path,
            query=query,
            body=body,
            access_key_id=config.access_key_id,
            secret_access_key=config.secret_access_key,
            region=config.region,
            service=config.service,
            session_token=config.session_token,
            now=self.clock(),
        )
        headers["Accept"] = "application/json"
        authorization = headers["Authorization"]
        sensitive = [authorization, authorization.rpartition("Signature=")[2]]
        if config.session_token:
            sensitive.append(config.session_token)
        return HttpRequest(
            method=call.method,
            url=config.base_url + "/",
            params=query,
            headers=headers,
            body=body if call.method == "POST" else None,
            sensitive=tuple(sensitive),
        )

    def interpret(self, call: VendorCall, response: HttpResponse) -> ApiResult:
        return interpret_volcengine(call, response)

    def call_api(
        self,
        action: str,
        version: str,
        *,
        method: str = "POST",
        body: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        idempotent: bool = True,
    ) -> ApiResult:
        """Call any RTC OpenAPI Action/Version: POST with a JSON body, or GET with query parameters.

        :param idempotent: set False for actions that create something new on every call, so an
            attempt that may have reached Volcengine is never repeated.
        """
        method = method.upper()
        if method not in ("GET", "POST"):
            raise ValueError(f"method must be GET or POST, got {method!r}")
        if method == "GET" and body:
            raise ValueError("a GET call takes its parameters in query=, not body=")
        if not action or not version:
            raise ValueError("action and version are required")
        return self.run(
            VendorCall(action=action, method=method, body=body, query=dict(query or {}), version=version,
                       idempotent=idempotent)
        )

    def test_connection(self) -> tuple[bool, str]:
        """A cheap signed read (GetSegmentTask of a dummy task) that tells bad credentials from a good setup.

        Any business answer (task not found, unknown AppId, ...) means the gateway checked and
        accepted the signature, which is all this test is about.
        """
        try:
            app_id = self.config.app_id or "airflow-connection-test"
            self.call_api(
                "GetSegmentTask", "2022-06-01", method="GET",
                query={"AppId": app_id, "RoomId": "airflow-connection-test", "TaskId": "airflow-connection-test"},
            )
        except RtcConfigError as error:
            return False, f"Connection settings invalid: {error}"
        except RtcApiError as error:
            if error.is_auth or error.kind is ErrorKind.CLOCK_SKEW:
                return False, f"Credentials rejected by {VENDOR}: {error}"
            # No envelope (not a Volcengine gateway), or a gateway answer given before any signature check.
            if error.code is None or error.code in ("ServiceNotFound", "MissingParameter", "InvalidActionOrVersion"):
                return False, f"{VENDOR} endpoint not usable: {error}"
            return True, (
                f"{VENDOR} reachable and the signature was accepted (the dummy query answered {error.code}, "
                "as expected)"
            )
        finally:
            self.close()
        return True, f"{VENDOR} reachable and the signature was accepted"
