"""ZEGO server API signature (SignatureVersion 2.0).

Only AppId, SignatureNonce, ServerSecret and Timestamp are signed; Action, other query parameters
and the body are not.  Every request (every retry too) gets a fresh nonce and timestamp.
"""

from __future__ import annotations

import hashlib
import secrets
import time

SIGNATURE_VERSION = "2.0"


def new_nonce() -> str:
    """16 hex characters from the OS CSPRNG, as ZEGO's official samples make them."""
    return secrets.token_hex(8)


def signature(app_id: int, nonce: str, server_secret: str, timestamp: int) -> str:
    """md5 of the four values concatenated as decimal strings, 32 lowercase hex chars."""
    return hashlib.md5(f"{app_id}{nonce}{server_secret}{timestamp}".encode()).hexdigest()


def signed_params(
    app_id: int, server_secret: str, *, nonce: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """The public query parameters every ZEGO request carries, freshly signed."""
    nonce = nonce or new_nonce()
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "AppId": str(app_id),
        "SignatureNonce": nonce,
        "Timestamp": str(timestamp),
        "Signature": signature(app_id, nonce, server_secret, timestamp),
        "SignatureVersion": SIGNATURE_VERSION,
    }
