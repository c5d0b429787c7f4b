"""ZEGO RTC and Cloud Realtime ASR server APIs: connection, error table, interpreter and hook."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from airflow_provider_rtc.errors import ErrorKind, RtcApiError, RtcConfigError, api_error
from airflow_provider_rtc.hooks.base import RtcHook
from airflow_provider_rtc.hooks.transport import (
    ApiResult,
    ErrorTable,
    HttpRequest,
    HttpResponse,
    VendorCall,
    parse_json_object,
    transport_error,
)
from airflow_provider_rtc.signing import zego as zego_signing
from airflow_provider_rtc.urls import normalize_base_url

DEFAULT_RTC_URL = "https://rtc-api.zego.im"
DEFAULT_ASR_URL = "https://cloud-realtime-asr-api.zegotech.cn"
REGIONS = ("sha", "hkg", "fra", "lax", "bom", "sgp")

# From ZEGO's gateway, mix and ASR return-code pages (shared/VENDOR_APIS.md section 1).
ZEGO_ERRORS = ErrorTable(
    clock_skew=frozenset({100000004}),
    auth=frozenset(
        {
            100000001,  # AppId format
            100000005,  # signature wrong
            100000008,  # nonce empty
            100000009,  # signature empty
            100000010,  # cannot get ServerSecret: check AppId
            100000013,  # SignatureVersion empty
            100000014,  # SignatureVersion unsupported
            100000016,  # no production environment: check IsTest
            110200003,  # mix auth failed
            410000002,  # ASR invalid AppId
            410000005,  # ASR gateway auth failed
        }
    ),
    retryable=frozenset(
        {
            100000015,  # gateway internal error
            110200001, 110200005, 110200006, 110200007, 110200015,  # mix: failed / lock contention
            110200151, 110200159, 110200190, 110200191, 110200194,  # mix: task failed / overloaded
            410000001,  # ASR system error
            410000009,  # ASR internal call failed
            410000010,  # ASR insufficient resources
            410000011,  # ASR concurrency limit
        }
    ),
    not_found=frozenset(
        {
            110209001,  # mix task does not exist
            410001002,  # ASR task not found (stopped or timed out)
            50001,  # DescribeUsers: room does not exist
        }
    ),
    invalid=frozenset({100000002, 100000003, 100000006, 100000007, 110200002, 110200004, 410000003, 410000004}),
)


@dataclass(frozen=True)
class ZegoConfig:
    app_id: int
    server_secret: str = field(repr=False)
    rtc_url: str
    asr_url: str
    is_test: bool


def interpret_zego(call: VendorCall, response: HttpResponse) -> ApiResult:
    """ZEGO envelope ``{Code, Message, RequestId, Data}``; ``Code != 0`` is failure whatever the HTTP status."""
    document = parse_json_object("ZEGO", call.action, response)
    code = document.get("Code")
    if not isinstance(code, int) or isinstance(code, bool):
        raise _unreadable(call, response, "answer has no integer Code")
    if code == 0 and response.status < 300:
        return ApiResult(request_id=_request_id(document), data=document.get("Data"))
    if code == 0:
        code = None  # an HTTP error wrapped in a success envelope: judge by the status alone
    kind = ZEGO_ERRORS.classify(code, http_status=response.status)
    raise api_error(
        vendor="ZEGO",
        action=call.action,
        kind=kind,
        code=code,
        message=str(document.get("Message") or "")[:300],
        request_id=_request_id(document),
        http_status=response.status if response.status >= 300 else None,
        may_have_executed=response.status >= 500 and response.status != 503,
    )


def _request_id(document: dict) -> str | None:
    value = document.get("RequestId")
    return None if value is None else str(value)


def _unreadable(call: VendorCall, response: HttpResponse, what: str) -> RtcApiError:
    return transport_error("ZEGO", call.action, what, http_status=response.status, may_have_executed=True)


class ZegoHook(RtcHook):
    """Signed calls to ZEGO's RTC server API and Cloud Realtime ASR.

    :param zego_conn_id: Airflow connection (type ``zego``): login = AppId, password = ServerSecret.
    """

    conn_name_attr = "zego_conn_id"
    default_conn_name = "zego_default"
    conn_type = "zego"
    hook_name = "ZEGO RTC"
    vendor = "ZEGO"

    def __init__(self, zego_conn_id: str = default_conn_name, **kwargs):
        super().__init__(zego_conn_id, **kwargs)

    @cached_property
    def config(self) -> ZegoConfig:
        conn = self.connection
        app_id = self.require_uint32_login("ZEGO AppId")
        secret = self.require_secret(conn.password, "ServerSecret")
        region = self.extra("region")
        if region is not None and region not in REGIONS:
            raise RtcConfigError(
                f"connection {self.conn_id!r}: unknown region {region!r}; expected one of {', '.join(REGIONS)}"
            )
        rtc_url = normalize_base_url(conn.host or (f"https://rtc-api-{region}.zego.im" if region else DEFAULT_RTC_URL),
                                     field=f"connection {self.conn_id!r}: host", port=conn.port)
        asr_url = normalize_base_url(self.extra("asr_host", DEFAULT_ASR_URL),
                                     field=f"connection {self.conn_id!r}: extra asr_host")
        return ZegoConfig(
            app_id=app_id,
            server_secret=secret,
            rtc_url=rtc_url,
            asr_url=asr_url,
            is_test=self.extra_bool("is_test"),
        )

    def build_request(self, call: VendorCall) -> HttpRequest:
        config = self.config
        params: dict[str, Any] = {"Action": call.action}
        params.update(zego_signing.signed_params(config.app_id, config.server_secret))
        if config.is_test and call.endpoint == "rtc":
            params["IsTest"] = "true"
        params.update(call.query)
        body = None
        headers = {"Accept": "application/json"}
        if call.method == "POST":
            body = json.dumps(call.body or {}, ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        base = config.asr_url if call.endpoint == "asr" else config.rtc_url
        return HttpRequest(
            method=call.method, url=base + "/", params=params, headers=headers, body=body,
            sensitive=(params["Signature"],),
        )

    def interpret(self, call: VendorCall, response: HttpResponse) -> ApiResult:
        return interpret_zego(call, response)

    def call_action(
        self,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        method: str = "POST",
        query: dict[str, Any] | None = None,
        endpoint: str = "rtc",
        idempotent: bool = True,
    ) -> ApiResult:
        """Call any ZEGO Action, including ones this package has no operator for.

        :param endpoint: ``"rtc"`` for the RTC API host, ``"asr"`` for the Cloud Realtime ASR host.
        :param idempotent: set False for actions that create something on every call, so an
            attempt that may have reached ZEGO is never repeated.
        """
        if endpoint not in ("rtc", "asr"):
            raise ValueError(f"endpoint must be 'rtc' or 'asr', got {endpoint!r}")
        method = method.upper()
        if method not in ("GET", "POST"):
            raise ValueError(f"method must be GET or POST, got {method!r}")
        return self.run(
            VendorCall(action=action, method=method, body=body, query=dict(query or {}), endpoint=endpoint,
                       idempotent=idempotent)
        )

    def test_connection(self) -> tuple[bool, str]:
        """A cheap signed read (DescribeUserNum of a dummy room) that tells bad credentials from a good setup."""
        try:
            self.call_action("DescribeUserNum", method="GET", query={"RoomId[]": "airflow-connection-test"})
        except RtcConfigError as error:
            return False, f"Connection settings invalid: {error}"
        except RtcApiError as error:
            if error.is_auth or error.kind is ErrorKind.CLOCK_SKEW:
                return False, f"Credentials rejected by ZEGO: {error}"
            return False, f"ZEGO reachable but the test call failed: {error}"
        finally:
            self.close()
        return True, "ZEGO reachable and the signature was accepted"
