"""Hypothesis strategies for operator and sensor arguments.

Valid values are ones the vendors document as acceptable (and the sandbox accepts); invalid ones
cover every way a DAG can get an argument wrong: wrong type, None where required, out of range,
too long, bad characters, empty, control characters, lone surrogates, huge ints and strings.
The test modules combine them per argument.
"""

from __future__ import annotations

import base64
import math
import re

from hypothesis import strategies as st

# -- text -------------------------------------------------------------------------------------------

# Any character that can be sent as UTF-8 and is not a control character.
PRINTABLE = st.characters(exclude_categories=("Cs", "Cc"))
CONTROL = st.characters(categories=("Cc",))
# st.characters never yields surrogates; these are what "\udcff"-style decoding errors leave behind.
SURROGATE = st.integers(0xD800, 0xDFFF).map(chr)
WIDE_CHARS = st.sampled_from(["a", "é", "房", "😀"])  # 1, 2, 3 and 4 bytes of UTF-8
HUGE_TEXT = "é" * 1_000_000  # 2 MB of UTF-8: built once, it is drawn often


def printable_text(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(PRINTABLE, min_size=min_size, max_size=max_size)


def utf8_prefix(limit: int):
    """Cut text to at most ``limit`` bytes of UTF-8 (never empty)."""

    def cut(text: str) -> str:
        return text.encode("utf-8")[:limit].decode("utf-8", "ignore") or "r"

    return cut


@st.composite
def text_with(draw, bad: st.SearchStrategy[str], base: st.SearchStrategy[str] | None = None) -> str:
    """A short text (valid by itself) with one ``bad`` character inserted somewhere."""
    text = draw(base if base is not None else printable_text(min_size=0, max_size=12))
    position = draw(st.integers(0, len(text)))
    return text[:position] + draw(bad) + text[position:]


def longer_than(*, chars: int | None = None, utf8_bytes: int | None = None) -> st.SearchStrategy[str]:
    """Text just over the limit, and one megabyte-scale string."""
    options = [st.just(HUGE_TEXT)]
    if chars is not None:
        options.append(st.builds(lambda c, extra: c * (chars + extra), WIDE_CHARS, st.integers(1, 40)))
    if utf8_bytes is not None:
        options.append(st.builds(lambda c, extra: c * (utf8_bytes // len(c.encode()) + extra), WIDE_CHARS,
                                 st.integers(1, 40)))
    return st.one_of(options)


ALIENS = st.one_of(
    st.booleans(), st.integers(), st.floats(), st.binary(max_size=8), st.lists(st.integers(), max_size=2),
    st.tuples(st.integers()), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just({1, 2}), st.just(object()),
)


def not_text(*, required: bool = True) -> st.SearchStrategy:
    """Anything but a str (None too when the argument is required)."""
    return st.one_of(st.none(), ALIENS) if required else ALIENS


def bad_text(*, chars: int | None = None, utf8_bytes: int | None = None, required: bool = True,
             extra: tuple[st.SearchStrategy, ...] = ()) -> st.SearchStrategy:
    """Invalid values for a free-text id: wrong type, empty, control character, lone surrogate, too long."""
    return st.one_of(
        not_text(required=required), st.just(""), text_with(CONTROL), text_with(SURROGATE),
        longer_than(chars=chars, utf8_bytes=utf8_bytes), *extra,
    )


# -- ids with a character rule ------------------------------------------------------------------------

VOLC_ID_RE = r"[a-zA-Z0-9_@\-.]{1,128}"  # Volcengine's documented rule for AppId, RoomId, TaskId, ...
VOLC_ID = st.from_regex(VOLC_ID_RE, fullmatch=True)
ZEGO_STREAM_ID = st.from_regex(r"[A-Za-z0-9_\-]{1,64}", fullmatch=True)


def outside(rule: str) -> st.SearchStrategy[str]:
    return st.characters(codec="utf-8").filter(lambda c: not re.fullmatch(rule, c))


def bad_pattern_text(rule_char: str, valid: st.SearchStrategy[str], *, chars: int, required: bool = True):
    """Invalid values for an id with a character rule: as :func:`bad_text`, plus a character the
    rule does not allow (space, '/', 'ü', ...)."""
    return bad_text(chars=chars, required=required, extra=(text_with(outside(rule_char), base=valid),))


# ZEGO: room ids are at most 128 bytes; other ids (TaskId, UserId) at most 256 characters.
ZEGO_ROOM_ID = printable_text(max_size=60).map(utf8_prefix(128))
ZEGO_TEXT_ID = printable_text(max_size=80)
# Tencent: RoomId at most 48 bytes of UTF-8.
TENCENT_ROOM_ID = printable_text(max_size=30).map(utf8_prefix(48))


# -- numbers --------------------------------------------------------------------------------------------

# The rule for a whole number given as text, as users read it: "a decimal integer (ASCII digits,
# optionally a leading minus), with optional surrounding whitespace". Whitespace is every character
# str.isspace() counts, which is what str.strip() removes: that includes the separators \x1c-\x1f,
# NEL, NBSP and the ideographic space, all of which a template can leave around a number. Written
# from the rule, not from the package's pattern, so a gap between the two is something to find.
WHITESPACE_CHARS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
WHITESPACE = st.sampled_from(WHITESPACE_CHARS)
PADDING = st.text(WHITESPACE, max_size=3)


def is_decimal_text(text: str) -> bool:
    """Whether ``text`` is a decimal integer by the rule above (the oracle of the strategies)."""
    body = text.strip()
    body = body[1:] if body.startswith("-") else body
    return bool(body) and all(c in "0123456789" for c in body)


def decimal_text(numbers: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    """The decimal text of ``numbers``, with any whitespace around it."""
    return st.builds(lambda before, n, after: f"{before}{n}{after}", PADDING, numbers, PADDING)


def valid_int(low: int, high: int) -> st.SearchStrategy:
    """An int in range, or its decimal text (what a template renders), whitespace and all."""
    numbers = st.integers(low, high)
    return st.one_of(numbers, numbers.map(str), decimal_text(numbers))


# Text that is not a decimal integer: arbitrary text, and near misses of a number (a character
# that is neither digit nor whitespace inside or around it, other scripts' digits, a plus sign,
# thousands separators, a float).
NEAR_MISS_NUMBERS = st.one_of(
    st.builds(lambda text, at, bad: text[:at] + bad + text[at:], decimal_text(st.integers(-999, 999)),
              st.integers(0, 8), st.characters(codec="utf-8").filter(lambda c: not c.isspace() and c not in "0123456789")),
    st.sampled_from(["١٢", "１２", "²", "+3", "1_0", "1,000", "1.0", "1e3", "0x10", "--1", "- 1", "3 4", "", " "]),
)
NON_DECIMAL_TEXT = st.one_of(st.text(max_size=8), NEAR_MISS_NUMBERS).filter(lambda s: not is_decimal_text(s))


def bad_int(low: int, high: int, *, required: bool = True) -> st.SearchStrategy:
    """Out of range (as int and as text), huge, float, bool, non-numeric text, other types."""
    below = st.integers(max_value=low - 1)
    above = st.integers(min_value=high + 1)
    return st.one_of(
        below, above, st.integers(min_value=2**64), st.integers(max_value=-(2**64)),
        decimal_text(below.filter(lambda n: n > -(10**18))), decimal_text(above.filter(lambda n: n < 10**18)),
        st.floats(), st.booleans(), NON_DECIMAL_TEXT, st.binary(max_size=4), st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=2), st.integers(), max_size=1), *([st.none()] if required else []),
    )


def bad_choice(choices, *, required: bool = True) -> st.SearchStrategy:
    """Anything but one of ``choices``: other values of the same type, True for 1, 1.0, ...
    (The decimal text of an int choice is valid: that is what a template renders.)"""
    ints = {c for c in choices if isinstance(c, int) and not isinstance(c, bool)}

    def valid(value) -> bool:
        if any(type(value) is type(c) and value == c for c in choices):
            return True
        return isinstance(value, str) and is_decimal_text(value) and int(value.strip()) in ints

    kinds = st.one_of(st.integers(-3, 1003), st.integers(), st.text(max_size=10), decimal_text(st.integers(-3, 1003)),
                      NEAR_MISS_NUMBERS, st.floats(), st.booleans(), ALIENS, *([st.none()] if required else []))
    return kinds.filter(lambda v: not valid(v))


def bad_seconds(maximum: float) -> st.SearchStrategy:
    """Invalid durations: zero or negative, NaN/inf, over the maximum, huge, wrong types."""
    return st.one_of(
        st.floats(max_value=0), st.integers(max_value=0), st.just(math.nan), st.just(math.inf),
        st.floats(min_value=maximum, exclude_min=True), st.integers(min_value=int(maximum) + 1),
        st.just(10**400), st.booleans(), st.text(max_size=6).filter(_not_a_positive_number),
        st.binary(max_size=3), st.lists(st.integers(), max_size=1),
    )


def _not_a_positive_number(text: str) -> bool:
    try:
        value = float(text.strip())  # as the code reads it: surrounding whitespace does not count
    except ValueError:
        return True
    return not (math.isfinite(value) and value > 0)


def valid_seconds(low: float, high: float) -> st.SearchStrategy:
    numbers = st.floats(low, high)
    return st.one_of(numbers, st.integers(math.ceil(low), math.floor(high)), numbers.map(repr),
                     st.builds(lambda before, n, after: f"{before}{n!r}{after}", PADDING, numbers, PADDING))


# -- flags, connection ids, JSON ---------------------------------------------------------------------

BAD_FLAG = st.one_of(st.integers(), st.floats(), st.none(), st.text(max_size=6).filter(
    lambda s: s.strip().lower() not in ("true", "false")), st.lists(st.booleans(), max_size=1))
FLAG = st.one_of(st.booleans(), st.sampled_from(["true", "False", " TRUE "]))

BAD_CONN_ID = st.one_of(
    not_text(), st.just(""), st.just(" zego_default"), st.text(min_size=1, max_size=8).filter(
        lambda s: not re.fullmatch(r"[A-Za-z0-9_.\-]+", s)), st.just("c" * 251), text_with(SURROGATE),
)

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False),
    printable_text(min_size=0, max_size=12),
)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(printable_text(max_size=6), inner, max_size=3)), max_leaves=8)
JSON_OBJECTS = st.dictionaries(printable_text(max_size=8), JSON_VALUES, max_size=4)


@st.composite
def not_json(draw) -> object:
    """A value json.dumps cannot send as UTF-8 JSON, possibly nested inside valid JSON."""
    bad = draw(st.one_of(
        st.just(math.nan), st.just(-math.inf), text_with(SURROGATE), st.just({1, 2}), st.just(object()),
        st.just(b"bytes"), st.just(1 + 2j),
    ))
    wrap = draw(st.sampled_from([lambda v: v, lambda v: [1, v], lambda v: {"k": {"deeper": v}}]))
    return wrap(bad)


def bad_json_object(modelled: set[str] | None = None) -> st.SearchStrategy:
    """Invalid ``extra_body`` (``modelled``: the fields it may not override) or pass-through
    vendor object: not a dict, non-text keys, values that are not JSON."""
    options = [
        st.lists(st.integers(), max_size=2), st.text(max_size=4), st.integers(), st.booleans(),
        st.dictionaries(st.integers(), st.integers(), min_size=1, max_size=2),
        st.builds(lambda key, value: {key: value}, st.from_regex(r"Future[A-Za-z]{0,6}", fullmatch=True), not_json()),
    ]
    if modelled:
        options.append(st.builds(lambda key, value: {key: value}, st.sampled_from(sorted(modelled)), JSON_VALUES))
    return st.one_of(options)


def extra_body(modelled: set[str]) -> st.SearchStrategy:
    """A valid ``extra_body``: vendor fields the model does not know, any JSON values."""
    keys = st.from_regex(r"Future[A-Za-z]{0,6}", fullmatch=True).filter(lambda k: k not in modelled)
    return st.dictionaries(keys, JSON_VALUES, max_size=3)


# -- vendor objects ------------------------------------------------------------------------------------

RTMP_URL = st.from_regex(r"rtmp://[a-z0-9]{1,12}\.example/[A-Za-z0-9_/\-]{1,24}", fullmatch=True)
HTTP_URL = st.from_regex(r"https?://[a-z0-9]{1,12}\.example/[A-Za-z0-9_/\-]{1,24}\.flv", fullmatch=True)


def base64_text(max_bytes: int) -> st.SearchStrategy[str]:
    return st.binary(max_size=max_bytes).map(lambda raw: base64.b64encode(raw).decode())
