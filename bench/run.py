"""Benchmark crank against docker compose and podman-compose, and write bench/RESULTS.md.

Usage: .venv/bin/python bench/run.py [--sizes 1,5,20,50] [--repeat N] [--engines docker,podman]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import machine
import measure
from projects import TEST_IMAGE, write_project
from report import HELP_COMMAND, PYTHON_COMMAND, Results, render_markdown, render_summary
from tools import ENGINES, Tool, crank_tool, docker_compose_config, reference_tool

PREFIX = "crank-bench-"
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "RESULTS.md"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time crank against docker compose and podman-compose.")
    parser.add_argument("--sizes", type=_integers, default=[1, 5, 20, 50], help="comma-separated service counts (default: 1,5,20,50)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the report shows their median (default: 3)")
    parser.add_argument("--engines", type=_engine_names, default=list(ENGINES), help="comma-separated engines (default: docker,podman)")
    parser.add_argument("--help-repeat", type=int, default=20, help="runs of `crank --help` and `python -c pass` (default: 20)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown file to write (default: bench/RESULTS.md)")
    parser.add_argument("--note", action="append", default=[], help="a line to add under Conditions in the report; repeatable")
    return parser.parse_args(argv)


def _integers(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"invalid sizes {text!r}: expected positive integers such as 1,5,20")
    return values


def _engine_names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in ENGINES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"invalid engines {text!r}: expected a comma-separated subset of {','.join(ENGINES)}")
    return names


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    _check_test_image(arguments.engines)
    _compile_crank()
    results = Results(
        command_line=shlex.join(["bench/run.py", *(sys.argv[1:] if argv is None else argv)]),
        engines=arguments.engines,
        sizes=arguments.sizes,
        repeat=arguments.repeat,
        help_repeat=arguments.help_repeat,
        started=datetime.now(timezone.utc),
        notes=arguments.note,
    )
    start = time.monotonic()
    source_at_start = machine.describe_crank_source()
    with docker_compose_config() as docker_config:
        tools = {engine: (crank_tool(engine), reference_tool(engine, docker_config)) for engine in arguments.engines}
        run_all(results, tools)
        results.versions = machine.collect_versions([tool for pair in tools.values() for tool in pair])
    results.versions["crank source"] = _describe_source_change(source_at_start, machine.describe_crank_source())
    results.machine = machine.describe_machine()
    results.minutes = (time.monotonic() - start) / 60
    arguments.output.write_text(render_markdown(results))
    sys.stdout.write(render_summary(results))
    sys.stdout.write(f"\nWrote {arguments.output}\n")
    return 1 if results.failures else 0


def _describe_source_change(at_start: str, at_end: str) -> str:
    """Describe the crank tree once if it stayed the same during the run, else at both ends."""
    if at_start == at_end:
        return f"{at_start}, from start to end of the run"
    return f"at the start, {at_start}. At the end, {at_end}"


def _compile_crank() -> None:
    """Write crank's bytecode files first, so that no measured run compiles source.

    With PYTHONDONTWRITEBYTECODE set, as on some machines, Python would otherwise compile
    every module edited since the last set-up again in each crank process.
    """
    import compileall

    import crank_cli

    compileall.compile_dir(Path(crank_cli.__file__).parent, quiet=1)


def _check_test_image(engines: list[str]) -> None:
    for engine in engines:
        result = subprocess.run([engine, "image", "inspect", TEST_IMAGE], capture_output=True, check=False)
        if result.returncode != 0:
            message = f"{TEST_IMAGE} is missing on {engine}: build it with `scripts/setup.sh test` or from tests/images/busybox/Dockerfile"
            raise SystemExit(message)


def run_all(results: Results, tools: dict[str, tuple[Tool, Tool]]) -> None:
    """Run every engine, size and repetition, then the start-up timing, and remove what they created even on failure."""
    run_id = f"{PREFIX}{secrets.token_hex(3)}"
    try:
        with tempfile.TemporaryDirectory(prefix=f"{run_id}-") as folder:
            for engine, (crank, reference) in tools.items():
                for services in results.sizes:
                    _note_other_containers(results, engine)
                    project_folder = write_project(Path(folder) / f"{engine}-{services}", services)
                    for repetition in range(results.repeat):
                        _note_other_activity(results)
                        _run_repetition(results, crank, reference, project_folder, services, repetition, run_id)
        _time_startup(results, tools)
    finally:
        for engine in tools:
            measure.remove_objects(engine, run_id)


def _note_other_containers(results: Results, engine: str) -> None:
    count = measure.count_other_containers(engine, PREFIX)
    results.other_containers[engine] = max(count, results.other_containers.get(engine, 0))


def _note_other_activity(results: Results) -> None:
    suites = machine.running_test_suites()
    results.test_suites.update(suites)
    results.busy_repetitions += 1 if suites else 0
    results.load_averages.append(os.getloadavg()[0])


def _run_repetition(results: Results, crank: Tool, reference: Tool, folder: Path, services: int, repetition: int, run_id: str) -> None:
    """Run crank, the reference tool and the engine floor once each, in an order that rotates."""
    steps = ["crank", "reference", "floor"]
    shift = repetition % len(steps)
    for role in steps[shift:] + steps[:shift]:
        project = f"{run_id}-{role}-{services}-{repetition + 1}"
        if role == "floor":
            _run_floor(results, crank.engine, project, services)
        else:
            _run_cycle(results, crank if role == "crank" else reference, folder, project, services)


def _run_cycle(results: Results, tool: Tool, folder: Path, project: str, services: int) -> None:
    try:
        timings = measure.measure_compose_cycle(tool, folder, project)
    except measure.CommandFailed as error:
        _record_failure(results, f"{tool.engine}, {services} services, {tool.role}", error)
        return
    finally:
        removed = measure.remove_objects(tool.engine, project)
    results.leftovers += [f"{item} ({tool.role} on {tool.engine})" for item in removed]
    for phase, seconds in timings.items():
        results.samples.append(measure.Sample(tool.engine, services, tool.role, phase, seconds))
    _progress(f"{tool.engine} N={services} {tool.role}: " + ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in timings.items()))


def _run_floor(results: Results, engine: str, project: str, services: int) -> None:
    try:
        seconds = measure.measure_floor(engine, project, services)
    except measure.CommandFailed as error:
        _record_failure(results, f"{engine}, {services} services, floor", error)
        return
    finally:
        measure.remove_objects(engine, project)
    results.samples.append(measure.Sample(engine, services, "floor", "up", seconds))
    _progress(f"{engine} N={services} {engine} run -d: {seconds:.2f} s")


def _record_failure(results: Results, where: str, error: measure.CommandFailed) -> None:
    results.failures.append(f"{where}: {error}")
    _progress(f"{where}: FAILED: {error}")


def _time_startup(results: Results, tools: dict[str, tuple[Tool, Tool]]) -> None:
    """Time `crank --help` against `python -c pass`, alternating, after one untimed run of each."""
    crank = next(iter(tools.values()))[0]
    commands = {HELP_COMMAND: [*crank.argv, "--help"], PYTHON_COMMAND: [sys.executable, "-c", "pass"]}
    for argv in commands.values():
        measure.measure_startup(argv)
    for _ in range(results.help_repeat):
        for name, argv in commands.items():
            results.startup.setdefault(name, []).append(measure.measure_startup(argv))
    _progress("start-up: " + ", ".join(f"{name} {min(runs):.3f} s at best" for name, runs in results.startup.items()))


def _progress(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # run_all's finally block has removed the run's containers by now.
        sys.stderr.write("interrupted: no report written\n")
        sys.exit(130)
