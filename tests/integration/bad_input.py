"""What the bad-input property tests share: settings, the no-lookup guard and the assertions."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, settings

from airflow_provider_rtc.errors import RtcValidationError
from airflow_provider_rtc.hooks.base import RtcHook

# Refusals never touch the network: many examples. Round trips go through the loopback sandbox
# (~15 ms a request): fewer. Function-scoped fixtures are fine here because every example resets
# the sandbox (or sends nothing at all).
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Sized from the loaded profile (tests/conftest.py): 50 / 15 under the default "ci" profile,
# twice that under "wide".
INVALID = settings(max_examples=settings.default.max_examples // 2, **_COMMON)
VALID = settings(max_examples=max(1, settings.default.max_examples * 15 // 100), **_COMMON)

# Accepted by the sandbox: ZEGO and Tencent answer code 0, Volcengine a Result without Error.
SUCCESS_CODES = (0, "ok")


@pytest.fixture
def no_connection_lookup(monkeypatch):
    """Fail the test if anything reads a connection: bad input must be refused before that."""

    def looked_up(cls, conn_id, *args, **kwargs):
        raise AssertionError(f"connection {conn_id!r} was looked up before the bad argument was refused")

    monkeypatch.setattr(RtcHook, "get_connection", classmethod(looked_up))
    monkeypatch.setattr(RtcHook, "aget_connection", classmethod(looked_up))


def execute(task, context=None):
    """``task.execute()`` called the way Airflow's task runner calls it (with its sentinel), so
    Airflow does not log "cannot be called outside of the Task Runner" for each of thousands of
    examples (a console write per example, a fifth of a refusal's cost)."""
    from airflow.sdk.bases.operator import ExecutorSafeguard

    sentinel = {f"{type(task).__name__}__sentinel": ExecutorSafeguard.sentinel_value}
    return task.execute(context=context or {}, **sentinel)


def argument_named(error: RtcValidationError) -> str:
    """The argument an error names: ``room_id (RoomId)`` and ``stream_ids[2]`` name room_id / stream_ids."""
    return re.split(r"[ \[]", error.field, maxsplit=1)[0]


def assert_refused(run, argument: str, sandbox) -> RtcValidationError:
    """``run()`` raises RtcValidationError naming ``argument``, and the sandbox saw nothing."""
    with pytest.raises(RtcValidationError) as caught:
        run()
    assert argument_named(caught.value) == argument, caught.value
    assert sandbox.received() == []
    return caught.value


def assert_accepted(sandbox, action: str) -> list:
    """Every request the sandbox received succeeded, and ``action`` was among them."""
    records = sandbox.received()
    assert records, "nothing was sent"
    assert all(r.status == 200 and r.code in SUCCESS_CODES for r in records), \
        [(r.action, r.status, r.code) for r in records]
    calls = [r for r in records if r.action == action]
    assert calls, f"{action} was not sent"
    return calls
