"""Checks of operator and sensor arguments that are not vendor fields.

Vendor fields are checked by the pydantic models; these are the provider's own knobs (timeouts,
retry bounds, flags, choices, connection ids). Each check raises
:class:`~airflow_provider_rtc.errors.RtcValidationError` naming the argument, and runs when a
task executes, before any connection is read or request sent. Pure Python, no imports beyond
the errors module: DAG files import the operator modules on every parse.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, TypeVar

from airflow_provider_rtc.errors import RtcValidationError

# Upper bounds of the call limits: generous for any real vendor call, small enough that a typo
# (a timeout in milliseconds, a retry count of 1000) fails loudly instead of hanging a worker.
MAX_REQUEST_TIMEOUT = 3600.0
MAX_CONNECT_TIMEOUT = 300.0
MAX_CALL_TIMEOUT = 86400.0
MAX_BACKOFF = 60.0
MAX_RETRIES = 10

# Airflow's own rule for connection ids (airflow.utils.helpers.validate_key): at most 250 of
# letters, digits, '_', '.' and '-'. An empty id must not silently fall back to the default.
_CONN_ID = re.compile(r"[A-Za-z0-9_.\-]{1,250}")
# A whole number as text, once stripped: an optional minus and at most 19 ASCII digits (any more is
# out of every range checked here, and would only make int() work on a huge number).
_DECIMAL_INT = re.compile(r"-?[0-9]{1,19}")  # as models.base.decimal_text_to_int


def _number(name: str, value: Any) -> float:
    # Templated values render to text, so "30" is 30; bool is refused although Python counts it
    # as an int, because timeout=True is a mistake, not one second.
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise RtcValidationError(name, "must be a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RtcValidationError(name, f"must be a number, not {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        raise RtcValidationError(name, "is far too large") from None
    if not math.isfinite(number):
        raise RtcValidationError(name, "must be a finite number")
    return number


def seconds(name: str, value: Any, *, maximum: float, allow_zero: bool = False) -> float | None:
    """A duration in seconds (None: not given). Bounded above so a typo cannot park a worker for a
    day, and so socket timeouts stay representable."""
    if value is None:
        return None
    number = _number(name, value)
    if number < 0 or (number == 0 and not allow_zero):
        raise RtcValidationError(name, f"must be {'>= 0' if allow_zero else '> 0'} seconds, got {number:g}")
    if number > maximum:
        raise RtcValidationError(name, f"must be at most {maximum:g} seconds, got {number:g}")
    return number


def count(name: str, value: Any, *, minimum: int, maximum: int) -> int | None:
    """A whole number in ``minimum..maximum`` (None: not given); decimal text is accepted."""
    if value is None:
        return None
    if isinstance(value, str):
        # The rule users see: a decimal integer, optional surrounding whitespace. Strip first, then
        # match the digits alone: int() itself refuses some characters str.strip() removes (the
        # separators \x1c-\x1f), so matching the padded text and converting it let "3\x1f" escape
        # as a bare ValueError. ASCII digits only (int() would also read "١٢" or "1_0").
        digits = value.strip()
        if _DECIMAL_INT.fullmatch(digits):
            value = int(digits)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RtcValidationError(name, f"must be a whole number, not {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise RtcValidationError(name, f"must be between {minimum} and {maximum}")
    return value


def flag(name: str, value: Any) -> bool:
    """True or False (or their text): a string such as "false" must not count as true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise RtcValidationError(name, f"must be True or False, not {type(value).__name__}")


def choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        shown = repr(value) if isinstance(value, str) and len(value) <= 40 else type(value).__name__
        raise RtcValidationError(name, f"must be one of {', '.join(choices)}, got {shown}")
    return value


def conn_id(name: str, value: Any) -> str:
    if not isinstance(value, str) or not _CONN_ID.fullmatch(value):
        raise RtcValidationError(
            name, "must be a connection id: 1 to 250 letters, digits, '_', '.' or '-'"
        )
    return value


def choice_or_template(name: str, value: Any, choices: tuple[str, ...]) -> Any:
    """:func:`choice` at DAG-parse time, except that a Jinja template is let through (it is checked
    again once rendered, when the condition is built)."""
    if isinstance(value, str) and "{{" in value:
        return value
    return choice(name, value, choices)


# Passes the Volcengine id rule; stands in for an AppId still to be read from the connection, so
# every other argument is checked before the connection is looked up.
APP_ID_PLACEHOLDER = "app-id-from-connection"
T = TypeVar("T")


def with_app_id(explicit: Any, connection_default: Callable[[], str], make: Callable[[Any], T]) -> T:
    """``make(app_id)`` with the operator's or sensor's ``app_id``, or the connection's default.

    None or blank means the connection's ``app_id`` extra: ``make`` first runs with a stand-in so
    every other argument is checked before the connection is read. A given value is stripped but
    not str()-ed: ``app_id=True`` must fail as a wrong type, not become "True".
    """
    if explicit is None or (isinstance(explicit, str) and not explicit.strip()):
        make(APP_ID_PLACEHOLDER)
        return make(connection_default())
    return make(explicit.strip() if isinstance(explicit, str) else explicit)
