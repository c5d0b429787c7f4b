"""Put the vendor's answer into an RTC operator's outlet Asset events.

A task with ``outlets=[Asset(...)]`` emits one Asset event per outlet when it succeeds; Airflow
lets the task fill that event's ``extra`` (``context["outlet_events"][asset].extra``). For the RTC
operators the useful payload is the vendor's answer, e.g. StartAutoMix's ``PlayInfo`` (the
playback URLs): with it in ``extra``, a DAG scheduled on the asset reads the URLs from
``triggering_asset_events`` instead of pulling XCom across DAGs.

``extra["rtc"] = {"operator", "request_id", "data"}`` (the same plain JSON as the task's XCom,
which holds no secret). A value the task set itself under ``rtc`` is left alone.

Airflow calls an operator's own ``post_execute`` without the result (task_runner._execute_task),
but calls the ``post_execute=`` hook with ``(context, result)``; ``RtcBaseOperator`` chains this
in front of any hook the DAG author gave.
"""

from __future__ import annotations

from typing import Any, Callable

PostExecuteHook = Callable[[Any, Any], None]


def record_answer_in_outlets(context: Any, result: Any) -> None:
    task = context["task"]
    if not isinstance(result, dict) or not task.outlets:
        return
    from airflow.sdk import Asset

    answer = {"operator": type(task).__name__, "request_id": result.get("request_id"), "data": result.get("data")}
    outlet_events = context["outlet_events"]
    for outlet in task.outlets:
        if isinstance(outlet, Asset):  # aliases and other inlets/outlets have no single event to fill
            outlet_events[outlet].extra.setdefault("rtc", answer)


def with_answer_in_outlets(user_hook: PostExecuteHook | None) -> PostExecuteHook:
    """The ``post_execute`` hook for RTC operators: ours first, then the DAG author's, if any."""

    def post_execute(context: Any, result: Any = None) -> None:
        record_answer_in_outlets(context, result)
        if user_hook is not None:
            user_hook(context, result)

    return post_execute
