"""The results table (Markdown, so the same text goes to the terminal and to the README)."""

from __future__ import annotations

from typing import Any


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _figure(figure: dict[str, Any]) -> str:
    spread = f" ±{figure['spread'] * 50:.0f}%" if figure["n"] > 1 else ""  # half the IQR, as a share
    return f"{_num(figure['median'])} {figure['unit']}{spread}"


def _met(entry: dict[str, Any]) -> str:
    if "met" not in entry:
        return ""
    return "yes" if entry["met"] else "**no**"


def rows(sections: dict[str, dict[str, Any]]) -> list[list[str]]:
    """One row per comparison: what, ours, baseline, ratio or value, goal, met."""
    out: list[list[str]] = []

    def ratio_row(section: dict, key: str, what: str) -> None:
        ratio = section["ratios"][key]
        out.append([what, _figure(section["figures"][ratio["subject"]]), _figure(section["figures"][ratio["baseline"]]),
                    f"{ratio['value']:.3f}", ratio.get("goal", ""), _met(ratio)])

    if "imports" in sections:
        s = sections["imports"]
        ratio_row(s, "ours_same_process", "1. import CPU, same process: airflow.sdk + our operators/sensors vs its airflow.sdk part")
        ratio_row(s, "http_same_process", "1. same for the HTTP provider's operators/sensors (comparison)")
        ratio_row(s, "ours_vs_sdk", "1. import CPU, separate runs: ours vs airflow.sdk alone")
        ratio_row(s, "ours_vs_sdk_wall", "1. import wall, separate runs: ours vs airflow.sdk alone")
        ratio_row(s, "http_vs_sdk", "1. import CPU, separate runs: HTTP provider vs airflow.sdk alone")
    if "calls" in sections:
        s = sections["calls"]
        for vendor, label in (("zego", "ZEGO StopMix"), ("volcengine", "Volcengine StopSegment"),
                              ("tencent", "Tencent resume_mcu_task")):
            ratio_row(s, f"{vendor}_p50", f"2. call p50: {label}, hook vs pre-signed requests post")
    if "signing" in sections:
        s = sections["signing"]
        ratio_row(s, "volcengine", "3. sign: Volcengine V4, ours vs volcengine SignerV4")
        ratio_row(s, "tencent", "3. sign: Tencent UserSig, ours vs tls-sig-api-v2")
    if "triggerer" in sections:
        s = sections["triggerer"]
        f, n = s["figures"], s["params"]["triggers"]
        for name, label, goal_key in (("lag_p50", "loop lag p50", None), ("lag_p99", "loop lag p99", "rtc_lag_p99"),
                                      ("lag_max", "loop lag max", None)):
            goal = s["goals"].get(goal_key, {}) if goal_key else {}
            out.append([f"4. {n} triggers: {label}, ours vs HttpSensorTrigger", _figure(f[f"rtc_{name}"]),
                        _figure(f[f"http_{name}"]), "", goal.get("goal", ""), _met(goal)])
        memory = s["goals"]["rtc_memory"]
        ratio_row(s, "memory_ours_vs_http", "4. triggers: RSS above the loop's baseline, ours vs HttpSensorTrigger")
        out[-1][4:] = [memory["goal"] + " MB", _met(memory)]
        ratio_row(s, "polls_ours_vs_http", "4. triggers: polls per second, ours vs HttpSensorTrigger")
        errors = s["goals"]["rtc_errors"]
        out.append(["4. triggers: errors, ours vs HttpSensorTrigger", str(s["counts"]["rtc_errors"]),
                    str(s["counts"]["http_errors"]), "", "0", _met(errors)])
    if "dag" in sections and "show_vs_empty" in sections["dag"]["ratios"]:
        s = sections["dag"]
        ratio_row(s, "show_vs_empty", f"5. dags test {s['params']['dag_id']} vs EmptyOperator twin (wall)")
        ratio_row(s, "show_vs_empty_cpu", "5. same, CPU time")
    if "waiting" in sections:
        s = sections["waiting"]
        f = s["figures"]

        def goal_row(key: str, what: str, unit: str = "") -> None:
            goal = s["goals"][key]
            out.append([what, f"{_num(goal['value'])}{unit}" if goal["value"] else "0", "", "", goal["goal"] + unit,
                        _met(goal)])

        for n in s["params"]["sensors"]:
            p = f"n{n}_"
            goal_row(p + "over_limit", f"6. {n} sensors (6 kinds, 1-60 s): requests over a documented limit")
            goal_row(p + "errors", f"6. {n} sensors: errors")
            goal_row(p + "all_fired", f"6. {n} sensors: triggers that never fired")
            for kind in ("zego_room_users", "zego_room_streams", "zego_mix_task", "volcengine_segment_task",
                         "volcengine_room_users", "tencent_room"):
                if p + f"{kind}_excess_p99" in s["goals"]:
                    goal = s["goals"][p + f"{kind}_excess_p99"]
                    out.append([f"6. {n}: {kind}: detection latency p50 / p99; p99 beyond each trigger's floor "
                                "(its interval or the sweep); goal: within a sweep + 1 s",
                                f"{_num(f[p + kind + '_latency_p50']['median'])} / "
                                f"{_num(f[p + kind + '_latency_p99']['median'])} s; {goal['value']:+.2f} s",
                                f"sweep {_num(s['derived'][p + kind + '_sweep']['value'])} s", "",
                                goal["goal"] + " s", _met(goal)])
            ratio_row(s, p + "lag_p99", f"6. {n}: loop lag p99, ours vs HttpSensorTrigger")
            ratio_row(s, p + "memory", f"6. {n}: RSS per waiting trigger, ours vs HttpSensorTrigger")
            memory = s["goals"][p + "memory"]
            out[-1][4:] = [memory["goal"] + " KB", _met(memory)]
            ratio_row(s, p + "requests_per_change", f"6. {n}: vendor requests per detected change, ours vs one poll "
                                                    "per sensor at its interval")
        out.append(["6. sandbox capacity (8 keep-alive clients, cheapest answer)", _figure(f["sandbox_capacity"]),
                    "", "", "", ""])
    return out


def markdown(sections: dict[str, dict[str, Any]]) -> str:
    header = ["measurement", "ours (median ±IQR/2)", "baseline", "ratio", "goal", "met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(sections)]
    return "\n".join(lines)
