"""Machine facts recorded with every run, and the environment the child interpreters get."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_VERSIONS_OF = (
    "apache-airflow", "apache-airflow-task-sdk", "apache-airflow-providers-http", "requests", "httpx",
    "aiohttp", "pydantic", "volcengine", "tls-sig-api-v2", "psutil",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def facts() -> dict:
    import psutil

    versions = {}
    for name in _VERSIONS_OF:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "load_average_at_start": load,
        "packages": versions,
    }


def child_env(base: dict[str, str], *, pycache: Path, airflow_home: Path) -> dict[str, str]:
    """The environment of every child interpreter the benchmark starts.

    Bytecode goes to a private cache (``PYTHONPYCACHEPREFIX``) even where the shell sets
    ``PYTHONDONTWRITEBYTECODE``: without bytecode every fresh interpreter recompiles Airflow
    (about 5 s instead of 2 s here), which no real deployment does and which would swamp the
    differences being measured. A warm-up run fills the cache before anything is timed.
    """
    env = {k: v for k, v in base.items() if not k.startswith("AIRFLOW")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({
        "PYTHONPYCACHEPREFIX": str(pycache),
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), base.get("PYTHONPATH")])),
    })
    return env
