"""Turn the benchmark's samples into medians, ratios and goal verdicts, rendered as Markdown."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from goals import HELP_GOAL_SECONDS, Verdict, judge
from measure import PHASES, Sample
from tools import REFERENCE_NAMES

Key = tuple[str, int, str, str]
HELP_COMMAND = "crank --help"
PYTHON_COMMAND = "python -c pass"


@dataclass
class Results:
    """Everything one benchmark run measured and observed, ready to report."""

    command_line: str
    engines: list[str]
    sizes: list[int]
    repeat: int
    help_repeat: int
    started: datetime
    samples: list[Sample] = field(default_factory=list)
    startup: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    other_containers: dict[str, int] = field(default_factory=dict)
    test_suites: set[str] = field(default_factory=set)
    busy_repetitions: int = 0
    load_averages: list[float] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    minutes: float = 0.0

    def medians(self) -> dict[Key, float]:
        grouped: dict[Key, list[float]] = {}
        for sample in self.samples:
            grouped.setdefault((sample.engine, sample.services, sample.role, sample.phase), []).append(sample.seconds)
        return {key: statistics.median(values) for key, values in grouped.items()}


def render_summary(results: Results) -> str:
    """Return the goal verdicts and the median tables, the part worth printing on a terminal."""
    medians = results.medians()
    sections = [_goals_section(results, medians)]
    sections += [_engine_section(results, medians, engine) for engine in results.engines]
    sections.append(_startup_section(results))
    return "\n".join(sections)


def render_markdown(results: Results) -> str:
    """Return the whole RESULTS.md: summary, machine, versions, conditions and every sample."""
    parts = [
        _header(results),
        render_summary(results),
        _analysis_section(),
        _machine_section(results),
        _conditions_section(results),
        _samples_section(results),
    ]
    return "\n".join(parts)


def _analysis_section() -> str:
    """Return the hand-written explanation of missed goals, kept in bench/ANALYSIS.md."""
    analysis = Path(__file__).with_name("ANALYSIS.md")
    return analysis.read_text().strip() + "\n" if analysis.exists() else ""


def _header(results: Results) -> str:
    return (
        "# Benchmark results\n\n"
        f"Recorded {results.started:%Y-%m-%d %H:%M} UTC with `{results.command_line}`, "
        f"which took {results.minutes:.1f} minutes. Each number is the median of {results.repeat} runs, "
        "in seconds of wall-clock time (`time.perf_counter` around `subprocess.run`), so it includes "
        "each tool's start-up. The ratio is crank's median divided by the reference tool's. "
        "[README.md](README.md) describes the method.\n"
    )


def _goals_section(results: Results, medians: dict[Key, float]) -> str:
    rows = [_verdict_row(verdict) for verdict in judge(medians, results.engines, results.sizes)]
    rows.append(_help_goal_row(results))
    header = "| Engine | Phase | Services | crank (s) | Reference (s) | Ratio | Goal | Result |\n|---|---|---|---|---|---|---|---|\n"
    return "## Goals\n\n" + header + "\n".join(rows) + "\n"


def _verdict_row(verdict: Verdict) -> str:
    goal = verdict.goal
    return (
        f"| {goal.engine} | {_phase_name(goal.phase)} | {verdict.services} | {_seconds(verdict.crank)} | "
        f"{_seconds(verdict.reference)} | {_ratio(verdict.ratio)} | at most {goal.max_ratio:.2f} x "
        f"{REFERENCE_NAMES[goal.engine]} | {verdict.describe()} |"
    )


def _help_goal_row(results: Results) -> str:
    runs = results.startup.get(HELP_COMMAND)
    if not runs:
        return f"| any | `{HELP_COMMAND}` | - | - | - | - | under {HELP_GOAL_SECONDS} s | not measured: a run failed |"
    median = statistics.median(runs)
    verdict = "met" if median < HELP_GOAL_SECONDS else f"missed by {median - HELP_GOAL_SECONDS:.3f} s"
    return f"| any | `{HELP_COMMAND}` | - | {median:.3f} | - | - | under {HELP_GOAL_SECONDS} s | {verdict} |"


def _engine_section(results: Results, medians: dict[Key, float], engine: str) -> str:
    reference = REFERENCE_NAMES[engine]
    title = f"## {engine.capitalize()}: crank against {reference}\n\n"
    header = (
        f"| Services | Phase | crank (s) | {reference} (s) | Ratio | `{engine} run -d`, 8 in parallel (s) |\n"
        "|---|---|---|---|---|---|\n"
    )
    rows = [_phase_row(medians, engine, services, phase) for services in results.sizes for phase in PHASES]
    return title + header + "\n".join(rows) + "\n"


def _phase_row(medians: dict[Key, float], engine: str, services: int, phase: str) -> str:
    crank = medians.get((engine, services, "crank", phase))
    reference = medians.get((engine, services, "reference", phase))
    floor = medians.get((engine, services, "floor", phase))
    ratio = crank / reference if crank is not None and reference is not None else None
    floor_text = _seconds(floor) if phase == "up" else ""
    return f"| {services} | {_phase_name(phase)} | {_seconds(crank)} | {_seconds(reference)} | {_ratio(ratio)} | {floor_text} |"


def _startup_section(results: Results) -> str:
    rows = []
    for command, runs in results.startup.items():
        rows.append(f"| `{command}` | {statistics.median(runs):.3f} | {len(runs)} |")
    text = "## Start-up\n\n| Command | Median (s) | Runs |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    crank, python = results.startup.get(HELP_COMMAND), results.startup.get(PYTHON_COMMAND)
    if crank and python:
        ratio = statistics.median(crank) / statistics.median(python)
        text += f"\n`{HELP_COMMAND}` takes {ratio:.1f} x as long as starting the same Python interpreter with nothing to do.\n"
    return text


def _machine_section(results: Results) -> str:
    machine = "\n".join(f"- {name}: {value}" for name, value in results.machine.items())
    versions = "\n".join(f"| {name} | {value} |" for name, value in results.versions.items())
    return f"## Machine\n\n{machine}\n\n## Versions\n\n| Tool | Version |\n|---|---|\n{versions}\n"


def _conditions_section(results: Results) -> str:
    lines = [
        f"- Running containers not made by this benchmark, at most, when checked before each project size on {engine}: {count}."
        for engine, count in results.other_containers.items()
    ]
    lines += _load_lines(results)
    lines += [f"- {note}" for note in results.notes]
    lines += [f"- A run failed: {failure}" for failure in results.failures]
    lines += [f"- Left behind by a successful `down`, then removed by the benchmark: {item}." for item in results.leftovers]
    return "## Conditions\n\n" + "\n".join(lines) + "\n"


def _load_lines(results: Results) -> list[str]:
    """Describe the other work on the machine: load average and test suites seen during the run."""
    lines = []
    if results.load_averages:
        low, middle, high = min(results.load_averages), statistics.median(results.load_averages), max(results.load_averages)
        lines.append(
            f"- 1-minute load average when a repetition started: min {low:.1f}, median {middle:.1f}, "
            f"max {high:.1f}, on a machine with {os.cpu_count()} cores. It counts the benchmark's own "
            "engine commands of the minute before too, so it is an upper bound on the other load."
        )
    total = len(results.load_averages)
    if not results.test_suites:
        lines.append(f"- No pytest process was running when any of the {total} repetitions started.")
        return lines
    lines.append(
        f"- Another test suite was running when {results.busy_repetitions} of the {total} repetitions started, "
        "so it competed for the CPU and the engines, and the numbers may be slower and noisier than on a quiet machine. "
        f"The {len(results.test_suites)} distinct pytest command lines seen:"
    )
    lines += [f"  - `{_shorten(command)}`" for command in sorted(results.test_suites)]
    return lines


def _shorten(command: str, limit: int = 120) -> str:
    return command if len(command) <= limit else command[: limit - 3] + "..."


def _samples_section(results: Results) -> str:
    grouped: dict[Key, list[float]] = {}
    for sample in results.samples:
        grouped.setdefault((sample.engine, sample.services, sample.role, sample.phase), []).append(sample.seconds)
    rows = [
        f"| {engine} | {services} | {role} | {_phase_name(phase)} | {', '.join(f'{value:.3f}' for value in values)} |"
        for (engine, services, role, phase), values in grouped.items()
    ]
    header = "| Engine | Services | Tool | Phase | Seconds, in run order |\n|---|---|---|---|---|\n"
    return "## Every run\n\n" + header + "\n".join(rows) + "\n"


def _phase_name(phase: str) -> str:
    names = {"up": "`up -d`", "up unchanged": "`up -d`, unchanged", "status": "`status` / `ps`", "down": "`down`"}
    return names.get(phase, phase)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} x"
