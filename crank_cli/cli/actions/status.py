"""The action of `crank status` and `crank ps`, shared by the Typer command and the quick path."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from crank_cli import rerun
from crank_cli.cli.context import CommandContext, global_options, json_errors, usable_engines

if TYPE_CHECKING:
    from crank_cli.operations.status import StatusRow
    from crank_cli.runtime.backend import Backend
    from crank_cli.runtime.models import EngineInfo

# The fields a --format template reads: docker compose ps's names for what crank's rows hold,
# and crank's own Runtime and Host.
TEMPLATE_FIELDS: dict[str, Callable[[StatusRow], object]] = {
    "ID": lambda row: row.container_id,
    "Name": lambda row: row.container,
    "Names": lambda row: row.container,
    "Project": lambda row: row.project,
    "Service": lambda row: row.service,
    "State": lambda row: row.state,
    "Health": lambda row: row.health or "",
    "Image": lambda row: row.image,
    "Ports": lambda row: list(row.ports),
    "Runtime": lambda row: row.runtime,
    "Host": lambda row: row.host,
}
# The states that `--status` accepts, the values docker compose ps (2.40) lists for it.
STATES = ("paused", "restarting", "removing", "running", "dead", "created", "exited")
# The states plain ps shows. Docker's container list without --all keeps paused and restarting
# containers (checked on Docker 20.10), and docker compose ps shows that list.
DEFAULT_STATES = frozenset({"running", "paused", "restarting"})


class Selection(NamedTuple):
    """The containers to show, and the form to print them in: rows, only IDs, or only service names."""

    services: tuple[str, ...]
    states: frozenset[str] | None  # None shows every state
    quiet: bool
    list_services: bool
    orphans: bool = True  # False hides containers of services that the compose files do not declare
    no_trunc: bool = False
    template: str | None = None  # a --format template, such as '{{.Name}} {{.State}}', in place of the table


def run(ctx: CommandContext, services: list[str] | None, output_format: str, runtimes: bool,
        include_stopped: bool, all_projects: bool, quiet: bool, list_services: bool, states: list[str] | None,
        filter_value: str | None = None, no_trunc: bool = False, orphans: bool = True) -> None:
    as_json = output_format == "json"
    with json_errors(as_json):
        template = _template(output_format, runtimes=runtimes)
        if runtimes:
            from crank_cli.cli.actions.doctor import show_engines

            show_engines(ctx, as_json=as_json)
            return
        states = [*(states or ()), *_filtered_states(filter_value)]
        selection = Selection(tuple(services or ()), _states_to_show(states, include_stopped=include_stopped),
                              quiet, list_services, orphans, no_trunc, template)
        _show_status(ctx, selection, as_json=as_json, all_projects=all_projects)


def _template(output_format: str, *, runtimes: bool) -> str | None:
    """Return the --format template, or None for table and json; raise `UsageError` for any other value."""
    from crank_cli.errors import UsageError
    from crank_cli.render.row_templates import is_template

    if output_format in ("table", "json"):
        return None
    if not is_template(output_format):
        raise UsageError(f"invalid --format value {output_format!r}: expected table, json or a template "
                         "such as '{{.Name}} {{.State}}'")
    if runtimes:
        raise UsageError("--format TEMPLATE does not go with --runtimes: use table or json")
    return output_format


def _filtered_states(filter_value: str | None) -> list[str]:
    """Return the states a --filter value selects; as in docker compose 2.40.3, status is the only key."""
    from crank_cli.errors import UsageError

    if filter_value is None:
        return []
    key, equals, value = filter_value.partition("=")
    if not equals:
        raise UsageError(f"invalid --filter value {filter_value!r}: expected KEY=VALUE, such as status=running")
    if key != "status":
        raise UsageError(f"invalid --filter key {key!r}: the only key is status, as in status=running")
    return [value]


def _states_to_show(states: list[str] | None, *, include_stopped: bool) -> frozenset[str] | None:
    """Return the states to show: as in docker compose ps, running ones unless --all or --status is given."""
    from crank_cli.errors import UsageError

    if states:
        invalid = [state for state in states if state not in STATES]
        if invalid:
            message = f"invalid --status value {', '.join(invalid)}: expected one of {', '.join(STATES)}"
            raise UsageError(message)
        return frozenset(states)
    return None if include_stopped else DEFAULT_STATES


def _show_status(ctx: CommandContext, selection: Selection, *, as_json: bool, all_projects: bool) -> None:
    from crank_cli import render
    from crank_cli.operations.status import status as collect
    from crank_cli.operations.status import select

    project_name = None if all_projects else _project_name(ctx)
    engines = usable_engines(ctx)
    listed_elsewhere = _list_elsewhere(ctx, project_name, engines, selection.services)
    found = collect(engines, project_name)
    if project_name is not None and (selection.services or not found):
        _check_services(ctx, selection.services, found)
    elif selection.services:
        _require_found_services(selection.services, found, "no project has containers of it")
    if not selection.orphans and project_name is not None and not selection.services:
        found = _without_orphans(ctx, found)
    rows = select(found, states=selection.states, services=selection.services)
    # As in docker compose ps, -q takes precedence over --services, and both over --format.
    if selection.quiet:
        render.print_lines([row.container_id for row in rows])
    elif selection.list_services:
        render.print_lines(list(dict.fromkeys(row.service for row in rows)))
    elif as_json:
        render.print_json([row.as_dict() for row in rows])
    elif selection.template is not None:
        from crank_cli.operations.status import StatusRow
        from crank_cli.render.row_templates import render_rows

        render.print_lines(render_rows(selection.template, rows, TEMPLATE_FIELDS, StatusRow.as_dict))
    else:
        hidden = 0
        if selection.states == DEFAULT_STATES:
            hidden = len(select(found, states=None, services=selection.services)) - len(rows)
        _print_table(rows, project_name, hidden=hidden, truncate=not selection.no_trunc)
    if project_name is not None:
        _report_elsewhere(ctx, project_name, engines, listed_elsewhere(), selection.services, found=bool(found))


def _list_elsewhere(ctx: CommandContext, project_name: str | None, engines: list[tuple[Backend, EngineInfo]],
                    services: tuple[str, ...]) -> Callable[[], list[str]]:
    """Begin asking the other usable engines for containers of the project, or of `services`, and return a wait for their names.

    Only a named engine needs this: under runtime auto, `engines` has every usable one already.
    The question runs on a thread while the chosen engine lists the project's containers.
    """
    from crank_cli.cli.elsewhere import engines_with_services, is_auto
    from crank_cli.operations.labels import container_filter
    from crank_cli.runtime.resolve import engines_with_containers
    from crank_cli.threads import start

    if project_name is None or is_auto(ctx):
        return list
    skip = {info.name for _, info in engines}
    if services:
        return start(lambda: [holder.info.name for holder, _ in engines_with_services(project_name, skip, services)])
    return start(lambda: [info.name for info in engines_with_containers(container_filter(project_name), skip=skip)])


def _report_elsewhere(ctx: CommandContext, project_name: str, engines: list[tuple[Backend, EngineInfo]],
                      holders: list[str], services: tuple[str, ...], *, found: bool) -> None:
    """Tell on stderr that other engines have containers of the project, which a named engine's status leaves out.

    As for `logs`, a project with no container on the named engine at all exits with code 2.
    The hint goes to stderr also with `--format json`, so stdout holds only the rows.
    """
    from crank_cli import render
    from crank_cli.cli.context import load_settings
    from crank_cli.errors import Exit, ExitCode, UsageError

    if not holders:
        return
    runtime = load_settings(ctx).runtime
    chosen = engines[0][1].name
    chosen_by = f"that {runtime.source} chose" if chosen == runtime.value else f"crank fell back to from {runtime.value}"
    command = " ".join(("status", *services))
    names = ", ".join(holders)
    of_services = f" of {', '.join(services)}" if services else ""
    advice = (f"Run `{rerun.on_engine(holders[0], 'status', command)}` to see them there, "
              f"or `{rerun.on_engine('auto', 'status', command)}` to see every engine")
    if found:
        render.warn(f"project {project_name} also has containers{of_services} on {names}, which this status on "
                    f"{chosen}, the engine {chosen_by}, does not show. {advice}")
        return
    message = (f"project {project_name} has no containers on {chosen}, the engine {chosen_by}, "
               f"but it has containers{of_services} on {names}. {advice}")
    render.print_error(UsageError(message))
    raise Exit(ExitCode.USAGE)


def _without_orphans(ctx: CommandContext, found: list[StatusRow]) -> list[StatusRow]:
    """Return the rows of the services that the compose files declare.

    As in docker compose 2.40.3, nothing is left out when the project is known only by its
    name: given with -p and no -f, or without a compose file in reach.
    """
    from crank_cli.cli.context import load_project
    from crank_cli.errors import ProjectNotFoundError

    options = global_options(ctx)
    if options.project_name and not options.files:
        return found
    try:
        declared = load_project(ctx).model["services"]
    except ProjectNotFoundError:
        return found
    return [row for row in found if row.service in declared]


def _print_table(rows: Sequence[StatusRow], project_name: str | None, *, hidden: int, truncate: bool = True) -> None:
    from crank_cli import render
    from crank_cli.operations.status import CRANK, FIELDS

    headers = [field.upper() for field in FIELDS]
    cells = [[row.project if row.tool == CRANK else f"{row.project} ({row.tool})", row.service, row.container,
              row.runtime, row.host, row.state, row.health or "-", ", ".join(row.ports) or "-", row.image]
             for row in rows]
    title = f"project {project_name}" if project_name else "all projects"
    if project_name and render.is_terminal(sys.stdout):
        # On a terminal the title names the project, so its column only takes room.
        headers, cells = headers[1:], [cell[1:] for cell in cells]
    render.print_table(title, headers, cells, truncate=truncate)
    if not rows:
        render.info(f"no running containers found for {title}" if hidden else f"no containers found for {title}")
    if hidden:
        # Until crank took docker compose's default, status listed stopped containers too, so a
        # note on stderr counts the ones it now leaves out.
        counted = "1 container is" if hidden == 1 else f"{hidden} containers are"
        render.info(f"{counted} not running and not shown; --all shows every state")


def _project_name(ctx: CommandContext) -> str | None:
    """Return the project's name, or None when no compose file is in reach and nothing names it."""
    from crank_cli.errors import ProjectNotFoundError

    from crank_cli import verbose
    from crank_cli.cli.context import given_project_name, log_project_by_name
    from crank_cli.compose import project_name

    options = global_options(ctx)
    if options.project_name and not options.files:
        log_project_by_name(options, options.project_name)
        return options.project_name
    try:
        # Only the name is needed, which is much cheaper than loading the whole model.
        name = project_name(options.load_options())
    except ProjectNotFoundError:
        named = given_project_name(options)
        if named is None:
            verbose.info("project", "no compose file found and no project named, so status lists every project")
        else:
            log_project_by_name(options, named)
        return named
    verbose.info("project", "project %s, named from the compose files in reach of %s", name, options.working_dir)
    return name


def _check_services(ctx: CommandContext, services: Sequence[str], found: Sequence[StatusRow]) -> None:
    """Raise the loader's error if the compose files in reach do not load, or if a service is unknown.

    `status` reads only the project's name from them, which is much cheaper. When the project
    has no containers, though, an empty list from a broken file would tell a script that
    nothing runs, where docker compose ps reports the error. Services are checked against the
    compose file, or without one against the services of the project's containers.
    """
    from crank_cli.cli.context import load_project
    from crank_cli.errors import ProjectNotFoundError
    from crank_cli.operations.up import require_services

    try:
        project = load_project(ctx)
    except ProjectNotFoundError:
        _require_found_services(services, found, "without a compose file, only services with containers can be named")
        return
    require_services(project, services)


def _require_found_services(services: Sequence[str], found: Sequence[StatusRow], hint: str) -> None:
    from crank_cli.errors import UsageError

    known = {row.service for row in found}
    unknown = [service for service in services if service not in known]
    if unknown:
        raise UsageError(f"no such service: {', '.join(unknown)} ({hint})")
