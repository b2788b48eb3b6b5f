"""The `develop.watch` rules of a project, and which rule a changed file falls under.

Each rule watches a path (a folder, recursively, or one file) for one service and names an
action: `sync` copies changed files into the service's containers at `target`, `rebuild`
builds the image and recreates the containers, `restart` restarts them, `sync+restart` and
`sync+exec` sync and then restart or run the rule's `exec` command.

As in docker compose (v2.40.3), a changed path counts for a rule when it is the rule's path
or inside it, matches `include` when the rule has one, and is not ignored. Ignored are: the
rule's `ignore` patterns, the build context's `.dockerignore` (or `DOCKERFILE.dockerignore`
next to a Dockerfile of that name), `.git` folders, and the temporary files of common
editors (`*~`, `.*.swp`, `.#*`, `4913`, JetBrains' `___jb_tmp___`, `.idea/`). Patterns
are those of `.dockerignore`: relative to the rule's path (the context's for
`.dockerignore`), `*` and `?` within one path component, `**` across any number of them, a
leading `!` takes a path back in, the last matching pattern wins, and a pattern that
matches a folder matches everything in it.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from crank_cli.errors import CrankError, InvalidProjectError
from crank_cli.operations.file_polling import is_within

if TYPE_CHECKING:
    from crank_cli.compose import Project

SYNC_ACTIONS = ("sync", "sync+restart", "sync+exec")


class NothingToWatchError(CrankError):
    """No selected service has `develop.watch` rules: exit code 1, as with docker compose (v2.40.3)."""


class PatternSet:
    """Patterns in `.dockerignore` syntax, anchored at a folder."""

    def __init__(self, root: str, patterns: Iterable[str]) -> None:
        self.root = root
        self.patterns: list[tuple[re.Pattern[str], bool]] = []
        for pattern in patterns:
            pattern = pattern.strip()
            if not pattern:
                continue
            exclusion = pattern.startswith("!")
            body = pattern[1:].strip() if exclusion else pattern
            if not body:
                continue
            anchored = body if body.startswith("/") else posixpath.join(root, body)
            self.patterns.append((_compile(posixpath.normpath(anchored)), exclusion))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    @property
    def has_exclusions(self) -> bool:
        return any(exclusion for _, exclusion in self.patterns)

    def matches(self, path: str) -> bool:
        """Tell whether `path` (absolute) or a folder above it matches, the last matching pattern deciding."""
        candidates = _with_parents(path)
        matched = False
        for regex, exclusion in self.patterns:
            # An include pattern changes nothing once matched, an exclusion nothing until then.
            if exclusion != matched:
                continue
            if any(regex.match(candidate) for candidate in candidates):
                matched = not exclusion
        return matched


def _with_parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:count]) for count in range(2, len(parts) + 1)]


def _compile(pattern: str) -> re.Pattern[str]:
    """Translate a `.dockerignore` pattern on a whole path into a regular expression."""
    out = ["^"]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            if pattern.startswith("**", index):
                index += 2
                if pattern.startswith("/", index):
                    index += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[index + 1:end]
                if body.startswith(("!", "^")):
                    body = "^" + body[1:]
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                index = end
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(char))
        index += 1
    out.append("$")
    return re.compile("".join(out))


_EDITOR_SUFFIXES = ("~", "___jb_old___", "___jb_tmp___")
_VIM_SWAP = re.compile(r"^\..*\.sw[pxon]$")


def is_scratch_path(path: str, root: str) -> bool:
    """Tell whether a path under `root` is in a `.git` or `.idea` folder or is an editor's temporary file."""
    relative = os.path.relpath(path, root) if path != root else os.path.basename(path)
    parts = relative.split("/")
    if ".git" in parts or ".idea" in parts[:-1]:
        return True
    name = parts[-1]
    return (name.endswith(_EDITOR_SUFFIXES) or name.startswith(".#") or name == "4913"
            or bool(_VIM_SWAP.match(name)))


class WatchRule(NamedTuple):
    """One `develop.watch` rule of a service, with its patterns compiled."""

    service: str
    index: int  # the rule's position in the service's list
    path: str
    action: str
    target: str | None = None
    ignore: PatternSet | None = None
    include: PatternSet | None = None
    dockerignore: PatternSet | None = None
    exec: dict[str, Any] | None = None
    initial_sync: bool = False

    @property
    def syncs(self) -> bool:
        return self.action in SYNC_ACTIONS

    def ignores(self, path: str) -> bool:
        """Tell whether a path under the rule's path is left out by the rule's or the context's patterns."""
        if is_scratch_path(path, self.path):
            return True
        if self.dockerignore and self.dockerignore.matches(path):
            return True
        return bool(self.ignore) and self.ignore.matches(path)  # type: ignore[union-attr]

    def covers(self, path: str) -> bool:
        """Tell whether a changed path counts for this rule."""
        if not is_within(path, self.path):
            return False
        if self.include and not self.include.matches(path):
            return False
        return not self.ignores(path)

    def container_path(self, path: str) -> str | None:
        """Return where a host path under the rule's path goes in the container, or None without `target`."""
        if not self.target:
            return None
        relative = os.path.relpath(path, self.path)
        return self.target if relative == "." else posixpath.normpath(posixpath.join(self.target, relative))


def watch_rules(project: Project, services: Sequence[str]) -> tuple[list[WatchRule], list[str]]:
    """Return the rules of the services named (default: all) and warnings about rules left out.

    Raises `InvalidProjectError` for a rule crank cannot act on, and `NothingToWatchError`
    when no service has a rule. A sync rule whose path a bind mount of the service already
    shares is left out with a warning, as docker compose does, because the container reads
    those files already.
    """
    definitions = project.model["services"]
    rules: list[WatchRule] = []
    warnings: list[str] = []
    for name in services or sorted(definitions):
        service = definitions[name]
        entries = (service.get("develop") or {}).get("watch") or []
        dockerignore = _dockerignore(service.get("build"))
        for index, entry in enumerate(entries):
            rule = _rule(name, index, entry, service, dockerignore)
            if rule.syncs and _bind_mounted(rule.path, service):
                warnings.append(f"service {name}: {rule.path} is also bind-mounted into the container, "
                                "so crank does not watch it for the rule that syncs it")
                continue
            rules.append(rule)
    if not rules and not warnings:
        chosen = "the services named have" if services else "no service of the project has"
        raise NothingToWatchError(f"nothing to watch: {chosen} develop.watch rules; "
                                  "see https://docs.docker.com/compose/how-tos/file-watch/")
    return rules, warnings


def _rule(service_name: str, index: int, entry: dict[str, Any], service: dict[str, Any],
          dockerignore: PatternSet | None) -> WatchRule:
    action = entry.get("action")
    path = os.path.normpath(str(entry.get("path") or ""))
    where = f"services.{service_name}.develop.watch[{index}]"
    if action in ("rebuild",) and not service.get("build"):
        raise InvalidProjectError(f"{where}: action rebuild needs a build section in service {service_name}")
    command = (entry.get("exec") or {}).get("command")
    if action == "sync+exec" and not command:
        raise InvalidProjectError(f"{where}: action sync+exec needs exec.command")
    if action in SYNC_ACTIONS and not entry.get("target"):
        raise InvalidProjectError(f"{where}: action {action} needs a target, the path in the container")
    return WatchRule(
        service=service_name,
        index=index,
        path=path,
        action=str(action),
        target=entry.get("target"),
        ignore=PatternSet(path, entry.get("ignore") or []),
        include=PatternSet(path, entry.get("include") or []) if entry.get("include") else None,
        dockerignore=dockerignore,
        exec=entry.get("exec") if action == "sync+exec" else None,
        initial_sync=bool(entry.get("initial_sync")),
    )


def _dockerignore(build: Any) -> PatternSet | None:
    """Read the build context's ignore file: `DOCKERFILE.dockerignore` first, then `.dockerignore`."""
    if not isinstance(build, dict) or not build.get("context"):
        return None
    context = str(build["context"])
    if "://" in context or not os.path.isdir(context):
        return None
    candidates = []
    if build.get("dockerfile"):
        candidates.append(os.path.join(context, f"{build['dockerfile']}.dockerignore"))
    candidates.append(os.path.join(context, ".dockerignore"))
    for candidate in candidates:
        try:
            with open(candidate, encoding="utf-8") as handle:
                return PatternSet(os.path.abspath(context), read_ignore_file(handle.read()))
        except FileNotFoundError:
            continue
        except OSError:
            return None
    return None


def read_ignore_file(text: str) -> list[str]:
    """Return the patterns of a `.dockerignore` file: comments and blank lines dropped, a leading `/` too."""
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        body = line[1:].strip() if exclusion else line
        body = body.lstrip("/") or "/"
        patterns.append(f"!{body}" if exclusion else body)
    return patterns


def _bind_mounted(path: str, service: dict[str, Any]) -> bool:
    for volume in service.get("volumes") or []:
        source = volume.get("source") if volume.get("type") == "bind" else None
        if source and is_within(path, os.path.normpath(str(source))):
            return True
    return False


class BatchPlan(NamedTuple):
    """The actions a batch of changed paths requires of each service, in the order they run."""

    rebuild: list[str]
    sync: dict[str, list[tuple[str, str]]]  # service: (host path, container path), each once
    restart: list[str]
    exec: dict[str, list[WatchRule]]  # service: its sync+exec rules that matched, each once


def plan_batch(paths: Iterable[str], rules: Sequence[WatchRule]) -> BatchPlan:
    """Return the actions a batch of changed paths calls for, as docker compose groups them.

    A path counts for every rule that covers it. Rebuilds come first, then syncs, restarts
    and `exec` commands. A service that is rebuilt is not also restarted, because its
    containers are new, but its files are still synced and its commands run, as docker
    compose does. Each service restarts once and runs each matching `exec` command once per
    batch, however many files changed.
    """
    rebuild: dict[str, None] = {}
    sync: dict[str, dict[str, str]] = {}
    restart: dict[str, None] = {}
    exec_rules: dict[str, dict[int, WatchRule]] = {}
    for path in paths:
        for rule in rules:
            if not rule.covers(path):
                continue
            if rule.action == "rebuild":
                rebuild[rule.service] = None
                continue
            if rule.syncs:
                target = rule.container_path(path)
                if target is not None:
                    sync.setdefault(rule.service, {})[path] = target
            if rule.action in ("restart", "sync+restart"):
                restart[rule.service] = None
            if rule.action == "sync+exec":
                exec_rules.setdefault(rule.service, {})[rule.index] = rule
    return BatchPlan(
        rebuild=sorted(rebuild),
        sync={service: sorted(mappings.items()) for service, mappings in sorted(sync.items())},
        restart=sorted(service for service in restart if service not in rebuild),
        exec={service: [found[index] for index in sorted(found)] for service, found in sorted(exec_rules.items())},
    )


def prune_folder(rules: Sequence[WatchRule]):  # type: ignore[no-untyped-def]
    """Return a test for folders that no rule could act on, so polling need not read them.

    A folder is skipped when every rule whose path contains it ignores it without exceptions,
    that is, with no `!` pattern that could take back a path inside it.
    """
    def prune(folder: str) -> bool:
        holding = [rule for rule in rules if is_within(folder, rule.path) and folder != rule.path]
        if not holding:
            return False
        return all(_ignores_whole(rule, folder) for rule in holding)

    return prune


def _ignores_whole(rule: WatchRule, folder: str) -> bool:
    if is_scratch_path(folder, rule.path) and os.path.basename(folder) in (".git", ".idea"):
        return True
    for patterns in (rule.dockerignore, rule.ignore):
        if patterns and not patterns.has_exclusions and patterns.matches(folder):
            return True
    return False
