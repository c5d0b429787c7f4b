"""Operator extra links: buttons on a task instance in the Airflow UI, built from the task's XCom.

``StartAutoMixOperator`` returns ZEGO's answer, whose ``Data.PlayInfo`` lists the playback URLs of
each mixed output (``RTMP``, ``HLS``, ``FLV``: the CDN pull addresses when the output goes to a CDN
with pull domains configured; ZEGO StartAutoMix response, seed ``zego-start-auto-mix.txt``). Each
link below shows one format of the first output that has it; a run whose start failed, or a mix
without that format, shows no link.

There is no RTMP link: Airflow's UI renders an extra link only for http(s) and mailto URLs (and its
own origin), so an ``rtmp://`` link would never appear. The RTMP address stays in the XCom.

In Airflow 3 the worker calls ``get_link`` when the task ends and stores the URL under the link's
own XCom key; the api-server only reads that. So ``get_link`` runs where the return value is.

Vendor console pages are not linked: ZEGO, Volcengine / BytePlus and Tencent document their
consoles by navigation ("log in to the console, Applications, ..."), not by URL patterns with an
AppId, room or task id in them (docs.zegocloud.com/article/6544, volcengine.com/docs/6348/70064,
trtc.io/document/56765), and a guessed URL would break without notice.

This module imports only ``airflow.sdk`` at module level: operator modules import it at parse time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey


def playback_url(result: Any, field: str) -> str:
    """``field`` ("HLS" or "FLV") of the first PlayInfo entry that has one, or "".

    Only http(s) URLs are returned: the value becomes an ``href`` in the UI, so a ``javascript:``
    or other scheme from an unexpected answer must never get there (the UI would drop it anyway).
    """
    data = result.get("data") if isinstance(result, dict) else None
    play_info = data.get("PlayInfo") if isinstance(data, dict) else None
    for entry in play_info if isinstance(play_info, list) else []:
        url = entry.get(field) if isinstance(entry, dict) else None
        if isinstance(url, str) and urlsplit(url.strip()).scheme.lower() in _SAFE_SCHEMES:
            return url.strip()
    return ""


_SAFE_SCHEMES = {"http", "https"}


class _MixPlaybackLink(BaseOperatorLink):
    field: ClassVar[str]

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        return playback_url(XCom.get_value(ti_key=ti_key, key="return_value"), self.field)


class MixPlaybackHlsLink(_MixPlaybackLink):
    name = "Mix playback (HLS)"
    field = "HLS"


class MixPlaybackFlvLink(_MixPlaybackLink):
    name = "Mix playback (FLV)"
    field = "FLV"


MIX_PLAYBACK_LINKS = (MixPlaybackHlsLink(), MixPlaybackFlvLink())
