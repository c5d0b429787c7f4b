"""The Airflow plugin (entry point ``airflow.plugins``) that mounts the callback receiver in the api-server.

Provider-info ``plugins`` are only read when ``[core] lazy_discover_providers`` is off, so the
package registers this class through the ``airflow.plugins`` entry point instead (pyproject.toml).
Every Airflow process loads plugins (task processes too): this module imports only the plugin base,
and the FastAPI app is built the first time the api-server asks for it.
"""

from __future__ import annotations

import functools
from typing import Any

from airflow.sdk.plugins_manager import AirflowPlugin


@functools.lru_cache(maxsize=1)
def _receiver_app():
    from airflow_provider_rtc.callbacks.app import create_app

    return create_app()


class _BuiltOnFirstUse:
    """A class attribute computed when read (the api-server reads ``fastapi_apps`` once, at start)."""

    def __get__(self, instance: Any, owner: type) -> list[dict[str, Any]]:
        from airflow_provider_rtc.callbacks.app import URL_PREFIX

        return [{"app": _receiver_app(), "url_prefix": URL_PREFIX, "name": "RTC vendor callbacks"}]


class RtcCallbacksPlugin(AirflowPlugin):
    name = "rtc_callbacks"
    fastapi_apps = _BuiltOnFirstUse()
