"""Bad-input properties through the catalogue, so an action added to the catalogue is covered here
without a new test.

- Every catalogued action that has an example request is called through its vendor's generic
  operator: the example must succeed against the sandbox.
- Every catalogued action gets a minimal valid request built from its model's required fields;
  any field of it replaced by a value of the wrong kind must be refused naming that field, before
  the connection is read and with nothing sent.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.errors import RtcValidationError
from tests.integration.bad_input import INVALID, VALID, assert_accepted, execute, no_connection_lookup  # noqa: F401
from tests.integration.test_fault_matrix import generic_operator

WITH_EXAMPLE = [action for action in catalogue.actions() if action.example and action.model]
# Values tried, in order, for a required field of a model until the model takes one.
CANDIDATES = ("catalogue-1", 0, ["catalogue-1"], [{"StreamId": "catalogue-out"}], {"StreamList": []})


def minimal_request(action: catalogue.Action) -> dict:
    """A valid request of ``action`` with only its model's required fields (``{part: fields}``)."""
    from pydantic import ValidationError

    model = action.request_model()
    assert model is not None
    chosen: dict = {}
    for name, field in model.model_fields.items():
        if not field.is_required():
            continue
        for candidate in CANDIDATES:
            try:
                model.model_validate({**chosen, name: candidate})
            except ValidationError as error:
                if any(err["loc"][:1] == (name,) for err in error.errors()):
                    continue
            chosen[name] = candidate
            break
        else:
            raise AssertionError(f"{action.key}: no candidate value fits {name}")
    model.model_validate(chosen)
    return {"query" if action.method == "GET" else "body": chosen}


def _request_operator(action: catalogue.Action, request: dict, **kwargs):
    name = "command" if action.vendor == "tencent" else "action"
    from tests.integration.test_fault_matrix import _GENERIC

    return _GENERIC[action.vendor](**{name: action.name}, **request, **kwargs)


def test_the_catalogue_has_examples_for_every_vendor_with_one():
    assert {action.vendor for action in WITH_EXAMPLE} >= {"zego", "volcengine"}


def test_every_catalogued_action_has_a_minimal_request():
    for action in catalogue.actions():
        assert minimal_request(action)


# Values of the wrong kind, never valid whatever the field's model: for a text id or a list ...
_DICTS = st.dictionaries(st.text(min_size=1, max_size=3), st.integers(), min_size=1, max_size=2)
WRONG_KIND = st.one_of(
    st.integers(), st.booleans(), st.floats(allow_nan=False), st.just(""), _DICTS,
    st.lists(_DICTS, min_size=1, max_size=2), st.text(min_size=300, max_size=400).map(lambda text: "x" * 300 + text),
)
# ... and for a number (its decimal text would be valid: templates render numbers as text).
WRONG_FOR_A_NUMBER = st.one_of(
    st.booleans(), st.floats(allow_nan=False).filter(lambda number: number != int(number) if abs(number) < 1e300
                                                       else True),
    st.just("not-a-number"), _DICTS, st.lists(st.integers(), min_size=1, max_size=2),
)


@pytest.mark.parametrize("action", WITH_EXAMPLE, ids=lambda a: a.key)
@VALID
@given(data=st.data())
def test_the_example_request_is_accepted(sandbox, connections, action, data):
    sandbox.reset()
    result = execute(generic_operator(action, task_id="example"))
    assert set(result) == {"request_id", "data"}
    assert_accepted(sandbox, action.name)


@pytest.mark.parametrize("action", list(catalogue.actions()), ids=lambda a: a.key)
@INVALID
@given(data=st.data())
def test_a_wrong_field_is_refused_before_anything_is_read_or_sent(sandbox, no_connection_lookup, action, data):
    [(part, request)] = minimal_request(action).items()
    field = data.draw(st.sampled_from(sorted(request)), label="field")
    bad = data.draw(WRONG_FOR_A_NUMBER if isinstance(request[field], int) else WRONG_KIND, label="value")
    operator = _request_operator(action, {part: {**request, field: bad}}, task_id="bad")
    with pytest.raises(RtcValidationError) as caught:
        execute(operator)
    assert caught.value.field.split(".")[0].split("[")[0] == field, caught.value
    assert sandbox.received() == []
