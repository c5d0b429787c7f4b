"""``make mutants``: run hand-written one-line mutations of the package and expect each to be caught.

The mutations are data, in ``tests/mutations.toml``: for each, the file, the exact original
snippet (it must occur exactly once), its replacement, the test files that must catch it, and why
it matters. Each mutant is applied to a fresh temporary copy of the tree (the working tree is
never edited), and only its listed test files run there, with the derandomised hypothesis profile.
A mutant is *caught* when those tests fail, *survived* when they pass.

The runner fails loudly when a snippet is not found (or found twice): after a refactor the data
file has drifted and must be updated, not silently skipped. Exit status: 0 when every mutant was
caught, 1 otherwise.

Usage: ``python tools/mutants.py [--only ID ...] [--list] [--no-baseline]``. The baseline first runs
every listed test file once on an unmutated copy: a mutant only counts as caught if its tests
passed without it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "mutations.toml"
COPIED = ("airflow_provider_rtc", "tests", "dags_examples", "pyproject.toml")
TIMEOUT = 900  # seconds per mutant: a hang counts as caught, and is reported as such


@dataclass(frozen=True)
class Mutant:
    id: str
    path: str
    original: str
    replacement: str
    tests: tuple[str, ...]
    why: str


class DriftError(Exception):
    """A mutation's snippet is not in its file exactly once: update tests/mutations.toml."""


def load(path: Path = DATA) -> list[Mutant]:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    mutants = []
    for entry in document["mutant"]:
        missing = {"id", "path", "original", "replacement", "tests", "why"} - set(entry)
        if missing:
            raise ValueError(f"mutant {entry.get('id', '?')}: missing {sorted(missing)}")
        mutants.append(Mutant(entry["id"], entry["path"], entry["original"], entry["replacement"],
                              tuple(entry["tests"]), entry["why"]))
    ids = [m.id for m in mutants]
    duplicated = {i for i in ids if ids.count(i) > 1}
    if duplicated:
        raise ValueError(f"duplicate mutant ids: {sorted(duplicated)}")
    return mutants


def check_snippets(mutants: list[Mutant], root: Path = ROOT) -> None:
    """Every original snippet occurs exactly once in its file, and every test file exists."""
    problems = []
    for mutant in mutants:
        target = root / mutant.path
        if not target.is_file():
            problems.append(f"{mutant.id}: {mutant.path} does not exist")
            continue
        found = target.read_text(encoding="utf-8").count(mutant.original)
        if found != 1:
            problems.append(f"{mutant.id}: snippet found {found} times in {mutant.path}: {mutant.original!r}")
        if mutant.original == mutant.replacement:
            problems.append(f"{mutant.id}: replacement equals the original")
        problems += [f"{mutant.id}: test file {t} does not exist" for t in mutant.tests if not (root / t).is_file()]
    if problems:
        raise DriftError("tests/mutations.toml has drifted from the code:\n  " + "\n  ".join(problems))


def copy_tree(destination: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, destination / name)


def run_tests(tree: Path, tests: tuple[str, ...]) -> tuple[str, float, str]:
    """Run ``tests`` in ``tree``; returns (passed / failed / timeout, seconds, output tail)."""
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests]
    started = time.monotonic()
    try:
        result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - started, ""
    outcome = "passed" if result.returncode == 0 else "failed"
    return outcome, time.monotonic() - started, (result.stdout + result.stderr)[-3000:]


def assert_copy_is_imported(tree: Path) -> None:
    """The tests in a copy must import the copy's package, not the editable install of this tree."""
    probe = subprocess.run([sys.executable, "-c", "import airflow_provider_rtc; print(airflow_provider_rtc.__file__)"],
                           cwd=tree, capture_output=True, text=True, check=True)
    if not Path(probe.stdout.strip()).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"the copy imports {probe.stdout.strip()}, not its own package: mutants would not apply")


def mutate(tree: Path, mutant: Mutant) -> None:
    target = tree / mutant.path
    text = target.read_text(encoding="utf-8")
    if text.count(mutant.original) != 1:
        raise DriftError(f"{mutant.id}: snippet not found exactly once in {mutant.path}")
    target.write_text(text.replace(mutant.original, mutant.replacement), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only these mutant ids")
    parser.add_argument("--list", action="store_true", help="list the mutants and check their snippets")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run of the test files")
    args = parser.parse_args(argv)

    mutants = load()
    check_snippets(mutants)  # fail loudly on drift before spending any time
    if args.only:
        unknown = set(args.only) - {m.id for m in mutants}
        if unknown:
            raise SystemExit(f"unknown mutant ids: {sorted(unknown)}")
        mutants = [m for m in mutants if m.id in args.only]
    if args.list:
        for mutant in mutants:
            print(f"{mutant.id}: {mutant.path} [{', '.join(mutant.tests)}] - {mutant.why}")
        return 0

    with tempfile.TemporaryDirectory(prefix="rtc-mutants-") as scratch:
        if not args.no_baseline:
            baseline = Path(scratch) / "baseline"
            copy_tree(baseline)
            assert_copy_is_imported(baseline)
            files = tuple(sorted({t for m in mutants for t in m.tests}))
            outcome, seconds, tail = run_tests(baseline, files)
            print(f"baseline ({len(files)} test files, unmutated): {outcome} in {seconds:.0f} s", flush=True)
            if outcome != "passed":
                print(tail)
                raise SystemExit("the unmutated tree fails its tests: no mutant can be judged")
            shutil.rmtree(baseline)

        results: list[tuple[Mutant, str, float]] = []
        for number, mutant in enumerate(mutants, 1):
            tree = Path(scratch) / f"mutant-{number}"
            copy_tree(tree)
            if number == 1 and args.no_baseline:
                assert_copy_is_imported(tree)
            mutate(tree, mutant)
            outcome, seconds, tail = run_tests(tree, mutant.tests)
            verdict = {"failed": "caught", "timeout": "caught (timeout)", "passed": "SURVIVED"}[outcome]
            results.append((mutant, verdict, seconds))
            print(f"[{number}/{len(mutants)}] {mutant.id}: {verdict} in {seconds:.0f} s", flush=True)
            if verdict == "SURVIVED":
                print(f"    {mutant.path}: {mutant.original!r} -> {mutant.replacement!r}\n    why: {mutant.why}")
            shutil.rmtree(tree)

    caught = sum(1 for _, verdict, _ in results if verdict != "SURVIVED")
    print(f"\nkill rate: {caught}/{len(results)} mutants caught ({100 * caught / max(len(results), 1):.0f} %)")
    for mutant, verdict, _ in results:
        if verdict == "SURVIVED":
            print(f"  survived: {mutant.id} ({mutant.why})")
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
