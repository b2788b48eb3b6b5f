"""Keep a project on one engine: `up` starts no second copy, and the other verbs name the engine it runs on.

crank finds a project by its containers' labels on each engine, so a project whose
containers run on Docker is invisible to a command that uses Podman. Without this check, a
fresh `up` on Podman would create the whole project again there, with new, empty volumes.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from crank_cli import process, rerun
from crank_cli.errors import NoUsableEngineError, UsageError
from crank_cli.process import Runner
from crank_cli.operations.labels import COMPOSE_PROJECT, PROJECT, foreign_tool
from crank_cli.runtime import ENGINES
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.models import EngineInfo
from crank_cli.runtime.resolve import Resolution, engines_with_containers, make_backend
from crank_cli.settings import Settings, named_for_project
from crank_cli.threads import run_all, start


def check_new_project_engine(project: str, labels: dict[str, str | None], settings: Settings,
                             engine: Resolution, *, runner: Runner = process.run,
                             existing_volumes: Collection[str] | None = None,
                             moved_to: str | None = None) -> list[str]:
    """Raise if `up` must not create project `project` on `engine`, which has none of its containers yet.

    The other engines are probed and queried at once, except those already found unusable.
    Each is asked for containers that docker compose or podman-compose labelled with the
    project's name, for crank's volumes of the project, and, unless the runtime is `auto`,
    for crank's own containers (under `auto`, resolution has already looked for those on
    every usable engine). `UsageError` is raised when another usable engine has the
    project's containers, or under `auto` its volumes, and `NoUsableEngineError` when
    fallback left an installed engine, named by the flag or the project's env files, that
    may have them. Return the warnings to show: volumes on another engine when the engine
    was named.

    `existing_volumes` are the project's volumes on `engine` before `up` began, since `up`
    creates its volumes while this check runs; None lists them now. When both engines have
    the project's volumes, those on `engine` are used. The exception is `moved_to`, the
    engine that the project's last finished migration moved it to, when it is the other
    one. Its copies are the newer, so under `auto` this raises `UsageError`, and otherwise
    it warns.
    """
    auto = settings.runtime.value == "auto"
    if not auto:
        _reject_fallback_from_named_engine(project, settings, engine)
    skip = {engine.info.name, *(info.name for info in engine.rejected)}
    holders = _engines_with_project(project, None if auto else labels, skip, runner)
    for holder in holders:
        if holder.tool == "crank":
            raise UsageError(_second_copy_message(project, engine.info.name, holder.info.name))
        if holder.tool is not None:
            raise UsageError(_other_tool_copy_message(project, engine.info.name, holder.info.name, holder.tool))
    with_volumes = [holder for holder in holders if holder.volumes]
    if not with_volumes:
        return []
    on_chosen = engine.backend.list_volumes({PROJECT: project}) if existing_volumes is None else existing_volumes
    if on_chosen:
        # Both engines have volumes of the project. Those on the chosen engine are the ones
        # this up uses, unless a migration moved the project away and left them as a backup.
        newer = next((holder for holder in with_volumes if holder.info.name == moved_to), None)
        if newer is None:
            return []
        message = _older_copies_message(project, engine.info.name, newer)
        if auto:
            raise UsageError(f"{message}; or name the engine with `crank --runtime {engine.info.name} up` to use "
                             "the older copies")
        return [message]
    holder = with_volumes[0]
    if auto:
        raise UsageError(f"{_volumes_elsewhere_message(project, engine.info.name, holder, 'would start')}; or name "
                         f"the engine with `crank --runtime {engine.info.name} up` to start with new, empty volumes")
    return [_volumes_elsewhere_message(project, engine.info.name, holder, "starts")]


class _Holder(NamedTuple):
    """The part of a project on another engine: the tool that made its containers, if any, and crank's volumes of it."""

    info: EngineInfo
    tool: str | None
    volumes: list[str]


def _engines_with_project(project: str, labels: dict[str, str | None] | None, skip: set[str],
                          runner: Runner) -> list[_Holder]:
    """Return each usable engine outside `skip` that has the project's containers or crank's volumes of it.

    The tool is "crank" for containers with `labels` (None skips that query), and otherwise
    the tool named by docker compose's project label, which podman-compose sets too.
    """
    backends = [make_backend(name, runner) for name in ENGINES if name not in skip]

    def holder(backend: DockerCompatibleEngine) -> _Holder | None:
        info = backend.probe()
        if not info.usable:
            return None

        # On Podman each query is a client process, and a fresh `up` waits for this check
        # before its first container, so the queries run at once.
        compose_tool = start(lambda: foreign_tool(backend.list_containers({COMPOSE_PROJECT: project})))
        volumes = start(lambda: backend.list_volumes({PROJECT: project}))
        has_crank_containers = labels is not None and backend.has_containers(labels)
        other_tool = compose_tool()
        found = _Holder(info, "crank" if has_crank_containers else other_tool, sorted(volumes()))
        return found if found.tool is not None or found.volumes else None

    found = run_all(holder, backends, limit=max(len(backends), 1))
    return [holder for holder in found if holder is not None]


def check_project_elsewhere(project: str, labels: dict[str, str | None], settings: Settings, engine: Resolution,
                            verb: str, *, runner: Runner = process.run) -> None:
    """Raise `UsageError` when `engine` has none of the project's containers but another usable engine has them.

    Call it only after the verb found none of the project's containers on `engine`, because
    it probes the other engines. Under runtime `auto`, resolution already chose the engine
    that has the project, so no engine is queried.
    """
    if settings.runtime.value == "auto":
        return
    skip = {engine.info.name, *(info.name for info in engine.rejected)}
    holders = engines_with_containers(labels, skip=skip, runner=runner)
    if holders:
        chosen, holder, named = engine.info.name, holders[0].name, settings.runtime.value
        chosen_by = f"that {settings.runtime.source} chose" if chosen == named else f"crank fell back to from {named}"
        message = (f"project {project} has no containers on {chosen}, the engine {chosen_by}, "
                   f"but it has containers on {holder}. Run `{rerun.on_engine(holder, verb, verb)}` to act on it there, "
                   f"or `crank migrate --to {chosen}` to move it")
        raise UsageError(message)


def unseen_engine_warnings(engine: Resolution, settings: Settings, consequence: str) -> list[str]:
    """Return a warning for each installed engine that runtime `auto` passed over because it did not respond.

    crank cannot see that engine's containers, so a project that runs there looks absent.
    Refusing to go on would stop every user who has a client, such as `docker`, installed
    but never starts its engine, so the caller only warns. `consequence` describes what
    that means for the verb, and naming the engine silences the warning.
    """
    if settings.runtime.value != "auto":
        return []
    chosen = engine.info.name
    unseen = [info for info in engine.unusable if shutil.which(ENGINES[info.name].binary) is not None]
    return [
        f"{info.name} is installed but did not respond ({info.reason}), so runtime auto chose {chosen}, and "
        f"crank cannot see what runs on {info.name}: {consequence}. Start {info.name}, or name the engine to "
        f"use with `crank --runtime {chosen}` or CRANK_CONTAINER_RUNTIME={chosen} in .env, "
        f"which also silences this warning"
        for info in unseen
    ]


def _reject_fallback_from_named_engine(project: str, settings: Settings, engine: Resolution) -> None:
    """Raise when the named engine was passed over although it is installed and may run the project.

    An engine whose client is not installed cannot have the project's containers on this
    machine, so falling back from it is safe.
    """
    named = settings.runtime.value
    if not named_for_project(settings.runtime) or not _fell_back_from_installed(settings, engine):
        return
    reason = _rejection_reason(engine, named)
    message = (
        f"{named} ({settings.runtime.source}) is not usable: {reason}. "
        f"crank cannot see whether project {project} already runs on {named}, so it does not "
        f"create it on {engine.info.name}, where it would be a second copy with new volumes. "
        f"Start {named} (`crank doctor` shows why it failed), or, if the project does not run on "
        f"{named}, choose {engine.info.name} with `crank --runtime {engine.info.name} up`"
    )
    raise NoUsableEngineError(message)


def reject_empty_fallback(project: str, settings: Settings, engine: Resolution, verb: str) -> None:
    """Raise `NoUsableEngineError` when `verb` found nothing of the project on the engine crank fell back to.

    The named engine was not usable, and its client is installed, so the project may run
    there. Reporting success would let a `down` in a CI cleanup step pass while the project
    still runs. A named engine that is not installed cannot run the project on this machine.
    """
    named = settings.runtime.value
    if not _fell_back_from_installed(settings, engine):
        return
    chosen = engine.info.name
    message = (
        f"nothing of project {project} found on {chosen}, the engine crank fell back to because {named} "
        f"({settings.runtime.source}) is not usable: {_rejection_reason(engine, named)}. The project may "
        f"still run on {named}, where crank cannot see it. Start {named} (`crank doctor` shows why it "
        f"failed) and run `crank {verb}` again, or, if the project does not run on {named}, run "
        f"`crank --runtime {chosen} {verb}`"
    )
    raise NoUsableEngineError(message)


def _fell_back_from_installed(settings: Settings, engine: Resolution) -> bool:
    """Tell whether resolution passed over the engine that the settings name, although its client is installed."""
    named = settings.runtime.value
    if named == "auto" or engine.info.name == named:
        return False
    return shutil.which(ENGINES[named].binary) is not None


def _rejection_reason(engine: Resolution, name: str) -> str:
    return next((info.reason for info in engine.rejected if info.name == name), None) or "not usable"


def _second_copy_message(project: str, chosen: str, holder: str) -> str:
    return (
        f"project {project} already has containers on {holder}, so crank does not create it on "
        f"{chosen} as a second copy with new volumes. To move it, run `crank migrate --to {chosen}`; "
        f"to start it afresh on {chosen}, first remove it from {holder} with "
        f"`crank --runtime {holder} down`; to use it where it is, run `crank --runtime {holder} up`"
    )


def _volumes_elsewhere_message(project: str, chosen: str, holder: _Holder, starts: str) -> str:
    name = holder.info.name
    return (
        f"project {project} has no containers, but its volumes {', '.join(holder.volumes)} are on {name}, so this "
        f"up on {chosen} {starts} with new, empty volumes. To use the data, run `crank --runtime {name} up`; "
        f"to delete it, run `crank --runtime {name} down -v`"
    )


def _older_copies_message(project: str, chosen: str, newer: _Holder) -> str:
    name = newer.info.name
    return (
        f"project {project} has no containers, and its last migration moved it to {name}, which has its volumes "
        f"{', '.join(newer.volumes)}, so this up on {chosen} starts with the older copies that the migration left "
        f"on {chosen}. To use the newer data, run `crank --runtime {name} up`"
    )


def _other_tool_copy_message(project: str, chosen: str, holder: str, tool: str) -> str:
    return (
        f"project {project} already runs on {holder}, started by {tool}, so crank does not create it on "
        f"{chosen} as a second copy with new volumes. To move it to {chosen} and run it with crank, run "
        f"`crank migrate --from {holder} --to {chosen}`; to keep it where it is, go on using {tool}"
    )


def engines_with_named_containers(names: Sequence[str], *, skip: Iterable[str],
                                  runner: Runner = process.run) -> list[tuple[Resolution, list[str]]]:
    """Find containers by name on the usable engines other than those in `skip`.

    Returns each engine that has some of them, in the order of `ENGINES`, with the names
    found there. A name that several engines have is taken from the first.
    """
    skipped = set(skip)
    backends = [make_backend(name, runner) for name in ENGINES if name not in skipped]
    infos = run_all(lambda backend: backend.probe(), backends, limit=max(len(backends), 1))
    remaining = list(names)
    found: list[tuple[Resolution, list[str]]] = []
    for backend, info in zip(backends, infos, strict=True):
        if not info.usable or not remaining:
            continue
        states = backend.inspect_containers(remaining)
        # As with `docker stop`, a name may also be a container's ID or a prefix of it.
        present = [name for name in remaining if any(state.name == name or state.id.startswith(name) for state in states)]
        if present:
            found.append((Resolution(backend, info, f"the engine where container {present[0]} is"), present))
            remaining = [name for name in remaining if name not in present]
    return found
