"""The vendors' documented rate limits, as data: one entry per (vendor, action).

Read them only through :func:`documented_limit`: the per-vendor action catalogue is meant to hold
these numbers beside each action, and this function is the one place that then reads from it.

Sources (every number below is the vendor's own page; ``../shared/VENDOR_APIS.md`` digests them):
- ZEGO mix APIs, "调用频率限制：100 次/秒" on StartAutoMix / StopMix
  (seeds ``zego-start-auto-mix.txt``, ``zego-stop-mix.txt``);
  VENDOR_APIS.md §1 lists GetMixTaskInfo and StopAutoMix in the same 100/s group.
- ZEGO room signaling (VENDOR_APIS.md §1 "Room APIs"): DescribeSimpleStreamList 50/s per AppId and
  one call per 10 s per room; DescribeUserNum 10/s; DescribeUsers 10/s; DescribeRTCStreamState 40/s.
- Volcengine RTC OpenAPI (VENDOR_APIS.md §2, segment table; seed ``volcengine-stop-segment.txt``
  "请求频率：QPS 不得超过 150"): StartSegment / StopSegment 150, GetSegmentTask 60,
  GetRoomOnlineUsers 40 queries per second, per Volcengine account (shared by all its AppIds).
- Tencent live engine (VENDOR_APIS.md §3; seed ``tencent-resume-mcu-task.txt`` "Maximum Calling
  Frequency 20 times/second"): resume_mcu_task and set_mix_stream 20/s, get_room_info 200/s, per
  SDKAppID.
ZEGO's Cloud Realtime ASR publishes no rate limit: its actions have no entry (not throttled here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class DocumentedLimit:
    """One action's documented limits.

    :param per_second: calls per second for the whole ``scope`` (None: none documented).
    :param per_resource_interval: seconds between two calls on the same resource (a room), or None.
    :param scope: ``"app"`` (per AppId / SDKAppID) or ``"account"`` (shared by the account's apps).
    """

    per_second: float | None
    per_resource_interval: float | None = None
    scope: Literal["app", "account"] = "app"


_ZEGO_MIX = DocumentedLimit(per_second=100.0)
_VOLC = "account"  # Volcengine quotas are per account, shared by all its AppIds

_LIMITS: dict[tuple[str, str], DocumentedLimit] = {
    ("zego", "StartAutoMix"): _ZEGO_MIX,
    ("zego", "StopMix"): _ZEGO_MIX,
    ("zego", "StopAutoMix"): _ZEGO_MIX,
    ("zego", "GetMixTaskInfo"): _ZEGO_MIX,
    ("zego", "DescribeSimpleStreamList"): DocumentedLimit(per_second=50.0, per_resource_interval=10.0),
    ("zego", "DescribeUserNum"): DocumentedLimit(per_second=10.0),
    ("zego", "DescribeUsers"): DocumentedLimit(per_second=10.0),
    ("zego", "DescribeRTCStreamState"): DocumentedLimit(per_second=40.0),
    ("volcengine", "StartSegment"): DocumentedLimit(per_second=150.0, scope=_VOLC),
    ("volcengine", "StopSegment"): DocumentedLimit(per_second=150.0, scope=_VOLC),
    ("volcengine", "GetSegmentTask"): DocumentedLimit(per_second=60.0, scope=_VOLC),
    ("volcengine", "GetRoomOnlineUsers"): DocumentedLimit(per_second=40.0, scope=_VOLC),
    ("tencent", "resume_mcu_task"): DocumentedLimit(per_second=20.0),
    ("tencent", "set_mix_stream"): DocumentedLimit(per_second=20.0),
    ("tencent", "get_room_info"): DocumentedLimit(per_second=200.0),
}

# Which query/body field names the resource a per-resource interval applies to.
_RESOURCE_FIELD = {("zego", "DescribeSimpleStreamList"): "RoomId"}


def documented_limit(vendor: str, action: str) -> DocumentedLimit | None:
    """The documented limit of ``action``, or None when the vendor documents none."""
    return _LIMITS.get((vendor, action))


def limited_actions(vendor: str) -> frozenset[str]:
    """Actions of ``vendor`` that have a documented limit (what a per-action override may name)."""
    return frozenset(action for v, action in _LIMITS if v == vendor)


def resource_of(vendor: str, action: str, query: dict | None, body: dict | None) -> str | None:
    """The resource a per-resource interval counts against (e.g. the ZEGO room), or None."""
    name = _RESOURCE_FIELD.get((vendor, action))
    if name is None:
        return None
    value = (query or {}).get(name, (body or {}).get(name) if isinstance(body, dict) else None)
    if isinstance(value, (list, tuple)):
        value = ",".join(map(str, value))
    return None if value is None else str(value)
