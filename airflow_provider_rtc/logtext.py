"""Short, secret-free summaries of vendor data for log lines (ids, counts, states; never raw answers)."""

from __future__ import annotations

from typing import Any

SUMMARY_CHARS = 200


def summarize(value: Any, limit: int = SUMMARY_CHARS) -> str:
    """``key=value`` for the scalar items of a dict, ``key=[n item(s)]`` for nested ones; truncated."""
    if value is None:
        return "no data"
    if not isinstance(value, dict):
        text = str(value)
    else:
        parts = [f"{key}={item}" for key, item in value.items()
                 if isinstance(item, (str, int, float, bool)) or item is None]
        parts += [f"{key}=[{len(item)} item(s)]" for key, item in value.items() if isinstance(item, (list, dict))]
        text = ", ".join(parts) or "{}"
    return text if len(text) <= limit else text[: limit - 3] + "..."
