"""Record a verified vendor event as an Airflow Asset event, exactly once per delivery.

Recording goes through ``asset_manager.register_asset_change``, the same call the REST route
``POST /api/v2/assets/events`` makes (airflow/api_fastapi/core_api/routes/public/assets.py), so
DAGs scheduled on the asset are queued (paused ones are not) and the event shows in the asset view.

Where the "seen before" state lives: in the metadata database, in the Asset events themselves.
Each event's ``extra["delivery"]`` holds its delivery key (nonce / EventId / body hash) and a
fingerprint of its content. The api-server may run several worker processes (and several hosts),
so an in-process set would let a vendor retry that lands on another worker record a second
event; a table of our own would need a migration, which a provider cannot ship. Before looking,
the transaction takes a write lock on this connection's asset rows (a no-op UPDATE), so two workers
handling the same delivery at once are serialised by the database: row locks on PostgreSQL and
MySQL, the database write lock on SQLite. Only events of the connection recorded within the
vendor's freshness window of the delivery's own timestamp can be its original (older deliveries
are refused as stale before this), and the database filters them by delivery key.

Every verified delivery is recorded, also of kinds no DAG is scheduled on yet (the asset is created
then, inactive until a DAG uses it): the delivery key must be remembered whatever the kind, or a
signature captured from an unwatched event (ZEGO signs only the nonce and timestamp) could be
replayed onto a watched kind. It also lets users see in the asset view what a vendor sends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from airflow_provider_rtc.callbacks.verify import VerifiedEvent
from airflow_provider_rtc.events import ASSET_GROUP, asset_name, asset_uri, connection_uri_prefix

log = logging.getLogger(__name__)

RECORDED = "recorded"
DUPLICATE = "duplicate"  # the vendor re-delivered an event we already recorded: answer OK, record nothing
REPLAY = "replay"  # a delivery key seen before with other content: a forged reuse of a signed nonce


@dataclass(frozen=True)
class Outcome:
    status: str
    asset_event_id: int | None = None


def record_event(event: VerifiedEvent, *, conn_id: str, window_seconds: float, session) -> Outcome:
    """Record ``event`` unless this delivery was recorded before; the caller commits ``session``."""
    from airflow.assets.manager import asset_manager
    from airflow.models.asset import AssetEvent, AssetModel
    from sqlalchemy import select, update

    prefix = connection_uri_prefix(event.vendor, conn_id)
    asset_table = AssetModel.__table__
    # The lock: a write to this connection's asset rows, before reading anything.
    # (Matching no row yet, the UPDATE still takes SQLite's write lock; on PostgreSQL / MySQL the very
    # first delivery of a new connection is guarded by the asset's unique index instead: a racing
    # twin fails, answers 503, and the vendor's retry is then a duplicate.)
    session.execute(
        update(asset_table)
        .where(asset_table.c.uri.startswith(prefix, autoescape=True))
        .values(updated_at=asset_table.c.updated_at)
    )

    # The original of a retry or replay was recorded when it was fresh: within the window of its own
    # timestamp, which the retry or replay carries too. The database compares the JSON key itself
    # (json_extract / #>> / JSON_EXTRACT), so only matching rows come back however busy the vendor.
    since = datetime.fromtimestamp(event.sent_at - window_seconds, timezone.utc)
    seen = session.execute(
        select(AssetEvent.id, AssetEvent.extra)
        .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
        .where(
            AssetModel.uri.startswith(prefix, autoescape=True),
            AssetEvent.timestamp >= since,
            AssetEvent.extra[("delivery", "key")].as_string() == event.delivery_key,
        )
        .order_by(AssetEvent.id)
        .limit(1)
    ).first()
    if seen is not None:
        event_id, extra = seen
        if extra["delivery"].get("fingerprint") == event.fingerprint:
            return Outcome(DUPLICATE, event_id)
        return Outcome(REPLAY, event_id)

    uri = asset_uri(event.vendor, conn_id, event.kind)
    asset = session.scalar(select(AssetModel).where(AssetModel.uri == uri))
    if asset is None:
        asset = AssetModel(name=asset_name(event.vendor, conn_id, event.kind), uri=uri, group=ASSET_GROUP)
        session.add(asset)
        session.flush()
    recorded = asset_manager.register_asset_change(
        asset=asset,
        extra=event.extra(),
        source_is_api=True,  # as the REST route records an external event
        api_user_teams=set(),
        session=session,
    )
    if recorded is None:  # only when the asset row vanished under us: let the vendor deliver again
        raise RuntimeError(f"asset {uri} disappeared while recording")
    return Outcome(RECORDED, recorded.id)
