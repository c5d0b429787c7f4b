"""The example DAGs as the UI shows them: trigger forms, the manual-control catalogue, Markdown docs."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ROOT


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags_examples"))
    assert bag.import_errors == {}
    return bag.dags


@pytest.fixture(scope="module")
def manual(dags):
    """The manual-control DAG file's module (its catalogue and refusal rule)."""
    import sys

    dag = dags["rtc_manual_control"]
    return sys.modules[dag.task_dict["choose_action"].python_callable.__module__]


def required_in_the_trigger_form(schema: dict) -> bool:
    # Airflow 3.3 UI (FlexibleForm/isParamRequired): a param with a type is required unless the
    # type is a list that includes "null"; a required param that is empty disables Trigger.
    kind = schema.get("type")
    return bool(kind) and not (isinstance(kind, list) and "null" in kind)


def test_manual_control_can_be_triggered_with_its_defaults(dags, manual):
    params = dags["rtc_manual_control"].params
    for name in params:
        param = params.get_param(name)
        if required_in_the_trigger_form(param.schema):
            assert param.value not in (None, ""), f"{name} is required but empty: Trigger would stay disabled"
    defaults = {name: params[name] for name in params}
    assert manual.refusal(defaults["action"], defaults) is None


EXAMPLE_DAGS = ["rtc_scheduled_show", "rtc_end_of_show", "rtc_manual_control", "rtc_on_vendor_events"]


@pytest.mark.parametrize("dag_id", EXAMPLE_DAGS)
def test_every_trigger_form_can_be_submitted_as_it_opens(dags, dag_id):
    params = dags[dag_id].params
    for name in params:
        param = params.get_param(name)
        if required_in_the_trigger_form(param.schema):
            assert param.value not in (None, ""), f"{dag_id}.{name} is required but empty"
        param.resolve(param.value)  # the default passes the param's own schema


def test_every_action_names_its_vendor_and_needs_only_form_fields(dags, manual):
    params = dags["rtc_manual_control"].params
    tasks = dags["rtc_manual_control"].task_dict
    assert list(params.get_param("action").schema["enum"]) == list(manual.ACTIONS)
    for key, action in manual.ACTIONS.items():
        vendor = key.split(".")[0]
        assert vendor in ("zego", "volcengine", "tencent")
        assert action.title.lower().startswith(vendor), action.title
        assert set(action.needs) <= set(params) and action.task_id in tasks
        # Every field an action may need but not every action needs is optional in the form.
        for name in action.needs:
            assert not required_in_the_trigger_form(params.get_param(name).schema), name


@pytest.mark.parametrize(("action", "conf", "refused"), [
    ("zego.stop_mix", {"mix_task_id": None}, "'ZEGO: stop the auto mix' needs ZEGO mix task id (mix_task_id)"),
    ("zego.stop_mix", {"mix_task_id": "  "}, "needs ZEGO mix task id (mix_task_id)"),
    ("zego.stop_asr", {}, "needs ZEGO ASR task id (asr_task_id)"),
    ("volcengine.stop_segment", {"room_id": ""},
     "needs Room id (room_id), Volcengine segment task id (segment_task_id)"),
    ("zego.status", {}, None),
    ("tencent.resume_mix", {}, None),
    ("zego.stop_mix", {"mix_task_id": "m"}, None),
    ("volcengine.stop_record", {}, "needs Volcengine recording task id (record_task_id)"),
    ("zego.call_api", {"api_action": " "}, "needs Action name (call any action) (api_action)"),
    ("tencent.call_api", {"api_action": "get_room_info"}, None),
    ("zego.close_room", {}, None),
    ("stop_mix", {}, "action 'stop_mix' is not one of: zego.status"),
])
def test_a_missing_field_is_refused_in_one_line_naming_it(dags, manual, action, conf, refused):
    params = dags["rtc_manual_control"].params
    values = {**{name: params[name] for name in params}, **conf}
    reason = manual.refusal(action, values)
    if refused is None:
        assert reason is None
    else:
        assert refused in reason and "\n" not in reason


def test_results_are_one_xcom_each(dags):
    # A TaskFlow task annotated "-> dict" would otherwise push one XCom per key.
    for dag_id, task_id in (("rtc_manual_control", "show_result"), ("rtc_manual_control", "zego_status"),
                            ("rtc_end_of_show", "report"), ("rtc_scheduled_show", "show_outcome")):
        assert dags[dag_id].task_dict[task_id].multiple_outputs is False, (dag_id, task_id)


def rendered(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(markdown)


@pytest.mark.parametrize("dag_id", EXAMPLE_DAGS)
def test_dag_docs_are_markdown_that_renders_to_headings_and_tables(dags, dag_id):
    doc = dags[dag_id].doc_md
    html = rendered(doc)
    assert re.search(r"<h1>[^<]+</h1>", html) and "<h2>" in html
    assert "<table>" in html or "<ol>" in html or "<ul>" in html
    assert "<code>" in html
    # No reStructuredText left: table rules, double backticks, ``::`` blocks, definition-list headings.
    assert not re.search(r"^\s*={3,}(\s+={3,})+\s*$", doc, re.MULTILINE)
    assert "``" not in doc and "::\n" not in doc
    assert "====" not in html and "``" not in html


def test_the_night_shift_actions_are_in_the_catalogue(dags, manual):
    """Close room per vendor, Volcengine recording, and "call any action" per vendor (issue 12's operators)."""
    from airflow_provider_rtc.operators.tencent import TencentDestroyRoomOperator, TencentLiveApiOperator
    from airflow_provider_rtc.operators.volcengine import (
        StartRecordOperator,
        StopRecordOperator,
        VolcengineCloseRoomOperator,
        VolcengineRtcApiOperator,
    )
    from airflow_provider_rtc.operators.zego import ZegoApiOperator, ZegoCloseRoomOperator

    tasks = dags["rtc_manual_control"].task_dict
    expected = {
        "zego_close_room": ZegoCloseRoomOperator, "volcengine_close_room": VolcengineCloseRoomOperator,
        "tencent_close_room": TencentDestroyRoomOperator, "volcengine_start_record": StartRecordOperator,
        "volcengine_stop_record": StopRecordOperator, "zego_call_api": ZegoApiOperator,
        "volcengine_call_api": VolcengineRtcApiOperator, "tencent_call_api": TencentLiveApiOperator,
    }
    for task_id, operator in expected.items():
        assert type(tasks[task_id]) is operator, task_id


def render_api_part(manual, vendor: str, part: str, conf: dict) -> str:
    return manual.api_params_as(vendor, part, {"api_action": None, "api_params": None, **conf})


@pytest.mark.parametrize(("vendor", "action", "where"), [
    ("zego", "DescribeUserNum", "query"),  # a GET in the catalogue
    ("zego", "StartAutoMix", "body"),  # a POST
    ("zego", "SomethingNew", "body"),  # not catalogued: sent as a POST, like the generic operator does
    ("tencent", "get_room_info", "body"),
])
def test_call_any_action_puts_the_json_where_the_action_takes_it(manual, vendor, action, where):
    import json

    conf = {"api_action": action, "api_params": {"RoomId": "r"}}
    other = "body" if where == "query" else "query"
    assert json.loads(render_api_part(manual, vendor, where, conf)) == {"RoomId": "r"}
    assert render_api_part(manual, vendor, other, conf) == ""
    assert render_api_part(manual, vendor, where, {"api_action": action}) == ""  # no params: nothing


def test_call_any_volcengine_action_takes_app_id_from_the_connection_unless_given(manual, monkeypatch):
    import json

    from tests.conftest import set_connection

    set_connection(monkeypatch, "volcengine_rtc_default", {
        "conn_type": "volcengine_rtc", "login": "AK", "password": "SK", "extra": {"app_id": "app-from-conn"}})
    query = render_api_part(manual, "volcengine", "query", {"api_action": "GetRoomOnlineUsers",
                                                             "api_params": {"RoomId": "r"}})
    assert json.loads(query) == {"RoomId": "r", "AppId": "app-from-conn"}
    given = render_api_part(manual, "volcengine", "body", {"api_action": "BanRoomUser",
                                                           "api_params": {"AppId": "mine", "RoomId": "r"}})
    assert json.loads(given) == {"AppId": "mine", "RoomId": "r"}


def test_end_of_show_closes_rooms_only_when_asked_and_after_every_stop(dags):
    dag = dags["rtc_end_of_show"]
    params = dag.params
    assert params["close_rooms"] is False  # a show that ends early may still have viewers
    stops = {"stop_segment", "stop_mix", "stop_asr", "stop_record", "resume_tencent_mix"}
    for close in ("close_zego_room", "close_volcengine_room", "close_tencent_room"):
        gate = dag.task_dict[f"{close}_requested"]
        assert dag.task_dict[close].upstream_task_ids == {gate.task_id}
        assert gate.upstream_task_ids == stops and gate.trigger_rule == "all_done"
    assert dag.task_dict["stop_record"].upstream_task_ids == {"stop_record_requested"}
    assert dag.task_dict["report"].upstream_task_ids >= stops | {"close_zego_room", "close_tencent_room"}
