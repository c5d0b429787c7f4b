"""React to what the vendors report: stop the mix when the host's stream closes; handle each audio slice."""

from __future__ import annotations

import datetime

from airflow.sdk import DAG, Param, task

from airflow_provider_rtc.events import volcengine_events, zego_events
from airflow_provider_rtc.operators.zego import StopAutoMixOperator

DOC_MD = """
# On vendor events: react to what the vendors report

Runs whenever ZEGO reports a closed stream (`stream_close`) or Volcengine reports a new audio slice
(`SegmentRealTimeData`) for the default connections. Nothing polls: the vendor's signed callback
becomes an Asset event (README, *Vendor callbacks*) and this DAG is scheduled on those assets.

| step | what it does |
|---|---|
| `read_events` | reads every triggering event's `extra` (the normalised vendor event: `room_id`, `stream_id`, `user_id`, `task_id`, `data`, ...) |
| `host_left` | goes on only when the *watched room's host* closed a stream (params `room_id` and `host_user_id`); every room's events arrive on the same asset, so this is how to react to one room only |
| `stop_mix` | stops the room's auto mix (`{room_id}-mix`); idempotent: already stopped counts as done |
| `handle_slices` | logs one line per audio slice URL, where a transcription step would go |

## Connections

`zego_default` with the extra `callback_secret` (the console's CallbackSecret) and
`volcengine_rtc_default` with the extra `callback_secret_key`. Register
`https://<airflow>/rtc-callbacks/zego/zego_default` and
`https://<airflow>/rtc-callbacks/volcengine/volcengine_rtc_default` in the vendor consoles.

## Against the sandbox (no vendor account needed)

The sandbox sends these callbacks itself once told where: control API `POST /_sandbox/callbacks`
with `{"command": "configure", "vendor": "zego", "url": ..., "secret": ...}`. Closing the host's
stream (`remove_streams`) then starts this DAG.
"""

with DAG(
    dag_id="rtc_on_vendor_events",
    description="Scheduled on vendor callbacks: stop the mix when the host's stream closes, handle audio slices",
    schedule=(zego_events("stream_close") | volcengine_events("SegmentRealTimeData")),
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["rtc", "zego", "volcengine", "callbacks", "example"],
    params={
        "room_id": Param("sandbox-room", type="string", minLength=1, maxLength=128, title="Watched room",
                         description="Only this room's host leaving stops the mix."),
        "host_user_id": Param("host", type="string", minLength=1, maxLength=64, title="Host UserId"),
        "mix_owner_user_id": Param("show-operator", type="string", minLength=1, maxLength=64,
                                   title="Mix owner UserId", description="UserId that started the mix."),
    },
    doc_md=DOC_MD,
) as dag:

    @task
    def read_events(triggering_asset_events=None) -> dict:
        """The events that started this run, as plain JSON: closed streams and audio slices."""
        closed, slices = [], []
        for events in (triggering_asset_events or {}).values():
            for event in events:
                extra = event.extra or {}
                if extra.get("event") == "stream_close":
                    closed.append({k: extra.get(k) for k in ("room_id", "stream_id", "user_id", "sent_at")})
                elif extra.get("event") == "SegmentRealTimeData":
                    data = (extra.get("data") or {}).get("EventData") or {}
                    for piece in data.get("Data") or []:
                        slices.append({"room_id": extra.get("room_id"), "task_id": extra.get("task_id"),
                                       "url": piece.get("Url"), "duration": piece.get("Duration")})
        print(f"{len(closed)} closed stream(s), {len(slices)} audio slice(s)")
        return {"closed": closed, "slices": slices}

    @task.short_circuit
    def host_left(events: dict, params=None) -> bool:
        """Only the watched room's host: every room's stream_close arrives on the same asset."""
        return any(c["room_id"] == params["room_id"] and c["user_id"] == params["host_user_id"]
                   for c in events["closed"])

    @task
    def handle_slices(events: dict) -> list[str]:
        urls = [s["url"] for s in events["slices"] if s["url"]]
        for url in urls:
            print(f"audio slice ready: {url}")  # a transcription step would take it from here
        return urls

    events = read_events()
    stop_mix = StopAutoMixOperator(
        task_id="stop_mix",
        mix_task_id="{{ params.room_id }}-mix",
        room_id="{{ params.room_id }}",
        user_id="{{ params.mix_owner_user_id }}",
    )
    host_left(events) >> stop_mix
    handle_slices(events)
