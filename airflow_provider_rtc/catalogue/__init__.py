"""One catalogue per vendor, as data: every action the package knows, how it is called and how
fast it may be called. Hooks, operators, conditions, the sandbox and the tests read it.

``documented_limit(vendor, action)`` is the rate governor's view of it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from airflow_provider_rtc.catalogue.base import Action, AnswerFormat, ErrorTable, RateLimit

__all__ = ["Action", "AnswerFormat", "ErrorTable", "RateLimit", "VENDORS", "actions", "answer_format",
           "documented_limit", "find", "get"]

VENDORS = ("zego", "volcengine", "tencent")
# The names the hooks use for themselves, for callers that pass a hook's vendor.
_ALIASES = {"zego": "zego", "volcengine": "volcengine", "byteplus": "volcengine", "tencent": "tencent"}


def _module(vendor: str):
    import importlib

    key = _ALIASES.get(str(vendor).strip().lower())
    if key is None:
        raise KeyError(f"unknown vendor {vendor!r}; expected one of {', '.join(VENDORS)}")
    return importlib.import_module(f"airflow_provider_rtc.catalogue.{key}")


@lru_cache(maxsize=None)
def _by_name(vendor: str) -> dict[str, Action]:
    return {action.name: action for action in _module(vendor).ACTIONS}


def actions(vendor: str | None = None) -> Iterator[Action]:
    """Every catalogue entry (of one vendor, or of all)."""
    for name in (vendor,) if vendor else VENDORS:
        yield from _by_name(name).values()


def find(vendor: str, name: str) -> Action | None:
    return _by_name(vendor).get(name)


def get(vendor: str, name: str) -> Action:
    found = find(vendor, name)
    if found is None:
        raise KeyError(f"{vendor} action {name!r} is not in the catalogue")
    return found


def answer_format(vendor: str) -> AnswerFormat:
    return _module(vendor).ANSWERS


def documented_limit(vendor: str, action: str) -> RateLimit | None:
    """The vendor's documented rate limit for ``action``; None when the action is not catalogued."""
    found = find(vendor, action)
    return None if found is None else found.limit
