"""Server-side check of Volcengine Signature V4, for the local sandbox.

Deliberately independent of ``airflow_provider_rtc.signing``: it rebuilds the
canonical request from what arrived on the wire (raw path, raw query string,
received headers, body bytes), so a bug in the client signer cannot be
mirrored here and cancel itself out. Stdlib only.

Failures are reported with the Volcengine gateway's error code names so the
client's error handling can be exercised against realistic answers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote, unquote

__all__ = ["VerifyResult", "verify_v4"]

MISSING_AUTHENTICATION_TOKEN = "MissingAuthenticationToken"
MISSING_SIGNATURE = "MissingSignature"
INVALID_ACCESS_KEY = "InvalidAccessKey"
INVALID_TIMESTAMP = "InvalidTimestamp"
SIGNATURE_DOES_NOT_MATCH = "SignatureDoesNotMatch"

_REQUIRED_SIGNED = frozenset({"content-type", "host", "x-content-sha256", "x-date"})
_TOKEN_HEADER = "x-security-token"

# "HMAC-SHA256 Credential=AK/20201103/cn-north-1/rtc/request, SignedHeaders=a;b, Signature=hex"
# Components are comma separated; tolerate optional spaces after the commas.
_AUTH_RE = re.compile(
    r"^HMAC-SHA256 "
    r"Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<signature>[^,\s]+)$"
)
_XDATE_RE = re.compile(r"^\d{8}T\d{6}Z$")


@dataclass
class VerifyResult:
    ok: bool
    error_code: str | None
    message: str
    access_key_id: str | None


def _fail(code: str, message: str, ak: str | None = None) -> VerifyResult:
    return VerifyResult(ok=False, error_code=code, message=message, access_key_id=ak)


def _hmac_sha256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _pct(text: str) -> str:
    # RFC 3986: everything but ALPHA / DIGIT / "-_.~" is percent-encoded (UTF-8).
    return quote(text, safe="-_.~")


def _canonical_query_from_wire(raw_query: str) -> str:
    # Decode what was sent ("+" and %20 both mean space), then re-encode one
    # canonical way. Keys are ordered by decoded text; repeated keys keep the
    # order they arrived in, which is how the client SDK builds its string.
    grouped: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        grouped.setdefault(key, []).append(value)
    return "&".join(
        f"{_pct(key)}={_pct(value)}" for key in sorted(grouped) for value in grouped[key]
    )


def _canonical_path_from_wire(raw_path: str) -> str:
    return quote(unquote(raw_path or "/"), safe="/-_.~")


def _strip_default_port(host: str) -> str:
    # Clients leave :80/:443 out of what they sign; any other port is signed.
    name, sep, port = host.rpartition(":")
    if sep and port in ("80", "443") and (":" not in name or name.endswith("]")):
        return name
    return host


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def verify_v4(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, str],
    session_tokens: Mapping[str, str] | None = None,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(minutes=15),
    region: str | None = None,
    service: str | None = None,
) -> VerifyResult:
    """Check one request's Signature V4.

    ``region``/``service``, when given, must equal the credential scope's
    (e.g. ``cn-north-1``/``rtc``); ``None`` accepts any. ``session_tokens``
    maps AK -> expected X-Security-Token: an AK listed there is STS-only and
    must present its token.
    """
    # Header names are case-insensitive on the wire; values lose only the
    # optional whitespace HTTP allows around them.
    hdrs = {name.lower(): value.strip() for name, value in headers.items()}

    auth = hdrs.get("authorization")
    if not auth:
        return _fail(MISSING_AUTHENTICATION_TOKEN, "Authorization header is missing")
    match = _AUTH_RE.match(auth)
    if match is None:
        return _fail(MISSING_SIGNATURE, "Authorization header is malformed or has no Signature")

    cred_parts = match["credential"].split("/")
    if len(cred_parts) != 5 or not all(cred_parts) or cred_parts[4] != "request":
        return _fail(MISSING_SIGNATURE, "Credential must be AK/YYYYMMDD/region/service/request")
    ak, scope_date, scope_region, scope_service, _ = cred_parts

    secret = secrets.get(ak)
    if secret is None:
        return _fail(INVALID_ACCESS_KEY, f"unknown AccessKeyId {ak!r}", ak)

    x_date = hdrs.get("x-date", "")
    try:
        if not _XDATE_RE.match(x_date):
            raise ValueError(x_date)
        signed_at = datetime.strptime(x_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return _fail(INVALID_TIMESTAMP, f"X-Date {x_date!r} is missing or not YYYYMMDDTHHMMSSZ", ak)
    current = _utc(now) if now is not None else datetime.now(timezone.utc)
    if abs(current - signed_at) > max_skew:
        return _fail(INVALID_TIMESTAMP, f"X-Date {x_date} is more than {max_skew} from now", ak)

    body_hash = hashlib.sha256(body).hexdigest()
    if hdrs.get("x-content-sha256", "").lower() != body_hash:
        return _fail(SIGNATURE_DOES_NOT_MATCH, "X-Content-Sha256 does not match the body", ak)

    if scope_date != x_date[:8]:
        return _fail(SIGNATURE_DOES_NOT_MATCH, "credential scope date differs from X-Date", ak)
    if region is not None and scope_region != region:
        return _fail(SIGNATURE_DOES_NOT_MATCH, f"credential scope region {scope_region!r}", ak)
    if service is not None and scope_service != service:
        return _fail(SIGNATURE_DOES_NOT_MATCH, f"credential scope service {scope_service!r}", ak)

    signed_names = match["signed"].split(";")
    if signed_names != sorted(set(signed_names)) or any(n != n.lower() for n in signed_names):
        return _fail(SIGNATURE_DOES_NOT_MATCH, "SignedHeaders must be lower-case, sorted, unique", ak)
    required = set(_REQUIRED_SIGNED)
    if _TOKEN_HEADER in hdrs:
        required.add(_TOKEN_HEADER)
    missing = required.difference(signed_names)
    if missing:
        return _fail(SIGNATURE_DOES_NOT_MATCH, f"headers not signed: {sorted(missing)}", ak)
    absent = [name for name in signed_names if name not in hdrs]
    if absent:
        return _fail(SIGNATURE_DOES_NOT_MATCH, f"signed headers not sent: {absent}", ak)

    expected_token = (session_tokens or {}).get(ak)
    if expected_token is not None and not hmac.compare_digest(
        hdrs.get(_TOKEN_HEADER, "").encode("utf-8"), expected_token.encode("utf-8")
    ):
        return _fail(SIGNATURE_DOES_NOT_MATCH, "X-Security-Token is missing or wrong", ak)

    def header_value(name: str) -> str:
        return _strip_default_port(hdrs[name]) if name == "host" else hdrs[name]

    canonical_request = "\n".join(
        [
            method.upper(),
            _canonical_path_from_wire(raw_path),
            _canonical_query_from_wire(raw_query),
            "".join(f"{name}:{header_value(name)}\n" for name in signed_names),
            ";".join(signed_names),
            body_hash,
        ]
    )
    scope = "/".join([scope_date, scope_region, scope_service, "request"])
    string_to_sign = "\n".join(
        [
            "HMAC-SHA256",
            x_date,
            scope,
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )
    key = _hmac_sha256(secret.encode("utf-8"), scope_date)
    for part in (scope_region, scope_service, "request"):
        key = _hmac_sha256(key, part)
    expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

    if not hmac.compare_digest(expected.encode("ascii"), match["signature"].lower().encode("utf-8")):
        return _fail(SIGNATURE_DOES_NOT_MATCH, "signature does not match", ak)
    return VerifyResult(ok=True, error_code=None, message="ok", access_key_id=ak)
