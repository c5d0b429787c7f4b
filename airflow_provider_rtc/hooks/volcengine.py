"""Volcengine RTC OpenAPI (and BytePlus): connection settings and request signing.

Actions, versions, limits, the error table and the answer format are in
:mod:`airflow_provider_rtc.catalogue.volcengine`.

Every request is signed with Signature V4 (:mod:`airflow_provider_rtc.signing.volcengine`), with
``Action`` and ``Version`` in the query; BytePlus is the same API on another host and region.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_rtc.errors import RtcApiError, RtcConfigError, RtcValidationError
from airflow_provider_rtc.hooks.base import RtcHook
from airflow_provider_rtc.hooks.calls import ApiResult, HttpRequest, VendorCall, query_value
from airflow_provider_rtc.signing import volcengine as volcengine_signing

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

if TYPE_CHECKING:
    from airflow_provider_rtc.catalogue import Action


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
    vendor_key = "volcengine"

    def __init__(self, volcengine_rtc_conn_id: str = default_conn_name, **kwargs):
        super().__init__(volcengine_rtc_conn_id, **kwargs)

    @cached_property
    def config(self) -> VolcengineConfig:
        conn = self.connection
        access_key_id = (conn.login or "").strip()
        if not access_key_id:
            raise RtcConfigError(f"{self.where}: login must be the AccessKeyId and is empty")
        secret = self.require_secret(conn.password, "SecretAccessKey")
        base_url = self.host_url(DEFAULT_HOST)
        default_region = BYTEPLUS_DEFAULT_REGION if _is_byteplus(base_url) else DEFAULT_REGION
        region = str(self.extra("region", default_region)).strip()
        service = str(self.extra("service", DEFAULT_SERVICE)).strip()
        for name, value in (("region", region), ("service", service)):
            if not _SCOPE_PART.match(value):
                raise RtcConfigError(f"{self.where}: extra {name!r} is not a valid name: {value!r}")
        app_id = self.extra("app_id")
        if app_id is not None:
            # Checked here, naming the extra, rather than later as if the operator's app_id were wrong.
            app_id = str(app_id).strip() if isinstance(app_id, (str, int)) and not isinstance(app_id, bool) else app_id
            if not isinstance(app_id, str) or (app_id and not _APP_ID.fullmatch(app_id)):
                raise RtcConfigError(
                    f"{self.where}: extra 'app_id' must match {_APP_ID.pattern}"
                )
        session_token = self.optional_secret_extra("session_token")
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
            f"not given, and {self.where} has no 'app_id' extra to default to",
        )

    def check_call(self, call: VendorCall) -> None:
        if not call.version:
            raise RtcValidationError("api_version", f"{VENDOR} {call.action}: every call needs an API Version")

    def build_request(self, call: VendorCall) -> HttpRequest:
        if not call.version:
            raise RtcValidationError("api_version", f"{VENDOR} {call.action}: every call needs an API Version")
        config = self.config
        # None means "not given" for an optional query parameter, as it does in a JSON body.
        query: dict[str, Any] = {
            key: query_value(key, value) for key, value in call.query.items() if value is not None
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
            now=self.clock.utcnow(),
        )
        headers["Accept"] = "application/json"
        return HttpRequest(
            method=call.method,
            url=config.base_url + "/",
            params=query,
            headers=headers,
            body=body if call.method == "POST" else None,
        )

    def version_for(self, action: Action) -> str | None:
        return action.byteplus_version if action.byteplus_version and self.is_byteplus else action.version

    def call_api(self, action: str, version: str, *, method: str = "POST", body: dict[str, Any] | None = None,
                 query: dict[str, Any] | None = None, idempotent: bool = True) -> ApiResult:
        """Deprecated: :meth:`call` (which also knows each catalogued action's method and version)."""
        self._deprecated("call_api")
        if not action or not version:
            raise RtcValidationError("action", "action and version are required")
        return self.call(action, body, method=method, query=query, version=version, idempotent=idempotent,
                         validate=False)

    def probe(self) -> ApiResult:
        # GetSegmentTask of a dummy task: any business answer (task not found, unknown AppId, ...)
        # means the gateway checked and accepted the signature, which is all the test is about.
        app_id = self.config.app_id or "airflow-connection-test"
        return self.call("GetSegmentTask", query={"AppId": app_id, "RoomId": "airflow-connection-test",
                                                  "TaskId": "airflow-connection-test"})

    def probe_answer_means_ok(self, error: RtcApiError) -> bool:
        # No envelope (not a Volcengine gateway), or a gateway answer given before any signature check.
        return error.code is not None and error.code not in ("ServiceNotFound", "MissingParameter",
                                                              "InvalidActionOrVersion")

