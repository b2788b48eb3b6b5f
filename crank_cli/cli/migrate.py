"""`crank migrate`: move the project's containers, images and volumes to another engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli.context import global_options, json_errors, load_project

if TYPE_CHECKING:
    from crank_cli.runtime.compatible import DockerCompatibleEngine


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate)


def migrate(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(help="Services to move; default: every service with a container on the source. Services that stay must not depend on them.")] = None,  # noqa: UP045
    to: Annotated[Optional[str], typer.Option("--to", metavar="ENGINE", help="Engine to move the project to: docker, podman or containerd.")] = None,  # noqa: UP045
    source: Annotated[Optional[str], typer.Option("--from", metavar="ENGINE", help="Engine the project runs on; default: the one engine that has its containers.")] = None,  # noqa: UP045
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan (images, volumes and their sizes, containers, findings) and change nothing.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Stop when the plan has any compatibility finding.")] = False,
    keep_source: Annotated[bool, typer.Option("--keep-source", help="Keep the source containers, stopped, instead of removing them.")] = False,
    replace_existing: Annotated[bool, typer.Option("--replace-existing", help="Let the migration point an image name that exists on the target at the source's image, and replace the content of the project's volumes that exist there; without it, migrate stops before changing anything.")] = False,
    verify_timeout: Annotated[float, typer.Option("--verify-timeout", min=1, metavar="SECONDS", help="Seconds to wait for the services on the target to run and be healthy before moving back.")] = 120.0,
    rollback: Annotated[bool, typer.Option("--rollback", help="Move the last finished migration back to its source engine, with the data written since.")] = False,
    helper_image: Annotated[Optional[str], typer.Option("--helper-image", envvar="CRANK_MIGRATE_HELPER_IMAGE", metavar="IMAGE", help="Image with tar for the containers that copy volumes; default: a service image that has tar, GNU tar first.")] = None,  # noqa: UP045
    output_format: Annotated[str, typer.Option("--format", metavar="FORMAT", help="Format of the --dry-run plan: text or json.")] = "text",
) -> None:
    """Move the project to another engine: images, volumes, then containers, checked at each step.

    An interrupted or failed migration leaves the project on the source; running migrate
    again first finishes or undoes an interrupted one.
    """
    from crank_cli import render
    from crank_cli.errors import UsageError
    from crank_cli.operations.migrate import Engines, MigrateOptions, check_findings, recover, roll_back
    from crank_cli.operations.migrate import migrate as run_migrate
    from crank_cli.operations.migrate import record as records
    from crank_cli.operations.migrate.describe import plan_lines
    from crank_cli.operations.migrate.inventory import locate_source

    if output_format not in ("text", "json"):
        raise UsageError(f"invalid --format {output_format!r}: use text or json")
    if output_format == "json" and not dry_run:
        raise UsageError("--format json applies only to the plan that --dry-run prints")
    as_json = output_format == "json"
    # With --format json, an error before the plan is ready is a JSON document on stdout too.
    with json_errors(as_json):
        project = load_project(ctx)
        # A migration logs many steps over minutes, so it always shows lines, not a live table.
        events = render.line_progress(global_options(ctx).progress)
        if rollback:
            result = roll_back(project, _usable_engine, events, verify_timeout=verify_timeout)
            assert result.plan is not None
            _print_downtime(result.downtime, stopped_on=result.plan.target, verified_on=result.plan.source)
            return
        if to is None:
            raise UsageError("missing option --to ENGINE: name the engine to move the project to (docker, podman or containerd)")
        if source is not None and source == to:
            raise UsageError(f"--from and --to both name {to}: --to names the engine to move the project to, "
                             "which must differ from the one it runs on")
        target = _usable_engine(to)
        if not dry_run:
            recovered = recover(project, _usable_engine, events)
            if recovered:
                render.info(recovered)
        elif records.latest(project.working_dir, project.name, records.RUNNING) is not None:
            render.info("an unfinished migration is recorded: running migrate without --dry-run finishes or undoes it first")
        source_name = source or locate_source(_engines_with_project(), project.name)
        if source_name == target.name:
            raise UsageError(f"the project already runs on {target.name}: name another engine with --to")
        options = MigrateOptions(services=tuple(services or ()), dry_run=dry_run, strict=strict, keep_source=keep_source,
                                 verify_timeout=verify_timeout, helper_image=helper_image, replace_existing=replace_existing)
        result = run_migrate(project, Engines(source=_usable_engine(source_name), target=target), options, events)
    if dry_run:
        assert result.plan is not None
        if as_json:
            render.print_json({"schema": render.JSON_SCHEMA_VERSION, "plan": result.plan.as_dict()})
        else:
            for line in plan_lines(result.plan):
                typer.echo(line)
        check_findings(result.plan.findings, strict=strict)
        return
    render.info(f"project {project.name} now runs on {target.name}; record: {result.record.path if result.record else '-'}")
    _print_downtime(result.downtime, stopped_on=source_name, verified_on=target.name)


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
