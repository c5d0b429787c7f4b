"""Keep signed URLs out of third-party log lines.

urllib3 logs every request line at DEBUG, query string included, and ZEGO and Tencent put the
signature / UserSig in the query.  Airflow's secrets masker catches what we registered, but only
inside Airflow's own log pipeline; this filter redacts at the source, whatever the logging setup.
"""

from __future__ import annotations

import logging
import re

_SIGNED_PARAM = re.compile(r"(?i)\b(Signature|usersig|X-Security-Token|SecurityToken)=([^&\s\"']+)")
_LOGGERS = ("urllib3.connectionpool", "httpx", "httpcore")


def redact(text: str) -> str:
    return _SIGNED_PARAM.sub(r"\1=***", text)


class SignedUrlRedactionFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_FILTER = SignedUrlRedactionFilter()


def install() -> None:
    """Attach the filter to the HTTP client loggers (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
