"""Tencent Cloud IM REST, live engine (TUILiveKit rooms): connection, error table, interpreter and hook.

Every request carries the admin's UserSig in the query string, so the signed URL is a secret:
it is built only inside :meth:`TencentLiveHook.build_request`, the UserSig goes to the masker
before anything is sent, and errors are rendered from Tencent's answer, never from the request.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from airflow.sdk.log import mask_secret

from airflow_provider_rtc.errors import (
    ErrorKind,
    RtcApiError,
    RtcConfigError,
    RtcValidationError,
    api_error,
)
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
from airflow_provider_rtc.signing import tencent as tencent_signing
from airflow_provider_rtc.urls import normalize_base_url

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

EXPIRED_USERSIG = 70001
_COMMAND = re.compile(r"[a-z][a-z0-9_]{0,63}")

# From Tencent's common (60000-79999) and live-engine error codes (shared/VENDOR_APIS.md section 3).
TENCENT_ERRORS = ErrorTable(
    # An expired UserSig is the vendor's "stale timestamp": RetryBudget allows exactly one more
    # attempt, and the hook drops its cached UserSig so that attempt carries a fresh one.
    clock_skew=frozenset({EXPIRED_USERSIG}),
    # Never retried: repeated failed checks lock the account for a minute (70050).
    auth=frozenset(
        {
            60006,  # SDKAppID invalid
            60010,  # identifier must be an App admin
            70002,  # UserSig empty
            70003,  # UserSig check failed (undecodable)
            70005,  # UserSig check failed
            70009,  # key and SDKAppID do not match (HMAC)
            70013,  # identifier in the UserSig does not match the request
            70014,  # SDKAppID in the UserSig does not match the request
            70016,  # key not found
            70050,  # locked for a minute after too many failed attempts
        }
    ),
    retryable=frozenset(
        {
            60007,  # REST API rate limit
            60008,  # service timeout
            60011,  # SDKAppID rate limit
            60018, 60019,  # requests too frequent
            70169, 70500,  # internal errors
            100001,  # live engine internal error
            100422,  # rate limited: 20 mix operations per second per SDKAppID
            100427,  # mixing operations in this room too fast
        }
    ),
    not_found=frozenset(
        {
            100004,  # room does not exist or has been dissolved
            100424,  # mix task does not exist
        }
    ),
    invalid=frozenset(
        {
            60002,  # bad URL
            60003,  # bad JSON body
            100002,  # invalid parameter
            100006,  # not a Live room / unlimited room not enabled
            100007,  # paid plan insufficient
            100429,  # invalid mixing mode
        }
    ),
    # 100428 (failed to pull the host information) is left unclassified (FAILED, not retried): it
    # reports the room's state (anchors not on a seat), neither a bad parameter nor a transient fault.
)

# What to do about a code, beyond what Tencent's ErrorInfo says.
_HINTS = {
    EXPIRED_USERSIG: (
        "Tencent rejected the UserSig as expired; the hook regenerates it once. If a fresh one is "
        "rejected too, check the worker's clock (NTP) and the connection's usersig_ttl extra"
    ),
    60006: "Check the connection's login: it must be the SDKAppID of the Live application",
    60010: "The connection's identifier extra must be an App admin account (default 'administrator')",
    70050: "The account is locked for a minute after repeated signature failures: fix the key, then wait",
    100006: "The room must be a Live room created with IsUnlimitedRoomEnabled set to true",
    100007: "The application's paid plan does not include this capability",
    100428: "All anchors taking part in the mix must be on a seat",
}
_AUTH_HINT = (
    "Credentials rejected; not retried, because repeated failures lock the account for a minute (70050). "
    "Check the connection's SDKAppID (login), SDK secret key (password) and identifier"
)
_USERSIG_CODES = frozenset({EXPIRED_USERSIG, 70002, 70003, 70005, 70009, 70013, 70014, 70016})


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


def interpret_tencent(call: VendorCall, response: HttpResponse) -> ApiResult:
    """Tencent envelope ``{ActionStatus, ErrorCode, ErrorInfo, RequestId, Response?}``.

    Success needs ``ActionStatus`` "OK", ``ErrorCode`` 0 and a 2xx status; ``data`` is the
    ``Response`` object query commands add, else None.
    """
    document = parse_json_object(VENDOR, call.action, response)
    status = document.get("ActionStatus")
    code = _error_code(document.get("ErrorCode"))
    if status is None and code is None:
        raise transport_error(VENDOR, call.action, "answer has neither ActionStatus nor ErrorCode",
                              http_status=response.status, may_have_executed=True)
    succeeded = (status == "OK" and code in (0, None)) or (status is None and code == 0)
    if succeeded and response.status < 300:
        return ApiResult(request_id=_request_id(document), data=document.get("Response"))
    if code == 0:
        code = None  # a failure without a code: judge by the HTTP status alone
    kind = TENCENT_ERRORS.classify(code, http_status=response.status)
    raise api_error(
        vendor=VENDOR,
        action=call.action,
        kind=kind,
        code=code,
        message=_message(call, code, str(document.get("ErrorInfo") or "")[:300]),
        request_id=_request_id(document),
        http_status=response.status if response.status >= 300 else None,
        hint=_HINTS.get(code) or (_AUTH_HINT if kind is ErrorKind.AUTH else ""),
        may_have_executed=response.status >= 500 and response.status != 503,
    )


def _error_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _request_id(document: dict) -> str | None:
    value = document.get("RequestId")
    return None if value in (None, "") else str(value)


def _message(call: VendorCall, code: int | None, info: str) -> str:
    room = (call.body or {}).get("RoomId")
    if room is None or code not in (100004, 100424):
        return info
    what = "does not exist or has been dissolved" if code == 100004 else "has no mix task"
    return f"room {room!r} {what}" + (f" ({info})" if info else "")


class TencentLiveHook(RtcHook):
    """UserSig-signed calls to Tencent Cloud IM's live engine REST API (``live_engine_http_srv``).

    :param tencent_live_conn_id: Airflow connection (type ``tencent_live``): login = SDKAppID,
        password = the SDK secret key; host optional (default ``console.tim.qq.com``); extras
        ``region``, ``identifier`` (App admin, default ``administrator``), ``usersig_ttl`` (seconds,
        default 86400), ``timeout``, ``verify``.
    :param clock: wall-clock seconds, injectable for tests of the UserSig cache.
    """

    conn_name_attr = "tencent_live_conn_id"
    default_conn_name = "tencent_live_default"
    conn_type = "tencent_live"
    hook_name = "Tencent Cloud Live (TUILiveKit)"
    vendor = VENDOR
    # 70001 twice: a freshly generated UserSig was rejected as expired too.
    clock_skew_hint = (
        "Tencent rejected the UserSig as expired, then rejected a freshly generated one too: "
        "check the worker's clock (NTP) and the connection's usersig_ttl extra"
    )

    def __init__(
        self,
        tencent_live_conn_id: str = default_conn_name,
        *,
        clock: Callable[[], float] = time.time,
        **kwargs,
    ):
        super().__init__(tencent_live_conn_id, **kwargs)
        self._clock = clock
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
                    f"connection {self.conn_id!r}: unknown region {region!r}; expected one of {', '.join(REGION_HOSTS)}"
                )
        # An explicit host wins over the region (the sandbox, a proxy); the region picks the domain otherwise.
        host = conn.host or (REGION_HOSTS[region] if region else DEFAULT_HOST)
        identifier = str(self.extra("identifier", DEFAULT_IDENTIFIER)).strip()
        if not identifier:
            raise RtcConfigError(f"connection {self.conn_id!r}: extra 'identifier' is empty")
        return TencentConfig(
            sdkappid=sdkappid,
            key=key,
            base_url=normalize_base_url(host, field=f"connection {self.conn_id!r}: host", port=conn.port),
            identifier=identifier,
            usersig_ttl=self._usersig_ttl(),
        )

    def _usersig_ttl(self) -> int:
        ttl = self.extra_number("usersig_ttl", maximum=USERSIG_TTL_MAX)
        if ttl is None:
            return DEFAULT_USERSIG_TTL
        if ttl != int(ttl):
            raise RtcConfigError(
                f"connection {self.conn_id!r}: extra 'usersig_ttl' must be a whole number of seconds, got {ttl!r}"
            )
        return int(ttl)

    # -- UserSig -------------------------------------------------------------------------------

    def usersig(self) -> str:
        """The admin's UserSig: cached, and regenerated well before it expires. Masked."""
        config = self.config
        now = self._clock()
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
            sensitive=(usersig,),
        )

    def interpret(self, call: VendorCall, response: HttpResponse) -> ApiResult:
        try:
            return interpret_tencent(call, response)
        except RtcApiError as error:
            if error.code in _USERSIG_CODES:
                # Never send a rejected UserSig again: after 70001 the one retry carries a new one.
                self.forget_usersig()
            raise

    # -- calls ------------------------------------------------------------------------------------

    def call_command(self, command: str, body: dict[str, Any] | None = None, *, idempotent: bool = True) -> ApiResult:
        """POST any ``live_engine_http_srv`` command, including ones this package has no operator for.

        :param idempotent: set False for commands that create something on every call, so an
            attempt that may have reached Tencent is never repeated.
        """
        return self.run(VendorCall(action=command, method="POST", body=dict(body or {}), idempotent=idempotent))

    def get_room_info(self, room_id: str) -> ApiResult:
        """``get_room_info``: ``data`` is Tencent's ``Response`` (``RoomInfo{RoomId, RoomName, ...}``)."""
        return self.call_command("get_room_info", {"RoomId": room_id})

    def test_connection(self) -> tuple[bool, str]:
        """``get_room_info`` of a dummy room: "room does not exist" proves the UserSig was accepted."""
        try:
            self.get_room_info("airflow-connection-test")
        except RtcConfigError as error:
            return False, f"Connection settings invalid: {error}"
        except RtcApiError as error:
            if error.is_not_found:
                return True, "Tencent reachable and the UserSig was accepted (the dummy test room does not exist)"
            if error.is_auth or error.kind is ErrorKind.CLOCK_SKEW:
                return False, f"Credentials rejected by Tencent: {error}"
            return False, f"Tencent reachable but the test call failed: {error}"
        finally:
            self.close()
        return True, "Tencent reachable and the UserSig was accepted"
