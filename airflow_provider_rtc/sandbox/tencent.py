"""Placeholder until the tencent routes land."""

from airflow_provider_rtc.sandbox.server import VendorRoutes


class TencentRoutes(VendorRoutes):
    vendor = "tencent"

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def matches(self, request) -> bool:
        return False
