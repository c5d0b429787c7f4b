"""Pure signing functions, one module per vendor: no Airflow, no I/O, so they are cheap to test and reuse."""
