"""What the on-call engineer sees, in Airflow's own UI: a real api-server on loopback and headless Chromium.

One real Airflow (scheduler, triggerer, dag-processor, api-server; connection testing enabled)
serves the module. The REST tests (run outcomes, extra links, trigger-form defaults) always run; the
browser tests need Chromium and skip with a "how to get it" message without it (``.ci/run`` makes
that a failure). Screenshots of the main screens go to ``.screenshots/`` (git-ignored).
"""

from __future__ import annotations

import re
import shutil

import pytest

from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS, airflow_connection_env
from tests.e2e.browser import chromium, new_page, require_browser, screenshot
from tests.e2e.real_airflow import ROOT, RealAirflow

pytestmark = pytest.mark.e2e
ROOM = "sandbox-room"
SHOW = "rtc_scheduled_show"


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, sandbox_server):
    dags = tmp_path_factory.mktemp("ui-dags")
    for source in (ROOT / "dags_examples").glob("*.py"):
        shutil.copy(source, dags / source.name)
    real = RealAirflow(tmp_path_factory.mktemp("ui-airflow"), dags, airflow_connection_env(sandbox_server.url))
    real.env["AIRFLOW__CORE__TEST_CONNECTION"] = "Enabled"  # the Test button (disabled by default)
    with real:
        for dag_id in (SHOW, "rtc_end_of_show", "rtc_manual_control", "rtc_on_vendor_events"):
            real.wait_for_dag(dag_id)
        yield real


@pytest.fixture(scope="module")
def browser():
    require_browser()
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, airflow):
    page = new_page(browser, airflow.url)
    yield page
    page.close()


def xcom(real, dag_id, run_id, task_id):
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
    return real.api("GET", path, params={"deserialize": True})["value"]


def wait_for_state(real, dag_id, run_id, task_id, states, timeout=240.0):
    def reached():
        real.check_alive()
        return real.task_states(dag_id, run_id).get(task_id) in states

    real._wait(reached, timeout, f"{task_id} to reach {states}", interval=0.5)


def run_show_to_success(real, sandbox) -> str:
    """A whole show against the sandbox: the host goes live, the audience leaves once the end wait began."""
    zego = sandbox.route("zego")
    zego.set_users(ROOM, 1)

    def steer():
        # Each change only after the triggerer has polled once (the worker's poke is the first request):
        # a trigger that fires at once can lose a race in Airflow 3.3 that fails the resumed task
        # (a stale executor event from the deferral; apache/airflow#72716, #71580).
        if len(sandbox.received("DescribeSimpleStreamList")) >= 2 and not zego.snapshot()["rooms"][ROOM]["streams"]:
            zego.add_stream(ROOM, "host-cam", user_id="host")
        if len(sandbox.received("DescribeUserNum")) >= 2:
            zego.set_users(ROOM, 0)

    run_id = real.trigger(SHOW, {"show_seconds": 900})
    state, _ = real.wait_for_run(SHOW, run_id, timeout=300, every_poll=steer)
    assert state == "success", real.failure_report(SHOW, run_id)
    return run_id


@pytest.fixture(scope="module")
def finished_show(airflow, sandbox_server):
    sandbox_server.reset()
    try:
        return run_show_to_success(airflow, sandbox_server)
    finally:
        sandbox_server.reset()


# -- the run's colour tells the truth (REST) ------------------------------------------------------------


def test_a_show_that_went_well_is_success_and_says_so(airflow, finished_show):
    states = airflow.task_states(SHOW, finished_show)
    assert states["show_outcome"] == "success"
    outcome = xcom(airflow, SHOW, finished_show, "show_outcome")
    assert outcome["wait_for_show_end"] == "success" and outcome["stop_mix"] == "success"


def test_marking_a_show_failed_mid_show_runs_the_stops_and_ends_failed(airflow, sandbox):
    sandbox.seed_demo_show()  # host live, one viewer: the show runs until someone intervenes
    run_id = airflow.trigger(SHOW, {"show_seconds": 3600})
    wait_for_state(airflow, SHOW, run_id, "wait_for_show_end", {"deferred"})
    assert set(sandbox.running_tasks()) == {"zego", "volcengine"}  # mix, ASR and segment are running

    airflow.api("PATCH", f"/api/v2/dags/{SHOW}/dagRuns/{run_id}", json={"state": "failed"})
    state, _ = airflow.wait_for_run(SHOW, run_id, timeout=240)
    states = airflow.task_states(SHOW, run_id)
    assert state == "failed", states
    assert states["wait_for_show_end"] == "failed"
    assert {states[stop] for stop in ("stop_mix", "stop_asr", "stop_segment")} == {"success"}, states
    assert states["show_outcome"] == "failed"
    assert sandbox.running_tasks() == {}  # the teardowns stopped everything


def test_a_host_who_never_went_live_fails_the_run_and_starts_nothing(airflow, sandbox):
    run_id = airflow.trigger(SHOW, {"show_seconds": 60})
    wait_for_state(airflow, SHOW, run_id, "wait_for_host", {"deferred"})
    # wait_for_host gives up after 2 hours; failing it by hand is what its timeout does, sooner.
    airflow.api("PATCH", f"/api/v2/dags/{SHOW}/dagRuns/{run_id}/taskInstances/wait_for_host",
                json={"new_state": "failed"})
    state, _ = airflow.wait_for_run(SHOW, run_id, timeout=240)
    states = airflow.task_states(SHOW, run_id)
    assert state == "failed", states
    assert states["start_mix"] == "upstream_failed" and states["wait_for_show_end"] == "upstream_failed"
    assert not sandbox.received("StartAutoMix") and sandbox.running_tasks() == {}


# -- extra links and trigger forms (REST) -----------------------------------------------------------------


def test_start_mix_links_to_the_mix_playback(airflow, finished_show):
    links = airflow.api("GET", f"/api/v2/dags/{SHOW}/dagRuns/{finished_show}/taskInstances/start_mix/links")
    assert links["extra_links"] == {
        "Mix playback (FLV)": f"http://sandbox-cdn.invalid/live/{ROOM}-mixed.flv",
        "Mix playback (HLS)": f"http://sandbox-cdn.invalid/live/{ROOM}-mixed/playlist.m3u8"}
    # A run whose start_mix never ran has the links, but no URLs.
    for run in airflow.api("GET", f"/api/v2/dags/{SHOW}/dagRuns")["dag_runs"]:
        if airflow.task_states(SHOW, run["dag_run_id"]).get("start_mix") == "upstream_failed":
            path = f"/api/v2/dags/{SHOW}/dagRuns/{run['dag_run_id']}/taskInstances/start_mix/links"
            assert set(airflow.api("GET", path)["extra_links"].values()) == {None}


def test_the_show_schedule_names_its_timezone(airflow):
    assert airflow.api("GET", f"/api/v2/dags/{SHOW}")["timetable_summary"] == "0 20 * * 5 UTC"


def test_trigger_forms_can_be_submitted_with_their_defaults(airflow):
    for dag_id in (SHOW, "rtc_end_of_show", "rtc_manual_control", "rtc_on_vendor_events"):
        params = airflow.api("GET", f"/api/v2/dags/{dag_id}/details")["params"]
        for name, param in params.items():
            kind = param["schema"].get("type")
            required = bool(kind) and not (isinstance(kind, list) and "null" in kind)  # the UI's rule
            if required:
                assert param["value"] not in (None, ""), f"{dag_id}.{name}: required and empty"
    control = airflow.api("GET", "/api/v2/dags/rtc_manual_control/details")["params"]
    assert control["action"]["value"] == "zego.status"
    assert all(key.split(".")[0] in ("zego", "volcengine", "tencent") for key in control["action"]["schema"]["enum"])
    for optional in ("mix_task_id", "asr_task_id", "segment_task_id", "record_task_id", "api_action", "api_params"):
        assert control[optional]["value"] is None and "null" in control[optional]["schema"]["type"]


# -- the browser ---------------------------------------------------------------------------------------------


FORMS = {  # hook name in the type dropdown -> (conn id, labels the form must show, login, password)
    "ZEGO RTC": ("zego_ui", ["AppId", "ServerSecret", "Port", "RTC API host (ASR host: see Endpoints below)",
                             "Region", "Unified host rtc-api.zego.im (default)", "Realtime ASR host", "Read timeout (seconds)",
                             "TLS verification", "Vendor callbacks", "CallbackSecret (callbacks)"],
                 str(SANDBOX_CREDENTIALS["zego"]["app_id"]), SANDBOX_CREDENTIALS["zego"]["server_secret"]),
    "Volcengine RTC": ("volcengine_ui", ["AccessKeyId", "SecretAccessKey", "OpenAPI host", "Default AppId",
                                         "Region", "Session token (STS)", "TLS verification", "Vendor callbacks",
                                         "Callback SecretKey (callbacks)"],
                       SANDBOX_CREDENTIALS["volcengine"]["access_key_id"],
                       SANDBOX_CREDENTIALS["volcengine"]["secret_access_key"]),
    "Tencent Cloud Live (TUILiveKit)": ("tencent_ui", ["SDKAppID", "SDK secret key", "REST API host", "Region",
                                                       "China: console.tim.qq.com (default)",
                                                       "Admin identifier", "UserSig lifetime (seconds)",
                                                       "Vendor callbacks", "Callback token (IM / live callbacks)",
                                                       "TRTC callback key (room / media events)"],
                                        str(SANDBOX_CREDENTIALS["tencent"]["sdkappid"]),
                                        SANDBOX_CREDENTIALS["tencent"]["key"]),
}


def section_triggers(dialog):
    return dialog.locator("[data-part=item-trigger]:not([id$=extraJson])")


def open_section(dialog, trigger) -> None:
    """Open one accordion section (the form shows one at a time) and wait until it is open."""
    if trigger.get_attribute("aria-expanded") != "true":
        trigger.click()
    dialog.page.wait_for_function("el => el.getAttribute('aria-expanded') === 'true'", arg=trigger.element_handle())
    dialog.page.wait_for_timeout(400)  # the opening animation


def add_connection(page, hook_name: str, conn_id: str, login: str, password: str, sandbox_url: str,
                   name: str | None = None) -> str:
    """Fill in the Add Connection form like a user; returns every section's text and placeholders."""
    page.goto("/connections")
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input[name=connection_id]").fill(conn_id)
    kind = dialog.get_by_role("combobox").first
    kind.click(force=True)
    kind.fill(hook_name)
    page.keyboard.press("Enter")
    dialog.locator("input[name=login]").wait_for()
    texts = []
    for index in range(section_triggers(dialog).count()):
        trigger = section_triggers(dialog).nth(index)
        open_section(dialog, trigger)
        section = trigger.inner_text().strip()
        texts.append(dialog.inner_text())
        texts.append("placeholders: " + " | ".join(field.get_attribute("placeholder") or ""
                                                   for field in dialog.locator("input").all()))
        if name:
            screenshot(page, f"{name}-{section}")
        if dialog.locator("input[name=element_asr_host]").is_visible():  # the sandbox serves ZEGO's ASR API too
            dialog.locator("input[name=element_asr_host]").fill(sandbox_url)
    open_section(dialog, section_triggers(dialog).first)  # Standard Fields
    dialog.locator("input[name=login]").fill(login)
    dialog.locator("input[name=password]").fill(password)
    dialog.locator("input[name=host]").fill(sandbox_url)
    dialog.locator("input[name=port]").fill(sandbox_url.rsplit(":", 1)[1])
    dialog.get_by_role("button", name="Save").click()
    dialog.wait_for(state="detached")
    return "\n".join(texts)


@pytest.mark.parametrize("hook_name", list(FORMS))
def test_each_connection_form_shows_its_labels_no_null_and_saves_no_null(page, airflow, sandbox, hook_name):
    conn_id, labels, login, password = FORMS[hook_name]
    text = add_connection(page, hook_name, conn_id, login, password, sandbox.url, name=f"connection-form-{conn_id}")
    missing = [label for label in labels if label not in text]
    assert missing == [], text
    assert not re.search(r"\bnull\b", text), text
    assert "placeholders: " in text and "443 (save it" in text  # the port hint is visible in the form
    saved = airflow.api("GET", f"/api/v2/connections/{conn_id}")
    assert saved["port"] == int(sandbox.url.rsplit(":", 1)[1])
    # The REST API shows secret extras as "***"; the database holds what the form really saved. A
    # secret field left alone saves null (it has no default: Airflow would turn one into "***" and
    # the form would save that mask); every other field saves its default, never null.
    stored = stored_extra(airflow, conn_id)
    secrets = {name: value for name, value in stored.items() if "secret" in name or "token" in name}
    assert secrets and set(secrets.values()) == {None}, secrets
    others = {name: value for name, value in stored.items() if name not in secrets}
    assert None not in others.values(), others


def stored_extra(real, conn_id: str) -> dict:
    import json

    from cryptography.fernet import Fernet

    with real.database() as db:
        [(extra, encrypted)] = db.execute("SELECT extra, is_extra_encrypted FROM connection WHERE conn_id = ?",
                                          (conn_id,)).fetchall()
    return json.loads(Fernet(real.fernet_key.encode()).decrypt(extra.encode()).decode() if encrypted else extra)


def test_the_test_button_reports_success_and_a_wrong_secret_as_a_failure(page, airflow, sandbox):
    for hook_name, (conn_id, _, login, password) in FORMS.items():
        add_connection(page, hook_name, f"{conn_id}_test_ok", login, password, sandbox.url)
    _, _, login, password = FORMS["ZEGO RTC"]
    add_connection(page, "ZEGO RTC", "zego_test_bad", login, "wrong" + password[5:], sandbox.url)

    def test(conn_id: str, outcome: str) -> str:
        page.goto(f"/connections?connection_id_pattern={conn_id}")
        row = page.get_by_role("row").filter(has_text=conn_id)
        row.get_by_role("button", name="Test Connection").click()
        toast = page.get_by_text(outcome, exact=True)
        toast.wait_for()
        screenshot(page, f"connection-test-{conn_id}")
        return toast.locator("xpath=..").inner_text()

    for conn_id, _, _, _ in FORMS.values():
        ok = test(f"{conn_id}_test_ok", "Test Connection Successful")
        assert "Bad Request" not in ok
    failed = test("zego_test_bad", "Test Connection Failed")
    assert "Bad Request" not in failed and len(failed.strip()) > len("Test Connection Failed")
    assert password not in failed


def test_manual_control_can_be_triggered_from_its_form_as_it_opens(page, airflow, sandbox):
    sandbox.seed_demo_show()
    before = {run["dag_run_id"] for run in airflow.api("GET", "/api/v2/dags/rtc_manual_control/dagRuns")["dag_runs"]}
    page.goto("/dags/rtc_manual_control")
    page.get_by_role("button", name="Trigger Dag").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Room id").first.wait_for()
    screenshot(page, "manual-control-trigger-form")
    submit = dialog.get_by_role("button", name=re.compile("^Trigger$"))
    assert submit.is_enabled()
    submit.click()

    def new_run():
        runs = airflow.api("GET", "/api/v2/dags/rtc_manual_control/dagRuns")["dag_runs"]
        return next((run["dag_run_id"] for run in runs if run["dag_run_id"] not in before), None)

    run_id = airflow._wait(new_run, 60, "the triggered run")
    state, _ = airflow.wait_for_run("rtc_manual_control", run_id, timeout=240)
    assert state == "success", airflow.failure_report("rtc_manual_control", run_id)
    assert xcom(airflow, "rtc_manual_control", run_id, "show_result")["action"] == "zego.status"


def test_a_finished_show_shows_the_playback_link_and_its_docs(page, airflow, finished_show):
    # The task instance's Details tab holds its extra links.
    page.goto(f"/dags/{SHOW}/runs/{finished_show}/tasks/start_mix/details")
    link = page.get_by_role("link", name="Mix playback (HLS)")
    try:
        link.wait_for()
    finally:
        screenshot(page, "show-start-mix-links")
    assert link.get_attribute("href") == f"http://sandbox-cdn.invalid/live/{ROOM}-mixed/playlist.m3u8"
    assert page.get_by_role("link", name="Mix playback (FLV)").get_attribute("href").endswith("-mixed.flv")

    page.goto(f"/dags/{SHOW}")
    page.get_by_text("0 20 * * 5 UTC").first.wait_for()  # the Schedule names its timezone
    page.get_by_role("button", name="Dag Docs").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("heading", name="Scheduled live show").wait_for()
    assert dialog.locator("table").count() >= 1 and "====" not in dialog.inner_text()
    screenshot(page, "show-dag-docs")
