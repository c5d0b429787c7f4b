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
    # The port is shown: Airflow 3.3's Test button works only for a connection with a stored port.
    assert behaviour["hidden_fields"] == ["schema"]
    assert behaviour["placeholders"]["host"].startswith("https://rtc-api.zego.im")
    assert behaviour["placeholders"]["port"].startswith("443")


@pytest.mark.parametrize("conn_type", sorted(CONNECTION_TYPES))
def test_every_extra_field_but_the_secrets_has_a_default_so_the_form_stores_no_null(conn_type):
    # Airflow 3.3's form writes every extra field's value into the saved extra; without a default
    # that value is null (seen in the real UI: tests/e2e/test_ui.py).
    from airflow._shared.secrets_masker.secrets_masker import should_hide_value_for_key

    for name, field in CONNECTION_TYPES[conn_type]["conn-fields"].items():
        schema = field["schema"]
        if should_hide_value_for_key(name):
            # Airflow turns a hidden field's non-null default into "***", which the form then saves.
            assert schema.get("default") is None and schema.get("format") == "password", f"{conn_type}.{name}"
            continue
        assert "default" in schema and schema["default"] is not None, f"{conn_type}.{name}"
        assert None not in schema.get("enum", []), f"{conn_type}.{name}: null would show as an option"
        if "enum" in schema:
            assert schema["default"] in schema["enum"]
            assert set(schema["values_display"]) == set(schema["enum"]), f"{conn_type}.{name}: unlabelled option"


@pytest.mark.parametrize("conn_type", sorted(CONNECTION_TYPES))
def test_placeholders_are_declared_only_where_the_form_shows_them(conn_type):
    # Airflow 3.3's form shows placeholders for the standard fields only; extra fields use their description.
    placeholders = CONNECTION_TYPES[conn_type]["ui-field-behaviour"]["placeholders"]
    assert set(placeholders) <= {"login", "password", "host", "port", "description"}


def test_tls_help_names_every_verify_value_the_hooks_accept():
    for conn in CONNECTION_TYPES.values():
        help_text = conn["conn-fields"]["verify"]["description"]
        assert "true" in help_text and "false" in help_text and "CA bundle" in help_text


def test_zego_asr_host_is_in_a_section_named_after_it():
    asr = CONNECTION_TYPES["zego"]["conn-fields"]["asr_host"]
    assert "ASR host" in asr["schema"]["section"]
    assert "ASR host" in CONNECTION_TYPES["zego"]["ui-field-behaviour"]["relabeling"]["host"]


def test_the_description_names_the_vendors():
    description = get_provider_info()["description"]
    assert all(vendor in description for vendor in ("ZEGO", "Volcengine", "BytePlus", "Tencent"))


def test_callback_secret_extras_are_names_airflow_redacts():
    """The UI, the REST API and the log masker hide extras by name: every callback secret must match."""
    from airflow._shared.secrets_masker.secrets_masker import should_hide_value_for_key

    names = [name for conn in get_provider_info()["connection-types"] for name in conn["conn-fields"]
             if "callback" in name]
    assert sorted(names) == ["callback_secret", "callback_secret_key", "callback_token", "trtc_callback_secret"]
    assert all(should_hide_value_for_key(name) for name in names)
    for conn in get_provider_info()["connection-types"]:
        for name in names:
            if name in conn["conn-fields"]:
                schema = conn["conn-fields"][name]["schema"]
                assert schema.get("format") == "password"
                # Under their own header in the form, apart from the API credentials.
                assert schema.get("section") == "Vendor callbacks"
