"""What every vendor request model shares: strictness, dumping, and errors that name the field."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Mapping

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from airflow_provider_rtc.errors import RtcValidationError

_DECIMAL = re.compile(r"-?[0-9]{1,19}")


def decimal_text_to_int(value: Any) -> Any:
    # Templated fields render to text unless the DAG renders native objects; "5" means 5 there.
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return int(value.strip())
    return value


# An int that also accepts its decimal text (from Jinja templates) but never a bool or a float.
Int = Annotated[int, BeforeValidator(decimal_text_to_int)]


def int_literal_input(value: Any) -> Any:
    # pydantic matches an int Literal by equality even in strict mode, so True and 1.0 would be
    # taken for 1: refuse them before the Literal sees them.
    if isinstance(value, (bool, float)):
        raise ValueError(f"must be an integer, not {type(value).__name__}")
    return decimal_text_to_int(value)


# Put before an int Literal: Annotated[Literal[0, 1], IntLiteral].
IntLiteral = BeforeValidator(int_literal_input)
# Where a vendor documents an Integer without a range: its servers parse a signed 32-bit int, so a
# larger value could only be truncated or refused there.
Int32 = Annotated[Int, Field(le=2**31 - 1)]


# Unicode category Cc: C0 controls, DEL and C1 controls.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _no_control_characters(value: str) -> str:
    # Ids and names never legitimately hold control characters; one usually means a bad template
    # (a trailing newline from a file, a NUL from a byte string) and the vendor would refuse it
    # or, worse, store a room nobody can join.
    if found := _CONTROL.search(value):
        raise ValueError(
            f"must not contain control characters (U+{ord(found.group()):04X} at position {found.start()})"
        )
    return value


Printable = AfterValidator(_no_control_characters)


def max_utf8_bytes(limit: int) -> AfterValidator:
    """A length limit counted the way the vendors count it: bytes of UTF-8, not characters."""

    def check(value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > limit:
            raise ValueError(f"must be at most {limit} bytes in UTF-8, got {size}")
        return value

    return AfterValidator(check)


class VendorModel(BaseModel):
    # Unknown keys are refused so a misspelt vendor field fails loudly instead of being dropped;
    # strict so "12" is not silently taken for 12.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def to_body(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


def build_request(
    model: type[VendorModel],
    fields: Mapping[str, Any],
    *,
    argument_names: Mapping[str, str] | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate ``fields`` (vendor names) against ``model`` and return the JSON body.

    ``argument_names`` maps vendor field names to the operator arguments they came from, so the
    error names what the DAG author wrote. ``extra_body`` adds fields the model does not know yet
    but may never replace a modelled one.
    """
    names = argument_names or {}
    try:
        body = model.model_validate(dict(fields)).to_body()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = [str(part) for part in first["loc"]]
        raise RtcValidationError(_where(loc, names, model), _rule(first, exc.error_count())) from None
    if extra_body is not None:
        if not isinstance(extra_body, Mapping) or not all(isinstance(key, str) for key in extra_body):
            raise RtcValidationError("extra_body", "must be a dict of vendor field names to values")
        clashes = sorted(set(extra_body) & set(model.model_fields))
        if clashes:
            raise RtcValidationError(
                "extra_body",
                f"may not set modelled field(s) {', '.join(clashes)}; use the operator argument instead",
            )
        body.update(extra_body)
    _require_json(body, names, set(extra_body or ()))
    return body


def _where(loc: list[str], names: Mapping[str, str], model: type[VendorModel]) -> str:
    """``argument (Vendor.Path)``: the longest mapped prefix of the path names the argument."""
    vendor_path = ".".join(loc) or model.__name__
    argument = next((names[".".join(loc[:n])] for n in range(len(loc), 0, -1) if ".".join(loc[:n]) in names), None)
    return f"{argument} ({vendor_path})" if argument and argument != vendor_path else vendor_path


def _rule(error: Mapping[str, Any], count: int) -> str:
    message = str(error["msg"])
    if error.get("type") == "string_unicode":
        # pydantic's wording ("unable to parse raw data") hides the usual cause: a lone surrogate,
        # e.g. from bytes decoded with errors="surrogateescape". It can never be sent as UTF-8.
        message = "must be valid Unicode text (it contains a lone surrogate, which UTF-8 cannot encode)"
    return message + (f" (and {count - 1} more problem(s))" if count > 1 else "")


def _require_json(body: Mapping[str, Any], names: Mapping[str, str], from_extra: set[str]) -> None:
    """Refuse, before any connection is read, a body the hook could not send as UTF-8 JSON.

    The models pass some vendor objects through unchecked (StorageConfig, LayoutList, ...) and
    ``extra_body`` is not modelled at all: a set, a datetime, NaN or a lone surrogate in them
    would otherwise crash (or send invalid JSON) only once the request is being signed.
    """
    for key, value in body.items():
        try:
            json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as exc:
            where = "extra_body" if key in from_extra else names.get(key, key)
            where = f"{where} ({key})" if where != key else key
            raise RtcValidationError(where, f"cannot be sent as JSON: {_json_problem(exc)}") from None


def _json_problem(exc: BaseException) -> str:
    if isinstance(exc, UnicodeEncodeError):
        return "text contains a lone surrogate, which UTF-8 cannot encode"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if "Out of range float" in str(exc):
        return "NaN and infinite numbers are not JSON"
    if "Circular reference" in str(exc):
        return "it contains itself"
    # TypeError: "Object of type set is not JSON serializable" names only the type, never a value.
    return str(exc)
