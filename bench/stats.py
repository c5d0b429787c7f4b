"""Summaries and the section record every measurement fills in.

A *figure* is a set of samples of one positive quantity (a duration, a rate, a size) reported as
its median and spread; a *ratio* compares two figures' medians; a *goal* is a value checked
against the limit the issue set; *counts* are plain event counts (errors, requests); *derived* values (differences) may have any sign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) by linear interpolation between the closest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(samples: Sequence[float], unit: str, label: str) -> dict[str, Any]:
    """Median and spread: the interquartile range, also as a share of the median, plus min/max."""
    median = percentile(samples, 50)
    p25, p75 = percentile(samples, 25), percentile(samples, 75)
    return {
        "label": label,
        "unit": unit,
        "n": len(samples),
        "median": median,
        "p25": p25,
        "p75": p75,
        "p99": percentile(samples, 99),
        "min": min(samples),
        "max": max(samples),
        # Relative spread, comparable across units; 0 when every sample was the same.
        "spread": (p75 - p25) / median if median else 0.0,
    }


@dataclass
class Section:
    """One measurement's results, as written to results.json."""

    key: str
    title: str
    params: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    ratios: dict[str, dict[str, Any]] = field(default_factory=dict)
    goals: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)  # differences etc.: any finite sign
    notes: list[str] = field(default_factory=list)

    def figure(self, name: str, samples: Sequence[float], unit: str, label: str) -> dict[str, Any]:
        self.figures[name] = summarize(samples, unit, label)
        return self.figures[name]

    def ratio(self, name: str, subject: str, baseline: str, label: str, *, goal: float | None = None,
              paired: Sequence[float] | None = None) -> float:
        """``subject``'s median over ``baseline``'s; ``goal`` is the largest acceptable value.

        ``paired`` (per-round ratios of alternated runs) gives the ratio's own spread.
        """
        value = self.figures[subject]["median"] / self.figures[baseline]["median"]
        entry: dict[str, Any] = {"label": label, "value": value, "subject": subject, "baseline": baseline}
        if paired:
            entry["paired_p25"], entry["paired_p75"] = percentile(paired, 25), percentile(paired, 75)
        if goal is not None:
            entry["goal"] = f"<= {goal:g}"
            entry["met"] = value <= goal
        self.ratios[name] = entry
        return value

    def goal(self, name: str, label: str, value: float, *, limit: float, unit: str, strict: bool = True) -> bool:
        met = value < limit if strict else value <= limit
        self.goals[name] = {"label": label, "value": value, "unit": unit, "goal": f"{'<' if strict else '<='} {limit:g}",
                            "met": met}
        return met

    def derive(self, name: str, label: str, value: float, unit: str) -> None:
        self.derived[name] = {"label": label, "value": value, "unit": unit}

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "params": self.params, "figures": self.figures, "ratios": self.ratios,
                "goals": self.goals, "counts": self.counts, "derived": self.derived, "notes": self.notes}


def alternate(variants: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run every variant once per round, rotating the order each round; return samples per variant.

    Rotation matters: whichever runs first in a round gets a colder CPU cache and a quieter
    machine, so a fixed order would bias the comparison.
    """
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(variants[name]())
    return samples
