"""Receiving vendor callbacks: verify them (``verify``), record them as Asset events (``recorder``),
over HTTP (``app``, mounted in the api-server by ``plugin``). DAG authors use ``airflow_provider_rtc.events``."""
