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


@pytest.mark.parametrize("dag_id", ["rtc_scheduled_show", "rtc_end_of_show", "rtc_manual_control"])
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


@pytest.mark.parametrize("dag_id", ["rtc_scheduled_show", "rtc_end_of_show", "rtc_manual_control"])
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
