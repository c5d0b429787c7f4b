"""A loopback emulator of the vendor APIs for developing and testing DAGs without a vendor account.

It checks signatures from the raw request the way each vendor does, keeps task and room state in
memory, answers in each vendor's envelope with its real error codes, and can inject faults.

    with Sandbox() as sandbox:          # or: python -m airflow_provider_rtc.sandbox --port 8900
        sandbox.url                     # http://127.0.0.1:<port>
"""

from airflow_provider_rtc.sandbox.credentials import SANDBOX_CREDENTIALS
from airflow_provider_rtc.sandbox.server import Fault, Sandbox

__all__ = ["Fault", "SANDBOX_CREDENTIALS", "Sandbox"]
