"""Which budget a call draws on: the documented limit, the user's share or own limit, the resource.

A :class:`Plan` is plain data the governor (``ratelimit.governor``) enforces; :func:`plan_for`
makes one from a hook's connection and a call, checking the connection extras
``rate_limit_share`` and ``rate_limits`` (a bad value names the extra before any request).
The documented limits themselves are the action catalogue's (``catalogue.documented_limit``):
this module holds no number of a vendor.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.errors import RtcConfigError

if TYPE_CHECKING:
    from airflow_provider_rtc.hooks.base import RtcHook
    from airflow_provider_rtc.hooks.calls import VendorCall

# The share of a documented rate actually used: a call is granted here and arrives at the vendor
# a little later (TLS, the network, a busy event loop), so back-to-back calls can arrive closer
# together than they were granted. 5% of slack absorbs that without costing much sweep time.
HEADROOM = 0.95
# Added to a per-resource interval for the same reason (10 s becomes 10.25 s).
INTERVAL_MARGIN = 0.25


@dataclass(frozen=True)
class Plan:
    """What one call must respect: which budget it draws on, at what spacing, which resource."""

    key: tuple[str, ...]
    spacing: float | None  # seconds between calls of this key, None: no limit
    resource: str | None = None
    resource_interval: float | None = None
    label: str = ""
    rate: float | None = None  # calls per second this key may use (for the log)


def plan_for(hook: RtcHook, call: VendorCall) -> Plan:
    """The budget ``call`` through ``hook``'s connection draws on, with the user's extras applied."""
    vendor = hook.vendor_key  # the catalogue's name: "zego", "volcengine", "tencent"
    limit = catalogue.documented_limit(vendor, call.action)
    overrides = _overrides(hook, vendor)
    rate = overrides.get(call.action)
    if rate is None and limit is not None and limit.per_second:
        rate = limit.per_second * _share(hook)
    connection = hook.connection
    identity = (vendor, str(connection.host or ""), str(connection.login or ""))
    key = (*identity, call.action)
    interval = limit.per_resource_interval if limit else None
    label = f"{hook.vendor} {call.action} (connection {hook.conn_id!r})"
    return Plan(
        key=key,
        spacing=None if rate is None else 1.0 / (rate * HEADROOM),
        resource=limit.resource_in(call.query, call.body) if limit is not None else None,
        resource_interval=interval + INTERVAL_MARGIN if interval else None,
        label=label,
        rate=None if rate is None else rate * HEADROOM,
    )


def _share(hook: RtcHook) -> float:
    value = hook.extra("rate_limit_share")
    if value is None:
        return 1.0
    try:
        if isinstance(value, bool):
            raise TypeError
        share = float(value)
    except (TypeError, ValueError, OverflowError):
        share = math.nan
    if not math.isfinite(share) or not 0 < share <= 1:
        raise RtcConfigError(
            f"connection {hook.conn_id!r}: extra 'rate_limit_share' must be a number above 0 and at most 1 "
            f"(the share of the vendor's documented rate limits this Airflow may use), got {value!r}")
    return share


def _overrides(hook: RtcHook, vendor: str) -> dict[str, float]:
    value = hook.extra("rate_limits")
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    known = limited_actions(vendor)
    if not isinstance(value, dict):
        raise RtcConfigError(
            f"connection {hook.conn_id!r}: extra 'rate_limits' must be a JSON object of calls per second by "
            f"action, e.g. {{\"{min(known)}\": 5}}")
    result = {}
    for action, rate in value.items():
        if action not in known:
            raise RtcConfigError(
                f"connection {hook.conn_id!r}: extra 'rate_limits' names {action!r}, which is not a "
                f"{vendor} action with a rate limit; one of: {', '.join(sorted(known))}")
        try:
            if isinstance(rate, bool):
                raise TypeError
            number = float(rate)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if not math.isfinite(number) or number <= 0 or number > 100_000:
            raise RtcConfigError(
                f"connection {hook.conn_id!r}: extra 'rate_limits'[{action!r}] must be calls per second "
                f"above 0 and at most 100000, got {rate!r}")
        result[action] = number
    return result


def limited_actions(vendor: str) -> frozenset[str]:
    """Catalogued actions of ``vendor`` with a documented rate (what ``rate_limits`` may name)."""
    return frozenset(action.name for action in catalogue.actions(vendor) if action.limit.per_second)
