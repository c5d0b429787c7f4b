"""A DAG of the same shape as the show DAG under test, built from EmptyOperator.

The benchmark copies this file next to ``<this file's stem>.json``, the shape it discovered from
the real DAG (task ids, dependencies, setup/teardown roles, params), so the twin follows whatever
the show DAG looks like today.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG


def build(shape: dict) -> DAG:
    with DAG(
        dag_id=shape["twin_dag_id"],
        schedule=None,
        start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
        catchup=False,
        params=shape["params"],
    ) as dag:
        tasks = {}
        for spec in shape["tasks"]:
            tasks[spec["task_id"]] = EmptyOperator(task_id=spec["task_id"], trigger_rule=spec["trigger_rule"])
        for spec in shape["tasks"]:
            for upstream in spec["upstream"]:
                tasks[upstream] >> tasks[spec["task_id"]]
        for spec in shape["tasks"]:
            if spec["is_teardown"]:
                tasks[spec["task_id"]].as_teardown(setups=[tasks[s] for s in spec["setups"]],
                                                   on_failure_fail_dagrun=spec["on_failure_fail_dagrun"])
            elif spec["is_setup"] and not tasks[spec["task_id"]].is_setup:
                tasks[spec["task_id"]].as_setup()
    return dag


# In the benchmark's DAGs folder the shape sits next to this file; imported from the repository
# (the smoke check), the module only offers build().
_SHAPE_FILE = Path(__file__).with_suffix(".json")
if _SHAPE_FILE.exists():
    dag = build(json.loads(_SHAPE_FILE.read_text()))
