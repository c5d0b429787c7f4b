"""Shared fixtures: a private Airflow home, a loopback sandbox, and connections pointing at it."""

from __future__ import annotations

import json
import os
import tempfile

# Airflow reads its home at import time: give the test session a private one before any import.
_HOME = tempfile.mkdtemp(prefix="rtc-airflow-home-")
os.environ["AIRFLOW_HOME"] = _HOME
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests: CI must not be a coin toss. The default profile is derandomised (the same
# examples on every run, chosen from each test's name) and keeps no example database, so a run
# replays nothing an earlier run found. ``HYPOTHESIS_PROFILE=wide`` draws fresh random examples
# with twice the example counts: the local search for new counterexamples (``make properties-wide``).
# Test modules size their own settings from ``settings.default.max_examples`` (see
# tests/integration/bad_input.py), so both profiles reach them.
settings.register_profile("ci", derandomize=True, database=None, max_examples=100)
settings.register_profile("wide", derandomize=False, database=None, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from airflow_provider_rtc.sandbox import Sandbox  # noqa: E402
from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS, airflow_connections  # noqa: E402

# Fast retries in tests: the backoff policy itself is unit-tested with a fake clock.
FAST = {"retry_backoff": 0.01}


@pytest.fixture(scope="session")
def sandbox_server():
    with Sandbox(lifetime=1800) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server):
    """The session's sandbox, emptied before each test (state, faults and request log)."""
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.reset()


def set_connection(monkeypatch, conn_id: str, document: dict) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(document))


@pytest.fixture
def connections(sandbox, monkeypatch):
    """AIRFLOW_CONN_* env vars for every vendor's default connection, aimed at the sandbox."""
    documents = airflow_connections(sandbox.url)
    for conn_id, document in documents.items():
        set_connection(monkeypatch, conn_id, document)
    return documents


@pytest.fixture
def credentials():
    return SANDBOX_CREDENTIALS


@pytest.fixture(autouse=True)
def fresh_rate_governor():
    """Each test starts with an empty process rate governor (no waits carried over from others)."""
    from airflow_provider_rtc.ratelimit.governor import reset_process_governor

    reset_process_governor()
    yield


def use_clock(monkeypatch, wall) -> None:
    """Make every hook created from now on read its wall time from ``wall()`` (seconds since the epoch)."""
    from airflow_provider_rtc.hooks import clock

    monkeypatch.setattr(clock, "SYSTEM_CLOCK", clock.Clock(wall=wall))


def set_resource_interval(monkeypatch, vendor: str, action: str, seconds: float | None) -> None:
    """Change one catalogue entry's documented per-resource interval for this test (the one place
    the number lives, so the sensors, the trigger, the rate governor and an in-process sandbox
    all see the change)."""
    from dataclasses import replace

    from airflow_provider_rtc import catalogue

    entries = catalogue._by_name(vendor)
    entry = entries[action]
    monkeypatch.setitem(entries, action, replace(entry, limit=replace(entry.limit, per_resource_interval=seconds)))
