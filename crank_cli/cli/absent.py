"""Explain why the chosen engine has none of a project's containers, when crank cannot act on the project there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crank_cli.cli.context import CommandContext, load_settings

if TYPE_CHECKING:
    from crank_cli.runtime.models import ContainerState
    from crank_cli.runtime.resolve import Resolution
    from crank_cli.settings import Settings


def reject_absent_project(ctx: CommandContext, project: str, engine: Resolution, verb: str) -> None:
    """Raise `UsageError` when another tool started the project on `engine`, or another engine runs it.

    Raise `NoUsableEngineError` when crank fell back from the engine named in the settings,
    which may run the project. Under runtime auto, warn about each installed engine that did
    not respond and may run it.
    Call it only after `verb` found none of crank's containers of the project on `engine`:
    the checks cost engine queries, which a project that is there does not need.
    """
    from crank_cli.operations.foreign import reject_foreign_project
    from crank_cli.operations.labels import container_filter
    from crank_cli.runtime.placement import check_project_elsewhere, reject_empty_fallback

    reject_foreign_project(project, engine.backend, verb)
    settings = load_settings(ctx)
    check_project_elsewhere(project, container_filter(project), settings, engine, verb)
    reject_empty_fallback(project, settings, engine, verb)
    warn_absent_project(ctx, project, engine, verb)


def warn_absent_project(ctx: CommandContext, project: str, engine: Resolution, verb: str) -> None:
    """Under runtime auto, warn that an installed engine that did not respond may run the project that `verb` did not find."""
    warn_unseen_engines(load_settings(ctx), engine, f"if project {project} runs there, `crank {verb}` acts on "
                                                    f"{engine.info.name} instead, where the project has no containers")


def warn_unseen_engines(settings: Settings, engine: Resolution, consequence: str) -> None:
    """Warn on stderr about each installed engine that runtime auto passed over because it did not respond."""
    from crank_cli import render
    from crank_cli.runtime.placement import unseen_engine_warnings

    for warning in unseen_engine_warnings(engine, settings, consequence):
        render.warn(warning)


def reject_if_absent(ctx: CommandContext, project: str, engine: Resolution, verb: str) -> None:
    """Run `reject_absent_project` when `engine` has no container of the project at all.

    For a verb that found nothing to act on, which can also mean that every container is
    already in the state the verb requests.
    """
    from crank_cli.operations.labels import container_filter

    if not engine.backend.has_containers(container_filter(project)):
        reject_absent_project(ctx, project, engine, verb)


def running_replica(ctx: CommandContext, project: str, engine: Resolution, service: str, index: int,
                    verb: str) -> ContainerState:
    """Return the running container number `index` of `service`.

    Raise `NoRunningContainerError` (exit code 1, as docker compose 2.40.3 exits) when there
    is none, or `UsageError` when the project is another tool's or runs on another engine.
    """
    from crank_cli.operations.labels import service_filter
    from crank_cli.operations.running import NoRunningContainerError

    states = engine.backend.list_containers(service_filter(project, service))
    target = next((state for state in states if state.replica == index and state.running), None)
    if target is None:
        if not states:
            reject_if_absent(ctx, project, engine, verb)
        raise NoRunningContainerError(f"service {service} has no running container number {index}: start it with crank up")
    return target
