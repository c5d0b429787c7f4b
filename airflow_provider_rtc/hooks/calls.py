"""Vendor-neutral values of one call: what is asked (:class:`VendorCall`), what is sent
(:class:`HttpRequest`), what came back (:class:`HttpResponse`) and what it meant (:class:`ApiResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str  # scheme://host[:port]/path, without the query
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    retry_after: float | None = None


@dataclass(frozen=True)
class VendorCall:
    """One logical API call, independent of how many attempts it takes."""

    action: str
    method: str = "POST"
    body: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    endpoint: str = "default"  # which of the connection's base URLs (ZEGO: "rtc" or "asr")
    version: str | None = None  # Volcengine API version
    # False when repeating an accepted request would do the work twice (e.g. start a second
    # ASR task): then an attempt that may have reached the vendor is never repeated.
    idempotent: bool = True


@dataclass(frozen=True)
class ApiResult:
    request_id: str | None
    data: Any
    attempts: int = 1


def query_value(key: str, value: Any) -> str | list[str]:
    """A query parameter as text: booleans as ``true``/``false`` (not Python's ``True``)."""
    from airflow_provider_rtc.errors import RtcValidationError

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [item for element in value for item in _as_list(query_value(key, element))]
    if isinstance(value, (str, int, float)):
        return str(value)
    raise RtcValidationError(key, f"cannot send a {type(value).__name__} in a query string")


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]
