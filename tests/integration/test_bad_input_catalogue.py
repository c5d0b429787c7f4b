"""Bad-input properties through the catalogue: every catalogued action that has an example request
is called through its vendor's generic operator, so an action added to the catalogue is covered
here without a new test. The example itself must succeed against the sandbox; any field of it
replaced by a value of the wrong kind must be refused naming that field, before the connection is
read and with nothing sent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_rtc import catalogue
from airflow_provider_rtc.errors import RtcValidationError
from tests.integration.bad_input import INVALID, VALID, assert_accepted, execute, no_connection_lookup  # noqa: F401
from tests.integration.test_fault_matrix import generic_operator

WITH_EXAMPLE = [action for action in catalogue.actions() if action.example and action.model]


def test_the_catalogue_has_examples_for_every_vendor_with_one():
    assert {action.vendor for action in WITH_EXAMPLE} >= {"zego", "volcengine"}


def _fields(action: catalogue.Action) -> list[tuple[str, str]]:
    """(request part, vendor field) of the example: the fields a caller fills."""
    return [(part, field) for part, request in action.example.items() for field in request]


# A value of the wrong kind for a text id or a list of ids: never valid, whatever the field's model.
WRONG_KIND = st.one_of(
    st.integers(), st.booleans(), st.floats(allow_nan=False), st.just(""),
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(), min_size=1, max_size=2),
    st.lists(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(), min_size=1), min_size=1, max_size=2),
    st.text(min_size=300, max_size=400).map(lambda text: "x" * 300 + text),
)


@pytest.mark.parametrize("action", WITH_EXAMPLE, ids=lambda a: a.key)
@VALID
@given(data=st.data())
def test_the_example_request_is_accepted(sandbox, connections, action, data):
    sandbox.reset()
    result = execute(generic_operator(action, task_id="example"))
    assert set(result) == {"request_id", "data"}
    assert_accepted(sandbox, action.name)


@pytest.mark.parametrize("action", WITH_EXAMPLE, ids=lambda a: a.key)
@INVALID
@given(data=st.data())
def test_a_wrong_field_is_refused_before_anything_is_read_or_sent(sandbox, no_connection_lookup, action, data):
    part, field = data.draw(st.sampled_from(_fields(action)), label="field")
    bad = data.draw(WRONG_KIND, label="value")
    operator = generic_operator(action, task_id="bad")
    request = dict(getattr(operator, part))
    request[field] = bad
    setattr(operator, part, request)
    with pytest.raises(RtcValidationError) as caught:
        execute(operator)
    assert caught.value.field.split(".")[0].split("[")[0] == field, caught.value
    assert sandbox.received() == []
