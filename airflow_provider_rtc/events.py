"""Assets that vendor callbacks update: what a DAG author schedules on.

Every verified vendor callback received at ``/rtc-callbacks/{vendor}/{conn_id}`` becomes one
Asset event on the asset named after the vendor, the connection and the event kind::

    from airflow_provider_rtc.events import zego_events

    @dag(schedule=zego_events("stream_close"))
    def on_stream_close():
        @task
        def react(*, triggering_asset_events=None):
            for events in triggering_asset_events.values():
                for event in events:
                    event.extra["room_id"], event.extra["stream_id"]

The event's ``extra`` is the normalised vendor event (see README "Vendor callbacks"): ``vendor``,
``product``, ``app_id``, ``event``, ``room_id``, ``stream_id``, ``task_id``, ``user_id``,
``sent_at``, ``data`` (the vendor's own fields) and ``delivery`` (what deduplication keys on);
never a secret or a signature.

One asset per (vendor, connection, event kind), not per room: rooms come and go every show, and an
asset per room would grow the asset table without bound. To react to one room only, schedule on
the kind and skip the others in the first task (``@task.short_circuit`` on ``extra["room_id"]``).

This module is imported by DAG files on every parse: the Asset class is imported lazily and
nothing else from Airflow is touched.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.sdk import Asset

__all__ = [
    "ASSET_GROUP",
    "ASSET_SCHEME",
    "DEFAULT_CONN_IDS",
    "asset_name",
    "asset_uri",
    "connection_uri_prefix",
    "event_asset",
    "tencent_events",
    "trtc_kind",
    "volcengine_events",
    "zego_events",
]

# "x-" schemes are left alone by Airflow's URI normalisation (airflow.sdk.definitions.asset._sanitize_uri),
# so the URI the receiver builds is byte-for-byte the one a DAG file builds.
ASSET_SCHEME = "x-rtc-callback"
ASSET_GROUP = "rtc-callbacks"
DEFAULT_CONN_IDS = {"zego": "zego_default", "volcengine": "volcengine_rtc_default", "tencent": "tencent_live_default"}

# Event kinds and connection ids become path segments of the asset URI: keep them to a safe alphabet.
_SEGMENT = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


def _segment(what: str, value: str) -> str:
    if not isinstance(value, str) or not _SEGMENT.fullmatch(value):
        raise ValueError(f"{what} must be 1-128 characters of letters, digits, '_', '.', '-' (got {value!r})")
    return value


def trtc_kind(event_type: int | str) -> str:
    """The event kind of a TRTC room/media event: ``trtc.102`` for EventType 102 (room dismissed)."""
    return f"trtc.{int(event_type)}"


def connection_uri_prefix(vendor: str, conn_id: str) -> str:
    """Every asset of one vendor connection starts with this (the receiver's deduplication scope)."""
    if vendor not in DEFAULT_CONN_IDS:
        raise ValueError(f"vendor must be one of {sorted(DEFAULT_CONN_IDS)} (got {vendor!r})")
    return f"{ASSET_SCHEME}://{vendor}/{_segment('conn_id', conn_id)}/"


def asset_uri(vendor: str, conn_id: str, kind: str) -> str:
    return connection_uri_prefix(vendor, conn_id) + _segment("event kind", kind)


def asset_name(vendor: str, conn_id: str, kind: str) -> str:
    # Name and URI carry the same identity; the name reads well in the UI's asset list.
    asset_uri(vendor, conn_id, kind)  # validates
    return f"rtc-callback/{vendor}/{conn_id}/{kind}"


def event_asset(vendor: str, conn_id: str, kind: str) -> Asset:
    from airflow.sdk import Asset

    return Asset(name=asset_name(vendor, conn_id, kind), uri=asset_uri(vendor, conn_id, kind), group=ASSET_GROUP)


def zego_events(kind: str, conn_id: str = DEFAULT_CONN_IDS["zego"]) -> Asset:
    """ZEGO RTC events (``stream_close``, ``mix_stop``, ``room_close``, ...) or Cloud Realtime ASR
    events (``ASRResult``, ``TranslationResult``, ``Exception``) received for ``conn_id``."""
    return event_asset("zego", conn_id, kind)


def volcengine_events(kind: str, conn_id: str = DEFAULT_CONN_IDS["volcengine"]) -> Asset:
    """Volcengine / BytePlus RTC events by EventType (``SegmentRealTimeData``, ``RecordStopped``, ...)."""
    return event_asset("volcengine", conn_id, kind)


def tencent_events(kind: str | int, conn_id: str = DEFAULT_CONN_IDS["tencent"]) -> Asset:
    """Tencent IM / TUILiveKit callbacks by CallbackCommand (``Live.CallbackAfterDestroyRoom``), or
    TRTC room and media events by their numeric EventType (``102`` room dismissed, ``104`` user left)."""
    if isinstance(kind, int) or (isinstance(kind, str) and kind.isdigit()):
        kind = trtc_kind(kind)
    return event_asset("tencent", conn_id, kind)
