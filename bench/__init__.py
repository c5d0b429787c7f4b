"""``make bench``: what the provider costs, measured against baselines run side by side.

Five measurements, each against its own floor or comparison, alternated within one run on one
machine so that drift (other processes, CPU frequency) hits both sides alike:

1. ``imports``   -- DAG-parse cost: our operator/sensor modules on top of ``airflow.sdk``.
2. ``calls``     -- per-call overhead of a hook call vs. a plain pre-signed ``requests`` post.
3. ``signing``   -- our signers vs. the vendors' official packages.
4. ``triggerer`` -- 1,000 deferred sensors' triggers in one event loop vs. ``HttpSensorTrigger``.
5. ``dag``       -- the show DAG through ``airflow dags test`` vs. an ``EmptyOperator`` twin.

``python -m bench`` runs them all and writes ``bench/results.json``; ``--smoke`` runs tiny sizes so
the harness is exercised by ``make test`` without ever asserting a timing.
"""
