"""Tencent Cloud IM UserSig (TLSSigAPIv2) generation and verification.

Tencent's REST APIs (IM, live engine) authenticate an admin by a ``usersig``
query parameter: a zlib-compressed JSON document carrying an HMAC-SHA256 over
the identifier, SDKAppID, issue time and lifetime, encoded in a URL-safe
base64 variant. This module is pure (stdlib only, no I/O, no Airflow) so it can
be tested against the official ``tls-sig-api-v2`` package and reused by hooks.

The server checks the *decoded* document, not the compressed bytes, so our
output need not be byte-identical to the official package's (zlib levels and
JSON spacing may differ) -- only the document has to match.

Only plain UserSigs are supported; ``TLS.userbuf`` (``gen_sig_with_userbuf``)
is deliberately rejected, since REST admin calls never use it and accepting it
silently would make the HMAC check fail with a misleading code.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
import time as _time
import zlib
from dataclasses import dataclass

__all__ = [
    "USERSIG_VERSION",
    "UserSigDocument",
    "UserSigError",
    "decode_usersig",
    "expected_sig",
    "gen_usersig",
    "verify_usersig",
]

USERSIG_VERSION = "2.0"

# Tencent error codes (Cloud IM "Error Codes" page) that verify_usersig maps to.
ERR_EXPIRED = 70001
# 70003 and 70005 are both "UserSig check failed" on Tencent's side; 70003 is
# what the server returns for an undecodable signature, so we use it for that.
ERR_MALFORMED = 70003
ERR_KEY_MISMATCH = 70009
ERR_IDENTIFIER_MISMATCH = 70013
ERR_SDKAPPID_MISMATCH = 70014

_UINT32_MAX = 0xFFFFFFFF

# UserSig swaps the three URL-unsafe base64 characters for ones that survive a
# query string unescaped; the two tables are exact inverses. Encoding swaps on the
# base64 bytes: bytes.translate is a C table lookup, str.translate with a dict goes
# through Python per character (5 us of a 30 us signature, ``make bench``).
_TO_USERSIG = bytes.maketrans(b"+/=", b"*-_")
_FROM_USERSIG = str.maketrans({"*": "+", "-": "/", "_": "="})
# json.dumps builds a new encoder on every call once separators are given; reuse one instead.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))
_USERSIG_ALPHABET = re.compile(r"[A-Za-z0-9*\-_]+")

# A real document is a few hundred bytes. Capping decompression stops a crafted
# "zip bomb" usersig (e.g. arriving in a test fixture or log) from eating memory.
_MAX_DOCUMENT_BYTES = 64 * 1024


class UserSigError(ValueError):
    """A UserSig failed decoding or verification.

    ``code`` is the error code Tencent's server would return for the same
    problem, so callers (and tests) can treat local and remote failures alike.
    Messages never include the key or the usersig, because both are secrets.
    """

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class UserSigDocument:
    """The decoded JSON inside a UserSig (field ``TLS.<name>``)."""

    version: str
    identifier: str
    sdkappid: int
    time: int
    expire: int
    sig: str

    @property
    def expires_at(self) -> int:
        """Last second (Unix time) at which the server still accepts it."""
        return self.time + self.expire


def _content(*, identifier: str, sdkappid: int, time: int, expire: int) -> str:
    # The exact byte string Tencent HMACs; order and trailing newlines matter.
    return (
        f"TLS.identifier:{identifier}\n"
        f"TLS.sdkappid:{sdkappid}\n"
        f"TLS.time:{time}\n"
        f"TLS.expire:{expire}\n"
    )


def expected_sig(*, sdkappid: int, key: str, identifier: str, time: int, expire: int) -> str:
    """Return the ``TLS.sig`` value: standard base64 of HMAC-SHA256.

    The key is used as its UTF-8 text (the hex string from the console is *not*
    hex-decoded), matching the official SDKs.
    """
    content = _content(identifier=identifier, sdkappid=sdkappid, time=time, expire=expire)
    mac = _keyed_hmac(key).copy()
    mac.update(content.encode("utf-8"))
    return base64.b64encode(mac.digest()).decode("ascii")


@functools.lru_cache(maxsize=32)
def _keyed_hmac(key: str) -> hmac.HMAC:
    """HMAC-SHA256 with ``key`` set up, never updated: callers sign on a ``copy()``.

    Setting up the key (hashing both pads) cost as much as signing the content itself; a process
    signs with the same few keys again and again (every hook, every renewal, the sandbox).
    """
    return hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)


def _is_int(value: object) -> bool:
    # bool is an int subclass in Python, but JSON true/false is never valid here.
    return isinstance(value, int) and not isinstance(value, bool)


def gen_usersig(*, sdkappid: int, key: str, identifier: str, expire: int, now: int | None = None) -> str:
    """Generate a UserSig valid from ``now`` (default: current time) for ``expire`` seconds.

    ``now`` is injectable so callers and tests get deterministic output.
    """
    if not _is_int(sdkappid) or not 0 <= sdkappid <= _UINT32_MAX:
        raise ValueError("sdkappid must be an integer in the uint32 range")
    if not isinstance(key, str) or not key:
        raise ValueError("key must be a non-empty string")
    if not isinstance(identifier, str) or not identifier:
        raise ValueError("identifier must be a non-empty string")
    if not _is_int(expire) or expire <= 0:
        # A non-positive lifetime yields a signature that is already expired.
        raise ValueError("expire must be a positive integer (seconds)")
    issued = int(_time.time()) if now is None else now
    if not _is_int(issued) or issued < 0:
        raise ValueError("now must be a non-negative integer (Unix seconds)")

    document = {
        "TLS.ver": USERSIG_VERSION,
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": issued,
        "TLS.sig": expected_sig(
            sdkappid=sdkappid, key=key, identifier=identifier, time=issued, expire=expire
        ),
    }
    raw = _COMPACT_JSON.encode(document).encode("utf-8")
    return base64.b64encode(_deflate(raw)).translate(_TO_USERSIG).decode("ascii")


def _deflate(data: bytes) -> bytes:
    """``zlib.compress(data)`` with less scratch memory: same format, header and level.

    zlib.compress allocates and clears ~256 KB of state (memLevel 8) for a ~200-byte document, which
    was most of a signature's cost. memLevel only sizes the compressor's hash table: the result is
    the same standard zlib stream (same header, same window), at most with other back-references,
    which every inflater reads alike (Tencent's SDKs in other languages use other deflate
    implementations anyway). Up to three times faster in a fresh process, never slower.
    """
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, zlib.MAX_WBITS, 1)
    return compressor.compress(data) + compressor.flush()


def decode_usersig(usersig: str) -> UserSigDocument:
    """Decode a UserSig into its document without checking the signature.

    Raises :class:`UserSigError` (a ``ValueError``, code 70003) with a short
    reason for anything malformed.
    """

    def bad(reason: str) -> UserSigError:
        return UserSigError(ERR_MALFORMED, reason)

    if not isinstance(usersig, str) or not usersig:
        raise bad("usersig is empty or not a string")
    if not _USERSIG_ALPHABET.fullmatch(usersig):
        raise bad("usersig contains characters outside the UserSig base64 alphabet")
    try:
        compressed = base64.b64decode(usersig.translate(_FROM_USERSIG), validate=True)
    except (binascii.Error, ValueError):
        raise bad("usersig is not valid base64") from None

    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, _MAX_DOCUMENT_BYTES)
    except zlib.error:
        raise bad("usersig payload is not zlib data") from None
    if inflater.unconsumed_tail:
        raise bad("usersig document is too large")
    if not inflater.eof:
        # zlib.decompressobj does not raise on a cut-off stream; check explicitly.
        raise bad("usersig zlib stream is truncated")
    if inflater.unused_data:
        raise bad("usersig has trailing data after the zlib stream")

    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: deeply nested JSON is not a ValueError but is still garbage.
        raise bad("usersig document is not UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise bad("usersig document is not a JSON object")
    if "TLS.userbuf" in document:
        raise bad("usersig with TLS.userbuf is not supported")

    fields: dict[str, tuple[str, type]] = {
        "version": ("TLS.ver", str),
        "identifier": ("TLS.identifier", str),
        "sdkappid": ("TLS.sdkappid", int),
        "time": ("TLS.time", int),
        "expire": ("TLS.expire", int),
        "sig": ("TLS.sig", str),
    }
    values: dict[str, object] = {}
    for name, (json_key, kind) in fields.items():
        if json_key not in document:
            raise bad(f"usersig document lacks {json_key}")
        value = document[json_key]
        ok = _is_int(value) if kind is int else isinstance(value, kind)
        if not ok:
            raise bad(f"usersig field {json_key} has the wrong type")
        values[name] = value
    if values["version"] != USERSIG_VERSION:
        # Version 1 used ECDSA and a different layout; it cannot be checked here.
        raise bad(f"unsupported TLS.ver (expected {USERSIG_VERSION})")
    return UserSigDocument(**values)  # type: ignore[arg-type]


def verify_usersig(
    usersig: str,
    *,
    sdkappid: int,
    key: str,
    identifier: str | None = None,
    now: int | None = None,
) -> UserSigDocument:
    """Check a UserSig the way Tencent's server does and return its document.

    Raises :class:`UserSigError` with the server's code; checks run in the order
    decode (70003), SDKAppID (70014), identifier (70013, only if given),
    HMAC (70009), expiry (70001), so a forged signature is never reported as
    merely "expired".
    """
    document = decode_usersig(usersig)
    if document.sdkappid != sdkappid:
        raise UserSigError(ERR_SDKAPPID_MISMATCH, "SDKAppID in usersig does not match")
    if identifier is not None and document.identifier != identifier:
        raise UserSigError(ERR_IDENTIFIER_MISMATCH, "identifier in usersig does not match")
    want = expected_sig(
        sdkappid=document.sdkappid,
        key=key,
        identifier=document.identifier,
        time=document.time,
        expire=document.expire,
    )
    # Compare bytes: compare_digest raises TypeError on non-ASCII str, and the
    # document's sig field is attacker-controlled text. Tencent may also report
    # a bad HMAC as 70003/70005 ("check failed"); 70009 is the most specific.
    if not hmac.compare_digest(document.sig.encode("utf-8"), want.encode("utf-8")):
        raise UserSigError(ERR_KEY_MISMATCH, "signature does not match key and SDKAppID")
    current = int(_time.time()) if now is None else now
    if current > document.time + document.expire:
        raise UserSigError(ERR_EXPIRED, "usersig has expired")
    return document
