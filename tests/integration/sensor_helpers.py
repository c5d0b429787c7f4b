"""Drive sensors the way Airflow does: poke loops, and deferral with the trigger in an event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest
from airflow.sdk.exceptions import TaskDeferred


def later(seconds: float, function, *args, **kwargs) -> threading.Timer:
    """Change sandbox state while a sensor waits."""
    timer = threading.Timer(seconds, function, args=args, kwargs=kwargs)
    timer.daemon = True
    timer.start()
    return timer


def run_trigger(trigger, timeout: float = 20.0):
    """Run a trigger until its first event (bounded), as the triggerer would."""

    async def first_event():
        async for event in trigger.run():
            return event
        raise AssertionError("trigger ended without an event")

    return asyncio.run(asyncio.wait_for(first_event(), timeout))


def defer(sensor):
    """Execute a deferrable sensor until it defers; return the trigger (after a serialization round trip)."""
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context={})
    classpath, kwargs = deferred.value.trigger.serialize()
    module, _, name = classpath.rpartition(".")
    import importlib

    trigger = getattr(importlib.import_module(module), name)(**kwargs)
    assert trigger.serialize() == (classpath, kwargs)
    return trigger, kwargs


def after_requests(sandbox, action: str, count: int, function, *args, timeout: float = 30.0) -> threading.Thread:
    """Change sandbox state once ``count`` more requests for ``action`` have arrived (bounded wait):
    "the sensor saw the old state at least that often", whatever the machine's load."""
    import time

    target = len(sandbox.received(action)) + count

    def wait_then_call():
        deadline = time.monotonic() + timeout
        while len(sandbox.received(action)) < target and time.monotonic() < deadline:
            time.sleep(0.01)
        function(*args)

    thread = threading.Thread(target=wait_then_call, daemon=True)
    thread.start()
    return thread
