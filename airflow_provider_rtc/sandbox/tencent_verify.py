"""Server-side check of a Tencent UserSig (TLSSigAPIv2), for the local sandbox.

Deliberately independent of ``airflow_provider_rtc.signing.tencent``: it is written from the
vendor's description of the format (shared/VENDOR_APIS.md §3, "UserSig (TLSSigAPIv2)", and the
official ``tls-sig-api-v2`` package's layout), shares no code with the client's signer, and
rebuilds the HMAC'd text itself. A bug in what the client's HMAC covers (a field left out, the
wrong order, a missing newline) therefore makes the sandbox refuse the request, instead of being
mirrored here and cancelling itself out. Stdlib only.

Failures carry the codes Tencent's REST gateway answers with (Cloud IM error codes, the digest's
§3 "Codes"), checked in the order the gateway most usefully reports them: undecodable (70003),
SDKAppID (70014), identifier (70013), HMAC (70009), expiry (70001), so a forged signature is
never reported as merely expired.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from dataclasses import dataclass

__all__ = ["UserSigRefused", "check_usersig"]

UNDECODABLE = 70003
EXPIRED = 70001
HMAC_MISMATCH = 70009
IDENTIFIER_MISMATCH = 70013
SDKAPPID_MISMATCH = 70014

# The document's fields, in the order the HMAC'd text lists them (VENDOR_APIS.md §3, step 1).
_SIGNED_FIELDS = ("TLS.identifier", "TLS.sdkappid", "TLS.time", "TLS.expire")
# UserSig's URL-safe base64: '*' '-' '_' stand for '+' '/' '=' (step 4).
_UNSWAP = {ord("*"): "+", ord("-"): "/", ord("_"): "="}
_MAX_INFLATED = 16 * 1024  # a real document is ~200 bytes; refuse a decompression bomb


class UserSigRefused(Exception):
    """The UserSig was refused; ``code`` is what Tencent's gateway would answer."""

    def __init__(self, code: int, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class CheckedUserSig:
    identifier: str
    sdkappid: int
    issued: int
    lifetime: int


def _inflate(usersig: str) -> dict:
    try:
        packed = base64.b64decode(usersig.translate(_UNSWAP).encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, _MAX_INFLATED)
        if inflater.unconsumed_tail or not inflater.eof:
            raise UserSigRefused(UNDECODABLE, "usersig is truncated or too large")
        document = json.loads(raw)
    except UserSigRefused:
        raise
    except (UnicodeError, binascii.Error, zlib.error, ValueError, RecursionError):
        raise UserSigRefused(UNDECODABLE, "usersig does not decode") from None
    if not isinstance(document, dict):
        raise UserSigRefused(UNDECODABLE, "usersig is not a JSON object")
    return document


def _whole(document: dict, name: str) -> int:
    value = document.get(name)
    if type(value) is not int:  # JSON true/false and floats are no timestamps
        raise UserSigRefused(UNDECODABLE, f"{name} missing or not an integer")
    return value


def check_usersig(usersig: str, *, sdkappid: int, key: str, identifier: str, now: int) -> CheckedUserSig:
    """Accept ``usersig`` for an admin call by ``identifier`` to ``sdkappid`` at ``now``, or raise
    :class:`UserSigRefused` with the gateway's code."""
    if not usersig:
        raise UserSigRefused(UNDECODABLE, "usersig is empty")
    document = _inflate(usersig)
    if document.get("TLS.ver") != "2.0":
        raise UserSigRefused(UNDECODABLE, "only TLS.ver 2.0 is checked")
    signed_identifier = document.get("TLS.identifier")
    signature = document.get("TLS.sig")
    if not isinstance(signed_identifier, str) or not isinstance(signature, str):
        raise UserSigRefused(UNDECODABLE, "TLS.identifier or TLS.sig missing")
    signed_sdkappid = _whole(document, "TLS.sdkappid")
    issued = _whole(document, "TLS.time")
    lifetime = _whole(document, "TLS.expire")
    if signed_sdkappid != sdkappid:
        raise UserSigRefused(SDKAPPID_MISMATCH, "TLS.sdkappid is not the request's SDKAppID")
    if signed_identifier != identifier:
        raise UserSigRefused(IDENTIFIER_MISMATCH, "TLS.identifier is not the request's identifier")
    # Step 1: "TLS.<field>:<value>\n" for each signed field, in order, every line ending in "\n".
    text = "".join(f"{name}:{document[name]}\n" for name in _SIGNED_FIELDS)
    # Step 2: standard base64 of HMAC-SHA256, the key taken as its UTF-8 text.
    digest = hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest), signature.encode("utf-8", "replace")):
        raise UserSigRefused(HMAC_MISMATCH, "TLS.sig does not match the key")
    if now > issued + lifetime:  # the digest: expired when now > time + expire
        raise UserSigRefused(EXPIRED, "usersig has expired")
    return CheckedUserSig(signed_identifier, signed_sdkappid, issued, lifetime)
