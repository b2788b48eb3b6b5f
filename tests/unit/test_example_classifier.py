"""Tests of the email-classifier example's code, without a container engine.

The example's services are plain scripts, not a package, so they are loaded by path. The
HTTP tests start the classifier's server in this process on a free loopback port.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "email-classifier"
CLASSIFIER_DIR = EXAMPLE_DIR / "classifier"
WORKER_DIR = EXAMPLE_DIR / "worker"


def load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses looks the module up in sys.modules while it builds a class.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rules() -> ModuleType:
    return load_module("example_classifier_rules", CLASSIFIER_DIR / "rules.py")


@pytest.fixture(scope="module")
def server_module() -> ModuleType:
    # main.py imports its sibling as `rules`, as it does inside the image.
    sys.path.insert(0, str(CLASSIFIER_DIR))
    try:
        return load_module("example_classifier_main", CLASSIFIER_DIR / "main.py")
    finally:
        sys.path.remove(str(CLASSIFIER_DIR))
        sys.modules.pop("rules", None)


@pytest.fixture(scope="module")
def worker() -> ModuleType:
    return load_module("example_worker_main", WORKER_DIR / "main.py")


@pytest.fixture(scope="module")
def base_url(server_module: ModuleType):
    server = server_module.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def request(url: str, data: bytes | None = None, method: str = "GET") -> tuple[int, dict]:
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc)


# --- classification rules ---


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("Agenda for the project meeting", "Notes attached, thanks to the team.", "ham"),
        ("Lunch tomorrow?", "Shall we review the report over lunch?", "ham"),
        ("YOU ARE A WINNER", "Claim your free cash prize!!! Guaranteed.", "spam"),
        ("Limited offer", "Cheap watches at a discount, buy now.", "spam"),
        ("Account suspended", "Verify your password at https://example.invalid/login", "phishing"),
        ("Security notice", "Confirm your bank login or your account stays locked.", "phishing"),
    ],
)
def test_classify_labels_typical_emails(rules, subject, body, expected):
    assert rules.classify(subject, body).label == expected


def test_classify_empty_email_is_ham(rules):
    result = rules.classify("", "")

    assert result.label == "ham"
    assert result.matched == []
    assert result.score == pytest.approx(0.6285, abs=1e-3)


def test_classify_probabilities_sum_to_one(rules):
    result = rules.classify("Free prize", "Verify your account for the meeting")

    assert set(result.probabilities) == set(rules.LABELS)
    assert sum(result.probabilities.values()) == pytest.approx(1.0)
    assert result.score == max(result.probabilities.values())
    assert result.score == result.probabilities[result.label]


def test_classify_counts_repeated_word_once(rules):
    once = rules.classify("", "free")
    many = rules.classify("", "free free free free")

    assert many.probabilities == once.probabilities
    assert many.matched == ["free"]


def test_classify_is_case_insensitive(rules):
    assert rules.classify("", "Lottery Winner").probabilities == rules.classify(
        "", "lottery winner"
    ).probabilities


def test_classify_matches_plural_words(rules):
    assert "password" in rules.classify("", "Reset your passwords").matched


def test_classify_signals(rules):
    shouted = rules.classify("ACT NOW", "")
    exclaimed = rules.classify("", "Hello!!!")
    linked = rules.classify("", "see http://example.invalid")

    assert "upper-case-subject" in shouted.matched
    assert "many-exclamation-marks" in exclaimed.matched
    assert "link" in linked.matched
    assert "upper-case-subject" not in rules.classify("OK", "").matched


def test_classify_handles_huge_evidence(rules):
    body = " ".join(rules.KEYWORD_WEIGHTS["spam"]) * 100 + "!" * 1000

    result = rules.classify("WIN", body)

    assert result.label == "spam"
    assert 0.0 <= result.score <= 1.0


def test_classification_json_shape(rules):
    payload = rules.classify("Free prize", "").to_json()

    assert payload["label"] == "spam"
    assert isinstance(payload["score"], float)
    assert set(payload["probabilities"]) == {"ham", "spam", "phishing"}
    assert payload["matched"] == ["free", "prize"]
    json.dumps(payload)


# --- request parsing ---


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"subject": "s", "body": "b"}', ("s", "b")),
        (b'{"subject": "only a subject"}', ("only a subject", "")),
        (b'{"body": "only a body"}', ("", "only a body")),
    ],
)
def test_parse_email_accepts(server_module, raw, expected):
    assert server_module.parse_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "invalid JSON"),
        (b"\xff\xfe", "invalid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b"{}", "missing subject and body"),
        (b'{"subject": 3, "body": "b"}', "invalid subject"),
        (b'{"subject": "s", "body": null}', "invalid body"),
    ],
)
def test_parse_email_rejects(server_module, raw, message):
    with pytest.raises(server_module.RequestError, match=message) as caught:
        server_module.parse_email(raw)

    assert caught.value.status == 400


# --- HTTP API ---


def test_health_returns_ok(base_url):
    status, payload = request(f"{base_url}/health")

    assert status == 200
    assert payload == {"status": "ok"}


def test_classify_endpoint_returns_label(base_url):
    body = json.dumps({"subject": "You won", "body": "free lottery prize"}).encode()

    status, payload = request(f"{base_url}/classify", body, "POST")

    assert status == 200
    assert payload["label"] == "spam"
    assert 0.5 < payload["score"] <= 1.0


def test_classify_endpoint_rejects_bad_json(base_url):
    status, payload = request(f"{base_url}/classify", b"{", "POST")

    assert status == 400
    assert "invalid JSON" in payload["error"]


def test_classify_endpoint_rejects_large_body(base_url, server_module):
    body = json.dumps({"subject": "", "body": "x" * server_module.MAX_REQUEST_BYTES}).encode()

    status, payload = request(f"{base_url}/classify", body, "POST")

    assert status == 413
    assert "over the limit" in payload["error"]


@pytest.mark.parametrize(("method", "path"), [("GET", "/classify"), ("POST", "/health"), ("GET", "/")])
def test_unknown_route_is_404(base_url, method, path):
    data = b"{}" if method == "POST" else None

    status, payload = request(f"{base_url}{path}", data, method)

    assert status == 404
    assert payload["error"].startswith("not found")


# --- worker ---


def test_worker_samples_match_their_expected_labels(worker, rules):
    for sample in worker.load_samples():
        assert rules.classify(sample["subject"], sample["body"]).label == sample["expected"], sample


def test_worker_round_writes_results(worker, base_url, tmp_path):
    results_file = tmp_path / "data" / "results.jsonl"
    samples = worker.load_samples()

    successes = worker.run(base_url, results_file, 0, len(samples), threading.Event())

    records = [json.loads(line) for line in results_file.read_text().splitlines()]
    assert successes == len(samples)
    assert [record["subject"] for record in records] == [s["subject"] for s in samples]
    assert [record["label"] for record in records] == [s["expected"] for s in samples]


def test_worker_survives_unreachable_classifier(worker, tmp_path, caplog):
    results_file = tmp_path / "results.jsonl"

    with caplog.at_level("WARNING", logger="worker"):
        successes = worker.run("http://127.0.0.1:9", results_file, 0, 2, threading.Event())

    assert successes == 0
    assert not results_file.exists()
    assert "2 in a row" in caplog.text
