"""Tencent Cloud IM REST, live engine (TUILiveKit rooms): connection settings and UserSig signing.

Commands, limits, the error table and the answer format are in :mod:`airflow_provider_rtc.catalogue.tencent`.

Every request carries the admin's UserSig in the query string, so the signed URL is a secret:
it is built only inside :meth:`TencentLiveHook.build_request`, the UserSig goes to the masker
before anything is sent, and errors are rendered from Tencent's answer, never from the request.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from airflow.sdk.log import mask_secret

from airflow_provider_rtc.catalogue.tencent import USERSIG_CODES
from airflow_provider_rtc.errors import RtcApiError, RtcConfigError, RtcValidationError
from airflow_provider_rtc.hooks.base import RtcHook
from airflow_provider_rtc.hooks.calls import ApiResult, HttpRequest, VendorCall
from airflow_provider_rtc.signing import tencent as tencent_signing

VENDOR = "Tencent"
SERVICE = "live_engine_http_srv"
DEFAULT_HOST = "console.tim.qq.com"
DEFAULT_IDENTIFIER = "administrator"
DEFAULT_USERSIG_TTL = 86400

# The reserved REST domains per data-centre region (shared/VENDOR_APIS.md section 3).
REGION_HOSTS = {
    "china": "console.tim.qq.com",
    "singapore": "adminapisgp.im.qcloud.com",
    "seoul": "adminapikr.im.qcloud.com",
    "frankfurt": "adminapiger.im.qcloud.com",
    "mumbai": "adminapiind.im.qcloud.com",
    "silicon-valley": "adminapiusa.im.qcloud.com",
    "jakarta": "adminapiidn.im.qcloud.com",
}

# A cached UserSig is replaced once less than this share of its lifetime, or this many seconds,
# whichever is larger, remains: a worker whose clock lags Tencent's still sends a valid one.
# An upper bound only against nonsense (1e30 seconds): Tencent's own samples sign for 180 days.
USERSIG_TTL_MAX = 10 * 365 * 86400
USERSIG_REFRESH_FRACTION = 0.1
USERSIG_REFRESH_MIN_SECONDS = 300

_COMMAND = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class TencentConfig:
    sdkappid: int
    key: str = field(repr=False)
    base_url: str
    identifier: str
    usersig_ttl: int


@dataclass(frozen=True)
class _CachedUserSig:
    text: str = field(repr=False)
    issued: int
    expires_at: int


class TencentLiveHook(RtcHook):
    """UserSig-signed calls to Tencent Cloud IM's live engine REST API (``live_engine_http_srv``).

    :param tencent_live_conn_id: Airflow connection (type ``tencent_live``): login = SDKAppID,
        password = the SDK secret key; host optional (default ``console.tim.qq.com``); extras
        ``region``, ``identifier`` (App admin, default ``administrator``), ``usersig_ttl`` (seconds,
        default 86400), ``timeout``, ``verify``.
    :param clock: a :class:`~airflow_provider_rtc.hooks.clock.Clock` (or wall-clock seconds function),
        injectable for tests of the UserSig cache.
    """

    conn_name_attr = "tencent_live_conn_id"
    default_conn_name = "tencent_live_default"
    conn_type = "tencent_live"
    hook_name = "Tencent Cloud Live (TUILiveKit)"
    vendor = VENDOR
    vendor_key = "tencent"
    # 70001 twice: a freshly generated UserSig was rejected as expired too.
    clock_skew_hint = (
        "Tencent rejected the UserSig as expired, then rejected a freshly generated one too: "
        "check the worker's clock (NTP) and the connection's usersig_ttl extra"
    )

    def __init__(
        self,
        tencent_live_conn_id: str = default_conn_name,
        **kwargs,
    ):
        super().__init__(tencent_live_conn_id, **kwargs)
        self._usersig_lock = threading.Lock()
        self._usersig: _CachedUserSig | None = None

    @cached_property
    def config(self) -> TencentConfig:
        conn = self.connection
        sdkappid = self.require_uint32_login("Tencent SDKAppID")
        key = self.require_secret(conn.password, "SDK secret key")
        region = self.extra("region")
        if region is not None:
            region = str(region).strip().lower()
            if region not in REGION_HOSTS:
                raise RtcConfigError(
                    f"{self.where}: unknown region {region!r}; expected one of {', '.join(REGION_HOSTS)}"
                )
        identifier = str(self.extra("identifier", DEFAULT_IDENTIFIER)).strip()
        if not identifier:
            raise RtcConfigError(f"{self.where}: extra 'identifier' is empty")
        return TencentConfig(
            sdkappid=sdkappid,
            key=key,
            # An explicit host wins over the region (the sandbox, a proxy); the region picks the domain otherwise.
            base_url=self.host_url(REGION_HOSTS[region] if region else DEFAULT_HOST),
            identifier=identifier,
            usersig_ttl=self._usersig_ttl(),
        )

    def _usersig_ttl(self) -> int:
        ttl = self.extra_number("usersig_ttl", maximum=USERSIG_TTL_MAX)
        if ttl is None:
            return DEFAULT_USERSIG_TTL
        if ttl != int(ttl):
            raise RtcConfigError(
                f"{self.where}: extra 'usersig_ttl' must be a whole number of seconds, got {ttl!r}"
            )
        return int(ttl)

    # -- UserSig -------------------------------------------------------------------------------

    def usersig(self) -> str:
        """The admin's UserSig: cached, and regenerated well before it expires. Masked."""
        config = self.config
        now = self.clock.time()
        margin = max(config.usersig_ttl * USERSIG_REFRESH_FRACTION, USERSIG_REFRESH_MIN_SECONDS)
        with self._usersig_lock:
            cached = self._usersig
            # Also regenerate when the clock went back: the cached one would claim a future issue time.
            if cached is None or cached.expires_at - now < margin or now < cached.issued:
                issued = int(now)
                text = tencent_signing.gen_usersig(
                    sdkappid=config.sdkappid, key=config.key, identifier=config.identifier,
                    expire=config.usersig_ttl, now=issued,
                )
                mask_secret(text)
                cached = self._usersig = _CachedUserSig(text, issued, issued + config.usersig_ttl)
            return cached.text

    def forget_usersig(self) -> None:
        """Drop the cached UserSig so the next request carries a freshly generated one."""
        with self._usersig_lock:
            self._usersig = None

    # -- one attempt ----------------------------------------------------------------------------

    def check_call(self, call: VendorCall) -> None:
        if not _COMMAND.fullmatch(call.action):
            raise RtcValidationError("command", f"{call.action!r} is not a live_engine_http_srv command name")
        if call.method != "POST" or call.query:
            raise RtcValidationError("command", "live_engine_http_srv commands are POSTs with a JSON body only")

    def build_request(self, call: VendorCall) -> HttpRequest:
        if not _COMMAND.fullmatch(call.action):
            raise RtcValidationError("command", f"{call.action!r} is not a live_engine_http_srv command name")
        if call.method != "POST" or call.query:
            # The query string belongs to the signature parameters; every command is a POST of JSON.
            raise RtcValidationError("command", "live_engine_http_srv commands are POSTs with a JSON body only")
        config = self.config
        usersig = self.usersig()
        params = {
            "sdkappid": str(config.sdkappid),
            "identifier": config.identifier,
            "usersig": usersig,
            "random": str(secrets.randbits(32)),  # fresh per attempt, as Tencent asks
            "contenttype": "json",
        }
        body = json.dumps(call.body or {}, ensure_ascii=False, separators=(",", ":")).encode()
        return HttpRequest(
            method="POST",
            url=f"{config.base_url}/v4/{SERVICE}/{call.action}",
            params=params,
            headers={"Accept": "application/json", "Content-Type": "application/json"},
            body=body,
        )

    def on_error(self, error: RtcApiError) -> None:
        if error.code in USERSIG_CODES:
            # Never send a rejected UserSig again: after 70001 the one retry carries a new one.
            self.forget_usersig()

    # -- calls ------------------------------------------------------------------------------------

    def call_command(self, command: str, body: dict[str, Any] | None = None, *, idempotent: bool = True) -> ApiResult:
        """Deprecated: :meth:`call`."""
        self._deprecated("call_command")
        return self.call(command, dict(body or {}), idempotent=idempotent, validate=False)

    def get_room_info(self, room_id: str) -> ApiResult:
        """``get_room_info``: ``data`` is Tencent's ``Response`` (``RoomInfo{RoomId, RoomName, ...}``)."""
        return self.call("get_room_info", {"RoomId": room_id})

    def probe(self) -> ApiResult:
        return self.get_room_info("airflow-connection-test")

    def probe_answer_means_ok(self, error: RtcApiError) -> bool:
        # "The room does not exist" proves the UserSig was accepted.
        return error.is_not_found

