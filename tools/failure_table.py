"""Render README.md's "Failure behaviour" table from the fault matrix, and write it in place.

    .venv/bin/python tools/failure_table.py           # rewrite the table between the markers
    .venv/bin/python tools/failure_table.py --check   # exit 1 if README.md's table is stale

The data lives in ``tests/integration/fault_matrix.py``, next to the test that runs every row of
it against the sandbox: the README then states exactly what that test asserts, and the two cannot
drift apart (``tests/unit/test_failure_table.py`` fails when README.md is stale). It stays with the
tests rather than in the package because it describes a test scenario (two faults in a row, two
retries), not anything the provider needs at run time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START = "<!-- failure-table:start -->"
END = "<!-- failure-table:end -->"
FIX_COMMAND = ".venv/bin/python tools/failure_table.py"

if str(ROOT) not in sys.path:  # run as a script from anywhere: make `tests` importable
    sys.path.insert(0, str(ROOT))

from tests.integration import fault_matrix as fm  # noqa: E402


def _requests(n: int | None) -> str:
    return "1 request" if n == 1 else f"{n} requests"


def describe(fault: fm.Fault, role: str) -> str:
    """One cell: what the caller does, and how many requests reach the vendor."""
    expect = fault.expect[role]
    outcome, n = expect.outcome, expect.requests
    if outcome == "ok":
        return f"succeeds ({_requests(n)})"
    if outcome in ("already_stopped", "already_running"):
        return f"succeeds, `{outcome}: true` ({_requests(n)})"
    if outcome == "not_repeated":
        return f"fails, **not repeated**: `{expect.error}` ({_requests(n)})"
    if outcome == "fails":
        if expect.attempts and expect.attempts != n:
            reached = "none reaches the vendor" if not n else f"{_requests(n)} reach the vendor"
            return f"fails: `{expect.error}` after {expect.attempts} attempts ({reached})"
        return f"fails: `{expect.error}` ({_requests(n)})"
    if outcome == "done":
        if role == "trigger":  # polls as often as the poke case pokes
            polls = fault.expect["poke"].pokes or 1
            return f"polls again, then done ({_requests(n)})" if polls > 1 else f"done ({_requests(n)})"
        if expect.pokes == 1:
            return f"done at the first poke ({_requests(n)})"
        return f"`False` {expect.pokes - 1}×, then done ({_requests(n)})"
    if outcome == "keeps_waiting":
        per_poke = "no request reaches the vendor" if not n else f"{_requests(n // fm.MAX_POKES)} per poke"
        return f"`False` at every poke, waits until `timeout` ({per_poke})"
    if outcome == "keeps_polling":
        return "keeps polling until `timeout`" + (" (no request reaches the vendor)" if n == 0 else "")
    if outcome == "error_event":
        return f"fails at once: `{expect.error}` ({_requests(n)})"
    raise ValueError(f"no wording for outcome {outcome!r}")


def _code_list(codes: tuple) -> str:
    return ", ".join(f"`{code}`" for code in codes)


def footnotes() -> list[str]:
    """Which codes each code row stands for, per vendor (every one of them is a test case)."""
    lines = []
    for mark, (key, what) in enumerate(
        (("retryable", "Retryable codes"), ("auth", "Auth / signature codes"), ("expired", "Expired answers")), 1
    ):
        parts = []
        for vendor, families in fm.VENDOR_FAMILIES.items():
            seen: list = []
            for family in families:
                seen += [code for code in fm.CODES[key][family] if code not in seen]
            parts.append(f"{vendor} {_code_list(tuple(seen))}")
        lines.append(f"{mark}. {what}, each tested on the endpoints that answer it: " + "; ".join(parts) + ".")
    return lines


_MARKS = {"retryable": " ¹", "auth": " ²", "expired": " ³"}


def columns_text() -> str:
    """Which operator is tested in which column, from the matrix's targets."""
    parts = []
    for role, title in fm.ROLES.items():
        names = [f"`{t.name}`" for t in fm.OPERATORS if t.role == role]
        generic = [f"`{t.action}`" for t in fm.CATALOGUE_CALLS if t.role == role]
        if generic:
            names.append("the generic operators calling " + ", ".join(generic))
        if names:
            parts.append(f"{title}: {', '.join(names)}")
    return "Columns: " + "; ".join(parts) + "."


def render() -> str:
    columns = ["Fault", *fm.ROLES.values()]
    lines = [
        f"Every row is a test case for every operator and sensor against the sandbox "
        f"(`tests/integration/test_fault_matrix.py`), run with `request_retries={fm.OPERATOR_RETRIES}` for "
        f"operators (default 3) and `request_retries={fm.SENSOR_RETRIES}` for sensors (default 1); request "
        f"counts are exact. Faults that can hide an accepted request are injected after the vendor acted (the worst "
        f"case). {columns_text()} No error message carries a secret or signature.",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for fault in fm.FAULTS:
        title = fault.title + _MARKS.get(fault.codes or "", "")
        cells = [title, *(describe(fault, role) for role in fm.ROLES)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", *footnotes()]
    return "\n".join(lines)


def block() -> str:
    """The generated text with its markers, as it sits in README.md."""
    return f"{START}\n{render()}\n{END}"


def current(readme_text: str) -> str:
    start, end = readme_text.find(START), readme_text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{README.name}: markers {START} ... {END} not found")
    return readme_text[start:end + len(END)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md's table is stale")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    old = current(text)
    new = block()
    if args.check:
        if old != new:
            print(f"README.md's failure table is stale: run {FIX_COMMAND}", file=sys.stderr)
            return 1
        return 0
    if old != new:
        # Re-read right before writing and replace only the marked block: others edit README.md too.
        text = README.read_text(encoding="utf-8")
        README.write_text(text.replace(current(text), new, 1), encoding="utf-8")
        print("README.md: failure table updated")
    else:
        print("README.md: failure table already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
