"""Apache Airflow 3 provider for real-time-communication cloud APIs (ZEGO, Volcengine / BytePlus, Tencent)."""

__version__ = "0.1.0"
