"""Worker that sends sample emails to the classifier and records the results.

Every INTERVAL_SECONDS it posts the next sample from samples.json to
CLASSIFIER_URL/classify, logs the label and appends one JSON line to RESULTS_FILE.
Settings come from the environment:
    CLASSIFIER_URL    default http://classifier:8080 (the compose service name)
    INTERVAL_SECONDS  default 5
    RESULTS_FILE      default /data/results.jsonl
    MAX_ROUNDS        stop after this many requests; 0 (default) runs until SIGTERM
    LOG_LEVEL         default INFO
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

SAMPLES_FILE = Path(__file__).with_name("samples.json")
REQUEST_TIMEOUT_SECONDS = 5

log = logging.getLogger("worker")


def load_samples(path: Path = SAMPLES_FILE) -> list[dict[str, str]]:
    samples = json.loads(path.read_text(encoding="utf-8"))
    if not samples:
        raise ValueError(f"no samples in {path}")
    return samples


def classify(base_url: str, sample: dict[str, str]) -> dict[str, object]:
    """POST one sample to the classifier and return its JSON response."""
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/classify",
        data=json.dumps({"subject": sample["subject"], "body": sample["body"]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
        return json.load(response)


def append_result(results_file: Path, sample: dict[str, str], result: dict[str, object]) -> None:
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "subject": sample["subject"],
        "expected": sample.get("expected"),
        "label": result.get("label"),
        "score": result.get("score"),
    }
    with results_file.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(record) + "\n")


def run(
    base_url: str,
    results_file: Path,
    interval: float,
    max_rounds: int,
    stop: threading.Event,
) -> int:
    """Send samples until stop is set or max_rounds requests were sent; return the successes."""
    samples = load_samples()
    results_file.parent.mkdir(parents=True, exist_ok=True)
    successes = 0
    failures_in_a_row = 0
    round_number = 0

    while not stop.is_set() and (max_rounds == 0 or round_number < max_rounds):
        sample = samples[round_number % len(samples)]
        round_number += 1
        try:
            result = classify(base_url, sample)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            failures_in_a_row += 1
            log.warning(
                "request %d to %s failed (%d in a row): %s",
                round_number, base_url, failures_in_a_row, exc,
            )
        else:
            if failures_in_a_row:
                log.info("classifier reachable again after %d failed requests", failures_in_a_row)
            failures_in_a_row = 0
            successes += 1
            append_result(results_file, sample, result)
            log.info(
                "classified subject=%r label=%s score=%s expected=%s",
                sample["subject"], result.get("label"), result.get("score"), sample.get("expected"),
            )
        stop.wait(interval)
    return successes


def main() -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    base_url = os.environ.get("CLASSIFIER_URL", "http://classifier:8080")
    results_file = Path(os.environ.get("RESULTS_FILE", "/data/results.jsonl"))
    interval = float(os.environ.get("INTERVAL_SECONDS", "5"))
    max_rounds = int(os.environ.get("MAX_ROUNDS", "0"))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    log.info("sending samples to %s every %ss; results go to %s", base_url, interval, results_file)
    successes = run(base_url, results_file, interval, max_rounds, stop)
    log.info("stopping after %d classified samples", successes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
