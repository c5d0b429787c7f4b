"""Placeholder until the volcengine routes land."""

from airflow_provider_rtc.sandbox.server import VendorRoutes


class VolcengineRoutes(VendorRoutes):
    vendor = "volcengine"

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def matches(self, request) -> bool:
        return False
