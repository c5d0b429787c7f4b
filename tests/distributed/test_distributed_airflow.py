"""The provider on a distributed Airflow, and under the faults such a deployment has.

``make test-distributed`` runs this module on PostgreSQL + Redis + CeleryExecutor with two Celery
workers and two triggerers (``RTC_DISTRIBUTED=celery``); ``RTC_DISTRIBUTED=sqlite`` runs the same
tests on SQLite + LocalExecutor with one triggerer, where the steps that need a second worker or
triggerer are skipped. ``make test`` skips it: it takes several minutes.

1. Twenty shows at once (``dags/many_shows.py``), mapped across ZEGO mix, ZEGO ASR and Volcengine
   segment rooms; while every "wait for the host" sensor is deferred, the triggerer holding most of
   them is killed with SIGKILL and the other takes them over.
   ZEGO calls back (signed ``mix_stop``) on every mix stop: the api-server's callback receiver
   records each once while the run goes on.
2. A Celery worker is lost while a start (ZEGO ``StartRealtimeASRTask``) and later a stop
   (``StopAutoMix``) waits on a slow vendor answer; Airflow retries each on the other worker.
3. Vendor callbacks into this deployment: signed ones recorded once (a duplicate delivery too),
   forged and replayed ones refused, in this deployment's metadata database.
Each run is scanned for secrets (connection and callback secrets, every signature sent or
received) in the database, Redis (Celery's messages) and every log.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

KIND = os.environ.get("RTC_DISTRIBUTED", "")
if KIND not in ("celery", "sqlite"):
    pytest.skip("the distributed Airflow test runs with `make test-distributed` (RTC_DISTRIBUTED=celery|sqlite)",
                allow_module_level=True)

from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS, airflow_connection_env  # noqa: E402
from tests.distributed.dags.many_shows import DEFAULT_ROOMS  # noqa: E402
from tests.distributed.deployment import DistributedAirflow  # noqa: E402
from tests.distributed.servers import RedisRecorder  # noqa: E402
from tests.e2e.test_real_airflow import secrets_and_signatures  # noqa: E402
from tests.e2e.test_vendor_callbacks import callback_events, configure_callbacks  # noqa: E402

pytestmark = pytest.mark.e2e
DAG_ID = "rtc_many_shows"
STARTS = {"mix": "StartAutoMix", "asr": "StartRealtimeASRTask", "segment": "StartSegment"}
STOPS = {"mix": "StopAutoMix", "asr": "StopRealtimeASRTask", "segment": "StopSegment"}
# The polls of each "wait for the host" sensor: ZEGO's is limited to one per 10 s per room.
HOST_POLLS = {"mix": "DescribeSimpleStreamList", "asr": "DescribeSimpleStreamList", "segment": "GetRoomOnlineUsers"}
ZEGO_STREAM_POLL_LIMIT = 10.0  # s; https://doc-zh.zego.im/ DescribeSimpleStreamList (shared/VENDOR_APIS.md)
FIGURES: dict[str, object] = {}
RECORDED: dict[str, list] = {}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, sandbox_server):
    dags = tmp_path_factory.mktemp("dags")
    shutil.copy(Path(__file__).parent / "dags" / "many_shows.py", dags / "many_shows.py")
    home = tmp_path_factory.mktemp(f"airflow-{KIND}")
    airflow = DistributedAirflow(KIND, home, dags, airflow_connection_env(sandbox_server.url))
    started = time.monotonic()
    try:
        airflow.start()
        FIGURES["deployment start-up (s)"] = round(time.monotonic() - started, 1)
        airflow.wait_for_dag(DAG_ID, timeout=300)
        yield airflow
    finally:
        airflow.stop()
        leftovers = airflow.leftovers()
        print_figures()
    assert leftovers == {}, f"processes survived the deployment's stop: {leftovers}"


def print_figures() -> None:
    print(f"\n==== distributed Airflow figures ({KIND}) ====")
    for name, value in FIGURES.items():
        print(f"  {name}: {json.dumps(value, sort_keys=True) if isinstance(value, dict) else value}")


# -- helpers ------------------------------------------------------------------------------------------


def body_room(request) -> str | None:
    try:
        return json.loads(request.body or "null").get("RoomId")
    except (ValueError, AttributeError):
        return None


def query_room(request) -> str | None:
    return (request.query.get("RoomId") or [None])[0]


def requests_by_room(sandbox, action: str, room_of) -> dict[str, list]:
    found = defaultdict(list)
    for request in sandbox.received(action):
        found[room_of(request)].append(request)
    return found


def trigger_rooms(kwargs: list[str]) -> set[str]:
    return {match for text in kwargs for match in re.findall(r'"room_id": "([^"]+)"', text)}


class Scan:
    """Everything a run leaves behind, and the secrets that must be in none of it."""

    def __init__(self, airflow: DistributedAirflow, recorder: RedisRecorder | None, trigger_kwargs: list[str]):
        self.texts = {str(path): text for path, text in airflow.task_logs().items()}
        for log in airflow.home.glob("*.log"):  # every component, the workers, triggerers, PostgreSQL, Redis
            self.texts[log.name] = log.read_text(errors="replace")
        self.texts["xcom"] = json.dumps([row[0] for row in airflow.rows("SELECT value FROM xcom")], default=str)
        self.texts["next_kwargs"] = json.dumps(
            [row[0] for row in airflow.rows("SELECT next_kwargs FROM task_instance")], default=str)
        self.texts["database"] = airflow.database_text()
        self.texts["trigger kwargs"] = "\n".join(trigger_kwargs)
        self.redis = recorder.texts() if recorder else []
        self.texts["redis"] = "\n".join(self.redis)

    def assert_clean(self, sandbox, room: str, *, ran_tasks: bool = True) -> None:
        needles = secrets_and_signatures(sandbox)
        assert needles, "the scan would find nothing to look for"
        # The scan reads the places where a leak would show: they do hold the run's plain values.
        assert room in self.texts["database"]
        if ran_tasks:
            assert room in self.texts["xcom"] and room in self.texts["trigger kwargs"]
        if KIND == "celery" and ran_tasks:
            # Celery's messages were recorded and their bodies decoded (the workload names the DAG).
            assert any("execute_workload" in text for text in self.redis), "no Celery message was recorded"
            assert any("token" in text and DAG_ID in text for text in self.redis), "no message body was decoded"
        leaks = [(where, needle[:8] + "...") for where, text in self.texts.items() for needle in needles
                 if needle in text]
        assert leaks == []


def redis_recorder(airflow: DistributedAirflow) -> RedisRecorder | None:
    return RedisRecorder(airflow.redis) if airflow.redis else None


def failure_report(airflow: DistributedAirflow, run_id: str) -> str:
    lines = [f"states: {airflow.ti_states(DAG_ID, run_id)}"]
    for path, text in airflow.task_logs().items():
        if f"run_id={run_id}" in str(path) and ("ERROR" in text or "Traceback" in text):
            lines += [f"--- {path}", text[-2500:]]
    for name in airflow.commands:
        lines += [f"--- {name}.log", airflow.component_log(name, lines=25)]
    return "\n".join(lines)[-30000:]


def wait_for_run(airflow: DistributedAirflow, run_id: str, step, timeout: float) -> str:
    """Call ``step()`` about once a second until the run finishes (bounded); returns its state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        airflow.check_alive()
        step()
        state = airflow.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")["state"]
        if state in ("success", "failed"):
            return state
        time.sleep(1.0)
    raise TimeoutError(f"run {run_id} did not finish in {timeout:.0f} s:\n{failure_report(airflow, run_id)}")


# -- 1. twenty shows, a triggerer killed while their sensors are deferred -----------------------------


def test_twenty_shows_run_on_both_workers_and_survive_a_triggerer_kill(deployment, sandbox):
    airflow = deployment
    rooms = {room["room_id"]: room["kind"] for room in DEFAULT_ROOMS}
    assert len(rooms) == 20 and set(rooms.values()) == {"mix", "asr", "segment"}
    zego, volcengine = sandbox.route("zego"), sandbox.route("volcengine")
    for room, kind in rooms.items():  # the audience is in, the host is not live yet
        if kind == "segment":
            volcengine.set_room_users(room, count=0)
        else:
            zego.set_users(room, 1)

    state = {"phase": "deferring", "kill_at": None, "victim": None, "victim_rooms": set(), "emptied": set()}
    seen: dict[tuple[str, int], set] = defaultdict(set)
    trigger_kwargs: list[str] = []

    def polled_by_triggerer(room: str, after: float = 0.0) -> list[float]:
        return [r.at for r in sandbox.received(HOST_POLLS[rooms[room]])
                if query_room(r) == room and r.at > after and r.headers.get("user-agent", "").startswith("python-httpx")]

    def step():
        for key, ti_state in airflow.ti_states(DAG_ID, run_id).items():
            seen[key].add(ti_state)
        trigger_kwargs.extend(airflow.trigger_kwargs())
        # Each phase is bounded on its own: a stuck one fails now, not when the whole run times out.
        if state["phase"] == "deferring" and time.time() - triggered > 900:
            raise AssertionError(f"the sensors were not all deferred and polled:\n{failure_report(airflow, run_id)}")
        if state["phase"] == "failover" and time.time() - state["kill_at"] > 300:
            raise AssertionError(f"no triggerer took the killed one's triggers over: {airflow.triggers_by_triggerer()}")
        if state["phase"] == "deferring":
            hosts = [key for key in seen if key[0].endswith(".wait_for_host") and key[1] >= 0]
            held = airflow.triggers_by_triggerer()
            every_room_polled = all(polled_by_triggerer(room) for room in rooms)
            if len(hosts) == 20 and all("deferred" in seen[key] for key in hosts) and every_room_polled \
                    and sum(len(kwargs) for kwargs in held.values()) == 20:
                FIGURES["triggers per triggerer before the kill"] = {name: len(k) for name, k in held.items()}
                if len(airflow.triggerers) > 1:
                    victim = max(held, key=lambda name: len(held[name]))
                    state.update(victim=victim, victim_rooms=trigger_rooms(held[victim]))
                    state["kill_at"] = airflow.kill(victim)
                    state["phase"] = "failover"
                else:
                    state["phase"] = "live"
        if state["phase"] == "failover":
            held = airflow.triggers_by_triggerer()
            if state.get("reassigned_at") is None and state["victim"] not in held \
                    and state["victim_rooms"] <= trigger_rooms([k for kwargs in held.values() for k in kwargs]):
                state["reassigned_at"] = time.time()
            repolled = {room: polled_by_triggerer(room, after=state["kill_at"]) for room in state["victim_rooms"]}
            if state.get("reassigned_at") and all(repolled.values()):
                FIGURES["triggerer failover: killed"] = state["victim"]
                FIGURES["triggerer failover: triggers taken over"] = len(state["victim_rooms"])
                FIGURES["triggerer failover: all reassigned after (s)"] = round(
                    state["reassigned_at"] - state["kill_at"], 1)
                FIGURES["triggerer failover: every taken-over room polled again after (s)"] = round(
                    max(min(times) for times in repolled.values()) - state["kill_at"], 1)
                state["phase"] = "live"
        if state["phase"] == "live" and not state.get("live_at"):
            state["live_at"] = time.time()
            for room, kind in rooms.items():  # every host goes live
                if kind == "segment":
                    volcengine.set_room_users(room, count=2)
                else:
                    zego.add_stream(room, f"{room}-host", user_id="host")
        if state.get("live_at"):
            for room, kind in rooms.items():  # once its vendor task runs, the show ends: the room empties
                if room not in state["emptied"] and any(body_room(r) == room for r in sandbox.received(STARTS[kind])):
                    if kind == "segment":
                        volcengine.set_room_users(room, count=0)
                    else:
                        zego.set_users(room, 0)
                    state["emptied"].add(room)

    # ZEGO calls back on every mix stop: signed deliveries into the api-server during the run.
    configure_callbacks(sandbox, airflow)
    recorder = redis_recorder(airflow)
    with recorder or contextlib.nullcontext():
        triggered = time.time()
        run_id = airflow.trigger(DAG_ID)
        final = wait_for_run(airflow, run_id, step, timeout=1800)
        finished = time.time()
    assert final == "success", failure_report(airflow, run_id)

    details = airflow.ti_details(DAG_ID, run_id)
    mapped = [ti for ti in details if ti["map_index"] >= 0]
    assert len(mapped) == 80 and all(ti["state"] == "success" for ti in details), failure_report(airflow, run_id)
    # Every "wait for the host" was deferred to a triggerer and ended there.
    assert all("deferred" in seen[(ti["task_id"], ti["map_index"])] for ti in mapped
               if ti["task_id"].endswith(".wait_for_host"))
    ran_on = Counter(ti["hostname"] for ti in mapped)
    FIGURES["mapped task instances per worker"] = dict(ran_on)
    if KIND == "celery":
        assert set(ran_on) == {"worker-1", "worker-2"}, ran_on
        assert state["victim"] and state["victim_rooms"], "no triggerer was killed"
        assert state.get("reassigned_at"), "the surviving triggerer did not take the killed one's triggers"
        survivor = next(name for name in airflow.triggerers if name != state["victim"])
        FIGURES["triggerer failover: survivor"] = survivor

    # Nothing left running at a vendor, no start sent twice, every show stopped once.
    assert sandbox.running_tasks() == {}
    for kind in STARTS:
        starts = requests_by_room(sandbox, STARTS[kind], body_room)
        stops = requests_by_room(sandbox, STOPS[kind], body_room)
        kind_rooms = {room for room, k in rooms.items() if k == kind}
        assert {room: len(sent) for room, sent in starts.items()} == dict.fromkeys(kind_rooms, 1), kind
        if kind != "asr":  # StopRealtimeASRTask names the task only
            assert {room: len(sent) for room, sent in stops.items()} == dict.fromkeys(kind_rooms, 1), kind
        else:
            assert len(sandbox.received(STOPS[kind])) == len(kind_rooms)

    # Each mix stop's signed callback was accepted at once and recorded exactly once, in this database.
    assert sandbox.callbacks.wait_idle(timeout=120), "the sandbox's callback deliveries did not finish"
    mix_stops = [a for a in sandbox.callbacks.attempts if a.kind == "mix_stop"]
    mix_rooms = sorted(room for room, kind in rooms.items() if kind == "mix")
    assert sorted(json.loads(a.body)["room_id"] for a in mix_stops) == mix_rooms, mix_stops
    assert [(a.status, json.loads(a.answer)["outcome"]) for a in mix_stops] == [(200, "recorded")] * len(mix_rooms)
    recorded = [e for e in callback_events(airflow) if e["extra"]["event"] == "mix_stop"]
    assert sorted(e["extra"]["room_id"] for e in recorded) == mix_rooms

    FIGURES["20-room run: wall time, trigger to finish (s)"] = round(finished - triggered, 1)
    FIGURES["20-room run: hosts live to finish (s)"] = round(finished - state["live_at"], 1)
    FIGURES["20-room run: requests per vendor"] = dict(Counter(r.vendor for r in sandbox.received()))
    FIGURES["20-room run: requests per action"] = dict(Counter(r.action for r in sandbox.received()))
    RECORDED["host polls"] = [(query_room(r), r.at, r.headers.get("user-agent", ""))
                              for r in sandbox.received("DescribeSimpleStreamList")]
    RECORDED["kill_at"] = [state["kill_at"]]
    RECORDED["victim rooms"] = sorted(state["victim_rooms"])
    Scan(airflow, recorder, trigger_kwargs).assert_clean(sandbox, "show-00")


def test_no_zego_room_was_polled_faster_than_zego_allows(deployment):
    polls = RECORDED.get("host polls")
    if not polls:
        pytest.skip("needs the twenty-room run above")
    times: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for room, at, agent in polls:
        times[room].append((at, agent))
    gaps = {room: min(b[0] - a[0] for a, b in pairwise(sorted(ts))) for room, ts in times.items()
            if len(ts) > 1}
    # Where the short gaps are: the worker's poke then the trigger's first poll, and the dead
    # triggerer's last poll then the survivor's first.
    handover = [b[0] - a[0] for ts in times.values() for a, b in pairwise(sorted(ts))
                if a[1].startswith("python-requests") and b[1].startswith("python-httpx")]
    FIGURES["ZEGO stream polls: shortest worker poke -> first triggerer poll (s)"] = round(min(handover), 2)
    kill_at = (RECORDED.get("kill_at") or [None])[0]
    if kill_at:
        across = [min(at for at, _ in ts if at > kill_at) - max(at for at, _ in ts if at < kill_at)
                  for room, ts in times.items() if room in RECORDED["victim rooms"]
                  and any(at > kill_at for at, _ in ts) and any(at < kill_at for at, _ in ts)]
        FIGURES["ZEGO stream polls across the triggerer kill: shortest gap, taken-over rooms (s)"] = round(min(across), 2)
    FIGURES["ZEGO stream polls: shortest gap in any room (s)"] = round(min(gaps.values()), 2)
    too_fast = {room: round(gap, 2) for room, gap in gaps.items() if gap < ZEGO_STREAM_POLL_LIMIT}
    assert too_fast == {}


# -- 2. a worker lost in the middle of a start and of a stop -----------------------------------------


def test_a_lost_worker_s_task_is_retried_on_the_other_worker(deployment, sandbox):
    if KIND != "celery":
        pytest.skip("LocalExecutor runs tasks in the scheduler: there is no second worker to fail over to")
    airflow = deployment
    zego = sandbox.route("zego")
    for room in ("loss-asr", "loss-mix"):  # the hosts are live already: the shows start at once
        zego.add_stream(room, f"{room}-host", user_id="host")
        zego.set_users(room, 1)
    # The vendor acts at once but answers late: the worker dies while the call is in flight.
    sandbox.inject(kind="slow", vendor="zego", action="StartRealtimeASRTask", delay=40)
    sandbox.inject(kind="slow", vendor="zego", action="StopAutoMix", delay=40)
    rooms = [{"room_id": "loss-asr", "kind": "asr"}, {"room_id": "loss-mix", "kind": "mix"}]
    state = {"phase": "start_asr"}
    trigger_kwargs: list[str] = []
    ready_lines = {name: airflow.component_log(name, 100000).count(" ready.") for name in airflow.workers}

    def running_on(task_id: str) -> str | None:
        ti = next(ti for ti in airflow.ti_details(DAG_ID, run_id) if ti["task_id"] == task_id)
        return ti["hostname"] if ti["state"] == "running" else None

    def ti_state(task_id):
        return next(ti["state"] for ti in airflow.ti_details(DAG_ID, run_id) if ti["task_id"] == task_id)

    def step():
        trigger_kwargs.extend(airflow.trigger_kwargs())
        phase = state["phase"]
        since = state.setdefault(f"{phase} since", time.time())
        if time.time() - since > 300:  # each phase is bounded on its own
            raise AssertionError(f"stuck in phase {phase}: {state}\n{failure_report(airflow, run_id)}")
        if phase == "start_asr" and sandbox.received("StartRealtimeASRTask"):
            if worker := running_on("asr_show.start_asr"):
                state["asr_killed"] = worker
                state["asr_killed_at"] = airflow.kill(worker)
                state["phase"] = "asr_retry"
        elif phase == "asr_retry" and ti_state("asr_show.start_asr") == "success":
            state["asr_retried_after"] = time.time() - state["asr_killed_at"]
            airflow.start_component(state["asr_killed"])  # the lost machine comes back
            state["phase"] = "worker_back"
        elif phase == "worker_back":
            name = state["asr_killed"]
            if airflow.component_log(name, 100000).count(" ready.") > ready_lines[name]:
                zego.set_users("loss-mix", 0)  # the mix show ends: its stop will meet a slow vendor
                state["phase"] = "stop_mix"
        elif phase == "stop_mix" and sandbox.received("StopAutoMix"):
            if worker := running_on("mix_show.stop_mix"):
                state["mix_killed"] = worker
                state["mix_killed_at"] = airflow.kill(worker)
                state["phase"] = "mix_retry"
        elif phase == "mix_retry" and ti_state("mix_show.stop_mix") == "success":
            state["mix_retried_after"] = time.time() - state["mix_killed_at"]
            zego.set_users("loss-asr", 0)
            state["phase"] = "ending"

    recorder = redis_recorder(airflow)
    with recorder:
        run_id = airflow.trigger(DAG_ID, {"rooms": rooms})
        final = wait_for_run(airflow, run_id, step, timeout=1200)
    assert final == "success", failure_report(airflow, run_id)
    assert state["phase"] == "ending", state
    airflow.start_component(state["mix_killed"])  # leave two workers for whatever runs next

    # The stop: try 1 died with its worker after the vendor had stopped the mix; try 2, on the other
    # worker, found it gone and counted that as stopped.
    stop_tries = airflow.tries(DAG_ID, run_id, "mix_show.stop_mix", 0)
    assert [t["hostname"] for t in stop_tries][0] == state["mix_killed"]
    assert stop_tries[-1]["try_number"] == 2 and stop_tries[-1]["hostname"] != state["mix_killed"]
    assert len(sandbox.received("StopAutoMix")) == 2
    path = f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/mix_show.stop_mix/xcomEntries/return_value"
    stopped = airflow.api("GET", path, params={"deserialize": True, "map_index": 0})["value"]
    assert stopped["already_stopped"] is True, stopped

    # The start: try 1 died after ZEGO had started an ASR task; try 2 started another, on the other
    # worker, and said so. The first one's TaskId never arrived: it is the one task left running.
    start_tries = airflow.tries(DAG_ID, run_id, "asr_show.start_asr", 0)
    assert start_tries[0]["hostname"] == state["asr_killed"]
    assert start_tries[-1]["try_number"] == 2 and start_tries[-1]["hostname"] != state["asr_killed"]
    assert len(sandbox.received("StartRealtimeASRTask")) == 2
    orphans = sandbox.running_tasks()
    assert list(orphans) == ["zego"] and len(orphans["zego"]) == 1, orphans
    retry_log = next(text for path, text in airflow.task_logs().items()
                     if f"run_id={run_id}" in str(path) and "task_id=asr_show.start_asr" in str(path)
                     and path.name.startswith("attempt=2"))
    assert "may already have started a ZEGO realtime ASR task in room loss-asr" in retry_log

    FIGURES["worker loss: StartRealtimeASRTask retried and done after (s)"] = round(state["asr_retried_after"], 1)
    FIGURES["worker loss: StopAutoMix retried and done after (s)"] = round(state["mix_retried_after"], 1)
    FIGURES["worker loss: ASR tasks orphaned by the lost start"] = len(orphans["zego"])
    Scan(airflow, recorder, trigger_kwargs).assert_clean(sandbox, "loss-mix")


# -- 3. vendor callbacks into this deployment's api-server --------------------------------------------


def test_vendor_callbacks_are_verified_and_recorded_once_in_this_database(deployment, sandbox):
    """The receiver is the package's ``airflow.plugins`` entry point, mounted by this api-server; it
    records into this deployment's database. On PostgreSQL the delivery-key lookup is a JSON path
    query (``#>>``) and the lock a row lock, which the SQLite e2e does not exercise."""
    airflow = deployment
    configure_callbacks(sandbox, airflow)
    events_before = len(callback_events(airflow))

    def sent(**match) -> list:
        assert sandbox.callbacks.wait_idle(timeout=120), "the sandbox's callback deliveries did not finish"
        return [a for a in sandbox.callbacks.attempts if all(getattr(a, k) == v for k, v in match.items())]

    # A signed ZEGO callback, then a duplicate Volcengine delivery (at least once, as Volcengine says).
    sandbox.callbacks.zego_event("stream_close", room_id="callback-room", stream_id="cam", user_id="host")
    sandbox.callbacks.misbehave("duplicate", vendor="volcengine")
    sandbox.callbacks.segment_slice("callback-room", "callback-segment", url="https://sandbox.invalid/slice.aac")
    assert [(a.status, json.loads(a.answer)["outcome"]) for a in sent(mode=None)] == [(200, "recorded")]
    assert [(a.status, json.loads(a.answer)["outcome"]) for a in sent(mode="duplicate")] == [
        (200, "recorded"), (200, "duplicate")]
    # A forged signature (refused on each of ZEGO's six attempts), and a replay of the signed one's
    # nonce and signature on other content.
    sandbox.callbacks.misbehave("bad_signature", vendor="zego")
    sandbox.callbacks.zego_event("stream_close", room_id="callback-room", stream_id="cam-2", user_id="host")
    assert [a.status for a in sent(mode="bad_signature")] == [401] * 6
    sandbox.callbacks.misbehave("replay", vendor="zego")
    sandbox.callbacks.zego_event("stream_close", room_id="another-room", stream_id="cam", user_id="host")
    replays = sent(mode="replay")
    assert replays and {a.status for a in replays} == {409}

    new_events = callback_events(airflow)[events_before:]
    assert sorted(e["extra"]["event"] for e in new_events) == ["SegmentRealTimeData", "stream_close"], new_events
    assert all(e["extra"]["room_id"] == "callback-room" for e in new_events), new_events
    assert SANDBOX_CREDENTIALS["zego"]["callback_secret"] in secrets_and_signatures(sandbox)
    Scan(airflow, None, []).assert_clean(sandbox, "callback-room", ran_tasks=False)
