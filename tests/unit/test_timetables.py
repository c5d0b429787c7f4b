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


def test_airflow_loads_both_plugins_of_the_package_from_their_entry_points():
    # The timetable plugin (issue 15) and the callback receiver (issue 14) are two entry points of
    # the same group: one must not replace the other.
    from importlib.metadata import entry_points

    from airflow import plugins_manager

    ours = {e.name: e.value for e in entry_points(group="airflow.plugins") if e.value.startswith("airflow_provider_rtc")}
    assert ours == {"airflow_provider_rtc": "airflow_provider_rtc.plugin:RtcProviderPlugin",
                    "rtc_callbacks": "airflow_provider_rtc.callbacks.plugin:RtcCallbacksPlugin"}
    loaded = {info["name"]: info for info in plugins_manager.get_plugin_info(["name", "timetables"])}
    assert {"airflow_provider_rtc", "rtc_callbacks"} <= set(loaded)
    assert plugins_manager.get_timetables_plugins()[
        "airflow_provider_rtc.timetables.ZonedCronTriggerTimetable"] is ZonedCronTriggerTimetable
    apps, _ = plugins_manager.get_fastapi_plugins()
    assert any(app.get("url_prefix") == "/rtc-callbacks" for app in apps)
