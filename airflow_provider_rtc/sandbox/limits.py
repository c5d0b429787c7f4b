"""The sandbox's rate-limit gateway: the vendors' documented limits, answered as each vendor does.

Every request to an action with a documented limit (``catalogue.documented_limit``, the same
catalogue entries the client's governor reads) is counted per vendor scope: ZEGO per AppId, Tencent per
SDKAppID, Volcengine per account (its AccessKeyId, all the sandbox can see of an account).

- Rate: a token bucket holding one second of the limit, refilled at the limit ("N per second";
  the vendors do not document a burst, so one second's worth is the reading used). A request that
  finds the bucket empty is over the limit.
- Per resource: ZEGO ``DescribeSimpleStreamList`` more than once per 10 s for one room is over.
- Also recorded, stricter than the gate: the most requests seen in any sliding one-second window
  per key (``peak_1s``). A client spacing its calls evenly at the limit can still show one more
  here: a call whose way from "your turn" to the wire was slow (the first call's imports, a GC
  pause) arrives right next to the following one.

An over-limit request is answered with the vendor's throttling answer and never reaches the
vendor's state:
- ZEGO: HTTP 200, ``Code`` 7, "The number of requests per second has exceeded the API rate limit"
  (ZEGO server API public return codes, https://docs.zegocloud.com/article/9811).
- Volcengine: ``FlowLimitExceeded.QPSOverLimit`` (VENDOR_APIS.md section 2, RTC codes) with
  HTTP 429 (the status is the sandbox's choice; the official SDK retries 429 like the code).
- Tencent: 100422 for the mix commands ("The total mixing operations of each sdkappid are
  limited to 20 per second", seed ``tencent-resume-mcu-task.txt``), 60011 (SDKAppID rate limit,
  VENDOR_APIS.md section 3 common codes) for the others.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from airflow_provider_rtc.catalogue import RateLimit, documented_limit

if TYPE_CHECKING:
    from airflow_provider_rtc.sandbox.server import RawRequest, Reply, VendorRoutes

ZEGO_RATE_LIMITED = 7
VOLCENGINE_RATE_LIMITED = "FlowLimitExceeded.QPSOverLimit"
TENCENT_MIX_RATE_LIMITED = 100422
TENCENT_APP_RATE_LIMITED = 60011
_TENCENT_MIX_COMMANDS = frozenset({"resume_mcu_task", "set_mix_stream"})
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


@dataclass
class _KeyStats:
    vendor: str
    app: str
    action: str
    limit: RateLimit
    tokens: float
    refilled_at: float
    accepted: int = 0  # passed on to the vendor's state
    over_limit: int = 0  # over a documented limit (answered with the throttling answer when enforcing)
    resource_over_limit: int = 0  # of which: too soon on the same resource
    peak_1s: int = 0
    recent: deque = field(default_factory=deque)  # arrival times in the last second
    last_by_resource: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"vendor": self.vendor, "app": self.app, "action": self.action,
                "per_second": self.limit.per_second, "per_resource_interval": self.limit.per_resource_interval,
                "accepted": self.accepted, "over_limit": self.over_limit,
                "resource_over_limit": self.resource_over_limit, "peak_1s": self.peak_1s}


class LimitGateway:
    """Counts requests per vendor scope and refuses those over the documented limits."""

    def __init__(self, *, enforce: bool = True, clock: Callable[[], float] = time.monotonic):
        self.enforce = enforce
        self.clock = clock
        self._lock = threading.Lock()
        self._stats: dict[tuple[str, str, str], _KeyStats] = {}

    def reset(self) -> None:
        with self._lock:
            self._stats.clear()

    def admit(self, routes: VendorRoutes, action: str, request: RawRequest) -> Reply | None:
        """None when the request may go on, else the vendor's throttling answer."""
        limit = documented_limit(routes.vendor, action)
        if limit is None or (not limit.per_second and not limit.per_resource_interval):
            return None  # not catalogued, or no limit documented: nothing to enforce
        app = _app_of(routes.vendor, request)
        resource = None
        if limit.per_resource_interval:
            body = _json_or_none(request)
            resource = limit.resource_in({k: v[0] for k, v in request.query.items() if v}, body)
        with self._lock:
            now = self.clock()
            stats = self._stats.get((routes.vendor, app, action))
            if stats is None:
                rate = limit.per_second or float("inf")
                stats = self._stats[(routes.vendor, app, action)] = _KeyStats(
                    routes.vendor, app, action, limit, tokens=rate, refilled_at=now)
            stats.recent.append(now)
            while stats.recent and now - stats.recent[0] >= 1.0:
                stats.recent.popleft()
            stats.peak_1s = max(stats.peak_1s, len(stats.recent))
            over = False
            if limit.per_second:
                stats.tokens = min(limit.per_second, stats.tokens + (now - stats.refilled_at) * limit.per_second)
                stats.refilled_at = now
                if stats.tokens < 1.0:
                    over = True
            if not over and resource is not None:
                last = stats.last_by_resource.get(resource)
                if last is not None and now - last < limit.per_resource_interval:
                    over = True
                    stats.resource_over_limit += 1
            if over:
                stats.over_limit += 1
                if self.enforce:
                    return _throttled(routes, action, request)
            if limit.per_second:
                stats.tokens -= 1.0
            if resource is not None:
                stats.last_by_resource[resource] = now
            stats.accepted += 1
        return None

    def report(self) -> dict:
        with self._lock:
            keys = [s.as_dict() for s in self._stats.values()]
        return {"enforce": self.enforce, "keys": keys,
                "over_limit_total": sum(k["over_limit"] for k in keys),
                "over_peak": [k for k in keys if k["per_second"] and k["peak_1s"] > k["per_second"]]}


def _app_of(vendor: str, request: RawRequest) -> str:
    if vendor == "zego":
        return request.arg("AppId") or ""
    if vendor == "tencent":
        return request.arg("sdkappid") or ""
    match = _CREDENTIAL.search(request.headers.get("authorization", ""))
    return match.group(1) if match else ""


def _json_or_none(request: RawRequest):
    try:
        document = request.json_body()
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _throttled(routes: VendorRoutes, action: str, request: RawRequest) -> Reply:
    from airflow_provider_rtc.sandbox.server import Reply

    if routes.vendor == "zego":
        return routes.error_reply(request, ZEGO_RATE_LIMITED,
                                  "The number of requests per second has exceeded the API rate limit.")
    if routes.vendor == "tencent":
        code = TENCENT_MIX_RATE_LIMITED if action in _TENCENT_MIX_COMMANDS else TENCENT_APP_RATE_LIMITED
        return routes.error_reply(request, code, "Too many requests in a short time, subject to frequency control.")
    metadata = routes._metadata(request)  # type: ignore[attr-defined]  # the Volcengine routes' envelope header
    metadata["Error"] = {"Code": VOLCENGINE_RATE_LIMITED, "Message": "Request QPS over limit."}
    return Reply.json({"ResponseMetadata": metadata}, status=429, code=VOLCENGINE_RATE_LIMITED)
