"""Volcengine / BytePlus OpenAPI request signing (Signature V4, HMAC-SHA256).

Pure functions, stdlib only, so the signer can be tested against the official
``volcengine`` SDK without Airflow and reused by hooks and triggers alike.

The canonical forms below reproduce what ``volcengine.auth.SignerV4`` does
(the gateway accepts exactly what the official SDK sends), including its
quirks:

* query keys are sorted by their *raw* (unencoded) text, not by the encoded
  text; a list value becomes one ``key=value`` pair per item, in list order,
  and an empty list contributes nothing;
* the path is percent-encoded with only ``/`` and the RFC 3986 unreserved
  characters left alone;
* header values are used verbatim (no trimming), and a ``:80`` or ``:443``
  port is removed from the signed Host.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from urllib.parse import quote

__all__ = [
    "ALGORITHM",
    "SCOPE_TERMINATOR",
    "SIGNED_HEADERS_BASE",
    "X_DATE_FORMAT",
    "canonical_headers",
    "canonical_path",
    "canonical_query",
    "credential_scope",
    "derive_signing_key",
    "normalize_host",
    "sha256_hex",
    "sign_request",
    "string_to_sign",
]

ALGORITHM = "HMAC-SHA256"
SCOPE_TERMINATOR = "request"
X_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
#: Headers the official SDK signs for a normal API call, already sorted.
SIGNED_HEADERS_BASE: tuple[str, ...] = ("content-type", "host", "x-content-sha256", "x-date")
#: Added (and kept in sorted position) when STS credentials are used.
SECURITY_TOKEN_HEADER = "x-security-token"

# RFC 3986 unreserved punctuation. quote() always keeps ASCII letters and digits.
_UNRESERVED = "-_.~"
_DEFAULT_PORTS = ("80", "443")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _encode(text: str) -> str:
    # quote() encodes str as UTF-8, so unicode becomes %XX per byte; with this
    # safe set, space -> %20, "+" -> %2B, "*" -> %2A, "/" -> %2F.
    return quote(text, safe=_UNRESERVED)


def canonical_query(query: Mapping[str, str | Sequence[str]]) -> str:
    """Canonical query string as the SDK builds it.

    Keys are sorted by raw text (the SDK sorts before encoding, which differs
    from sorting encoded keys once non-ASCII is involved). Lists/tuples are
    repeated keys, values kept in the given order, as the gateway receives them.
    """
    pairs: list[str] = []
    for key in sorted(query):
        value = query[key]
        values = value if isinstance(value, (list, tuple)) else (value,)
        enc_key = _encode(key)
        for item in values:
            pairs.append(f"{enc_key}={_encode(item)}")
    return "&".join(pairs)


def canonical_path(path: str) -> str:
    """Percent-encode the (decoded) path, keeping ``/``; empty means ``/``.

    An HTTP request line can't carry an empty path, so ``""`` is signed as
    ``/``, which is what actually goes on the wire.
    """
    return quote(path or "/", safe="/" + _UNRESERVED)


def normalize_host(host: str) -> str:
    """Drop a default port (``:80``/``:443``); other ports are part of Host.

    HTTP clients omit default ports from the Host header, so signing them
    would never match what the server sees.
    """
    name, sep, port = host.rpartition(":")
    # Only a real port suffix: "host:443" or "[v6]:443", never a bare IPv6 address.
    if sep and port in _DEFAULT_PORTS and (":" not in name or name.endswith("]")):
        return name
    return host


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """Return ``(canonical_headers, signed_headers)`` for already-chosen headers.

    Names are lower-cased and sorted; each line ends with ``\\n`` (so the
    canonical request has an empty line after the block, as in the SDK).
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    names = sorted(lowered)
    block = "".join(f"{name}:{lowered[name]}\n" for name in names)
    return block, ";".join(names)


def credential_scope(date: str, region: str, service: str) -> str:
    return f"{date}/{region}/{service}/{SCOPE_TERMINATOR}"


def derive_signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC(SK, date), region), service), "request").

    ``date`` is ``YYYYMMDD``. Unlike AWS SigV4 the secret is not prefixed.
    """
    key = _hmac(secret.encode("utf-8"), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, SCOPE_TERMINATOR)


def string_to_sign(x_date: str, scope: str, canonical_request: str) -> str:
    digest = sha256_hex(canonical_request.encode("utf-8"))
    return f"{ALGORITHM}\n{x_date}\n{scope}\n{digest}"


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    # A naive datetime is taken as UTC (that's what the SDK does with it too).
    if now.tzinfo is None:
        return now
    return now.astimezone(timezone.utc)


def sign_request(
    *,
    method: str,
    host: str,
    path: str,
    query: Mapping[str, str | Sequence[str]],
    body: bytes,
    access_key_id: str,
    secret_access_key: str,
    region: str,
    service: str,
    session_token: str | None = None,
    now: datetime | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    """Return the headers to send with the request, ``Authorization`` included.

    ``body`` must be the exact bytes that will be sent: the signature covers
    its hash, so re-serialising JSON afterwards breaks it. The caller must send
    the query with the same values (any encoding that decodes to them).
    """
    x_date = _utc(now).strftime(X_DATE_FORMAT)
    date = x_date[:8]
    body_hash = sha256_hex(body)

    headers = {
        "Host": normalize_host(host),
        "Content-Type": content_type,
        "X-Date": x_date,
        "X-Content-Sha256": body_hash,
    }
    # The SDK treats "" like no token; so do we, or we'd sign an empty header.
    if session_token:
        headers["X-Security-Token"] = session_token

    header_block, signed_headers = canonical_headers(headers)
    canonical_request = "\n".join(
        [
            method.upper(),
            canonical_path(path),
            canonical_query(query),
            header_block,
            signed_headers,
            body_hash,
        ]
    )
    scope = credential_scope(date, region, service)
    key = derive_signing_key(secret_access_key, date, region, service)
    signature = hmac.new(
        key, string_to_sign(x_date, scope, canonical_request).encode("utf-8"), hashlib.sha256
    ).hexdigest()

    headers["Authorization"] = (
        f"{ALGORITHM} Credential={access_key_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return headers
