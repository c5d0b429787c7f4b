"""Vendor callbacks on a real Airflow: the sandbox, acting as each vendor, posts signed callbacks to the
api-server's ``/rtc-callbacks`` plugin; verified ones become Asset events that start DAG runs.

Forged, stale and replayed callbacks must create no event and no run; a duplicate delivery creates
exactly one. Afterwards nothing secret (callback secrets, the signatures the sandbox sent) may be
found in logs, XCom or the database. About 3-6 minutes on a loaded 2-core machine.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS, airflow_connection_env
from tests.e2e.real_airflow import ROOT, RealAirflow
from tests.e2e.test_real_airflow import secrets_and_signatures, stored_texts

pytestmark = pytest.mark.e2e
ROOM = "sandbox-room"
ON_EVENTS = "rtc_on_vendor_events"


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, sandbox_server):
    dags = tmp_path_factory.mktemp("dags")
    for source in (ROOT / "dags_examples" / "on_vendor_events.py", Path(__file__).parent / "dags" / "callback_outlets.py"):
        shutil.copy(source, dags / source.name)
    with RealAirflow(tmp_path_factory.mktemp("real-airflow"), dags, airflow_connection_env(sandbox_server.url)) as real:
        for dag_id in (ON_EVENTS, "rtc_start_mix_with_outlet", "rtc_read_playback_urls"):
            real.wait_for_dag(dag_id)
        yield real


def runs(real: RealAirflow, dag_id: str) -> list[dict]:
    return real.api("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]


def callback_events(real: RealAirflow) -> list[dict]:
    # Airflow 3.3's asset-event listing answers 500 while a run the events created is still queued
    # (its response model requires the run's start_date, which is null until the run starts), so
    # ask again, bounded, until that run has started.
    def listing() -> tuple[list[dict]] | None:
        response = real.session.get(f"{real.url}/api/v2/assets/events", params={"limit": 100}, timeout=30)
        if response.status_code == 500:
            return None
        assert response.status_code == 200, f"asset event listing -> {response.status_code}: {response.text[:500]}"
        return (response.json()["asset_events"],)  # a tuple, so an empty listing still ends the wait

    (events,) = real._wait(listing, 120, "the asset event listing", interval=1.0)
    return sorted((e for e in events if e["uri"].startswith("x-rtc-callback://")), key=lambda e: e["id"])


def wait_for_new_run(real: RealAirflow, dag_id: str, known: int, timeout: float = 300.0) -> dict:
    new = real._wait(lambda: (lambda rs: rs[known:] if len(rs) > known else None)(runs(real, dag_id)),
                     timeout, f"a new run of {dag_id}", interval=1.0)
    run_id = new[0]["dag_run_id"]
    state, _ = real.wait_for_run(dag_id, run_id, timeout=timeout)
    assert state == "success", real.failure_report(dag_id, run_id)
    return new[0]


def xcom(real: RealAirflow, dag_id: str, run_id: str, task_id: str):
    return real.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value")["value"]


def configure_callbacks(sandbox, real: RealAirflow) -> None:
    credentials = SANDBOX_CREDENTIALS
    sandbox.callbacks.configure("zego", f"{real.url}/rtc-callbacks/zego/zego_default",
                                secret=credentials["zego"]["callback_secret"], retry_scale=0.05)
    sandbox.callbacks.configure("volcengine", f"{real.url}/rtc-callbacks/volcengine/volcengine_rtc_default",
                                secret=credentials["volcengine"]["callback_secret_key"])
    sandbox.callbacks.configure("tencent", f"{real.url}/rtc-callbacks/tencent/tencent_live_default",
                                secret=credentials["tencent"]["callback_token"],
                                trtc_key=credentials["tencent"]["trtc_callback_secret"])


def sent(sandbox, **match) -> list:
    assert sandbox.callbacks.wait_idle(timeout=120), "the sandbox's deliveries did not finish"
    return [a for a in sandbox.callbacks.attempts if all(getattr(a, k) == v for k, v in match.items())]


def test_outlet_event_carries_the_vendor_answer_to_a_downstream_dag(airflow, sandbox):
    before = len(runs(airflow, "rtc_read_playback_urls"))
    run_id = airflow.trigger("rtc_start_mix_with_outlet")
    state, _ = airflow.wait_for_run("rtc_start_mix_with_outlet", run_id)
    assert state == "success", airflow.failure_report("rtc_start_mix_with_outlet", run_id)
    downstream = wait_for_new_run(airflow, "rtc_read_playback_urls", before)
    assert xcom(airflow, "rtc_read_playback_urls", downstream["dag_run_id"], "playback_urls") == [
        "rtmp://sandbox/live/sandbox-room-mixed"]


def test_signed_callbacks_start_runs_and_nothing_unsigned_does(airflow, sandbox):
    configure_callbacks(sandbox, airflow)
    # A live show: the mix runs (started through the real operator) and the host publishes.
    run_id = airflow.trigger("rtc_start_mix_with_outlet")
    assert airflow.wait_for_run("rtc_start_mix_with_outlet", run_id)[0] == "success"
    assert "sandbox-room-mix" in sandbox.route("zego").snapshot()["mix_tasks"]
    sandbox.route("zego").add_stream(ROOM, "host-cam", user_id="host")
    events_before, runs_before = len(callback_events(airflow)), len(runs(airflow, ON_EVENTS))

    # 1. Forged and stale callbacks: refused on every retry, no event, no run.
    sandbox.callbacks.misbehave("bad_signature", vendor="zego")
    sandbox.callbacks.zego_event("stream_close", room_id=ROOM, stream_id="host-cam", user_id="host")
    sandbox.callbacks.misbehave("stale", vendor="zego")
    sandbox.callbacks.zego_event("stream_close", room_id=ROOM, stream_id="host-cam", user_id="host")
    sandbox.callbacks.misbehave("bad_signature", vendor="tencent")
    sandbox.callbacks.trtc_event(1, 102, {"RoomId": ROOM})
    refused = sent(sandbox)
    assert refused and {a.status for a in refused} == {401}, [(a.mode, a.status, a.answer) for a in refused]
    assert len([a for a in refused if a.vendor == "zego"]) == 12  # 2 callbacks x (1 + 5 retries), as ZEGO does

    # 2. The host's stream closes: the signed stream_close starts rtc_on_vendor_events, which stops the mix.
    sandbox.route("zego").remove_streams(ROOM)
    run = wait_for_new_run(airflow, ON_EVENTS, runs_before)
    assert xcom(airflow, ON_EVENTS, run["dag_run_id"], "read_events")["closed"][0] == {
        "room_id": ROOM, "stream_id": "host-cam", "user_id": "host",
        "sent_at": pytest.approx(time.time(), abs=600)}
    assert airflow.task_states(ON_EVENTS, run["dag_run_id"])["stop_mix"] == "success"
    assert "sandbox-room-mix" not in sandbox.route("zego").snapshot()["mix_tasks"]
    accepted = [a for a in sent(sandbox, kind="stream_close") if a.status == 200]
    assert len(accepted) == 1 and json.loads(accepted[0].answer)["outcome"] == "recorded"
    # The mix stopping made ZEGO call back again (mix_stop): recorded, though no DAG listens to it.
    assert [a.status for a in sent(sandbox, kind="mix_stop")] == [200]
    [stream_closed] = [e for e in callback_events(airflow)[events_before:] if e["extra"]["event"] == "stream_close"]
    assert stream_closed["extra"]["room_id"] == ROOM and "signature" not in str(stream_closed["extra"])

    # 3. A replay (the captured nonce and signature on other content) is refused: no event, no run.
    events_now, runs_now = len(callback_events(airflow)), len(runs(airflow, ON_EVENTS))
    sandbox.callbacks.misbehave("replay", vendor="zego")
    sandbox.callbacks.zego_event("stream_close", room_id="another-room", stream_id="cam", user_id="host")
    replays = sent(sandbox, mode="replay")
    assert replays and {a.status for a in replays} == {409}

    # 4. A duplicate delivery (Volcengine delivers at least once) creates exactly one event and one run.
    sandbox.callbacks.misbehave("duplicate", vendor="volcengine")
    assert sandbox.callbacks.segment_slice(ROOM, "sandbox-room-segment", url="https://sandbox.invalid/slice-1.aac")
    duplicates = sent(sandbox, mode="duplicate")
    assert [a.status for a in duplicates] == [200, 200]
    assert [json.loads(a.answer)["outcome"] for a in duplicates] == ["recorded", "duplicate"]
    slice_run = wait_for_new_run(airflow, ON_EVENTS, runs_now)
    assert xcom(airflow, ON_EVENTS, slice_run["dag_run_id"], "handle_slices") == ["https://sandbox.invalid/slice-1.aac"]
    time.sleep(15)  # a second run would have been queued by now: the scheduler heartbeats every second
    assert len(runs(airflow, ON_EVENTS)) == runs_now + 1
    new_events = callback_events(airflow)[events_now:]
    assert [e["extra"]["event"] for e in new_events] == ["SegmentRealTimeData"]

    # 5. Tencent: a room dismissed reaches the api-server as an IM and a TRTC callback, both recorded
    # and acknowledged in Tencent's own answer forms.
    sandbox.route("tencent").create_room("tencent-room", mix="running")
    sandbox.route("tencent").dissolve_room("tencent-room")
    tencent = sent(sandbox, vendor="tencent", mode=None)
    assert sorted(a.kind for a in tencent) == ["Live.CallbackAfterDestroyRoom", "trtc.102"]
    assert {a.status for a in tencent} == {200}
    assert any('"ActionStatus":"OK"' in a.answer.replace(" ", "") for a in tencent)
    assert any('"code":0' in a.answer.replace(" ", "") for a in tencent)

    # 6. No callback secret or signature anywhere Airflow keeps things.
    needles = secrets_and_signatures(sandbox)
    assert SANDBOX_CREDENTIALS["zego"]["callback_secret"] in needles
    assert any(a.signature in needles for a in sandbox.callbacks.attempts if a.status == 200)
    texts = stored_texts(airflow, ON_EVENTS, slice_run["dag_run_id"], airflow.trigger_kwargs())
    assert ROOM in texts["database file"]
    leaks = [(where, needle[:8] + "...") for where, text in texts.items() for needle in needles if needle in text]
    assert leaks == []
