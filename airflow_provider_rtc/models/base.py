"""What every vendor request model shares: strictness, dumping, and errors that name the field."""

from __future__ import annotations

import re
from typing import Annotated, Any, Mapping

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from airflow_provider_rtc.errors import RtcValidationError


_DECIMAL = re.compile(r"-?[0-9]{1,19}")


def decimal_text_to_int(value: Any) -> Any:
    # Templated fields render to text unless the DAG renders native objects; "5" means 5 there.
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return int(value.strip())
    return value


# An int that also accepts its decimal text (from Jinja templates) but never a bool or a float.
Int = Annotated[int, BeforeValidator(decimal_text_to_int)]


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
        vendor_path = ".".join(loc) or model.__name__
        argument = names.get(loc[0]) if loc else None
        where = f"{argument} ({vendor_path})" if argument and argument != vendor_path else vendor_path
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise RtcValidationError(where, f"{first['msg']}{more}") from None
    if extra_body:
        if not isinstance(extra_body, Mapping):
            raise RtcValidationError("extra_body", "must be a dict of vendor field names to values")
        clashes = sorted(set(extra_body) & set(model.model_fields))
        if clashes:
            raise RtcValidationError(
                "extra_body",
                f"may not set modelled field(s) {', '.join(clashes)}; use the operator argument instead",
            )
        body.update(extra_body)
    return body
