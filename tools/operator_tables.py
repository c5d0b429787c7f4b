"""Render README.md's operator tables and action catalogue from the package itself, in place.

    .venv/bin/python tools/operator_tables.py           # rewrite the blocks between the markers
    .venv/bin/python tools/operator_tables.py --check   # exit 1 if README.md is stale

Each operator's row comes from its declared action and argument spec, each action's row from the
catalogue (method, version, host, idempotency, documented rate limit, pages), so what the README
says is what the code does (``tests/unit/test_operator_tables.py`` fails when README.md is stale).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FIX_COMMAND = ".venv/bin/python tools/operator_tables.py"
VENDORS = {"zego": "ZEGO", "volcengine": "Volcengine / BytePlus", "tencent": "Tencent"}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def _operators(vendor: str) -> list[type]:
    import importlib

    from airflow_provider_rtc.operators.base import RtcBaseOperator

    module = importlib.import_module(f"airflow_provider_rtc.operators.{vendor}")
    return [obj for obj in vars(module).values() if isinstance(obj, type) and issubclass(obj, RtcBaseOperator)
            and obj.__module__ == module.__name__ and "Base" not in obj.__name__]


def _argument(arg) -> str:
    # A "|" inside a cell would end it: Markdown tables need it escaped.
    return f"`{arg.name}`" + (f" ({arg.note})".replace("|", "\\|") if arg.note else "")


def _calls(cls) -> str:
    from airflow_provider_rtc import catalogue
    from airflow_provider_rtc.operators.base import GenericCall

    if issubclass(cls, GenericCall):
        return "any action by name"
    entry = catalogue.get(cls.vendor_key, cls.action)
    where = [entry.method]
    if entry.version:
        where.append(entry.version + (f"; {entry.byteplus_version} on BytePlus" if entry.byteplus_version else ""))
    if entry.host not in ("default", "rtc"):
        where.append(f"{entry.host.upper()} host")
    return f"`{entry.name}` ({', '.join(where)})"


def operator_table(vendor: str) -> str:
    lines = ["| operator | calls | arguments (required first) |", "|---|---|---|"]
    for cls in _operators(vendor):
        spec = [*cls.arguments, *(a for a in cls.switches if a.name not in {b.name for b in cls.arguments})]
        spec.sort(key=lambda arg: not arg.required)
        lines.append(f"| `{cls.__name__}` | {_calls(cls)} | {', '.join(_argument(arg) for arg in spec)} |")
    return "\n".join(lines)


def _limit(limit) -> str:
    if limit.per_second is None:
        text = "not documented"
    else:
        text = f"{limit.per_second:g}/s per {'account' if limit.scope == 'account' else 'AppId'}"
    if limit.per_resource_interval:
        text += f", 1 per {limit.per_resource_interval:g} s per room"
    return text


def catalogue_table() -> str:
    from airflow_provider_rtc import catalogue

    users: dict[str, list[str]] = {}
    for vendor in VENDORS:
        for cls in _operators(vendor):
            users.setdefault(f"{vendor}:{getattr(cls, 'action', '')}", []).append(cls.__name__)
    from airflow_provider_rtc import conditions
    from airflow_provider_rtc.sensors import tencent, volcengine, zego

    for module in (zego, volcengine, tencent):
        for obj in vars(module).values():
            condition = getattr(obj, "condition_class", None)
            if isinstance(obj, type) and obj.__module__ == module.__name__ and condition in vars(conditions).values():
                users.setdefault(f"{condition.vendor}:{condition.action}", []).append(obj.__name__)
    lines = ["| vendor | action | method, version | idempotent | documented limit | used by | source |",
             "|---|---|---|---|---|---|---|"]
    for action in catalogue.actions():
        version = ", ".join(v for v in (action.version, action.byteplus_version and
                                        f"{action.byteplus_version} (BytePlus)") if v)
        used = ", ".join(f"`{name}`" for name in users.get(action.key, [])) or "generic operator only"
        source = "; ".join(action.docs) + (" (some facts unconfirmed: see the catalogue)" if action.unconfirmed else "")
        lines.append(f"| {VENDORS[action.vendor]} | `{action.name}` | {action.method}{', ' + version if version else ''}"
                     f" | {'yes' if action.idempotent else '**no**'} | {_limit(action.limit)} | {used} | {source} |")
    return "\n".join(lines)


def blocks() -> dict[str, str]:
    rendered = {f"operators-{vendor}": operator_table(vendor) for vendor in VENDORS}
    rendered["catalogue"] = catalogue_table()
    return rendered


def replace_blocks(text: str) -> str:
    for name, body in blocks().items():
        start, end = markers(name)
        i, j = text.find(start), text.find(end)
        if i < 0 or j < i:
            raise SystemExit(f"{README.name}: markers {start} ... {end} not found")
        text = text[:i] + f"{start}\n{body}\n{end}" + text[j + len(end):]
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = replace_blocks(text)
    if args.check:
        if new != text:
            print(f"README.md's operator tables are stale: run {FIX_COMMAND}", file=sys.stderr)
            return 1
        return 0
    if new != text:
        README.write_text(replace_blocks(README.read_text(encoding="utf-8")), encoding="utf-8")
        print("README.md: operator tables updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
