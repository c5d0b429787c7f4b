"""Test DAGs for the vendor-callback e2e: an RTC operator with an outlet, and a DAG scheduled on it.

``rtc_start_mix_with_outlet`` starts the sandbox room's auto mix; its outlet event carries ZEGO's
answer (``extra["rtc"]["data"]["PlayInfo"]``), which ``rtc_read_playback_urls`` reads.
"""

from __future__ import annotations

import datetime

from airflow.sdk import DAG, Asset, task

from airflow_provider_rtc.operators.zego import StartAutoMixOperator

MIX_STARTED = Asset(name="rtc-e2e/mix-started", uri="x-rtc-e2e://mix-started")
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)

with DAG(dag_id="rtc_start_mix_with_outlet", schedule=None, start_date=START, catchup=False, doc_md=__doc__):
    StartAutoMixOperator(
        task_id="start_mix", room_id="sandbox-room", mix_task_id="sandbox-room-mix", user_id="show-operator",
        mix_output=[{"StreamId": "sandbox-room-mixed"}], outlets=[MIX_STARTED],
    )

with DAG(dag_id="rtc_read_playback_urls", schedule=[MIX_STARTED], start_date=START, catchup=False, doc_md=__doc__):

    @task
    def playback_urls(triggering_asset_events=None) -> list[str]:
        return [play["RTMP"] for events in triggering_asset_events.values() for event in events
                for play in event.extra["rtc"]["data"]["PlayInfo"]]

    playback_urls()
