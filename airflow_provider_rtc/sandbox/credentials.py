"""The sandbox's built-in test credentials. They open nothing but the loopback sandbox."""

from __future__ import annotations

import json
from typing import Any

SANDBOX_CREDENTIALS: dict[str, dict[str, Any]] = {
    "zego": {"app_id": 1234567890, "server_secret": "sandbox0zego0server0secret0000000",
             "callback_secret": "sandbox0zego0callback0secret00000"},
    "volcengine": {
        "access_key_id": "AKLTsandbox0000000000000000",
        "secret_access_key": "sandbox-volcengine-secret-access-key-0000",
        "app_id": "sandbox-volc-app",
        "callback_secret_key": "sandbox-volcengine-callback-secret-key-00",
    },
    "tencent": {"sdkappid": 1400000001, "key": "sandbox0tencent0sdk0secret0key000000000000000000", "identifier": "administrator",
                "callback_token": "sandbox0tencent0callback0token000",
                "trtc_callback_secret": "sandboxTrtcCallbackKey0000000000"},
}


def airflow_connections(base_url: str) -> dict[str, dict]:
    """Airflow connections (as ``AIRFLOW_CONN_*`` JSON documents) pointing at a sandbox on ``base_url``."""
    zego = SANDBOX_CREDENTIALS["zego"]
    volc = SANDBOX_CREDENTIALS["volcengine"]
    tencent = SANDBOX_CREDENTIALS["tencent"]
    return {
        "zego_default": {
            "conn_type": "zego",
            "login": str(zego["app_id"]),
            "password": zego["server_secret"],
            "host": base_url,
            "extra": {"asr_host": base_url, "timeout": 10, "callback_secret": zego["callback_secret"]},
        },
        "volcengine_rtc_default": {
            "conn_type": "volcengine_rtc",
            "login": volc["access_key_id"],
            "password": volc["secret_access_key"],
            "host": base_url,
            "extra": {"app_id": volc["app_id"], "timeout": 10,
                      "callback_secret_key": volc["callback_secret_key"]},
        },
        "tencent_live_default": {
            "conn_type": "tencent_live",
            "login": str(tencent["sdkappid"]),
            "password": tencent["key"],
            "host": base_url,
            "extra": {"identifier": tencent["identifier"], "timeout": 10,
                      "callback_token": tencent["callback_token"], "trtc_callback_secret": tencent["trtc_callback_secret"]},
        },
    }


def airflow_connection_env(base_url: str) -> dict[str, str]:
    """``{"AIRFLOW_CONN_ZEGO_DEFAULT": "<json>", ...}``: the connections above as environment variables."""
    return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(document)
            for conn_id, document in airflow_connections(base_url).items()}
