"""`crank watch`: rule matching, batching of changes, polling, and the engine commands of each action."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import InvalidProjectError
from crank_cli.operations.change_batches import ChangeBatcher
from crank_cli.operations.file_polling import TreePoller, topmost
from crank_cli.operations.watch import Watch, WatchActions
from crank_cli.operations.watch_rules import (
    NothingToWatchError,
    PatternSet,
    WatchRule,
    is_scratch_path,
    plan_batch,
    prune_folder,
    read_ignore_file,
    watch_rules,
)
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fake_podman import container
from tests.unit.fakes import FakeRunner

ROOT = "/src/app"


@pytest.mark.parametrize(("patterns", "path", "expected"), [
    (["*.tmp"], "/src/app/a.tmp", True),
    (["*.tmp"], "/src/app/sub/a.tmp", False),  # anchored at the rule's path, as .dockerignore is
    (["**/*.tmp"], "/src/app/sub/deep/a.tmp", True),
    (["**/*.tmp"], "/src/app/a.tmp", True),
    (["node_modules/"], "/src/app/node_modules/x/index.js", True),  # a folder matches what it holds
    (["node_modules"], "/src/app/node_modules", True),
    (["node_modules"], "/src/app/lib/node_modules/a.js", False),
    (["build", "!build/keep.txt"], "/src/app/build/out.o", True),
    (["build", "!build/keep.txt"], "/src/app/build/keep.txt", False),  # the last matching pattern wins
    (["!a.txt", "*.txt"], "/src/app/a.txt", True),
    (["dat?.csv"], "/src/app/data.csv", True),
    (["dat?.csv"], "/src/app/da/a.csv", False),  # ? is one character within a component
    (["[ab].txt"], "/src/app/b.txt", True),
    (["[!ab].txt"], "/src/app/b.txt", False),
    (["/abs/elsewhere"], "/abs/elsewhere/f", True),
    (["a\\*b"], "/src/app/a*b", True),
    ([""], "/src/app/a", False),
])
def test_pattern_set(patterns: list[str], path: str, expected: bool) -> None:
    assert PatternSet(ROOT, patterns).matches(path) is expected


@pytest.mark.parametrize(("path", "expected"), [
    ("/src/app/.git/HEAD", True),
    ("/src/app/sub/.git", True),
    ("/src/app/main.py~", True),
    ("/src/app/.main.py.swp", True),
    ("/src/app/4913", True),
    ("/src/app/.#main.py", True),
    ("/src/app/main.py___jb_tmp___", True),
    ("/src/app/.idea/workspace.xml", True),
    ("/src/app/main.py", False),
    ("/src/app/.gitignore", False),
    ("/src/app/swap.swp", False),
])
def test_scratch_paths(path: str, expected: bool) -> None:
    assert is_scratch_path(path, ROOT) is expected


def sync_rule(**changes: object) -> WatchRule:
    fields = {"service": "web", "index": 0, "path": ROOT, "action": "sync", "target": "/app",
              "ignore": PatternSet(ROOT, [])}
    fields.update(changes)
    return WatchRule(**fields)  # type: ignore[arg-type]


def test_rule_include_and_ignore() -> None:
    rule = sync_rule(include=PatternSet(ROOT, ["*.py", "lib"]), ignore=PatternSet(ROOT, ["lib/skip.py"]))
    assert rule.covers("/src/app/main.py")
    assert rule.covers("/src/app/lib/util.py")
    assert not rule.covers("/src/app/lib/skip.py")  # ignore wins over include
    assert not rule.covers("/src/app/README.md")
    assert not rule.covers("/src/application/main.py")  # a sibling with a longer name is not inside
    assert not rule.covers("/src/app/.git/config")


def test_rule_dockerignore_applies() -> None:
    rule = sync_rule(path="/src/app/web", dockerignore=PatternSet("/src/app", ["web/dist", "*.log"]))
    assert not rule.covers("/src/app/web/dist/bundle.js")
    assert rule.covers("/src/app/web/index.html")


def test_container_path() -> None:
    assert sync_rule().container_path("/src/app/a/b.txt") == "/app/a/b.txt"
    assert sync_rule(path="/src/app/conf.ini", target="/etc/conf.ini").container_path("/src/app/conf.ini") == "/etc/conf.ini"
    assert sync_rule(target=None).container_path("/src/app/a") is None


def test_read_ignore_file() -> None:
    text = "# comment\n\n  *.log  \n/build\n! /keep\n!dist/x\n"
    assert read_ignore_file(text) == ["*.log", "build", "!keep", "!dist/x"]


def test_plan_groups_a_batch_by_service_and_action() -> None:
    rules = [
        sync_rule(),
        sync_rule(index=1, path="/src/Dockerfile", action="rebuild", target=None),
        sync_rule(service="api", path="/src/api", action="sync+restart", target="/srv"),
        sync_rule(service="worker", path="/src/jobs", action="sync+exec", target="/jobs",
                  exec={"command": ["reload"]}),
    ]
    plan = plan_batch(["/src/app/a.txt", "/src/app/b.txt", "/src/api/x.py", "/src/api/y.py",
                       "/src/jobs/1", "/src/jobs/2", "/elsewhere/z"], rules)
    assert plan.rebuild == []
    assert plan.sync == {"api": [("/src/api/x.py", "/srv/x.py"), ("/src/api/y.py", "/srv/y.py")],
                         "web": [("/src/app/a.txt", "/app/a.txt"), ("/src/app/b.txt", "/app/b.txt")],
                         "worker": [("/src/jobs/1", "/jobs/1"), ("/src/jobs/2", "/jobs/2")]}
    assert plan.restart == ["api"]  # once, however many files changed
    assert [rule.index for rule in plan.exec["worker"]] == [0]


def test_plan_rebuild_replaces_restart() -> None:
    rules = [sync_rule(action="sync+restart"), sync_rule(index=1, path="/src/Dockerfile", action="rebuild", target=None)]
    plan = plan_batch(["/src/Dockerfile", "/src/app/a"], rules)
    assert plan.rebuild == ["web"]
    assert plan.restart == []
    assert plan.sync == {"web": [("/src/app/a", "/app/a")]}


def test_prune_skips_only_folders_every_rule_ignores_whole() -> None:
    prune = prune_folder([sync_rule(ignore=PatternSet(ROOT, ["node_modules/", "build", "!build/keep"]))])
    assert prune("/src/app/.git")
    assert not prune("/src/app/build")  # an exception may take a path inside back
    assert not prune("/src/app/src")
    assert not prune(ROOT)


# Batching


def test_batch_waits_for_quiet() -> None:
    batcher = ChangeBatcher(quiet=0.5, longest=10)
    batcher.add(["/a"], 0.0)
    assert not batcher.ready(0.3)
    batcher.add(["/b", "/a"], 0.4)
    assert not batcher.ready(0.8)  # the second change started the quiet period again
    batcher.add([], 0.85)  # a poll that found nothing does not
    assert batcher.ready(0.9)
    assert batcher.take() == ["/a", "/b"]
    assert not batcher.ready(5.0)


def test_batch_is_handed_over_after_longest() -> None:
    batcher = ChangeBatcher(quiet=0.5, longest=2)
    for tick in range(8):
        batcher.add([f"/f{tick}"], tick * 0.3)
    assert batcher.ready(2.1)
    assert len(batcher.take()) == 8


# Polling


def test_poller_reports_created_changed_and_removed(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("1")
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "a.txt").write_text("a")
    (tmp_path / "skipped").mkdir()
    poller = TreePoller([str(tmp_path)], prune=lambda folder: folder.endswith("skipped"))
    assert poller.poll() == []

    (tmp_path / "keep.txt").write_text("22")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "b.txt").write_text("b")
    (tmp_path / "skipped" / "x").write_text("x")
    for name in ("a.txt",):
        os.remove(tmp_path / "gone" / name)
    (tmp_path / "gone").rmdir()
    assert poller.poll() == [str(tmp_path / "gone"), str(tmp_path / "keep.txt"), str(tmp_path / "new"),
                             str(tmp_path / "new" / "b.txt")]
    assert poller.poll() == []


def test_poller_watches_a_missing_file_and_a_file_root(tmp_path: Path) -> None:
    single = tmp_path / "Dockerfile"
    poller = TreePoller([str(single)])
    single.write_text("FROM scratch\n")
    assert poller.poll() == [str(single)]


def test_topmost() -> None:
    assert topmost(["/a/c", "/a", "/a-b", "/a-b/x"]) == ["/a", "/a-b"]


# Rules from a project


def load(folder: Path, text: str):  # type: ignore[no-untyped-def]
    (folder / "compose.yaml").write_text(text)
    return load_project(LoadOptions(working_dir=folder, environ={}))


def test_rules_from_project_with_dockerignore_and_bind_mount(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("app/dist\n")
    project = load(tmp_path, """
services:
  web:
    build: .
    volumes: ["./shared:/shared"]
    develop:
      watch:
        - {path: ./app, action: sync, target: /app}
        - {path: ./shared/conf, action: sync, target: /conf}
        - {path: ./Dockerfile, action: rebuild}
  db:
    image: busybox
""")
    rules, warnings = watch_rules(project, ())
    assert [(rule.service, rule.action) for rule in rules] == [("web", "sync"), ("web", "rebuild")]
    assert "bind-mounted" in warnings[0]
    assert not rules[0].covers(str(tmp_path / "app" / "dist" / "x.js"))
    assert rules[0].covers(str(tmp_path / "app" / "index.js"))


def test_rules_reject_what_crank_cannot_act_on(tmp_path: Path) -> None:
    project = load(tmp_path, "services:\n  web:\n    image: busybox\n")
    with pytest.raises(NothingToWatchError):
        watch_rules(project, ())
    project = load(tmp_path, "services:\n  web:\n    image: busybox\n    develop:\n      watch:\n"
                             "        - {path: ., action: rebuild}\n")
    with pytest.raises(InvalidProjectError, match="needs a build section"):
        watch_rules(project, ())
    project = load(tmp_path, "services:\n  web:\n    image: busybox\n    develop:\n      watch:\n"
                             "        - {path: ., action: sync+exec, target: /app}\n")
    with pytest.raises(InvalidProjectError, match="exec.command"):
        watch_rules(project, ())


# Actions, with a fake engine at the process boundary


def podman_watch(tmp_path: Path, rules: list[WatchRule], replies: dict | None = None):  # type: ignore[no-untyped-def]
    listing = json.dumps([container("demo", "web", 1), container("demo", "web", 2),
                          container("demo", "web", 3, state="exited"), container("demo", "web", None, one_off=True)])
    runner = FakeRunner({("podman", "ps"): listing, **(replies or {})})
    said: list[str] = []
    rebuilt: list[list[str]] = []
    restarted: list[list[str]] = []
    project = load(tmp_path, "name: demo\nservices:\n  web:\n    image: busybox\n")
    actions = WatchActions(backend=PodmanEngine(runner=runner, binary="podman"), say=said.append,
                           rebuild=rebuilt.append, restart=restarted.append)
    return Watch(project, rules, actions), runner, said, rebuilt, restarted


def engine_calls(runner: FakeRunner, verb: str) -> list[list[str]]:
    return [call[1:] for call in runner.calls if call[1] == verb]


def test_sync_copies_changed_files_and_removes_deleted_ones(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "sub").mkdir(parents=True)
    (app / "a.txt").write_text("a")
    (app / "sub" / "b.txt").write_text("b")
    rule = sync_rule(path=str(app))
    watch, runner, said, _, _ = podman_watch(tmp_path, [rule])

    watch.handle([str(app / "a.txt"), str(app / "sub"), str(app / "sub" / "b.txt"), str(app / "old"),
                  str(app / "old" / "x")])

    # Running replicas only: not the stopped one, not the one-off container of crank run.
    assert engine_calls(runner, "exec") == [
        ["exec", "demo-web-1", "rm", "-rf", "--", "/app/old"],
        ["exec", "demo-web-1", "mkdir", "-p", "--", "/app", "/app/sub"],
        ["exec", "demo-web-2", "rm", "-rf", "--", "/app/old"],
        ["exec", "demo-web-2", "mkdir", "-p", "--", "/app", "/app/sub"],
    ]
    assert engine_calls(runner, "cp") == [
        ["cp", str(app / "a.txt"), "demo-web-1:/app/a.txt"], ["cp", str(app / "sub" / "b.txt"), "demo-web-1:/app/sub/b.txt"],
        ["cp", str(app / "a.txt"), "demo-web-2:/app/a.txt"], ["cp", str(app / "sub" / "b.txt"), "demo-web-2:/app/sub/b.txt"],
    ]
    assert said == ["web: copied 2 files and removed 1 path in 2 containers (after 5 changes)"]


def test_sync_then_exec_and_restart(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "a.txt").write_text("a")
    rules = [sync_rule(path=str(app), action="sync+exec", exec={"command": ["kill", "-HUP", "1"], "user": "root",
                                                                 "environment": {"MODE": "dev"}}),
             sync_rule(index=1, path=str(app), action="sync+restart")]
    watch, runner, said, _, restarted = podman_watch(tmp_path, rules, {("podman", "exec", "demo-web-1", "kill"): "done\n"})

    watch.handle([str(app / "a.txt")])

    assert restarted == [["web"]]
    assert ["exec", "--user", "root", "--env", "MODE=dev", "demo-web-1", "kill", "-HUP", "1"] in engine_calls(runner, "exec")
    assert said[-3:] == ["web: restarted", "web: ran kill -HUP 1 in demo-web-1", "web: ran kill -HUP 1 in demo-web-2"]


def test_failed_action_is_reported_and_watch_goes_on(tmp_path: Path) -> None:
    from crank_cli.errors import EngineError

    def failing(services: list[str]) -> None:
        raise EngineError(["podman", "build"], 1, "dockerfile parse error")

    rule = sync_rule(path=str(tmp_path / "Dockerfile"), action="rebuild", target=None)
    watch, _, said, _, _ = podman_watch(tmp_path, [rule])
    watch.actions = watch.actions._replace(rebuild=failing)

    watch.handle([str(tmp_path / "Dockerfile")])

    assert said[0] == "web: rebuilding after 1 change"
    assert said[1].startswith("rebuild failed: podman build ... failed: dockerfile parse error")


def test_run_loop_batches_polls(tmp_path: Path) -> None:
    rule = sync_rule(path=str(tmp_path))
    watch, _, _, _, _ = podman_watch(tmp_path, [rule])
    handled: list[list[str]] = []
    watch.handle = lambda paths: handled.append(list(paths))  # type: ignore[method-assign]
    polls = iter([["/x"], ["/y"], [], [], [], ["/z"], []])
    now = [0.0]

    class Poller:
        def poll(self) -> list[str]:
            try:
                return next(polls)
            except StopIteration:
                raise KeyboardInterrupt from None

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(KeyboardInterrupt):
        watch.run(poller=Poller(), clock=lambda: now[0], sleep=sleep, poll_seconds=0.2)  # type: ignore[arg-type]
    assert handled == [["/x", "/y"]]  # /z was still pending when the watch ended
