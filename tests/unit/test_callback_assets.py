"""Asset naming for vendor events, and the api-server plugin that mounts the receiver."""

from __future__ import annotations

import subprocess
import sys

import pytest

from airflow_provider_rtc.events import asset_uri, tencent_events, volcengine_events, zego_events


def test_helpers_name_one_asset_per_vendor_connection_and_kind():
    asset = zego_events("stream_close")
    assert (asset.name, asset.uri, asset.group) == (
        "rtc-callback/zego/zego_default/stream_close", "x-rtc-callback://zego/zego_default/stream_close",
        "rtc-callbacks")
    assert volcengine_events("SegmentRealTimeData", conn_id="volc_prod").uri == (
        "x-rtc-callback://volcengine/volc_prod/SegmentRealTimeData")
    assert tencent_events(102).uri == tencent_events("102").uri == "x-rtc-callback://tencent/tencent_live_default/trtc.102"
    assert tencent_events("Live.CallbackAfterDestroyRoom").uri.endswith("/Live.CallbackAfterDestroyRoom")


def test_airflow_keeps_the_uri_the_receiver_builds():
    # Airflow normalises asset URIs; the receiver looks assets up by the string it builds itself.
    from airflow.sdk import Asset

    uri = asset_uri("zego", "zego_default", "stream_close")
    assert Asset(uri=uri).uri == uri


@pytest.mark.parametrize("kind", ["", "a/b", "../x", "x" * 129, "room close", None])
def test_bad_kinds_and_conn_ids_are_refused(kind):
    with pytest.raises(ValueError):
        zego_events(kind)
    with pytest.raises(ValueError):
        zego_events("stream_close", conn_id=kind)


def test_importing_the_helpers_and_the_plugin_does_not_build_the_receiver():
    code = ("import sys; import airflow_provider_rtc.events, airflow_provider_rtc.callbacks.plugin; "
            "print(sorted(m for m in ('fastapi', 'starlette', 'airflow_provider_rtc.callbacks.app') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_plugin_mounts_the_receiver_outside_airflow_prefixes():
    from airflow import plugins_manager
    from airflow.api_fastapi.app import RESERVED_URL_PREFIXES

    apps, _ = plugins_manager.get_fastapi_plugins()
    [mounted] = [a for a in apps if a["name"] == "RTC vendor callbacks"]
    assert mounted["url_prefix"] == "/rtc-callbacks"
    assert not any(mounted["url_prefix"].startswith(p) for p in RESERVED_URL_PREFIXES)
    paths = {route.path for route in mounted["app"].routes}
    assert "/{vendor}/{conn_id}" in paths
