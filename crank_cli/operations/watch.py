"""`watch`: act on the `develop.watch` rules of a running project as its files change.

The loop polls the rules' paths (`file_polling`), gathers bursts of changes into batches
(`change_batches`), asks the rules what each batch calls for (`watch_rules.plan_batch`) and
acts: rebuild and recreate services through `up`, copy changed files into the running
containers with the engine's `cp` and remove deleted ones with `rm -rf` in the container,
restart containers, and run `exec` commands. An action that fails is reported and the
watch goes on, as with docker compose, so a syntax error in a Dockerfile being edited
does not end it.
"""

from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.errors import CrankError, EngineError, engine_message
from crank_cli.operations import labels
from crank_cli.operations.cancel import CancelledError
from crank_cli.operations.change_batches import ChangeBatcher
from crank_cli.operations.file_polling import TreePoller, topmost
from crank_cli.operations.watch_rules import BatchPlan, WatchRule, is_scratch_path, plan_batch, prune_folder
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState

if TYPE_CHECKING:
    from crank_cli.compose import Project

POLL_SECONDS = 0.2

# Files that an initial sync leaves out, as docker compose does: they describe the image and
# the project, not the application.
_PROJECT_FILES = ("Dockerfile", "compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml",
                  "compose.override.yaml", "compose.override.yml", "docker-compose.override.yml",
                  "docker-compose.override.yaml")


class WatchActions(NamedTuple):
    """The loop's links to the engine and to the person watching, each replaced by a fake in unit tests."""

    backend: Backend
    say: Callable[[str], None]
    # Builds the services' images and recreates their containers; returns nothing.
    rebuild: Callable[[list[str]], None]
    # Restarts the services' containers.
    restart: Callable[[list[str]], None]


class Watch:
    """The rules being watched and the actions they trigger, for one project."""

    def __init__(self, project: Project, rules: Sequence[WatchRule], actions: WatchActions) -> None:
        self.project = project
        self.rules = list(rules)
        self.actions = actions

    @property
    def paths(self) -> list[str]:
        return sorted({rule.path for rule in self.rules})

    def poller(self) -> TreePoller:
        return TreePoller(self.paths, prune=prune_folder(self.rules))

    def run(self, *, poll_seconds: float = POLL_SECONDS, batcher: ChangeBatcher | None = None,
            clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
            poller: TreePoller | None = None) -> None:
        """Poll, batch and act until interrupted (KeyboardInterrupt ends it)."""
        poller = poller or self.poller()
        batcher = batcher or ChangeBatcher()
        while True:
            batcher.add(poller.poll(), clock())
            if batcher.ready(clock()):
                self.handle(batcher.take())
            sleep(poll_seconds)

    def handle(self, paths: Sequence[str]) -> BatchPlan:
        """Act on one batch of changed paths; report a failed action and go on."""
        plan = plan_batch(paths, self.rules)
        if plan.rebuild:
            self._guarded("rebuild", lambda: self._rebuild(plan.rebuild, len(paths)))
        for service, mappings in plan.sync.items():
            self._guarded(f"sync of {service}", lambda service=service, mappings=mappings: self.sync(service, mappings))
        if plan.restart:
            self._guarded("restart", lambda: self._restart(plan.restart))
        for service, rules in plan.exec.items():
            for rule in rules:
                self._guarded(f"exec in {service}", lambda service=service, rule=rule: self.run_exec(service, rule))
        return plan

    def _guarded(self, what: str, action: Callable[[], None]) -> None:
        try:
            action()
        except CancelledError:
            # Ctrl-C or SIGTERM during the action: the watch ends, as it does between actions.
            raise KeyboardInterrupt from None
        except CrankError as error:
            self.actions.say(f"{what} failed: {error.message}; still watching")

    def _rebuild(self, services: list[str], count: int) -> None:
        self.actions.say(f"{_names(services)}: rebuilding after {_changes(count)}")
        self.actions.rebuild(services)
        self.actions.say(f"{_names(services)}: rebuilt and recreated")

    def _restart(self, services: list[str]) -> None:
        self.actions.restart(services)
        self.actions.say(f"{_names(services)}: restarted")

    def containers(self, service: str) -> list[ContainerState]:
        """Return the running containers of a service, one-off containers of `crank run` left out."""
        states = self.actions.backend.list_containers(labels.service_filter(self.project.name, service))
        return sorted((state for state in states if state.running and state.labels.get(labels.ONE_OFF) != "True"),
                      key=lambda state: (state.replica, state.name))

    def sync(self, service: str, mappings: Sequence[tuple[str, str]], *, initial: bool = False) -> None:
        """Copy the host paths that exist into each running container, and remove there those that do not."""
        present = [(host, target) for host, target in mappings if os.path.lexists(host)]
        gone = topmost(target for host, target in mappings if not os.path.lexists(host))
        folders = sorted({target if _is_folder(host) else posixpath.dirname(target) for host, target in present})
        files = [(host, target) for host, target in present if not _is_folder(host)]
        containers = self.containers(service)
        if not containers:
            self.actions.say(f"{service}: no running container to sync {_changes(len(mappings))} to")
            return
        backend = self.actions.backend
        for state in containers:
            if gone:
                backend.exec_captured(state.name, ["rm", "-rf", "--", *gone])
            if folders:
                backend.exec_captured(state.name, ["mkdir", "-p", "--", *folders])
            for host, target in files:
                backend.copy_files(host, f"{state.name}:{target}")
        done = [f"copied {_count(len(files), 'file')}" if files or not gone else "",
                f"removed {_count(len(gone), 'path')}" if gone else ""]
        where = f"in {_count(len(containers), 'container')}"
        reason = "initial sync" if initial else f"after {_changes(len(mappings))}"
        self.actions.say(f"{service}: {' and '.join(part for part in done if part)} {where} ({reason})")

    def run_exec(self, service: str, rule: WatchRule) -> None:
        """Run a `sync+exec` rule's command in each running container of the service and show its output."""
        settings = rule.exec or {}
        command = [str(word) for word in settings.get("command") or []]
        environment = {key: "" if value is None else str(value) for key, value in (settings.get("environment") or {}).items()}
        for state in self.containers(service):
            try:
                output = self.actions.backend.exec_captured(
                    state.name, command, user=settings.get("user"), workdir=settings.get("working_dir"),
                    environment=environment, privileged=bool(settings.get("privileged")))
            except EngineError as error:
                for line in error.stdout.splitlines():
                    self.actions.say(f"{state.name} | {line}")
                detail = f": {engine_message(error.stderr)}" if error.stderr else ""
                self.actions.say(f"{service}: {_shell(command)} failed in {state.name} with exit code "
                                 f"{error.returncode}{detail}")
                continue
            for line in output.splitlines():
                self.actions.say(f"{state.name} | {line}")
            self.actions.say(f"{service}: ran {_shell(command)} in {state.name}")

    def initial_sync(self) -> None:
        """Copy every file of the sync rules that ask for `initial_sync` into the running containers."""
        for rule in self.rules:
            if rule.syncs and rule.initial_sync:
                mappings = [(path, target) for path in _files_under(rule)
                            if (target := rule.container_path(path)) is not None]
                self._guarded(f"initial sync of {rule.service}",
                              lambda rule=rule, mappings=mappings: self.sync(rule.service, mappings, initial=True))


def _files_under(rule: WatchRule) -> list[str]:
    """Return the files under a rule's path that an initial sync copies: those the rule covers, project files left out."""
    if os.path.isfile(rule.path):
        return [rule.path] if rule.covers(rule.path) else []
    found = []
    for folder, subfolders, files in os.walk(rule.path):
        subfolders[:] = sorted(name for name in subfolders if not rule.ignores(os.path.join(folder, name))
                               and not is_scratch_path(os.path.join(folder, name), rule.path))
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name not in _PROJECT_FILES and rule.covers(path):
                found.append(path)
    return found


def _is_folder(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _names(services: Sequence[str]) -> str:
    return ", ".join(services)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _changes(number: int) -> str:
    return _count(number, "change")


def _shell(command: Sequence[str]) -> str:
    import shlex

    return shlex.join(command)
