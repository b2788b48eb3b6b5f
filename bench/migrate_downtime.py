"""Measure the downtime of `crank migrate` for a project with a large volume.

Starts a one-service project on the source engine and fills its volume with random data
(1 GiB by default: 16 large files and 2,000 small ones). Then moves it with `crank migrate`
and appends one row to bench/MIGRATE.md: the downtime that crank prints (services stopped on
the source until verified on the target), the whole command's time and the machine.

Usage: .venv/bin/python bench/migrate_downtime.py [--from docker] [--to podman] [--size-mib 1024]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

TEST_IMAGE = "localhost/crank-test-busybox:latest"
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "MIGRATE.md"
SMALL_FILES = 2000
LARGE_FILES = 16

# Fills /data with LARGE_FILES files that add up to SIZE_MIB MiB, and SMALL_FILES files of 1 KiB.
FILL_SCRIPT = """
set -e
each=$((SIZE_MIB / LARGE_FILES))
i=0
while [ $i -lt "$LARGE_FILES" ]; do
  dd if=/dev/urandom of=/data/large-$i bs=1M count=$each 2>/dev/null
  i=$((i + 1))
done
mkdir -p /data/small
i=0
while [ $i -lt "$SMALL_FILES" ]; do
  head -c 1024 /dev/urandom > /data/small/file-$i
  i=$((i + 1))
done
"""

PAGE_HEADER = """# crank migrate: downtime

Each row is one run of `bench/migrate_downtime.py`: a one-service project whose named volume
contains the data shown is moved with `crank migrate`. Downtime is what crank prints: from
stopping the service on the source until it runs (and is healthy) on the target. It includes
the final volume pass, whose cost depends on how the volume travels:

- Host copy (both engines on this machine, local volumes): the first pass stored a SHA-256 of
  every file by its lstat key, so the final pass walks both folders with lstat, re-reads and
  sends only files whose lstat changed, and compares full manifests built from lstat, the
  extended attributes and the stored hashes. Its cost follows the number of files and what
  changed, not the volume's size. crank prints its time.
- Helper containers (tar): the final pass reads both copies in full at the same time to
  compare their checksum manifests, then sends only what changed, so it grows with the
  volume's size even when nothing changed.

Total is the whole `crank migrate` command, including the image copy and the first, full
volume pass made while the source still serves.

| Date (UTC) | crank commit | From | To | Volume data | Volume copy | Downtime | Total | Machine |
|---|---|---|---|---|---|---|---|---|
"""


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure the downtime of crank migrate.")
    parser.add_argument("--from", dest="source", default="docker", help="engine to start the project on")
    parser.add_argument("--to", dest="target", default="podman", help="engine to move the project to")
    parser.add_argument("--size-mib", type=int, default=1024, help="MiB of data in the large files of the volume")
    parser.add_argument("--helper-image", help="passed to crank migrate --helper-image")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown page to append the result to")
    return parser.parse_args(argv)


def crank(folder: Path, runtime: str, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "CRANK_CONTAINER_RUNTIME": runtime, "CRANK_RUNTIME_FALLBACK": "disabled"}
    result = subprocess.run([sys.executable, "-m", "crank_cli", *args], cwd=folder, env=environ,
                            capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        raise SystemExit(f"crank {' '.join(args)} failed with exit code {result.returncode}:\n{result.stderr}")
    return result


def write_project(folder: Path, name: str) -> None:
    (folder / "compose.yaml").write_text(
        f"""name: {name}
services:
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    volumes:
      - data:/data
volumes:
  data:
"""
    )


def fill_volume(engine: str, volume: str, size_mib: int) -> None:
    environment = [f"SIZE_MIB={size_mib}", f"LARGE_FILES={LARGE_FILES}", f"SMALL_FILES={SMALL_FILES}"]
    flags = [flag for value in environment for flag in ("--env", value)]
    subprocess.run([engine, "run", "--rm", *flags, "-v", f"{volume}:/data", TEST_IMAGE, "sh", "-c", FILL_SCRIPT],
                   check=True, timeout=1800)


def remove_project(name: str, engines: tuple[str, ...]) -> None:
    for engine in engines:
        listed = subprocess.run([engine, "ps", "-a", "-q", "--filter", f"label=io.crank.project={name}"],
                                capture_output=True, text=True, check=False)
        if listed.stdout.split():
            subprocess.run([engine, "rm", "-f", *listed.stdout.split()], capture_output=True, check=False)
        subprocess.run([engine, "network", "rm", f"{name}_default"], capture_output=True, check=False)
        subprocess.run([engine, "volume", "rm", "-f", f"{name}_data"], capture_output=True, check=False)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))
    return f"{cpu}, {os.cpu_count()} cores, {memory_kib / 1024 / 1024:.0f} GiB, Linux {platform.release()}"


def commit() -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).resolve().parent,
                           capture_output=True, text=True, check=False)
    return found.stdout.strip() or "unknown"


def copy_path(progress: str) -> str:
    """Return how the volume travelled, from the final pass's progress line."""
    if "final pass (host copy)" in progress:
        return "host copy"
    helper = re.search(r"\((gnu|busybox) tar\)", progress)
    tar = "BusyBox" if helper is None or helper.group(1) == "busybox" else "GNU"
    return f"helper containers, {tar} tar"


def append_row(output: Path, row: list[str]) -> None:
    if not output.exists():
        output.write_text(PAGE_HEADER)
    with output.open("a") as page:
        page.write("| " + " | ".join(row) + " |\n")


def main(argv: list[str] | None = None) -> None:
    options = parse_arguments(argv)
    name = f"crank-mig-bench-{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / name
        folder.mkdir()
        write_project(folder, name)
        try:
            crank(folder, options.source, "up", "-d")
            fill_volume(options.source, f"{name}_data", options.size_mib)
            extra = ["--helper-image", options.helper_image] if options.helper_image else []
            started = time.monotonic()
            result = crank(folder, options.source, "migrate", "--to", options.target, *extra)
            total = time.monotonic() - started
        finally:
            remove_project(name, (options.source, options.target))
    downtime = re.search(r"^downtime: ([0-9.]+) s", result.stdout, re.MULTILINE)
    data = f"{options.size_mib} MiB in {LARGE_FILES} files + {SMALL_FILES} files of 1 KiB"
    row = [datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"), commit(), options.source, options.target, data,
           copy_path(result.stderr),
           f"{downtime.group(1)} s" if downtime else "not printed", f"{total:.1f} s", machine()]
    append_row(options.output, row)
    sys.stdout.write(result.stderr + result.stdout)
    sys.stdout.write(f"appended to {options.output}: {' | '.join(row)}\n")


if __name__ == "__main__":
    main()
