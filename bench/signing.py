"""3. Signing speed: our signers vs. the vendors' official packages, from the same plain inputs.

Volcengine: ``sign_request`` vs. ``volcengine.auth.SignerV4.sign_only`` (the SDK's call needs its
``SignParam``/``Credentials`` objects, so building them is part of its side, as in the SDK's own
``Service`` client). Tencent: ``gen_usersig`` vs. ``TLSSigAPIv2.gen_sig``. Each sample is the mean of
a batch of calls; batches alternate between the two sides. ZEGO has no official signer: its
figure is reported for scale only.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Callable

from bench.stats import Section, alternate

GOAL = 1.0

# A representative StartSegment-sized request (what the hook signs per attempt).
_VOLC = {
    "method": "POST",
    "host": "rtc.volcengineapi.com",
    "path": "/",
    "query": {"Action": "StartSegment", "Version": "2020-12-01"},
    "body": (b'{"AppId":"661e8c2d2f9a0a012345abcd","BusinessId":"show","RoomId":"friday-night-show",'
             b'"TaskId":"friday-night-show-segment-20260102","MaxIdleTime":600}'),
    "ak": "AKLTZjA0ZWU3ZDMxNDE4NDlhMmFmMWY0ZjE4ZGVlN2JhYTc",
    "sk": "TmpZMVpXSTJPV1EzTldVeE5EazFPVGt5T0RZNE9UQTVNR1JpTmpnd01EVQ==",
    "region": "cn-north-1",
    "service": "rtc",
}
_TENCENT = {"sdkappid": 1400000001, "key": "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
            "identifier": "administrator", "expire": 86400}


def _batched(function: Callable[[], object], batch: int) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter_ns()
        for _ in range(batch):
            function()
        return (time.perf_counter_ns() - started) / batch / 1000.0
    return run


def _volcengine_pair(now: datetime) -> tuple[Callable[[], object], Callable[[], object]]:
    from volcengine.auth.SignerV4 import SignerV4
    from volcengine.auth.SignParam import SignParam
    from volcengine.Credentials import Credentials

    from airflow_provider_rtc.signing.volcengine import sign_request

    v = _VOLC

    def ours():
        return sign_request(method=v["method"], host=v["host"], path=v["path"], query=v["query"], body=v["body"],
                            access_key_id=v["ak"], secret_access_key=v["sk"], region=v["region"],
                            service=v["service"], now=now)

    def official():
        param = SignParam()
        param.set_method(v["method"])
        param.set_host(v["host"])
        param.set_path(v["path"])
        param.set_query(OrderedDict(v["query"]))
        param.set_body(v["body"])
        param.set_date(now)
        param.set_header_list(OrderedDict([("Host", v["host"]), ("Content-Type", "application/json")]))
        param.set_is_sign_url(False)
        return SignerV4.sign_only(param, Credentials(v["ak"], v["sk"], v["service"], v["region"], ""))

    # Same inputs, same answer: a benchmark of a signer that signs differently would be meaningless.
    theirs = official()
    assert ours()["Authorization"].endswith(theirs.authorization.rpartition("Signature=")[2])
    return ours, official


def _tencent_pair() -> tuple[Callable[[], object], Callable[[], object]]:
    import TLSSigAPIv2

    from airflow_provider_rtc.signing.tencent import decode_usersig, gen_usersig

    t = _TENCENT
    api = TLSSigAPIv2.TLSSigAPIv2(t["sdkappid"], t["key"])

    def ours():
        return gen_usersig(sdkappid=t["sdkappid"], key=t["key"], identifier=t["identifier"], expire=t["expire"])

    def official():
        return api.gen_sig(t["identifier"], t["expire"])

    mine, theirs = decode_usersig(ours()), decode_usersig(official())
    assert (mine.sdkappid, mine.identifier, mine.expire) == (theirs.sdkappid, theirs.identifier, theirs.expire)
    return ours, official


def measure(*, rounds: int, batch: int) -> Section:
    from airflow_provider_rtc.signing.zego import signed_params

    section = Section("signing", "Signing speed (per signature)", params={"rounds": rounds, "batch": batch})
    now = datetime(2026, 1, 2, 20, 0, 0, tzinfo=timezone.utc)
    volc_ours, volc_official = _volcengine_pair(now)
    tencent_ours, tencent_official = _tencent_pair()
    samples = alternate({
        "volcengine_ours": _batched(volc_ours, batch),
        "volcengine_official": _batched(volc_official, batch),
        "tencent_ours": _batched(tencent_ours, batch),
        "tencent_official": _batched(tencent_official, batch),
        "zego_ours": _batched(lambda: signed_params(1234567890, "sandbox0zego0server0secret0000000"), batch),
    }, rounds)
    section.figure("volcengine_ours", samples["volcengine_ours"], "us", "Volcengine V4: ours")
    section.figure("volcengine_official", samples["volcengine_official"], "us", "Volcengine V4: volcengine SignerV4")
    section.figure("tencent_ours", samples["tencent_ours"], "us", "Tencent UserSig: ours")
    section.figure("tencent_official", samples["tencent_official"], "us", "Tencent UserSig: tls-sig-api-v2")
    section.figure("zego_ours", samples["zego_ours"], "us", "ZEGO signature: ours (no official package)")
    section.ratio("volcengine", "volcengine_ours", "volcengine_official", "Volcengine V4: ours / official", goal=GOAL,
                  paired=[o / s for o, s in zip(samples["volcengine_ours"], samples["volcengine_official"], strict=False)])
    section.ratio("tencent", "tencent_ours", "tencent_official", "Tencent UserSig: ours / official", goal=GOAL,
                  paired=[o / s for o, s in zip(samples["tencent_ours"], samples["tencent_official"], strict=False)])
    return section
