"""``python -m bench [--smoke] [--only SECTION ...] [--out PATH]``: run, print the table, write JSON."""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.machine import ROOT, child_env, facts

SECTIONS = ("imports", "calls", "signing", "triggerer", "dag", "waiting")

# Sizes. Smoke: just enough to run every code path (``make test``); never read as a result.
FULL = {"import_rounds": 11, "calls": 1000, "call_warmup": 50, "sign_rounds": 31, "sign_batch": 500,
        "triggers": 1000, "trigger_interval": 5.0, "trigger_window": 30.0, "trigger_runs": 2, "dag_rounds": 3,
        "waiting_counts": [1000, 5000],
        "waiting": {"lead": 5.0, "window": 60.0, "tail": 150.0, "http_window": 60.0, "capacity_seconds": 5.0}}
SMOKE = {"import_rounds": 1, "calls": 20, "call_warmup": 5, "sign_rounds": 3, "sign_batch": 20,
         "triggers": 20, "trigger_interval": 0.5, "trigger_window": 2.0, "trigger_runs": 1, "dag_rounds": 0,
         "waiting_counts": [12],
         "waiting": {"lead": 1.0, "window": 3.0, "tail": 20.0, "http_window": 3.0, "capacity_seconds": 1.0}}

# Bytecode for the child interpreters, kept between runs (Python revalidates it against the
# sources), so only the first run on a machine pays for compiling Airflow.
PYCACHE = Path(tempfile.gettempdir()) / "airflow-provider-rtc-bench-pycache"


def _run_section(name: str, sizes: dict, env: dict, workdir: Path, smoke: bool):
    if name == "imports":
        from bench import imports

        return imports.measure(rounds=sizes["import_rounds"], env=env, warmup=not smoke)
    if name == "calls":
        from bench import calls

        return calls.measure(calls=sizes["calls"], warmup=sizes["call_warmup"])
    if name == "signing":
        from bench import signing

        return signing.measure(rounds=sizes["sign_rounds"], batch=sizes["sign_batch"])
    if name == "triggerer":
        from bench import triggerer

        return triggerer.measure(count=sizes["triggers"], interval=sizes["trigger_interval"],
                                 window=sizes["trigger_window"], runs=sizes["trigger_runs"], env=env)
    if name == "waiting":
        from bench import waiting

        return waiting.measure(counts=sizes["waiting_counts"], sizes=sizes["waiting"], env=env, smoke=smoke)
    from bench import dag_overhead

    if smoke:
        return dag_overhead.smoke_check()
    return dag_overhead.measure(rounds=sizes["dag_rounds"], env=env, workdir=workdir)


def check(results: dict) -> list[str]:
    """Structural problems in a results document (the smoke test's contract); empty when sound."""
    problems = []
    for key in ("machine", "sections", "mode", "duration_s"):
        if key not in results:
            problems.append(f"missing {key}")
    for name, section in results.get("sections", {}).items():
        for fig_name, figure in section.get("figures", {}).items():
            for stat in ("median", "p25", "p75", "min", "max", "spread"):
                value = figure.get(stat)
                if not isinstance(value, (int, float)) or not math.isfinite(value) or (stat != "spread" and value <= 0):
                    problems.append(f"{name}.{fig_name}.{stat} = {value!r} is not a finite positive number")
        for ratio_name, ratio in section.get("ratios", {}).items():
            value = ratio.get("value")
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                problems.append(f"{name}.{ratio_name} ratio = {value!r} is not a finite positive number")
        for goal_name, goal in section.get("goals", {}).items():
            if not isinstance(goal.get("value"), (int, float)) or not math.isfinite(goal["value"]):
                problems.append(f"{name}.{goal_name} goal value {goal.get('value')!r} is not finite")
        for count_name, count in section.get("counts", {}).items():
            if not isinstance(count, int) or count < 0:
                problems.append(f"{name}.{count_name} count {count!r} is not a non-negative integer")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: exercise the harness, measure nothing")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these measurements")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL

    workdir = Path(tempfile.mkdtemp(prefix="rtc-bench-"))
    # Airflow reads its home at import time: this process and every child get a private one.
    os.environ["AIRFLOW_HOME"] = str(workdir / "airflow-home")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
    env = child_env(dict(os.environ), pycache=PYCACHE, airflow_home=workdir / "airflow-home")

    started = time.time()
    results = {
        "schema_version": 1,
        "mode": "smoke" if args.smoke else "full",
        "command": "python -m bench" + (" --smoke" if args.smoke else "") +
                   (f" --only {' '.join(args.only)}" if args.only else ""),
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": facts(),
        "sizes": sizes,
        "sections": {},
    }
    try:
        for name in args.only or SECTIONS:
            began = time.time()
            print(f"[bench] {name} ...", flush=True)
            section = _run_section(name, sizes, env, workdir, args.smoke)
            results["sections"][name] = {**section.as_dict(), "duration_s": round(time.time() - began, 1)}
            print(f"[bench] {name} done in {time.time() - began:.0f} s", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["duration_s"] = round(time.time() - started, 1)
    try:
        results["machine"]["load_average_at_end"] = os.getloadavg()
    except OSError:
        pass
    goals = [entry.get("met") for s in results["sections"].values()
             for entry in (*s["ratios"].values(), *s["goals"].values()) if "met" in entry]
    # A smoke run's sizes are far too small for its figures to mean anything: no verdict.
    results["goals_met"] = None if args.smoke else all(goals)

    from bench.report import markdown

    results["table"] = markdown(results["sections"])
    machine = results["machine"]
    load = machine.get("load_average_at_start")
    results["summary"] = (
        f"`{results['command']}` on {machine['cpu']}, {machine['logical_cpus']} CPUs, {machine['memory_gb']} GB, "
        f"Python {machine['python']}, Airflow {machine['packages']['apache-airflow']}"
        + (f"; 1-min load average {load[0]:.1f} at start, {machine['load_average_at_end'][0]:.1f} at end"
           if load and machine.get("load_average_at_end") else ""))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print()
    print(results["summary"])
    print(results["table"])
    for name, section in results["sections"].items():
        for note in section["notes"]:
            print(f"note ({name}): {note}")
    problems = check(results)
    for problem in problems:
        print(f"[bench] malformed result: {problem}", file=sys.stderr)
    verdict = {None: "smoke run, no verdict", True: "goals all met", False: "goals NOT all met"}[results["goals_met"]]
    print(f"\nwrote {args.out} ({results['duration_s']:.0f} s); {verdict}")
    return 1 if problems else 0
