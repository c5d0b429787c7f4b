"""ZEGO RTC and Cloud Realtime ASR server APIs: connection settings and request signing.

Actions, limits, the error table and the answer format are in :mod:`airflow_provider_rtc.catalogue.zego`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.errors import RtcConfigError, RtcValidationError
from airflow_provider_rtc.hooks.base import RtcHook
from airflow_provider_rtc.hooks.calls import ApiResult, HttpRequest, VendorCall, query_value
from airflow_provider_rtc.signing import zego as zego_signing
from airflow_provider_rtc.urls import normalize_base_url

DEFAULT_RTC_URL = "https://rtc-api.zego.im"
DEFAULT_ASR_URL = "https://cloud-realtime-asr-api.zegotech.cn"
REGIONS = ("sha", "hkg", "fra", "lax", "bom", "sgp")
ENDPOINTS = ("rtc", "asr")


@dataclass(frozen=True)
class ZegoConfig:
    app_id: int
    server_secret: str = field(repr=False)
    rtc_url: str
    asr_url: str
    is_test: bool


class ZegoHook(RtcHook):
    """Signed calls to ZEGO's RTC server API and Cloud Realtime ASR.

    :param zego_conn_id: Airflow connection (type ``zego``): login = AppId, password = ServerSecret.
    """

    conn_name_attr = "zego_conn_id"
    default_conn_name = "zego_default"
    conn_type = "zego"
    hook_name = "ZEGO RTC"
    vendor = "ZEGO"
    vendor_key = "zego"

    def __init__(self, zego_conn_id: str = default_conn_name, **kwargs):
        super().__init__(zego_conn_id, **kwargs)
        self._last_sequence = 0

    def _next_sequence(self) -> int:
        """A millisecond stamp, strictly above the last one this hook sent (ZEGO's Sequence rule)."""
        self._last_sequence = max(self._last_sequence + 1, int(self.clock.time() * 1000))
        return self._last_sequence

    @cached_property
    def config(self) -> ZegoConfig:
        conn = self.connection
        app_id = self.require_uint32_login("ZEGO AppId")
        secret = self.require_secret(conn.password, "ServerSecret")
        region = self.extra("region")
        if region is not None and region not in REGIONS:
            raise RtcConfigError(f"{self.where}: unknown region {region!r}; expected one of {', '.join(REGIONS)}")
        rtc_url = self.host_url(f"https://rtc-api-{region}.zego.im" if region else DEFAULT_RTC_URL)
        asr_url = normalize_base_url(self.extra("asr_host", DEFAULT_ASR_URL), field=f"{self.where}: extra asr_host")
        return ZegoConfig(app_id=app_id, server_secret=secret, rtc_url=rtc_url, asr_url=asr_url,
                          is_test=self.extra_bool("is_test"))

    def build_request(self, call: VendorCall) -> HttpRequest:
        endpoint = "rtc" if call.endpoint == "default" else call.endpoint
        if endpoint not in ENDPOINTS:
            raise RtcValidationError("endpoint", f"must be 'rtc' or 'asr', got {call.endpoint!r}")
        config = self.config
        params: dict[str, Any] = {"Action": call.action}
        params.update(zego_signing.signed_params(config.app_id, config.server_secret, timestamp=int(self.clock.time())))
        if config.is_test and endpoint == "rtc":
            params["IsTest"] = "true"
        params.update({key: query_value(key, value) for key, value in call.query.items() if value is not None})
        entry = catalogue.find("zego", call.action)
        for name in entry.increasing if entry else ():
            params[name] = str(self._next_sequence())
        body = None
        headers = {"Accept": "application/json"}
        if call.method == "POST":
            body = json.dumps(call.body or {}, ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        base = config.asr_url if endpoint == "asr" else config.rtc_url
        return HttpRequest(method=call.method, url=base + "/", params=params, headers=headers, body=body)

    def call_action(self, action: str, body: dict[str, Any] | None = None, *, method: str = "POST",
                    query: dict[str, Any] | None = None, endpoint: str = "rtc", idempotent: bool = True) -> ApiResult:
        """Deprecated: :meth:`call` (which also knows each catalogued action's method and host)."""
        self._deprecated("call_action")
        return self.call(action, body, method=method, query=query, endpoint=endpoint, idempotent=idempotent,
                         validate=False)

    def probe(self) -> ApiResult:
        # DescribeUserNum of a dummy room: a cheap signed read; an unknown room answers 0 users.
        return self.call("DescribeUserNum", query={"RoomId": "airflow-connection-test"})

