"""The provider's Airflow plugin: registers what Airflow can only find through a plugin (the timetable)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from airflow_provider_rtc.timetables import ZonedCronTriggerTimetable


class RtcProviderPlugin(AirflowPlugin):
    name = "airflow_provider_rtc"
    timetables = [ZonedCronTriggerTimetable]
