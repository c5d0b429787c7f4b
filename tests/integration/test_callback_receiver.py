"""The callback receiver app in process, on a real (migrated, SQLite) Airflow metadata database.

Deliveries are built and signed as each vendor does (the sandbox's builders), posted to the FastAPI
app over ASGI, and recorded through Airflow's asset manager: the tests read back the asset events
and the asset-triggered DAG run queue the scheduler works from (unpaused DAG queued, paused not).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from airflow_provider_rtc.events import asset_name, asset_uri
from airflow_provider_rtc.sandbox.callbacks import (
    tencent_im_callback,
    trtc_callback,
    volcengine_callback,
    zego_rtc_callback,
)
from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS, airflow_connections
from tests.conftest import set_connection

ZEGO = SANDBOX_CREDENTIALS["zego"]
VOLC = SANDBOX_CREDENTIALS["volcengine"]
TENCENT = SANDBOX_CREDENTIALS["tencent"]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="module")
def metadata_db():
    """Migrate the session's private AIRFLOW_HOME database (tests/conftest.py set it before any import)."""
    home = os.environ["AIRFLOW_HOME"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env["AIRFLOW_HOME"] = home
    done = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    _seed()
    yield


LISTENED = [("zego", "zego_default", "stream_close"), ("zego", "zego_default", "mix_stop"),
            ("volcengine", "volcengine_rtc_default", "SegmentRealTimeData"),
            ("tencent", "tencent_live_default", "Live.CallbackAfterDestroyRoom"),
            ("tencent", "tencent_live_default", "trtc.102")]


def _seed() -> None:
    """Two DAGs scheduled on each asset: one unpaused, one paused (as the dag-processor would store them)."""
    from airflow.models.asset import AssetActive, AssetModel, DagScheduleAssetReference
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.utils.session import create_session

    with create_session() as session:
        session.add(DagBundleModel(name="callbacks-test"))
        session.flush()
        for dag_id, paused in (("on_event", False), ("on_event_paused", True)):
            session.add(DagModel(dag_id=dag_id, bundle_name="callbacks-test", is_paused=paused, is_stale=False,
                                 fileloc="x.py"))
        session.flush()
        for vendor, conn_id, kind in LISTENED:
            asset = AssetModel(name=asset_name(vendor, conn_id, kind), uri=asset_uri(vendor, conn_id, kind),
                               group="rtc-callbacks")
            session.add(asset)
            session.flush()
            session.add(AssetActive.for_asset(asset))
            for dag_id in ("on_event", "on_event_paused"):
                session.add(DagScheduleAssetReference(asset_id=asset.id, dag_id=dag_id))


@pytest.fixture
def client(metadata_db, monkeypatch):
    from fastapi.testclient import TestClient

    from airflow_provider_rtc.callbacks.app import create_app

    for conn_id, document in airflow_connections("http://127.0.0.1:9").items():
        set_connection(monkeypatch, conn_id, document)
    _clear_events()
    with TestClient(create_app(), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _clear_events() -> None:
    from airflow.models.asset import AssetDagRunQueue, AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(AssetEvent))
        session.execute(delete(AssetDagRunQueue))


def events(kind: str | None = None) -> list[dict]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        query = select(AssetModel.uri, AssetEvent.extra).join(AssetModel, AssetModel.id == AssetEvent.asset_id)
        return [{"uri": uri, **extra} for uri, extra in session.execute(query) if kind in (None, extra["event"])]


def queued_dags() -> set[str]:
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return set(session.scalars(select(AssetDagRunQueue.target_dag_id)))


def post(client, vendor: str, out, conn_id: str | None = None):
    conn_id = conn_id or {"zego": "zego_default", "volcengine": "volcengine_rtc_default",
                          "tencent": "tencent_live_default"}[vendor]
    return client.post(f"/{vendor}/{conn_id}", content=out.body, headers=out.headers, params=out.query)


def zego(event="stream_close", room="room-1", nonce="1001", timestamp=None, secret=None):
    return zego_rtc_callback(secret or ZEGO["callback_secret"], ZEGO["app_id"], event,
                             {"room_id": room, "stream_id": "host-cam", "user_id": "host"},
                             timestamp=int(timestamp or time.time()), nonce=nonce)


def test_signed_zego_callback_becomes_one_asset_event_and_queues_only_the_unpaused_dag(client):
    answer = post(client, "zego", zego())
    assert answer.status_code == 200 and answer.json()["outcome"] == "recorded"
    [event] = events()
    assert event["uri"] == asset_uri("zego", "zego_default", "stream_close")
    assert (event["vendor"], event["product"], event["room_id"], event["stream_id"], event["app_id"]) == (
        "zego", "rtc", "room-1", "host-cam", str(ZEGO["app_id"]))
    text = json.dumps(event)
    assert ZEGO["callback_secret"] not in text and "signature" not in text
    assert queued_dags() == {"on_event"}


def test_vendor_retry_of_an_accepted_delivery_records_exactly_one_event(client):
    out = zego()
    assert [post(client, "zego", out).json()["outcome"] for _ in range(3)] == ["recorded", "duplicate", "duplicate"]
    assert len(events()) == 1


def test_replayed_nonce_with_other_content_is_refused(client):
    first = zego(room="room-1", nonce="2002")
    assert post(client, "zego", first).status_code == 200
    # The attacker keeps appid/timestamp/nonce/signature and changes the event and the room.
    body = json.loads(first.body)
    body.update(event="mix_stop", room_id="room-2")
    answer = client.post("/zego/zego_default", content=json.dumps(body), headers=first.headers)
    assert answer.status_code == 409
    assert [e["room_id"] for e in events()] == ["room-1"]


@pytest.mark.parametrize("out, status", [
    (lambda: zego(secret="forged"), 401),
    (lambda: zego(timestamp=time.time() - 3600), 401),
    (lambda: zego_rtc_callback(ZEGO["callback_secret"], 42, "stream_close", {}, timestamp=int(time.time()),
                               nonce="1"), 403),
])
def test_forged_stale_or_foreign_callbacks_record_nothing(client, out, status):
    answer = post(client, "zego", out())
    assert answer.status_code == status and answer.json()["outcome"] == "refused"
    assert events() == [] and queued_dags() == set()


@pytest.mark.parametrize("stored", [None, "", "***"], ids=["absent", "empty", "Airflow's mask"])
def test_connection_without_callback_secret_refuses_clearly(client, monkeypatch, stored):
    # "***" is what Airflow 3.3's connection form saves for a secret field with a default: never a secret.
    document = airflow_connections("http://127.0.0.1:9")["zego_default"]
    document["extra"].pop("callback_secret")
    if stored is not None:
        document["extra"]["callback_secret"] = stored
    set_connection(monkeypatch, "zego_default", document)
    answer = post(client, "zego", zego())
    assert answer.status_code == 403 and "callback_secret" in answer.json()["reason"]
    assert events() == []


def test_unknown_connection_wrong_type_and_unknown_vendor_are_404(client):
    assert post(client, "zego", zego(), conn_id="no_such_conn").status_code == 404
    assert post(client, "zego", zego(), conn_id="volcengine_rtc_default").status_code == 404
    assert client.post("/agora/zego_default", content=b"{}").status_code == 404
    assert client.post("/zego/bad%20id", content=b"{}").status_code == 404
    assert events() == []


def test_oversized_body_is_refused_unread(client):
    answer = client.post("/zego/zego_default", content=b"{" + b" " * (70 * 1024) + b"}",
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and events() == []


def test_event_nobody_listens_to_is_recorded_so_its_nonce_cannot_be_replayed(client):
    first = zego(event="room_login", nonce="4004")
    answer = post(client, "zego", first)
    assert answer.status_code == 200 and answer.json()["outcome"] == "recorded"
    [event] = events()
    assert event["uri"] == asset_uri("zego", "zego_default", "room_login") and queued_dags() == set()
    # Its signature on a watched kind (stream_close) is a replay, refused.
    body = json.loads(first.body)
    body.update(event="stream_close")
    assert client.post("/zego/zego_default", content=json.dumps(body), headers=first.headers).status_code == 409
    assert len(events()) == 1 and queued_dags() == set()


def test_volcengine_slice_with_event_id_dedupe(client):
    out = volcengine_callback(VOLC["callback_secret_key"], VOLC["app_id"], "SegmentRealTimeData",
                              {"RoomId": "room-1", "TaskId": "seg-1", "Data": [{"Url": "https://x/1.aac"}]},
                              event_time=time.time(), event_id="evt-1", nonce="0001")
    assert post(client, "volcengine", out).json()["outcome"] == "recorded"
    assert post(client, "volcengine", out).json()["outcome"] == "duplicate"
    [event] = events()
    assert event["task_id"] == "seg-1" and event["data"]["EventData"]["Data"][0]["Url"] == "https://x/1.aac"


def test_tencent_im_and_trtc_answer_in_their_own_forms(client):
    im = tencent_im_callback(TENCENT["callback_token"], TENCENT["sdkappid"], "Live.CallbackAfterDestroyRoom",
                             {"RoomInfo": {"RoomId": "room-9"}}, request_time=int(time.time()))
    answer = post(client, "tencent", im)
    assert answer.status_code == 200
    assert {k: answer.json()[k] for k in ("ActionStatus", "ErrorInfo", "ErrorCode")} == {
        "ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}
    trtc = trtc_callback(TENCENT["trtc_callback_secret"], TENCENT["sdkappid"], 1, 102, {"RoomId": "room-9"},
                         callback_ts_ms=int(time.time() * 1000))
    answer = post(client, "tencent", trtc)
    assert answer.status_code == 200 and answer.json()["code"] == 0
    assert sorted((e["product"], e["room_id"]) for e in events()) == [("im", "room-9"), ("trtc", "room-9")]
    forged = tencent_im_callback("wrong", TENCENT["sdkappid"], "Live.CallbackAfterDestroyRoom", {},
                                 request_time=int(time.time()))
    answer = post(client, "tencent", forged)
    assert answer.status_code == 401 and answer.json()["ActionStatus"] == "FAIL"


def test_concurrent_deliveries_of_one_event_record_it_once(metadata_db, monkeypatch):
    """Several api-server workers handling the same delivery at once: the database lock lets one record it."""
    from airflow.assets.manager import asset_manager

    # Widen the window between "not seen yet" and "recorded" so that, without the lock, every
    # thread would pass the check before any had written.
    register = asset_manager.register_asset_change

    def slow_register(**kwargs):
        time.sleep(0.5)
        return register(**kwargs)

    monkeypatch.setattr(asset_manager, "register_asset_change", slow_register)

    from airflow_provider_rtc.callbacks import recorder
    from airflow_provider_rtc.callbacks.verify import CallbackSecrets, Delivery, verify

    _clear_events()
    out = zego(nonce="3003")
    event = verify("zego", Delivery(out.body), CallbackSecrets(app_id=str(ZEGO["app_id"]),
                   zego_callback_secret=ZEGO["callback_secret"]), now=time.time())
    outcomes, barrier = [], threading.Barrier(4)

    # One connection per worker, as separate api-server processes have (Airflow's own SQLite pool
    # would hand the threads one connection in turn and hide the race).
    from airflow import settings
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import NullPool

    engine = create_engine(settings.SQL_ALCHEMY_CONN, poolclass=NullPool, connect_args={"timeout": 60})

    def deliver():
        barrier.wait(timeout=30)
        with Session(engine) as session, session.begin():
            outcomes.append(recorder.record_event(event, conn_id="zego_default", window_seconds=300,
                                                  session=session).status)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["duplicate", "duplicate", "duplicate", "recorded"]
    assert len(events()) == 1


def test_tencent_im_sign_is_redacted_from_the_query_the_access_log_reads(metadata_db, monkeypatch):
    """The api-server's access log reads the (shared) ASGI scope's query string after the app ran."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from airflow_provider_rtc.callbacks.app import create_app

    for conn_id, document in airflow_connections("http://127.0.0.1:9").items():
        set_connection(monkeypatch, conn_id, document)
    logged = []
    root = FastAPI()
    root.mount("/rtc-callbacks", create_app())

    async def access_log(scope, receive, send):  # what airflow's HttpAccessLogMiddleware does
        try:
            await root(scope, receive, send)
        finally:
            if scope["type"] == "http":
                logged.append(scope["query_string"].decode())

    im = tencent_im_callback(TENCENT["callback_token"], TENCENT["sdkappid"], "Live.CallbackAfterCreateRoom",
                             {"RoomId": "room-x"}, request_time=int(time.time()))
    with TestClient(access_log, base_url="http://127.0.0.1") as test_client:
        answer = test_client.post("/rtc-callbacks/tencent/tencent_live_default", content=im.body,
                                  headers=im.headers, params=im.query)
    assert answer.status_code == 200
    assert logged and im.query["Sign"] not in logged[-1] and "Sign=%2A%2A%2A" in logged[-1]
