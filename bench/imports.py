"""1. Import cost: what a DAG file pays for importing our operators and sensors.

Every DAG file is parsed again and again by the DAG processor, and each parse imports whatever
the file imports. A fresh interpreter imports ``airflow.sdk`` alone (the floor: every DAG file
pays it), then ``airflow.sdk`` plus all of our operator and sensor modules, then ``airflow.sdk``
plus the HTTP provider's operator and sensor modules (a well-known provider, for comparison).
Runs alternate in a rotating order; the time is taken inside the child around the imports, so
interpreter start-up (identical for all three) does not dilute the ratio.

On a shared 2-core machine one fresh ``import airflow.sdk`` varies by +-15% from run to run, in
CPU time as in wall time, which buries a difference of 1-2% between separate runs. So each child
also times ``airflow.sdk`` and the rest separately: "same process" divides a child's whole import
by its own ``airflow.sdk`` part, both under the same conditions. The goal is judged on that
ratio; the separate-runs ratios are reported next to it.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from importlib.util import find_spec

from bench.stats import Section, alternate

GOAL = 1.05

_CHILD = """
import importlib, json, sys, time
started, cpu_started = time.perf_counter(), time.process_time()
importlib.import_module(sys.argv[1])
sdk, cpu_sdk = time.perf_counter(), time.process_time()
for name in sys.argv[2:]:
    importlib.import_module(name)
print(json.dumps({"import_s": time.perf_counter() - started, "import_cpu_s": time.process_time() - cpu_started,
                  "sdk_cpu_s": cpu_sdk - cpu_started, "modules_loaded": len(sys.modules)}))
"""


def submodules(*packages: str) -> list[str]:
    """Every module of ``packages``, found on disk without importing them."""
    names = []
    for package in packages:
        spec = find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"{package} is not an installed package")
        names.extend(f"{package}.{info.name}" for info in pkgutil.iter_modules(spec.submodule_search_locations))
    return sorted(names)


def _run_child(modules: list[str], env: dict) -> dict:
    completed = subprocess.run([sys.executable, "-c", _CHILD, *modules], env=env, capture_output=True, text=True,
                               timeout=300)
    if completed.returncode != 0:
        raise RuntimeError(f"importing {modules} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(*, rounds: int, env: dict, warmup: bool = True) -> Section:
    ours = submodules("airflow_provider_rtc.operators", "airflow_provider_rtc.sensors")
    http = submodules("airflow.providers.http.operators", "airflow.providers.http.sensors")
    variants = {"sdk": ["airflow.sdk"], "ours": ["airflow.sdk", *ours], "http": ["airflow.sdk", *http]}
    section = Section("imports", "Import cost (fresh interpreter, DAG parsing)",
                      params={"rounds": rounds, "our_modules": ours, "http_modules": http,
                              "timed": "inside the child, around the imports; bytecode cached (one warm-up run each)"})

    walls: dict[str, list[float]] = {name: [] for name in variants}
    sdk_part: dict[str, list[float]] = {name: [] for name in variants}
    loaded: dict[str, int] = {}

    def runner(name: str):
        def run() -> float:
            result = _run_child(variants[name], env)
            walls[name].append(result["import_s"] * 1000)
            sdk_part[name].append(result["sdk_cpu_s"] * 1000)
            loaded[name] = result["modules_loaded"]
            return result["import_cpu_s"] * 1000
        return run

    if warmup:
        for name in variants:  # fills the bytecode cache (a real deployment has bytecode); discarded
            _run_child(variants[name], env)
    cpu = alternate({name: runner(name) for name in variants}, rounds)

    section.figure("sdk_import", cpu["sdk"], "ms", "import airflow.sdk (CPU)")
    section.figure("ours_import", cpu["ours"], "ms", "airflow.sdk + our operators and sensors (CPU)")
    section.figure("http_import", cpu["http"], "ms", "airflow.sdk + HTTP provider operators and sensors (CPU)")
    section.figure("ours_sdk_part", sdk_part["ours"], "ms", "the airflow.sdk part of the runs with ours (CPU)")
    section.figure("http_sdk_part", sdk_part["http"], "ms", "the airflow.sdk part of the runs with HTTP (CPU)")
    section.figure("sdk_import_wall", walls["sdk"], "ms", "import airflow.sdk (wall)")
    section.figure("ours_import_wall", walls["ours"], "ms", "airflow.sdk + ours (wall)")
    section.ratio("ours_same_process", "ours_import", "ours_sdk_part",
                  "import CPU, same process: (airflow.sdk + ours) / airflow.sdk", goal=GOAL,
                  paired=[t / s for t, s in zip(cpu["ours"], sdk_part["ours"], strict=False)])
    section.ratio("http_same_process", "http_import", "http_sdk_part",
                  "import CPU, same process: (airflow.sdk + HTTP provider) / airflow.sdk",
                  paired=[t / s for t, s in zip(cpu["http"], sdk_part["http"], strict=False)])
    section.ratio("ours_vs_sdk", "ours_import", "sdk_import", "import CPU, separate runs: ours / airflow.sdk alone",
                  paired=[o / s for o, s in zip(cpu["ours"], cpu["sdk"], strict=False)])
    section.ratio("http_vs_sdk", "http_import", "sdk_import",
                  "import CPU, separate runs: HTTP provider / airflow.sdk alone",
                  paired=[h / s for h, s in zip(cpu["http"], cpu["sdk"], strict=False)])
    section.ratio("ours_vs_sdk_wall", "ours_import_wall", "sdk_import_wall",
                  "import wall, separate runs: ours / airflow.sdk alone",
                  paired=[o / s for o, s in zip(walls["ours"], walls["sdk"], strict=False)])
    section.counts["modules_loaded_sdk"] = loaded["sdk"]
    section.counts["modules_loaded_ours"] = loaded["ours"]
    section.counts["modules_loaded_http"] = loaded["http"]
    return section
