from airflow_provider_rtc.sandbox.server import main

main()
