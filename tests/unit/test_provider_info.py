"""Provider registration: the entry point, Airflow's schema, and the connection forms Airflow builds."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from airflow_provider_rtc.get_provider_info import get_provider_info

CONNECTION_TYPES = {c["connection-type"]: c for c in get_provider_info()["connection-types"]}


def test_entry_point_points_at_get_provider_info():
    [entry] = [e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("airflow_provider_rtc")]
    assert entry.load() is get_provider_info
    assert get_provider_info()["package-name"] == "airflow-provider-rtc"


def test_provider_info_matches_airflows_schema():
    import airflow
    import jsonschema

    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_declared_modules_import():
    import importlib

    info = get_provider_info()
    for kind in ("hooks", "operators", "sensors", "triggers"):
        for entry in info.get(kind, []):
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for conn in info["connection-types"]:
        module, _, cls = conn["hook-class-name"].rpartition(".")
        hook = getattr(importlib.import_module(module), cls)
        assert hook.conn_type == conn["connection-type"]
        # The deprecated UI hook methods are not used: the form is declarative.
        assert "get_connection_form_widgets" not in vars(hook) and "get_ui_field_behaviour" not in vars(hook)


@pytest.fixture(scope="module")
def providers_manager():
    from airflow.providers_manager import ProvidersManager

    return ProvidersManager()


@pytest.mark.parametrize("conn_type", sorted(CONNECTION_TYPES))
def test_airflow_builds_the_connection_form(providers_manager, conn_type):
    declared = CONNECTION_TYPES[conn_type]
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    # What a task resolves `conn_type` to at run time ...
    assert ProvidersManagerTaskRuntime().hooks[conn_type].hook_class_name == declared["hook-class-name"]
    # ... and the form the UI renders, built from the declaration without importing the hook.
    widgets = providers_manager.connection_form_widgets
    for field, definition in declared["conn-fields"].items():
        widget = widgets[f"extra__{conn_type}__{field}"]
        assert widget.field["schema"]["title"] == definition["label"]
    behaviour = providers_manager.field_behaviours[conn_type]
    assert "schema" in behaviour["hidden_fields"]
    assert behaviour["relabeling"]["password"]


def test_zego_form_relabels_and_hides_the_right_fields(providers_manager):
    behaviour = providers_manager.field_behaviours["zego"]
    assert behaviour["relabeling"]["login"] == "AppId"
    assert behaviour["relabeling"]["password"] == "ServerSecret"
    assert set(behaviour["hidden_fields"]) >= {"schema", "port"}
    assert behaviour["placeholders"]["host"] == "https://rtc-api.zego.im"


def test_callback_secret_extras_are_names_airflow_redacts():
    """The UI, the REST API and the log masker hide extras by name: every callback secret must match."""
    from airflow._shared.secrets_masker.secrets_masker import should_hide_value_for_key

    from airflow_provider_rtc.get_provider_info import get_provider_info

    names = [name for conn in get_provider_info()["connection-types"] for name in conn["conn-fields"]
             if "callback" in name]
    assert sorted(names) == ["callback_secret", "callback_secret_key", "callback_token", "trtc_callback_secret"]
    assert all(should_hide_value_for_key(name) for name in names)
    for conn in get_provider_info()["connection-types"]:
        for name in names:
            if name in conn["conn-fields"]:
                assert conn["conn-fields"][name]["schema"].get("format") == "password"
