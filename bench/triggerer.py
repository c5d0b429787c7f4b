"""4. Triggerer scale: N of our sensor triggers in one event loop vs. Airflow's HttpSensorTrigger.

The sandbox runs in its own process (``python -m airflow_provider_rtc.sandbox``) so the loop
under test has a core to itself, as it would with a remote vendor. Ours: ``RtcConditionTrigger``
for ``ZegoRoomUsersSensor(until="occupied")`` on rooms that stay empty, so each one keeps asking
for its room every interval; the poll hub batches them into ``DescribeUserNum`` calls of up to 10
rooms at ZEGO's 10 calls/s (the "polls per second" figure counts those vendor calls; 1,000 rooms
every 5 s exceed that budget, so each room is polled about once per sweep). The comparison: ``HttpSensorTrigger`` polling the same
URL at the same interval; the sandbox is told (a fault rule) to answer those unsigned requests
404, HttpSensorTrigger's "not yet", so they keep polling too. Runs alternate ours/theirs, each in
a fresh child process (bench/trigger_loop.py); the sandbox is reset between runs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request

from bench.stats import Section, percentile

LAG_P99_GOAL_MS = 100.0
MEMORY_GOAL_MB = 150.0
_URL = re.compile(r"listening on (http://\S+)")


class SandboxProcess:
    """The package's sandbox CLI in a child process; it also stops itself after ``lifetime``."""

    def __init__(self, env: dict, lifetime: float):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "airflow_provider_rtc.sandbox", "--port", "0", "--lifetime", str(int(lifetime))],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 120
        self.url = None
        while self.url is None and time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            if match := _URL.search(line):
                self.url = match.group(1)
        if self.url is None:
            self.stop()
            raise RuntimeError("the sandbox did not start")
        # stdout stays open (unread): closing it would kill the sandbox on its next print, and the
        # few lines it prints after the URL fit in the pipe's buffer.
        import psutil

        self.ps = psutil.Process(self.process.pid)

    def control(self, command: str, payload: dict | None = None) -> None:
        request = urllib.request.Request(f"{self.url}/_sandbox/{command}", method="POST",
                                         data=json.dumps(payload or {}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        if self.process.stdout:
            self.process.stdout.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _run_loop(kind: str, *, count: int, interval: float, window: float, env: dict) -> dict:
    args = [sys.executable, "-m", "bench.trigger_loop", "--kind", kind, "--count", str(count),
            "--interval", str(interval), "--window", str(window)]
    completed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=interval + window + 180)
    if completed.returncode != 0 or not completed.stdout.strip():
        raise RuntimeError(f"trigger loop ({kind}) failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(*, count: int, interval: float, window: float, runs: int, env: dict) -> Section:
    from airflow_provider_rtc.sandbox.credentials import airflow_connection_env

    section = Section("triggerer", f"Triggerer scale ({count} triggers in one event loop)",
                      params={"triggers": count, "poll_interval_s": interval, "window_s": window,
                              "runs_per_kind": runs, "probe_tick_ms": 10,
                              "start": "spread evenly over one poll interval, then one interval of ramp"})
    per_run = max(10.0, interval + window + 60)
    sandbox = SandboxProcess(env, lifetime=per_run * runs * 2 + 120)
    try:
        child_env = {**env, **airflow_connection_env(sandbox.url)}
        host, port = sandbox.url.removeprefix("http://").rsplit(":", 1)
        child_env["AIRFLOW_CONN_BENCH_HTTP"] = json.dumps({"conn_type": "http", "host": host, "port": int(port),
                                                          "schema": "http"})
        results: dict[str, list[dict]] = {"rtc": [], "http": []}
        for run_number in range(runs):
            for kind in (("rtc", "http") if run_number % 2 == 0 else ("http", "rtc")):
                sandbox.control("reset")  # forget the last run's request log and state
                if kind == "http":
                    # Bounded: a few times what the run can send, never an open-ended rule.
                    polls = int(count * (window + 3 * interval + 10) / interval * 4) + 100
                    sandbox.control("faults", {"kind": "http", "status": 404, "count": polls, "vendor": "zego",
                                               "action": "DescribeUserNum"})
                cpu_before = sandbox.cpu_seconds()
                result = _run_loop(kind, count=count, interval=interval, window=window, env=child_env)
                result["sandbox_cpu_pct"] = 100 * (sandbox.cpu_seconds() - cpu_before) / (interval + window + 1.5)
                results[kind].append(result)
    finally:
        sandbox.stop()

    for kind, label in (("rtc", "ours (RtcConditionTrigger)"), ("http", "HttpSensorTrigger")):
        runs_of = results[kind]
        # One value per run (that run's percentile of its ~window/10ms probe samples); the figure's
        # median and spread are across runs. Floored at 1 us: a figure is positive by definition,
        # and the probe can wake a clock tick early.
        for name, q in (("lag_p50", 50), ("lag_p99", 99), ("lag_max", 100)):
            section.figure(f"{kind}_{name}", [max(percentile(r["lag_ms"], q), 0.001) for r in runs_of], "ms",
                           f"{label}: loop lag {name.split('_')[1]}")
        section.figure(f"{kind}_rss_growth", [max(r["peak_rss_mb"] - r["baseline_rss_mb"], 0.01) for r in runs_of],
                       "MB", f"{label}: peak RSS above the loop's baseline")
        section.figure(f"{kind}_baseline_rss", [r["baseline_rss_mb"] for r in runs_of], "MB",
                       f"{label}: loop baseline RSS (imports done)")
        section.figure(f"{kind}_polls_per_s", [r["polls_per_s"] for r in runs_of], "1/s", f"{label}: polls per second")
        section.figure(f"{kind}_loop_cpu", [max(r["cpu_pct_window"], 0.01) for r in runs_of], "%",
                       f"{label}: loop process CPU (100% = one core)")
        section.figure(f"{kind}_sandbox_cpu", [max(r["sandbox_cpu_pct"], 0.01) for r in runs_of], "%",
                       f"{label}: sandbox process CPU")
        section.counts[f"{kind}_errors"] = sum(r["errors"] for r in runs_of)
        section.counts[f"{kind}_polls"] = sum(r["polls"] for r in runs_of)
        section.counts[f"{kind}_lag_samples"] = sum(len(r["lag_ms"]) for r in runs_of)
        section.derive(f"{kind}_lag_max_incl_ramp", f"{label}: worst lag including start-up",
                       max(r["lag_max_incl_ramp_ms"] for r in runs_of), "ms")
        section.derive(f"{kind}_expected_polls_per_s", f"{label}: polls per second if every poll is on time",
                       runs_of[0]["expected_polls_per_s"], "1/s")
        section.counts[f"{kind}_gc_full_collections"] = sum(r["gc_full_collections"] for r in runs_of)
        section.counts[f"{kind}_worst_lags"] = sum(r["worst_lags"] for r in runs_of)
        section.counts[f"{kind}_worst_lags_during_gc"] = sum(r["worst_lags_with_gc"] for r in runs_of)
        section.counts[f"{kind}_tracked_objects"] = max(r["tracked_objects"] for r in runs_of)
        section.derive(f"{kind}_gc_full_pause_max", f"{label}: longest full GC pause",
                       max(r["gc_full_pause_max_ms"] for r in runs_of), "ms")
        section.derive(f"{kind}_gc_share", f"{label}: share of the window spent in GC",
                       sum(r["gc_pause_total_ms"] for r in runs_of) / sum(r["window_s"] * 1000 for r in runs_of), "")
        samples = [s for r in runs_of for s in r["error_samples"]]
        if samples:
            section.notes.append(f"{kind} error samples: {samples[:3]}")
    section.goal("rtc_lag_p99", "ours: event-loop lag p99", section.figures["rtc_lag_p99"]["median"],
                 limit=LAG_P99_GOAL_MS, unit="ms")
    section.goal("rtc_memory", "ours: memory above the loop's baseline", section.figures["rtc_rss_growth"]["median"],
                 limit=MEMORY_GOAL_MB, unit="MB")
    section.goal("rtc_errors", "ours: errors", section.counts["rtc_errors"], limit=0, unit="", strict=False)
    section.ratio("polls_ours_vs_http", "rtc_polls_per_s", "http_polls_per_s", "polls/s: ours / HttpSensorTrigger")
    section.ratio("memory_ours_vs_http", "rtc_rss_growth", "http_rss_growth", "memory growth: ours / HttpSensorTrigger")
    return section
