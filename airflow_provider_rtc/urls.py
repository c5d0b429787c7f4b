"""Turning a connection's host field into a base URL, with the same rules for every vendor.

A bare hostname means HTTPS.  Plain ``http://`` is accepted only for loopback hosts, so the
sandbox works while a typo can never send signed requests in clear text over a network.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from airflow_provider_rtc.errors import RtcConfigError

# DNS names in ASCII (an IDN in its xn-- form); underscores are tolerated for internal proxies.
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")


def _valid_hostname(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
        return True
    except ValueError:
        return len(hostname) <= 253 and bool(_HOSTNAME.fullmatch(hostname))


def is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


_DEFAULT_PORTS = {"https": 443, "http": 80}


def normalize_base_url(value: str, *, field: str, port: int | str | None = None) -> str:
    """Return ``scheme://host[:port][/path]`` without a trailing slash, or raise RtcConfigError naming ``field``.

    ``port`` is the connection's Port field. Empty or 0 means "the URL's own port". The connection
    form shows it because Airflow 3.3's *Test* button only works for a connection with a stored
    port, so a user may enter the scheme's default (443) or repeat the port already in the host URL.
    Neither changes the URL; the default port is left out because Volcengine signs the Host header.
    A port that contradicts the one in the host URL is refused rather than guessed.
    """
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
    if not _valid_hostname(parts.hostname):
        # Else requests refuses the URL on every attempt, which would look like a network failure.
        raise RtcConfigError(f"{field}: {parts.hostname!r} is not a valid host name (IDNs in their xn-- form)")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise RtcConfigError(f"{field}: give only scheme, host, port and path (no query, fragment or user info)")
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise RtcConfigError(f"{field}: invalid port in {value!r}") from exc
    netloc = _with_port(parts, port, field)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise RtcConfigError(
            f"{field}: plain http:// is only allowed for loopback hosts (the sandbox); "
            f"use https:// for {parts.hostname}"
        )
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def _with_port(parts, port: int | str | None, field: str) -> str:
    """The URL's netloc with the connection's Port field merged in (see ``normalize_base_url``)."""
    if port in (None, "", 0, "0"):
        return parts.netloc
    try:
        number = int(port)
    except (TypeError, ValueError):
        raise RtcConfigError(f"{field}: port {port!r} is not a number") from None
    if not 0 < number < 65536:
        raise RtcConfigError(f"{field}: port {number} is not between 1 and 65535")
    if parts.port is not None:
        if parts.port != number:
            raise RtcConfigError(f"{field}: port {number} contradicts the port {parts.port} in the host URL")
        return parts.netloc
    if number == _DEFAULT_PORTS[parts.scheme]:
        return parts.netloc
    return f"{parts.netloc}:{number}"
