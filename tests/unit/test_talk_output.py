"""What crank writes besides results: usage errors, warnings and notes per --progress mode, dry-run marks."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from crank_cli import render
from crank_cli.cli import run_cli
from crank_cli.errors import ExitCode


@pytest.fixture(autouse=True)
def text_talk() -> Iterator[None]:
    # The talk mode is process-wide, so each test starts and ends with the default.
    render.set_talk("auto")
    yield
    render.set_talk("auto")


def test_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["status", "--bogus"])

    captured = capsys.readouterr()
    assert code == ExitCode.USAGE
    assert captured.err == "crank: error: no such option '--bogus'; see 'crank status --help'\n"
    assert captured.out == ""


def test_usage_error_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["status", "--format", "json", "--bogus"])

    document = json.loads(capsys.readouterr().out)
    assert code == ExitCode.USAGE
    assert document == {"schema": 1, "error": "usage", "message": "no such option '--bogus'; see 'crank status --help'"}


@pytest.mark.parametrize(("argv", "message"), [
    (["events", "--format", "json"], "no such option '--format'; see 'crank events --help'"),
    (["events", "--bogus", "--format=json"], "no such option '--bogus'; see 'crank events --help'"),
    (["--format", "json", "status"], "no such option '--format'; see 'crank --help'"),
], ids=["verb without --format", "unknown option beside --format=json", "--format before the verb"])
def test_format_json_of_no_verb_option_keeps_error_text(argv: list[str], message: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(argv)

    captured = capsys.readouterr()
    assert code == ExitCode.USAGE
    assert captured.err == f"crank: error: {message}\n"
    assert captured.out == ""


@pytest.mark.parametrize("argv", [["ls", "--format=json", "--bogus"], ["version", "-f", "json", "--bogus"]],
                         ids=["--format=json", "short spelling"])
def test_usage_error_as_json_for_each_spelling_of_the_verbs_format(argv: list[str],
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(argv)

    assert code == ExitCode.USAGE
    assert json.loads(capsys.readouterr().out)["message"] == f"no such option '--bogus'; see 'crank {argv[0]} --help'"


@pytest.mark.parametrize(("argv", "message"), [
    (["status", "--format"], "option '--format' requires an argument; see 'crank status --help'"),
    (["ps", "--format"], "option '--format' requires an argument; see 'crank ps --help'"),
    (["up", "--detach=yes"], "option '--detach' does not take a value; see 'crank up --help'"),
    (["--progress"], "option '--progress' requires an argument; see 'crank --help'"),
    (["-vp"], "option '-p' requires an argument; see 'crank --help'"),
    (["--dry-run=yes", "up"], "option '--dry-run' does not take a value; see 'crank --help'"),
], ids=["verb option", "verb alias", "verb flag with value", "global option", "short option group", "global flag before verb"])
def test_option_value_error_names_help(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(argv)

    captured = capsys.readouterr()
    assert code == ExitCode.USAGE
    assert captured.err == f"crank: error: {message}\n"


def test_quiet_drops_warnings_and_notes(capsys: pytest.CaptureFixture[str]) -> None:
    render.set_talk("quiet")

    render.warn("slow engine")
    render.info("project is up to date")

    assert capsys.readouterr().err == ""


def test_json_talk_is_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    render.set_talk("json")

    render.warn("slow engine")
    render.info("project is up to date")

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["level"], line["message"]) for line in lines] == [("warning", "slow engine"), ("info", "project is up to date")]
    assert all(line["schema"] == 1 and line["time"].endswith("+00:00") for line in lines)


def test_dry_run_marks_each_status() -> None:
    stream = io.StringIO()

    with render.progress("plain", stream, dry_run=True) as events:
        events.emit("web-1", "created")

    assert stream.getvalue().rstrip().endswith("web-1: created (dry run)")


def test_mistyped_verb_suggests_once(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["statu"])

    error = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert error.count("did you mean") == 1
    assert "'status'" in error


def test_tty_progress_off_terminal_ends_line() -> None:
    stream = io.StringIO()

    with render.progress("tty", stream) as events:
        events.emit("web-1", "started")

    assert "web-1" in stream.getvalue()
    assert stream.getvalue().endswith("\n")


def test_counted_picks_singular_or_plural() -> None:
    assert render.counted(1, "container") == "1 container"
    assert render.counted(2, "path") == "2 paths"
    assert render.counted(0, "secret or config file", "secret and config files") == "0 secret and config files"


def test_engine_output_goes_above_live_view() -> None:
    from crank_cli.render.progress import progress

    render.set_talk("tty")
    screen = io.StringIO()
    write = render.engine_output()
    assert write is not None

    with progress("tty", screen) as events:
        events.emit("image demo:1", "building")
        write("STEP 2/2: RUN make")
        events.emit("image demo:1", "failed")

    printed = screen.getvalue()
    assert "STEP 2/2: RUN make" in printed
    assert "✖ image demo:1" in printed


def test_engine_output_left_to_engine_off_live_view() -> None:
    render.set_talk("plain")

    assert render.engine_output() is None
