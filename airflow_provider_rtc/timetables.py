"""A cron schedule whose summary names its timezone.

Airflow's DAG list and DAG page show a timetable's ``summary`` in the Schedule column; for
``CronTriggerTimetable`` that is the bare expression ("0 20 * * 5"), which on a show's DAG leaves
the on-call engineer guessing whether 20:00 is UTC or local. This subclass only changes the
summary ("0 20 * * 5 UTC"); scheduling is CronTriggerTimetable's own. It is registered through the
provider's plugin (``airflow_provider_rtc.plugin``, entry point ``airflow.plugins``), which the
scheduler needs to deserialize it.
"""

from __future__ import annotations

from airflow.timetables.trigger import CronTriggerTimetable


class ZonedCronTriggerTimetable(CronTriggerTimetable):
    """``CronTriggerTimetable`` whose summary ends with its timezone's name."""

    @property
    def summary(self) -> str:
        zone = getattr(self._timezone, "name", None) or str(self._timezone)
        return f"{super().summary} {zone}"
