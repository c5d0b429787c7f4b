"""What a retried non-idempotent start must tell the operator on call.

A start whose answer was lost (the worker died mid-call, the task was killed) may still have
started a vendor task: Airflow's retry then starts a second one, and nothing will stop the first,
because its id never arrived. There is no ZEGO API to list or query realtime ASR tasks
(shared/VENDOR_APIS.md, "There is no API to query an ASR task's state"), so the retry cannot find
and adopt it; the safest thing left is to say so, naming the room, where the on-call engineer
looks: the task log of the retry.
"""

from __future__ import annotations

from typing import Any


def warn_if_retry_may_orphan_asr(context: Any, log: Any, room_id: str) -> bool:
    """Log a warning on try 2+ of ``StartRealtimeASRTask``; returns whether it warned."""
    ti = context.get("ti") if hasattr(context, "get") else None
    try_number = getattr(ti, "try_number", None)
    if not isinstance(try_number, int) or try_number <= 1:
        return False
    # Auto-stop: "如处于无人状态超过 150s 则自动结束任务" (ZEGO StopRealtimeASRTask API page,
    # shared/seeds/zego-stop-realtime-asr-task.txt); the quick start says 120 s by default, configurable
    # (https://doc-zh.zego.im/cloud-realtime-asr/quick-start).
    log.warning(
        "Try %d of a realtime ASR start for room %s: an earlier try may already have started a ZEGO realtime "
        "ASR task in room %s whose TaskId never arrived (e.g. its worker was lost mid-call). Nothing will stop "
        "that task: ZEGO ends it by itself once room %s has had no user for 120-150 s, and bills it until then. "
        "Starting a new task now.",
        try_number, room_id, room_id, room_id,
    )
    return True
