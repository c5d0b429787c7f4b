"""Turning a connection's host field into a base URL, with the same rules for every vendor.

A bare hostname means HTTPS.  Plain ``http://`` is accepted only for loopback hosts, so the
sandbox works while a typo can never send signed requests in clear text over a network.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from airflow_provider_rtc.errors import RtcConfigError


def is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def normalize_base_url(value: str, *, field: str) -> str:
    """Return ``scheme://host[:port][/path]`` without a trailing slash, or raise RtcConfigError naming ``field``."""
    raw = value.strip()
    if not raw:
        raise RtcConfigError(f"{field} is empty")
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https"):
        raise RtcConfigError(f"{field}: scheme {parts.scheme!r} is not supported; use https://")
    if not parts.hostname:
        raise RtcConfigError(f"{field}: {value!r} has no host name")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise RtcConfigError(f"{field}: give only scheme, host, port and path (no query, fragment or user info)")
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise RtcConfigError(f"{field}: invalid port in {value!r}") from exc
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise RtcConfigError(
            f"{field}: plain http:// is only allowed for loopback hosts (the sandbox); "
            f"use https:// for {parts.hostname}"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
