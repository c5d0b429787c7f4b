"""``[core] hostname_callable`` for the distributed test: each component reports its own name.

Both Celery workers and both triggerers run on this one machine, so the real hostname cannot tell
them apart. With this callable the task instance's ``hostname`` names the worker that ran it and a
triggerer job's ``hostname`` names that triggerer, which is how the test sees who did what.
"""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    return os.environ.get("RTC_COMPONENT_NAME") or socket.getfqdn()
