"""The show's schedule names its timezone in the UI's Schedule column, and schedules like Airflow's own."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from airflow.timetables.trigger import CronTriggerTimetable

from airflow_provider_rtc.timetables import ZonedCronTriggerTimetable


@pytest.mark.parametrize(("zone", "summary"), [("UTC", "0 20 * * 5 UTC"),
                                               ("Asia/Shanghai", "0 20 * * 5 Asia/Shanghai")])
def test_the_summary_names_the_timezone(zone, summary):
    assert ZonedCronTriggerTimetable("0 20 * * 5", timezone=zone).summary == summary


def test_it_schedules_exactly_like_cron_trigger_timetable():
    from airflow.timetables.base import TimeRestriction

    ours = ZonedCronTriggerTimetable("0 20 * * 5", timezone="Asia/Shanghai")
    theirs = CronTriggerTimetable("0 20 * * 5", timezone="Asia/Shanghai")
    restriction = TimeRestriction(earliest=datetime(2026, 1, 1, tzinfo=timezone.utc), latest=None, catchup=True)
    ours_next = ours.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    theirs_next = theirs.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert ours_next == theirs_next and ours_next.run_after == datetime(2026, 1, 2, 12, tzinfo=timezone.utc)


def test_the_scheduler_can_deserialize_it_through_the_plugin():
    # Airflow refuses a timetable class no plugin registered; the package registers it via its
    # "airflow.plugins" entry point (provider-info plugins load only with lazy provider loading off).
    from airflow.serialization.decoders import decode_timetable
    from airflow.serialization.encoders import encode_timetable

    encoded = encode_timetable(ZonedCronTriggerTimetable("0 20 * * 5", timezone="UTC"))
    decoded = decode_timetable(encoded)
    assert type(decoded) is ZonedCronTriggerTimetable and decoded.summary == "0 20 * * 5 UTC"
