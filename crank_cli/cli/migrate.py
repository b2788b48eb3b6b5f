"""`crank migrate`: move the project's containers, images and volumes to another engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli import verbose
from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import global_options, is_dry_run, json_errors, load_project

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crank_cli.compose import Project
    from crank_cli.operations.migrate import MigrateOptions
    from crank_cli.operations.migrate.plan import Plan
    from crank_cli.runtime.compatible import DockerCompatibleEngine


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate)


def migrate(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services to move; default: every service with a container on the source. Services that stay must not depend on them.")] = None,  # noqa: UP045
    to: Annotated[Optional[str], typer.Option("--to", metavar="ENGINE", help="Engine to move the project to: docker, podman or containerd.")] = None,  # noqa: UP045
    source: Annotated[Optional[str], typer.Option("--from", metavar="ENGINE", help="Engine the project runs on; default: the one engine that has its containers.")] = None,  # noqa: UP045
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan (images, volumes and their sizes, containers, findings), or with --rollback the rollback's plan, and change nothing. The global --dry-run does the same.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Stop when the plan has any compatibility finding.")] = False,
    keep_source: Annotated[bool, typer.Option("--keep-source", help="Keep the source containers, stopped, instead of removing them.")] = False,
    replace_existing: Annotated[bool, typer.Option("--replace-existing", help="Let the migration point an image name that exists on the target at the source's image, and replace the content of the project's volumes that exist there; without it, migrate stops before changing anything.")] = False,
    verify_timeout: Annotated[float, typer.Option("--verify-timeout", min=1, metavar="SECONDS", help="Seconds to wait for the services on the target to run and be healthy before moving back.")] = 120.0,
    rollback: Annotated[bool, typer.Option("--rollback", help="Move the last finished migration back to its source engine, with the data written since.")] = False,
    helper_image: Annotated[Optional[str], typer.Option("--helper-image", envvar="CRANK_MIGRATE_HELPER_IMAGE", metavar="IMAGE", help="Image with tar for the containers that copy volumes; default: a service image that has tar, GNU tar first.")] = None,  # noqa: UP045
    output_format: Annotated[str, typer.Option("--format", metavar="FORMAT", help="Format of the --dry-run plan and of errors: text or json. json needs --dry-run.")] = "text",
) -> None:
    """Move the project to another engine: images, volumes, then containers, checked at each step.

    An interrupted or failed migration leaves the project on the source; running migrate
    again first finishes or undoes an interrupted one.
    """
    from crank_cli.errors import UsageError
    from crank_cli.operations.migrate import MigrateOptions, check_findings

    if output_format not in ("text", "json"):
        raise UsageError(f"invalid --format {output_format!r}: use text or json")
    as_json = output_format == "json"
    # The global --dry-run (`crank --dry-run migrate`) is the same as the verb's own.
    dry_run = is_dry_run(ctx, dry_run)
    # With --format json, every error, a usage error included, is a JSON document on stdout.
    with json_errors(as_json):
        if as_json and not dry_run:
            raise UsageError("--format json applies only to the plan that --dry-run prints")
        project = load_project(ctx)
        with _lock(project.name, dry_run):
            if rollback:
                _roll_back(ctx, project, dry_run=dry_run, as_json=as_json, verify_timeout=verify_timeout)
                return
            plan = _migrate(ctx, project, to, source,
                            MigrateOptions(services=tuple(services or ()), dry_run=dry_run, strict=strict,
                                           keep_source=keep_source, verify_timeout=verify_timeout,
                                           helper_image=helper_image, replace_existing=replace_existing))
    if plan is not None:
        _print_plan(plan, as_json=as_json)
        # Outside `json_errors`, so the findings that stop a migration follow the JSON plan on stderr.
        check_findings(plan.findings, strict=strict)


def _lock(project: str, dry_run: bool):  # type: ignore[no-untyped-def]
    """Return the project's lock, which `up` and `down` take too.

    A second `migrate` would otherwise take the running migration's record for one that a
    crash interrupted, and undo it while it runs. A dry run changes nothing, so it takes no lock.
    """
    from contextlib import nullcontext

    from crank_cli import render
    from crank_cli.operations.lock import project_lock

    return nullcontext() if dry_run else project_lock(project, render.info)


def _roll_back(ctx: typer.Context, project: Project, *, dry_run: bool, as_json: bool, verify_timeout: float) -> None:
    """Roll back the last finished migration, or with `dry_run` print what that would do."""
    from crank_cli import render
    from crank_cli.operations.migrate import preview_rollback, roll_back
    from crank_cli.operations.migrate.rollback_plan import rollback_lines

    if dry_run:
        preview = preview_rollback(project, _usable_engine)
        if as_json:
            render.print_json({"schema": render.JSON_SCHEMA_VERSION, "rollback": preview.as_dict()})
        else:
            for line in rollback_lines(preview):
                typer.echo(line)
        return
    events = render.line_progress(global_options(ctx).progress)
    result = roll_back(project, _usable_engine, events, verify_timeout=verify_timeout)
    assert result.plan is not None
    _print_downtime(result.downtime, stopped_on=result.plan.target, verified_on=result.plan.source)
    _warn_pinned_engine(ctx, project, result.plan.source)


def _migrate(ctx: typer.Context, project: Project, to: str | None, source: str | None,
             options: MigrateOptions) -> Plan | None:
    """Plan the migration and carry it out; with `--dry-run`, return the plan instead."""
    from crank_cli import render
    from crank_cli.errors import UsageError
    from crank_cli.operations.migrate import Engines, recover
    from crank_cli.operations.migrate import migrate as run_migrate
    from crank_cli.operations.migrate import record as records
    from crank_cli.operations.migrate.inventory import locate_source

    if to is None:
        raise UsageError("missing option --to ENGINE: name the engine to move the project to (docker, podman or containerd)")
    if source is not None and source == to:
        raise UsageError(f"--from and --to both name {to}: --to names the engine to move the project to, "
                         "which must differ from the one it runs on")
    # A migration logs many steps over minutes, so it always shows lines, not a live table.
    events = render.line_progress(global_options(ctx).progress)
    target = _usable_engine(to)
    recovered = None
    unfinished = None
    if not options.dry_run:
        recovered = recover(project, _usable_engine, events)
        if recovered:
            render.info(recovered)
    else:
        unfinished = records.latest(project.working_dir, project.name, records.RUNNING)
    if unfinished is not None:
        render.info("an unfinished migration is recorded: running migrate without --dry-run finishes or undoes it first")
        # Its containers may be on both engines now, so the project is where a real run
        # leaves it: on the target once the target was verified, else back on the source.
        verified = unfinished.step in (records.VERIFIED, records.SOURCE_REMOVED)
        source = source or (unfinished.plan.target if verified else unfinished.plan.source)
    source_name = source or locate_source(_engines_with_project(), project.name)
    if source_name == target.name:
        if unfinished is not None:
            render.info(f"that leaves the project on {target.name}, so a real run has nothing else to move")
            return None
        if recovered:
            # The recovery left the project on the engine requested, so nothing is left to move.
            _warn_pinned_engine(ctx, project, target.name)
            return None
        raise UsageError(f"the project already runs on {target.name}: name another engine with --to")
    source_engine = _usable_engine(source_name)
    project = _enable_present_services(ctx, project, source_engine)
    result = run_migrate(project, Engines(source=source_engine, target=target), options, events)
    if options.dry_run:
        return result.plan
    record = result.record.path if result.record else "-"
    plan = result.plan
    if plan is not None and not plan.full:
        # The services that stay keep running on the source, so the project is on both engines now.
        moved = ", ".join(plan.services)
        render.info(f"services {moved} of project {project.name} now run on {target.name}, and the other "
                    f"services stay on {source_name}; record: {record}")
    else:
        render.info(f"project {project.name} now runs on {target.name}; record: {record}")
    _print_downtime(result.downtime, stopped_on=source_name, verified_on=target.name)
    if plan is not None and not plan.full:
        _warn_pinned_split(ctx, project, plan.services, target.name)
    else:
        _warn_pinned_engine(ctx, project, target.name)
    return None


def _enable_present_services(ctx: typer.Context, project: Project, source: DockerCompatibleEngine) -> Project:
    """Load the project again with its disabled services enabled when they have containers on `source`.

    A service is disabled when no active profile enables it. `up --profile P` started those
    containers, and `down` without the profile removes them, so the migration moves them
    with the rest, as if each such service were named.
    """
    from crank_cli.compose import load_project as load
    from crank_cli.operations.migrate.inventory import present_disabled_services

    present = present_disabled_services(project, source)
    if not present:
        return project
    verbose.info("project", "enabling %s: no active profile enables them, but they have containers on %s",
                 ", ".join(present), source.name)
    # The first load has shown the loader's warnings already.
    return load(global_options(ctx).load_options(present))


def _print_plan(plan: Plan, *, as_json: bool) -> None:
    from crank_cli import render
    from crank_cli.operations.migrate.describe import plan_lines

    if as_json:
        render.print_json({"schema": render.JSON_SCHEMA_VERSION, "plan": plan.as_dict()})
    else:
        for line in plan_lines(plan):
            typer.echo(line)


def _warn_pinned_engine(ctx: typer.Context, project: Project, now_on: str) -> None:
    """Warn when the runtime setting names an engine other than the one the project now runs on.

    The other verbs follow that setting, so they would look for the project on the old engine.
    The migration has finished by then, so this is a warning and the exit code stays 0.
    """
    from crank_cli import render
    from crank_cli.cli.context import load_settings
    from crank_cli.settings import RUNTIME_KEY

    runtime = load_settings(ctx).runtime
    if runtime.value in ("auto", now_on):
        return
    where = runtime.source
    if where == "the --runtime flag":
        render.warn(f"the --runtime flag names {runtime.value}, but project {project.name} now runs on {now_on}: "
                    f"pass --runtime {now_on} (or auto) to the next commands, or they will look for it on {runtime.value}")
        return
    if where == f"{RUNTIME_KEY} in .env":
        where = f"{RUNTIME_KEY} in {project.working_dir / '.env'}"
    render.warn(f"{where} names {runtime.value}, but project {project.name} now runs on {now_on}: "
                f"set {RUNTIME_KEY}={now_on} (or auto) there, or the other verbs will look for it on {runtime.value}")


def _warn_pinned_split(ctx: typer.Context, project: Project, moved: Sequence[str], now_on: str) -> None:
    """Warn when the runtime setting names one engine, after a migration left the project on two.

    The other verbs then act on that engine alone and exit with code 2 while the other one
    has the project's containers, whereas runtime auto acts on both.
    """
    from crank_cli import render
    from crank_cli.cli.context import load_settings
    from crank_cli.settings import RUNTIME_KEY

    runtime = load_settings(ctx).runtime
    if runtime.value == "auto":
        return
    where = runtime.source
    fix = f"set {RUNTIME_KEY}=auto there"
    if where == "the --runtime flag":
        fix = "pass --runtime auto to the next commands"
    elif where == f"{RUNTIME_KEY} in .env":
        where = f"{RUNTIME_KEY} in {project.working_dir / '.env'}"
    render.warn(f"{where} names {runtime.value}, but services {', '.join(moved)} of project {project.name} now run "
                f"on {now_on}: {fix}, or the other verbs will act on {runtime.value} only")


def _print_downtime(seconds: float | None, *, stopped_on: str, verified_on: str) -> None:
    if seconds is not None:
        typer.echo(f"downtime: {seconds:.2f} s (services stopped on {stopped_on} until verified on {verified_on})")


def _usable_engine(name: str) -> DockerCompatibleEngine:
    """Return the engine named, or raise when it is unknown or does not respond."""
    from crank_cli.errors import NoUsableEngineError, UsageError
    from crank_cli.runtime import ENGINES
    from crank_cli.runtime.resolve import make_backend

    if name not in ENGINES:
        raise UsageError(f"invalid engine {name!r}: expected one of {', '.join(ENGINES)}")
    engine = make_backend(name)
    info = engine.probe()
    if not info.usable:
        raise NoUsableEngineError(f"{name} is not usable: {info.reason}")
    return engine


def _engines_with_project() -> dict[str, DockerCompatibleEngine]:
    from crank_cli.runtime.resolve import make_backend, probe_all

    return {info.name: make_backend(info.name) for info in probe_all() if info.usable}
